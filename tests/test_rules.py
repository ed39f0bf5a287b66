"""Pure rule tests (SPEC §2-§3, §7): dates, age, CPR, ICD-10, screening, capacity.

No database and no real clock: every rule is called with a fixed `today` / `on`.
"""

import json
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ipsung.errors import BadInput
from ipsung.rules import (
    Cpr,
    ScreeningInput,
    age_on,
    capacity_state,
    diagnosis_fails_cognition,
    diagnosis_qualifies,
    format_cpr,
    format_date,
    free_places,
    mask_cpr,
    not_in_future,
    parse_cpr,
    parse_date,
    parse_diagnosis,
    screen,
    track_for,
)
from ipsung.store import refdata
from ipsung.vocabulary import parse_mistrivsel_sign, parse_referral_source, parse_substance

TODAY = date(2026, 11, 23)  # fixed "today"; never the real date

CRITERIA_ORDER = ["age", "target_group", "substance_use", "motivation", "cognition"]


def bad_input(excinfo) -> str:
    """The message of a BadInput, after checking it is one with exit code 2."""
    assert isinstance(excinfo.value, BadInput)
    assert excinfo.value.exit_code == 2
    message = str(excinfo.value)
    assert message.strip(), "a BadInput must say what is wrong"
    return message


# --- age_on ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "on", "expected"),
    [
        # 15th and 18th birthdays of someone born 14 March 2010
        (date(2010, 3, 14), date(2025, 3, 13), 14),
        (date(2010, 3, 14), date(2025, 3, 14), 15),
        (date(2010, 3, 14), date(2025, 3, 15), 15),
        (date(2010, 3, 14), date(2028, 3, 13), 17),
        (date(2010, 3, 14), date(2028, 3, 14), 18),
        # birthday on the last day of the year; the new year does not make anyone older
        (date(2010, 12, 31), date(2025, 12, 30), 14),
        (date(2010, 12, 31), date(2025, 12, 31), 15),
        (date(2010, 12, 31), date(2026, 1, 1), 15),
        # born 1 January: a year boundary the other way
        (date(2011, 1, 1), date(2025, 12, 31), 14),
        (date(2011, 1, 1), date(2026, 1, 1), 15),
        # same day of month, earlier month / later month
        (date(2010, 6, 15), date(2025, 5, 15), 14),
        (date(2010, 6, 15), date(2025, 7, 15), 15),
        # on the day of birth
        (date(2010, 3, 14), date(2010, 3, 14), 0),
    ],
)
def test_age_on_birthdays_counted_exactly(birth, on, expected):
    assert age_on(birth, on) == expected


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        # Born 29 February 2008 (leap year). In common years the birthday is 1 March.
        (date(2023, 2, 28), 14),  # common year: 28 Feb is still before the birthday
        (date(2023, 3, 1), 15),  # common year: 1 March is the 15th birthday
        (date(2024, 2, 28), 15),  # leap year: 28 Feb is before 29 Feb
        (date(2024, 2, 29), 16),  # leap year: 29 Feb is the birthday
        (date(2024, 3, 1), 16),
        (date(2025, 2, 28), 16),
        (date(2025, 3, 1), 17),
        (date(2026, 2, 28), 17),  # the day before the 18th birthday
        (date(2026, 3, 1), 18),  # the 18th birthday in a common year
    ],
)
def test_age_on_29_february_birthday(on, expected):
    assert age_on(date(2008, 2, 29), on) == expected


@settings(deadline=None)
@given(
    birth=st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31)),
    days=st.integers(min_value=0, max_value=40 * 366),
)
def test_age_on_matches_counting_birthdays(birth, days):
    """Property: the age is the number of birthdays (29 Feb -> 1 March) on or before `on`."""
    on = birth + timedelta(days=days)

    def birthday_in(year: int) -> date:
        try:
            return birth.replace(year=year)
        except ValueError:  # 29 February in a common year
            return date(year, 3, 1)

    expected = sum(1 for year in range(birth.year + 1, on.year + 1) if birthday_in(year) <= on)
    assert age_on(birth, on) == expected


