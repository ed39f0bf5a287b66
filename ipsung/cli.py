"""The `ipsung` command line: options, prompts, rendering and exit codes.

Only typer and the standard library are imported at the top: `--help` and `screen` must
start fast, so each command imports the database and the models inside itself.
Errors are turned into exit codes once, in IpsungGroup.main: 0 success, 1 a negative
answer (not eligible, full, a check that found problems), 2 bad input or usage.
"""

import gc
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any, TypeVar

import typer
from typer.core import TyperGroup

try:  # typer >= 0.20 carries its own copy of click
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover - older typer with click installed beside it
    from click import exceptions as click_exceptions

from ipsung import __version__
from ipsung.errors import BadInput, IpsungError
from ipsung.i18n import _

T = TypeVar("T")
INTERNAL_ERROR_EXIT = 70  # a bug (EX_SOFTWARE); never the answer to any input


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


class IpsungGroup(TyperGroup):
    """Turns every failure into one line on stderr and an exit code; never a traceback
    (tracebacks would show local variables, which hold personal data)."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        os.umask(0o077)  # everything we create (database, exports, backups) is owner-only
        _name_metavars(self)
        try:
            code = super().main(
                args, prog_name or "ipsung", complete_var, standalone_mode=False, **extra
            )
        except IpsungError as exc:
            error_line(str(exc))
            code = exc.exit_code
        except click_exceptions.NoArgsIsHelpError as exc:
            typer.echo(exc.ctx.get_help())  # plain `ipsung` or `ipsung consultant`: the usage
            code = 0
        except click_exceptions.UsageError as exc:
            hint = ""
            if exc.ctx is not None:
                hint = " " + _("(see '{cmd} --help')").format(cmd=exc.ctx.command_path)
            error_line(exc.format_message() + hint)
            code = 2
        except click_exceptions.ClickException as exc:
            error_line(exc.format_message())
            code = exc.exit_code
        except OverflowError:  # a number beyond what the database can hold
            error_line(_("a number given is too large"))
            code = 2
        except (typer.Abort, KeyboardInterrupt, EOFError):
            typer.echo(_("Aborted; nothing was stored."), err=True)
            code = 130
        except Exception as exc:  # noqa: BLE001 - the boundary: one line, no locals
            code = _unexpected(exc)
        if not standalone_mode:
            return code
        sys.exit(code or 0)


DATE_PARAMS = {
    "on",
    "date",
    "start",
    "birth_date",
    "referral_date",
    "closed_before",
    "from_",
    "to_",
}


def _name_metavars(command) -> None:
    """Help shows `--date DATE` and `PARTICIPANT`, not typer's `<str>` and `{participant}`."""
    for param in command.params:
        if param.metavar is not None or getattr(param, "is_flag", False):
            continue
        if param.param_type_name == "argument":
            param.metavar = param.name.upper()
        elif param.name in DATE_PARAMS:
            param.metavar = "DATE"
        else:
            param.metavar = {"int": "N", "float": "N"}.get(param.type.name, "TEXT")
    for sub in getattr(command, "commands", {}).values():
        _name_metavars(sub)


def _unexpected(exc: Exception) -> int:
    """A database that cannot be used is said plainly; anything else is a bug."""
    sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
    if sqlalchemy_exc and isinstance(exc, sqlalchemy_exc.OperationalError):
        # Only the driver's own message: the statement and its parameters may hold personal data.
        error_line(_("the database could not be used: {why}").format(why=exc.orig))
        return 1
    error_line(
        _("internal error ({kind}); nothing was stored. Please report it.").format(
            kind=type(exc).__name__
        )
    )
    return INTERNAL_ERROR_EXIT


