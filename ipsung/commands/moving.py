"""Moving data in and out: demo (a synthetic caseload), export (SPEC §9) and import (SPEC
§10a). Heavy imports stay inside the commands (see cli.py)."""

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from ipsung import vocabulary
from ipsung.commands import completion, words
from ipsung.commands.options import (
    error_line,
    in_use,
    parse_date,
    progress_bar,
    session,
    today,
)
from ipsung.errors import BadInput
from ipsung.i18n import N_, _

app = typer.Typer()

ALL = vocabulary.ALL


# --- demo ---------------------------------------------------------------------------------


@app.command()
def demo(
    participants: Annotated[
        int, typer.Option("--participants", help="Number of young people.")
    ] = 40,
    seed: Annotated[int, typer.Option("--seed", help="The same seed gives the same data.")] = 1,
) -> None:
    """Fill an empty database with a realistic synthetic caseload (no real person's data).

    Example: ipsung demo && ipsung capacity
    """
    from ipsung.usecases import demo as demo_data

    if participants < 1:
        raise BadInput(_("must be 1 or more"), "--participants")
    with session(write=True) as s, progress_bar(_("cases"), participants) as bar:
        counts = demo_data.generate(s, participants, seed, today(), on_cases=bar)
    typer.echo(
        _("Demo caseload created: {summary}").format(
            summary=", ".join(f"{n} {vocabulary.shown_code(t)}" for t, n in counts.items())
        )
    )


# --- export -------------------------------------------------------------------------------


@app.command()
def export(
    table: Annotated[
        str,
        typer.Argument(
            help=words.listing(N_("{choices}, or {all}."), vocabulary.EXPORT_TABLES, all=ALL),
            show_default=False,
            autocompletion=completion.choices((*vocabulary.EXPORT_TABLES, ALL)),
        ),
    ],
    out: Annotated[
        str | None,
        typer.Option(
            "--out",
            metavar="PATH",
            help="File to write (default: standard output); a folder for 'all'.",
        ),
    ] = None,
    from_: Annotated[
        str | None, typer.Option("--from", help="Only rows dated on or after this day.")
    ] = None,
    to_: Annotated[
        str | None, typer.Option("--to", help="Only rows dated on or before this day.")
    ] = None,
    identified: Annotated[
        bool,
        typer.Option(
            "--identified",
            help="Add names, CPR numbers, birth dates, notes and reasons (recorded in the audit log).",
        ),
    ] = False,
    dialect: Annotated[
        str,
        typer.Option(
            "--dialect",
            metavar="|".join(vocabulary.DIALECTS),
            autocompletion=completion.choices(vocabulary.DIALECTS),
            help="csv: comma, ISO dates (pandas, R). excel-dk: semicolon, dd-mm-yyyy, "
            "decimal comma, BOM (Danish Excel).",
        ),
    ] = "csv",
) -> None:
    """Export a table as CSV: pseudonymised (no names, CPR numbers, birth dates or free
    text; each person a stable pseudonym) unless --identified.

    Rows are filtered by their own date: participants by referral date, contacts by date,
    placements by start, progress by date.

    Examples:

    \b
    ipsung export contacts --from 01-01-2026 --to 31-12-2026 --out contacts.csv
    ipsung export all --out udtraek --dialect excel-dk
    """
    from ipsung.usecases import csv_tables
    from ipsung.usecases import export as exporting

    name = vocabulary.parse_choice(table, (*vocabulary.EXPORT_TABLES, ALL), "TABLE")
    chosen = csv_tables.parse_dialect(dialect)
    period = csv_tables.Period(
        parse_date(from_, "--from") if from_ is not None else None,
        parse_date(to_, "--to") if to_ is not None else None,
    )
    if period.start and period.end and period.start > period.end:
        raise BadInput(_("--from lies after --to"))
    tables = list(csv_tables.TABLES.values()) if name == ALL else [csv_tables.TABLES[name]]
    if name == ALL and out is None:
        raise BadInput(_("'all' writes one file per table: give --out FOLDER"))
    target = Path(out) if out is not None else None

    def progress(label: str, total: Callable[[], int]):
        # CSV printed to this terminal is not mixed with a bar.
        return progress_bar(label, total, stdout_busy=out is None)

    counts = exporting.export(
        in_use(write=False),
        tables,
        target,
        chosen,
        folder=name == ALL,
        identified=identified,
        period=period,
        progress=progress,
    )
    if out is not None:
        for t, path in zip(tables, exporting.targets(tables, target, name == ALL), strict=True):
            typer.echo(
                _("Wrote {path} ({rows} rows)").format(path=path, rows=counts[t.name]), err=True
            )


# --- import -------------------------------------------------------------------------------


class _DryRun(Exception):
    """Raised after a successful check to roll the transaction back."""


@app.command("import")
def import_rows(
    table: Annotated[
        str,
        typer.Argument(
            help=words.listing(N_("{choices}, or {all}."), vocabulary.EXPORT_TABLES, all=ALL),
            autocompletion=completion.choices((*vocabulary.EXPORT_TABLES, ALL)),
        ),
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
    from ipsung.usecases import importing as importer

    table = vocabulary.parse_choice(table, (*vocabulary.EXPORT_TABLES, ALL), "TABLE")
    try:
        # A dry run checks inside a transaction that is rolled back, and creates no file.
        with session(write=not dry_run) as s:
            if table == "all":
                counts = importer.import_folder(s, path, today(), add_consultants, progress_bar)
            else:
                with progress_bar(table, partial(importer.count_lines, path)) as bar:
                    counts = {
                        table: importer.import_table(
                            s, table, path, today(), add_consultants, on_rows=bar
                        )
                    }
            if dry_run:
                raise _DryRun
    except importer.ImportRefused as refused:
        for problem in refused.errors:
            error_line(str(problem))
        raise
    except _DryRun:
        summary = ", ".join(f"{n} {vocabulary.shown_code(name)}" for name, n in counts.items())
        typer.echo(
            _("Checked {summary}: no problems; nothing stored (--dry-run)").format(summary=summary)
        )
        return
    summary = ", ".join(f"{n} {vocabulary.shown_code(name)}" for name, n in counts.items())
    typer.echo(_("Imported {summary}").format(summary=summary))
