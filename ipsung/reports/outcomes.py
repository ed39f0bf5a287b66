"""Gathering the facts behind the outcome figures (SPEC §8) with a few aggregate queries.

Each query returns at most a few rows per case (never a row per contact), so the figures
stay quick on a national-scale database; `measures.py` turns the facts into figures.
"""

from datetime import date

from sqlalchemy import BigInteger, and_, case, cast, func, literal, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import ColumnElement

from ipsung import vocabulary
from ipsung.errors import BadInput
from ipsung.gcpause import no_cycle_collection
from ipsung.i18n import _
from ipsung.reports import measures
from ipsung.store import db
from ipsung.store.tables import (
    aftercare_periods,
    consultants,
    contacts,
    participants,
    placements,
)
from ipsung.store.tables import progress_ratings as ratings
from ipsung.store.weeks import contact_week, kind_in

MAX_FOLLOWUP_MONTHS = 1200  # a hundred years: beyond any caseload, within date arithmetic


def _in_cohort(
    from_: date | None, to: date | None, enrolled_by: date | None = None
) -> ColumnElement[bool]:
    """Enrolled from `from_` to `to`; and if `enrolled_by` is given (--min-followup),
    enrolled on or before it or closed."""
    p = participants.c
    conditions = [p.enrolled_on.is_not(None)]
    if from_:
        conditions.append(p.enrolled_on >= from_)
    if to:
        conditions.append(p.enrolled_on <= to)
    if enrolled_by:
        conditions.append(or_(p.enrolled_on <= enrolled_by, p.closed_on.is_not(None)))
    return and_(*conditions)


def parse_min_followup(months: int | None) -> int | None:
    if months is not None and not 1 <= months <= MAX_FOLLOWUP_MONTHS:
        raise BadInput(
            _("give a whole number of months from 1 to {most}").format(most=MAX_FOLLOWUP_MONTHS),
            "--min-followup",
        )
    return months


def _rating(*order) -> ColumnElement[int]:
    """The case's first rating in this order (correlated to the outer case), packed into
    one number: id * 1000 + outlook * 100 + insight * 10 + skills (each score is 1-5, a
    CHECK constraint holds them there). One index search per case gives all four; joining
    the rating row on its id instead made PostgreSQL search twice per case and hash the
    whole table (about three times slower there, the same on SQLite)."""
    r = ratings.c
    return (
        select(cast(r.id, BigInteger) * 1000 + r.outlook * 100 + r.insight * 10 + r.skills)
        .where(r.participant_id == participants.c.id)
        .order_by(*order)
        .limit(1)
        .scalar_subquery()
    )


def _unpacked(packed: int | None) -> tuple[int | None, tuple[int, int, int] | None]:
    """A packed rating (see _rating) as its id and its three scores."""
    if packed is None:
        return None, None
    return packed // 1000, (packed // 100 % 10, packed // 10 % 10, packed % 10)


def _cohort(
    conn: Connection, cohort, today: date, placed: dict, aftercare: dict
) -> list[measures.CaseOutcome]:
    """The cohort's cases with their first employer (and education) contact, their contact
    weeks and their first and latest ratings.

    All are correlated subqueries: per case, the database searches an index for that
    case's rows only, which is several times quicker than joining every contact to its
    case and grouping, and no contact or rating row travels to Python.
    """
    p = participants.c

    def first_contact(kind: str) -> ColumnElement:
        # The (kind, participant_id, date) index answers each with one look-up per case.
        return (
            select(func.min(contacts.c.date))
            .where(
                contacts.c.kind == kind,
                contacts.c.participant_id == p.id,
                contacts.c.date >= p.enrolled_on,
            )
            .scalar_subquery()
        )

    # The first education contact matters on the education pathway only: not looked up
    # for the other cases.
    first_education_contact = case(
        (p.pathway == measures.EDUCATION_PATHWAY, first_contact("education")),
        else_=literal(None),
    )
    last_open = case(
        (and_(p.closed_on.is_not(None), p.closed_on < today), p.closed_on),
        else_=literal(today),
    )
    # Full calendar weeks only (see measures.full_weeks): from the week starting on the
    # first Monday on or after enrolment to the week ending on the last Sunday on or
    # before the last open day. Spelled as weeks.py spells its index, which holds them.
    week = contact_week(contacts.c.date)
    contact_weeks = (
        select(func.count(week.distinct()))
        .where(
            contacts.c.participant_id == p.id,
            kind_in(contacts.c.kind, vocabulary.YOUTH_CONTACT_KINDS),
            week.between(contact_week(p.enrolled_on, 6), contact_week(last_open, 1) - 1),
        )
        .scalar_subquery()
    )
    in_order = (ratings.c.date, ratings.c.id)
    query = (
        select(
            p.id,
            p.enrolled_on,
            p.closed_on,
            consultants.c.name,
            p.referred_by,
            p.pathway,
            p.track,
            first_contact("employer"),
            first_education_contact,
            contact_weeks,
            _rating(*in_order),
            _rating(*(c.desc() for c in in_order)),
        )
        .outerjoin(consultants, p.consultant_id == consultants.c.id)
        .where(cohort)
    )
    cases = []
    for (
        pid,
        enrolled,
        closed,
        consultant,
        referred_by,
        pathway,
        track,
        first_employer,
        first_education,
        weeks,
        first,
        latest,
    ) in db.rows(conn, query):
        first_id, first_rating = _unpacked(first)
        latest_id, latest_rating = _unpacked(latest)
        # Positional, in the order of CaseOutcome's fields: 20,000 calls with keywords cost
        # about a third more.
        cases.append(
            measures.CaseOutcome(
                pid,
                enrolled,
                closed,
                consultant,
                referred_by,
                pathway,
                track,
                placed.get(pid, []),
                first_employer,
                first_education,
                weeks,
                first_rating,
                latest_rating,
                # Two ratings or more exactly when the first is not also the latest.
                first_id is not None and first_id != latest_id,
                aftercare.get(pid, []),
            )
        )
    return cases


