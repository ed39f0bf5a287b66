"""What needs doing (SPEC §6): the due list.

The facts behind each open case are gathered in one query with correlated subqueries,
each served by an index on (participant_id, date); the reasons themselves are the pure
rules of due_rules.py, and render/due.py says each in a sentence.
"""

from collections.abc import Iterator
from datetime import date, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.engine import Connection

from ipsung import due_rules, rules
from ipsung.gcpause import no_cycle_collection
from ipsung.store import db, team
from ipsung.store.tables import (
    consultants,
    contacts,
    open_on,
    participants,
    placements,
    waitlisted_on,
)
from ipsung.store.tables import progress_ratings as ratings
from ipsung.vocabulary import YOUTH_CONTACT_KINDS


def last_youth_contact(on: date):
    """SQL: the open case's last youth or three-party contact on or before `on`."""
    p, c = participants.c, contacts.c
    return (
        select(func.max(c.date))
        .where(c.participant_id == p.id, c.date <= on, c.kind.in_(YOUTH_CONTACT_KINDS))
        .scalar_subquery()
    )


def _open_case_facts(
    conn: Connection, on: date, consultant_id: int | None
) -> Iterator[due_rules.CaseFacts]:
    p, c = participants.c, contacts.c

    def contact_exists(*conditions):
        # Selecting an indexed column (not *) keeps the search inside the covering index.
        return (
            select(c.participant_id)
            .where(c.participant_id == p.id, c.date <= on, *conditions)
            .exists()
        )

    last_rating = (
        select(func.max(ratings.c.date))
        .where(ratings.c.participant_id == p.id, ratings.c.date <= on)
        .scalar_subquery()
    )
    query = (
        select(
            p.id,
            consultants.c.name,
            p.enrolled_on,
            last_youth_contact(on),
            contact_exists(c.kind == "three-party"),
            contact_exists(c.kind == "employer"),
            last_rating,
        )
        .outerjoin(consultants, p.consultant_id == consultants.c.id)
        .where(open_on(on))
        .order_by(p.id)
    )
    if consultant_id is not None:
        query = query.where(p.consultant_id == consultant_id)
    recent = _recent_placements(conn, on)
    # A generator: on a server, the due rules work on the first cases while it still
    # computes the facts of the later ones (db.rows).
    return (
        due_rules.CaseFacts(
            pid, name, enrolled, youth, bool(three), bool(employer), rating, recent.get(pid, ())
        )
        for pid, name, enrolled, youth, three, employer, rating in db.rows(conn, query)
    )


def _recent_placements(
    conn: Connection, on: date
) -> dict[int, tuple[due_rules.RecentPlacement, ...]]:
    """Placements started in the last few days, and whether anyone has been in contact since."""
    pl, c = placements.c, contacts.c
    contact_since = exists().where(
        c.participant_id == pl.participant_id, c.date >= pl.start, c.date <= on
    )
    rows = conn.execute(
        select(pl.participant_id, pl.start, pl.kind, contact_since).where(
            pl.start.between(on - timedelta(days=due_rules.FOLLOW_UP_DAYS), on)
        )
    )
    found: dict[int, list[due_rules.RecentPlacement]] = {}
    for pid, start, kind, contacted in rows.all():
        found.setdefault(pid, []).append(due_rules.RecentPlacement(start, kind, bool(contacted)))
    return {pid: tuple(items) for pid, items in found.items()}


def due_list(conn: Connection, on: date, consultant: str | None = None) -> list[due_rules.DueItem]:
    """Everything that needs doing on `on`, most overdue first. With a consultant, their own
    cases only (the waitlist is the team leader's)."""
    consultant_id = team.consultant_id_by_name(conn, consultant) if consultant else None
    with no_cycle_collection():
        items = [
            item
            for facts in _open_case_facts(conn, on, consultant_id)
            for item in due_rules.due_for_case(facts, on)
        ]
    if consultant_id is None:
        free = sum(
            rules.free_places(m.open_cases, m.max_caseload)
            for m in team.members(conn, on)
            if m.active
        )
        if free > 0:
            waiting = conn.execute(
                select(participants.c.id, participants.c.referral_date).where(waitlisted_on(on))
            )
            items += [due_rules.waitlist_item(pid, day, free) for pid, day in waiting.all()]
    return due_rules.sort_due(items)
