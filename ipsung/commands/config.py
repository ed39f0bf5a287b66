"""Your own settings: config set|get|unset|list (issue 16). Who am I: with `consultant`
set, `due` shows your list, `intake` and employer contacts default to you, and plain
`ipsung list` at a terminal shows your cases first. Heavy imports stay inside the
commands (see cli.py)."""

from typing import Annotated

import typer

from ipsung.commands import completion, words
from ipsung.commands.options import JsonOpt, location, print_json, reading, warn
from ipsung.errors import BadInput
from ipsung.i18n import N_, _
from ipsung.store.config import KEYS as SETTINGS

KEYS = tuple(SETTINGS)  # for the KEY argument's check and completion

app = typer.Typer()
config_app = typer.Typer(
    cls=words.IpsungSubgroup,
    help=N_(
        "Your own settings, in a file of your user's. "
        "Example: ipsung config set consultant 'Mette Holm'"
    ),
    no_args_is_help=True,
)
app.add_typer(config_app, name="config")


def _values(ctx: typer.Context, incomplete: str) -> list:
    """Completion of VALUE: consultant names for `consultant`."""
    if ctx.params.get("key") == "consultant":
        return completion.consultants(ctx, incomplete)
    return []


KeyArg = Annotated[
    str,
    typer.Argument(
        metavar="KEY",
        help="consultant: who you are (your due list; the default for intake and employer "
        "contacts).",
        autocompletion=completion.choices(KEYS),
        show_default=False,
    ),
]


def _key(text: str) -> str:
    from ipsung import vocabulary

    return vocabulary.parse_choice(text, KEYS, "KEY")


@config_app.command("set")
def config_set(
    key: KeyArg,
    value: Annotated[
        str, typer.Argument(metavar="VALUE", help="The new value.", autocompletion=_values)
    ],
) -> None:
    """Set a value. A consultant must be one the database in use knows; it is stored as the
    database spells it. Example: ipsung config set consultant 'Mette Holm'"""
    from ipsung.store import config, names

    key = _key(key)
    config.read_file(config.config_file())  # a broken file is said first, and left alone
    value = " ".join(value.split())
    if not value:
        raise BadInput(_("give a value (to remove one: ipsung config unset {key})").format(key=key))
    if key == "consultant":
        if location().exists:
            from ipsung.store import team

            with reading() as conn:
                # Not found: bad input naming the team's names (or the nearest ones).
                team.consultant_id_by_name(conn, value, "VALUE")
                known = names.consultant_names(conn)
            value = next((n for n in known if names.fold(n) == names.fold(value)), value)
        else:
            warn(_("no database yet to check the name against; stored as typed"))
    path = config.set_value(key, value)
    typer.echo(_("{key} = {value} (in {path})").format(key=key, value=value, path=path))
    overridden = config.get(key)
    if overridden is not None and overridden.source == config.KEYS[key]:
        warn(
            _("{variable} is set and overrides this: {value}").format(
                variable=overridden.source, value=overridden.value
            )
        )


@config_app.command("get")
def config_get(key: KeyArg) -> None:
    """Print a value (exit 1 when it is not set). Example: ipsung config get consultant"""
    from ipsung.store import config

    setting = config.get(_key(key))
    if setting is None:
        typer.echo(_("{key} is not set").format(key=key), err=True)
        raise typer.Exit(1)
    typer.echo(setting.value)


@config_app.command("unset")
def config_unset(key: KeyArg) -> None:
    """Remove a value from your settings file. Example: ipsung config unset consultant"""
    from ipsung.store import config

    key = _key(key)
    if config.unset(key):
        typer.echo(_("{key} removed (from {path})").format(key=key, path=config.config_file()))
    else:
        typer.echo(
            _("{key} was not set in {path}").format(key=key, path=config.config_file()), err=True
        )
    still = config.get(key)
    if still is not None:
        warn(
            _("{variable} still sets it: {value}").format(variable=still.source, value=still.value)
        )


@config_app.command("list")
def config_list(json_out: JsonOpt = False) -> None:
    """Every value that is set, and where it comes from (your settings file, or an
    environment variable that overrides it). Example: ipsung config list"""
    from ipsung.store import config

    path = config.config_file()
    settings = {key: config.get(key) for key in KEYS}
    if json_out:
        print_json(
            {
                "file": str(path),
                "settings": {
                    key: {"value": s.value, "source": s.source}
                    for key, s in settings.items()
                    if s is not None
                },
            }
        )
        return
    typer.echo(_("Settings file: {path}").format(path=path))
    for key, setting in settings.items():
        if setting is None:
            typer.echo(_("{key} is not set").format(key=key))
        elif setting.source == str(path):
            typer.echo(f"{key} = {setting.value}")
        else:
            typer.echo(
                _("{key} = {value} (from {variable})").format(
                    key=key, value=setting.value, variable=setting.source
                )
            )
