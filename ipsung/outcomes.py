"""Gathering the facts behind the outcome figures (SPEC §8) with a few aggregate queries.

Each query returns at most a few rows per case (never a row per contact), so the figures
stay quick on a national-scale database; `measures.py` turns the facts into figures.
"""

from datetime import date

from sqlalchemy import Date, Integer, and_, case, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from ipsung import measures, rules
from ipsung.errors import BadInput
from ipsung.i18n import _
from ipsung.models import Consultant, Contact, Participant, Placement, ProgressRating

GROUPINGS = ("consultant", "referred-by")


class week_number(FunctionElement):
    """Whole weeks from Monday 2000-01-03 to a date (plus an offset in days), in SQL."""

    type = Integer()
    inherit_cache = True


@compiles(week_number, "sqlite")
def _week_number_sqlite(element, compiler, **kw):
    day, offset = list(element.clauses)
    return (
        f"CAST((julianday({compiler.process(day, **kw)}) - 2451546.5 + "
        f"{compiler.process(offset, **kw)}) / 7 AS INTEGER)"
    )


@compiles(week_number, "postgresql")
def _week_number_postgresql(element, compiler, **kw):
    day, offset = list(element.clauses)
    return (
        f"(({compiler.process(day, **kw)} - DATE '2000-01-03') + "
        f"{compiler.process(offset, **kw)}) / 7"
    )


class first_monday(FunctionElement):
    """The first Monday on or after a date, in SQL."""

    type = Date()
    inherit_cache = True


class last_sunday(FunctionElement):
    """The last Sunday on or before a date, in SQL."""

    type = Date()
    inherit_cache = True


@compiles(first_monday, "sqlite")
def _first_monday_sqlite(element, compiler, **kw):
    return f"date({compiler.process(list(element.clauses)[0], **kw)}, 'weekday 1')"


@compiles(last_sunday, "sqlite")
def _last_sunday_sqlite(element, compiler, **kw):
    return f"date({compiler.process(list(element.clauses)[0], **kw)}, '-6 days', 'weekday 0')"


@compiles(first_monday, "postgresql")
def _first_monday_postgresql(element, compiler, **kw):
    day = compiler.process(list(element.clauses)[0], **kw)
    # mod(), not %: psycopg takes a bare % in the statement for a placeholder.
    return f"(CAST({day} AS date) + mod(8 - CAST(EXTRACT(ISODOW FROM CAST({day} AS date)) AS integer), 7))"


@compiles(last_sunday, "postgresql")
def _last_sunday_postgresql(element, compiler, **kw):
    day = compiler.process(list(element.clauses)[0], **kw)
    return (
        f"(CAST({day} AS date) - mod(CAST(EXTRACT(ISODOW FROM CAST({day} AS date)) AS integer), 7))"
    )


def _in_cohort(from_: date | None, to: date | None) -> ColumnElement[bool]:
    conditions = [Participant.enrolled_on.is_not(None)]
    if from_:
        conditions.append(Participant.enrolled_on >= from_)
    if to:
        conditions.append(Participant.enrolled_on <= to)
    return and_(*conditions)


def _cohort(session: Session, cohort, today: date) -> dict[int, measures.CaseOutcome]:
    """The cohort's cases with their first employer contact and their contact weeks.

    Both are correlated subqueries: per case, SQLite searches the (kind, participant,
    date) index for that case's rows only, which is several times quicker than joining
    every contact to its case and grouping.
    """
    p = Participant
    first_employer_contact = (
        select(func.min(Contact.date))
        .where(
            Contact.kind == "employer",
            Contact.participant_id == p.id,
            Contact.date >= p.enrolled_on,
        )
        .scalar_subquery()
    )
    last_open = case(
        (and_(p.closed_on.is_not(None), p.closed_on < today), p.closed_on),
        else_=literal(today),
    )
    # Full calendar weeks only: from the first Monday on or after enrolment to the last
    # Sunday on or before the last open day (see measures.full_weeks). Bounds on the date
    # keep the search inside the index; the week is computed once per contact.
    contact_weeks = (
        select(func.count(week_number(Contact.date, literal(0)).distinct()))
        .where(
            Contact.kind.in_(rules.YOUTH_CONTACT_KINDS),
            Contact.participant_id == p.id,
            Contact.date.between(first_monday(p.enrolled_on), last_sunday(last_open)),
        )
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            p.id,
            p.enrolled_on,
            p.closed_on,
            Consultant.name,
            p.referred_by,
            first_employer_contact,
            contact_weeks,
        )
        .outerjoin(Consultant, p.consultant_id == Consultant.id)
        .where(cohort)
    )
    return {
        pid: measures.CaseOutcome(
            pid,
            enrolled,
            closed,
            consultant,
            referred_by,
            first_employer_contact=first_contact,
            contact_weeks=weeks,
        )
        for pid, enrolled, closed, consultant, referred_by, first_contact, weeks in rows
    }


def _add_placements(session: Session, cases: dict, cohort) -> None:
    rows = session.execute(
        select(Placement.participant_id, Placement.kind, Placement.start, Placement.end)
        .join(Participant, Placement.participant_id == Participant.id)
        .where(cohort, Placement.start >= Participant.enrolled_on)
    )
    for pid, kind, start, end in rows:
        cases[pid].placements.append(measures.Placed(kind, start, end))


def _add_ratings(session: Session, cases: dict, cohort) -> None:
    rows = session.execute(
        select(
            ProgressRating.participant_id,
            ProgressRating.outlook,
            ProgressRating.insight,
            ProgressRating.skills,
        )
        .join(Participant, ProgressRating.participant_id == Participant.id)
        .where(cohort)
        .order_by(ProgressRating.participant_id, ProgressRating.date, ProgressRating.id)
    )
    for pid, *rating in rows:
        c = cases[pid]
        if c.first_rating is None:
            c.first_rating = tuple(rating)
        c.latest_rating = tuple(rating)
        c.ratings += 1


def gather(
    session: Session, from_: date | None, to: date | None, today: date
) -> list[measures.CaseOutcome]:
    cohort = _in_cohort(from_, to)
    cases = _cohort(session, cohort, today)
    _add_placements(session, cases, cohort)
    _add_ratings(session, cases, cohort)
    return list(cases.values())


def outcomes(
    session: Session,
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
        by = rules.parse_choice(by, GROUPINGS, "--by")
    return summarise(gather(session, from_, to, today), today, from_, to, by, quarterly)


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
