"""Moving in from a spreadsheet (SPEC §10a): `ipsung import TABLE FILE`.

Reads the columns `export --identified` writes, in either dialect (detected), checks
every row with the row model the commands use (schemas.py) and with what the database
knows (the case exists, the consultant has room, nothing lies before the case's
referral), and then stores all rows or none. Every bad row is reported by line number,
column and reason.

Cases keep their ids when the file names them (`case` K-12) and the id is free, so that
contacts, placements and ratings exported with the same keys find their case again:
`export all --identified` into a folder and `import all` from it moves a whole caseload.
"""

import csv
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from ipsung import rules, vocabulary
from ipsung.errors import BadInput
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
from ipsung.schemas import (
    AftercareRow,
    CaseRow,
    ContactRow,
    PlacementRow,
    RatingRow,
    ReviewRow,
    Row,
    RowInvalid,
)
from ipsung.store import audit, db, team
from ipsung.usecases import consultants as team_members
from ipsung.usecases.csv_tables import TABLES as EXPORTED
from ipsung.usecases.export import Progress

TABLES = vocabulary.EXPORT_TABLES
ROWS: dict[str, type[Row]] = {
    "participants": CaseRow,
    "contacts": ContactRow,
    "placements": PlacementRow,
    "progress": RatingRow,
    "aftercare": AftercareRow,
    "reviews": ReviewRow,
}
MODELS = {"participants": Participant, "contacts": Contact, "placements": Placement}
MODELS |= {"progress": ProgressRating, "aftercare": AftercarePeriod, "reviews": PeriodReview}

# An import reads the columns an export writes (so an export comes back in as it went
# out; those an export derives, such as the pseudonym, the age or the status, are
# accepted and not read), and `override` (yes/no) for a case let in despite the criteria.
COLUMNS = {name: {c.header for c in EXPORTED[name].columns} for name in TABLES}
COLUMNS["participants"] |= {"override"}
REQUIRED = {
    "participants": {
        "name",
        "referral_date",
        "referred_by",
        "substance",
        "motivated",
        "normal_cognition",
    },
    "contacts": {"date", "kind"},
    "placements": {"case", "kind", "start"},
    "progress": {"case", "date", "outlook", "insight", "skills"},
    "aftercare": {"case", "start"},
    "reviews": {"case", "date", "period"},
}


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return _("line {line}, column {column}: {reason}").format(
            line=self.line, column=self.column, reason=self.reason
        )


class ImportRefused(BadInput):
    """The file has problems; nothing was stored. Carries every problem found."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(_("{n} problem(s) in the file; nothing was stored").format(n=len(errors)))
        self.errors = errors


# --- reading the file -----------------------------------------------------------------------


def read_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]], list[RowError]]:
    """The header, the rows as (line number, {column: text}), and a list that fills with
    rows that have more cells than the header has columns; either dialect."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BadInput(
            _("FILE: cannot read {path}: {why}").format(path=path, why=exc.strerror)
        ) from None
    try:
        text = raw.decode("utf-8-sig")  # the BOM of excel-dk, if any
    except UnicodeDecodeError:
        raise BadInput(_("FILE: {path} is not UTF-8 text").format(path=path)) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter)
    header = [h.strip() for h in next(reader, [])]
    if not header or header == [""]:
        raise BadInput(_("FILE: {path} is empty").format(path=path))

    too_wide: list[RowError] = []

    def rows():
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if any(v.strip() for v in values[len(header) :]):
                too_wide.append(
                    RowError(reader.line_num, "-", _("more cells than the header has columns"))
                )
            yield reader.line_num, dict(zip(header, (v.strip() for v in values), strict=False))

    return header, rows(), too_wide


def check_header(table: str, header: list[str]) -> list[RowError]:
    errors = [
        RowError(1, h or "?", _("not a known column")) for h in header if h not in COLUMNS[table]
    ]
    errors += [
        RowError(1, c, _("required column missing")) for c in sorted(REQUIRED[table] - set(header))
    ]
    if table == "participants" and not {"birth_date", "cpr"} & set(header):
        errors.append(RowError(1, "birth_date", _("give a birth_date or a cpr column")))
    duplicates = [h for h, n in Counter(header).items() if n > 1]
    errors += [RowError(1, h, _("column appears twice")) for h in duplicates]
    return errors