# --- parse_date ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("23-11-2026", date(2026, 11, 23)),
        ("23.11.2026", date(2026, 11, 23)),
        ("23/11/2026", date(2026, 11, 23)),
        ("23/11/26", date(2026, 11, 23)),  # two-digit years are 20YY
        ("23-11-26", date(2026, 11, 23)),
        ("23.11.26", date(2026, 11, 23)),
        ("31/12/99", date(2099, 12, 31)),  # 20YY even for a high year
        ("01-01-00", date(2000, 1, 1)),
        ("1-2-2026", date(2026, 2, 1)),  # day first, single digits
        ("01-02-2026", date(2026, 2, 1)),
        ("1.2.26", date(2026, 2, 1)),
        ("04-03-2026", date(2026, 3, 4)),  # day first: 4 March, not 3 April
        ("12-01-2026", date(2026, 1, 12)),
        ("29-02-2028", date(2028, 2, 29)),  # leap day in a leap year
        ("2026-11-23", date(2026, 11, 23)),  # ISO
        ("2026-03-04", date(2026, 3, 4)),  # ISO with day <= 12: never day-first
        ("2026-12-01", date(2026, 12, 1)),
        ("2026-01-12", date(2026, 1, 12)),
        ("  23-11-2026  ", date(2026, 11, 23)),
        (" 2026-03-04\n", date(2026, 3, 4)),
    ],
)
def test_parse_date_accepted_forms(text, expected):
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "offset_days"),
    [
        ("today", 0),
        ("Today", 0),
        ("TODAY", 0),
        ("  today ", 0),
        ("i dag", 0),
        ("I dag", 0),
        ("I DAG", 0),
        ("  i  dag  ", 0),
        ("i\tdag", 0),
        ("yesterday", 1),
        ("Yesterday", 1),
        (" YESTERDAY\n", 1),
        ("i går", 1),
        ("I går", 1),
        ("I GÅR", 1),
        ("  i   går ", 1),
    ],
)
@pytest.mark.parametrize(
    "today",
    [
        TODAY,
        date(2026, 1, 1),  # yesterday is in the previous year
        date(2028, 3, 1),  # yesterday is a leap day
        date(2026, 3, 1),  # yesterday is 28 February
    ],
)
def test_parse_date_relative_words_use_the_given_today(text, offset_days, today):
    assert parse_date(text, today) == today - timedelta(days=offset_days)


def test_parse_date_yesterday_across_boundaries():
    assert parse_date("yesterday", date(2026, 1, 1)) == date(2025, 12, 31)
    assert parse_date("i går", date(2028, 3, 1)) == date(2028, 2, 29)
    assert parse_date("i går", date(2026, 3, 1)) == date(2026, 2, 28)


@pytest.mark.parametrize(
    "text",
    [
        "31-02-2026",  # impossible date
        "30.02.2026",
        "29-02-2026",  # 2026 is a common year
        "31/04/2026",
        "2026-02-30",  # impossible ISO date
        "2026-13-01",  # ISO month 13
        "13-13-2026",  # month 13
        "00-01-2026",  # day 0
        "01-00-2026",  # month 0
        "32-01-2026",
        "banana",
        "23-11/2026",  # mixed separators
        "23/11-2026",
        "23.11-26",
        "23-11-202",  # three-digit year
        "23-11",  # no year
        "2026-11",
        "today please",
    ],
)
def test_parse_date_rejects_and_names_the_value(text):
    with pytest.raises(BadInput) as excinfo:
        parse_date(text, TODAY, "--on")
    message = bad_input(excinfo)
    assert text in message
    assert "--on" in message


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_parse_date_rejects_empty(text):
    with pytest.raises(BadInput) as excinfo:
        parse_date(text, TODAY, "--referral-date")
    assert "--referral-date" in bad_input(excinfo)


def test_parse_date_impossible_date_message_names_value():
    with pytest.raises(BadInput) as excinfo:
        parse_date("31-02-2026", TODAY, "--date")
    message = bad_input(excinfo)
    assert "31-02-2026" in message
    assert "--date" in message


