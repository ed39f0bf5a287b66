"""Pure domain rules of IPS Ung: dates, age, CPR, ICD-10, screening, capacity.

No database, no clock: every rule that depends on the day takes `today` (or `on`) as an
argument. The reference lists come from `refdata`, which reads the shipped data files
once; to these rules they are constants.

Error messages name the option and the value typed, except for CPR numbers, which are
never echoed (they identify a person).
"""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from ipsung.errors import BadInput
from ipsung.i18n import _
from ipsung.store import refdata

# --- echoing what was typed -------------------------------------------------------------

_CPR_LIKE = re.compile(r"\d{6}-?\d{4}")


def shown(text: str) -> str:
    """What an error message may repeat of a typed value: never a CPR-like number (it
    identifies a person, and may sit in the wrong column of a spreadsheet)."""
    value = text.strip()
    return _("(a CPR-like number)") if _CPR_LIKE.search(value) else value


# --- dates -------------------------------------------------------------------------

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
# Day first, one separator used throughout: 23-11-2026, 23.11.2026, 23/11/2026, 23/11/26.
_DAY_FIRST = re.compile(r"(\d{1,2})([-./])(\d{1,2})\2(\d{4}|\d{2})")
_TODAY_WORDS = {"today", "i dag", "idag"}
EARLIEST_YEAR, LATEST_YEAR = 1900, 2199
_YESTERDAY_WORDS = {"yesterday", "i går", "igår"}


def parse_date(text: str, today: date, option: str = "date") -> date:
    """Read a date the way Danes write it.

    ISO `2026-11-23` is tried first and never read day-first; two-digit years are 20YY.
    An impossible date is an error that names the value.
    """
    value = " ".join(text.strip().lower().split())
    if value in _TODAY_WORDS:
        return today
    if value in _YESTERDAY_WORDS:
        return today - timedelta(days=1)
    if m := _ISO.fullmatch(value):
        year, month, day = (int(g) for g in m.groups())
    elif m := _DAY_FIRST.fullmatch(value):
        day, month, year = int(m[1]), int(m[3]), int(m[4])
        if len(m[4]) == 2:
            year += 2000
    else:
        raise BadInput(
            _("{option}: '{value}' is not a date; write it day first, e.g. 23-11-2026").format(
                option=option, value=shown(text)
            )
        )
    try:
        parsed = date(year, month, day)
    except ValueError:
        raise BadInput(
            _("{option}: '{value}' is not a real date").format(option=option, value=shown(text))
        ) from None
    if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
        # Nothing in a caseload lies there, and dates near year 9999 overflow arithmetic.
        raise BadInput(
            _("{option}: '{value}' lies outside {first}-{last}").format(
                option=option, value=shown(text), first=EARLIEST_YEAR, last=LATEST_YEAR
            )
        )
    return parsed


def not_in_future(day: date, today: date, option: str = "date") -> date:
    """Things that already happened (contacts, intake, placements) cannot lie ahead."""
    if day > today:
        raise BadInput(
            _("{option}: {day} lies in the future").format(option=option, day=format_date(day))
        )
    return day


def same_name(a: str, b: str) -> bool:
    """Two spellings of one name, in any case (Æ, Ø and Å too)."""
    # In Python, not SQL: SQLite's lower() leaves Æ, Ø and Å as they are.
    return a.casefold() == b.casefold()


def format_date(day: date | None) -> str:
    """Danish display form, dd-mm-yyyy."""
    # Not strftime: several times slower, and the due list formats thousands of dates.
    return f"{day.day:02d}-{day.month:02d}-{day.year:04d}" if day else ""


# --- age -----------------------------------------------------------------------------


def age_on(birth: date, on: date) -> int:
    """Age in whole years on a date, birthdays counted exactly.

    A 29 February birthday falls on 1 March in common years: on 28 February the
    birthday has not yet come, because (2, 28) < (2, 29).
    """
    before_birthday = (on.month, on.day) < (birth.month, birth.day)
    return on.year - birth.year - before_birthday


# --- CPR -----------------------------------------------------------------------------

_CPR = re.compile(r"(\d{2})(\d{2})(\d{2})-?(\d)(\d{3})")