# --- checking one row -----------------------------------------------------------------------


class Line:
    """One line of the file: its row as the model reads it, and the problems found."""

    def __init__(self, line: int, cells: dict[str, str], model: type[Row], today: date) -> None:
        self.line = line
        self.cells = cells
        self.errors: list[RowError] = []
        fields = {
            field: cells[column]
            for field in model.model_fields
            if (column := model.where(field, "column")) in cells
        }
        if model is CaseRow:
            fields["override"] = cells.get("override") or cells.get("override_reason") or None
        try:
            self.row = model.check(fields, today, "column")
        except RowInvalid as invalid:
            self.row = None
            for column, reason in invalid.problems:
                self.fail(column, reason)

    def fail(self, column: str, reason: str) -> None:
        self.errors.append(RowError(self.line, column, reason))


def _known_consultant(line: Line, name: str | None, consultants: dict, hint: str = ""):
    if not name:
        return None
    consultant = consultants.get(name.casefold())
    if consultant is None:
        message = _("'{name}' is not a consultant here").format(name=name)
        line.fail("consultant", message + hint)
    return consultant


# --- participants --------------------------------------------------------------------------------


def _participant(line: Line, consultants: dict) -> dict | None:
    row: CaseRow | None = line.row
    if row is None:
        return None
    hint = _(" (add with: ipsung consultant add, or pass --add-consultants)")
    consultant = _known_consultant(line, row.consultant, consultants, hint)
    enrolled = row.enrolled_on
    if consultant and not enrolled:
        enrolled = row.referral_date  # enrolled on the referral date, as at intake
    if enrolled and not row.consultant:
        line.fail("consultant", _("an enrolled case needs its consultant"))
    screening = rules.screen(row.screening_input())
    if not screening.eligible and not row.override:
        failed = ", ".join(c.name for c in screening.failed())
        line.fail(
            "override",
            _(
                "not eligible ({failed}); give a reason in the override column to take the case in"
            ).format(failed=failed),
        )
    if line.errors:
        return None
    return {
        "id": row.id,
        "name": row.name,
        "cpr": row.cpr,
        "birth_date": row.birth_date,
        "referral_date": row.referral_date,
        "referred_by": row.referred_by,
        "consultant_id": consultant.id if consultant else None,
        "enrolled_on": enrolled,
        "closed_on": row.closed_on,
        "close_reason": row.close_reason,
        "goal": row.goal,
        "pathway": row.pathway,
        "track": row.track or rules.track_for(row.diagnoses),
        # A track that differs from the one the diagnoses give was chosen by hand.
        "track_set_by_hand": row.track not in (None, rules.track_for(row.diagnoses)),
        "diagnoses": ",".join(row.diagnoses),
        "under_assessment": row.under_assessment,
        "mistrivsel": ",".join(row.mistrivsel),
        "substance": row.substance,
        "motivated": row.motivated,
        "normal_cognition": row.normal_cognition,
        "eligible": screening.eligible,
        "override_reason": None if screening.eligible else row.override,
    }


