"""Generated commands against a demo caseload (SPEC §2, §10): whatever is typed, the
answer is exit 0, 1 or 2 without a traceback, no CPR number or note typed in comes back
in an error message, and the file stays sound.

The commands and their options are read from the real CLI, so a new command is fuzzed
as soon as it exists. Paths are always inside the test's own folder.
"""

import json
import re
import sqlite3
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import typer
from conftest import CLI_ENV, TODAY_ISO, intake_args, invoke
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipsung import vocabulary
from ipsung.cli import app
from ipsung.store import refdata

# A CPR number as typed: DDMMYY-SSSS or ten digits (ASCII digits, not inside a longer number).
CPR_LIKE = re.compile(r"(?<![0-9])[0-9]{6}-?[0-9]{4}(?![0-9])")
NOTE_PREFIX = "Fortroligt notat om Sørine: "


def _commands() -> list[tuple[tuple[str, ...], object]]:
    """Every leaf command of the real CLI with its click parameters."""
    found = []

    def walk(group, prefix: tuple[str, ...]) -> None:
        for name, command in sorted(group.commands.items()):
            if getattr(command, "commands", None) is not None:
                walk(command, (*prefix, name))
            else:
                found.append(((*prefix, name), command))

    walk(typer.main.get_command(app), ())
    return found


COMMANDS = _commands()

# --- values -----------------------------------------------------------------------------------

TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=40,
)
CPR_LIKE_VALUES = st.one_of(
    st.from_regex(r"\A[0-9]{6}-?[0-9]{4}\Z"),
    st.builds(
        lambda d, m, y, s, dash: f"{d:02d}{m:02d}{y:02d}{dash}{s:04d}",
        st.integers(1, 31),
        st.integers(1, 12),
        st.integers(0, 99),
        st.integers(0, 9999),
        st.sampled_from(["-", ""]),
    ),
)
GOOD_DATES = st.one_of(
    st.sampled_from(["today", "i dag", "yesterday", "i går", TODAY_ISO, "23/11/26"]),
    st.builds(
        lambda d, m, y, sep: f"{d:02d}{sep}{m:02d}{sep}{y}",
        st.integers(1, 28),
        st.integers(1, 12),
        st.sampled_from([2008, 2009, 2010, 2011, 2024, 2025, 2026]),
        st.sampled_from(["-", ".", "/"]),
    ),
)
ODD_DATES = st.one_of(
    st.sampled_from(
        [
            "31-02-2026",
            "29-02-2027",
            "00-00-0000",
            "2026-13-01",
            "2026-11-23T10:00",
            "23 november 2026",
            "01-01-99999",
            "1-1-1",
            "-1-1-2026",
            "9999-12-31",
            "0001-01-01",
            "31.12.1899",
            "",
            " ",
            "i morgen",
            "tomorrow",
            "23-11-2026 23-11-2026",
        ]
    ),
    st.builds(
        lambda d, m, y, sep: f"{d}{sep}{m}{sep}{y}",
        st.integers(-2, 40),
        st.integers(-2, 14),
        st.integers(-1, 100000),
        st.sampled_from(["-", ".", "/", " ", ""]),
    ),
)
NUMBERS = st.one_of(
    st.integers(-5, 60).map(str),
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(["-0", "1e9", "NaN", "inf", "-inf", "3.5", "", "0x10", "٣", "1_000", " 7 "]),
)
ANY = st.one_of(TEXT, CPR_LIKE_VALUES, ODD_DATES, NUMBERS)
NOTES = TEXT.map(lambda t: NOTE_PREFIX + t)
NAMES = st.one_of(
    st.sampled_from(["Sofie Jensen", "Åse Ørnebjerg", "Mette Holm", "Jonas Berg", "  ", ""]),
    TEXT,
)


def _choices(*values: str) -> st.SearchStrategy[str]:
    return st.sampled_from(values).flatmap(lambda v: st.sampled_from([v, v.upper(), f" {v} "]))


