"""What needs doing (SPEC §6): the due list.

The facts behind each open case are gathered in one query with correlated subqueries,
each served by an index on (participant_id, date); the reasons themselves are the pure
rules of due_rules.py, and render/due.py says each in a sentence.
"""

from collections.abc import Iterator
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection

from ipsung import due_rules, rules
from ipsung.gcpause import no_cycle_collection
from ipsung.store import db, team
from ipsung.store.tables import (
    aftercare_periods,
    consultants,
    contacts,
    open_on,
    participants,
    period_reviews,
    placements,
    waitlisted_on,
)
from ipsung.store.tables import progress_ratings as ratings
from ipsung.store.weeks import kind_in
from ipsung.vocabulary import COUNTED_PLACEMENT_KINDS, YOUTH_CONTACT_KINDS


def last_youth_contact(on: date):
    """SQL: the open case's last youth or three-party contact on or before `on`. The kinds
    are written into the SQL, so that a server can answer from its index of those kinds
    alone (migration 0005)."""
    p, c = participants.c, contacts.c
    return (
        select(func.max(c.date))
        .where(c.participant_id == p.id, c.date <= on, kind_in(c.kind, YOUTH_CONTACT_KINDS))
        .scalar_subquery()
    )


def contact_every(on: date):
    """SQL: the contact interval agreed for the aftercare the case is in on `on`, if any
    (else the weekly contact's 7 days)."""
    a, p = aftercare_periods.c, participants.c
    agreed = (
        select(a.contact_every)
        .where(a.participant_id == p.id, a.start <= on, or_(a.end.is_(None), a.end >= on))
        .order_by(a.start.desc())
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(agreed, due_rules.WEEKLY_CONTACT_DAYS)


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
    pl, r = placements.c, period_reviews.c
    started = (
        select(pl.id)
        .where(pl.participant_id == p.id, pl.kind.in_(COUNTED_PLACEMENT_KINDS), pl.start <= on)
        .exists()
    )
    reviewed = (
        select(func.max(r.period)).where(r.participant_id == p.id, r.date <= on).scalar_subquery()
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
            started,
            p.pathway,
            contact_exists(c.kind == "education"),
            reviewed,
            contact_every(on),
        )
        .outerjoin(consultants, p.consultant_id == consultants.c.id)
        .where(open_on(on))
        .order_by(p.id)
    )
    if consultant_id is not None:
        query = query.where(p.consultant_id == consultant_id)
    unfollowed = _unfollowed_placements(conn, on)
    # A generator: on a server, the due rules work on the first cases while it still
    # computes the facts of the later ones (db.rows).
    return (
        due_rules.CaseFacts(
            pid,
            name,
            enrolled,
            youth,
            bool(three),
            bool(employer),
            rating,
            unfollowed.get(pid, ()),
            bool(has_started),
            pathway == "education",
            bool(education),
            review or 0,
            every,
        )
        for (
            pid,
            name,
            enrolled,
            youth,
            three,
            employer,
            rating,
            has_started,
            pathway,
            education,
            review,
            every,
        ) in db.rows(conn, query)
    )


def _unfollowed_placements(
    conn: Connection, on: date
) -> dict[int, tuple[due_rules.Unfollowed, ...]]:
    """The open cases' placements that have started with no youth, three-party or employer
    contact since (on or after the start day)."""
    pl, c = placements.c, contacts.c

    def contact_since_start(kind_is):
        return (
            select(c.participant_id)
            .where(c.participant_id == pl.participant_id, kind_is, c.date >= pl.start, c.date <= on)
            .exists()
        )

    # Asked in two: the youth and three-party contacts first, which follow up most
    # placements and which a server finds in their own index (migration 0005); the other
    # kinds only for the placements those leave.
    others = tuple(k for k in due_rules.FOLLOW_UP_KINDS if k not in YOUTH_CONTACT_KINDS)
    by_youth = contact_since_start(kind_in(c.kind, YOUTH_CONTACT_KINDS))
    by_others = contact_since_start(c.kind.in_(others))
    # The open cases first, then their placements: joined, SQLite took every placement by
    # its start and asked the contacts of each before it knew the case was closed.
    open_cases = select(participants.c.id).where(open_on(on))
    rows = conn.execute(
        select(pl.participant_id, pl.start, pl.kind)
        .where(pl.participant_id.in_(open_cases), pl.start <= on, ~by_youth, ~by_others)
        .order_by(pl.start, pl.id)
    )
    found: dict[int, list[due_rules.Unfollowed]] = {}
    for pid, start, kind in rows.all():
        found.setdefault(pid, []).append(due_rules.Unfollowed(start, kind))
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
