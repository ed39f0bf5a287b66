"""The due list's rules (SPEC §6): what an open case needs, and since when. Pure: no
database, no clock, no words (render/due.py says each item in a sentence).

`reports/due.py` gathers the facts of every open case and asks `due_for_case`;
`reports/capacity.py` counts overdue weekly contacts with `weekly_contact`, the same rule.
"""

from datetime import date, timedelta
from typing import NamedTuple

DUE_REASONS = (
    "weekly-contact",
    "intake-meeting",
    "employer-contact",
    "placement-follow-up",
    "progress-rating",
    "period-review",
    "waitlist",
)
REASON_ORDER = {reason: n for n, reason in enumerate(DUE_REASONS)}
WEEKLY_CONTACT_DAYS = 7  # or, during aftercare, the interval agreed for it
INTAKE_MEETING_DAYS = 14
EMPLOYER_CONTACT_DAYS = 30  # IPS: a rapid job search, first employer contact within 30 days
BASELINE_RATING_DAYS = 14  # the first rating (the baseline) within 14 days of enrolment
PROGRESS_RATING_DAYS = 91
PERIOD_WEEKS = 26
PERIOD_NOTICE_DAYS = 14
# The contacts that follow up a placement that has started: with the young person, a
# three-party meeting, or with the employer.
FOLLOW_UP_KINDS = ("youth", "three-party", "employer")


# The due list's records are named tuples: immutable like frozen dataclasses, and quick
# to make by the ten thousand (a national-scale due list reads every open case).


class Unfollowed(NamedTuple):
    """A placement that has started with no follow-up contact since."""

    start: date
    kind: str


class CaseFacts(NamedTuple):
    """What the due list needs to know about one open case, as of the day asked about."""

    participant_id: int
    consultant: str | None
    enrolled_on: date
    last_youth_contact: date | None = None
    has_three_party: bool = False
    has_employer_contact: bool = False
    last_rating: date | None = None
    unfollowed: tuple[Unfollowed, ...] = ()
    started: bool = False  # a counted placement (job or education) has started
    education_pathway: bool = False
    has_education_contact: bool = False
    reviewed_period: int = 0  # the latest 26-week period reviewed (0: none)
    contact_every: int = WEEKLY_CONTACT_DAYS  # during aftercare: the agreed interval


class DueItem(NamedTuple):
    """One thing to do. `facts` are what its sentence needs, by reason:

    - weekly-contact: (contacted since enrolment, that contact or the enrolment, days ago,
      the interval in days: 7, or during aftercare the one agreed)
    - intake-meeting, employer-contact: (enrolment,)
    - placement-follow-up: (placement kind, start)
    - progress-rating: (rated before, that rating or the enrolment)
    - period-review: (period number, the day it ends, whether that day has passed)
    - waitlist: (referral date, free places in the team)
    """

    participant_id: int
    consultant: str | None
    reason: str
    since: date  # the first day the task was due
    facts: tuple


class WeeklyContact(NamedTuple):
    since: date
    contacted: bool  # a youth or three-party contact since enrolment
    last: date  # that contact's day, or else the enrolment
    quiet_days: int
    every: int


def weekly_contact(
    enrolled: date,
    last_youth_contact: date | None,
    on: date,
    every: int = WEEKLY_CONTACT_DAYS,
):
    """The weekly contact, if it is due on `on`: the last youth or three-party contact
    since enrolment (or, before the first, the enrolment) lies more than 7 days back, or
    during aftercare more than the interval agreed for it. None when it is not due."""
    # The clock starts at enrolment: a contact while waitlisted does not count against it.
    contacted = last_youth_contact is not None and last_youth_contact >= enrolled
    last = last_youth_contact if contacted else enrolled
    quiet = (on - last).days
    if quiet <= every:
        return None
    return WeeklyContact(last + timedelta(days=every + 1), contacted, last, quiet, every)


def period_of(days_enrolled: int) -> int:
    """The 26-week period whose review is due `days_enrolled` days after enrolment: the
    latest whose 14 days of notice before its end have begun (0: none yet). A review held
    on that day is that period's."""
    return (days_enrolled + PERIOD_NOTICE_DAYS) // (PERIOD_WEEKS * 7)


def due_for_case(f: CaseFacts, on: date) -> list[DueItem]:
    """Every reason an open case needs doing on `on`, with the day each became due.

    Run for every open case on each `due` (twelve thousand at national scale), so each
    day count is worked out once."""
    items = []
    enrolled = f.enrolled_on
    days_enrolled = (on - enrolled).days

    def add(reason: str, since: date, *facts) -> None:
        items.append(DueItem(f.participant_id, f.consultant, reason, since, facts))

    weekly = weekly_contact(enrolled, f.last_youth_contact, on, f.contact_every)
    if weekly is not None:
        facts = (weekly.contacted, weekly.last, weekly.quiet_days, weekly.every)
        add("weekly-contact", weekly.since, *facts)
    if not f.has_three_party and days_enrolled >= INTAKE_MEETING_DAYS:
        add("intake-meeting", enrolled + timedelta(days=INTAKE_MEETING_DAYS), enrolled)
    # A rapid job search until something has started; on the education pathway, until the
    # education institution has been contacted.
    searching = not f.started and not (f.education_pathway and f.has_education_contact)
    if searching and not f.has_employer_contact and days_enrolled >= EMPLOYER_CONTACT_DAYS:
        add("employer-contact", enrolled + timedelta(days=EMPLOYER_CONTACT_DAYS), enrolled)
    for p in f.unfollowed:
        add("placement-follow-up", p.start, p.kind, p.start)
    if f.last_rating is None:
        if days_enrolled >= BASELINE_RATING_DAYS:
            add("progress-rating", enrolled + timedelta(days=BASELINE_RATING_DAYS), False, enrolled)
    elif (on - f.last_rating).days > PROGRESS_RATING_DAYS:
        since = f.last_rating + timedelta(days=PROGRESS_RATING_DAYS + 1)
        add("progress-rating", since, True, f.last_rating)
    period = period_of(days_enrolled)
    if period >= 1 and f.reviewed_period < period:
        period_end = enrolled + timedelta(weeks=PERIOD_WEEKS * period)
        since = period_end - timedelta(days=PERIOD_NOTICE_DAYS)
        add("period-review", since, period, period_end, period_end < on)
    return items


def waitlist_item(participant_id: int, referral_date: date, free_in_team: int) -> DueItem:
    return DueItem(participant_id, None, "waitlist", referral_date, (referral_date, free_in_team))


def sort_due(items: list[DueItem]) -> list[DueItem]:
    """Most overdue first (oldest `since`), ties in the order of the reasons, then by case."""
    return sorted(items, key=lambda i: (i.since, REASON_ORDER[i.reason], i.participant_id))