@dataclass(frozen=True)
class Cpr:
    """A Danish personal identity number (CPR-nummer), kept as its ten digits."""

    digits: str
    birth_date: date

    @property
    def masked(self) -> str:
        return mask_cpr(self.digits)


def cpr_century(seventh_digit: int, year: int) -> int:
    """The century a CPR number's two-digit year lies in, from its 7th digit (CPR office table)."""
    if seventh_digit <= 3:
        return 1900
    if seventh_digit in (4, 9):
        return 2000 if year <= 36 else 1900
    return 2000 if year <= 57 else 1800  # digits 5-8


def parse_cpr(text: str) -> Cpr:
    """Read `DDMMYY-SSSS` or `DDMMYYSSSS`.

    No modulus-11 check: numbers issued since 2007 may fail it. The date part must be
    a real date. Errors never repeat the number.
    """
    m = _CPR.fullmatch(text.strip())
    if not m:
        raise BadInput(_("--cpr: write the CPR number as DDMMYY-SSSS (ten digits)"))
    day, month, year, seventh = int(m[1]), int(m[2]), int(m[3]), int(m[4])
    try:
        birth = date(cpr_century(seventh, year) + year, month, day)
    except ValueError:
        raise BadInput(_("--cpr: the first six digits are not a real date (DDMMYY)")) from None
    return Cpr(digits=m[1] + m[2] + m[3] + m[4] + m[5], birth_date=birth)


def mask_cpr(digits: str | None) -> str | None:
    """`DDMMYY-XXXX`: the birth date part only, as shown everywhere but --reveal-cpr."""
    if not digits:
        return None
    return f"{digits[:6]}-XXXX"


def format_cpr(digits: str | None) -> str | None:
    return f"{digits[:6]}-{digits[6:]}" if digits else None


# --- ICD-10 chapter F --------------------------------------------------------------------

_ICD10 = re.compile(r"D?F(\d{2})(?:\.?(\d))?")


def parse_diagnosis(text: str) -> str:
    """Normalise an ICD-10 chapter F code to `F90` or `F90.0`.

    Accepts `F90`, `F90.0`, `f900` and the Danish SKS forms `DF900` and `DF90.0`.
    A code that is not an F code or not a real code shape, or a category that does
    not exist (e.g. F47), is bad input.
    """
    value = text.strip().upper()
    m = _ICD10.fullmatch(value)
    if not m:
        raise BadInput(
            _("--diagnosis: '{value}' is not an ICD-10 chapter F code (e.g. F90 or DF84.0)").format(
                value=shown(text)
            )
        )
    category = f"F{m[1]}"
    if category not in refdata.icd10_categories():
        raise BadInput(
            _("--diagnosis: {category} is not an ICD-10 chapter F category").format(
                category=category
            )
        )
    return f"{category}.{m[2]}" if m[2] else category


def _category_number(code: str) -> int:
    return int(code[1:3])


def diagnosis_qualifies(code: str) -> bool:
    """F20–F69 and F80–F99 put a young person in the target group.

    F00–F09 (organic) and F10–F19 (substance use, judged by the A–E scale instead) do
    not qualify on their own; F70–F79 (intellectual disability) fail cognition instead.
    """
    n = _category_number(code)
    return 20 <= n <= 69 or 80 <= n <= 99


def diagnosis_fails_cognition(code: str) -> bool:
    """F70–F79, intellectual disability: not age-appropriate cognitive function."""
    return 70 <= _category_number(code) <= 79


# --- mistrivsel, substance, referral, pathway, track ---------------------------------


def parse_mistrivsel_sign(text: str) -> str:
    """A sign of mistrivsel (psychological distress), English or Danish, as its English code."""
    value = text.strip().lower()
    for code, sign in refdata.mistrivsel_signs().items():
        if value in (code, sign["da"].lower()):
            return code
    raise BadInput(
        _("--mistrivsel: '{value}' is not a sign; choose from {choices}").format(
            value=shown(text), choices=", ".join(refdata.mistrivsel_signs())
        )
    )


SUBSTANCE_LEVELS = {
    "A": "no problem",
    "B": "light problem",
    "C": "moderate problem",
    "D": "severe problem",
    "E": "complete problem",
}


