"""The IPS Supported Employment Fidelity Scale (Becker, Swanson, Bond & Merrens, 2008; the
"IPS-25"), as its items and anchors are printed, and the pure rules that score a figure.

Pure: no database, no clock. `reports/fidelity.py` reads the figures of the items the data
can answer; the yearly review scores the rest (`ipsung fidelity score`). Each anchor table
below quotes the item's criterion and anchors (abridged) beside it. Item ids are stable:
scripts and the JSON documents use them, whatever the language.
"""

from typing import NamedTuple

from ipsung.i18n import M_, Message


class Item(NamedTuple):
    id: str
    name: Message  # said in the language in use; in English in JSON
    from_data: bool  # ipsung reads a figure and a score from the caseload


def items() -> tuple[Item, ...]:
    """The 25 items in the scale's order (staffing 1-3, organisation 4-11, services 12-25)."""
    return (
        Item("caseload-size", M_("Caseload size"), True),
        Item("employment-services-staff", M_("Employment services staff"), False),
        Item("vocational-generalists", M_("Vocational generalists"), False),
        Item(
            "integration-team-assignment",
            M_(
                "Integration of rehabilitation with mental health treatment through team assignment"
            ),
            False,
        ),
        Item(
            "integration-team-contact",
            M_(
                "Integration of rehabilitation with mental health treatment through frequent "
                "team member contact"
            ),
            False,
        ),
        Item(
            "caseworker-collaboration",
            M_("Collaboration between employment specialists and vocational rehabilitation"),
            False,
        ),
        Item("vocational-unit", M_("Vocational unit"), False),
        Item("employment-supervisor", M_("Role of employment supervisor"), False),
        Item("zero-exclusion", M_("Zero exclusion criteria"), False),
        Item("competitive-employment-focus", M_("Agency focus on competitive employment"), False),
        Item("executive-support", M_("Executive team support for supported employment"), False),
        Item("work-incentives-planning", M_("Work incentives planning"), False),
        Item("disclosure", M_("Disclosure"), False),
        Item("work-based-assessment", M_("Ongoing, work-based vocational assessment"), False),
        Item("rapid-job-search", M_("Rapid search for competitive job"), True),
        Item("individualized-job-search", M_("Individualized job search"), False),
        Item("job-development-frequency", M_("Job development: frequent employer contact"), True),
        Item("job-development-quality", M_("Job development: quality of employer contact"), False),
        Item("diversity-of-jobs", M_("Diversity of job types"), True),
        Item("diversity-of-employers", M_("Diversity of employers"), True),
        Item("competitive-jobs", M_("Competitive jobs"), True),
        Item("individualized-follow-along", M_("Individualized follow-along supports"), False),
        Item("follow-along-supports", M_("Time-unlimited follow-along supports"), True),
        Item("community-based-services", M_("Community-based services"), False),
        Item(
            "assertive-engagement",
            M_("Assertive engagement and outreach by integrated treatment team"),
            False,
        ),
    )


def item_ids() -> tuple[str, ...]:
    return tuple(i.id for i in items())


LOWEST, HIGHEST = 1, 5

# The total of all 25 items, read against the scale's bands (highest floor first).
# "115-125 = Exemplary fidelity; 100-114 = Good fidelity; 74-99 = Fair fidelity;
#  73 and below = Not supported employment"
BANDS = ((115, "exemplary"), (100, "good"), (74, "fair"), (0, "not-ips"))


def band(total: int) -> str:
    return next(name for floor, name in BANDS if total >= floor)


# Item 1, Caseload size: "The maximum caseload for any full-time employment specialist
# is 20 or fewer clients." 5 = 20 or fewer; 4 = 21-25; 3 = 26-30; 2 = 31-40;
# 1 = 41 or more clients per employment specialist.
CASELOAD = ((20, 5), (25, 4), (30, 3), (40, 2))  # clients, at most

# Item 15, Rapid search for competitive job: "first face-to-face employer contact by the
# client or the employment specialist about a competitive job occurs within 30 days (one
# month) after program entry." 5 = 30 days or less; 4 = 31-60 days; 3 = 61-150 days;
# 2 = 151-270 days; 1 = 271 days or more (on average).
RAPID_JOB_SEARCH = ((30, 5), (60, 4), (150, 3), (270, 2))  # days, at most

# Item 17, Job development - frequent employer contact: "Each employment specialist makes
# at least 6 face-to-face employer contacts per week on behalf of clients looking for
# work. (Rate for each then calculate average and use the closest scale point.)"
# 1 = less than 2; 2 = 2; 3 = 4; 4 = 5; 5 = 6 or more face-to-face employer contacts a
# week, "or 2 employer contacts times the number of people looking for work when there
# are less than 3 people looking for work on their caseload (e.g., new program)".
JOB_DEVELOPMENT_POINTS = ((6, 5), (5, 4), (4, 3), (2, 2))  # contacts a week -> score
JOB_DEVELOPMENT_FULL = 6
FEW_JOB_SEEKERS = 3  # fewer than this many looking for work: the 2-per-seeker rule
CONTACTS_PER_SEEKER = 2