def test_parse_date_is_not_the_real_today():
    """`today` means the `today` passed in, whatever the clock says."""
    fixed = date(2001, 5, 17)
    assert parse_date("today", fixed) == fixed
    assert parse_date("i går", fixed) == date(2001, 5, 16)


@settings(deadline=None)
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 31)))
def test_parse_date_round_trips_display_and_iso_forms(day):
    assert parse_date(format_date(day), TODAY) == day
    assert parse_date(day.isoformat(), TODAY) == day
    assert parse_date(day.strftime("%d.%m.%Y"), TODAY) == day
    assert parse_date(day.strftime("%d/%m/%Y"), TODAY) == day


# --- not_in_future / format_date ------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [TODAY, TODAY - timedelta(days=1), date(2020, 1, 1), date(1999, 12, 31)],
)
def test_not_in_future_accepts_today_and_the_past(day):
    assert not_in_future(day, TODAY) == day


@pytest.mark.parametrize(
    "day",
    [TODAY + timedelta(days=1), date(2027, 1, 1), date(2100, 1, 1)],
)
def test_not_in_future_rejects_the_future(day):
    with pytest.raises(BadInput) as excinfo:
        not_in_future(day, TODAY, "--date")
    message = bad_input(excinfo)
    assert "--date" in message
    assert format_date(day) in message


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 23), "23-11-2026"),
        (date(2026, 3, 4), "04-03-2026"),
        (date(2026, 1, 1), "01-01-2026"),
        (date(2028, 2, 29), "29-02-2028"),
        (None, ""),
    ],
)
def test_format_date(day, expected):
    assert format_date(day) == expected


# --- CPR ---------------------------------------------------------------------------------


def mod11_ok(digits: str) -> bool:
    weights = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 == 0


@pytest.mark.parametrize(
    ("cpr", "birth"),
    [
        # 7th digit 0-3: always the 1900s
        ("010100-0123", date(1900, 1, 1)),
        ("010136-1123", date(1936, 1, 1)),
        ("010137-2123", date(1937, 1, 1)),
        ("010157-3123", date(1957, 1, 1)),
        ("010158-0123", date(1958, 1, 1)),
        ("311299-3123", date(1999, 12, 31)),
        # 7th digit 4: 2000s if year <= 36 else 1900s
        ("010100-4123", date(2000, 1, 1)),
        ("010136-4123", date(2036, 1, 1)),
        ("010137-4123", date(1937, 1, 1)),
        ("010199-4123", date(1999, 1, 1)),
        # 7th digit 9: as 4
        ("010100-9123", date(2000, 1, 1)),
        ("010136-9123", date(2036, 1, 1)),
        ("010137-9123", date(1937, 1, 1)),
        ("010199-9123", date(1999, 1, 1)),
        # 7th digit 5-8: 2000s if year <= 57 else 1800s
        ("010100-5123", date(2000, 1, 1)),
        ("010157-5123", date(2057, 1, 1)),
        ("010158-5123", date(1858, 1, 1)),
        ("010157-6123", date(2057, 1, 1)),
        ("010158-6123", date(1858, 1, 1)),
        ("010157-7123", date(2057, 1, 1)),
        ("010158-7123", date(1858, 1, 1)),
        ("010157-8123", date(2057, 1, 1)),
        ("010158-8123", date(1858, 1, 1)),
        ("010199-8123", date(1899, 1, 1)),
        # a young person of the target group
        ("140310-4123", date(2010, 3, 14)),
        # leap days: 2000 and 1896 are leap years
        ("290200-4123", date(2000, 2, 29)),
        ("290296-5123", date(1896, 2, 29)),
        ("290208-4123", date(2008, 2, 29)),
    ],
)
@pytest.mark.parametrize("with_dash", [True, False])
def test_parse_cpr_century_table(cpr, birth, with_dash):
    text = cpr if with_dash else cpr.replace("-", "")
    parsed = parse_cpr(text)
    assert isinstance(parsed, Cpr)
    assert parsed.birth_date == birth
    assert parsed.digits == cpr.replace("-", "")
    assert parsed.masked == cpr[:6] + "-XXXX"


