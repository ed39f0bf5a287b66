"""Fidelity indicators (SPEC §8a): the IPS-25 items that can be read from the data.

The yearly fidelity review is done by people; this gives them the figures for the items
the data can answer, each scored 1-5 by the scale's anchors, with the data behind it,
and lists the items that only a review can score.
"""

from collections import Counter
from datetime import date, timedelta
from statistics import mean

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from ipsung.i18n import _
from ipsung.store import team
from ipsung.store.tables import consultants, contacts, open_on, participants, placements
from ipsung.vocabulary import COUNTED_PLACEMENT_KINDS

JOB_DEVELOPMENT_WEEKS = 8
# "The last 12 months": calendar months back from the day (29 February falls on the 28th).
YEAR = relativedelta(months=12)
FOLLOW_ALONG_WEEKS = 4

# Anchors: the lowest figure that earns each score, best first. Lower-is-better items
# (caseload, days to employer contact) list upper limits instead.
CASELOAD_ANCHORS = ((20, 5), (40, 4), (60, 3), (80, 2))  # clients per specialist, at most
RAPID_SEARCH_ANCHORS = ((30, 5), (60, 4), (150, 3), (270, 2))  # days, at most
EMPLOYER_CONTACT_ANCHORS = ((6, 5), (5, 4), (4, 3), (2, 2))  # per week, at least
SHARE_ANCHORS = ((0.85, 5), (0.70, 4), (0.60, 3), (0.50, 2))  # diversity, at least
FOLLOW_ALONG_ANCHORS = ((0.90, 5), (0.75, 4), (0.50, 3), (0.25, 2))  # our reading, at least

NEEDS_REVIEW = (
    "integration of rehabilitation with mental health treatment (team membership and contact)",
    "collaboration between employment specialists and caseworkers",
    "vocational unit and supervision",
    "role of the employment supervisor",
    "zero exclusion criteria (who is referred, who is turned away)",
    "agency focus on competitive employment",
    "executive team support for supported employment",
    "work incentives planning (benefits counselling)",
    "disclosure",
    "ongoing, work-based vocational assessment",
    "individualised job search (preferences, the young person's own dream)",
    "quality of job development",
    "individualised follow-along supports",
    "community-based services",
    "assertive engagement and outreach by the integrated team",
)


def score_at_most(value: float | None, anchors) -> int | None:
    if value is None:
        return None
    return next((score for limit, score in anchors if value <= limit), 1)


def score_at_least(value: float | None, anchors) -> int | None:
    if value is None:
        return None
    return next((score for floor, score in anchors if value >= floor), 1)


def _item(name: str, figure, score: int | None, data: dict, note: str) -> dict:
    return {"item": name, "figure": figure, "score": score, "data": data, "note": note}


def _caseload(conn: Connection, on: date) -> dict:
    loads = [m for m in team.members(conn, on) if m.active]
    largest = max((m.open_cases for m in loads), default=None)
    return _item(
        "caseload size",
        largest,
        score_at_most(largest, CASELOAD_ANCHORS),
        {m.name: m.open_cases for m in loads},
        _("largest caseload of an active consultant on the day; 20 or fewer scores 5"),
    )


def _rapid_job_search(conn: Connection, on: date) -> dict:
    """Days from enrolment to the first employer contact, for cases enrolled in the last year."""
    c, p = contacts.c, participants.c
    first_contact = (
        select(c.participant_id, func.min(c.date).label("first"))
        .where(c.kind == "employer", c.participant_id.is_not(None), c.date <= on)
        .group_by(c.participant_id)
        .subquery()
    )
    rows = conn.execute(
        select(p.enrolled_on, first_contact.c.first)
        .join(first_contact, first_contact.c.participant_id == p.id)
        .where(p.enrolled_on.between(on - YEAR, on))
    ).all()
    days = [max(0, (first - enrolled).days) for enrolled, first in rows]
    average = round(mean(days), 1) if days else None
    return _item(
        "rapid job search",
        average,
        score_at_most(average, RAPID_SEARCH_ANCHORS),
        {"cases": len(days)},
        _(
            "average days from enrolment to the first employer contact, for cases enrolled in "
            "the last 12 months that have one; 30 or fewer scores 5"
        ),
    )


