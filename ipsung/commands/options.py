"""What the commands share: global state, opening the database, prompting, parsing what was
typed, printing, and the options several commands take.

Imports no command (cli.py imports them all, and each imports this). Only typer and the
standard library at the top: `--help` and `screen` must start fast, so the database, the
models and pydantic are imported inside the helpers that need them.
"""

import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any, TypeVar

import typer

from ipsung.errors import BadInput
from ipsung.i18n import _

T = TypeVar("T")


def today() -> date:
    """The one source of today's date. IPSUNG_TODAY (ISO) fixes it for tests and demos."""
    fixed = os.environ.get("IPSUNG_TODAY")
    return date.fromisoformat(fixed) if fixed else date.today()


# A CPR number identifies a person: whatever path an error took, it is not repeated.
_CPR_LIKE = re.compile(r"\d{6}-?\d{4}")


def error_line(message: str) -> None:
    message = _CPR_LIKE.sub(_("(a CPR-like number)"), message)
    typer.echo(_("Error: {message}").format(message=message), err=True)


def warn(message: str) -> None:
    typer.echo(_("Warning: {message}").format(message=message), err=True)


class State:
    db: str | None = None
    no_input: bool = False


state = State()


def interactive() -> bool:
    return sys.stdin.isatty() and not state.no_input


def location():
    from ipsung.store import db

    return db.resolve(state.db)


def _in_use(write: bool):
    """The database in use; a read of a missing file says so, and answers as for an empty
    caseload."""
    loc = location()
    if not write and not loc.exists:
        typer.echo(_("Note: there is no database at {path} yet").format(path=loc.path), err=True)
    return loc


@contextmanager
def session(write: bool) -> Iterator[Any]:
    """One transaction on the database in use."""
    from ipsung.store import db

    with db.session(_in_use(write), write=write) as s:
        yield s


@contextmanager
def reading() -> Iterator[Any]:
    """A read-only transaction as a plain Core connection, for the reports that never need
    the ORM (it is slow to import); otherwise as session(write=False)."""
    from ipsung.store import db

    with db.reading(_in_use(write=False)) as conn:
        yield conn


