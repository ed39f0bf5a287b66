"""Pure domain rules of IPS Ung: dates, age, CPR, ICD-10, screening, capacity.

No database, no clock: every rule that depends on the day takes `today` (or `on`) as an
argument. The reference lists come from `refdata`, which reads the shipped data files
once; to these rules they are constants.

Errors say what is wrong with the value typed (never a CPR number, which identifies a
person) and name where it was typed: an option by default, or what the caller says (a
CSV column in an import). The fixed lists of codes live in `vocabulary`.
"""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from ipsung.errors import BadInput, shown
from ipsung.i18n import M_, Message, _
from ipsung.store import refdata
from ipsung.vocabulary import SUBSTANCE_LEVELS

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
            _("'{value}' is not a date; write it day first, e.g. 23-11-2026").format(
                value=shown(text)
            ),
            option,
        )
    try:
        parsed = date(year, month, day)
    except ValueError:
        raise BadInput(
            _("'{value}' is not a real date").format(value=shown(text)), option
        ) from None
    if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
        # Nothing in a caseload lies there, and dates near year 9999 overflow arithmetic.
        raise BadInput(
            _("'{value}' lies outside {first}-{last}").format(
                value=shown(text), first=EARLIEST_YEAR, last=LATEST_YEAR
            ),
            option,
        )
    return parsed


def not_in_future(day: date, today: date, option: str = "date") -> date:
    """Things that already happened (contacts, intake, placements) cannot lie ahead."""
    if day > today:
        raise BadInput(_("{day} lies in the future").format(day=format_date(day)), option)
    return day


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


def parse_cpr(text: str, where: str | None = "--cpr") -> Cpr:
    """Read `DDMMYY-SSSS` or `DDMMYYSSSS`.

    No modulus-11 check: numbers issued since 2007 may fail it. The date part must be
    a real date. Errors never repeat the number.
    """
    m = _CPR.fullmatch(text.strip())
    if not m:
        raise BadInput(_("write the CPR number as DDMMYY-SSSS (ten digits)"), where)
    day, month, year, seventh = int(m[1]), int(m[2]), int(m[3]), int(m[4])
    try:
        birth = date(cpr_century(seventh, year) + year, month, day)
    except ValueError:
        raise BadInput(_("the first six digits are not a real date (DDMMYY)"), where) from None
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


def parse_diagnosis(text: str, where: str | None = "--diagnosis") -> str:
    """Normalise an ICD-10 chapter F code to `F90` or `F90.0`.

    Accepts `F90`, `F90.0`, `f900` and the Danish SKS forms `DF900` and `DF90.0`.
    A code that is not an F code or not a real code shape, or a category that does
    not exist (e.g. F47), is bad input.
    """
    value = text.strip().upper()
    m = _ICD10.fullmatch(value)
    if not m:
        raise BadInput(
            _("'{value}' is not an ICD-10 chapter F code (e.g. F90 or DF84.0)").format(
                value=shown(text)
            ),
            where,
        )
    category = f"F{m[1]}"
    if category not in refdata.icd10_categories():
        raise BadInput(
            _("{category} is not an ICD-10 chapter F category").format(category=category), where
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


# --- track ---------------------------------------------------------------------------


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
    reason: Message  # said in the language in use; in English in JSON


@dataclass(frozen=True)
class Screening:
    age: int
    criteria: tuple[Criterion, ...]
    next_step: Message | None = None
    eligible: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "eligible", all(c.passed for c in self.criteria))

    def failed(self) -> list[Criterion]:
        return [c for c in self.criteria if not c.passed]

    def as_dict(self) -> dict:
        """The JSON document (SPEC §4): its sentences in English, whatever the language."""
        return {
            "eligible": self.eligible,
            "age": self.age,
            "criteria": [
                {"name": c.name, "passed": c.passed, "reason": c.reason.english()}
                for c in self.criteria
            ],
            "next_step": self.next_step.english() if self.next_step else None,
        }


def _age_criterion(age: int, on: date) -> Criterion:
    on_text = format_date(on)
    if age < MIN_AGE:
        return Criterion("age", False, M_("{age} years on {on}: under 15", age=age, on=on_text))
    if age > MAX_AGE:
        return Criterion("age", False, M_("{age} years on {on}: 18 or over", age=age, on=on_text))
    return Criterion("age", True, M_("{age} years on {on}: within 15-17", age=age, on=on_text))