def _check_participants(
    session: Session, rows, today: date, add_consultants: bool, errors: list
) -> list[dict]:
    consultants = {c.name.casefold(): c for c in session.scalars(select(Consultant))}
    rows = list(rows)
    if add_consultants:
        for _line, cells in rows:
            name = " ".join(cells.get("consultant", "").split())
            if name and name.casefold() not in consultants:
                consultants[name.casefold()] = team_members.add(
                    session, name, rules.DEFAULT_MAX_CASELOAD
                )
    existing_cprs = set(
        session.scalars(select(Participant.cpr).where(Participant.cpr.is_not(None)))
    )
    taken_ids = set(session.scalars(select(Participant.id)))
    loads = {m.id: m.open_cases for m in team.members(session.connection(), today)}
    records, seen_cprs, seen_ids = [], {}, {}
    for number, cells in rows:
        line = Line(number, cells, CaseRow, today)
        record = _participant(line, consultants)
        # Duplicates are reported even on rows with other problems: both need fixing.
        cpr = "".join(ch for ch in cells.get("cpr", "") if ch.isdigit())
        if len(cpr) == 10:
            if cpr in existing_cprs or cpr in seen_cprs:
                where = seen_cprs.get(cpr)
                line.fail(
                    "cpr",
                    _("this CPR number is already on line {line}").format(line=where)
                    if where
                    else _("a case with this CPR number already exists"),
                )
            seen_cprs.setdefault(cpr, number)
        if record:
            if record["id"] is not None and (record["id"] in taken_ids or record["id"] in seen_ids):
                line.fail("case", _("case K-{id} already exists").format(id=record["id"]))
            open_today = (
                record["enrolled_on"]
                and record["enrolled_on"] <= today
                and not (record["closed_on"] and record["closed_on"] <= today)
            )
            cid = record["consultant_id"]
            if open_today and not line.errors:
                loads[cid] = loads.get(cid, 0) + 1
                consultant = next(c for c in consultants.values() if c.id == cid)
                if loads[cid] > consultant.max_caseload:
                    line.fail(
                        "consultant",
                        _("{name} would have {n} open cases, more than the max {max}").format(
                            name=consultant.name, n=loads[cid], max=consultant.max_caseload
                        ),
                    )
            if record["id"] is not None:
                seen_ids[record["id"]] = number
        errors += line.errors
        if record and not line.errors:
            records.append(record)
    return records


# --- contacts, placements, ratings -----------------------------------------------------------


def _cases(session: Session) -> dict[int, tuple[date, date | None, date | None, int | None]]:
    rows = session.execute(
        select(
            Participant.id,
            Participant.referral_date,
            Participant.enrolled_on,
            Participant.closed_on,
            Participant.consultant_id,
        )
    )
    return {pid: (referral, enrolled, closed, cid) for pid, referral, enrolled, closed, cid in rows}


def _case_for(line: Line, pid: int | None, cases: dict) -> bool:
    """Whether the row's case (if it names one) is in this database."""
    if pid is not None and pid not in cases:
        line.fail("case", _("no case K-{id} in this database").format(id=pid))
        return False
    return True


def _not_before(line: Line, column: str, day: date, earliest: date | None, what: str) -> None:
    if earliest and day < earliest:
        line.fail(column, _("before the case's {what}").format(what=what))


def _contact(line: Line, cases: dict, consultants: dict) -> dict | None:
    row: ContactRow = line.row
    consultant = _known_consultant(line, row.consultant, consultants)
    if _case_for(line, row.participant_id, cases) and row.participant_id is not None:
        _not_before(line, "date", row.day, cases[row.participant_id][0], _("referral date"))
    if line.errors:
        return None
    pid = row.participant_id
    cid = consultant.id if consultant else (cases[pid][3] if pid is not None else None)
    return {**row.record(), "consultant_id": cid}


def _after_enrolment(line: Line, cases: dict, pid: int | None, column: str, day: date) -> None:
    """A placement, aftercare period or review belongs to an enrolled case, on or after
    the enrolment."""
    if _case_for(line, pid, cases):
        enrolled = cases[pid][1]
        if enrolled is None:
            line.fail("case", _("the case is not enrolled"))
        _not_before(line, column, day, enrolled, _("enrolment"))


def _placement(line: Line, cases: dict, _consultants) -> dict | None:
    row: PlacementRow = line.row
    _after_enrolment(line, cases, row.participant_id, "start", row.start)
    return None if line.errors else row.record()


def _rating(line: Line, cases: dict, _consultants) -> dict | None:
    row: RatingRow = line.row
    if _case_for(line, row.participant_id, cases):
        _not_before(line, "date", row.day, cases[row.participant_id][0], _("referral date"))
    return None if line.errors else row.record()


def _aftercare(line: Line, cases: dict, _consultants) -> dict | None:
    row: AftercareRow = line.row
    _after_enrolment(line, cases, row.participant_id, "start", row.start)
    return None if line.errors else row.record()


def _review(line: Line, cases: dict, _consultants) -> dict | None:
    row: ReviewRow = line.row
    _after_enrolment(line, cases, row.participant_id, "date", row.day)
    return None if line.errors else row.record()


