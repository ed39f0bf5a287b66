"""`ipsung import`: moving in from a spreadsheet (SPEC §10a). Heavy imports stay inside
the command (see cli.py)."""

from pathlib import Path
from typing import Annotated

import typer

from ipsung.cli import app, error_line, session, today
from ipsung.i18n import _


class _DryRun(Exception):
    """Raised after a successful check to roll the transaction back."""


@app.command("import")
def import_rows(
    table: Annotated[
        str, typer.Argument(help="participants, contacts, placements, progress or all.")
    ],
    path: Annotated[Path, typer.Argument(metavar="FILE", help="A CSV file (a folder for all).")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only check; store nothing.")] = False,
    add_consultants: Annotated[
        bool, typer.Option("--add-consultants", help="Add consultants the file names (max 17).")
    ] = False,
) -> None:
    """Read the columns `export --identified` writes (either dialect), check every row with
    the rules of intake and daily work, and store all rows or none.

    Example: ipsung import participants data/import-sample.csv --dry-run
    Whole caseload: ipsung export all --identified --out old/ && ipsung --db new.db import all old/
    """
    from ipsung import importer, rules

    table = rules.parse_choice(table, (*importer.TABLES, "all"), "TABLE")
    try:
        # A dry run checks inside a transaction that is rolled back, and creates no file.
        with session(write=not dry_run) as s:
            if table == "all":
                counts = importer.import_folder(s, path, today(), add_consultants)
            else:
                counts = {table: importer.import_table(s, table, path, today(), add_consultants)}
            if dry_run:
                raise _DryRun
    except importer.ImportRefused as refused:
        for problem in refused.errors:
            error_line(str(problem))
        raise
    except _DryRun:
        summary = ", ".join(f"{n} {name}" for name, n in counts.items())
        typer.echo(
            _("Checked {summary}: no problems; nothing stored (--dry-run)").format(summary=summary)
        )
        return
    summary = ", ".join(f"{n} {name}" for name, n in counts.items())
    typer.echo(_("Imported {summary}").format(summary=summary))