OPTION_VALUES = {
    "--kind": _choices(*vocabulary.CONTACT_KINDS, *vocabulary.PLACEMENT_KINDS),
    "--channel": _choices(*vocabulary.CHANNELS),
    "--reason": st.one_of(_choices(*vocabulary.CLOSE_REASONS), TEXT),
    "--referred-by": _choices(*refdata.referral_sources()),
    "--substance": _choices("A", "B", "C", "D", "E", "a"),
    "--diagnosis": _choices("F90", "F90.0", "F84.0", "DF900", "F32", "G40", "F99", ""),
    "--mistrivsel": _choices("sadness", "anxiety", "isolation", "absence", "fravær", "angst"),
    "--pathway": _choices(*vocabulary.PATHWAYS, ""),
    "--status": _choices("active", "waitlisted", "closed", "all"),
    "--by": _choices("consultant", "referred-by"),
    "--dialect": _choices("csv", "excel-dk"),
    "--cpr": st.one_of(CPR_LIKE_VALUES, st.just("140310-4123")),
    "--name": NAMES,
    "--consultant": NAMES,
    "--to": st.one_of(NAMES, GOOD_DATES),
    "--note": NOTES,
    "--goal": TEXT,
    "--override": TEXT,
    "--employer": TEXT,
}
DATE_OPTIONS = {
    "--date",
    "--on",
    "--start",
    "--birth-date",
    "--referral-date",
    "--closed-before",
    "--from",
    "--to",
}
INT_NAMES = {"participant", "placement_id", "max_caseload"}
PATH_NAMES = {"path", "out", "file", "folder"}
OUT_NAMES = ["out.csv", "copy.db", "sub", "nested/missing/c.csv", "x y.csv", "æøå.csv", ""]


def value_for(param, out_dir: Path, wild: bool) -> st.SearchStrategy[str]:
    """Values for one parameter: the kinds it expects (so that commands get deep), mixed
    with anything at all when wild; a path is always inside out_dir."""
    if param.name in PATH_NAMES or param.type.name == "path":
        return st.sampled_from(OUT_NAMES).map(lambda n: str(out_dir / n))
    option = param.opts[0] if param.param_type_name == "option" else None
    good = OPTION_VALUES.get(option)
    if good is None and option in DATE_OPTIONS:
        good = GOOD_DATES
    if good is None and (param.name in INT_NAMES or param.type.name in ("integer", "int", "float")):
        good = st.integers(0, 45).map(str)
    if good is None and param.name == "name":
        good = NAMES
    if good is None and param.name == "table":
        good = _choices("participants", "contacts", "placements", "progress", "all")
    if good is None:
        return ANY
    return st.one_of(good, ANY) if wild else good


@st.composite
def from_params(draw, out_dir: Path) -> list[str]:
    """Any command of the real CLI with its own parameters: tame, one value wild, or wild."""
    path, command = draw(st.sampled_from(COMMANDS))
    params = list(command.params)
    mode = draw(st.sampled_from(["tame", "one-wild", "wild"]))
    wild_one = draw(st.integers(0, max(len(params) - 1, 0)))
    args = list(path)
    for i, param in enumerate(params):
        wild = mode == "wild" or (mode == "one-wild" and i == wild_one)
        if param.param_type_name == "argument":
            if param.required or draw(st.integers(0, 3)) > 0:
                args.append(draw(value_for(param, out_dir, wild)))
        elif getattr(param, "is_flag", False):
            flag = draw(st.sampled_from([None, *param.opts, *param.opts, *param.secondary_opts]))
            if flag:
                args.append(flag)
        elif param.required or draw(st.integers(0, 3)) > 0:
            for _ in range(draw(st.integers(1, 2)) if param.multiple else 1):
                args += [param.opts[0], draw(value_for(param, out_dir, wild))]
    return args


def _day(first: date, last: date) -> st.SearchStrategy[str]:
    return st.dates(first, last).map(lambda d: d.strftime("%d-%m-%Y"))


