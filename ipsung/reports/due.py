"""What needs doing and who has room: the due list (SPEC §6) and capacity (SPEC §7).

The facts behind each open case are gathered in one query with correlated subqueries,
each served by an index on (participant_id, date); the reasons themselves are pure rules.
"""

import difflib
from datetime import date, timedelta
from typing import NamedTuple

from sqlalchemy import exists, func, select
from sqlalchemy.engine import Connection

from ipsung import rules
from ipsung.errors import NotFound
from ipsung.gcpause import no_cycle_collection
from ipsung.i18n import _
from ipsung.store.tables import (
    consultants,
    contacts,
    open_on,
    participants,
    placements,
    waitlisted_on,
)
from ipsung.store.tables import progress_ratings as ratings

HINT_NAMES = 10  # names shown when a consultant is not found


def consultant_id_by_name(conn: Connection, name: str) -> int:
    """The id of the consultant of this name (spaces tidied, any case); not found names
    everyone who is known."""
    wanted = " ".join(name.split())
    everyone = conn.execute(
        select(consultants.c.id, consultants.c.name).order_by(consultants.c.name)
    ).all()
    found = next((cid for cid, known in everyone if rules.same_name(known, wanted)), None)
    if found is None:
        names = [known for _cid, known in everyone]
        raise NotFound(
            _("consultant '{name}' not found ({hint})").format(
                name=wanted, hint=_known_hint(wanted, names)
            )
        )
    return found


def _known_hint(wanted: str, names: list[str]) -> str:
    """A team's few names in full; of a national register, the nearest spellings only,
    so that the error stays one readable line."""
    if not names:
        return _("none added yet")
    if len(names) <= HINT_NAMES:
        return _("known: {names}").format(names=", ".join(names))
    by_folded = {n.casefold(): n for n in names}
    near = difflib.get_close_matches(wanted.casefold(), by_folded, n=5, cutoff=0.6)
    if not near:
        return _("{n} consultants known; see: ipsung consultant list").format(n=len(names))
    return _("did you mean: {names}? {n} consultants known").format(
        names=", ".join(by_folded[n] for n in near), n=len(names)
    )


def _open_case_facts(
    conn: Connection, on: date, consultant_id: int | None
) -> list[rules.CaseFacts]:
    p, c = participants.c, contacts.c

    def contact_exists(*conditions):
        # Selecting an indexed column (not *) keeps the search inside the covering index.
        return (
            select(c.participant_id)
            .where(c.participant_id == p.id, c.date <= on, *conditions)
            .exists()
        )

    last_youth = (
        select(func.max(c.date))
        .where(c.participant_id == p.id, c.date <= on, c.kind.in_(rules.YOUTH_CONTACT_KINDS))
        .scalar_subquery()
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
            last_youth,
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
    return [
        rules.CaseFacts(
            pid, name, enrolled, youth, bool(three), bool(employer), rating, recent.get(pid, ())
        )
        for pid, name, enrolled, youth, three, employer, rating in conn.execute(query).all()
    ]


def _recent_placements(conn: Connection, on: date) -> dict[int, tuple[rules.RecentPlacement, ...]]:
    """Placements started in the last few days, and whether anyone has been in contact since."""
    pl, c = placements.c, contacts.c
    contact_since = exists().where(
        c.participant_id == pl.participant_id, c.date >= pl.start, c.date <= on
    )
    rows = conn.execute(
        select(pl.participant_id, pl.start, pl.kind, contact_since).where(
            pl.start.between(on - timedelta(days=rules.FOLLOW_UP_DAYS), on)
        )
    )
    found: dict[int, list[rules.RecentPlacement]] = {}
    for pid, start, kind, contacted in rows.all():
        found.setdefault(pid, []).append(rules.RecentPlacement(start, kind, bool(contacted)))
    return {pid: tuple(items) for pid, items in found.items()}


class TeamMember(NamedTuple):
    id: int
    name: str
    max_caseload: int
    active: bool
    open_cases: int

    @property
    def free(self) -> int:
        return rules.free_places(self.open_cases, self.max_caseload)


def _team(conn: Connection, on: date) -> list[TeamMember]:
    """Every consultant with their open cases on `on`, by name (service.consultant_loads
    as plain rows: these reports need no Consultant objects)."""
    cs, p = consultants.c, participants.c
    open_cases = (
        select(p.consultant_id, func.count().label("n"))
        .where(open_on(on), p.consultant_id.is_not(None))
        .group_by(p.consultant_id)
        .subquery()
    )
    rows = conn.execute(
        select(cs.id, cs.name, cs.max_caseload, cs.active, func.coalesce(open_cases.c.n, 0))
        .outerjoin(open_cases, open_cases.c.consultant_id == cs.id)
        .order_by(cs.name)
    )
    return [TeamMember(*row) for row in rows.all()]


def due_list(conn: Connection, on: date, consultant: str | None = None) -> list[rules.DueItem]:
    """Everything that needs doing on `on`, most overdue first. With a consultant, their own
    cases only (the waitlist is the team leader's)."""
    consultant_id = consultant_id_by_name(conn, consultant) if consultant else None
    with no_cycle_collection():
        items = [
            item
            for facts in _open_case_facts(conn, on, consultant_id)
            for item in rules.due_for_case(facts, on)
        ]
    if consultant_id is None:
        free = sum(x.free for x in _team(conn, on) if x.active)
        if free > 0:
            waiting = conn.execute(
                select(participants.c.id, participants.c.referral_date).where(waitlisted_on(on))
            )
            items += [rules.waitlist_item(pid, referred, free) for pid, referred in waiting.all()]
    return rules.sort_due(items)


def _weekly_contacts_due(conn: Connection, on: date) -> dict[int, int]:
    """Per consultant, the open cases whose weekly contact is due, counted in SQL.

    The same rule as `rules.due_for_case` ("weekly-contact"): the last youth or
    three-party contact since enrolment, or else the enrolment, lies more than 7 days
    back. Counting it here spares capacity the facts of every case; a test checks that
    both give the same numbers.
    """
    p, c = participants.c, contacts.c
    last_contact = (
        select(func.max(c.date))
        .where(
            c.kind.in_(rules.YOUTH_CONTACT_KINDS),
            c.participant_id == p.id,
            c.date <= on,
            c.date >= p.enrolled_on,
        )
        .scalar_subquery()
    )
    cutoff = on - timedelta(days=rules.WEEKLY_CONTACT_DAYS)
    rows = conn.execute(
        select(p.consultant_id, func.count())
        .where(open_on(on), func.coalesce(last_contact, p.enrolled_on) < cutoff)
        .group_by(p.consultant_id)
    )
    return dict(rows.all())


def capacity(conn: Connection, on: date) -> dict:
    """The capacity document of SPEC §7."""
    overdue = _weekly_contacts_due(conn, on)
    consultants = [
        {
            "name": x.name,
            "open_cases": x.open_cases,
            "max_caseload": x.max_caseload,
            "free": x.free,
            "state": rules.capacity_state(x.open_cases, x.max_caseload),
            "overdue_contacts": overdue.get(x.id, 0),
        }
        for x in _team(conn, on)
        if x.active or x.open_cases
    ]
    waitlist = conn.scalar(select(func.count()).select_from(participants).where(waitlisted_on(on)))
    return {
        "consultants": consultants,
        "team": {
            "open_cases": sum(c["open_cases"] for c in consultants),
            "max_caseload": sum(c["max_caseload"] for c in consultants),
            "free": sum(c["free"] for c in consultants),
        },
        "waitlist": waitlist,
    }
