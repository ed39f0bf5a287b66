"""CSV export for analysts (SPEC §9): pseudonymised by default, streamed, written safely.

What is written:
- Each table is a list of columns; a column marked `identified` is written only with
  `--identified`, and the private fields behind such columns (names, CPR numbers, notes,
  goals, reasons) are not even read from the database otherwise.
- A person is a keyed pseudonym ("P-…", see pseudonyms.py), the same in every table.
  Row keys carry a letter prefix ("C-17", "PL-3", "R-5", case "K-12") so that no key
  is purely numeric: Excel would turn them into numbers and strip leading zeros.
- Empty values are empty fields. Booleans are `true`/`false` in both dialects: pandas'
  `read_csv` and R's `read.csv` read them as booleans as they are, Excel shows them as
  plain words, and one spelling keeps the two dialects interchangeable for `ipsung import`.

Dialects: `csv` is RFC 4180 (comma, CRLF, UTF-8 without BOM, ISO dates, decimal point);
`excel-dk` is what Danish Excel opens by double-click (semicolon, CRLF, UTF-8 with BOM,
dd-mm-yyyy dates, decimal comma, no `sep=` line).

How it is written: rows come from the database in batches and go straight to
csv.writer, so memory stays flat however many rows there are. A file is written to a
temporary file in the target folder (created 0600) and renamed into place only when
everything succeeded, so a failed export leaves no partial file behind.
"""

import csv
import io
import operator
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ipsung import rules, safe_files
from ipsung.errors import BadInput
from ipsung.i18n import _
from ipsung.models import Consultant, Contact, Participant, Placement, ProgressRating

BATCH = 5000  # rows fetched from the database at a time

# --- dialects ------------------------------------------------------------------------


@dataclass(frozen=True)
class Dialect:
    name: str
    delimiter: str
    encoding: str  # "utf-8-sig" writes the BOM that makes Excel read UTF-8 (æøå)
    format_date: Callable[[date], str]
    decimal_point: str


DIALECTS = {
    "csv": Dialect("csv", ",", "utf-8", date.isoformat, "."),
    "excel-dk": Dialect("excel-dk", ";", "utf-8-sig", rules.format_date, ","),
}


def parse_dialect(text: str) -> Dialect:
    return DIALECTS[rules.parse_choice(text, tuple(DIALECTS), "--dialect")]


class Cells:
    """Turns database values into the text of one dialect.

    Each method is a column's writer: it takes the cells first, then the column's fields.
    """

    def __init__(self, dialect: Dialect, pseudonyms: Callable[[int | None], str]) -> None:
        self.dialect = dialect
        self.pseudonyms = pseudonyms

    def person(self, participant_id: int | None) -> str:
        return self.pseudonyms(participant_id)

    def date(self, value: date | None) -> str:
        return "" if value is None else self.dialect.format_date(value)

    def flag(self, value: bool | None) -> str:
        return "" if value is None else ("true" if value else "false")

    def number(self, value: float | None) -> str:
        if value is None:
            return ""
        text = repr(float(value)).removesuffix(".0")  # 20.0 → "20", 12.5 → "12.5"
        return text.replace(".", self.dialect.decimal_point)

    def age(self, birth_date: date, on: date) -> int:
        return rules.age_on(birth_date, on)

    def cpr(self, digits: str | None) -> str | None:
        return rules.format_cpr(digits)  # DDMMYY-SSSS, as typed at intake


def key(prefix: str) -> Callable[[Cells, int | None], str]:
    """Row keys with a letter prefix ("C-17"): never purely numeric."""
    return lambda _cells, value: "" if value is None else f"{prefix}-{value}"


# --- tables --------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    fields: tuple[str, ...]  # the table's fields this column is made from
    write: Callable[..., Any] | None = None  # (cells, *field values) -> value; None: as is
    identified: bool = False  # written (and its fields read) only with --identified


def col(header: str, *fields: str, write=None, identified: bool = False) -> Column:
    return Column(header, fields or (header,), write, identified)


@dataclass(frozen=True)
class Table:
    name: str
    model: Any  # the table's own rows: what is counted, filtered and ordered
    fields: dict[str, Any]  # name -> SQL expression
    joins: Callable[[Select], Select]  # FROM the model, joined to what the fields need
    date_field: str  # what --from/--to filter on
    columns: tuple[Column, ...]

    def columns_for(self, identified: bool) -> list[Column]:
        return [c for c in self.columns if identified or not c.identified]


P = Participant