def parse_substance(text: str) -> str:
    value = text.strip().upper()
    if value not in SUBSTANCE_LEVELS:
        raise BadInput(
            _("--substance: '{value}' is not a level; choose A, B, C, D or E").format(
                value=shown(text)
            )
        )
    return value


def parse_choice(text: str, choices: list[str] | tuple[str, ...], option: str) -> str:
    """One of a fixed list of English codes, case-insensitive; the error lists them."""
    value = text.strip().lower()
    if value not in choices:
        raise BadInput(
            _("{option}: '{value}' is not one of {choices}").format(
                option=option, value=shown(text), choices=", ".join(choices)
            )
        )
    return value


def parse_referral_source(text: str) -> str:
    return parse_choice(text, list(refdata.referral_sources()), "--referred-by")


PATHWAYS = ("job-placement", "job-development", "education")
TRACKS = ("ips", "ips-like")


def track_for(diagnoses: tuple[str, ...] | list[str]) -> str:
    """STAR's person-group marker: `ips` (in contact with psychiatry) when a diagnosis is
    given, otherwise `ips-like` (the IPS-like effort for young people in mistrivsel)."""
    return "ips" if diagnoses else "ips-like"


# --- screening -----------------------------------------------------------------------

MIN_AGE, MAX_AGE = 15, 17


@dataclass(frozen=True)
class ScreeningInput:
    birth_date: date
    on: date
    substance: str
    motivated: bool
    normal_cognition: bool
    diagnoses: tuple[str, ...] = ()
    under_assessment: bool = False
    mistrivsel: tuple[str, ...] = ()


@dataclass(frozen=True)
class Criterion:
    name: str
    passed: bool
    reason: str


@dataclass(frozen=True)
class Screening:
    age: int
    criteria: tuple[Criterion, ...]
    next_step: str | None = None
    eligible: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "eligible", all(c.passed for c in self.criteria))

    def failed(self) -> list[Criterion]:
        return [c for c in self.criteria if not c.passed]

    def as_dict(self) -> dict:
        return {
            "eligible": self.eligible,
            "age": self.age,
            "criteria": [
                {"name": c.name, "passed": c.passed, "reason": c.reason} for c in self.criteria
            ],
            "next_step": self.next_step,
        }


def _age_criterion(age: int, on: date) -> Criterion:
    on_text = format_date(on)
    if age < MIN_AGE:
        return Criterion(
            "age", False, _("{age} years on {on}: under 15").format(age=age, on=on_text)
        )
    if age > MAX_AGE:
        return Criterion(
            "age", False, _("{age} years on {on}: 18 or over").format(age=age, on=on_text)
        )
    return Criterion(
        "age", True, _("{age} years on {on}: within 15-17").format(age=age, on=on_text)
    )


def _target_group_criterion(inp: ScreeningInput) -> Criterion:
    qualifying = [d for d in inp.diagnoses if diagnosis_qualifies(d)]
    if qualifying:
        return Criterion(
            "target_group",
            True,
            _("qualifying diagnosis {codes}").format(codes=", ".join(qualifying)),
        )
    if inp.under_assessment:
        return Criterion("target_group", True, _("under assessment for unclear symptoms"))
    if inp.mistrivsel:
        return Criterion(
            "target_group",
            True,
            _("signs of mistrivsel: {signs}").format(signs=", ".join(inp.mistrivsel)),
        )
    if inp.diagnoses:
        return Criterion(
            "target_group",
            False,
            _(
                "{codes} do not qualify on their own, and no sign of mistrivsel or assessment"
            ).format(codes=", ".join(inp.diagnoses)),
        )
    return Criterion(
        "target_group", False, _("no diagnosis, assessment or sign of mistrivsel given")
    )


def _substance_criterion(level: str) -> Criterion:
    passed = level in ("A", "B", "C")
    verdict = (
        _("within the target group") if passed else _("severe use is outside the target group")
    )
    return Criterion("substance_use", passed, f"{level} ({_(SUBSTANCE_LEVELS[level])}): {verdict}")