CASE = st.integers(1, 50).map(str)
PAST = _day(date(2025, 1, 1), date(2026, 11, 23))
CONSULTANT = st.sampled_from(["Mette Holm", "Jonas Berg", "mette holm"])
VALID_CPR = st.builds(  # born 2008-2011: 15-17 years old at a referral in 2025-2026
    lambda d, m, y, s: f"{d:02d}{m:02d}{y:02d}-4{s:03d}",
    st.integers(1, 28),
    st.integers(1, 12),
    st.integers(8, 11),
    st.integers(0, 999),
)
ELIGIBLE_PARTS = (
    *("--referred-by", _choices(*refdata.referral_sources())),
    *("--mistrivsel", _choices("sadness", "anxiety", "absence", "fravær")),
    *("--substance", st.sampled_from("ABC")),
    *("--motivated", "--normal-cognition"),
)
# Commands as a consultant would type them, so that writes succeed often enough to get
# past the first checks; one value may then be replaced by anything at all.
RECIPES = [
    ("intake", "--name", NAMES, "--cpr", VALID_CPR, *ELIGIBLE_PARTS, "--goal", TEXT, "--waitlist"),
    (
        *("intake", "--name", NAMES, "--birth-date", _day(date(2008, 12, 1), date(2011, 6, 1))),
        *("--referral-date", PAST, "--diagnosis", _choices("F90", "F84.0", "DF900")),
        *ELIGIBLE_PARTS,
        *("--pathway", _choices(*vocabulary.PATHWAYS), "--json"),
    ),
    (
        *("log-contact", CASE, "--kind", _choices(*vocabulary.CONTACT_KINDS), "--date", PAST),
        *("--channel", _choices(*vocabulary.CHANNELS), "--minutes", st.integers(0, 200).map(str)),
        *("--note", NOTES),
    ),
    ("log-contact", CASE, "--kind", "youth", "--note", NOTES, "--json"),
    ("log-contact", "--kind", "employer", "--employer", TEXT, "--consultant", CONSULTANT),
    (
        *("placement", "add", CASE, "--kind", _choices(*vocabulary.PLACEMENT_KINDS)),
        *("--start", PAST, "--hours", st.floats(0, 40).map(str), "--employer", TEXT),
    ),
    ("placement", "end", st.integers(1, 40).map(str), "--date", PAST, "--reason", TEXT),
    (
        *("progress", CASE, "--date", PAST),
        *("--outlook", st.integers(1, 5).map(str), "--insight", st.integers(1, 5).map(str)),
        *("--skills", st.integers(1, 5).map(str)),
    ),
    ("close", CASE, "--date", PAST, "--reason", _choices(*vocabulary.CLOSE_REASONS)),
    ("reassign", CASE, "--to", CONSULTANT),
    ("edit", CASE, "--goal", TEXT, "--cpr", VALID_CPR),
    ("edit", CASE, "--name", NAMES, "--diagnosis", _choices("F90", "")),
    ("aftercare", "start", CASE, "--date", PAST),
    ("aftercare", "end", CASE),
    ("show", CASE, "--reveal-cpr", "--json"),
    ("erase", CASE, "--yes"),
    ("anonymize", "--closed-before", PAST, "--yes"),
    ("consultant", "set-max", CONSULTANT, st.integers(0, 25).map(str)),
    ("consultant", "add", NAMES, "--max-caseload", st.integers(0, 20).map(str)),
    ("export", _choices("participants", "contacts", "all"), "--identified"),
    ("list", "--status", _choices("all", "closed"), "--consultant", CONSULTANT, "--json"),
]


@st.composite
def from_recipes(draw) -> list[str]:
    recipe = draw(st.sampled_from(RECIPES))
    values = [i for i, part in enumerate(recipe) if not isinstance(part, str)]
    wild = draw(st.sampled_from([None, *values])) if draw(st.booleans()) else None
    return [
        part if isinstance(part, str) else draw(ANY if i == wild else part)
        for i, part in enumerate(recipe)
    ]


def invocations(out_dir: Path) -> st.SearchStrategy[list[str]]:
    return st.one_of(from_params(out_dir), from_recipes())


# --- the test ---------------------------------------------------------------------------------


ERROR_WORD = {"en": "Error:", "da": "Fejl:"}