def _target_group_criterion(inp: ScreeningInput) -> Criterion:
    qualifying = [d for d in inp.diagnoses if diagnosis_qualifies(d)]
    if qualifying:
        return Criterion(
            "target_group",
            True,
            M_("qualifying diagnosis {codes}", codes=", ".join(qualifying)),
        )
    if inp.under_assessment:
        return Criterion("target_group", True, M_("under assessment for unclear symptoms"))
    if inp.mistrivsel:
        return Criterion(
            "target_group",
            True,
            M_("signs of mistrivsel: {signs}", signs=", ".join(inp.mistrivsel)),
        )
    if inp.diagnoses:
        return Criterion(
            "target_group",
            False,
            M_(
                "{codes} do not qualify on their own, and no sign of mistrivsel or assessment",
                codes=", ".join(inp.diagnoses),
            ),
        )
    return Criterion(
        "target_group", False, M_("no diagnosis, assessment or sign of mistrivsel given")
    )


def _substance_criterion(level: str) -> Criterion:
    passed = level in ("A", "B", "C")
    verdict = (
        M_("within the target group") if passed else M_("severe use is outside the target group")
    )
    label = Message(SUBSTANCE_LEVELS[level])  # its words, marked in SUBSTANCE_LEVELS
    return Criterion(
        "substance_use",
        passed,
        M_("{level} ({label}): {verdict}", level=level, label=label, verdict=verdict),
    )


def _cognition_criterion(inp: ScreeningInput) -> Criterion:
    disability = [d for d in inp.diagnoses if diagnosis_fails_cognition(d)]
    if disability:
        return Criterion(
            "cognition",
            False,
            M_(
                "{codes}: intellectual disability, not age-appropriate cognitive function",
                codes=", ".join(disability),
            ),
        )
    if not inp.normal_cognition:
        return Criterion("cognition", False, M_("reduced cognitive function"))
    return Criterion("cognition", True, M_("age-appropriate cognitive function"))


def _next_step(age: int, failed: list[Criterion]) -> Message | None:
    """Where to turn instead, for the first criterion that failed."""
    if not failed:
        return None
    first = failed[0].name
    if first == "age":
        if age > MAX_AGE:
            return M_("the adult IPS effort (voksen-IPS) at the jobcenter")
        return M_("too young for IPS Ung: the school and UU guidance until the age of 15")
    return {
        "target_group": M_("an interdisciplinary assessment (TFA) of the young person's needs"),
        "substance_use": M_(
            "substance-use treatment first; refer again when use is at most moderate"
        ),
        "motivation": M_("motivational work with the referrer or youth guide, then refer again"),
        "cognition": M_("an effort for young people with reduced cognitive function (e.g. STU)"),
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
            M_("motivated for education or employment") if inp.motivated else M_("not motivated"),
        ),
        _cognition_criterion(inp),
    )
    failed = [c for c in criteria if not c.passed]
    return Screening(age=age, criteria=criteria, next_step=_next_step(age, failed))


# --- capacity --------------------------------------------------------------------------

BAND_FLOOR = 15  # a trained IPS consultant works with 15-17 young people
BAND_CEILING = 17  # a higher max is allowed (the team's choice), but said
DEFAULT_MAX_CASELOAD = BAND_CEILING


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


# --- outcomes --------------------------------------------------------------------------

# The IPS Employment Center's quarterly employment rate, read against its bands.
QUARTERLY_BANDS = ((0.50, "excellent"), (0.41, "average"), (0.31, "minimal"))
# Committee papers are public: counts from 1 to this less one are hidden, and so are
# shares and means built on them.
SMALL_COUNT = 5


# --- daily work ------------------------------------------------------------------------

# A closing three-party contact: one logged within this many days before the closing date.
CLOSING_CONTACT_WINDOW_DAYS = 30


# A young person under 18 may work at most 40 hours a week (Arbejdstilsynet's rules for
# young people's work: at most 8 hours a day and 40 a week). ipsung warns, not refuses:
# the hours typed may be a typo, or the contract's.
YOUTH_MAX_HOURS = 40
ADULT_AGE = 18


# The contact interval agreed for aftercare, in days: at least daily, at most quarterly.
CONTACT_EVERY_DAYS = (1, 92)


def too_many_hours(hours: float | None, age: int) -> bool:
    return hours is not None and age < ADULT_AGE and hours > YOUTH_MAX_HOURS


def parse_rating(value: int, where: str | None) -> int:
    """A progress rating on one of Ungegarantien's three dimensions: a whole number 1-5."""
    if not 1 <= value <= 5:
        raise BadInput(
            _("a rating is a whole number from 1 to 5, not {value}").format(value=value), where
        )
    return value


def parse_minutes(value: int | None, where: str | None = "--minutes") -> int | None:
    if value is not None and value < 0:
        raise BadInput(_("cannot be negative ({value})").format(value=value), where)
    return value


def parse_hours(value: float | None, where: str | None = "--hours") -> float | None:
    if value is not None and not 0 <= value <= 80:
        raise BadInput(
            _("hours per week lie between 0 and 80, not {value:g}").format(value=value), where
        )
    return value