PARTICIPANTS = Table(
    name="participants",
    model=P,
    fields={
        "id": P.id,
        "name": P.name,
        "cpr": P.cpr,
        "birth_date": P.birth_date,
        "referral_date": P.referral_date,
        "referred_by": P.referred_by,
        "consultant": Consultant.name,
        "track": P.track,
        "status": P.status,
        "enrolled_on": P.enrolled_on,
        "closed_on": P.closed_on,
        "close_reason": P.close_reason,
        "goal": P.goal,
        "pathway": P.pathway,
        "diagnoses": P.diagnoses,
        "under_assessment": P.under_assessment,
        "mistrivsel": P.mistrivsel,
        "substance": P.substance,
        "motivated": P.motivated,
        "normal_cognition": P.normal_cognition,
        "eligible": P.eligible,
        "overridden": P.override_reason.is_not(None),
        "override_reason": P.override_reason,
    },
    joins=lambda q: q.select_from(P).outerjoin(Consultant, P.consultant_id == Consultant.id),
    date_field="referral_date",
    columns=(
        col("case", "id", write=key("K"), identified=True),
        col("person", "id", write=Cells.person),
        col("name", identified=True),
        col("cpr", write=Cells.cpr, identified=True),
        col("birth_date", write=Cells.date, identified=True),
        col("age_at_referral", "birth_date", "referral_date", write=Cells.age),
        col("referral_date", write=Cells.date),
        col("referred_by"),
        col("consultant"),
        col("track"),
        col("status"),
        col("enrolled_on", write=Cells.date),
        col("closed_on", write=Cells.date),
        col("close_reason"),
        col("goal", identified=True),
        col("pathway"),
        col("diagnoses"),  # "F90.0,F84": quoted in csv
        col("under_assessment", write=Cells.flag),
        col("mistrivsel"),
        col("substance"),
        col("motivated", write=Cells.flag),
        col("normal_cognition", write=Cells.flag),
        col("eligible", write=Cells.flag),
        col("overridden", write=Cells.flag),
        col("override_reason", identified=True),
    ),
)

CONTACTS = Table(
    name="contacts",
    model=Contact,
    fields={
        "id": Contact.id,
        "participant_id": Contact.participant_id,
        "track": P.track,
        "consultant": Consultant.name,
        "date": Contact.date,
        "kind": Contact.kind,
        "channel": Contact.channel,
        "minutes": Contact.minutes,
        "employer": Contact.employer,
        "note": Contact.note,
    },
    # Outer joins: a job-development contact has no participant (and so no track).
    joins=lambda q: (
        q.select_from(Contact)
        .outerjoin(P, Contact.participant_id == P.id)
        .outerjoin(Consultant, Contact.consultant_id == Consultant.id)
    ),
    date_field="date",
    columns=(
        col("contact", "id", write=key("C")),
        col("case", "participant_id", write=key("K"), identified=True),
        col("person", "participant_id", write=Cells.person),
        col("track"),
        col("consultant"),
        col("date", write=Cells.date),
        col("kind"),
        col("channel"),
        col("minutes"),
        col("employer"),
        col("note", identified=True),
    ),
)

PLACEMENTS = Table(
    name="placements",
    model=Placement,
    fields={
        "id": Placement.id,
        "participant_id": Placement.participant_id,
        "track": P.track,
        "kind": Placement.kind,
        "start": Placement.start,
        "end": Placement.end,
        "hours": Placement.hours,
        "employer": Placement.employer,
        "end_reason": Placement.end_reason,
    },
    joins=lambda q: q.select_from(Placement).join(P, Placement.participant_id == P.id),
    date_field="start",
    columns=(
        col("placement", "id", write=key("PL")),
        col("case", "participant_id", write=key("K"), identified=True),
        col("person", "participant_id", write=Cells.person),
        col("track"),
        col("kind"),
        col("start", write=Cells.date),
        col("end", write=Cells.date),
        col("hours", write=Cells.number),
        col("employer"),
        col("end_reason", identified=True),
    ),
)

PROGRESS = Table(
    name="progress",
    model=ProgressRating,
    fields={
        "id": ProgressRating.id,
        "participant_id": ProgressRating.participant_id,
        "track": P.track,
        "date": ProgressRating.date,
        "outlook": ProgressRating.outlook,  # Udsyn
        "insight": ProgressRating.insight,  # Indsigt
        "skills": ProgressRating.skills,  # Kompetencer
    },
    joins=lambda q: q.select_from(ProgressRating).join(P, ProgressRating.participant_id == P.id),
    date_field="date",
    columns=(
        col("rating", "id", write=key("R")),
        col("case", "participant_id", write=key("K"), identified=True),
        col("person", "participant_id", write=Cells.person),
        col("track"),
        col("date", write=Cells.date),
        col("outlook"),
        col("insight"),
        col("skills"),
    ),
)

TABLES = {t.name: t for t in (PARTICIPANTS, CONTACTS, PLACEMENTS, PROGRESS)}