def _job_development(conn: Connection, on: date) -> dict:
    since = on - timedelta(weeks=JOB_DEVELOPMENT_WEEKS)
    c = contacts.c
    counts = dict(
        conn.execute(
            select(consultants.c.name, func.count(c.id))
            .join(contacts, c.consultant_id == consultants.c.id)
            .where(c.kind == "employer", c.date > since, c.date <= on)
            .group_by(consultants.c.name)
        ).all()
    )
    active = [m.name for m in team.members(conn, on) if m.active]
    per_week = {name: round(counts.get(name, 0) / JOB_DEVELOPMENT_WEEKS, 1) for name in active}
    average = round(mean(per_week.values()), 1) if per_week else None
    return _item(
        "job development (employer contacts)",
        average,
        score_at_least(average, EMPLOYER_CONTACT_ANCHORS),
        per_week,
        _(
            "employer contacts per consultant per week over the last 8 weeks; 6 or more scores 5 "
            "(the scale counts face-to-face contacts: check the channels in a review)"
        ),
    )


def _follow_along(conn: Connection, on: date) -> dict:
    """Of the young people in a job or education now, the share with a contact in each of
    the last four weeks."""
    pl = placements.c
    working = set(
        conn.scalars(
            select(pl.participant_id)
            .join(participants, pl.participant_id == participants.c.id)
            .where(
                open_on(on),
                pl.kind.in_(COUNTED_PLACEMENT_KINDS),
                pl.start <= on,
                (pl.end.is_(None)) | (pl.end >= on),
            )
        )
    )
    first_day = on - timedelta(weeks=FOLLOW_ALONG_WEEKS) + timedelta(days=1)
    weeks_with_contact: dict[int, set[int]] = {}
    c = contacts.c
    for pid, day in conn.execute(
        select(c.participant_id, c.date).where(
            c.participant_id.in_(working), c.date.between(first_day, on)
        )
    ):
        weeks_with_contact.setdefault(pid, set()).add((on - day).days // 7)
    followed = sum(
        1 for pid in working if len(weeks_with_contact.get(pid, ())) == FOLLOW_ALONG_WEEKS
    )
    share = round(followed / len(working), 3) if working else None
    return _item(
        "time-unlimited follow-along supports",
        share,
        score_at_least(share, FOLLOW_ALONG_ANCHORS),
        {"in_job_or_education": len(working), "contact_every_week": followed},
        _(
            "share of young people in a job or education now with a contact in each of the last "
            "4 weeks; the 1-5 reading of this share is ipsung's, not the scale's (90 % scores 5)"
        ),
    )


def _diversity(conn: Connection, on: date) -> list[dict]:
    """Of the placements started in the last 12 months, how varied the kinds and employers are."""
    pl = placements.c
    rows = conn.execute(
        select(pl.kind, func.lower(pl.employer)).where(pl.start.between(on - YEAR, on))
    ).all()
    kinds = Counter(kind for kind, _employer in rows)
    employers = Counter(employer for _kind, employer in rows if employer)
    # The scale asks how often jobs differ; read here as the share of placements that are
    # not of the most frequent kind (or employer), since the data knows no job titles.
    kind_share = round(1 - max(kinds.values()) / len(rows), 3) if rows else None
    named = sum(employers.values())
    employer_share = round(len(employers) / named, 3) if named else None
    return [
        _item(
            "diversity of jobs",
            kind_share,
            score_at_least(kind_share, SHARE_ANCHORS),
            dict(kinds),
            _(
                "share of placements in the last 12 months not of the most common "
                "kind; kinds are coarse, so confirm job types in a review"
            ),
        ),
        _item(
            "diversity of employers",
            employer_share,
            score_at_least(employer_share, SHARE_ANCHORS),
            {"placements_with_employer": named, "distinct_employers": len(employers)},
            _(
                "distinct employers per placement with an employer, last 12 months; "
                "85 % or more scores 5"
            ),
        ),
    ]


def fidelity(conn: Connection, on: date) -> dict:
    items = [
        _caseload(conn, on),
        _rapid_job_search(conn, on),
        _job_development(conn, on),
        _follow_along(conn, on),
        *_diversity(conn, on),
    ]
    return {"on": on, "items": items, "needs_review": list(NEEDS_REVIEW)}
