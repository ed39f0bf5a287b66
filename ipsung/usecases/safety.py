"""Keeping the data safe (SPEC §10): backup, check, anonymize and erase.

Removing personal data is only real if no copy of the old text is left in the file:
every connection runs with secure_delete on (freed pages are zeroed), and after the
change the WAL is checkpointed and truncated and the file vacuumed.

On a team database (SPEC §12) the file duties take their server form: the server's
administrator backs it up with pg_dump, `check` asks the server about its constraints
and the audit trigger instead of reading a file, and anonymize/erase change and delete
rows in the same transaction as on SQLite; the server's own files, WAL and dumps are
the administrator's to keep (see README: team database).
"""

import os
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import and_, delete, exists, func, or_, select, text, update
from sqlalchemy.orm import Session, aliased

from ipsung import rules
from ipsung.errors import BadInput
from ipsung.i18n import _
from ipsung.models import (
    AftercarePeriod,
    AuditEntry,
    Consultant,
    Contact,
    Participant,
    Placement,
    ProgressRating,
)
from ipsung.store import audit, db
from ipsung.usecases import consultants as service

# --- backup ---------------------------------------------------------------------------------


def key_file(database: Path) -> Path:
    """The pseudonym key lives beside the database, never in it (see pseudonyms.py)."""
    return database.with_name(database.name + ".key")


