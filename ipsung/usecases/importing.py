"""Moving in from a spreadsheet (SPEC §10a): `ipsung import TABLE FILE`.

Reads the columns `export --identified` writes, in either dialect (detected), checks
every row with the same rules as the commands that make such rows, and then stores all
rows or none. Every bad row is reported by line number, column and reason.

Cases keep their ids when the file names them (`case` K-12) and the id is free, so that
contacts, placements and ratings exported with the same keys find their case again:
`export all --identified` into a folder and `import all` from it moves a whole caseload.
"""

import csv
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from ipsung import rules
from ipsung.errors import BadInput
from ipsung.i18n import _
from ipsung.models import Consultant, Contact, Participant, Placement, ProgressRating
from ipsung.store import audit, db
from ipsung.usecases import consultants as service
from ipsung.usecases.csv_tables import TABLES as EXPORTED

TABLES = ("participants", "contacts", "placements", "progress")
TRUE = {"true", "yes", "y", "ja", "j", "1"}
FALSE = {"false", "no", "n", "nej", "0"}

# Columns an export writes that are derived from others: accepted and not read.
DERIVED = {"person", "age_at_referral", "status", "track", "eligible", "overridden"}
# An import reads the columns an export writes (so an export comes back in as it went
# out), and `override` (yes/no) for a case let in despite the criteria.
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


# --- checking one row ----------------------------------------------------------------------


@dataclass
class RowCheck:
    """Parses the cells of one row, collecting an error per bad cell instead of stopping."""

    line: int
    row: dict[str, str]
    today: date
    errors: list[RowError] = field(default_factory=list)

    def text(self, column: str) -> str:
        return self.row.get(column, "") or ""

    def get(self, column: str, parse: Callable[[str], object], required: bool = False):
        value = self.text(column)
        if not value:
            if required:
                self.fail(column, _("a value is required"))
            return None
        try:
            return parse(value)
        except BadInput as exc:
            self.fail(column, str(exc).split(": ", 1)[-1])
            return None

    def fail(self, column: str, reason: str) -> None:
        self.errors.append(RowError(self.line, column, reason))

    def date(self, column: str, required: bool = False) -> date | None:
        day = self.get(column, lambda t: rules.parse_date(t, self.today, column), required)
        if day and day > self.today:
            self.fail(column, _("{day} lies in the future").format(day=rules.format_date(day)))
        return day

    def flag(self, column: str, required: bool = False) -> bool | None:
        return self.get(column, parse_flag, required)

    def number(self, column: str, kind=int):
        def parse(text: str):
            try:
                return kind(text.replace(",", "."))
            except ValueError:
                raise BadInput(
                    _("'{value}' is not a number").format(value=rules.shown(text))
                ) from None

        return self.get(column, parse)

    def obeys(self, column: str, value, rule: Callable) -> None:
        """Apply one of the rules the commands apply (rules.parse_hours, …) to a value."""
        if value is None:
            return
        try:
            rule(value)
        except BadInput as exc:
            self.fail(column, str(exc).split(": ", 1)[-1])

    def choice(self, column: str, choices, required: bool = False) -> str | None:
        return self.get(column, lambda t: rules.parse_choice(t, tuple(choices), column), required)

    def case_id(self, column: str = "case", required: bool = False) -> int | None:
        return self.get(column, parse_case_key, required)


def parse_flag(text: str) -> bool:
    value = text.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise BadInput(_("'{value}' is not true or false").format(value=rules.shown(text)))


def parse_case_key(text: str) -> int:
    """`K-12` as exported (or a bare 12)."""
    value = text.strip().upper().removeprefix("K-")
    if not value.isdigit():
        raise BadInput(_("'{value}' is not a case key like K-12").format(value=rules.shown(text)))
    return int(value)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


# --- participants --------------------------------------------------------------------------------


