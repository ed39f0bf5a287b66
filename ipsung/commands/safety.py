"""Commands that keep the data safe: audit, backup, check, anonymize, erase (SPEC §10).
Heavy imports stay inside the commands (see cli.py)."""

from pathlib import Path
from typing import Annotated

import typer

from ipsung.commands.options import (
    JsonOpt,
    ask,
    console,
    interactive,
    location,
    parse_date,
    parse_yes_no,
    print_json,
    session,
    table,
    today,
    warn,
)
from ipsung.errors import BadInput, IpsungError
from ipsung.i18n import _

app = typer.Typer()

YesOpt = Annotated[bool, typer.Option("--yes", help="Do it without asking.")]


def confirm(question: str, yes: bool) -> None:
    """Go ahead only with --yes or a yes at a terminal; never guess without a terminal."""
    if yes:
        return
    if not interactive():
        raise BadInput(_("no terminal to ask at: pass --yes to confirm"))
    if not ask(f"{question} (y/n)", parse_yes_no, "n"):
        raise IpsungError(_("nothing was changed"))


@app.command("audit")
def audit_log(
    participant: Annotated[int | None, typer.Argument(help="Only this case.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="Only the latest N rows.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """The append-only audit log: who did what to which case, and when (UTC).

    Example: ipsung audit 12
    """
    from ipsung.usecases import safety as maintenance

    with session(write=False) as s:
        rows = [
            {
                "id": e.id,
                "at": e.at,
                "os_user": e.os_user,
                "command": e.command,
                "participant_id": e.participant_id,
                "change": e.change,
            }
            for e in maintenance.audit_entries(s, participant, limit)
        ]
    if json_out:
        print_json(rows)
        return
    if not rows:
        typer.echo(_("The audit log is empty."))
        return
    t = table(_("time (UTC)"), _("user"), _("command"), _("case"), _("change"))
    for r in rows:
        t.add_row(r["at"], r["os_user"], r["command"], str(r["participant_id"] or "-"), r["change"])
    console().print(t)


@app.command()
def backup(
    path: Annotated[Path, typer.Argument(help="New file (or folder) for the copy.")],
) -> None:
    """A consistent copy of the database while it is in use, with the pseudonym key beside it.
    A team database on PostgreSQL is backed up with pg_dump instead (exit 2 with how).

    Example: ipsung backup /media/usb/ipsung-2026-11-23.db
    """
    from ipsung.store import audit
    from ipsung.usecases import safety as maintenance

    loc = location()
    written = maintenance.backup(loc, path)
    with session(write=True) as s:
        audit.record(s, "backup", None, "backup copy made")
    for f in written:
        typer.echo(_("Wrote {path}").format(path=f))


@app.command()
def check(json_out: JsonOpt = False) -> None:
    """SQLite's integrity and foreign-key checks (on a team database: its constraints and
    the audit trigger) and the effort's rule checks; exit 1 when anything is wrong.
    Example: ipsung check"""
    from ipsung.usecases import safety as maintenance

    loc = location()
    problems = maintenance.file_checks(loc.path) if loc.exists and not loc.is_server else []
    with session(write=False) as s:
        if loc.is_server:
            problems += maintenance.server_checks(s)
        problems += maintenance.rule_checks(s, today())
    if json_out:
        print_json({"ok": not problems, "problems": [p.as_dict() for p in problems]})
    elif problems:
        for p in problems:
            typer.echo(f"{p.check}: {p.detail}")
    else:
        typer.echo(_("All checks passed."))
    if problems:
        raise typer.Exit(1)


@app.command()
def anonymize(
    closed_before: Annotated[
        str, typer.Option("--closed-before", help="Cases closed before this day.")
    ],
    yes: YesOpt = False,
) -> None:
    """Remove names, CPR numbers, birth dates, goals and notes of cases closed before a day;
    the anonymous statistics stay. Example: ipsung anonymize --closed-before 01-01-2025 --yes"""
    from ipsung import rules
    from ipsung.usecases import safety as maintenance

    day = parse_date(closed_before, "--closed-before")
    confirm(
        _("Remove the personal data of every case closed before {day}?").format(
            day=rules.format_date(day)
        ),
        yes,
    )
    loc = location()
    with session(write=True) as s:
        ids = maintenance.anonymize(s, day)
    if loc.exists and not loc.is_server:  # a server's files are its own (see maintenance)
        maintenance.scrub_file(loc.path)
    typer.echo(_("Anonymised {n} case(s)").format(n=len(ids)))
    if ids:
        warn(_("backup copies made earlier still hold the removed data"))


@app.command()
def erase(
    participant: Annotated[int, typer.Argument(help="Case id.")],
    yes: YesOpt = False,
) -> None:
    """Delete one case entirely (contacts, placements, ratings); the audit log keeps its id.

    Example: ipsung erase 12 --yes
    """
    from ipsung.usecases import safety as maintenance

    confirm(_("Delete case {id} and everything about it?").format(id=participant), yes)
    loc = location()
    if not loc.exists:
        raise BadInput(_("PARTICIPANT: no case with id {id}").format(id=participant))
    with session(write=True) as s:
        maintenance.erase(s, participant)
    if not loc.is_server:
        maintenance.scrub_file(loc.path)
    typer.echo(_("Case {id} erased").format(id=participant))
