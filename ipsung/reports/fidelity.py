"""The yearly fidelity review (SPEC §8a): the IPS-25 as printed (fidelity_scale.py).

The items the caseload can answer are read from the data, each with its figure, its score
by the scale's anchors and what the figure rests on; the reviewers' scores of the other
items (and any data-read item they overrode, with their reason) come from the table
fidelity_scores. With all 25 scored, the total and its band.

A year's data-read items are measured on its 31 December over the 12 months before (this
year's: on the day asked, by default today). "Face-to-face" is a contact with channel
`in-person`. Where a figure has no data behind it, its score is None: the item is missing
until the data or a reviewer scores it.
"""

from datetime import date, timedelta
from statistics import mean

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection

from ipsung import fidelity_scale as scale
from ipsung.i18n import M_, Message
from ipsung.store import team
from ipsung.store.tables import (
    contacts,
    fidelity_scores,
    open_on,
    participants,
    placements,
)
from ipsung.vocabulary import (
    COMPETITIVE_JOB_KINDS,
    COUNTED_PLACEMENT_KINDS,
    JOB_KINDS,
    YOUTH_CONTACT_KINDS,
)

FACE_TO_FACE = "in-person"
JOB_DEVELOPMENT_WEEKS = 8
# "The last 12 months": calendar months back from the day (29 February falls on the 28th).
YEAR = relativedelta(months=12)


def measured_on(year: int, today: date) -> date:
    """The day a year's data-read items are measured: its 31 December, or today."""
    return today if year >= today.year else date(year, 12, 31)


def _item(figure, score: int | None, data: dict, definition: Message) -> dict:
    return {"figure": figure, "score": score, "data": data, "definition": definition}


def _job_running(on_day, participant):
    """SQL: the young person has a job (a placement at a workplace) running on the day."""
    pl = placements.c
    return (
        select(pl.id)
        .where(
            pl.participant_id == participant,
            pl.kind.in_(JOB_KINDS),
            pl.start <= on_day,
            or_(pl.end.is_(None), pl.end >= on_day),
        )
        .exists()
    )


# --- the items the data can read ---------------------------------------------------------


def _caseload(conn: Connection, on: date) -> dict:
    loads = [m for m in team.members(conn, on) if m.active]
    largest = max((m.open_cases for m in loads), default=None)
    return _item(
        largest,
        scale.score_at_most(largest, scale.CASELOAD),
        {m.name: m.open_cases for m in loads},
        M_(
            "the largest number of open cases of an active consultant on the day (item 1: "
            "20 or fewer scores 5, 21-25 4, 26-30 3, 31-40 2, 41 or more 1)"
        ),
    )


def _rapid_job_search(conn: Connection, on: date) -> dict:
    """Days from enrolment to the first face-to-face employer contact, for every case
    enrolled in the 12 months before the day; a case with none yet counts its days so far
    (at least that many), so that no case is dropped."""
    c, p = contacts.c, participants.c
    first_contact = (
        select(func.min(c.date))
        .where(
            c.participant_id == p.id,
            c.kind == "employer",
            c.channel == FACE_TO_FACE,
            c.date >= p.enrolled_on,
            c.date <= on,
        )
        .scalar_subquery()
    )
    rows = conn.execute(
        select(p.enrolled_on, first_contact).where(p.enrolled_on > on - YEAR, p.enrolled_on <= on)
    ).all()
    days = [((first or on) - enrolled).days for enrolled, first in rows]
    waiting = sum(1 for _enrolled, first in rows if first is None)
    average = round(mean(days), 1) if days else None
    return _item(
        average,
        scale.score_at_most(average, scale.RAPID_JOB_SEARCH),
        {"cases": len(days), "with_contact": len(days) - waiting, "without_yet": waiting},
        M_(
            "average days from enrolment to the first face-to-face employer contact, over "
            "every case enrolled in the 12 months before the day; a case with none yet counts "
            "the days so far, so the average is at least this (item 15: 30 days or fewer "
            "scores 5, 31-60 4, 61-150 3, 151-270 2, 271 or more 1)"
        ),
    )


