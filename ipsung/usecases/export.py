"""Exporting tables for an analyst (SPEC §9): the act, with its audit row.

The tables, their columns and the fast CSV writing are csv_tables.py's; this opens the
outputs, reads every table in one snapshot, and records an identified export in the
audit log before its files take their real names.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from functools import partial
from pathlib import Path
from typing import TextIO

from ipsung.store import audit, db
from ipsung.store.location import Location
from ipsung.store.pseudonyms import Pseudonyms
from ipsung.usecases import csv_tables
from ipsung.usecases.csv_tables import Dialect, Period, Table

# What shows progress while one table is written: given the table's name and a way to
# count its rows, a context whose value takes the rows written (or None: no progress).
Progress = Callable[[str, Callable[[], int]], AbstractContextManager[Callable[[int], None] | None]]


def targets(tables: list[Table], out: Path | None, folder: bool) -> list[Path | None]:
    """Where each table goes: a file per table in a folder, one file, or stdout (None)."""
    if folder:
        return [out / f"{t.name}.csv" for t in tables]
    return [out]


def export(
    location: Location,
    tables: list[Table],
    out: Path | None,
    dialect: Dialect,
    *,
    folder: bool = False,
    identified: bool = False,
    period: Period | None = None,
    progress: Progress,
) -> dict[str, int]:
    """Write each table as CSV to its target; returns the rows written per table."""
    with ExitStack() as stack:
        # The outputs are opened before the database: a path that cannot be written fails
        # at once, before any work. A file reaches its real name only when this block ends
        # without error (after the audit row is stored).
        if folder:
            csv_tables.prepare_folder(out)
        streams = [
            stack.enter_context(_stream(target, dialect)) for target in targets(tables, out, folder)
        ]
        # One read transaction for every table: one snapshot, so that the files link up.
        with db.session(location, write=False) as s:
            person = Pseudonyms(db.key_file(location))
            counts = {}
            for table, stream in zip(tables, streams, strict=True):
                rows_of_table = partial(csv_tables.count_rows, s, table, period or Period())
                with progress(table.name, rows_of_table) as on_rows:
                    counts[table.name] = csv_tables.write_table(
                        s,
                        table,
                        stream,
                        dialect,
                        person,
                        identified=identified,
                        period=period,
                        on_rows=on_rows,
                    )
        # An identified export is recorded before its files are in place. Without a
        # database there is nothing to record, and recording must not create one.
        if identified and location.exists:
            with db.session(location, write=True) as s:
                audit.record(s, "export", None, csv_tables.audit_change(counts, period or Period()))
    return counts


def _stream(target: Path | None, dialect: Dialect) -> AbstractContextManager[TextIO]:
    if target is None:
        return csv_tables.stdout_stream(dialect)
    return csv_tables.file_stream(target, dialect)