def test_parse_cpr_strips_whitespace():
    assert parse_cpr("  140310-4123 \n").birth_date == date(2010, 3, 14)


@pytest.mark.parametrize("cpr", ["010190-1234", "0101901234", "140310-4001", "010100-4000"])
def test_parse_cpr_does_not_apply_modulus_11(cpr):
    assert not mod11_ok(cpr.replace("-", "")), "test data must fail modulus 11"
    assert parse_cpr(cpr).digits == cpr.replace("-", "")


@pytest.mark.parametrize(
    "cpr",
    [
        "310299-1234",  # 31 February
        "000000-0000",  # day 0, month 0
        "0000000000",
        "010000-1234",  # month 0
        "001290-1234",  # day 0
        "011390-1234",  # month 13
        "320190-1234",  # day 32
        "310490-1234",  # 31 April
        "290201-4567",  # 29 Feb 2001: common year
        "290200-2567",  # 29 Feb 1900: century, not a leap year
        "290237-4567",  # 29 Feb 1937: common year
    ],
)
def test_parse_cpr_non_date_is_bad_input_without_echoing_the_number(cpr):
    with pytest.raises(BadInput) as excinfo:
        parse_cpr(cpr)
    message = bad_input(excinfo)
    digits = cpr.replace("-", "")
    assert cpr not in message
    assert digits not in message
    assert digits[:6] not in message
    assert digits[6:] not in message


@pytest.mark.parametrize(
    "cpr",
    [
        "010190123",  # 9 digits
        "010190-123",  # 9 digits with dash
        "01019012345",  # 11 digits
        "010190-12345",  # 11 digits with dash
        "0101901a34",  # a letter
        "01019O-1234",  # a letter O for zero
        "abcdef-ghij",
        "01-01-90-1234",  # dashes in the date part
        "0101-901234",  # dash in the wrong place
        "010190--1234",
        "",
        "   ",
    ],
)
def test_parse_cpr_malformed_is_bad_input_without_echoing(cpr):
    with pytest.raises(BadInput) as excinfo:
        parse_cpr(cpr)
    message = bad_input(excinfo)
    if cpr.strip():
        assert cpr.strip() not in message
    digits = "".join(ch for ch in cpr if ch.isdigit())
    if len(digits) >= 4:
        assert digits not in message
        assert digits[:6] not in message


@pytest.mark.parametrize(
    ("digits", "expected"),
    [
        ("1403104123", "140310-XXXX"),
        ("0101901234", "010190-XXXX"),
        (None, None),
    ],
)
def test_mask_cpr(digits, expected):
    assert mask_cpr(digits) == expected


@pytest.mark.parametrize(
    ("digits", "expected"),
    [
        ("1403104123", "140310-4123"),
        ("0101901234", "010190-1234"),
        (None, None),
    ],
)
def test_format_cpr(digits, expected):
    assert format_cpr(digits) == expected


def test_masked_cpr_hides_the_serial():
    parsed = parse_cpr("140310-4123")
    assert "4123" not in parsed.masked
    assert format_cpr(parsed.digits) == "140310-4123"


# --- ICD-10 chapter F --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("F90", "F90"),
        ("F90.0", "F90.0"),
        ("f90", "F90"),
        ("f90.0", "F90.0"),
        ("f900", "F90.0"),
        ("F900", "F90.0"),
        ("DF900", "F90.0"),
        ("DF90.0", "F90.0"),
        ("DF90", "F90"),
        ("df90.0", "F90.0"),
        (" df84.0 ", "F84.0"),
        ("F84", "F84"),
        ("DF841", "F84.1"),
        ("F32.1", "F32.1"),
        ("F99", "F99"),
        ("F00", "F00"),
        ("F70", "F70"),
    ],
)
def test_parse_diagnosis_accepted_spellings(text, expected):
    assert parse_diagnosis(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "G40",  # not chapter F
        "DG40",  # SKS form, not chapter F
        "banana",
        "F9",  # too short
        "F900.1",  # not a code shape
        "F90.00",
        "F47",  # no such category
        "F08",  # no such category
        "DF47",
        "F",
        "DF",
        "FF90",
        "DDF90",
        "F90.",
        "F 90",
        "",
        "   ",
    ],
)
def test_parse_diagnosis_rejects(text):
    with pytest.raises(BadInput) as excinfo:
        parse_diagnosis(text)
    bad_input(excinfo)