def _job_development(conn: Connection, on: date) -> dict:
    """Face-to-face employer contacts per consultant per week over the last 8 weeks:
    generic ones and those for a young person looking for work, not follow-up with the
    employer of someone in a job."""
    since = on - timedelta(weeks=JOB_DEVELOPMENT_WEEKS)
    c, p = contacts.c, participants.c
    counted = conn.execute(
        select(c.consultant_id, func.count())
        .where(
            c.kind == "employer",
            c.channel == FACE_TO_FACE,
            c.date > since,
            c.date <= on,
            or_(c.participant_id.is_(None), ~_job_running(c.date, c.participant_id)),
        )
        .group_by(c.consultant_id)
    )
    contacts_by = dict(counted.all())
    seekers_by = dict(
        conn.execute(
            select(p.consultant_id, func.count())
            .where(
                open_on(on),
                or_(p.pathway.is_(None), p.pathway != "education"),
                ~_job_running(on, p.id),
            )
            .group_by(p.consultant_id)
        ).all()
    )
    rated = []
    for m in team.members(conn, on):
        if not (m.active and m.open_cases):
            continue
        per_week = contacts_by.get(m.id, 0) / JOB_DEVELOPMENT_WEEKS
        seekers = seekers_by.get(m.id, 0)
        # The scale's rule for few job seekers: 2 contacts a week per seeker is full marks.
        few = seekers < scale.FEW_JOB_SEEKERS
        full = few and per_week >= scale.CONTACTS_PER_SEEKER * seekers
        counted_as = max(per_week, scale.JOB_DEVELOPMENT_FULL) if full else per_week
        rated.append(
            {
                "name": m.name,
                "per_week": round(per_week, 2),
                "looking_for_work": seekers,
                "counted_as": round(counted_as, 2),
            }
        )
    average = round(mean(r["counted_as"] for r in rated), 2) if rated else None
    return _item(
        average,
        scale.job_development_score(average),
        {"consultants": rated},
        M_(
            "face-to-face employer contacts a week over the last 8 weeks, per active "
            "consultant with open cases: contacts about no young person (job development) "
            "and about a young person without a job that day; follow-up with the employer of "
            "someone in a job does not count. Looking for work: an open case not on the "
            "education pathway and without a job on the day. A consultant with fewer than 3 "
            "looking for work and at least 2 contacts a week per one counts as 6 (item 17, "
            "anchor 5). The consultants' figures are averaged and the closest scale point "
            "scores: 6 or more 5, 5 4, 4 3, 2 2, under 2 1; half-way takes the higher"
        ),
    )


def _job_starts(conn: Connection, on: date) -> list[tuple]:
    """The job placements (at a workplace) started in the 12 months before the day."""
    pl = placements.c
    return conn.execute(
        select(pl.kind, pl.employer, pl.job_type).where(
            pl.kind.in_(JOB_KINDS), pl.start > on - YEAR, pl.start <= on
        )
    ).all()


def _diversity_of_jobs(jobs: list[tuple]) -> dict:
    typed = [job_type for _kind, _employer, job_type in jobs if job_type]
    share = round(len(set(typed)) / len(typed), 3) if typed else None
    definition = M_(
        "of the jobs started in the 12 months before the day with a job type recorded "
        "(a DISCO-08 major group: placement add --job-type), the share of distinct types "
        "(item 19: 85 % or more scores 5, 70-84 % 4, 60-69 % 3, 50-59 % 2, under 50 % 1). "
        "Major groups are coarser than the job types a reviewer tells apart, so a review "
        "finds this share or more"
    )
    if not typed:
        definition = M_(
            "not scored: no job type recorded yet (placement add --job-type). {definition}",
            definition=definition,
        )
    return _item(
        share,
        scale.score_at_least(share, scale.DIVERSITY),
        {"jobs": len(jobs), "with_type": len(typed), "types": len(set(typed))},
        definition,
    )