def print_json(document: Any) -> None:
    typer.echo(json.dumps(document, ensure_ascii=False, indent=2, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def parse_date(text: str, option: str) -> date:
    from ipsung import rules

    return rules.parse_date(text, today(), option)


YES = {"y", "yes", "j", "ja"}
NO = {"n", "no", "nej"}


def parse_yes_no(text: str) -> bool:
    value = text.strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise BadInput(_("answer y/yes/j/ja or n/no/nej"))


def ask(label: str, parse: Callable[[str], T], default: str | None = None) -> T:
    """Prompt until the answer parses; the error is shown and the question asked again."""
    while True:
        answer = typer.prompt(label, default=default, show_default=bool(default))
        try:
            return parse(answer)
        except BadInput as exc:
            error_line(str(exc))


def require(
    value: T | None, option: str, label: str, parse: Callable[[str], T], default: str | None = None
) -> T:
    """A required value: given, asked for at a terminal, or a usage error naming the option."""
    if value is not None:
        return value
    if interactive():
        return ask(label, parse, default)
    raise BadInput(_("missing {option}").format(option=option))


def build(model: Callable[..., T], **fields: Any) -> T:
    """A pydantic model from parsed values; validation errors become `field: message` lines."""
    from pydantic import ValidationError

    try:
        return model(**fields)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            field = "--" + str(error["loc"][0]).replace("_", "-") if error["loc"] else "input"
            message = str(error["msg"]).removeprefix("Value error, ")
            lines.append(f"{field}: {message}")
        raise BadInput("; ".join(lines)) from None


def console():
    from ipsung.render.text import Out

    return Out()


def table(*headers: str):
    """An aligned table for people; plain text when piped or with NO_COLOR."""
    from ipsung.render.text import Table

    return Table(*headers)


# --- the person screened and the options of a case ---


def parse_person(birth_date: str | None, cpr: str | None) -> tuple[date, str | None]:
    """Birth date from --birth-date or --cpr (they must agree when both are given)."""
    from ipsung import rules

    parsed_cpr = rules.parse_cpr(cpr) if cpr is not None else None
    birth = parse_date(birth_date, "--birth-date") if birth_date is not None else None
    if parsed_cpr and birth and parsed_cpr.birth_date != birth:
        raise BadInput(_("--birth-date and --cpr give different birth dates"))
    if parsed_cpr:
        return parsed_cpr.birth_date, parsed_cpr.digits
    if birth is None:
        raise BadInput(_("missing --birth-date or --cpr"))
    rules.not_in_future(birth, today(), "--birth-date")
    return birth, None


def parse_evidence(diagnosis: list[str] | None, mistrivsel: list[str] | None):
    from ipsung import rules

    diagnoses = tuple(dict.fromkeys(rules.parse_diagnosis(d) for d in _split(diagnosis)))
    signs = tuple(dict.fromkeys(rules.parse_mistrivsel_sign(s) for s in _split(mistrivsel)))
    return diagnoses, signs


def _split(values: list[str] | None) -> list[str]:
    """Repeated options, each of which may also hold a comma-separated list."""
    return [part.strip() for v in values or [] for part in v.split(",") if part.strip()]


def render_screening(screening, on: date) -> None:
    from ipsung import rules

    verdict = _("Eligible") if screening.eligible else _("Not eligible")
    typer.echo(
        _("{verdict} for IPS Ung (age {age} on {on})").format(
            verdict=verdict, age=screening.age, on=rules.format_date(on)
        )
    )
    for c in screening.criteria:
        mark = _("pass") if c.passed else _("FAIL")
        typer.echo(f"  {mark:<4}  {c.name:<13} {c.reason}")
    if screening.next_step:
        typer.echo(_("Next step: {step}").format(step=screening.next_step))


DiagnosisOpt = Annotated[
    list[str] | None,
    typer.Option("--diagnosis", help="ICD-10 F code, e.g. F90, F84.0, DF900 (repeatable)."),
]
MistrivselOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--mistrivsel",
        help="Sign of mistrivsel: sadness, anxiety, isolation, absence, school-refusal "
        "(or tristhed, angst, fravær, skolevægring; repeatable).",
    ),
]
UnderAssessmentOpt = Annotated[
    bool, typer.Option("--under-assessment", help="Under assessment for unclear symptoms.")
]
SubstanceOpt = Annotated[
    str | None, typer.Option("--substance", help="Substance use level A-E (A none ... E complete).")
]
MotivatedOpt = Annotated[
    bool | None,
    typer.Option("--motivated/--not-motivated", help="Motivated for education or employment."),
]
CognitionOpt = Annotated[
    bool | None,
    typer.Option(
        "--normal-cognition/--reduced-cognition",
        help="Age-appropriate cognitive function (normaltbegavet).",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]

# The fields of a case, shared by intake and edit so that both say the same in --help.
NameOpt = Annotated[str | None, typer.Option("--name", help="The young person's name.")]
BirthDateOpt = Annotated[str | None, typer.Option("--birth-date", help="Day-first date.")]
CprOpt = Annotated[str | None, typer.Option("--cpr", help="DDMMYY-SSSS.")]
ReferralDateOpt = Annotated[
    str | None, typer.Option("--referral-date", help="Day-first date (default today).")
]
ReferredByOpt = Annotated[
    str | None,
    typer.Option(
        "--referred-by",
        help="psychiatry, child-family, school, internship-coordinator, "
        "education-guidance, youth-guide, employer, jobcenter, other.",
    ),
]
MaybeUnderAssessmentOpt = Annotated[
    bool | None,
    typer.Option(
        "--under-assessment/--not-under-assessment",
        help="Under assessment for unclear symptoms.",
    ),
]
GoalOpt = Annotated[
    str | None, typer.Option("--goal", help="The young person's own dream or wish.")
]
PathwayOpt = Annotated[
    str | None, typer.Option("--pathway", help="job-placement, job-development or education.")
]