def backup(location: db.Location, destination: Path) -> list[Path]:
    """A consistent copy made with SQLite's backup API (safe while others write), and the
    pseudonym key beside it. Returns the files written.

    A server database is not a file to copy: the answer is bad input (exit 2, as for a
    backup PATH that cannot be written), naming pg_dump, so that a nightly script that
    points `ipsung backup` at the team database fails loudly instead of seeming to work.
    """
    if location.is_server:
        raise BadInput(
            _(
                "backup copies a database file; {url} is a PostgreSQL database: back it up "
                "with pg_dump, e.g. pg_dump --format=custom --file={path} '{url}', and keep "
                "the pseudonym key {key} with it"
            ).format(url=location.shown, path=destination, key=location.key_file)
        )
    if not location.exists:
        raise BadInput(_("there is no database at {path} to back up").format(path=location.path))
    destination = destination.expanduser()
    if destination.is_dir():
        destination = destination / location.path.name
    if destination.exists():
        raise BadInput(_("PATH: {path} already exists; choose a new name").format(path=destination))
    if not destination.parent.is_dir():
        raise BadInput(_("PATH: the folder {path} does not exist").format(path=destination.parent))
    try:
        db.backup_copy(location.path, destination)
    except OSError as exc:
        _remove(destination)
        raise BadInput(
            _("PATH: cannot write {path} ({why})").format(path=destination, why=exc.strerror)
        ) from None
    written = [destination]
    key = key_file(location.path)
    if key.exists():
        copy = key_file(destination)
        fd = os.open(copy, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(key.read_bytes())
        written.append(copy)
    return written


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


# --- check ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    check: str
    detail: str

    def as_dict(self) -> dict:
        return {"check": self.check, "detail": self.detail}


def file_checks(path: Path) -> list[Problem]:
    """SQLite's own integrity and foreign-key checks, on a plain read-only connection."""
    conn = db.read_only(path)
    try:
        integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        problems = [Problem("integrity", line) for line in integrity if line != "ok"]
        for table, rowid, parent, _fk in conn.execute("PRAGMA foreign_key_check"):
            problems.append(
                Problem("foreign-key", f"{table} row {rowid} points to a missing {parent}")
            )
        return problems
    finally:
        conn.close()


def server_checks(session: Session) -> list[Problem]:
    """What a server database has instead of SQLite's file checks: every constraint is in
    force (none was added NOT VALID, so no stored row escaped it) and the trigger that keeps
    the audit log append-only is in place and enabled. The server checks foreign keys and
    CHECK constraints on every write; pages are its own to keep sound (pg_amcheck)."""
    problems = [
        Problem("constraint", _("{name} on {table} is not validated").format(name=n, table=t))
        for t, n in session.execute(
            text(
                "SELECT conrelid::regclass::text, conname FROM pg_constraint "
                "WHERE connamespace = current_schema()::regnamespace AND NOT convalidated "
                "ORDER BY 1, 2"
            )
        )
    ]
    enabled = session.execute(
        text(
            "SELECT tgenabled FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass "
            "AND tgname = 'audit_log_append_only'"
        )
    ).scalar()
    if enabled is None:
        problems.append(Problem("audit-trigger", _("the audit log has no append-only trigger")))
    elif enabled == "D":
        problems.append(
            Problem("audit-trigger", _("the audit log's append-only trigger is disabled"))
        )
    return problems


def rule_checks(session: Session, today: date) -> list[Problem]:
    """The effort's own rules, over data that may have come in by other means."""
    problems = []
    for load in service.consultant_loads(session, today):
        if load.open_cases > load.consultant.max_caseload:
            problems.append(
                Problem(
                    "over-max",
                    _("{name} has {n} open cases, max {max}").format(
                        name=load.consultant.name,
                        n=load.open_cases,
                        max=load.consultant.max_caseload,
                    ),
                )
            )
    p = Participant
    dated_checks = [
        ("placement-before-enrolment", Placement, Placement.start, p.enrolled_on),
        ("contact-before-referral", Contact, Contact.date, p.referral_date),
        ("rating-before-referral", ProgressRating, ProgressRating.date, p.referral_date),
        ("aftercare-before-enrolment", AftercarePeriod, AftercarePeriod.start, p.enrolled_on),
    ]
    for name, model, column, bound in dated_checks:
        rows = session.execute(
            select(model.id, p.id).join(p, model.participant_id == p.id).where(column < bound)
        )
        problems += [
            Problem(
                name,
                _("{table} {id} of case {case}").format(
                    table=model.__table__.name, id=rid, case=pid
                ),
            )
            for rid, pid in rows
        ]
    for model, column in (
        (Contact, Contact.date),
        (Placement, Placement.start),
        (ProgressRating, ProgressRating.date),
    ):
        for (rid,) in session.execute(select(model.id).where(column > today)):
            problems.append(
                Problem(
                    "future-date",
                    _("{table} {id} is dated after today").format(
                        table=model.__table__.name, id=rid
                    ),
                )
            )
    for (pid,) in session.execute(
        select(p.id).where(p.enrolled_on.is_not(None), p.consultant_id.is_(None))
    ):
        problems.append(Problem("enrolled-without-consultant", _("case {id}").format(id=pid)))
    for (pid,) in session.execute(
        select(p.id).where(p.enrolled_on.is_(None), p.consultant_id.is_not(None))
    ):
        problems.append(Problem("waitlisted-with-consultant", _("case {id}").format(id=pid)))
    for (pid,) in session.execute(
        select(p.id).where(
            or_(
                and_(p.track == "ips", p.diagnoses == ""),
                and_(p.track == "ips-like", p.diagnoses != ""),
            )
        )
    ):
        problems.append(
            Problem("track", _("case {id}: track does not match its diagnoses").format(id=pid))
        )
    for (pid,) in session.execute(
        select(p.id).where(
            p.closed_on.is_not(None),
            exists().where(Contact.participant_id == p.id, Contact.date > p.closed_on),
        )
    ):
        problems.append(Problem("contact-after-closing", _("case {id}").format(id=pid)))
    a, b = aliased(AftercarePeriod), aliased(AftercarePeriod)
    for (pid,) in session.execute(
        select(a.participant_id)
        .join(b, and_(a.participant_id == b.participant_id, a.id < b.id))
        .where(a.start <= func.coalesce(b.end, date.max), b.start <= func.coalesce(a.end, date.max))
        .distinct()
    ):
        problems.append(Problem("aftercare-overlap", _("case {id}").format(id=pid)))
    for (cid,) in session.execute(
        select(Consultant.id).where(
            ~Consultant.active,
            exists().where(
                Participant.consultant_id == Consultant.id, Participant.closed_on.is_(None)
            ),
        )
    ):
        problems.append(Problem("inactive-with-cases", _("consultant {id}").format(id=cid)))
    return problems


# --- anonymize and erase -----------------------------------------------------------------------


def anonymize(session: Session, closed_before: date) -> list[int]:
    """Remove names, CPR numbers, goals, reasons and notes of cases closed before a date,
    keeping what the statistics need. The birth date moves to the birthday that gives the
    same age at referral, so ages in exports and outcomes stay true."""
    p = Participant
    cases = session.execute(
        select(p.id, p.birth_date, p.referral_date).where(
            p.closed_on < closed_before, p.name.is_not(None)
        )
    ).all()
    ids = [pid for pid, _birth, _referral in cases]
    for pid, birth, referral in cases:
        age = rules.age_on(birth, referral)
        session.execute(
            update(p)
            .where(p.id == pid)
            .values(
                name=None,
                cpr=None,
                goal=None,
                override_reason=None,
                birth_date=_birthday_for_age(referral, age),
            )
        )
        audit.record(session, "anonymize", pid, "name, cpr, birth date, goal, notes removed")
    if ids:
        session.execute(update(Contact).where(Contact.participant_id.in_(ids)).values(note=None))
        session.execute(
            update(Placement).where(Placement.participant_id.in_(ids)).values(end_reason=None)
        )
    return ids


def _birthday_for_age(referral: date, age: int) -> date:
    """The latest birth date that is `age` years before the referral date."""
    try:
        return referral.replace(year=referral.year - age)
    except ValueError:  # 29 February in a common year
        return referral.replace(year=referral.year - age, day=28)


def erase(session: Session, participant_id: int) -> None:
    """Delete one case entirely; its audit rows (ids only) remain."""
    if session.get(Participant, participant_id) is None:
        raise BadInput(_("PARTICIPANT: no case with id {id}").format(id=participant_id))
    for model in (Contact, Placement, AftercarePeriod, ProgressRating):
        session.execute(delete(model).where(model.participant_id == participant_id))
    session.execute(delete(Participant).where(Participant.id == participant_id))
    audit.record(session, "erase", participant_id, "case deleted")


def scrub_file(path: Path) -> None:
    """Leave no copy of removed text behind: checkpoint and truncate the WAL, then vacuum."""
    conn = sqlite3.connect(path, timeout=db.BUSY_TIMEOUT_MS / 1000)
    try:
        conn.execute("PRAGMA secure_delete=ON")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def audit_entries(
    session: Session, participant_id: int | None, limit: int | None
) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if participant_id is not None:
        query = query.where(AuditEntry.participant_id == participant_id)
    if limit:
        query = query.limit(limit)
    return list(reversed(session.scalars(query).all()))