def _diversity_of_employers(jobs: list[tuple]) -> dict:
    # Names compared in Python: SQLite's lower() leaves Æ, Ø and Å as they are.
    named = [" ".join(employer.casefold().split()) for _k, employer, _t in jobs if employer]
    share = round(len(set(named)) / len(named), 3) if named else None
    return _item(
        share,
        scale.score_at_least(share, scale.DIVERSITY),
        {"jobs_with_employer": len(named), "distinct_employers": len(set(named))},
        M_(
            "of the jobs (not schools) started in the 12 months before the day with an "
            "employer named, the share of distinct employers (item 20: 85 % or more scores 5, "
            "70-84 % 4, 60-69 % 3, 50-59 % 2, under 50 % 1)"
        ),
    )


def _competitive_jobs(jobs: list[tuple]) -> dict:
    competitive = sum(1 for kind, _employer, _type in jobs if kind in COMPETITIVE_JOB_KINDS)
    share = round(competitive / len(jobs), 3) if jobs else None
    return _item(
        share,
        scale.score_at_least(share, scale.COMPETITIVE),
        {"job_starts": len(jobs), "competitive": competitive},
        M_(
            "of the jobs started in the 12 months before the day, the share that are ordinary "
            "jobs, flex-jobs or apprenticeships rather than internships or wage subsidy "
            "(item 21: 95 % or more scores 5, 85-94 % 4, 75-84 % 3, 64-74 % 2, under 64 % 1)"
        ),
    )


def _follow_along(conn: Connection, on: date) -> dict:
    pl, p, c = placements.c, participants.c, contacts.c
    month = scale.FOLLOW_ALONG_MONTH_DAYS
    starts = conn.execute(
        select(pl.participant_id, pl.start, pl.end, p.closed_on)
        .join(participants, pl.participant_id == p.id)
        .where(
            pl.kind.in_(COUNTED_PLACEMENT_KINDS),
            pl.start > on - YEAR,
            pl.start <= on - timedelta(days=month),  # its first month has passed
        )
    ).all()
    seen: dict[int, list[date]] = {}
    if starts:
        ids = sorted({pid for pid, *_rest in starts})
        rows = conn.execute(
            select(c.participant_id, c.date).where(
                c.participant_id.in_(ids),
                c.kind.in_(YOUTH_CONTACT_KINDS),
                c.channel == FACE_TO_FACE,
                c.date <= on,
            )
        )
        for pid, day in rows.all():
            seen.setdefault(pid, []).append(day)
    judged = [
        _schedule(start, min(d for d in (on, end, closed) if d is not None), seen.get(pid, []))
        for pid, start, end, closed in starts
    ]
    score = scale.follow_along_score(judged)
    full = sum(1 for s in judged if s.before and s.after and s.first_month and _monthly(s))
    return _item(
        round(full / len(judged), 3) if judged else None,
        score,
        {
            "starts": len(judged),
            "full_schedule": full,
            "weekly_then_monthly": sum(1 for s in judged if s.first_month and _monthly(s)),
            "four_months": sum(1 for s in judged if scale.four_months(s)),
        },
        M_(
            "per job or education started in the 12 months before the day (its first month "
            "passed), the young person's face-to-face youth and three-party contacts against "
            "the scale's schedule: within a week before the start, within 3 days after, in each "
            "of the first 4 weeks, then in every 30 days, for a year; each start is judged on "
            "the part that has passed before the job ended or the case closed. The figure is "
            "the share that kept the whole schedule. Score (ipsung's reading of item 23's "
            "'on average'): 5 when at least half kept the whole schedule, 4 when at least half "
            "had weekly then monthly contact, 3 when at least half had contact in each of the "
            "first 4 months, 2 when fewer did, 1 when none had contact after the first month. "
            "The data cannot show whether contact after working steadily was desired by the "
            "young person, contact within 3 days of a job loss, or support given by others"
        ),
    )


