"""What the commands share: global state, opening the database, prompting, parsing what was
typed, printing, and the options several commands take.

Imports no command (cli.py imports them all, and each imports this). Only typer, the
standard library and the light vocabulary at the top: `--help` and `screen` must start
fast, so the database, the models and pydantic are imported inside the helpers that
need them. Help texts list their choices from `vocabulary`, where the codes are defined.
"""

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any, TypeVar

import typer

from ipsung import vocabulary
from ipsung.commands import completion, words
from ipsung.errors import BadInput, without_cpr_numbers
from ipsung.i18n import N_, Message, _

T = TypeVar("T")


def today() -> date:
    """The one source of today's date. IPSUNG_TODAY (ISO) fixes it for tests and demos."""
    fixed = os.environ.get("IPSUNG_TODAY")
    return date.fromisoformat(fixed) if fixed else date.today()


def error_line(message: str) -> None:
    # A CPR number identifies a person: whatever path an error took, it is not repeated.
    message = without_cpr_numbers(message)
    typer.echo(_("Error: {message}").format(message=message), err=True)


def warn(message: str) -> None:
    # A warning repeats names typed, as an error does: never a CPR-like number.
    message = without_cpr_numbers(message)
    typer.echo(_("Warning: {message}").format(message=message), err=True)


def echo(text: str) -> None:
    """What a renderer made, for people, on stdout."""
    typer.echo(text)


class State:
    db: str | None = None
    no_input: bool = False


state = State()


def interactive() -> bool:
    return sys.stdin.isatty() and not state.no_input


def location():
    from ipsung.store import db

    return db.resolve(state.db)


def in_use(write: bool):
    """The database in use; a read of a missing file says so (and answers as for an empty
    caseload)."""
    loc = location()
    if not write and not loc.exists:
        typer.echo(_("Note: there is no database at {path} yet").format(path=loc.path), err=True)
    return loc


@contextmanager
def session(write: bool) -> Iterator[Any]:
    """One ORM transaction on the database in use, for the use cases."""
    from ipsung.store import db

    with db.session(in_use(write), write=write) as s:
        yield s


@contextmanager
def reading() -> Iterator[Any]:
    """One read-only transaction as a plain Core connection, for the reports (they never
    load the ORM, which is slow to import)."""
    from ipsung.store import db

    with db.reading(in_use(write=False)) as conn:
        yield conn