app = typer.Typer(
    cls=IpsungGroup,
    name="ipsung",
    help=_(
        "Caseload tool for IPS Ung teams: screening, intake, contacts, capacity and outcomes.\n\n"
        "Example: ipsung consultant add 'Mette Holm'; ipsung intake; ipsung list"
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,  # plain click help: starts fast and prints plainly when piped
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
consultant_app = typer.Typer(
    help=_("Add and manage IPS consultants. Example: ipsung consultant add 'Mette Holm'"),
    no_args_is_help=True,
)
app.add_typer(consultant_app, name="consultant")


class State:
    db: str | None = None
    no_input: bool = False


state = State()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ipsung {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="PATH",
            help="Database file, or a team database as postgresql://user@host/db "
            "(default: IPSUNG_DB, then the user's data folder).",
        ),
    ] = None,
    no_input: Annotated[
        bool, typer.Option("--no-input", help="Never prompt; a missing value is an error.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    state.db = db
    state.no_input = no_input or os.environ.get("IPSUNG_NO_INPUT", "") not in ("", "0")


# --- shared helpers -------------------------------------------------------------------------


def interactive() -> bool:
    return sys.stdin.isatty() and not state.no_input


def location():
    from ipsung import db

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
    from ipsung import db

    with db.session(_in_use(write), write=write) as s:
        yield s


@contextmanager
def reading() -> Iterator[Any]:
    """A read-only transaction as a plain Core connection, for the reports that never need
    the ORM (it is slow to import); otherwise as session(write=False)."""
    from ipsung import db

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
    from ipsung.textout import Out

    return Out()


def table(*headers: str):
    """An aligned table for people; plain text when piped or with NO_COLOR."""
    from ipsung.textout import Table

    return Table(*headers)


# --- info -------------------------------------------------------------------------------------


@app.command()
def info(json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Show the database in use (a file, or a team database on PostgreSQL with its password
    masked), where that choice came from, its schema version and row counts.
    Example: ipsung --db ./team.db info"""
    from ipsung import db

    loc = db.resolve(state.db)
    document = db.describe(loc)
    if not loc.exists:
        typer.echo(_("Note: there is no database at {path} yet").format(path=loc.path), err=True)
    if json_out:
        print_json(document)
        return
    typer.echo(_("Database: {path}").format(path=document["database"]))
    typer.echo(_("Backend: {backend}").format(backend=document["backend"]))
    typer.echo(_("Chosen by: {source}").format(source=document["source"]))
    if not document["exists"]:
        typer.echo(_("Not created yet: the first write creates it."))
        return
    if loc.is_server:
        typer.echo(_("Database user: {user}").format(user=document["db_user"]))
        typer.echo(_("Pseudonym key: {path}").format(path=document["key_file"]))
    version = document["schema_version"] or _("none yet (the first command makes the tables)")
    typer.echo(_("Schema version: {v}").format(v=version))
    for name, count in document["rows"].items():
        typer.echo(f"  {name:<18} {count}")


# --- screen ---------------------------------------------------------------------------------


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


@app.command()
def screen(
    birth_date: Annotated[str | None, typer.Option("--birth-date", help="Day-first date.")] = None,
    cpr: Annotated[str | None, typer.Option("--cpr", help="DDMMYY-SSSS.")] = None,
    on: Annotated[
        str, typer.Option("--on", help="Referral date the age is measured on.")
    ] = "today",
    diagnosis: DiagnosisOpt = None,
    under_assessment: UnderAssessmentOpt = False,
    mistrivsel: MistrivselOpt = None,
    substance: SubstanceOpt = None,
    motivated: MotivatedOpt = None,
    normal_cognition: CognitionOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Check the five criteria of IPS Ung without storing anything. Exit 0 eligible,
    1 not eligible.

    Example: ipsung screen --birth-date 14-03-2010 --diagnosis F90.0 --substance A
    --motivated --normal-cognition
    """
    from ipsung import rules

    birth, _cpr = parse_person(birth_date, cpr)
    on_date = parse_date(on, "--on")
    diagnoses, signs = parse_evidence(diagnosis, mistrivsel)
    if substance is None:
        raise BadInput(_("missing --substance (A, B, C, D or E)"))
    if motivated is None:
        raise BadInput(_("missing --motivated or --not-motivated"))
    if normal_cognition is None:
        raise BadInput(_("missing --normal-cognition or --reduced-cognition"))
    screening = rules.screen(
        rules.ScreeningInput(
            birth_date=birth,
            on=on_date,
            substance=rules.parse_substance(substance),
            motivated=motivated,
            normal_cognition=normal_cognition,
            diagnoses=diagnoses,
            under_assessment=under_assessment,
            mistrivsel=signs,
        )
    )
    if json_out:
        print_json(screening.as_dict())
    else:
        render_screening(screening, on_date)
    raise typer.Exit(0 if screening.eligible else 1)


# The commands of the other screens live in their own modules, registered on `app`.
from ipsung import (  # noqa: E402, F401  (they register their commands)
    cli_cases,
    cli_daily,
    cli_export,
    cli_import,
    cli_reports,
    cli_safety,
)


def main() -> None:
    try:
        app(prog_name="ipsung")
    finally:
        # Everything is written and closed by now. Python's exit would still walk every
        # object left (SQLAlchemy's classes, a report's records) looking for reference
        # cycles to collect, about a tenth of a second; frozen objects are not walked.
        # Exit handlers and the freeing of memory run as usual.
        gc.freeze()
