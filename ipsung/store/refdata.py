"""The reference lists in data/: ICD-10 chapter F, referral sources, mistrivsel signs and
DISCO-08's major groups of jobs.

They ship inside the package as `ipsung.data`, so a non-editable install finds them.
Each list is read once per process and is immutable afterwards: to the rules they are
constants, kept as data so that a team can read and correct them without reading code.
"""

import json
from functools import cache
from pathlib import Path
from typing import Any


def _load(name: str) -> Any:
    # A plain file read where the lists lie as files: beside the installed package, or in
    # a source checkout's data/ folder. importlib.resources (it imports zipfile and more,
    # a few milliseconds on every start) only for an install that is not plain files.
    package = Path(__file__).resolve().parents[1]
    for folder in (package / "data", package.parent / "data"):
        if (folder / name).is_file():
            return json.loads((folder / name).read_text(encoding="utf-8"))
    from importlib import resources

    return json.loads(resources.files("ipsung.data").joinpath(name).read_text(encoding="utf-8"))


@cache
def icd10() -> dict[str, Any]:
    return _load("icd10_f.json")


@cache
def icd10_categories() -> frozenset[str]:
    """Every three-character chapter F category that exists, e.g. 'F84'."""
    return frozenset(icd10()["categories"])


def icd10_name(code: str) -> dict[str, str] | None:
    """English and Danish names of a normalised code ('F84.0' or 'F84'), most specific first."""
    data = icd10()
    if code in data["subcategories"]:
        return data["subcategories"][code]
    return data["categories"].get(code[:3])


@cache
def referral_sources() -> dict[str, dict[str, str]]:
    return {s["code"]: s for s in _load("referral_sources.json")["referral_sources"]}


@cache
def job_types() -> dict[str, dict[str, str]]:
    """DISCO-08's major groups, by code ("5": service and sales workers)."""
    return {g["code"]: g for g in _load("disco08_major_groups.json")["major_groups"]}


@cache
def mistrivsel_signs() -> dict[str, dict[str, str]]:
    return {s["code"]: s for s in _load("mistrivsel_signs.json")["mistrivsel_signs"]}
