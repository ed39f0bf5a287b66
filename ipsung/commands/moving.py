"""Moving data in and out: demo (a synthetic caseload), export (SPEC §9) and import (SPEC
§10a). Heavy imports stay inside the commands (see cli.py)."""

import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from ipsung.commands.options import (
    error_line,
    location,
    parse_date,
    session,
    today,
)
from ipsung.errors import BadInput, IpsungError
from ipsung.i18n import _

app = typer.Typer()

ALL = "all"


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
    from ipsung.usecases import consultants as service
    from ipsung.usecases import demo as demo_data

    if participants < 1:
        raise BadInput(_("--participants: must be 1 or more"))
    with session(write=True) as s:
        if not service.is_empty(s):
            raise IpsungError(
                _(
                    "the database already holds data; demo fills only an empty one "
                    "(use --db to choose a new file)"
                )
            )
        counts = demo_data.generate(s, participants, seed, today())
    typer.echo(
        _("Demo caseload created: {summary}").format(
            summary=", ".join(f"{n} {table_name}" for table_name, n in counts.items())
        )
    )


# --- export -------------------------------------------------------------------------------


@app.command()
def export(
    table: Annotated[
        str,
        typer.Argument(
            help="participants, contacts, placements, progress, or all.", show_default=False
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
            metavar="csv|excel-dk",
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
    from ipsung import rules
    from ipsung.store import audit, db
    from ipsung.store.pseudonyms import Pseudonyms
    from ipsung.usecases import csv_tables as exporter

    name = rules.parse_choice(table, (*exporter.TABLES, ALL), "TABLE")
    chosen = exporter.parse_dialect(dialect)
    period = exporter.Period(
        parse_date(from_, "--from") if from_ is not None else None,
        parse_date(to_, "--to") if to_ is not None else None,
    )
    if period.start and period.end and period.start > period.end:
        raise BadInput(_("--from lies after --to"))
    tables = list(exporter.TABLES.values()) if name == ALL else [exporter.TABLES[name]]
    loc = location()

    with ExitStack() as stack:
        # The outputs are opened before the database: a path that cannot be written fails
        # at once, before any work. A file reaches its real name only when this block ends
        # without error (after the audit row is stored).
        if name == ALL:
            if out is None:
                raise BadInput(_("'all' writes one file per table: give --out FOLDER"))
            folder = exporter.prepare_folder(Path(out))
            streams = [
                stack.enter_context(exporter.file_stream(folder / f"{t.name}.csv", chosen))
                for t in tables
            ]
        elif out is not None:
            streams = [stack.enter_context(exporter.file_stream(Path(out), chosen))]
        else:
            streams = [stack.enter_context(exporter.stdout_stream(chosen))]

        # One read transaction for every table: one snapshot, so that the files link up.
        with session(write=False) as s:
            person = Pseudonyms(db.key_file(loc))
            counts = {}
            for t, stream in zip(tables, streams, strict=True):
                rows_of_t = partial(exporter.count_rows, s, t, period)
                with _progress(t.name, rows_of_t, to_terminal=out is None) as on_rows:
                    counts[t.name] = exporter.write_table(
                        s,
                        t,
                        stream,
                        chosen,
                        person,
                        identified=identified,
                        period=period,
                        on_rows=on_rows,
                    )
        # An identified export is recorded before its files are in place. Without a
        # database there is nothing to record, and recording must not create one.
        if identified and loc.exists:
            with session(write=True) as s:
                audit.record(s, "export", None, exporter.audit_change(counts, period))

    if out is not None:
        for t in tables:
            target = Path(out) / f"{t.name}.csv" if name == ALL else Path(out)
            typer.echo(
                _("Wrote {path} ({rows} rows)").format(path=target, rows=counts[t.name]), err=True
            )


@contextmanager
def _progress(
    label: str, total: Callable[[], int], to_terminal: bool
) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr while one table is written, only when stderr is a terminal
    (redirected stderr stays clean) and the CSV itself is not being printed on it."""
    if not sys.stderr.isatty() or (to_terminal and sys.stdout.isatty()):
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total())
        yield lambda rows: bar.advance(task, rows)


# --- import -------------------------------------------------------------------------------


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
    from ipsung import rules
    from ipsung.usecases import importing as importer

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