def _cognition_criterion(inp: ScreeningInput) -> Criterion:
    disability = [d for d in inp.diagnoses if diagnosis_fails_cognition(d)]
    if disability:
        return Criterion(
            "cognition",
            False,
            _("{codes}: intellectual disability, not age-appropriate cognitive function").format(
                codes=", ".join(disability)
            ),
        )
    if not inp.normal_cognition:
        return Criterion("cognition", False, _("reduced cognitive function"))
    return Criterion("cognition", True, _("age-appropriate cognitive function"))


def _next_step(age: int, failed: list[Criterion]) -> str | None:
    """Where to turn instead, for the first criterion that failed."""
    if not failed:
        return None
    first = failed[0].name
    if first == "age":
        if age > MAX_AGE:
            return _("the adult IPS effort (voksen-IPS) at the jobcenter")
        return _("too young for IPS Ung: the school and UU guidance until the age of 15")
    return {
        "target_group": _("an interdisciplinary assessment (TFA) of the young person's needs"),
        "substance_use": _(
            "substance-use treatment first; refer again when use is at most moderate"
        ),
        "motivation": _("motivational work with the referrer or youth guide, then refer again"),
        "cognition": _("an effort for young people with reduced cognitive function (e.g. STU)"),
    }[first]


def screen(inp: ScreeningInput) -> Screening:
    """The five criteria of IPS Ung, each with its reason, and the next step if not eligible."""
    age = age_on(inp.birth_date, inp.on)
    criteria = (
        _age_criterion(age, inp.on),
        _target_group_criterion(inp),
        _substance_criterion(inp.substance),
        Criterion(
            "motivation",
            inp.motivated,
            _("motivated for education or employment") if inp.motivated else _("not motivated"),
        ),
        _cognition_criterion(inp),
    )
    failed = [c for c in criteria if not c.passed]
    return Screening(age=age, criteria=criteria, next_step=_next_step(age, failed))


# --- capacity --------------------------------------------------------------------------

BAND_FLOOR = 15  # a trained IPS consultant works with 15-17 young people
DEFAULT_MAX_CASELOAD = 17


def capacity_state(open_cases: int, max_caseload: int) -> str:
    """The first that applies: over, full, in-band (15+), below-band."""
    if open_cases > max_caseload:
        return "over"
    if open_cases == max_caseload:
        return "full"
    if open_cases >= BAND_FLOOR:
        return "in-band"
    return "below-band"


def free_places(open_cases: int, max_caseload: int) -> int:
    return max(0, max_caseload - open_cases)


# --- daily work: kinds, channels, reasons ------------------------------------------------

CONTACT_KINDS = (
    "youth",
    "three-party",
    "employer",
    "education",
    "treatment",
    "network",
    "caseworker",
)
YOUTH_CONTACT_KINDS = ("youth", "three-party")  # the weekly contact with the young person
CHANNELS = ("in-person", "phone", "video", "text", "email")
PLACEMENT_KINDS = (
    "internship",  # virksomhedspraktik
    "ordinary-job",
    "flex-job",
    "wage-subsidy",  # løntilskud
    "education",
    "fgu",
    "apprenticeship",  # elev/læreplads
)
# What counts as "started a job or education" (SPEC §8); internship and wage subsidy do not.
COUNTED_PLACEMENT_KINDS = ("ordinary-job", "flex-job", "education", "fgu", "apprenticeship")
CLOSE_REASONS = ("goal-reached", "declined", "moved", "no-contact", "transferred", "other")
# A closing three-party contact: one logged within this many days before the closing date.
CLOSING_CONTACT_WINDOW_DAYS = 30


def parse_rating(value: int, option: str) -> int:
    """A progress rating on one of Ungegarantien's three dimensions: a whole number 1-5."""
    if not 1 <= value <= 5:
        raise BadInput(
            _("{option}: a rating is a whole number from 1 to 5, not {value}").format(
                option=option, value=value
            )
        )
    return value


def parse_minutes(value: int | None) -> int | None:
    if value is not None and value < 0:
        raise BadInput(_("--minutes: cannot be negative ({value})").format(value=value))
    return value


def parse_hours(value: float | None) -> float | None:
    if value is not None and not 0 <= value <= 80:
        raise BadInput(
            _("--hours: hours per week lie between 0 and 80, not {value:g}").format(value=value)
        )
    return value