# Items 19 and 20, Diversity of job types / of employers: "Employment specialists assist
# clients in obtaining different types of jobs" / "jobs with different employers".
# 5 = 85-100 %; 4 = 70-84 %; 3 = 60-69 %; 2 = 50-59 %; 1 = less than 50 %.
DIVERSITY = ((0.85, 5), (0.70, 4), (0.60, 3), (0.50, 2))  # share, at least

# Item 21, Competitive jobs: "Employment specialists provide competitive job options that
# have permanent status rather than temporary or time-limited status."
# 5 = 95 % or more; 4 = 85-94 %; 3 = 75-84 %; 2 = 64-74 %; 1 = less than 64 %.
COMPETITIVE = ((0.95, 5), (0.85, 4), (0.75, 3), (0.64, 2))  # share, at least

# Item 23, Time-unlimited follow-along supports: "Employment specialists have face-to-face
# contact within 1 week before starting a job, within 3 days after starting a job, weekly
# for the first month, and at least monthly for a year or more, on average, after working
# steadily, and desired by clients." 5 = that schedule; 4 = weekly for the first month and
# at least monthly for a year or more, on average; 3 = face-to-face contact with at least
# half of the working clients for at least 4 months after starting a job; 2 = with less
# than half of them for at least 4 months; 1 = no face-to-face contact after the first
# month of starting a job.
FOLLOW_ALONG_BEFORE_DAYS = 7
FOLLOW_ALONG_AFTER_DAYS = 3
FOLLOW_ALONG_WEEKS = 4  # the first month, week by week
FOLLOW_ALONG_MONTH_DAYS = 30
FOLLOW_ALONG_YEAR_MONTHS = 12
FOLLOW_ALONG_SOME_MONTHS = 4


def score_at_most(value: float | None, anchors) -> int | None:
    """The score of a figure where less is better (caseload, days)."""
    if value is None:
        return None
    return next((score for limit, score in anchors if value <= limit), LOWEST)


def score_at_least(value: float | None, anchors) -> int | None:
    """The score of a figure where more is better (shares)."""
    if value is None:
        return None
    return next((score for floor, score in anchors if value >= floor), LOWEST)


def job_development_score(contacts_a_week: float | None) -> int | None:
    """Item 17's closest scale point: under 2 scores 1; otherwise the scale point nearest
    to the figure among 2, 4, 5 and 6 contacts a week (6 or more scores 5); a figure
    half-way between two points takes the higher."""
    if contacts_a_week is None:
        return None
    if contacts_a_week < JOB_DEVELOPMENT_POINTS[-1][0]:
        return LOWEST
    if contacts_a_week >= JOB_DEVELOPMENT_FULL:
        return HIGHEST
    # Nearest point; on a tie the larger point (the higher score) wins.
    _point, score = min(
        JOB_DEVELOPMENT_POINTS, key=lambda ps: (abs(contacts_a_week - ps[0]), -ps[0])
    )
    return score


class FollowAlong(NamedTuple):
    """What one start's youth and three-party face-to-face contacts show against item 23's
    schedule, judged on the part of it that has passed by the day (until the job ended or
    the case closed, at most a year)."""

    before: bool  # a contact in the week before the start
    after: bool  # within 3 days after (the start day included)
    first_month: bool  # in each of the first four weeks
    months: int  # of the months after the first that have passed, those with a contact
    months_passed: int  # months after the first that have passed (at most 11)


def follow_along_score(starts: list[FollowAlong]) -> int | None:
    """Item 23 for the team, ipsung's reading of "on average": the highest anchor that at
    least half of the starts meet; 2 when some but fewer than half had contact for 4
    months; 1 when none had contact after the first month."""
    if not starts:
        return None
    half = len(starts) / 2

    def monthly(s: FollowAlong) -> bool:
        return s.months == s.months_passed  # every month that has passed had a contact

    full = sum(1 for s in starts if s.before and s.after and s.first_month and monthly(s))
    if full >= half:
        return 5
    if sum(1 for s in starts if s.first_month and monthly(s)) >= half:
        return 4
    kept_four_months = sum(1 for s in starts if four_months(s))
    if kept_four_months >= half:
        return 3
    if kept_four_months or any(s.months for s in starts):
        return 2
    return 1


def four_months(s: FollowAlong) -> bool:
    """Contact in each of the first 4 months after the start (as far as they have passed):
    the first month's weeks, then months 2 to 4."""
    wanted = min(FOLLOW_ALONG_SOME_MONTHS - 1, s.months_passed)
    return s.first_month and s.months >= wanted