def _schedule(start: date, until: date, days: list[date]):
    """One start's contacts against item 23's schedule, up to `until`."""
    month = scale.FOLLOW_ALONG_MONTH_DAYS

    def contact(first: date, last: date) -> bool:
        return any(first <= d <= min(last, until) for d in days)

    weeks = [
        start + timedelta(days=7 * week)
        for week in range(scale.FOLLOW_ALONG_WEEKS)
        if start + timedelta(days=7 * week) <= until
    ]
    passed = min((until - start).days // month - 1, scale.FOLLOW_ALONG_YEAR_MONTHS - 1)
    passed = max(passed, 0)
    months = sum(
        1
        for m in range(1, passed + 1)
        if contact(start + timedelta(days=month * m), start + timedelta(days=month * m + month - 1))
    )
    return scale.FollowAlong(
        before=contact(
            start - timedelta(days=scale.FOLLOW_ALONG_BEFORE_DAYS), start - timedelta(1)
        ),
        after=contact(start, start + timedelta(days=scale.FOLLOW_ALONG_AFTER_DAYS)),
        first_month=all(contact(w, w + timedelta(days=6)) for w in weeks),
        months=months,
        months_passed=passed,
    )


def _monthly(s) -> bool:
    return s.months == s.months_passed


def data_items(conn: Connection, on: date) -> dict[str, dict]:
    """The data-read items' figures, scores, data and definitions, by item id."""
    jobs = _job_starts(conn, on)
    return {
        "caseload-size": _caseload(conn, on),
        "rapid-job-search": _rapid_job_search(conn, on),
        "job-development-frequency": _job_development(conn, on),
        "diversity-of-jobs": _diversity_of_jobs(jobs),
        "diversity-of-employers": _diversity_of_employers(jobs),
        "competitive-jobs": _competitive_jobs(jobs),
        "follow-along-supports": _follow_along(conn, on),
    }


# --- the whole scale -----------------------------------------------------------------------


def review_scores(conn: Connection, year: int) -> dict[str, tuple[int, str | None]]:
    f = fidelity_scores.c
    rows = conn.execute(select(f.item, f.score, f.note).where(f.year == year))
    return {item: (score, note) for item, score, note in rows.all()}


def fidelity(conn: Connection, year: int, on: date) -> dict:
    """The fidelity document of SPEC §8a for a year, its data read on `on`."""
    measured = data_items(conn, on)
    reviewed = review_scores(conn, year)
    rows = []
    for item in scale.items():
        data = measured.get(item.id) or _item(None, None, {}, "")
        score, source, note = data["score"], "data" if data["score"] is not None else None, None
        if item.id in reviewed:
            (score, note), source = reviewed[item.id], "review"
        rows.append(
            {
                "id": item.id,
                "name": item.name,
                "from_data": item.from_data,
                "score": score,
                "source": source,
                "figure": data["figure"],
                "data": data["data"],
                "definition": data["definition"],
                "review_note": note,
            }
        )
    scored = [r["score"] for r in rows if r["score"] is not None]
    missing = [r["id"] for r in rows if r["score"] is None]
    total = sum(scored) if not missing else None
    return {
        "year": year,
        "on": on,
        "items": rows,
        "total": total,
        "band": scale.band(total) if total is not None else None,
        "missing": missing,
        "reachable": [
            sum(scored) + scale.LOWEST * len(missing),
            sum(scored) + scale.HIGHEST * len(missing),
        ],
    }


def latest_complete(conn: Connection, today: date) -> dict | None:
    """The fidelity document of the latest year with all 25 items scored, if any (the
    committee report shows it)."""
    f = fidelity_scores.c
    years = conn.scalars(select(f.year).distinct().order_by(f.year.desc())).all()
    for year in years:
        document = fidelity(conn, year, measured_on(year, today))
        if document["total"] is not None:
            return document
    return None