def print_json(document: Any) -> None:
    typer.echo(json.dumps(document, ensure_ascii=False, indent=2, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Message):  # JSON is the same in every language: the English text
        return value.english()
    raise TypeError(type(value).__name__)


def parse_date(text: str, option: str) -> date:
    from ipsung import rules

    return rules.parse_date(text, today(), option)


def parse_yes_no(text: str) -> bool:
    return vocabulary.parse_yes_no(text)


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


def choice(
    value: str | None, choices: tuple[str, ...], option: str, label: str, default: str | None = None
) -> str:
    """A value from a fixed list: given, asked for at a terminal (choices shown), or default."""
    if value is not None:
        return vocabulary.parse_choice(value, choices, option)
    if default is not None and not interactive():
        return default
    return require(
        None,
        option,
        f"{label} ({vocabulary.listed(vocabulary.shown_choices(choices))})",
        lambda t: vocabulary.parse_choice(t, choices, option),
        default,
    )


def checked(model, values: dict) -> Any:
    """A row of schemas.py from the values typed at the command line; a problem is bad
    input naming the option."""
    return model.check(values, today(), "option")


def case_id(text: str) -> int:
    """A case typed at a prompt: an id, or a name (see `participant`)."""
    return participant(text)


# --- a case by its id or a name (issue 16) ---


def participant(text: str, where: str = "PARTICIPANT") -> int:
    """The case a person means: a case id exactly as before (any text int() reads, with
    no database read), or else a name or the start of one, looked up in one short read
    (store/names.py). Several matches are bad input listing them (id, name, consultant,
    status); none, bad input with the nearest names."""
    try:
        return int(text)
    except ValueError:
        pass
    from ipsung.store import names

    with reading() as conn:
        return names.resolve(conn, text, where)


def optional_participant(text: str | None) -> int | None:
    return None if text is None else participant(text)


ParticipantArg = Annotated[
    str,
    typer.Argument(
        metavar="PARTICIPANT",
        help="Case id, or a name or the start of one (emil, 'Emil D').",
        show_default=False,
        autocompletion=completion.cases,
    ),
]


# --- who am I (ipsung config set consultant NAME) ---


def me():
    """The configured consultant (config.Setting: value and source), or None."""
    from ipsung.store import config

    return config.get("consultant")


def my_name(conn, setting=None) -> str | None:
    """The configured consultant as the database spells the name, or None when none is
    set. A name the database does not know is bad input naming where it was set."""
    setting = setting if setting is not None else me()
    if setting is None:
        return None
    from ipsung.store import names

    wanted = names.fold(setting.value)
    for name in names.consultant_names(conn):
        if names.fold(name) == wanted:
            return name
    raise BadInput(
        _(
            "consultant '{name}' (set in {source}) is not in this database; "
            "see: ipsung consultant list, and change it with: ipsung config set consultant NAME"
        ).format(name=setting.value, source=setting.source)
    )


def my_consultant() -> str | None:
    """`my_name` without opening the database when no consultant is configured."""
    setting = me()
    if setting is None:
        return None
    with reading() as conn:
        return my_name(conn, setting)


# --- at a terminal: who reads, and progress on long work ---


def stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


class Bar:
    """What `progress_bar` yields at a terminal: call it with the units done since the
    last call, or `at(done, total)` when the work counts for itself (a backup's pages)."""

    def __init__(self, progress, task) -> None:
        self._progress, self._task = progress, task

    def __call__(self, done: int) -> None:
        self._progress.advance(self._task, done)

    def at(self, done: int, total: int) -> None:
        self._progress.update(self._task, completed=done, total=total)


@contextmanager
def progress_bar(
    label: str, total: int | Callable[[], int] | None, stdout_busy: bool = False
) -> Iterator[Bar | None]:
    """A progress bar on stderr (rich's) while long work runs, only when stderr is a
    terminal: redirected stderr and scripts stay clean. `stdout_busy`: what is being
    written goes to this same terminal (CSV to stdout), so no bar either. Yields a Bar,
    or None (no bar)."""
    if not stderr_is_terminal() or (stdout_busy and stdout_is_terminal()):
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(label, total=total() if callable(total) else total)
        yield Bar(progress, task)


def _or(choices) -> str:
    """`a, b or c`, for help texts."""
    *first, last = choices
    return _("{choices} or {last}").format(choices=vocabulary.listed(first), last=last)


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


def parse_evidence(
    diagnosis: list[str] | None, mistrivsel: list[str] | None, empty_clears: bool = False
):
    """The diagnoses and signs of mistrivsel typed. An empty value given on purpose is an
    error (it would silently mean none), except in `edit`, where it clears the list."""
    from ipsung import rules

    if not empty_clears:
        for option, values in (("--diagnosis", diagnosis), ("--mistrivsel", mistrivsel)):
            if any(not v.strip() for v in values or []):
                raise BadInput(_("an empty value; leave the option out for none"), option)
    diagnoses = tuple(dict.fromkeys(rules.parse_diagnosis(d) for d in _split(diagnosis)))
    signs = tuple(dict.fromkeys(vocabulary.parse_mistrivsel_sign(s) for s in _split(mistrivsel)))
    return diagnoses, signs


def _split(values: list[str] | None) -> list[str]:
    """Repeated options, each of which may also hold a comma-separated list."""
    return [part.strip() for v in values or [] for part in v.split(",") if part.strip()]


DiagnosisOpt = Annotated[
    list[str] | None,
    typer.Option("--diagnosis", help="ICD-10 F code, e.g. F90, F84.0, DF900 (repeatable)."),
]


def _mistrivsel_help() -> str:
    from ipsung.store import refdata

    signs = refdata.mistrivsel_signs()
    danish = [s["da"] for code, s in signs.items() if s["da"] != code]
    return words.listing(
        N_("Sign of mistrivsel: {choices} (or {danish}; repeatable)."),
        tuple(signs),
        danish=vocabulary.listed(danish),
    )


MistrivselOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--mistrivsel",
        help=_mistrivsel_help(),
        autocompletion=completion.choices(vocabulary.mistrivsel_signs),
    ),
]
UnderAssessmentOpt = Annotated[
    bool, typer.Option("--under-assessment", help="Under assessment for unclear symptoms.")
]
SubstanceOpt = Annotated[
    str | None,
    typer.Option(
        "--substance",
        help="Substance use level A-E (A none ... E complete).",
        autocompletion=completion.choices(vocabulary.SUBSTANCE_LEVELS),
    ),
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
        help=words.listing(N_("Who referred: {choices}."), vocabulary.referral_sources()),
        autocompletion=completion.choices(vocabulary.referral_sources),
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
TrackOpt = Annotated[
    str | None,
    typer.Option(
        "--track",
        autocompletion=completion.choices(vocabulary.TRACKS),
        help=words.listing(
            N_("{choices}; default: {ips} with a diagnosis, {like} without."),
            vocabulary.TRACKS,
            ips=vocabulary.TRACKS[0],
            like=vocabulary.TRACKS[1],
        ),
    ),
]
PathwayOpt = Annotated[
    str | None,
    typer.Option(
        "--pathway",
        help=words.listing(N_("The road to work or education: {choices}."), vocabulary.PATHWAYS),
        autocompletion=completion.choices(vocabulary.PATHWAYS),
    ),
]