def _participant(check: RowCheck, consultants: dict[str, Consultant]) -> dict | None:
    name = " ".join(check.text("name").split())
    if not name:
        check.fail("name", _("a name is required"))
    cpr = check.get("cpr", rules.parse_cpr)
    birth = check.date("birth_date")
    if cpr and birth and cpr.birth_date != birth:
        check.fail("birth_date", _("does not match the CPR number"))
    birth = birth or (cpr.birth_date if cpr else None)
    if birth is None and not check.text("birth_date") and not check.text("cpr"):
        check.fail("birth_date", _("give a birth date or a CPR number"))
    referral = check.date("referral_date", required=True)
    referred_by = check.get("referred_by", rules.parse_referral_source, required=True)
    diagnoses = tuple(
        check.get("diagnoses", lambda t: [rules.parse_diagnosis(d) for d in _split(t)]) or ()
    )
    signs = tuple(
        check.get("mistrivsel", lambda t: [rules.parse_mistrivsel_sign(s) for s in _split(t)]) or ()
    )
    substance = check.get("substance", rules.parse_substance, required=True)
    motivated = check.flag("motivated", required=True)
    cognition = check.flag("normal_cognition", required=True)
    under_assessment = check.flag("under_assessment") or False
    pathway = check.choice("pathway", rules.PATHWAYS)
    consultant = None
    if check.text("consultant"):
        consultant = consultants.get(check.text("consultant").casefold())
        if consultant is None:
            check.fail(
                "consultant",
                _(
                    "'{name}' is not a consultant here (add with: ipsung consultant add, "
                    "or pass --add-consultants)"
                ).format(name=check.text("consultant")),
            )
    enrolled = check.date("enrolled_on")
    closed = check.date("closed_on")
    close_reason = check.choice("close_reason", rules.CLOSE_REASONS)
    override = check.text("override") or check.text("override_reason") or None
    if check.errors:
        return None
    if consultant and not enrolled:
        enrolled = referral  # enrolled on the referral date, as at intake
    if enrolled and not check.text("consultant"):
        check.fail("consultant", _("an enrolled case needs its consultant"))
    if enrolled and enrolled < referral:
        check.fail("enrolled_on", _("before the referral date"))
    if closed and closed < (enrolled or referral):
        check.fail("closed_on", _("before the enrolment"))
    if bool(closed) != bool(close_reason):
        check.fail(
            "close_reason" if closed else "closed_on", _("closed_on and close_reason go together")
        )
    screening = rules.screen(
        rules.ScreeningInput(
            birth_date=birth,
            on=referral,
            substance=substance,
            motivated=motivated,
            normal_cognition=cognition,
            diagnoses=diagnoses,
            under_assessment=under_assessment,
            mistrivsel=signs,
        )
    )
    if not screening.eligible and not override:
        failed = ", ".join(c.name for c in screening.failed())
        check.fail(
            "override",
            _(
                "not eligible ({failed}); give a reason in the override column to take the case in"
            ).format(failed=failed),
        )
    if check.errors:
        return None
    return {
        "id": check.case_id(),
        "name": name,
        "cpr": cpr.digits if cpr else None,
        "birth_date": birth,
        "referral_date": referral,
        "referred_by": referred_by,
        "consultant_id": consultant.id if consultant else None,
        "enrolled_on": enrolled,
        "closed_on": closed,
        "close_reason": close_reason,
        "goal": check.text("goal") or None,
        "pathway": pathway,
        "track": rules.track_for(diagnoses),
        "diagnoses": ",".join(diagnoses),
        "under_assessment": under_assessment,
        "mistrivsel": ",".join(signs),
        "substance": substance,
        "motivated": motivated,
        "normal_cognition": cognition,
        "eligible": screening.eligible,
        "override_reason": None if screening.eligible else override,
    }


def _check_participants(
    session: Session, rows, today: date, add_consultants: bool, errors: list
) -> list[dict]:
    consultants = {c.name.casefold(): c for c in session.scalars(select(Consultant))}
    rows = list(rows)
    if add_consultants:
        for _line, row in rows:
            name = " ".join(row.get("consultant", "").split())
            if name and name.casefold() not in consultants:
                consultants[name.casefold()] = service.add_consultant(
                    session, name, rules.DEFAULT_MAX_CASELOAD
                )
    existing_cprs = set(
        session.scalars(select(Participant.cpr).where(Participant.cpr.is_not(None)))
    )
    taken_ids = set(session.scalars(select(Participant.id)))
    loads = service.open_cases_by_consultant(session, today)
    records, seen_cprs, seen_ids = [], {}, {}
    for line, row in rows:
        check = RowCheck(line, row, today)
        record = _participant(check, consultants)
        # Duplicates are reported even on rows with other problems: both need fixing.
        cpr = "".join(ch for ch in row.get("cpr", "") if ch.isdigit())
        if len(cpr) == 10:
            if cpr in existing_cprs or cpr in seen_cprs:
                where = seen_cprs.get(cpr)
                check.fail(
                    "cpr",
                    _("this CPR number is already on line {line}").format(line=where)
                    if where
                    else _("a case with this CPR number already exists"),
                )
            seen_cprs.setdefault(cpr, line)
        if record:
            if record["id"] is not None and (record["id"] in taken_ids or record["id"] in seen_ids):
                check.fail("case", _("case K-{id} already exists").format(id=record["id"]))
            open_today = (
                record["enrolled_on"]
                and record["enrolled_on"] <= today
                and not (record["closed_on"] and record["closed_on"] <= today)
            )
            cid = record["consultant_id"]
            if open_today and not check.errors:
                loads[cid] = loads.get(cid, 0) + 1
                consultant = next(c for c in consultants.values() if c.id == cid)
                if loads[cid] > consultant.max_caseload:
                    check.fail(
                        "consultant",
                        _("{name} would have {n} open cases, more than the max {max}").format(
                            name=consultant.name, n=loads[cid], max=consultant.max_caseload
                        ),
                    )
            if record["id"] is not None:
                seen_ids[record["id"]] = line
        errors += check.errors
        if record and not check.errors:
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


def _case_for(check: RowCheck, cases: dict, required: bool = True):
    pid = check.case_id(required=required)
    if pid is not None and pid not in cases:
        check.fail("case", _("no case K-{id} in this database").format(id=pid))
        return None
    return pid