@pytest.mark.parametrize("text", ["G40", "banana", "F900.1"])
def test_parse_diagnosis_error_names_the_value(text):
    with pytest.raises(BadInput) as excinfo:
        parse_diagnosis(text)
    message = bad_input(excinfo)
    assert text in message
    assert "--diagnosis" in message


def test_parse_diagnosis_unknown_category_names_it():
    with pytest.raises(BadInput) as excinfo:
        parse_diagnosis("F47")
    assert "F47" in bad_input(excinfo)


def test_every_category_in_the_reference_list_parses():
    categories = refdata.icd10_categories()
    assert "F84" in categories and "F90" in categories and "F47" not in categories
    for category in categories:
        assert parse_diagnosis(category) == category
        assert parse_diagnosis("D" + category.lower() + "0") == category + ".0"


@pytest.mark.parametrize(
    ("code", "qualifies"),
    [
        ("F00", False),
        ("F09", False),
        ("F10", False),
        ("F19", False),
        ("F19.2", False),
        ("F20", True),
        ("F32", True),
        ("F41.1", True),
        ("F50", True),
        ("F69", True),
        ("F70", False),
        ("F79", False),
        ("F80", True),
        ("F84.0", True),
        ("F90", True),
        ("F90.0", True),
        ("F99", True),
    ],
)
def test_diagnosis_qualifies(code, qualifies):
    assert diagnosis_qualifies(code) is qualifies


@pytest.mark.parametrize(
    ("code", "fails"),
    [
        ("F00", False),
        ("F19", False),
        ("F69", False),
        ("F70", True),
        ("F70.1", True),
        ("F72", True),
        ("F79", True),
        ("F80", False),
        ("F84.0", False),
        ("F99", False),
    ],
)
def test_diagnosis_fails_cognition(code, fails):
    assert diagnosis_fails_cognition(code) is fails


# --- mistrivsel, substance, referral, track ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("sadness", "sadness"),
        ("anxiety", "anxiety"),
        ("isolation", "isolation"),
        ("absence", "absence"),
        ("school-refusal", "school-refusal"),
        ("SADNESS", "sadness"),
        ("School-Refusal", "school-refusal"),
        (" absence ", "absence"),
        ("tristhed", "sadness"),
        ("angst", "anxiety"),
        ("fravær", "absence"),
        ("skolevægring", "school-refusal"),
        ("TRISTHED", "sadness"),
        ("Angst", "anxiety"),
        ("ISOLATION", "isolation"),
        ("FRAVÆR", "absence"),
        ("SKOLEVÆGRING", "school-refusal"),
        (" Skolevægring\n", "school-refusal"),
    ],
)
def test_parse_mistrivsel_sign(text, code):
    assert parse_mistrivsel_sign(text) == code


@pytest.mark.parametrize("text", ["boredom", "sad", "school refusal", "", "   ", "F90"])
def test_parse_mistrivsel_sign_rejects_unknown(text):
    with pytest.raises(BadInput) as excinfo:
        parse_mistrivsel_sign(text)
    message = bad_input(excinfo)
    assert "--mistrivsel" in message
    assert "school-refusal" in message  # the choices are listed


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("A", "A"),
        ("B", "B"),
        ("C", "C"),
        ("D", "D"),
        ("E", "E"),
        ("a", "A"),
        ("b", "B"),
        ("c", "C"),
        ("d", "D"),
        ("e", "E"),
        (" c ", "C"),
    ],
)
def test_parse_substance(text, level):
    assert parse_substance(text) == level


@pytest.mark.parametrize("text", ["F", "f", "", "  ", "AB", "1", "none"])
def test_parse_substance_rejects(text):
    with pytest.raises(BadInput) as excinfo:
        parse_substance(text)
    assert "--substance" in bad_input(excinfo)