@pytest.mark.slow
@pytest.mark.parametrize("lang", list(ERROR_WORD))
def test_generated_commands_never_crash_or_leak(db_path, tmp_path, lang):
    db = db_path
    env = {**CLI_ENV, "IPSUNG_LANG": lang}
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    demo = invoke("--db", db, "demo", env=env, input="", catch_exceptions=True)
    assert demo.exit_code == 0, demo.stderr
    outcomes: Counter = Counter()
    leaks: list[tuple] = []

    @settings(
        max_examples=1000,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(invocations(out_dir))
    def one_command(args: list[str]) -> None:
        r = invoke("--db", db, *args, input="", env=env, catch_exceptions=True)
        shown = (args, r.exit_code, r.stdout[-400:], r.stderr[-400:])
        assert r.exception is None or isinstance(r.exception, SystemExit), (*shown, r.exception)
        assert r.exit_code in (0, 1, 2), shown
        assert "Traceback" not in r.stdout and "Traceback" not in r.stderr, shown
        outcomes[r.exit_code] += 1
        if r.exit_code == 2 and r.stderr.startswith(ERROR_WORD[lang]):
            outcomes["in the language"] += 1
        # Privacy is collected rather than failed at once, so that one leak does not stop
        # the search for crashes; every leak is listed at the end.
        for value in args:
            for found in CPR_LIKE.findall(value):
                digits = found.replace("-", "")
                if any(form in r.stderr for form in (found, digits, f"{digits[:6]}-{digits[6:]}")):
                    leaks.append(("cpr", found, args, r.stderr.strip()))
        notes = [v for o, v in zip(args, args[1:], strict=False) if o == "--note"]
        if any(v.startswith(NOTE_PREFIX) for v in notes) and NOTE_PREFIX.strip() in r.stderr:
            leaks.append(("note", notes, args, r.stderr.strip()))

    one_command()

    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()
    # The search reached both sides: commands that worked and commands that were refused.
    assert outcomes[0] >= 50 and outcomes[2] >= 50, outcomes
    assert outcomes["in the language"] >= 10, outcomes  # the refusals spoke `lang`
    by_command: dict[tuple[str, str], list[tuple]] = {}
    for kind, value, args, stderr in leaks:
        by_command.setdefault((kind, args[0]), []).append((value, args, stderr))
    assert not leaks, "\n".join(
        f"{kind} typed to '{command}' came back on stderr {len(found)}x, e.g. "
        + "; ".join(f"{args} -> {stderr!r}" for _value, args, stderr in found[:3])
        for (kind, command), found in sorted(by_command.items())
    )


# --- what the search found, pinned down -------------------------------------------------------

HUGE = str(10**20)  # more than SQLite's 64-bit INTEGER holds


HUGE_CASES = {
    "show": ["show", HUGE],
    "close": ["close", HUGE, "--reason", "other"],
    "log-contact": ["log-contact", HUGE, "--kind", "youth"],
    "erase": ["erase", HUGE, "--yes"],
    "audit": ["audit", HUGE],
    "edit": ["edit", HUGE, "--goal", "Blive tømrer"],
    "reassign": ["reassign", HUGE, "--to", "Mette Holm"],
    "aftercare-start": ["aftercare", "start", HUGE],
    "placement-end": ["placement", "end", HUGE, "--date", "today"],
    "progress": ["progress", HUGE, "--outlook", "1", "--insight", "1", "--skills", "1"],
    "progress-outlook": ["progress", "1", "--outlook", HUGE, "--insight", "1", "--skills", "1"],
    "minutes": ["log-contact", "1", "--kind", "youth", "--minutes", HUGE],
    "max-caseload": ["consultant", "add", "Ida Lund", "--max-caseload", HUGE],
    "set-max": ["consultant", "set-max", "Mette Holm", HUGE],
    "audit-limit": ["audit", "--limit", HUGE],
}


@pytest.mark.parametrize("args", list(HUGE_CASES.values()), ids=list(HUGE_CASES))
def test_a_huge_number_is_bad_input_not_a_crash(team, args):
    """A number beyond SQLite's INTEGER is a typing error (exit 2), not an internal error."""
    assert team(*intake_args()).exit_code == 0
    before = team("audit", "--json").stdout
    r = team(*args)
    assert r.exit_code == 2, (r.exit_code, r.stderr)
    assert r.stderr.startswith("Error:") and "internal error" not in r.stderr
    assert team("audit", "--json").stdout == before


DANISH_NAMES = ["Åse Ørnebjerg", "Ærø Æbelholt", "Øjvind Ølgaard", "Émile Ñuñez"]


@pytest.mark.parametrize("name", DANISH_NAMES)
def test_consultant_names_with_danish_capitals_are_found(run, name):
    """Commands find a consultant by name, whatever the case ('mette holm' finds
    'Mette Holm'), also when the name holds Æ, Ø or Å."""
    assert run("consultant", "add", name).exit_code == 0
    for spelling in (name, name.lower(), name.upper()):
        r = run("consultant", "set-max", spelling, "5")
        assert r.exit_code == 0, (spelling, r.stderr)
        r = run("list", "--consultant", spelling, "--json")
        assert r.exit_code == 0, (spelling, r.stderr)
    taken = run(*intake_args(), "--consultant", name, "--json")
    assert taken.exit_code == 0, taken.stderr
    assert run("consultant", "add", "Mette Holm").exit_code == 0
    assert run("reassign", "1", "--to", "Mette Holm").exit_code == 0
    back = run("reassign", "1", "--to", name)
    assert back.exit_code == 0, back.stderr


@pytest.mark.parametrize("name", DANISH_NAMES)
def test_a_consultant_added_twice_is_refused_also_with_danish_capitals(run, name):
    assert run("consultant", "add", name).exit_code == 0
    for spelling in (name, name.lower(), name.upper()):
        again = run("consultant", "add", spelling)
        assert again.exit_code == 2, (spelling, again.exit_code, again.stderr)
        assert "already exists" in again.stderr
    listed = run("consultant", "list", "--json")
    assert listed.exit_code == 0
    assert len(json.loads(listed.stdout)) == 1
