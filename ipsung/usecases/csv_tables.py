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

How it is written: rows come from the database in batches and go straight to the
file, so memory stays flat however many rows there are. A file is written to a
temporary file in the target folder (created 0600) and renamed into place only when
everything succeeded, so a failed export leaves no partial file behind.

How it is fast: a national export is a million contacts, and every Python call per row
shows. The rows are read with the database driver's own cursor (SQLAlchemy compiles the
query, but makes no Row objects and parses no dates); a field of another table (a
contact's track) is looked up in a dict read once, not joined row by row; each table's
columns are compiled into one list comprehension per batch, in which most cells are a
field's text or a dict lookup (see `_plan`); the cyclic garbage collector rests while
rows are written; and a batch in which no cell needs quoting is written as its cells
joined, without csv.writer's look at every character (see `_write_rows`). The bytes are
csv.writer's either way.
"""

import csv
import io
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ipsung import rules, vocabulary
from ipsung.errors import BadInput
from ipsung.gcpause import no_cycle_collection
from ipsung.i18n import _
from ipsung.models import (
    AftercarePeriod,
    Consultant,
    Contact,
    Participant,
    PeriodReview,
    Placement,
    ProgressRating,
)
from ipsung.store import safe_files

BATCH = 5000  # rows fetched from the database at a time
LINE_END = "\r\n"

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
    return DIALECTS[vocabulary.parse_choice(text, vocabulary.DIALECTS, "--dialect")]


# --- cells ---------------------------------------------------------------------------

DriverDate = date | str  # a date as the driver returns it: PostgreSQL's, or SQLite's ISO text


class Memo(dict):
    """value -> cell, each distinct value converted once: looking up a value seen before
    is one dict lookup, not a Python call. Only for values that repeat (dates, hours,
    persons): a memo of row ids would grow with the table."""

    def __init__(self, convert: Callable[[Any], Any], known: dict | None = None) -> None:
        super().__init__(known or {})
        self.convert = convert

    def __missing__(self, value: Any) -> Any:
        cell = self[value] = self.convert(value)
        return cell


def _as_date(value: DriverDate) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


class Cells:
    """The column writers of one table in one dialect.

    Each method makes a column's writer, which turns the values of the column's fields into
    the text of its cell ("" for none): a Memo (looked up with the one field's value) or a
    function (called with the fields' values). The values are the database driver's own,
    read without SQLAlchemy's type processing: PostgreSQL gives dates and booleans, SQLite
    dates as ISO text ('2026-11-23') and booleans as 0 and 1.
    """

    def __init__(self, dialect: Dialect, pseudonyms: Callable[[int | None], str]) -> None:
        self.dialect = dialect
        self._persons = Memo(pseudonyms, {None: ""})  # "" for e.g. a job-development contact
        self._dates = Memo(lambda value: dialect.format_date(_as_date(value)), {None: ""})
        self._flags = Memo(lambda value: "true" if value else "false", {None: ""})
        self._days = Memo(_as_date)

    def person(self) -> Memo:
        return self._persons

    def date(self) -> Memo:
        return self._dates

    def flag(self) -> Memo:
        return self._flags

    def number(self) -> Memo:
        def text(value: float) -> str:
            digits = repr(float(value)).removesuffix(".0")  # 20.0 → "20", 12.5 → "12.5"
            return digits.replace(".", self.dialect.decimal_point)

        return Memo(text, {None: ""})

    def age(self) -> Callable[[DriverDate, DriverDate], str]:
        days = self._days
        return lambda birth_date, on: str(rules.age_on(days[birth_date], days[on]))

    def cpr(self) -> Callable[[str | None], str]:
        return lambda digits: rules.format_cpr(digits) or ""  # DDMMYY-SSSS, as at intake


def key(prefix: str) -> Callable[[Cells], Callable[[int | None], str]]:
    """Row keys with a letter prefix ("C-17"): never purely numeric."""

    def writer(_cells: Cells) -> Callable[[int | None], str]:
        return lambda value: "" if value is None else f"{prefix}-{value}"

    return writer


# --- tables --------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    fields: tuple[str, ...]  # the table's fields this column is made from
    write: Callable[[Cells], Any] | None = None  # makes the column's writer; None: as is
    identified: bool = False  # written (and its fields read) only with --identified


def col(header: str, *fields: str, write=None, identified: bool = False) -> Column:
    return Column(header, fields or (header,), write, identified)


@dataclass(frozen=True)
class Lookup:
    """A field of another table: `value` of the row whose id is this row's field `key`
    (a contact's track is its participant's). The other table's ids and values are read
    once into a dict, which costs less than a join's search for each of a million rows.
    No key (a contact without a participant) gives None, as an outer join would."""

    key: str
    value: Any  # e.g. Participant.track

    def read(self, session: Session) -> Memo:
        other = self.value.class_
        with _driver_cursor(session, select(other.id, self.value)) as cursor:
            return Memo(lambda _no_row: None, dict(cursor))


@dataclass(frozen=True)
class Table:
    name: str
    model: Any  # the table's own rows: what is counted, filtered and ordered
    fields: dict[str, Any]  # name -> the model's SQL expression, or a Lookup
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
        "consultant_id": P.consultant_id,
        "name": P.name,
        "cpr": P.cpr,
        "birth_date": P.birth_date,
        "referral_date": P.referral_date,
        "referred_by": P.referred_by,
        "consultant": Lookup("consultant_id", Consultant.name),
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
        "consultant_id": Contact.consultant_id,
        # A job-development contact has no participant (and so no track).
        "track": Lookup("participant_id", P.track),
        "consultant": Lookup("consultant_id", Consultant.name),
        "date": Contact.date,
        "kind": Contact.kind,
        "channel": Contact.channel,
        "minutes": Contact.minutes,
        "employer": Contact.employer,
        "note": Contact.note,
    },
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
        "track": Lookup("participant_id", P.track),
        "kind": Placement.kind,
        "start": Placement.start,
        "end": Placement.end,
        "hours": Placement.hours,
        "employer": Placement.employer,
        "job_type": Placement.job_type,
        "end_reason": Placement.end_reason,
    },
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
        col("job_type"),
        col("end_reason", identified=True),
    ),
)

PROGRESS = Table(
    name="progress",
    model=ProgressRating,
    fields={
        "id": ProgressRating.id,
        "participant_id": ProgressRating.participant_id,
        "track": Lookup("participant_id", P.track),
        "date": ProgressRating.date,
        "outlook": ProgressRating.outlook,  # Udsyn
        "insight": ProgressRating.insight,  # Indsigt
        "skills": ProgressRating.skills,  # Kompetencer
    },
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

AFTERCARE = Table(
    name="aftercare",
    model=AftercarePeriod,
    fields={
        "id": AftercarePeriod.id,
        "participant_id": AftercarePeriod.participant_id,
        "track": Lookup("participant_id", P.track),
        "start": AftercarePeriod.start,
        "end": AftercarePeriod.end,
        "contact_every": AftercarePeriod.contact_every,
    },
    date_field="start",
    columns=(
        col("aftercare", "id", write=key("A")),
        col("case", "participant_id", write=key("K"), identified=True),
        col("person", "participant_id", write=Cells.person),
        col("track"),
        col("start", write=Cells.date),
        col("end", write=Cells.date),
        col("contact_every"),
    ),
)

REVIEWS = Table(
    name="reviews",
    model=PeriodReview,
    fields={
        "id": PeriodReview.id,
        "participant_id": PeriodReview.participant_id,
        "track": Lookup("participant_id", P.track),
        "date": PeriodReview.date,
        "period": PeriodReview.period,
        "note": PeriodReview.note,
    },
    date_field="date",
    columns=(
        col("review", "id", write=key("V")),
        col("case", "participant_id", write=key("K"), identified=True),
        col("person", "participant_id", write=Cells.person),
        col("track"),
        col("date", write=Cells.date),
        col("period"),
        col("note", identified=True),
    ),
)

TABLES = {t.name: t for t in (PARTICIPANTS, CONTACTS, PLACEMENTS, PROGRESS, AFTERCARE, REVIEWS)}


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


def _plan(session: Session, table: Table, columns: list[Column], cells: Cells):
    """The query and the function that turns a batch of its rows into CSV rows.

    The query reads only the fields the chosen columns need: an identified-only field such
    as a name or a note is not even read otherwise. The function is compiled from the
    columns, the way namedtuple and dataclasses make their methods, so that a million rows
    cost no Python call per cell beyond the writers' own. Every cell is text. For the
    contacts of a pseudonymised export it reads:

        lambda batch: [
            (w0(v0), w1[v1], (L2[v1] or ''), (L3[v2] or ''), w4[v3], (v4 or ''),
             (v5 or ''), ('' if v6 is None else str(v6)), (v7 or ''))
            for (v0, v1, v2, v3, v4, v5, v6, v7) in batch
        ]

    where v0… are the values read (id, participant_id, consultant_id, date, …), L… the
    Lookups' dicts, and w… the columns' writers (a Memo is looked up, a function called).
    """
    names: list[str] = []  # the table's own fields that are read, in the query's order
    value_of: dict[str, str] = {}  # field -> its expression in the function
    namespace: dict[str, Any] = {}  # what the function's names stand for

    def bind(prefix: str, thing: Any) -> str:
        name = f"{prefix}{len(namespace)}"
        namespace[name] = thing
        return name

    def value(field: str) -> str:
        """The expression of a field's value."""
        if field not in value_of:
            definition = table.fields[field]
            if isinstance(definition, Lookup):
                key = value(definition.key)
                value_of[field] = f"{bind('L', definition.read(session))}[{key}]"
            else:
                value_of[field] = f"v{len(names)}"
                names.append(field)
        return value_of[field]

    def text(field: str) -> str:
        """The expression of a field's text as csv.writer would write it: "" for none."""
        definition = table.fields[field]
        sql_type = (definition.value if isinstance(definition, Lookup) else definition).type
        if _is_text(sql_type):
            return f"({value(field)} or '')"
        return f"('' if {value(field)} is None else str({value(field)}))"

    cells_of_row = []
    for c in columns:
        if c.write is None:
            cells_of_row.append(text(c.fields[0]))
        else:
            values = ", ".join(value(f) for f in c.fields)
            writer = c.write(cells)
            name = bind("w", writer)
            cells_of_row.append(
                f"{name}[{values}]" if isinstance(writer, dict) else f"{name}({values})"
            )
    row = ", ".join(f"v{i}" for i in range(len(names)))
    source = f"lambda batch: [({', '.join(cells_of_row)},) for ({row},) in batch]"
    query = select(*(table.fields[f].label(f) for f in names)).select_from(table.model)
    return query, eval(source, namespace)  # our own names and indexes: no data in the source


def _is_text(sql_type: Any) -> bool:
    try:
        return sql_type.python_type is str  # SQLite too gives text from a text column
    except NotImplementedError:  # a type without a Python equivalent
        return False


def _write_rows(
    stream: TextIO, writer: Any, rows: list[tuple[str, ...]], delimiter: str, width: int
) -> None:
    """Write rows of text cells, exactly as csv.writer would.

    csv.writer looks at every character of every cell for one that must be quoted (the
    delimiter, a quote, a line break): half the time of a large export. Most batches hold
    none, and then their CSV is the cells joined. Counting in the joined text tells: each
    row brings width - 1 delimiters and one line end, so any more are inside a cell. A
    batch that has one (or a row of one empty cell, which csv.writer quotes) goes through
    csv.writer.
    """
    text = LINE_END.join(map(delimiter.join, rows)) + LINE_END
    if (
        width > 1
        and '"' not in text
        and text.count(delimiter) == len(rows) * (width - 1)
        and text.count("\r") == text.count("\n") == len(rows)
    ):
        stream.write(text)
    else:
        writer.writerows(rows)


@contextmanager
def _driver_cursor(session: Session, query: Select) -> Iterator[Any]:
    """The database driver's own cursor on `query`, in the session's transaction.

    SQLAlchemy only compiles the query: making a Row of each of a million rows (and a
    date of each date text) would cost more than writing the CSV. PostgreSQL keeps the
    cursor on the server and sends the rows a batch per fetch, as SQLite's cursor steps
    through the table as it is fetched: memory stays flat either way.
    """
    connection = session.connection()
    dialect = connection.dialect
    state = query.compile(dialect=dialect).construct_expanded_state()
    values = {
        name: state.processors[name](value) if name in state.processors else value
        for name, value in state.parameters.items()
    }  # e.g. a --from date as the text SQLite compares dates with
    if state.positiontup is not None:
        values = tuple(values[name] for name in state.positiontup)
    driver = connection.connection.driver_connection
    cursor = driver.cursor("ipsung_export") if dialect.name == "postgresql" else driver.cursor()
    try:
        cursor.execute(state.statement, values)
        yield cursor
    finally:
        cursor.close()


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
    query, csv_rows = _plan(session, table, columns, Cells(dialect, pseudonyms))
    query = (period or Period()).where(query, table.fields[table.date_field])
    query = query.order_by(table.fields["id"])

    writer = csv.writer(stream, delimiter=dialect.delimiter, lineterminator=LINE_END)
    writer.writerow(c.header for c in columns)
    written = 0
    with _driver_cursor(session, query) as cursor, no_cycle_collection():
        while batch := cursor.fetchmany(BATCH):
            _write_rows(stream, writer, csv_rows(batch), dialect.delimiter, len(columns))
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