def _not_before(
    check: RowCheck, column: str, day: date | None, earliest: date | None, what: str
) -> None:
    if day and earliest and day < earliest:
        check.fail(column, _("before the case's {what}").format(what=what))


def _contact(check: RowCheck, cases: dict, consultants: dict) -> dict | None:
    pid = _case_for(check, cases, required=False)
    day = check.date("date", required=True)
    kind = check.choice("kind", rules.CONTACT_KINDS, required=True)
    channel = check.choice("channel", rules.CHANNELS) or "in-person"
    minutes = check.number("minutes")
    check.obeys("minutes", minutes, rules.parse_minutes)
    consultant = (
        consultants.get(check.text("consultant").casefold()) if check.text("consultant") else None
    )
    if check.text("consultant") and consultant is None:
        check.fail(
            "consultant",
            _("'{name}' is not a consultant here").format(name=check.text("consultant")),
        )
    if pid is None and kind and kind != "employer" and not check.errors:
        check.fail("case", _("needed for a {kind} contact").format(kind=kind))
    if pid is not None:
        _not_before(check, "date", day, cases[pid][0], _("referral date"))
    if check.errors:
        return None
    cid = consultant.id if consultant else (cases[pid][3] if pid is not None else None)
    return {
        "participant_id": pid,
        "consultant_id": cid,
        "date": day,
        "kind": kind,
        "channel": channel,
        "minutes": minutes,
        "employer": check.text("employer") or None,
        "note": check.text("note") or None,
    }


def _placement(check: RowCheck, cases: dict, _consultants) -> dict | None:
    pid = _case_for(check, cases)
    kind = check.choice("kind", rules.PLACEMENT_KINDS, required=True)
    start = check.date("start", required=True)
    end = check.date("end")
    hours = check.number("hours", float)
    check.obeys("hours", hours, rules.parse_hours)
    if pid is not None:
        if cases[pid][1] is None:
            check.fail("case", _("the case is not enrolled"))
        _not_before(check, "start", start, cases[pid][1], _("enrolment"))
    if start and end and end < start:
        check.fail("end", _("before the start"))
    if check.errors:
        return None
    return {
        "participant_id": pid,
        "kind": kind,
        "start": start,
        "end": end,
        "hours": hours,
        "employer": check.text("employer") or None,
        "end_reason": check.text("end_reason") or None,
    }


def _rating(check: RowCheck, cases: dict, _consultants) -> dict | None:
    pid = _case_for(check, cases)
    day = check.date("date", required=True)
    values = {}
    for dimension in ("outlook", "insight", "skills"):
        value = check.number(dimension)
        if value is None and not any(e.column == dimension for e in check.errors):
            check.fail(dimension, _("a value is required"))
        check.obeys(dimension, value, lambda v, d=dimension: rules.parse_rating(v, d))
        values[dimension] = value
    if pid is not None:
        _not_before(check, "date", day, cases[pid][0], _("referral date"))
    if check.errors:
        return None
    return {"participant_id": pid, "date": day, **values}


ROW_CHECKS = {
    "contacts": (_contact, Contact),
    "placements": (_placement, Placement),
    "progress": (_rating, ProgressRating),
}


# --- the whole import ----------------------------------------------------------------------------


def import_table(
    session: Session, table: str, path: Path, today: date, add_consultants: bool = False
) -> int:
    """Check every row, then store them all (or raise ImportRefused and store none)."""
    table = rules.parse_choice(table, TABLES, "TABLE")
    header, rows, too_wide = read_rows(path)
    errors = check_header(table, header)
    if errors:
        raise ImportRefused(errors)
    if table == "participants":
        records = _check_participants(session, rows, today, add_consultants, errors)
        model = Participant
    else:
        check_row, model = ROW_CHECKS[table]
        cases = _cases(session)
        consultants = {c.name.casefold(): c for c in session.scalars(select(Consultant))}
        records = []
        for line, row in rows:
            check = RowCheck(line, row, today)
            record = check_row(check, cases, consultants)
            errors += check.errors
            if record:
                records.append(record)
    errors += too_wide  # filled while the rows were read
    if errors:
        raise ImportRefused(sorted(errors, key=lambda e: e.line))
    if records:
        _store(session, model, records, table)
    return len(records)


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
    session: Session, folder: Path, today: date, add_consultants: bool = False
) -> dict[str, int]:
    """`import all`: the four files an `export all --identified` wrote, in order."""
    if not folder.is_dir():
        raise BadInput(_("FILE: {path} is not a folder").format(path=folder))
    counts = {}
    for table in TABLES:
        path = folder / f"{table}.csv"
        if path.exists():
            try:
                counts[table] = import_table(session, table, path, today, add_consultants)
            except ImportRefused as refused:
                refused.args = (f"{table}.csv: {refused}",)
                raise
    if not counts:
        raise BadInput(
            _(
                "FILE: no participants.csv, contacts.csv, placements.csv or progress.csv in {path}"
            ).format(path=folder)
        )
    return counts