ROW_CHECKS = {
    "contacts": _contact,
    "placements": _placement,
    "progress": _rating,
    "aftercare": _aftercare,
    "reviews": _review,
}


# --- the whole import ----------------------------------------------------------------------------


def import_table(
    session: Session,
    table: str,
    path: Path,
    today: date,
    add_consultants: bool = False,
    on_rows: Callable[[int], None] | None = None,
) -> int:
    """Check every row, then store them all (or raise ImportRefused and store none).
    `on_rows(n)`, if given, is told as rows are read and checked (a progress bar)."""
    table = vocabulary.parse_choice(table, TABLES, "TABLE")
    header, rows, too_wide = read_rows(path)
    if on_rows is not None:
        rows = _told(rows, on_rows)
    errors = check_header(table, header)
    if errors:
        raise ImportRefused(errors)
    if table == "participants":
        records = _check_participants(session, rows, today, add_consultants, errors)
    else:
        check_row = ROW_CHECKS[table]
        cases = _cases(session)
        consultants = {c.name.casefold(): c for c in session.scalars(select(Consultant))}
        records = []
        for number, cells in rows:
            line = Line(number, cells, ROWS[table], today)
            record = check_row(line, cases, consultants) if line.row else None
            errors += line.errors
            if record:
                records.append(record)
    errors += too_wide  # filled while the rows were read
    if errors:
        raise ImportRefused(sorted(errors, key=lambda e: e.line))
    if records:
        _store(session, MODELS[table], records, table)
    return len(records)


def _told(rows: Iterator, on_rows: Callable[[int], None], every: int = 200) -> Iterator:
    """The rows as they come, telling `on_rows` every `every` rows and at the end."""
    n = 0
    for n, row in enumerate(rows, 1):
        yield row
        if n % every == 0:
            on_rows(every)
    on_rows(n % every)


def count_lines(path: Path) -> int:
    """About how many rows a CSV file holds (its lines less the header), for a progress
    bar's total; a cell that spans lines makes it a little high."""
    try:
        with path.open("rb") as f:
            return max(0, sum(1 for _ in f) - 1)
    except OSError:
        return 0


def _store(session: Session, model, records: list[dict], table: str) -> None:
    if model is Participant:
        # Cases keep the ids the file gives them; the others get the next free ones.
        given = [r["id"] for r in records if r["id"] is not None]
        next_id = max([session.scalar(select(func.max(Participant.id))) or 0, *given]) + 1
        for record in records:
            if record["id"] is None:
                record["id"], next_id = next_id, next_id + 1
    session.execute(insert(model), records)
    if model is Participant:
        db.reset_id_sequences(session, [Participant.__table__.name])  # ids of our choosing
    ids = sorted({r.get("participant_id", r.get("id")) for r in records} - {None})
    for pid in ids:
        audit.record(session, "import", pid, f"imported {table}")
    if not ids:
        audit.record(session, "import", None, f"imported {table} rows={len(records)}")


def import_folder(
    session: Session,
    folder: Path,
    today: date,
    add_consultants: bool = False,
    progress: Progress | None = None,
) -> dict[str, int]:
    """`import all`: the four files an `export all --identified` wrote, in order.
    `progress` shows each file's rows as it is read (see export.Progress)."""
    if not folder.is_dir():
        raise BadInput(_("{path} is not a folder").format(path=folder), "FILE")
    counts = {}
    for table in TABLES:
        path = folder / f"{table}.csv"
        if path.exists():
            try:
                if progress is None:
                    counts[table] = import_table(session, table, path, today, add_consultants)
                else:
                    with progress(table, partial(count_lines, path)) as on_rows:
                        counts[table] = import_table(
                            session, table, path, today, add_consultants, on_rows
                        )
            except ImportRefused as refused:
                refused.args = (f"{table}.csv: {refused}",)
                raise
    if not counts:
        names = vocabulary.listed(f"{table}.csv" for table in TABLES)
        raise BadInput(_("none of {names} in {path}").format(names=names, path=folder), "FILE")
    return counts