REFERRAL_SOURCES = [
    "psychiatry",
    "child-family",
    "school",
    "internship-coordinator",
    "education-guidance",
    "youth-guide",
    "employer",
    "jobcenter",
    "other",
]


@pytest.mark.parametrize("source", REFERRAL_SOURCES)
def test_parse_referral_source_all_nine(source):
    assert parse_referral_source(source) == source
    assert parse_referral_source(source.upper()) == source
    assert parse_referral_source(f"  {source} ") == source


def test_referral_sources_are_exactly_the_nine_of_the_spec():
    assert sorted(refdata.referral_sources()) == sorted(REFERRAL_SOURCES)


@pytest.mark.parametrize("text", ["doctor", "psykiatrien", "youth guide", "", "schools"])
def test_parse_referral_source_rejects_unknown(text):
    with pytest.raises(BadInput) as excinfo:
        parse_referral_source(text)
    message = bad_input(excinfo)
    assert "--referred-by" in message
    assert "psychiatry" in message  # the choices are listed


@pytest.mark.parametrize(
    ("diagnoses", "track"),
    [
        ((), "ips-like"),
        ([], "ips-like"),
        (("F90",), "ips"),
        (["F84.0", "F32"], "ips"),
        (("F10",), "ips"),  # a diagnosis is given: in contact with psychiatry
    ],
)
def test_track_for(diagnoses, track):
    assert track_for(diagnoses) == track


# --- screening ---------------------------------------------------------------------------

REFERRAL = date(2026, 11, 2)
BIRTH_16 = date(2010, 3, 14)  # 16 on REFERRAL


def eligible_input(**changes) -> ScreeningInput:
    """A young person who meets all five criteria, with `changes` applied."""
    values = dict(
        birth_date=BIRTH_16,
        on=REFERRAL,
        substance="A",
        motivated=True,
        normal_cognition=True,
        diagnoses=(),
        under_assessment=False,
        mistrivsel=("absence",),
    )
    values.update(changes)
    return ScreeningInput(**values)


def by_name(result) -> dict:
    return {c.name: c for c in result.criteria}


def test_eligible_case_passes_all_five_in_order():
    result = screen(eligible_input())
    assert result.eligible is True
    assert result.next_step is None
    assert result.age == 16
    assert [c.name for c in result.criteria] == CRITERIA_ORDER
    assert all(c.passed for c in result.criteria)
    assert all(str(c.reason).strip() for c in result.criteria)
    assert result.failed() == []


@pytest.mark.parametrize("substance", ["A", "B", "C"])
def test_substance_a_to_c_are_in_the_target_group(substance):
    result = screen(eligible_input(substance=substance))
    assert result.eligible is True
    assert by_name(result)["substance_use"].passed is True


@pytest.mark.parametrize(
    ("changes", "failing", "step_words"),
    [
        # age 18 and over: the adult IPS effort
        ({"birth_date": date(2008, 11, 2)}, "age", ["adult"]),
        ({"birth_date": date(2000, 1, 1)}, "age", ["adult"]),
        # under 15: some other step (not the adult effort)
        ({"birth_date": date(2011, 11, 3)}, "age", []),
        # no target-group evidence: an interdisciplinary assessment (TFA)
        ({"mistrivsel": ()}, "target_group", ["interdisciplinary", "TFA"]),
        # substance D/E: substance-use treatment first
        ({"substance": "D"}, "substance_use", ["substance-use treatment"]),
        ({"substance": "E"}, "substance_use", ["substance-use treatment"]),
        ({"motivated": False}, "motivation", []),
        ({"normal_cognition": False}, "cognition", []),
    ],
)
def test_only_one_criterion_fails(changes, failing, step_words):
    result = screen(eligible_input(**changes))
    assert result.eligible is False
    assert [c.name for c in result.criteria] == CRITERIA_ORDER
    failed = result.failed()
    assert [c.name for c in failed] == [failing]
    assert failed[0].passed is False
    assert str(failed[0].reason).strip()
    assert all(c.passed for c in result.criteria if c.name != failing)
    assert result.next_step is not None and str(result.next_step).strip()
    for word in step_words:
        assert word.lower() in str(result.next_step).lower()