def _placements(conn: Connection, cohort) -> dict[int, list[measures.Placed]]:
    """The cohort's placements started on or after enrolment, by case."""
    rows = conn.execute(
        select(placements.c.participant_id, placements.c.kind, placements.c.start, placements.c.end)
        .join(participants, placements.c.participant_id == participants.c.id)
        .where(cohort, placements.c.start >= participants.c.enrolled_on)
    )
    found: dict[int, list[measures.Placed]] = {}
    for pid, kind, start, end in rows.all():
        found.setdefault(pid, []).append(measures.Placed(kind, start, end))
    return found


def _aftercare(conn: Connection, cohort) -> dict[int, list[measures.Period]]:
    """The cohort's aftercare periods, by case (a few per case at most)."""
    a = aftercare_periods.c
    rows = conn.execute(
        select(a.participant_id, a.start, a.end)
        .join(participants, a.participant_id == participants.c.id)
        .where(cohort)
    )
    found: dict[int, list[measures.Period]] = {}
    for pid, start, end in rows.all():
        found.setdefault(pid, []).append(measures.Period(start, end))
    return found


def gather(
    conn: Connection,
    from_: date | None,
    to: date | None,
    today: date,
    min_followup: int | None = None,
) -> list[measures.CaseOutcome]:
    enrolled_by = measures.followup_cutoff(today, min_followup) if min_followup else None
    cohort = _in_cohort(from_, to, enrolled_by)
    return _cohort(conn, cohort, today, _placements(conn, cohort), _aftercare(conn, cohort))


def outcomes(
    conn: Connection,
    today: date,
    from_: date | None = None,
    to: date | None = None,
    by: str | None = None,
    quarterly: bool = False,
    min_followup: int | None = None,
) -> dict:
    """The outcomes document: figures for the cohort, optionally by group and by quarter."""
    if from_ and to and from_ > to:
        raise BadInput(_("--from lies after --to"))
    if by is not None:
        by = vocabulary.parse_choice(by, vocabulary.GROUPINGS, "--by")
    min_followup = parse_min_followup(min_followup)
    with no_cycle_collection():
        cases = gather(conn, from_, to, today, min_followup)
        return summarise(cases, today, from_, to, by, quarterly, min_followup)


# The group a case falls in, for --by; "-" where the case has none (no consultant, no
# pathway chosen).
_GROUP_OF = {
    "consultant": lambda c: c.consultant or "-",
    "referred-by": lambda c: c.referred_by,
    "pathway": lambda c: c.pathway or "-",
    "track": lambda c: c.track or "-",
}


def summarise(
    cases: list[measures.CaseOutcome],
    today: date,
    from_: date | None,
    to: date | None,
    by: str | None = None,
    quarterly: bool = False,
    min_followup: int | None = None,
) -> dict:
    document = {
        "from": from_,
        "to": to,
        "as_of": today,
        "cohort_rule": measures.cohort_rule(from_, to, today, min_followup),
        **measures.figures(cases, today),
    }
    if by:
        key = _GROUP_OF[by]
        groups: dict[str, list] = {}
        for c in cases:
            groups.setdefault(key(c), []).append(c)
        document["by"] = {
            "grouping": by,
            "groups": [
                {"group": name, **measures.figures(groups[name], today)} for name in sorted(groups)
            ],
        }
    if quarterly:
        document["quarterly"] = measures.quarterly(cases, today)
    document["definitions"] = measures.definitions()
    return document
