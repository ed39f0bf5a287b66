"""Shell completion (issue 16): what Tab offers for a case, a consultant and a fixed choice.

Typer's own mechanism does the rest (`ipsung --install-completion`, `--show-completion`,
command and option names). These functions run on every Tab, so they:

- answer from a read-only connection of their own (store/names.py: no schema upgrade, no
  audit row, no -wal file; SQLAlchemy is never imported), and on any trouble offer
  nothing rather than print an error into the shell;
- offer open cases before closed ones, and the caller's own first when the consultant is
  known (`ipsung config set consultant`), at most LIMIT of them (bash and zsh may sort
  what they are given alphabetically; which cases are offered is decided here).

Shells differ in how they take a value with a space ("Emil Dam"): `install_shells`
registers typer's shell classes again with the quoting each needs (see there).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from typing import Any

from ipsung.i18n import _

LIMIT = 40  # values offered at most: a page of a terminal
CANDIDATES = 200  # cases read to find them (several may share a name)


def _root_db(ctx: Any) -> str | None:
    """`--db` as given before the command (the group's callback has not run yet)."""
    try:
        return ctx.find_root().params.get("db")
    except AttributeError:
        return None


def _peek(ctx: Any, typed: str, me: str | None, limit: int):
    from ipsung.store import location, names

    return names.peek(location.resolve(_root_db(ctx)), typed, me, limit)


def _me() -> str | None:
    from ipsung.store import config, names

    setting = config.get("consultant")
    return names.fold(setting.value) if setting else None


def cases(ctx: Any, incomplete: str) -> list[tuple[str, str]]:
    """Case names (or ids, when digits are typed), open before closed, the caller's first."""
    try:
        return _cases(ctx, incomplete)
    except Exception:  # noqa: BLE001 - completion must never break the shell's line
        return []


def _cases(ctx: Any, incomplete: str) -> list[tuple[str, str]]:
    try:
        me = _me()
    except Exception:  # noqa: BLE001 - a broken settings file only loses the ordering
        me = None
    from ipsung.store.names import fold

    # Best first already (open, the caller's own, by id), narrowed down by the database.
    ordered, _team = _peek(ctx, incomplete, me, CANDIDATES)

    if incomplete.strip().isdigit():
        typed = incomplete.strip()
        found = [r for r in ordered if str(r.id).startswith(typed)][:LIMIT]
        return [(str(r.id), _about(r, with_id=False)) for r in found]
    offered: dict[str, list] = {}
    for r in ordered:
        if not r.name:
            continue
        value = completed(incomplete, r.name, any_part=True)
        if value is None:
            continue
        key = fold(value)
        if key in offered:
            offered[key].append(r)
        elif len(offered) < LIMIT:
            offered[key] = [value, r]
    # A value two cases share stays one value (the command then lists them, with ids).
    return [
        (value, _about(found[0], with_id=True) if len(found) == 1 else _several(found))
        for value, *found in offered.values()
    ]


def _several(found: list) -> str:
    return _("{n} cases: {ids}").format(n=len(found), ids=", ".join(str(r.id) for r in found))


def completed(incomplete: str, name: str, any_part: bool = False) -> str | None:
    """The value Tab offers for a name that the typed text starts, in any case (with
    `any_part`, a later part of it too): the text as typed, then the rest of the name from
    there (`emi` → `emil Dam`; `dam` → `dam`). It must begin with what was typed (typer
    keeps only such values, and so do zsh and fish); a case is still found by it
    (names.py: any case, any part), a consultant or a code by the whole of it."""
    if not incomplete:
        return name
    typed = incomplete.casefold()
    if typed not in name.casefold():  # the quick answer for most names, on every Tab
        return None
    n = len(incomplete)
    starts = range(len(name)) if any_part else (0,)
    for i in starts:
        if (i == 0 or name[i - 1] in " -") and name[i : i + n].casefold() == typed:
            return incomplete + name[i + n :]
    return None


def _about(r, with_id: bool) -> str:
    parts = [_("case {id}").format(id=r.id)] if with_id else [r.name or _("(anonymised)")]
    return " · ".join([*parts, r.consultant or _("no consultant"), r.status])


def consultants(ctx: Any, incomplete: str) -> list[str]:
    """Active consultants' names, the caller's own first."""
    try:
        from ipsung.store.names import fold

        try:
            me = _me()
        except Exception:  # noqa: BLE001 - a broken settings file only loses the ordering
            me = None
        _cases_none, team = _peek(ctx, "", None, 0)
        ordered = sorted((n for n, active in team if active), key=lambda n: fold(n) != me)
        offered = (completed(incomplete, n) for n in ordered)
        return [value for value in offered if value is not None][:LIMIT]
    except Exception:  # noqa: BLE001 - completion must never break the shell's line
        return []


def choices(values: Iterable[str] | Callable[[], Iterable[str]]) -> Callable[[str], list[str]]:
    """Completion from a fixed list (vocabulary.py): the codes that start with what is
    typed, or in Danish the Danish words (either is accepted)."""

    def complete(incomplete: str) -> list[str]:
        from ipsung.vocabulary import shown_choices

        listed = shown_choices(values() if callable(values) else values)
        offered = (completed(incomplete, v) for v in listed)
        return [value for value in offered if value is not None]

    return complete


# --- how each shell takes a value with a space ---------------------------------------------------

_BASH_SPECIAL = re.compile(r"""([\s'"\\$`!&;|<>(){}\[\]*?#~])""")


def install_shells() -> None:
    """Typer's shell classes again, with three changes, registered only when a completion
    is asked for:

    - bash inserts a value as it is: `Emil Dam` must come as `Emil\\ Dam` or it becomes
      two arguments (zsh and fish quote for themselves);
    - PowerShell likewise inserts it as it is: a value with a space comes in quotes;
    - the help beside each value (zsh, fish, PowerShell) is plain text here, so it is not
      passed through rich, which would cost a tenth of a second on every Tab.
    """
    from typer._click.shell_completion import add_completion_class
    from typer._completion_classes import (
        BashComplete,
        FishComplete,
        PowerShellComplete,
        ZshComplete,
    )

    class Bash(BashComplete):
        def format_completion(self, item) -> str:
            return _BASH_SPECIAL.sub(r"\\\1", item.value)

    class Zsh(ZshComplete):
        def format_completion(self, item) -> str:
            def escape(s: str) -> str:
                return (
                    s.replace('"', '""')
                    .replace("'", "''")
                    .replace("$", "\\$")
                    .replace("`", "\\`")
                    .replace(":", r"\\:")
                )

            if item.help:
                return f'"{escape(item.value)}":"{escape(item.help)}"'
            return f'"{escape(item.value)}"'

    class Fish(FishComplete):
        def format_completion(self, item) -> str:
            if item.help:
                return item.value + "\t" + " ".join(item.help.split())
            return item.value

    class PowerShell(PowerShellComplete):
        def format_completion(self, item) -> str:
            value = item.value
            if re.search(r"[\s'\"`$;,(){}@#|&<>]", value):
                value = "'" + value.replace("'", "''") + "'"
            return f"{value}:::{item.help or ' '}"

    for shell, cls in (
        ("bash", Bash),
        ("zsh", Zsh),
        ("fish", Fish),
        ("powershell", PowerShell),
        ("pwsh", PowerShell),
    ):
        add_completion_class(cls, shell)


def completing(complete_var: str | None, prog_name: str) -> bool:
    """Whether this run answers the shell instead of running a command."""
    var = complete_var or f"_{prog_name}_COMPLETE".replace("-", "_").upper()
    return bool(os.environ.get(var))
