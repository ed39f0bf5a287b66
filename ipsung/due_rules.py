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
WEEKLY_CONTACT_DAYS = 7
INTAKE_MEETING_DAYS = 14
EMPLOYER_CONTACT_DAYS = 30  # IPS: a rapid job search, first employer contact within 30 days
FOLLOW_UP_DAYS = 3
PROGRESS_RATING_DAYS = 91
PERIOD_WEEKS = 26
PERIOD_NOTICE_DAYS = 14


# The due list's records are named tuples: immutable like frozen dataclasses, and quick
# to make by the ten thousand (a national-scale due list reads every open case).


class RecentPlacement(NamedTuple):
    start: date
    kind: str
    contact_since_start: bool


class CaseFacts(NamedTuple):
    """What the due list needs to know about one open case, as of the day asked about."""

    participant_id: int
    consultant: str | None
    enrolled_on: date
    last_youth_contact: date | None = None
    has_three_party: bool = False
    has_employer_contact: bool = False
    last_rating: date | None = None
    recent_placements: tuple[RecentPlacement, ...] = ()


class DueItem(NamedTuple):
    """One thing to do. `facts` are what its sentence needs, by reason:

    - weekly-contact: (contacted since enrolment, that contact or the enrolment, days ago)
    - intake-meeting, employer-contact: (enrolment,)
    - placement-follow-up: (placement kind, start)
    - progress-rating: (rated before, that rating or the enrolment)
    - period-review: (period number, the day it ends)
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


def weekly_contact(enrolled: date, last_youth_contact: date | None, on: date):
    """The weekly contact, if it is due on `on`: the last youth or three-party contact
    since enrolment (or, before the first, the enrolment) lies more than 7 days back.
    None when it is not due."""
    # The clock starts at enrolment: a contact while waitlisted does not count against it.
    contacted = last_youth_contact is not None and last_youth_contact >= enrolled
    last = last_youth_contact if contacted else enrolled
    quiet = (on - last).days
    if quiet <= WEEKLY_CONTACT_DAYS:
        return None
    return WeeklyContact(last + timedelta(days=WEEKLY_CONTACT_DAYS + 1), contacted, last, quiet)


def due_for_case(f: CaseFacts, on: date) -> list[DueItem]:
    """Every reason an open case needs doing on `on`, with the day each became due.

    Run for every open case on each `due` (twelve thousand at national scale), so each
    day count is worked out once."""
    items = []
    enrolled = f.enrolled_on
    days_enrolled = (on - enrolled).days

    def add(reason: str, since: date, *facts) -> None:
        items.append(DueItem(f.participant_id, f.consultant, reason, since, facts))

    weekly = weekly_contact(enrolled, f.last_youth_contact, on)
    if weekly is not None:
        add("weekly-contact", weekly.since, weekly.contacted, weekly.last, weekly.quiet_days)
    if not f.has_three_party and days_enrolled >= INTAKE_MEETING_DAYS:
        add("intake-meeting", enrolled + timedelta(days=INTAKE_MEETING_DAYS), enrolled)
    if not f.has_employer_contact and days_enrolled >= EMPLOYER_CONTACT_DAYS:
        add("employer-contact", enrolled + timedelta(days=EMPLOYER_CONTACT_DAYS), enrolled)
    for p in f.recent_placements:
        if 0 <= (on - p.start).days <= FOLLOW_UP_DAYS and not p.contact_since_start:
            add("placement-follow-up", p.start, p.kind, p.start)
    rated = f.last_rating or enrolled
    if (on - rated).days > PROGRESS_RATING_DAYS:
        since = rated + timedelta(days=PROGRESS_RATING_DAYS + 1)
        add("progress-rating", since, f.last_rating is not None, rated)
    number, days_left = next_period_end(days_enrolled)
    if days_left <= PERIOD_NOTICE_DAYS:
        period_end = on + timedelta(days=days_left)
        add("period-review", period_end - timedelta(days=PERIOD_NOTICE_DAYS), number, period_end)
    return items


def next_period_end(days_enrolled: int) -> tuple[int, int]:
    """The first 26-week period since enrolment that ends on or after the day asked about,
    `days_enrolled` days after enrolment: its number, and the days left until it ends."""
    length = PERIOD_WEEKS * 7
    number = max(1, -(-days_enrolled // length))  # ceiling division
    return number, number * length - days_enrolled


def waitlist_item(participant_id: int, referral_date: date, free_in_team: int) -> DueItem:
    return DueItem(participant_id, None, "waitlist", referral_date, (referral_date, free_in_team))


def sort_due(items: list[DueItem]) -> list[DueItem]:
    """Most overdue first (oldest `since`), ties in the order of the reasons, then by case."""
    return sorted(items, key=lambda i: (i.since, REASON_ORDER[i.reason], i.participant_id))
