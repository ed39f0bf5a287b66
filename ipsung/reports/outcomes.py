"""Gathering the facts behind the outcome figures (SPEC §8) with a few aggregate queries.

Each query returns at most a few rows per case (never a row per contact), so the figures
stay quick on a national-scale database; `measures.py` turns the facts into figures.
"""

from datetime import date

from sqlalchemy import BigInteger, and_, case, cast, func, literal, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import ColumnElement

from ipsung import vocabulary
from ipsung.errors import BadInput
from ipsung.gcpause import no_cycle_collection
from ipsung.i18n import _
from ipsung.reports import measures
from ipsung.store import db
from ipsung.store.tables import consultants, contacts, participants, placements
from ipsung.store.tables import progress_ratings as ratings
from ipsung.store.weeks import contact_week, kind_in

GROUPINGS = ("consultant", "referred-by")


def _in_cohort(from_: date | None, to: date | None) -> ColumnElement[bool]:
    conditions = [participants.c.enrolled_on.is_not(None)]
    if from_:
        conditions.append(participants.c.enrolled_on >= from_)
    if to:
        conditions.append(participants.c.enrolled_on <= to)
    return and_(*conditions)


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


def _cohort(conn: Connection, cohort, today: date, placed: dict) -> list[measures.CaseOutcome]:
    """The cohort's cases with their first employer contact, their contact weeks and their
    first and latest ratings.

    All are correlated subqueries: per case, the database searches an index for that
    case's rows only, which is several times quicker than joining every contact to its
    case and grouping, and no contact or rating row travels to Python.
    """
    p = participants.c
    first_employer_contact = (
        select(func.min(contacts.c.date))
        .where(
            contacts.c.kind == "employer",
            contacts.c.participant_id == p.id,
            contacts.c.date >= p.enrolled_on,
        )
        .scalar_subquery()
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
            first_employer_contact,
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
        first_contact,
        weeks,
        first,
        latest,
    ) in db.rows(conn, query):
        first_id, first_rating = _unpacked(first)
        latest_id, latest_rating = _unpacked(latest)
        cases.append(
            measures.CaseOutcome(
                pid,
                enrolled,
                closed,
                consultant,
                referred_by,
                placements=placed.get(pid, []),
                first_employer_contact=first_contact,
                contact_weeks=weeks,
                # Two ratings or more exactly when the first is not also the latest.
                rated_twice=first_id is not None and first_id != latest_id,
                first_rating=first_rating,
                latest_rating=latest_rating,
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


def gather(
    conn: Connection, from_: date | None, to: date | None, today: date
) -> list[measures.CaseOutcome]:
    cohort = _in_cohort(from_, to)
    return _cohort(conn, cohort, today, _placements(conn, cohort))


def outcomes(
    conn: Connection,
    today: date,
    from_: date | None = None,
    to: date | None = None,
    by: str | None = None,
    quarterly: bool = False,
) -> dict:
    """The outcomes document: figures for the cohort, optionally by group and by quarter."""
    if from_ and to and from_ > to:
        raise BadInput(_("--from lies after --to"))
    if by is not None:
        by = vocabulary.parse_choice(by, GROUPINGS, "--by")
    with no_cycle_collection():
        return summarise(gather(conn, from_, to, today), today, from_, to, by, quarterly)


def summarise(
    cases: list[measures.CaseOutcome],
    today: date,
    from_: date | None,
    to: date | None,
    by: str | None = None,
    quarterly: bool = False,
) -> dict:
    document = {"from": from_, "to": to, "as_of": today, **measures.figures(cases, today)}
    if by:
        key = (lambda c: c.consultant or "-") if by == "consultant" else (lambda c: c.referred_by)
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
    document["definitions"] = measures.DEFINITIONS
    return document