@dataclass(frozen=True)
class Period:
    """--from/--to: rows whose own date lies between them, both days included."""

    start: date | None = None
    end: date | None = None

    def where(self, query: Select, column: Any) -> Select:
        if self.start is not None:
            query = query.where(column >= self.start)
        if self.end is not None:
            query = query.where(column <= self.end)
        return query


def count_rows(session: Session, table: Table, period: Period) -> int:
    """How many rows an export will write (for the progress bar)."""
    query = select(func.count()).select_from(table.model)
    return session.scalar(period.where(query, table.fields[table.date_field])) or 0


def _plan(table: Table, columns: list[Column], cells: Cells):
    """The query (only the fields the chosen columns need: an identified-only field such
    as a name or a note is not even read otherwise) and one getter per column.

    Getters index into the row by position: reading a SQLAlchemy row by attribute name
    costs several times more, which counts at a million rows.
    """
    needed = list(dict.fromkeys(f for c in columns for f in c.fields))
    position = {name: i for i, name in enumerate(needed)}
    query = table.joins(select(*(table.fields[f].label(f) for f in needed)))
    getters = []
    for c in columns:
        indexes = [position[f] for f in c.fields]
        if c.write is None:
            getters.append(operator.itemgetter(indexes[0]))
        elif len(indexes) == 1:
            getters.append(partial(_write_one, partial(c.write, cells), indexes[0]))
        else:
            getters.append(partial(_write_many, partial(c.write, cells), indexes))
    return query, getters


def _write_one(write, index, row):
    return write(row[index])


def _write_many(write, indexes, row):
    return write(*[row[i] for i in indexes])


def write_table(
    session: Session,
    table: Table,
    stream: TextIO,
    dialect: Dialect,
    pseudonyms: Callable[[int | None], str],
    *,
    identified: bool = False,
    period: Period | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> int:
    """Write the header and every row of `table` to `stream`; returns the row count."""
    columns = table.columns_for(identified)
    query, getters = _plan(table, columns, Cells(dialect, pseudonyms))
    query = (period or Period()).where(query, table.fields[table.date_field])
    query = query.order_by(table.fields["id"])

    writer = csv.writer(stream, delimiter=dialect.delimiter, lineterminator="\r\n")
    writer.writerow(c.header for c in columns)
    written = 0
    # Core on the connection (plain rows, without the ORM's per-row work), in batches.
    result = session.connection().execute(query.execution_options(yield_per=BATCH))
    for batch in result.partitions():
        writer.writerows([get(row) for get in getters] for row in batch)
        written += len(batch)
        if on_rows is not None:
            on_rows(len(batch))
    return written


# --- where the rows go ----------------------------------------------------------------


@contextmanager
def stdout_stream(dialect: Dialect) -> Iterator[TextIO]:
    """Standard output in the dialect's own encoding and line ends, whatever the locale
    (the console's encoding may not have æøå; text mode would double the CR on Windows)."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a replaced stdout that takes only text
        yield sys.stdout
        return
    stream = io.TextIOWrapper(buffer, encoding=dialect.encoding, newline="")
    try:
        yield stream
    finally:
        stream.flush()
        stream.detach()  # leave sys.stdout open for whoever comes after


@contextmanager
def file_stream(path: Path, dialect: Dialect) -> Iterator[TextIO]:
    """A temporary file beside `path` that replaces it when the block ends without error,
    and is removed when it does not: never a partial export under the real name."""
    path = Path(path)
    if path.is_dir():
        raise BadInput(
            _("--out: {path} is a folder; give a file name (or export 'all' into a folder)").format(
                path=path
            )
        )
    with safe_files.atomic_file(path, dialect.encoding, "--out") as stream:
        yield stream


def prepare_folder(path: Path) -> Path:
    """The folder `export all` writes into: created owner-only (0700) if it is missing
    (its parent must exist: a mistyped path should fail, not grow a tree of folders)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise BadInput(_("--out: {path} is a file; 'all' writes into a folder").format(path=path))
    if not path.exists():
        safe_files.check_folder(path.parent, "--out")
        try:
            path.mkdir(mode=0o700)
        except OSError as exc:
            raise BadInput(
                _("--out: cannot create the folder {path}: {why}").format(
                    path=path, why=exc.strerror
                )
            ) from None
    return path


def audit_change(counts: dict[str, int], period: Period) -> str:
    """What the audit log says about an identified export: tables and row counts only."""
    change = "identified " + ", ".join(f"{name} rows={n}" for name, n in counts.items())
    if period.start is not None:
        change += f" from={period.start.isoformat()}"
    if period.end is not None:
        change += f" to={period.end.isoformat()}"
    return change