def test_under_15_next_step_is_not_the_adult_effort():
    result = screen(eligible_input(birth_date=date(2011, 11, 3)))
    assert result.age == 14
    assert "adult" not in str(result.next_step).lower()


@pytest.mark.parametrize(
    ("birth", "age", "eligible"),
    [
        (date(2011, 11, 3), 14, False),  # 15th birthday is the day after referral
        (date(2011, 11, 2), 15, True),  # 15th birthday on the referral date
        (date(2008, 11, 3), 17, True),  # 18th birthday is the day after referral
        (date(2008, 11, 2), 18, False),  # 18th birthday on the referral date
    ],
)
def test_screen_age_boundaries(birth, age, eligible):
    result = screen(eligible_input(birth_date=birth))
    assert result.age == age
    assert result.eligible is eligible
    assert by_name(result)["age"].passed is eligible


@pytest.mark.parametrize(
    ("on", "age", "eligible"),
    [
        (date(2023, 2, 28), 14, False),
        (date(2023, 3, 1), 15, True),
        (date(2026, 2, 28), 17, True),
        (date(2026, 3, 1), 18, False),
    ],
)
def test_screen_29_february_birthday(on, age, eligible):
    result = screen(eligible_input(birth_date=date(2008, 2, 29), on=on))
    assert result.age == age
    assert result.eligible is eligible


@pytest.mark.parametrize(
    "evidence",
    [
        {"mistrivsel": (), "diagnoses": ("F90",)},  # a qualifying diagnosis alone
        {"mistrivsel": (), "diagnoses": ("F84.0",)},
        {"mistrivsel": (), "diagnoses": ("F20",)},
        {"mistrivsel": (), "diagnoses": ("F99",)},
        {"mistrivsel": (), "diagnoses": ("F10", "F32")},  # one qualifying among others
        {"mistrivsel": (), "under_assessment": True},  # under assessment alone
        {"mistrivsel": ("sadness",)},  # one mistrivsel sign alone
        {"mistrivsel": ("school-refusal", "isolation")},
        {"mistrivsel": ("anxiety",), "diagnoses": ("F10",)},  # F10 plus a sign
    ],
)
def test_target_group_passes(evidence):
    result = screen(eligible_input(**evidence))
    criterion = by_name(result)["target_group"]
    assert criterion.passed is True
    assert str(criterion.reason).strip()
    assert result.eligible is True
    assert result.next_step is None


@pytest.mark.parametrize(
    "diagnoses",
    [("F10",), ("F19.2",), ("F00",), ("F09",), ("F10", "F06")],
)
def test_non_qualifying_diagnosis_alone_fails_target_group(diagnoses):
    result = screen(eligible_input(mistrivsel=(), diagnoses=diagnoses))
    assert result.eligible is False
    assert [c.name for c in result.failed()] == ["target_group"]
    assert str(by_name(result)["target_group"].reason).strip()
    assert "TFA" in str(result.next_step)


def test_f70_fails_cognition_even_with_normal_cognition():
    result = screen(eligible_input(diagnoses=("F70",), normal_cognition=True))
    assert result.eligible is False
    assert [c.name for c in result.failed()] == ["cognition"]  # the sign keeps target_group
    assert "F70" in str(by_name(result)["cognition"].reason)
    assert result.next_step and str(result.next_step).strip()


@pytest.mark.parametrize("diagnoses", [("F79",), ("F90", "F70.1"), ("F84.0", "F72")])
def test_intellectual_disability_fails_cognition_despite_qualifying_diagnosis(diagnoses):
    result = screen(eligible_input(mistrivsel=(), diagnoses=diagnoses, normal_cognition=True))
    assert by_name(result)["cognition"].passed is False
    assert result.eligible is False


