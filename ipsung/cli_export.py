"""The analyst's export (SPEC §9). Heavy imports stay inside the commands (see cli.py)."""

import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from ipsung.cli import app, location, parse_date, session
from ipsung.errors import BadInput
from ipsung.i18n import _

ALL = "all"


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
    from ipsung import audit, db, rules
    from ipsung import export as exporter
    from ipsung.pseudonyms import Pseudonyms

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
