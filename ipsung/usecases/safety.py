"""Keeping the data safe (SPEC §10): backup, anonymize and erase, each with its audit row.

Removing personal data is only real if no copy of the old text is left in the file:
every connection runs with secure_delete on (freed pages are zeroed), and after the
change the WAL is checkpointed and truncated and the file vacuumed (store.db.scrub).

On a team database (SPEC §12) the file duties take their server form: the server's
administrator backs it up with pg_dump, and anonymize/erase change and delete rows in
one transaction as on SQLite; the server's own files, WAL and dumps are the
administrator's to keep (see README: team database).
"""

import os
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from ipsung import rules
from ipsung.errors import BadInput
from ipsung.i18n import _
from ipsung.models import (
    AftercarePeriod,
    Contact,
    Participant,
    PeriodReview,
    Placement,
    ProgressRating,
)
from ipsung.store import audit, db
from ipsung.store.location import Location

# --- backup ---------------------------------------------------------------------------------


def backup(
    location: Location,
    destination: Path,
    progress: Callable[[int, int], None] | None = None,
) -> list[Path]:
    """A consistent copy made with SQLite's backup API (safe while others write), and the
    pseudonym key beside it, recorded in the audit log. Returns the files written.

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
        raise BadInput(
            _("{path} already exists; choose a new name").format(path=destination), "PATH"
        )
    if not destination.parent.is_dir():
        raise BadInput(
            _("the folder {path} does not exist").format(path=destination.parent), "PATH"
        )
    try:
        db.backup_copy(location.path, destination, progress)
    except OSError as exc:
        _remove(destination)
        raise BadInput(
            _("cannot write {path} ({why})").format(path=destination, why=exc.strerror), "PATH"
        ) from None
    written = [destination]
    key = location.key_file
    if key.exists():
        copy = Location(destination, location.source).key_file
        fd = os.open(copy, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(key.read_bytes())
        written.append(copy)
    with db.session(location, write=True) as session:
        audit.record(session, "backup", None, "backup copy made")
    return written


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


# --- anonymize and erase -----------------------------------------------------------------------


def anonymize(
    session: Session, closed_before: date, on_case: Callable[[int], None] | None = None
) -> list[int]:
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
        if on_case is not None:
            on_case(1)
    if ids:
        session.execute(update(Contact).where(Contact.participant_id.in_(ids)).values(note=None))
        session.execute(
            update(Placement).where(Placement.participant_id.in_(ids)).values(end_reason=None)
        )
        session.execute(
            update(PeriodReview).where(PeriodReview.participant_id.in_(ids)).values(note=None)
        )
    return ids


def anonymize_plan(session: Session, closed_before: date) -> dict[str, int]:
    """What `anonymize` would change, counted before it asks: the cases, and the rows of
    each table whose text it would remove (SPEC §10, issue 16)."""
    p = Participant
    chosen = select(p.id).where(p.closed_on < closed_before, p.name.is_not(None))
    return {
        "participants": session.scalar(select(func.count()).select_from(chosen.subquery())),
        "contacts": session.scalar(
            select(func.count())
            .select_from(Contact)
            .where(Contact.participant_id.in_(chosen), Contact.note.is_not(None))
        ),
        "placements": session.scalar(
            select(func.count())
            .select_from(Placement)
            .where(Placement.participant_id.in_(chosen), Placement.end_reason.is_not(None))
        ),
    }


def erase_plan(session: Session, participant_id: int) -> dict[str, int]:
    """What `erase` would delete, counted before it asks: the case's row and the rows of
    each table that belong to it (bad input when there is no such case)."""
    if session.get(Participant, participant_id) is None:
        raise BadInput(_("no case with id {id}").format(id=participant_id), "PARTICIPANT")
    counts = {"participants": 1}
    for model in (Contact, Placement, AftercarePeriod, ProgressRating):
        counts[model.__table__.name] = session.scalar(
            select(func.count()).select_from(model).where(model.participant_id == participant_id)
        )
    return counts


def _birthday_for_age(referral: date, age: int) -> date:
    """The latest birth date that is `age` years before the referral date."""
    try:
        return referral.replace(year=referral.year - age)
    except ValueError:  # 29 February in a common year
        return referral.replace(year=referral.year - age, day=28)


def anonymize_closed(
    location: Location, closed_before: date, on_case: Callable[[int], None] | None = None
) -> list[int]:
    """Anonymise every case closed before a day, then leave no copy of the removed text
    in the file. Returns the ids of the cases anonymised."""
    with db.session(location, write=True) as session:
        ids = anonymize(session, closed_before, on_case)
    db.scrub(location)
    return ids


def erase(location: Location, participant_id: int) -> None:
    """Delete one case entirely (its audit rows, ids only, remain), then leave no copy of
    it in the file."""
    if not location.exists:
        raise BadInput(_("no case with id {id}").format(id=participant_id), "PARTICIPANT")
    with db.session(location, write=True) as session:
        if session.get(Participant, participant_id) is None:
            raise BadInput(_("no case with id {id}").format(id=participant_id), "PARTICIPANT")
        for model in (Contact, Placement, AftercarePeriod, ProgressRating, PeriodReview):
            session.execute(delete(model).where(model.participant_id == participant_id))
        session.execute(delete(Participant).where(Participant.id == participant_id))
        audit.record(session, "erase", participant_id, "case deleted")
    db.scrub(location)
