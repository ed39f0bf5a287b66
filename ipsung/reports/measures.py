"""The outcome definitions of SPEC §8, as pure functions over one fact record per case.

No database here: `outcomes.py` gathers the facts with a few aggregate queries, and these
functions turn any group of cases (the whole cohort, one consultant's, one quarter's)
into the same figures. Every figure with no data behind it is None (`null` in JSON),
never a division by zero.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import median

from dateutil.relativedelta import relativedelta

from ipsung.i18n import M_, Message
from ipsung.rules import QUARTERLY_BANDS, SMALL_COUNT, format_date
from ipsung.vocabulary import (
    COMPETITIVE_JOB_KINDS,
    COUNTED_PLACEMENT_KINDS,
    DIMENSIONS,
    PLACEMENT_KINDS,
)

TARGET_SHARE = 0.5  # the seeds' effect target: at least 50 % start a job or an education
WEEK_ZERO = date(1900, 1, 1)  # a Monday, and the first day a date may have (see weeks.py)
# Back-to-back counted placements are one spell: the next starts at most this long after
# the last one ended (FGU then a vocational school, a job then an apprenticeship).
SPELL_GAP = timedelta(days=14)
# Rapid job search: IPS asks for the first employer contact within 30 days of enrolment.
RAPID_SEARCH_DAYS = 30
# On the education pathway the first contact with a school counts as the first step of
# the search (contact kind `education`), beside an employer contact.
EDUCATION_PATHWAY = "education"


def definitions() -> dict[str, Message]:
    """What each figure means, printed with the figures (built on each call, so that the
    words follow the language chosen for the command; JSON has them in English)."""
    return {
        "cohort": M_(
            "the young people enrolled between --from and --to (waitlisted cases join when "
            "they are enrolled); with --min-followup MONTHS, only those enrolled at least that "
            "many calendar months before today (the enrolment day plus the months is on or "
            "before today), or closed at any time"
        ),
        "started_job_or_education": M_(
            "at least one placement of kind ordinary-job, flex-job, education, fgu or "
            "apprenticeship started on or after enrolment; internship and wage-subsidy are "
            "reported but do not count"
        ),
        "share": M_("started / cohort size, against the target 50 %"),
        "by_kind": M_("placements of each kind started by the cohort (all kinds)"),
        "retained": M_(
            "of the first counted starts that began at least 13 (26) weeks ago, the share still "
            "in a job or education 13 (26) weeks after that start. Back-to-back counted "
            "placements are one spell (the next starts at most 14 days after the last one "
            "ended, e.g. FGU then a vocational school, a job then an apprenticeship); the spell "
            "ends at closing, even if a placement was never ended, because a closed case is "
            "no longer followed"
        ),
        "median_days_to_first_employer_contact": M_(
            "days from enrolment to the first employer contact for the young person (any "
            "channel, on or after enrolment); on the education pathway a contact with an "
            "education institution (contact kind education) counts too. The median is of the "
            "cases that have such a contact (how many is given beside it); cases still without "
            "one are left out of the median, and counted in the share within 30 days"
        ),
        "first_employer_contact_within_30d": M_(
            "of the cases enrolled at least 30 days before today (long enough to tell), the "
            "share whose first employer contact (education pathway: or education contact) came "
            "within 30 days of enrolment; a case with none yet counts as not within (IPS asks "
            "for a rapid job search: the first employer contact within 30 days)"
        ),
        "median_days_to_first_start": M_("days from enrolment to the first counted start"),
        "weekly_contact_rate": M_(
            "of the full calendar weeks (Monday-Sunday) in which a case was open, the share "
            "with at least one youth or three-party contact"
        ),
        "progress": M_(
            "mean change from the first to the latest rating on each dimension (1-5), for "
            "cases rated at least twice"
        ),
        "quarterly": M_(
            "per calendar quarter, the cases open during it and two rates: in a job (an "
            "ordinary job, flex-job or apprenticeship at some time in the quarter; the IPS "
            "Employment Center's competitive employment rate), read against its bands 31 % "
            "minimal, 41 % average, 50 % excellent; and in a job or an education (any counted "
            "placement: the seeds' own goal), read against the target 50 %"
        ),
        "aftercare": M_(
            "cases of the cohort with at least one aftercare period; the median length in days "
            "of the aftercare periods that have ended (start to end; periods still running are "
            "not in it); and of those ended periods, the share where a counted placement (a "
            "job or an education) was still running on the day the period ended"
        ),
    }


@dataclass
class Placed:
    kind: str
    start: date
    end: date | None


@dataclass
class Period:
    """An aftercare period (efterværn); end None while it runs."""

    start: date
    end: date | None


@dataclass(slots=True)
class CaseOutcome:
    """What the figures need to know about one enrolled case."""

    id: int
    enrolled_on: date
    closed_on: date | None
    consultant: str | None
    referred_by: str
    pathway: str | None = None
    track: str | None = None
    placements: list[Placed] = field(default_factory=list)  # started on/after enrolment
    first_employer_contact: date | None = None  # on or after enrolment
    first_education_contact: date | None = None  # on or after enrolment
    contact_weeks: int = 0  # full open weeks with a youth or three-party contact
    first_rating: tuple[int, int, int] | None = None
    latest_rating: tuple[int, int, int] | None = None
    rated_twice: bool = False  # a first and a latest rating that are not the same one
    aftercare: list[Period] = field(default_factory=list)
    # Worked out once here (not on every reading), since every figure asks; so give all
    # placements and contacts at construction. `starts`: the counted starts, earliest
    # first; `first_start`: the first of them; `spell_end`: the last day of the spell that
    # begins with it (None while it runs); `first_search_contact`: the first contact that
    # starts the search (employer; on the education pathway, employer or education).
    starts: list[Placed] = field(init=False)
    first_start: Placed | None = field(init=False)
    spell_end: date | None = field(init=False)
    first_search_contact: date | None = field(init=False)

    def __post_init__(self) -> None:
        starts = (
            sorted(
                (p for p in self.placements if p.kind in COUNTED_PLACEMENT_KINDS),
                key=lambda p: p.start,
            )
            if self.placements
            else []
        )
        self.starts = starts
        self.first_start = starts[0] if starts else None
        self.spell_end = first_spell_end(starts, self.closed_on) if starts else None
        contact, school = self.first_employer_contact, self.first_education_contact
        if school is not None and self.pathway == EDUCATION_PATHWAY:
            if contact is None or school < contact:
                contact = school
        self.first_search_contact = contact


def first_spell_end(starts: list[Placed], closed_on: date | None) -> date | None:
    """The last day of the spell in a job or education that begins with the first counted
    start (`starts` sorted by start), or None while it runs.

    A counted placement that starts while the spell runs, or at most SPELL_GAP after its
    end so far, continues it. The spell ends at closing at the latest: a closed case is no
    longer followed, so a placement never ended is not known to have lasted.
    """
    end = starts[0].end
    for p in starts[1:]:
        if end is None or p.start > end + SPELL_GAP:
            break
        end = None if p.end is None else max(end, p.end)
    if closed_on is not None and (end is None or closed_on < end):
        end = closed_on
    return end


def followup_cutoff(today: date, months: int) -> date:
    """The last enrolment day with at least `months` calendar months of follow-up by
    `today`: the latest day d with d + months <= today.

    Not simply today - months: at the end of a month the two differ (on 28 February 2026,
    31 August 2025 plus 6 months is 28 February 2026, while 28 February minus 6 months is
    28 August)."""
    day = today - relativedelta(months=months)
    while (day + timedelta(days=1)) + relativedelta(months=months) <= today:
        day += timedelta(days=1)
    return day


def cohort_rule(from_: date | None, to: date | None, today: date, min_followup: int | None) -> dict:
    """The rule that chose the cohort, for scripts and in words."""
    if from_ or to:
        text = M_("enrolled {a} to {b}", a=format_date(from_) or "…", b=format_date(to) or "…")
    else:
        text = M_("all enrolments")
    cutoff = None
    if min_followup is not None:
        cutoff = followup_cutoff(today, min_followup)
        text = M_(
            "{period}; only cases enrolled on or before {cutoff} (at least {months} calendar "
            "months before {today}) or closed",
            period=text,
            cutoff=format_date(cutoff),
            months=min_followup,
            today=format_date(today),
        )
    return {"min_followup_months": min_followup, "enrolled_on_or_before": cutoff, "text": text}


# Week numbers from ordinal day numbers: the weekly contact rate works out two for every
# case, and integer arithmetic is several times quicker than date arithmetic.
_WEEK_ZERO_ORDINAL = WEEK_ZERO.toordinal()


def _week(ordinal: int) -> int:
    return (ordinal - _WEEK_ZERO_ORDINAL) // 7


def week_number(day: date) -> int:
    """Whole weeks since Monday 1 January 1900: what weeks.contact_week is in SQL."""
    return _week(day.toordinal())


def full_weeks(enrolled_on: date, last_open_day: date) -> tuple[int, int]:
    """First and last week number fully inside [enrolled_on, last_open_day]; empty if first > last.

    The first is the week holding the day 6 days after enrolment; the last is the week
    before the one holding the day after the last open day (the same as the week of 6
    days before it, but never below week 0: outcomes.py asks SQL this)."""
    return _week(enrolled_on.toordinal() + 6), _week(last_open_day.toordinal() + 1) - 1


def last_open_day(case: CaseOutcome, today: date) -> date:
    return min(case.closed_on, today) if case.closed_on else today


def _share(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _median(values: list[int]) -> float | None:
    return median(values) if values else None


def retained(cases: list[CaseOutcome], weeks: int, today: date) -> tuple[float | None, int]:
    """Share of first counted starts old enough to tell whose spell (see first_spell_end)
    lasted `weeks`, and how many starts that share is of."""
    window = timedelta(weeks=weeks)
    old_enough = [
        c for c in cases if c.first_start is not None and c.first_start.start + window <= today
    ]
    lasted = [
        c for c in old_enough if c.spell_end is None or c.spell_end >= c.first_start.start + window
    ]
    return _share(len(lasted), len(old_enough)), len(old_enough)


def first_contact(cases: list[CaseOutcome], today: date) -> dict:
    """Rapid job search: the median days to the first search contact and how many cases it
    is of; the share of cases enrolled RAPID_SEARCH_DAYS ago or more whose first contact
    came within those days, and how many cases that share is of."""
    days = [(c.first_search_contact - c.enrolled_on).days for c in cases if c.first_search_contact]
    window = timedelta(days=RAPID_SEARCH_DAYS)
    tellable = [c for c in cases if c.enrolled_on + window <= today]
    within = [
        c
        for c in tellable
        if c.first_search_contact is not None and c.first_search_contact - c.enrolled_on <= window
    ]
    return {
        "median_days_to_first_employer_contact": _median(days),
        "median_days_to_first_employer_contact_of": len(days),
        "first_employer_contact_within_30d": _share(len(within), len(tellable)),
        "first_employer_contact_within_30d_count": len(within),
        "first_employer_contact_within_30d_of": len(tellable),
    }


def weekly_contact_rate(cases: list[CaseOutcome], today: date) -> tuple[float | None, int]:
    weeks = 0
    for case in cases:
        first, last = full_weeks(case.enrolled_on, last_open_day(case, today))
        weeks += max(0, last - first + 1)
    return _share(sum(c.contact_weeks for c in cases), weeks), weeks


def progress_change(cases: list[CaseOutcome]) -> dict:
    rated = [c for c in cases if c.rated_twice]
    result: dict = {"rated_twice": len(rated)}
    for i, dimension in enumerate(DIMENSIONS):
        changes = [c.latest_rating[i] - c.first_rating[i] for c in rated]
        result[dimension] = round(sum(changes) / len(changes), 2) if changes else None
    return result


def aftercare(cases: list[CaseOutcome]) -> dict:
    """Aftercare: cases that went into it, the median length of the periods that ended,
    and of those, how many ended with a counted placement still running."""
    ended = [(c, p) for c in cases for p in c.aftercare if p.end is not None]
    in_work = [
        1
        for c, period in ended
        if any(s.start <= period.end and (s.end is None or s.end >= period.end) for s in c.starts)
    ]
    return {
        "cases": sum(1 for c in cases if c.aftercare),
        "periods": sum(len(c.aftercare) for c in cases),
        "ended_periods": len(ended),
        "median_days_of_ended_periods": _median([(p.end - p.start).days for _c, p in ended]),
        "in_job_or_education_at_end": _share(len(in_work), len(ended)),
        "in_job_or_education_at_end_count": len(in_work),
    }


def figures(cases: list[CaseOutcome], today: date) -> dict:
    """Every figure of SPEC §8 for one group of cases."""
    started = [c for c in cases if c.first_start is not None]
    share = _share(len(started), len(cases))
    by_kind = dict.fromkeys(PLACEMENT_KINDS, 0)
    for case in cases:
        for p in case.placements:
            by_kind[p.kind] += 1
    retained_13w, tellable_13w = retained(cases, 13, today)
    retained_26w, tellable_26w = retained(cases, 26, today)
    contact_rate, open_weeks = weekly_contact_rate(cases, today)
    return {
        "cohort": len(cases),
        "started_job_or_education": len(started),
        "share": share,
        "target": TARGET_SHARE,
        "target_met": share is not None and share >= TARGET_SHARE,
        "by_kind": by_kind,
        "retained_13w": retained_13w,
        "retained_13w_of": tellable_13w,
        "retained_26w": retained_26w,
        "retained_26w_of": tellable_26w,
        **first_contact(cases, today),
        "median_days_to_first_start": _median(
            [(c.first_start.start - c.enrolled_on).days for c in started]
        ),
        "weekly_contact_rate": contact_rate,
        "open_weeks": open_weeks,
        "progress": progress_change(cases),
        "aftercare": aftercare(cases),
    }


def progress_means(cases: list[CaseOutcome]) -> dict:
    """Mean first and latest rating per dimension, over cases rated at least twice; hidden
    when fewer than 5 such cases."""
    rated = [c for c in cases if c.rated_twice]
    result = {"rated": len(rated), "first": {}, "latest": {}}
    for i, dim in enumerate(DIMENSIONS):
        enough = len(rated) >= SMALL_COUNT
        result["first"][dim] = (
            sum(c.first_rating[i] for c in rated) / len(rated) if enough else None
        )
        result["latest"][dim] = (
            sum(c.latest_rating[i] for c in rated) / len(rated) if enough else None
        )
    return result


# --- quarters ---------------------------------------------------------------------------


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    start = date(year, 3 * quarter - 2, 1)
    return start, start + relativedelta(months=3, days=-1)


def band(share: float | None) -> str | None:
    if share is None:
        return None
    return next((name for floor, name in QUARTERLY_BANDS if share >= floor), "below minimal")


def _quarter_index(day: date) -> int:
    """Quarters counted from year 0: consecutive quarters have consecutive numbers."""
    return day.year * 4 + (day.month - 1) // 3


def quarterly(cases: list[CaseOutcome], today: date) -> list[dict]:
    """Per calendar quarter since the first enrolment: the cases open during it; of them,
    the share in a competitive job during it (read against the IPS bands), and the share
    in a job or an education during it (read against the target).

    A case is open in the quarters from its enrolment's to its closing's (or today's), and
    in a job in a quarter that one of its job placements overlaps while it is open. Worked
    out per case as ranges of quarter numbers, not per quarter over every case: at 20,000
    cases and three years that is a few thousand steps instead of a quarter of a million.
    """
    if not cases:
        return []
    first = min(_quarter_index(c.enrolled_on) for c in cases)
    last = _quarter_index(today)
    size = last - first + 1
    open_cases, in_job, in_either = [0] * size, [0] * size, [0] * size
    for c in cases:
        low = _quarter_index(c.enrolled_on)
        high = min(_quarter_index(c.closed_on), last) if c.closed_on else last
        for q in range(low, high + 1):
            open_cases[q - first] += 1
        job: set[int] = set()
        either: set[int] = set()
        for p in c.starts:
            span = range(
                max(_quarter_index(p.start), low),
                min(_quarter_index(p.end), high) + 1 if p.end else high + 1,
            )
            either.update(span)
            if p.kind in COMPETITIVE_JOB_KINDS:
                job.update(span)
        for q in job:
            in_job[q - first] += 1
        for q in either:
            in_either[q - first] += 1
    rows = []
    for i in range(size):
        year, q = divmod(first + i, 4)
        start, end = quarter_bounds(year, q + 1)
        job_rate = _share(in_job[i], open_cases[i])
        either_rate = _share(in_either[i], open_cases[i])
        rows.append(
            {
                "quarter": f"{year}-Q{q + 1}",
                "start": start,
                "end": end,
                "partial": end > today,
                "open_cases": open_cases[i],
                "in_job": in_job[i],
                "job_rate": job_rate,
                "job_band": band(job_rate),
                "in_job_or_education": in_either[i],
                "job_or_education_rate": either_rate,
                "job_or_education_target_met": either_rate is not None
                and either_rate >= TARGET_SHARE,
            }
        )
    return rows