def test_f69_and_f80_do_not_fail_cognition():
    for code in ("F69", "F80"):
        result = screen(eligible_input(mistrivsel=(), diagnoses=(code,)))
        assert result.eligible is True, code
        assert by_name(result)["cognition"].passed is True


def test_several_failures_are_all_reported():
    result = screen(
        eligible_input(
            birth_date=date(2000, 1, 1),
            mistrivsel=(),
            substance="E",
            motivated=False,
            normal_cognition=False,
        )
    )
    assert result.eligible is False
    assert [c.name for c in result.failed()] == CRITERIA_ORDER
    assert all(str(c.reason).strip() for c in result.criteria)
    assert result.next_step and str(result.next_step).strip()


def test_as_dict_has_the_spec_json_shape():
    result = screen(eligible_input(birth_date=date(2008, 11, 2)))  # 18: not eligible
    data = result.as_dict()
    assert set(data) == {"eligible", "age", "criteria", "next_step"}
    assert data["eligible"] is False
    assert data["age"] == 18 and isinstance(data["age"], int)
    assert [c["name"] for c in data["criteria"]] == CRITERIA_ORDER
    for item in data["criteria"]:
        assert set(item) == {"name", "passed", "reason"}
        assert isinstance(item["passed"], bool)
        assert str(item["reason"]).strip()
    assert data["criteria"][0]["passed"] is False
    assert all(item["passed"] for item in data["criteria"][1:])
    assert str(data["next_step"]).strip()
    assert json.loads(json.dumps(data)) == data  # plain JSON types only


def test_as_dict_of_an_eligible_case():
    data = screen(eligible_input()).as_dict()
    assert data["eligible"] is True
    assert data["age"] == 16
    assert data["next_step"] is None
    assert [c["name"] for c in data["criteria"]] == CRITERIA_ORDER
    assert all(c["passed"] for c in data["criteria"])
    assert json.loads(json.dumps(data)) == data


# --- capacity ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("open_cases", "max_caseload", "state", "free"),
    [
        (18, 17, "over", 0),
        (20, 17, "over", 0),
        (17, 17, "full", 0),
        (16, 17, "in-band", 1),
        (15, 17, "in-band", 2),
        (14, 17, "below-band", 3),
        (0, 17, "below-band", 17),
        (0, 5, "below-band", 5),
        (4, 5, "below-band", 1),
        (5, 5, "full", 0),  # a consultant new to IPS, ramping up from 5
        (6, 5, "over", 0),
        (15, 15, "full", 0),  # full comes before in-band
        (16, 15, "over", 0),  # over comes before in-band
        (0, 0, "full", 0),
        (2, 2, "full", 0),
    ],
)
def test_capacity_state_and_free_places(open_cases, max_caseload, state, free):
    assert capacity_state(open_cases, max_caseload) == state
    assert free_places(open_cases, max_caseload) == free


@settings(deadline=None)
@given(st.integers(min_value=0, max_value=60), st.integers(min_value=0, max_value=60))
def test_free_places_never_negative(open_cases, max_caseload):
    free = free_places(open_cases, max_caseload)
    assert free >= 0
    assert free == max(0, max_caseload - open_cases)
    assert (capacity_state(open_cases, max_caseload) == "over") is (open_cases > max_caseload)


def test_weekly_contact_clock_starts_at_enrolment():
    """A youth contact while waitlisted does not count: the weekly clock starts at enrolment."""
    from ipsung.due_rules import CaseFacts, due_for_case
    from ipsung.render.due import detail

    enrolled, on = date(2026, 11, 10), date(2026, 11, 19)
    facts = CaseFacts(1, "Mette Holm", enrolled, last_youth_contact=date(2026, 11, 5))
    weekly = [i for i in due_for_case(facts, on) if i.reason == "weekly-contact"]
    assert [
        (i.since, detail(i).startswith("no youth contact since enrolment")) for i in weekly
    ] == [(date(2026, 11, 18), True)]
    in_time = CaseFacts(1, "Mette Holm", enrolled, last_youth_contact=date(2026, 11, 12))
    assert not [i for i in due_for_case(in_time, on) if i.reason == "weekly-contact"]
