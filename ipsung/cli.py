"""The `ipsung` command line: the app, its global options, the one error boundary, `main`.

The commands live in `ipsung.commands`, one module per screen; this module imports them
and registers them, and nothing imports this module back. Only typer and the standard
library are loaded here: `--help` and `screen` must start fast, so each command imports
the database, the models and pydantic inside itself.
Errors are turned into exit codes once, in IpsungGroup.main: 0 success, 1 a negative
answer (not eligible, full, a check that found problems), 2 bad input or usage.
"""

import gc
import os
import sys
from typing import Annotated

import typer
from typer.core import TyperGroup

try:  # typer >= 0.20 carries its own copy of click
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover - older typer with click installed beside it
    from click import exceptions as click_exceptions

from ipsung import __version__, gcpause, i18n
from ipsung.commands import (
    admin,
    cases,
    completion,
    config,
    daily,
    moving,
    reports,
    safety,
    words,
)
from ipsung.commands.options import error_line, state
from ipsung.errors import BadInput, IpsungError
from ipsung.i18n import N_, _
from ipsung.store import platform

INTERNAL_ERROR_EXIT = 70  # a bug (EX_SOFTWARE); never the answer to any input


class IpsungGroup(TyperGroup):
    """Turns every failure into one line on stderr and an exit code; never a traceback
    (tracebacks would show local variables, which hold personal data)."""

    def resolve_command(self, ctx, args):
        return words.resolve(self, ctx, args)

    def list_commands(self, ctx) -> list[str]:
        """--help lists the commands first, then the groups of commands (consultant, ...)."""
        names = list(self.commands)
        groups = [n for n in names if isinstance(self.commands[n], TyperGroup)]
        return [n for n in names if n not in groups] + groups

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        platform.owner_only_umask()  # what we create (database, exports, backups) is private
        _name_metavars(self)
        args = sys.argv[1:] if args is None else list(args)
        try:
            speak(language_asked(args))
        except IpsungError as exc:
            error_line(str(exc))
            if not standalone_mode:
                return exc.exit_code
            sys.exit(exc.exit_code)
        words.translate_tree(self)
        if completion.completing(complete_var, prog_name or "ipsung"):
            completion.install_shells()
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
            error_line(words.usage_message(exc) + hint)
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


def language_asked(args: list[str]) -> str | None:
    """The language of `--lang da` (or `--lang=da`), read before anything is said: the help
    and the errors of the whole command line come in it."""
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang":
            value = args[i + 1] if i + 1 < len(args) else ""
        elif arg.startswith("--lang="):
            value = arg.partition("=")[2]
        else:
            continue
        if value.strip().lower() not in i18n.LANGUAGES:
            raise BadInput(
                _("'{value}' is not a language; choose da or en").format(value=value), "--lang"
            )
        return value.strip().lower()
    return None


def speak(option: str | None) -> None:
    """Speak the language asked for (i18n.choose says what wins) from here on."""
    i18n.activate(*i18n.choose(option, platform.interface_language))
    words.use_gettext_for_typer()


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
    help=N_(
        "Caseload tool for IPS Ung teams: screening, intake, contacts, capacity and outcomes.\n\n"
        "Example: ipsung consultant add 'Mette Holm'; ipsung intake; ipsung list"
    ),
    no_args_is_help=True,
    # Typer's own completion: --install-completion and --show-completion (bash, zsh,
    # fish, PowerShell); what Tab offers for cases and consultants is commands/completion.py.
    add_completion=True,
    rich_markup_mode=None,  # plain click help: starts fast and prints plainly when piped
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


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
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            metavar="da|en",
            help="Language of the interface: da (Danish) or en (English). Default: IPSUNG_LANG, "
            "then LANGUAGE, LC_ALL, LC_MESSAGES, LANG, then Windows' display language.",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    state.db = db
    state.no_input = no_input or os.environ.get("IPSUNG_NO_INPUT", "") not in ("", "0")


# The screens, in the order --help lists them.
for screen in (cases, daily, moving, reports, safety, admin, config):
    app.add_typer(screen.app)


def main() -> None:
    gcpause.the_process_ends_with_the_command()
    try:
        app(prog_name="ipsung")
    finally:
        # Everything is written and closed by now. Python's exit would still walk every
        # object left (SQLAlchemy's classes, a report's records) looking for reference
        # cycles to collect, about a tenth of a second; frozen objects are not walked.
        # Exit handlers and the freeing of memory run as usual.
        gc.freeze()
