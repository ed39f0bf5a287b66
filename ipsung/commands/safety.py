"""Commands that keep the data safe: audit, backup, check, anonymize, erase (SPEC §10).
Heavy imports stay inside the commands (see cli.py)."""

from pathlib import Path
from typing import Annotated

import typer

from ipsung.commands import completion
from ipsung.commands.options import (
    JsonOpt,
    ParticipantArg,
    ask,
    echo,
    in_use,
    interactive,
    location,
    optional_participant,
    parse_date,
    parse_yes_no,
    participant,
    print_json,
    progress_bar,
    reading,
    session,
    today,
    warn,
)
from ipsung.errors import BadInput, IpsungError
from ipsung.i18n import _, ngettext

app = typer.Typer()

YesOpt = Annotated[bool, typer.Option("--yes", help="Do it without asking.")]


def note(message: str) -> None:
    """What is about to happen, on stderr (a person reads it before the question; a
    script's log keeps it)."""
    typer.echo(message, err=True)


def confirm(question: str, yes: bool) -> None:
    """Go ahead only with --yes or a yes at a terminal; never guess without a terminal."""
    if yes:
        return
    if not interactive():
        raise BadInput(_("no terminal to ask at: pass --yes to confirm"))
    if not ask(_("{question} [y/n]").format(question=question), parse_yes_no, "n"):
        raise IpsungError(_("nothing was changed"))


@app.command("audit")
def audit_log(
    case: Annotated[
        str | None,
        typer.Argument(
            metavar="PARTICIPANT",
            help="Only this case: its id, or a name or the start of one.",
            autocompletion=completion.cases,
        ),
    ] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="Only the latest N rows.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """The append-only audit log: who did what to which case, and when (UTC).

    Example: ipsung audit 12
    """
    from ipsung.render import safety as safety_view
    from ipsung.store import audit

    case_id = optional_participant(case)
    with reading() as conn:
        rows = audit.entries(conn, case_id, limit)
    if json_out:
        print_json(rows)
    else:
        echo(safety_view.audit_page(rows))


@app.command()
def backup(
    path: Annotated[Path, typer.Argument(help="New file (or folder) for the copy.")],
) -> None:
    """A consistent copy of the database while it is in use, with the pseudonym key beside it.
    A team database on PostgreSQL is backed up with pg_dump instead (exit 2 with how).

    Example: ipsung backup /media/usb/ipsung-2026-11-23.db
    """
    from ipsung.usecases import safety

    with progress_bar(_("backup"), None) as bar:
        written = safety.backup(location(), path, progress=bar.at if bar else None)
    for f in written:
        typer.echo(_("Wrote {path}").format(path=f))


@app.command()
def check(json_out: JsonOpt = False) -> None:
    """SQLite's integrity and foreign-key checks (on a team database: its constraints and
    the audit trigger) and the effort's rule checks; exit 1 when anything is wrong.
    Example: ipsung check"""
    from ipsung.reports import checks

    loc = location()
    problems = checks.file_checks(loc.path) if loc.exists and not loc.is_server else []
    with reading() as conn:
        if loc.is_server:
            problems += checks.server_checks(conn)
        problems += checks.rule_checks(conn, today())
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
    from ipsung.usecases import safety

    day = parse_date(closed_before, "--closed-before")
    with session(write=False) as s:
        plan = safety.anonymize_plan(s, day)
    if not plan["participants"]:  # nothing to ask about, and nothing to write
        note(
            _("No case closed before {day} still holds personal data.").format(
                day=rules.format_date(day)
            )
        )
        typer.echo(_("Anonymised {n} case(s)").format(n=0))
        return
    said = _("{cases} and {notes}, {reasons}: {rows} rows").format(
        cases=ngettext("{n} case", "{n} cases", plan["participants"]).format(
            n=plan["participants"]
        ),
        notes=ngettext("{n} contact note", "{n} contact notes", plan["contacts"]).format(
            n=plan["contacts"]
        ),
        reasons=ngettext(
            "{n} placement end reason", "{n} placement end reasons", plan["placements"]
        ).format(n=plan["placements"]),
        rows=sum(plan.values()),
    )
    note(_("Anonymising changes {what}.").format(what=said))
    confirm(
        _("Remove the personal data of every case closed before {day}?").format(
            day=rules.format_date(day)
        ),
        yes,
    )
    with progress_bar(_("cases"), plan["participants"]) as bar:
        ids = safety.anonymize_closed(in_use(write=True), day, on_case=bar)
    typer.echo(_("Anonymised {n} case(s)").format(n=len(ids)))
    if ids:
        warn(_("backup copies made earlier still hold the removed data"))


@app.command()
def erase(
    case: ParticipantArg,
    yes: YesOpt = False,
) -> None:
    """Delete one case entirely (contacts, placements, ratings); the audit log keeps its id.

    Example: ipsung erase 12 --yes
    """
    from ipsung.usecases import safety

    case_id = participant(case)
    with session(write=False) as s:
        plan = safety.erase_plan(s, case_id)
    rows = {
        "contacts": ngettext("{n} contact", "{n} contacts", plan["contacts"]),
        "placements": ngettext("{n} placement", "{n} placements", plan["placements"]),
        "aftercare_periods": ngettext(
            "{n} aftercare period", "{n} aftercare periods", plan["aftercare_periods"]
        ),
        "progress_ratings": ngettext("{n} rating", "{n} ratings", plan["progress_ratings"]),
    }
    note(
        _("Erasing deletes case {id} with {what}: {rows} rows.").format(
            id=case_id,
            what=", ".join(text.format(n=plan[table]) for table, text in rows.items()),
            rows=sum(plan.values()),
        )
    )
    confirm(_("Delete case {id} and everything about it?").format(id=case_id), yes)
    safety.erase(location(), case_id)
    typer.echo(_("Case {id} erased").format(id=case_id))
