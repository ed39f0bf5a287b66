"""The command line in the language in use: help texts, typer's and click's own words, and
the messages of click's usage errors (SPEC §2).

Help texts stay English message ids in the code (docstrings, `help=N_(…)`); once the
language is known, `translate_tree` says them in it, and a help text that lists choices
is drawn again with the language's words (`listing`). typer's own words go through
gettext; click's are written out in its code, so its help formatter, its help option and
its usage errors are said here. Each text below is a message id of the catalogue.
"""

import re
from collections.abc import Callable

from typer.core import TyperGroup

try:  # typer >= 0.20 carries its own copy of click
    from typer._click import Context, HelpFormatter
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover - older typer with click installed beside it
    from click import Context, HelpFormatter
    from click import exceptions as click_exceptions

from ipsung import vocabulary
from ipsung.i18n import N_, _, translate

HELP_OPTION = N_("Show this message and exit.")
USAGE = N_("Usage: ")
# typer's own words, which it looks up with gettext (typer.core): the same ids here.
TYPER_WORDS = (
    N_("Options"),
    N_("Arguments"),
    N_("Commands"),
    N_("default: {default}"),
    N_("required"),
    N_("(dynamic)"),
    N_("Aborted!"),
    N_("Missing command."),
    # the usage line: `ipsung [OPTIONS] COMMAND [ARGS]...`
    N_("[OPTIONS]"),
    N_("COMMAND [ARGS]..."),
    # the help of typer's completion options, said through translate_tree
    N_("Install completion for the current shell."),
    N_("Show completion for the current shell, to copy it or customize the installation."),
)

# Help texts drawn from a list of choices: the English text as written at import, and how
# to draw it again in the language in use.
_LISTINGS: dict[str, Callable[[], str]] = {}


def listing(template: str, choices, **codes: str) -> str:
    """A help text that lists choices (`template` a message id with `{choices}`, and other
    codes by name): English now, and in the language's own words once translate_tree runs."""

    def draw() -> str:
        shown = {name: vocabulary.shown_code(code) for name, code in codes.items()}
        choices_shown = vocabulary.listed(vocabulary.shown_choices(choices))
        return translate(template).format(choices=choices_shown, **shown)

    english = template.format(choices=vocabulary.listed(choices), **codes)
    _LISTINGS[english] = draw
    return english


def _say(english: str | None) -> str | None:
    if not english:
        return english
    draw = _LISTINGS.get(english)
    return draw() if draw else translate(english)


def translate_tree(command) -> None:
    """Every help text of the command tree in the language in use. The English text is
    kept on each object, so that the tree can be said again in another language (the
    tests build the tree once and run it in both)."""
    for thing in (command, *command.params):
        for attribute in ("help", "short_help", "epilog", "options_metavar", "subcommand_metavar"):
            original = f"_english_{attribute}"
            if not hasattr(thing, original):
                setattr(thing, original, getattr(thing, attribute, None))
            english = getattr(thing, original)
            if english is not None:
                setattr(thing, attribute, _say(english))
    command.context_class = IpsungContext
    for sub in getattr(command, "commands", {}).values():
        translate_tree(sub)


class IpsungFormatter(HelpFormatter):
    """click's help formatter, with its own words said in the language in use."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, translate(USAGE) if prefix is None else prefix)

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [
            (term, translate(HELP_OPTION) if text == HELP_OPTION else text) for term, text in rows
        ]
        super().write_dl(rows, col_max, col_spacing)


class IpsungContext(Context):
    formatter_class = IpsungFormatter


def use_gettext_for_typer() -> None:
    """typer says its own words (Options, Commands, …) through gettext: through ours."""
    import typer.core

    typer.core._ = translate


# --- click's usage errors -------------------------------------------------------------------

_EXTRA = re.compile(r"Got unexpected extra arguments? \((?P<args>.*)\)$")
_REQUIRES = re.compile(r"Option '(?P<name>[^']+)' requires an argument\.$")
_NO_VALUE = re.compile(r"Option '(?P<name>[^']+)' does not take a value\.$")
_NOT_A = re.compile(r"'?(?P<value>.*?)'? is not a valid (?P<kind>integer|int|float)\.$")
_RANGE = re.compile(r"(?P<value>\S+) is not in the range (?P<range>.+)\.$")


def usage_message(exc: click_exceptions.UsageError) -> str:
    """A usage error of click's in the language in use (its English as a last resort)."""
    if isinstance(exc, click_exceptions.MissingParameter):
        return _missing(exc)
    if isinstance(exc, click_exceptions.NoSuchOption):
        text = _("No such option: {name}").format(name=exc.option_name)
        if exc.possibilities:
            text += " " + _("(Possible options: {options})").format(
                options=", ".join(sorted(exc.possibilities))
            )
        return text
    if isinstance(exc, click_exceptions.BadParameter):
        hint = exc.param_hint or (exc.param.get_error_hint(exc.ctx) if exc.param else None)
        reason = _reason(exc.message)
        if hint:
            return _("Invalid value for {hint}: {reason}").format(hint=hint, reason=reason)
        return _("Invalid value: {reason}").format(reason=reason)
    message = exc.format_message()
    for pattern, template in (
        (_EXTRA, N_("Got unexpected extra argument(s) ({args})")),
        (_REQUIRES, N_("Option '{name}' requires an argument.")),
        (_NO_VALUE, N_("Option '{name}' does not take a value.")),
    ):
        if m := pattern.match(message):
            return translate(template).format(**m.groupdict())
    return translate(message)  # click's words said through its own ids (TYPER_WORDS)


def _missing(exc: click_exceptions.MissingParameter) -> str:
    kind = exc.param_type or (exc.param.param_type_name if exc.param else "parameter")
    words = {
        "argument": _("Missing argument"),
        "option": _("Missing option"),
    }
    missing = words.get(kind, _("Missing parameter"))
    hint = exc.param_hint or (exc.param.get_error_hint(exc.ctx) if exc.param else "")
    return f"{missing} {hint}." if hint else f"{missing}."


def _reason(message: str) -> str:
    if m := _NOT_A.match(message):
        if m["kind"] in ("integer", "int"):
            return _("'{value}' is not a whole number.").format(value=m["value"])
        return _("'{value}' is not a number.").format(value=m["value"])
    if m := _RANGE.match(message):
        return _("{value} is not in the range {range}.").format(**m.groupdict())
    return translate(message)


def no_such_command(name: str, known: list[str]) -> str:
    """`ipsung intke`: said, with the commands that come close."""
    from difflib import get_close_matches

    text = _("No such command '{name}'.").format(name=name)
    close = get_close_matches(name, known)
    if close:
        text += " " + _("Did you mean {commands}?").format(
            commands=", ".join(f"'{c}'" for c in close)
        )
    return text


class IpsungSubgroup(TyperGroup):
    """A group of commands (consultant, placement, …) that says an unknown command in the
    language in use, as the app itself does."""

    def resolve_command(self, ctx, args):
        return resolve(self, ctx, args)


def resolve(group: TyperGroup, ctx, args):
    name = args[0] if args else ""
    if args and group.get_command(ctx, name) is None and not name.startswith("-"):
        if not ctx.resilient_parsing:
            raise click_exceptions.UsageError(no_such_command(name, list(group.commands)), ctx)
    return TyperGroup.resolve_command(group, ctx, args)
