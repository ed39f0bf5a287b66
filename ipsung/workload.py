"""What needs doing and who has room: the due list (SPEC §6) and capacity (SPEC §7).

The facts behind each open case are gathered in one query with correlated subqueries,
each served by an index on (participant_id, date); the reasons themselves are pure rules.
"""

from datetime import date, timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from ipsung import rules, service
from ipsung.models import Consultant, Contact, Participant, Placement, ProgressRating


def _open_case_facts(
    session: Session, on: date, consultant_id: int | None
) -> list[rules.CaseFacts]:
    p = Participant

    def contact_exists(*conditions):
        # Selecting an indexed column (not *) keeps the search inside the covering index.
        return (
            select(Contact.participant_id)
            .where(Contact.participant_id == p.id, Contact.date <= on, *conditions)
            .exists()
        )

    last_youth = (
        select(func.max(Contact.date))
        .where(
            Contact.participant_id == p.id,
            Contact.date <= on,
            Contact.kind.in_(rules.YOUTH_CONTACT_KINDS),
        )
        .scalar_subquery()
    )
    last_rating = (
        select(func.max(ProgressRating.date))
        .where(ProgressRating.participant_id == p.id, ProgressRating.date <= on)
        .scalar_subquery()
    )
    query = (
        select(
            p.id,
            Consultant.name,
            p.enrolled_on,
            last_youth,
            contact_exists(Contact.kind == "three-party"),
            contact_exists(Contact.kind == "employer"),
            last_rating,
        )
        .outerjoin(Consultant, p.consultant_id == Consultant.id)
        .where(service.open_on(on))
        .order_by(p.id)
    )
    if consultant_id is not None:
        query = query.where(p.consultant_id == consultant_id)
    recent = _recent_placements(session, on)
    return [
        rules.CaseFacts(
            participant_id=pid,
            consultant=name,
            enrolled_on=enrolled,
            last_youth_contact=youth,
            has_three_party=bool(three),
            has_employer_contact=bool(employer),
            last_rating=rating,
            recent_placements=recent.get(pid, ()),
        )
        for pid, name, enrolled, youth, three, employer, rating in session.execute(query)
    ]


def _recent_placements(session: Session, on: date) -> dict[int, tuple[rules.RecentPlacement, ...]]:
    """Placements started in the last few days, and whether anyone has been in contact since."""
    contact_since = exists().where(
        Contact.participant_id == Placement.participant_id,
        Contact.date >= Placement.start,
        Contact.date <= on,
    )
    rows = session.execute(
        select(Placement.participant_id, Placement.start, Placement.kind, contact_since).where(
            Placement.start.between(on - timedelta(days=rules.FOLLOW_UP_DAYS), on)
        )
    )
    found: dict[int, list[rules.RecentPlacement]] = {}
    for pid, start, kind, contacted in rows:
        found.setdefault(pid, []).append(rules.RecentPlacement(start, kind, bool(contacted)))
    return {pid: tuple(items) for pid, items in found.items()}


def waitlisted_on(on: date):
    """SQL condition: referred by `on`, not yet enrolled then, and not closed."""
    p = Participant
    return and_(
        p.referral_date <= on,
        or_(p.enrolled_on.is_(None), p.enrolled_on > on),
        or_(p.closed_on.is_(None), p.closed_on > on),
    )


def due_list(session: Session, on: date, consultant: str | None = None) -> list[rules.DueItem]:
    """Everything that needs doing on `on`, most overdue first. With a consultant, their own
    cases only (the waitlist is the team leader's)."""
    consultant_id = service.find_consultant(session, consultant).id if consultant else None
    items = [
        item
        for facts in _open_case_facts(session, on, consultant_id)
        for item in rules.due_for_case(facts, on)
    ]
    if consultant_id is None:
        free = sum(x.free for x in service.consultant_loads(session, on, active_only=True))
        if free > 0:
            waiting = session.execute(
                select(Participant.id, Participant.referral_date).where(waitlisted_on(on))
            )
            items += [rules.waitlist_item(pid, referred, free) for pid, referred in waiting]
    return rules.sort_due(items)


def _weekly_contacts_due(session: Session, on: date) -> dict[int, int]:
    """Per consultant, the open cases whose weekly contact is due, counted in SQL.

    The same rule as `rules.due_for_case` ("weekly-contact"): the last youth or
    three-party contact since enrolment, or else the enrolment, lies more than 7 days
    back. Counting it here spares capacity the facts of every case; a test checks that
    both give the same numbers.
    """
    p = Participant
    last_contact = (
        select(func.max(Contact.date))
        .where(
            Contact.kind.in_(rules.YOUTH_CONTACT_KINDS),
            Contact.participant_id == p.id,
            Contact.date <= on,
            Contact.date >= p.enrolled_on,
        )
        .scalar_subquery()
    )
    cutoff = on - timedelta(days=rules.WEEKLY_CONTACT_DAYS)
    rows = session.execute(
        select(p.consultant_id, func.count())
        .where(service.open_on(on), func.coalesce(last_contact, p.enrolled_on) < cutoff)
        .group_by(p.consultant_id)
    )
    return dict(rows.all())


def capacity(session: Session, on: date) -> dict:
    """The capacity document of SPEC §7."""
    loads = [
        x for x in service.consultant_loads(session, on) if x.consultant.active or x.open_cases
    ]
    overdue = _weekly_contacts_due(session, on)
    consultants = [
        {
            "name": x.consultant.name,
            "open_cases": x.open_cases,
            "max_caseload": x.consultant.max_caseload,
            "free": x.free,
            "state": rules.capacity_state(x.open_cases, x.consultant.max_caseload),
            "overdue_contacts": overdue.get(x.consultant.id, 0),
        }
        for x in loads
    ]
    waitlist = session.scalar(
        select(func.count()).select_from(Participant).where(waitlisted_on(on))
    )
    return {
        "consultants": consultants,
        "team": {
            "open_cases": sum(c["open_cases"] for c in consultants),
            "max_caseload": sum(c["max_caseload"] for c in consultants),
            "free": sum(c["free"] for c in consultants),
        },
        "waitlist": waitlist,
    }