# --- the due list ------------------------------------------------------------------------

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
    participant_id: int
    consultant: str | None
    reason: str
    since: date  # the first day the task was due
    detail: str

    def as_dict(self) -> dict:
        return {
            "participant_id": self.participant_id,
            "consultant": self.consultant,
            "reason": self.reason,
            "since": self.since,
            "detail": self.detail,
        }


def due_for_case(f: CaseFacts, on: date) -> list[DueItem]:
    """Every reason an open case needs doing on `on`, with the day each became due.

    Run for every open case on each `due` (twelve thousand at national scale), so each
    day count is worked out once and dates are only formatted for what is due."""
    items = []
    enrolled = f.enrolled_on
    days_enrolled = (on - enrolled).days

    def add(reason: str, since: date, detail: str) -> None:
        items.append(DueItem(f.participant_id, f.consultant, reason, since, detail))

    # The clock starts at enrolment: a contact while waitlisted does not count against it.
    contacted = f.last_youth_contact is not None and f.last_youth_contact >= enrolled
    last = f.last_youth_contact if contacted else enrolled
    quiet = (on - last).days
    if quiet > WEEKLY_CONTACT_DAYS:
        what = _("last youth contact") if contacted else _("no youth contact since enrolment")
        add(
            "weekly-contact",
            last + timedelta(days=WEEKLY_CONTACT_DAYS + 1),
            _("{what} {day} ({n} days ago)").format(what=what, day=format_date(last), n=quiet),
        )
    if not f.has_three_party and days_enrolled >= INTAKE_MEETING_DAYS:
        add(
            "intake-meeting",
            enrolled + timedelta(days=INTAKE_MEETING_DAYS),
            _("no three-party meeting since enrolment {day}").format(day=format_date(enrolled)),
        )
    if not f.has_employer_contact and days_enrolled >= EMPLOYER_CONTACT_DAYS:
        add(
            "employer-contact",
            enrolled + timedelta(days=EMPLOYER_CONTACT_DAYS),
            _("no employer contact since enrolment {day}").format(day=format_date(enrolled)),
        )
    for p in f.recent_placements:
        if 0 <= (on - p.start).days <= FOLLOW_UP_DAYS and not p.contact_since_start:
            add(
                "placement-follow-up",
                p.start,
                _("{kind} started {day}, no contact since").format(
                    kind=p.kind, day=format_date(p.start)
                ),
            )
    rated = f.last_rating or enrolled
    if (on - rated).days > PROGRESS_RATING_DAYS:
        what = _("last rating") if f.last_rating else _("no rating since enrolment")
        add(
            "progress-rating",
            rated + timedelta(days=PROGRESS_RATING_DAYS + 1),
            _("{what} {day}").format(what=what, day=format_date(rated)),
        )
    number, days_left = next_period_end(days_enrolled)
    if days_left <= PERIOD_NOTICE_DAYS:
        period_end = on + timedelta(days=days_left)
        add(
            "period-review",
            period_end - timedelta(days=PERIOD_NOTICE_DAYS),
            _("26-week period {n} ends {day}").format(n=number, day=format_date(period_end)),
        )
    return items


def next_period_end(days_enrolled: int) -> tuple[int, int]:
    """The first 26-week period since enrolment that ends on or after the day asked about,
    `days_enrolled` days after enrolment: its number, and the days left until it ends."""
    length = PERIOD_WEEKS * 7
    number = max(1, -(-days_enrolled // length))  # ceiling division
    return number, number * length - days_enrolled


def waitlist_item(participant_id: int, referral_date: date, free_in_team: int) -> DueItem:
    return DueItem(
        participant_id,
        None,
        "waitlist",
        referral_date,
        _("waitlisted since {day}; {n} free place(s) in the team").format(
            day=format_date(referral_date), n=free_in_team
        ),
    )


def sort_due(items: list[DueItem]) -> list[DueItem]:
    """Most overdue first (oldest `since`), ties in the order of the reasons, then by case."""
    return sorted(items, key=lambda i: (i.since, REASON_ORDER[i.reason], i.participant_id))
