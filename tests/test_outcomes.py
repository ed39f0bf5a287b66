"""Outcomes (SPEC §8) through the real CLI on a real
SQLite file, checked against figures worked out by hand.

Every cohort is built with the commands a consultant types (intake with --referral-date,
log-contact, placement add/end, progress, close, reassign). The expected figures are
written out in the comments next to them: dates, day counts, week lists, fractions. No
expected value is computed with ipsung's own code.

Today is Monday 2026-11-23 (conftest); a few tests move it with monkeypatch.

Useful day counts from today, 2026-11-23:
  - 13 weeks =  91 days back: 2026-08-24 (a start on or before it is old enough for 13 weeks)
  - 26 weeks = 182 days back: 2026-05-25 (a start on or before it is old enough for 26 weeks)
  - the last full Monday-Sunday week of an open case is 2026-11-16..2026-11-22
    (today's week, 2026-11-23..2026-11-29, is not over yet).

Shares are compared with a tolerance of 0.00005 (four decimals); every other value exactly.
"""

import json
import re
import shutil
from datetime import date

import pytest
from conftest import TODAY_ISO, doc, invoke, ok

from ipsung.reports import measures

SIGNS = ["--mistrivsel", "absence", "--substance", "A", "--motivated", "--normal-cognition"]
PLACEMENT_KINDS = [
    "internship",
    "ordinary-job",
    "flex-job",
    "wage-subsidy",
    "education",
    "fgu",
    "apprenticeship",
]
FIGURE_KEYS = {
    "cohort",
    "started_job_or_education",
    "share",
    "target",
    "target_met",
    "by_kind",
    "retained_13w",
    "retained_13w_of",
    "retained_26w",
    "retained_26w_of",
    "median_days_to_first_employer_contact",
    "median_days_to_first_employer_contact_of",
    "first_employer_contact_within_30d",
    "first_employer_contact_within_30d_count",
    "first_employer_contact_within_30d_of",
    "median_days_to_first_start",
    "weekly_contact_rate",
    "open_weeks",
    "progress",
    "aftercare",
}
DOCUMENT_KEYS = FIGURE_KEYS | {"from", "to", "as_of", "cohort_rule", "definitions"}
QUARTER_KEYS = {
    "quarter",
    "start",
    "end",
    "partial",
    "open_cases",
    "in_job",
    "job_rate",
    "job_band",
    "in_job_or_education",
    "job_or_education_rate",
    "job_or_education_target_met",
}
TOLERANCE = 0.00005
METTE = "Mette Holm"
JONAS = "Jonas Berg"


# --- helpers -----------------------------------------------------------------------------


def intake(run, name: str, referral: str, consultant: str | None, source: str = "school", *extra):
    """An eligible young person born 01-01-2010 (15-17 years old on every referral date used
    here), referred on `referral` by `source`; returns the case id."""
    args = ["intake", "--name", name, "--birth-date", "01-01-2010", "--referral-date", referral]
    args += ["--referred-by", source, *SIGNS]
    if consultant:
        args += ["--consultant", consultant]
    return doc(ok(run(*args, *extra, "--json")))["id"]


def contact(run, case_id: int, kind: str, day: str) -> None:
    ok(run("log-contact", str(case_id), "--kind", kind, "--date", day, "--json"))


def job_development(run, employer: str, day: str, consultant: str) -> None:
    """An employer contact with no participant (job development with a local company)."""
    args = ["log-contact", "--kind", "employer", "--employer", employer, "--date", day]
    ok(run(*args, "--consultant", consultant, "--json"))


def placement(run, case_id: int, kind: str, start: str, employer: str | None = None) -> int:
    args = ["placement", "add", str(case_id), "--kind", kind, "--start", start]
    if employer:
        args += ["--employer", employer]
    return doc(ok(run(*args, "--json")))["id"]


def end_placement(run, placement_id: int, day: str) -> None:
    ok(run("placement", "end", str(placement_id), "--date", day))


def rate(run, case_id: int, day: str, outlook: int, insight: int, skills: int) -> None:
    args = ["--outlook", str(outlook), "--insight", str(insight), "--skills", str(skills)]
    ok(run("progress", str(case_id), *args, "--date", day))


def close(run, case_id: int, day: str) -> None:
    ok(run("close", str(case_id), "--date", day, "--reason", "other"))


def outcomes(run, *args: str) -> dict:
    return doc(ok(run("outcomes", *args, "--json")))


def kinds(**counts: int) -> dict:
    """by_kind with all seven kinds, zeros included: kinds(ordinary_job=1)."""
    result = dict.fromkeys(PLACEMENT_KINDS, 0)
    for name, count in counts.items():
        result[name.replace("_", "-")] = count
    return result


def mismatches(actual, expected, path: str = "") -> list[str]:
    """Every place where `actual` differs from `expected`: floats within TOLERANCE, ints,
    bools, None and strings exactly, dicts with exactly the same keys."""
    if isinstance(expected, bool) or expected is None:
        return [] if actual is expected else [f"{path}: expected {expected!r}, got {actual!r}"]
    if isinstance(expected, float):
        if isinstance(actual, bool) or not isinstance(actual, int | float):
            return [f"{path}: expected {expected!r}, got {actual!r}"]
        if abs(actual - expected) > TOLERANCE:
            return [f"{path}: expected {expected!r}, got {actual!r}"]
        return []
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected a dict, got {actual!r}"]
        problems = []
        if set(actual) != set(expected):
            problems.append(f"{path}: keys {sorted(actual)} != {sorted(expected)}")
        for key in expected:
            if key in actual:
                problems += mismatches(actual[key], expected[key], f"{path}.{key}")
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {expected!r}, got {actual!r}"]
        problems = []
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            problems += mismatches(a, e, f"{path}[{i}]")
        return problems
    if isinstance(actual, bool) or actual != expected or type(actual) is not type(expected):
        return [f"{path}: expected {expected!r}, got {actual!r}"]
    return []


def assert_same(actual, expected) -> None:
    problems = mismatches(actual, expected)
    assert not problems, "\n".join(problems)


def no_figures() -> dict:
    """The figures of an empty group: nothing to divide, so every share and median is null."""
    return {
        "cohort": 0,
        "started_job_or_education": 0,
        "share": None,
        "target": 0.5,
        "target_met": False,
        "by_kind": kinds(),
        "retained_13w": None,
        "retained_13w_of": 0,
        "retained_26w": None,
        "retained_26w_of": 0,
        "median_days_to_first_employer_contact": None,
        "median_days_to_first_employer_contact_of": 0,
        "first_employer_contact_within_30d": None,
        "first_employer_contact_within_30d_count": 0,
        "first_employer_contact_within_30d_of": 0,
        "median_days_to_first_start": None,
        "weekly_contact_rate": None,
        "open_weeks": 0,
        "progress": {"rated_twice": 0, "outlook": None, "insight": None, "skills": None},
        "aftercare": no_aftercare(),
    }


def no_aftercare() -> dict:
    return {
        "cases": 0,
        "periods": 0,
        "ended_periods": 0,
        "median_days_of_ended_periods": None,
        "in_job_or_education_at_end": None,
        "in_job_or_education_at_end_count": 0,
    }


def figures_only(document: dict) -> dict:
    """The SPEC §8 figures of a document or group row, nothing else."""
    return {k: v for k, v in document.items() if k in FIGURE_KEYS}


# --- the main cohort ---------------------------------------------------------------------


def build_main_cohort(run) -> dict[str, int]:
    """Eight cases, A-H. Consultant (referred by), enrolment = referral date:

    A  Mette (psychiatry)   Mon 2026-03-02
       contacts: youth Tue 03-03 + three-party Thu 03-05 (same week), youth Mon 03-09,
                 caseworker 03-17 (not a weekly contact), employer 03-12 (10 days)
       placements: internship 03-09 (not counted), ordinary-job 03-16 (14 days, no end),
                   education 08-03 (a second counted start)
       ratings: 03-02 (2,3,1), 06-01 (1,1,1), 09-01 (4,3,2)
    B  Mette (school)       Mon 2026-04-06
       contacts: youth 04-07, employer 04-26 (20 days)
       placements: education 05-06 (30 days), ended 06-01 (26 days later: before 13 weeks)
       ratings: 04-06 (3,3,3), 10-01 (2,4,5)
    C  Mette (school)       Mon 2026-05-04
       contacts: employer 05-09 (5 days) and 05-20; no youth contact at all
       placements: fgu 06-01 (28 days), ended 08-31 = 06-01 + 91 days: exactly 13 weeks
       ratings: 05-04 (1,2,3) only
    D  Jonas (school)       Mon 2026-09-07
       contacts: youth Mon 09-07, youth 09-15, youth 09-22, treatment 10-06
       placements: apprenticeship 10-12 (35 days; 13 weeks only on 2027-01-11)
    E  Jonas (psychiatry)   Wed 2026-10-07
       contacts: youth Thu 10-08 (in the unfinished first week), youth 10-13,
                 employer 10-27 (20 days)
       placements: internship 10-19 only
    F  Mette (school)       Mon 2026-06-15, closed Wed 2026-09-16
       contacts: youth 06-16, three-party Tue 09-15 (in the unfinished last week)
       placements: wage-subsidy 07-01 only
    G  Mette (youth-guide)  Mon 2026-08-03, closed Wed 2026-09-23
       contacts: youth 08-04, youth Tue 09-22 (in the unfinished last week)
    H  Mette (youth-guide)  Mon 2026-11-02
       contacts: youth 11-03 + youth 11-05 (same week), three-party 11-10,
                 network 11-17 (not a weekly contact), youth Mon 11-23 (today: unfinished week)
       placements: education from 11-01 is refused (before enrolment), so none
    """
    ids = {}
    a = ids["A"] = intake(run, "Anna Andersen", "2026-03-02", METTE, "psychiatry")
    contact(run, a, "youth", "2026-03-03")
    contact(run, a, "three-party", "2026-03-05")
    contact(run, a, "youth", "2026-03-09")
    contact(run, a, "caseworker", "2026-03-17")
    contact(run, a, "employer", "2026-03-12")
    placement(run, a, "internship", "2026-03-09")
    placement(run, a, "ordinary-job", "2026-03-16")
    placement(run, a, "education", "2026-08-03")
    rate(run, a, "2026-03-02", 2, 3, 1)
    rate(run, a, "2026-06-01", 1, 1, 1)
    rate(run, a, "2026-09-01", 4, 3, 2)

    b = ids["B"] = intake(run, "Bo Bertelsen", "2026-04-06", METTE, "school")
    contact(run, b, "youth", "2026-04-07")
    contact(run, b, "employer", "2026-04-26")
    end_placement(run, placement(run, b, "education", "2026-05-06"), "2026-06-01")
    rate(run, b, "2026-04-06", 3, 3, 3)
    rate(run, b, "2026-10-01", 2, 4, 5)

    c = ids["C"] = intake(run, "Clara Christensen", "2026-05-04", METTE, "school")
    contact(run, c, "employer", "2026-05-09")
    contact(run, c, "employer", "2026-05-20")
    end_placement(run, placement(run, c, "fgu", "2026-06-01"), "2026-08-31")
    rate(run, c, "2026-05-04", 1, 2, 3)

    d = ids["D"] = intake(run, "Dennis Dam", "2026-09-07", JONAS, "school")
    contact(run, d, "youth", "2026-09-07")
    contact(run, d, "youth", "2026-09-15")
    contact(run, d, "youth", "2026-09-22")
    contact(run, d, "treatment", "2026-10-06")
    placement(run, d, "apprenticeship", "2026-10-12")

    e = ids["E"] = intake(run, "Emma Eriksen", "2026-10-07", JONAS, "psychiatry")
    contact(run, e, "youth", "2026-10-08")
    contact(run, e, "youth", "2026-10-13")
    contact(run, e, "employer", "2026-10-27")
    placement(run, e, "internship", "2026-10-19")

    f = ids["F"] = intake(run, "Frederik Frost", "2026-06-15", METTE, "school")
    contact(run, f, "youth", "2026-06-16")
    placement(run, f, "wage-subsidy", "2026-07-01")
    contact(run, f, "three-party", "2026-09-15")
    close(run, f, "2026-09-16")

    g = ids["G"] = intake(run, "Gustav Gram", "2026-08-03", METTE, "youth-guide")
    contact(run, g, "youth", "2026-08-04")
    contact(run, g, "youth", "2026-09-22")
    close(run, g, "2026-09-23")

    h = ids["H"] = intake(run, "Hanne Holst", "2026-11-02", METTE, "youth-guide")
    contact(run, h, "youth", "2026-11-03")
    contact(run, h, "youth", "2026-11-05")
    contact(run, h, "three-party", "2026-11-10")
    contact(run, h, "network", "2026-11-17")
    contact(run, h, "youth", "2026-11-23")
    return ids


@pytest.fixture(scope="module")
def main_template(tmp_path_factory):
    """The main cohort, built once through the CLI (with the `team` consultants) in a
    folder of its own; `main_cohort` gives each test a fresh copy."""
    folder = tmp_path_factory.mktemp("main-cohort") / "data"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IPSUNG_DB", str(folder / "ipsung.db"))
        mp.setenv("IPSUNG_TODAY", TODAY_ISO)
        mp.setenv("NO_COLOR", "1")
        mp.delenv("IPSUNG_NO_INPUT", raising=False)
        run = invoke
        ok(run("consultant", "add", METTE))
        ok(run("consultant", "add", JONAS, "--max-caseload", "2"))
        ids = build_main_cohort(run)
    return folder, ids


@pytest.fixture
def main_cohort(run, db_path, main_template):
    """(run, case ids A-H) on a private copy of the main cohort's database."""
    folder, ids = main_template
    shutil.copytree(folder, db_path.parent, dirs_exist_ok=True)  # over the empty database
    return run, ids


# Hand-worked facts per case of the main cohort (today Monday 2026-11-23):
#
# full weeks open (Mondays from the first Monday on/after enrolment to the last Monday
# whose Sunday is on/before the last open day: today for open cases, else the close day):
#   A 03-02..11-16: 259 days / 7 = 37 -> 38 weeks
#   B 04-06..11-16: 224 days / 7 = 32 -> 33 weeks
#   C 05-04..11-16: 196 days / 7 = 28 -> 29 weeks
#   D 09-07..11-16: 09-07,14,21,28,10-05,12,19,26,11-02,09,16 = 11 weeks
#   E enrolled Wed 10-07 -> first Monday 10-12..11-16: 10-12,19,26,11-02,09,16 = 6 weeks
#   F 06-15..09-07 (closed Wed 09-16; last full week 09-07..09-13): 84 / 7 = 12 -> 13 weeks
#   G 08-03..09-14 (closed Wed 09-23; last full week 09-14..09-20): 42 / 7 = 6 -> 7 weeks
#   H 11-02, 11-09, 11-16 = 3 weeks
#   total 38 + 33 + 29 + 11 + 6 + 13 + 7 + 3 = 140
# weeks with a youth or three-party contact:
#   A week 03-02 (03-03 and 03-05 count once), week 03-09 (Monday 03-09)        = 2
#   B week 04-06                                                                 = 1
#   C none (employer contacts do not count)                                      = 0
#   D weeks 09-07 (Monday 09-07), 09-14, 09-21; treatment 10-06 does not count   = 3
#   E 10-08 lies in the unfinished first week 10-05..10-11; week 10-12           = 1
#   F week 06-15; 09-15 lies in the unfinished last week 09-14..09-20            = 1
#   G week 08-03; 09-22 lies in the unfinished last week 09-21..09-27            = 1
#   H weeks 11-02 (11-03 and 11-05 count once), 11-09; network 11-17 does not
#     count; today 11-23 lies in the unfinished week 11-23..11-29                = 2
#   total 2 + 1 + 0 + 3 + 1 + 1 + 1 + 2 = 11
# days to first employer contact (no case has a pathway, so employer contacts only):
#   A 03-02->03-12 = 10, B 04-06->04-26 = 20, C 05-04->05-09 = 5, E 10-07->10-27 = 20
#   (D, F, G, H have none)
# enrolled 30 days or more before today (on or before 2026-10-24): A, B, C, D, E, F, G (not
#   H, 11-02); of them first employer contact within 30 days: A, B, C, E
# days to first counted start: A 03-02->03-16 = 14, B 04-06->05-06 = 30,
#   C 05-04->06-01 = 28, D 09-07->10-12 = 35
# first counted starts and retention:
#   A ordinary-job 03-16, no end: 13w on 06-15, 26w on 09-14 -> both tellable, retained
#   B education 05-06, ended 06-01: 13w on 08-05, 26w on 11-04 -> both tellable, not retained
#   C fgu 06-01, ended 08-31 = 06-01 + 91: 13w tellable, retained (ended exactly at 13 weeks);
#     26w only on 11-30, after today -> not tellable
#   D apprenticeship 10-12: 13w only on 2027-01-11 -> not tellable (window not reached)
#   (A's education 08-03 starts while its job runs: the same spell, still running)
# progress, first -> latest, cases rated at least twice:
#   A (2,3,1) -> (4,3,2) = +2, 0, +1   (the middle rating 06-01 does not matter)
#   B (3,3,3) -> (2,4,5) = -1, +1, +2
#   C rated once: left out


def test_every_figure_on_a_small_cohort(main_cohort):
    run, ids = main_cohort
    # A placement before enrolment is refused at entry and never reaches the figures.
    r = run("placement", "add", str(ids["H"]), "--kind", "education", "--start", "2026-11-01")
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    assert doc(ok(run("show", str(ids["H"]), "--json")))["placements"] == []

    d = outcomes(run)
    assert set(d) == DOCUMENT_KEYS
    assert (d["from"], d["to"], d["as_of"]) == (None, None, "2026-11-23")
    assert d["cohort_rule"] == {
        "min_followup_months": None,
        "enrolled_on_or_before": None,
        "text": "all enrolments",
    }
    assert_same(
        figures_only(d),
        {
            "cohort": 8,
            # A, B, C, D started a counted kind; E (internship), F (wage subsidy), G, H did not
            "started_job_or_education": 4,
            "share": 0.5,  # 4 / 8
            "target": 0.5,
            "target_met": True,  # exactly at the target counts as met
            # internship: A, E; ordinary-job: A; wage-subsidy: F; education: A (08-03), B;
            # fgu: C; apprenticeship: D; flex-job: none (still listed, as 0)
            "by_kind": kinds(
                internship=2, ordinary_job=1, wage_subsidy=1, education=2, fgu=1, apprenticeship=1
            ),
            "retained_13w": 2 / 3,  # A and C of A, B, C
            "retained_13w_of": 3,
            "retained_26w": 1 / 2,  # A of A, B
            "retained_26w_of": 2,
            # 5, 10, 20, 20: an even count, so the mean of 10 and 20
            "median_days_to_first_employer_contact": 15.0,
            "median_days_to_first_employer_contact_of": 4,  # A, B, C, E
            # A, B, C, E of A, B, C, D, E, F, G (H enrolled 11-02: under 30 days ago)
            "first_employer_contact_within_30d": 4 / 7,
            "first_employer_contact_within_30d_count": 4,
            "first_employer_contact_within_30d_of": 7,
            # 14, 28, 30, 35: the mean of 28 and 30
            "median_days_to_first_start": 29.0,
            "weekly_contact_rate": 11 / 140,  # = 0.0786
            "open_weeks": 140,
            # outlook (2 - 1) / 2, insight (0 + 1) / 2, skills (1 + 2) / 2
            "progress": {"rated_twice": 2, "outlook": 0.5, "insight": 0.5, "skills": 1.5},
            "aftercare": no_aftercare(),  # nobody went into aftercare
        },
    )
    for name in (
        "cohort",
        "started_job_or_education",
        "share",
        "retained",
        "median_days_to_first_employer_contact",
        "first_employer_contact_within_30d",
        "weekly_contact_rate",
        "quarterly",
        "aftercare",
    ):
        assert isinstance(d["definitions"][name], str) and d["definitions"][name].strip()


def test_edges_of_placements_and_retention(team):
    """Internship only, wage subsidy only, a start with no end yet, a retention window not
    yet reached, a start on the enrolment day, and a placement before enrolment refused."""
    run = team
    # P1 enrolled 09-07: internship 09-14 only -> not started, but in by_kind
    p1 = intake(run, "Ida Iversen", "2026-09-07", METTE)
    placement(run, p1, "internship", "2026-09-14")
    # P2 enrolled 09-07: wage subsidy 09-21 only -> not started, but in by_kind
    p2 = intake(run, "Jakob Juul", "2026-09-07", METTE)
    placement(run, p2, "wage-subsidy", "2026-09-21")
    # P3 enrolled 10-05: ordinary job 11-02 (28 days), no end; 13 weeks only on 2027-02-01
    p3 = intake(run, "Karla Krog", "2026-10-05", METTE)
    placement(run, p3, "ordinary-job", "2026-11-02")
    # P4 enrolled 11-02: education "from 10-30" is refused (exit 2), so P4 has no start
    p4 = intake(run, "Lars Lund", "2026-11-02", METTE)
    r = run("placement", "add", str(p4), "--kind", "education", "--start", "2026-10-30")
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    # P5 enrolled 05-04: ordinary job 05-11 (7 days), no end; 13 weeks on 08-10, 26 weeks
    # on 11-09 -> old enough for both, and still going: retained
    p5 = intake(run, "Maja Mortensen", "2026-05-04", METTE)
    placement(run, p5, "ordinary-job", "2026-05-11")
    # P6 enrolled 11-09: fgu on the enrolment day itself (0 days) counts ("on or after")
    p6 = intake(run, "Nikolaj Nør", "2026-11-09", METTE)
    placement(run, p6, "fgu", "2026-11-09")

    d = outcomes(run)
    assert d["cohort"] == 6
    assert d["started_job_or_education"] == 3  # P3, P5, P6
    assert_same(d["share"], 0.5)  # 3 / 6
    assert d["target_met"] is True
    assert d["by_kind"] == kinds(internship=1, wage_subsidy=1, ordinary_job=2, fgu=1)
    # 13 weeks: only P5's start (05-11) is on/before 2026-08-24; P3 (11-02) and P6 (11-09)
    # have not reached the window and are not in the denominator
    assert (d["retained_13w"], d["retained_13w_of"]) == (1.0, 1)
    # 26 weeks: P5's start 05-11 is on/before 2026-05-25
    assert (d["retained_26w"], d["retained_26w_of"]) == (1.0, 1)
    # first starts: P6 0, P5 7, P3 28 -> median 7
    assert d["median_days_to_first_start"] == 7
    assert d["median_days_to_first_employer_contact"] is None  # no employer contacts

    # Without P6 (enrolled 11-09), --to 2026-11-08: 2 of 5 started = 0.4, below the target
    d = outcomes(run, "--to", "2026-11-08")
    assert (d["cohort"], d["started_job_or_education"]) == (5, 2)
    assert_same(d["share"], 0.4)
    assert d["target_met"] is False
    # first starts P5 7, P3 28: the mean of the two
    assert d["median_days_to_first_start"] == 17.5


def test_retention_follows_one_spell_and_stops_at_closing(team):
    """Back-to-back counted placements are one spell (the next starts at most 14 days after
    the last one ended); a spell ends at closing even if a placement was never ended.

    Six cases, each enrolled Monday 2026-03-02. Every first start lies on or before
    2026-05-25, so all six are old enough for both windows (today 2026-11-23)."""
    run = team

    def case(name: str) -> int:
        return intake(run, name, "2026-03-02", METTE)

    # R1: ordinary job from 03-16, never ended; the case closed 03-30, two weeks later.
    #   The spell ends 03-30, before 13 weeks (06-15) and 26 weeks (09-14): neither.
    r1 = case("Rikke Et")
    placement(run, r1, "ordinary-job", "2026-03-16")
    close(run, r1, "2026-03-30")
    # R2: FGU 03-09..05-29, then a vocational school (education) from 06-12 = 05-29 + 14
    #   days: one spell, still running -> 13 weeks (06-08, in the gap between the two) and
    #   26 weeks (09-07): both.
    r2 = case("Rikke To")
    end_placement(run, placement(run, r2, "fgu", "2026-03-09"), "2026-05-29")
    placement(run, r2, "education", "2026-06-12")
    # R3: ordinary job 03-09..05-29, then an apprenticeship from 06-13 = 05-29 + 15 days:
    #   two spells; the first ended 05-29, before 13 weeks (06-08): neither.
    r3 = case("Rikke Tre")
    end_placement(run, placement(run, r3, "ordinary-job", "2026-03-09"), "2026-05-29")
    placement(run, r3, "apprenticeship", "2026-06-13")
    # R4: ordinary job 03-09..04-10, apprenticeship 04-20 (10 days later)..06-30, FGU 07-14
    #   (14 days later), never ended; closed 10-01. One spell 03-09..10-01 (closing):
    #   13 weeks (06-08) and 26 weeks (09-07) both.
    r4 = case("Rikke Fire")
    end_placement(run, placement(run, r4, "ordinary-job", "2026-03-09"), "2026-04-10")
    end_placement(run, placement(run, r4, "apprenticeship", "2026-04-20"), "2026-06-30")
    placement(run, r4, "fgu", "2026-07-14")
    close(run, r4, "2026-10-01")
    # R5: ordinary job from 03-09, never ended; closed 06-08 = 03-09 + 91 days: exactly 13
    #   weeks -> retained at 13 weeks, not at 26 (09-07).
    r5 = case("Rikke Fem")
    placement(run, r5, "ordinary-job", "2026-03-09")
    close(run, r5, "2026-06-08")
    # R6: education 03-09..04-30 and, side by side, an ordinary job 04-01..09-30 (it starts
    #   before the education ends): one spell to 09-30 -> 13 weeks (06-08) and 26 weeks
    #   (09-07) both. An internship 05-04 does not matter.
    r6 = case("Rikke Seks")
    end_placement(run, placement(run, r6, "education", "2026-03-09"), "2026-04-30")
    end_placement(run, placement(run, r6, "ordinary-job", "2026-04-01"), "2026-09-30")
    placement(run, r6, "internship", "2026-05-04")

    d = outcomes(run)
    assert (d["cohort"], d["started_job_or_education"]) == (6, 6)
    # 13 weeks: R2, R4, R5, R6 of six
    assert_same(d["retained_13w"], 4 / 6)
    assert d["retained_13w_of"] == 6
    # 26 weeks: R2, R4, R6 of six
    assert_same(d["retained_26w"], 0.5)
    assert d["retained_26w_of"] == 6


def test_weekly_contact_rate_counts_full_calendar_weeks(team, monkeypatch):
    run = team
    # W1 enrolled Wednesday 2026-10-07: its first full week starts Monday 10-12.
    #   youth Thu 10-08: in the unfinished first week -> not counted
    #   youth Mon 10-12 and Wed 10-14: one week, counted once
    #   employer 10-20 and network 10-21: not weekly contacts
    #   three-party Wed 11-04: counted
    #   full weeks (today Mon 11-23): 10-12, 10-19, 10-26, 11-02, 11-09, 11-16 = 6; contact weeks 2
    w1 = intake(run, "Oliver Olsen", "2026-10-07", METTE)
    contact(run, w1, "youth", "2026-10-08")
    contact(run, w1, "youth", "2026-10-12")
    contact(run, w1, "youth", "2026-10-14")
    contact(run, w1, "employer", "2026-10-20")
    contact(run, w1, "network", "2026-10-21")
    contact(run, w1, "three-party", "2026-11-04")
    # W2 enrolled Monday 2026-10-05, closed Wednesday 2026-11-04: its last full week is
    # 10-26..11-01, so the full weeks are 10-05, 10-12, 10-19, 10-26 = 4.
    #   youth Mon 10-05 (the enrolment day): week 10-05, counted
    #   youth Wed 10-28: week 10-26, counted
    #   three-party Wed 11-04 (the closing day): unfinished week 11-02..11-08 -> not counted
    w2 = intake(run, "Pia Poulsen", "2026-10-05", METTE)
    contact(run, w2, "youth", "2026-10-05")
    contact(run, w2, "youth", "2026-10-28")
    contact(run, w2, "three-party", "2026-11-04")
    close(run, w2, "2026-11-04")

    d = outcomes(run)
    # (2 + 2) / (6 + 4)
    assert (d["weekly_contact_rate"], d["open_weeks"]) == (0.4, 10)

    # Wednesday 2026-11-25: the week 11-23..11-29 is still unfinished, so a contact on
    # Tuesday 11-24 does not count yet: still 4 / 10.
    monkeypatch.setenv("IPSUNG_TODAY", "2026-11-25")
    contact(run, w1, "youth", "2026-11-24")
    d = outcomes(run)
    assert (d["weekly_contact_rate"], d["open_weeks"]) == (0.4, 10)

    # Monday 2026-11-30: the week 11-23..11-29 is over. W1 now has 7 full weeks and 3
    # contact weeks; W2 is closed and unchanged: (3 + 2) / (7 + 4) = 5 / 11.
    monkeypatch.setenv("IPSUNG_TODAY", "2026-11-30")
    d = outcomes(run)
    assert d["open_weeks"] == 11
    assert_same(d["weekly_contact_rate"], 5 / 11)


# --- empty and tiny cohorts --------------------------------------------------------------


@pytest.mark.no_db
def test_no_database_gives_empty_figures(run, db_path):
    for args in ([], ["--quarterly"], ["--by", "consultant"], ["--by", "referred-by"]):
        r = ok(run("outcomes", *args, "--json"))
        d = json.loads(r.stdout)
        assert_same(figures_only(d), no_figures())
        assert "no database" in r.stderr
    assert d["by"] == {"grouping": "referred-by", "groups": []}
    assert outcomes(run, "--quarterly")["quarterly"] == []
    # people's output too, and nothing was created
    ok(run("outcomes"))
    ok(run("outcomes", "--by", "consultant", "--quarterly"))
    assert not db_path.exists()
    assert not db_path.parent.exists()


def test_empty_window_gives_empty_figures(main_cohort):
    run, _ids = main_cohort
    # nobody was enrolled in January 2026 (the first enrolment is 2026-03-02)
    d = outcomes(run, "--from", "2026-01-01", "--to", "2026-01-31", "--by", "consultant")
    assert_same(figures_only(d), no_figures())
    assert (d["from"], d["to"]) == ("2026-01-01", "2026-01-31")
    assert d["by"]["groups"] == []
    ok(run("outcomes", "--from", "2026-01-01", "--to", "2026-01-31"))


def test_one_case_only(team):
    run = team
    # enrolled Monday 11-02; youth 11-03; education 11-09 (7 days); one rating only
    case = intake(run, "Rasmus Rask", "2026-11-02", METTE)
    contact(run, case, "youth", "2026-11-03")
    placement(run, case, "education", "2026-11-09")
    rate(run, case, "2026-11-02", 2, 2, 2)
    d = outcomes(run, "--quarterly", "--by", "referred-by")
    expected = no_figures() | {
        "cohort": 1,
        "started_job_or_education": 1,
        "share": 1.0,
        "target_met": True,
        "by_kind": kinds(education=1),
        "median_days_to_first_start": 7.0,
        # no employer contact, and enrolled 11-02: under 30 days ago, so not in the share
        # full weeks 11-02, 11-09, 11-16; a contact in the first: 1 / 3
        "weekly_contact_rate": 1 / 3,
        "open_weeks": 3,
    }
    assert_same(figures_only(d), expected)
    assert_same(figures_only(d["by"]["groups"][0]), expected)
    assert d["by"]["groups"][0]["group"] == "school"
    # one quarter, 2026-Q4 (today's): 1 open, in education (not a job)
    assert [
        (q["quarter"], q["open_cases"], q["in_job"], q["in_job_or_education"])
        for q in d["quarterly"]
    ] == [("2026-Q4", 1, 0, 1)]


# --- choosing the cohort -----------------------------------------------------------------


@pytest.mark.parametrize(
    "args, cohort, started, share, target_met",
    [
        # A 03-02, B 04-06, C 05-04: all three started
        (["--to", "2026-05-31"], 3, 3, 1.0, True),
        # inclusive both ends: C 05-04, F 06-15, G 08-03, D 09-07; started C, D = 2 / 4
        (["--from", "2026-05-04", "--to", "2026-09-07"], 4, 2, 0.5, True),
        # the same window in Danish day-first dates
        (["--from", "04-05-2026", "--to", "07.09.2026"], 4, 2, 0.5, True),
        # C, F, G: started C = 1 / 3, below the target
        (["--from", "2026-05-04", "--to", "2026-08-03"], 3, 1, 1 / 3, False),
        # one day after C and one before D: F, G, none started
        (["--from", "2026-05-05", "--to", "2026-09-06"], 2, 0, 0.0, False),
        # F, G, D, E, H: started D = 1 / 5
        (["--from", "2026-06-01"], 5, 1, 0.2, False),
        # a single day: C
        (["--from", "2026-05-04", "--to", "2026-05-04"], 1, 1, 1.0, True),
    ],
)
def test_from_and_to_select_by_enrolment_date(
    main_cohort, args, cohort, started, share, target_met
):
    run, _ids = main_cohort
    d = outcomes(run, *args)
    assert (d["cohort"], d["started_job_or_education"], d["target_met"]) == (
        cohort,
        started,
        target_met,
    )
    assert_same(d["share"], share)


def test_window_figures_before_june(main_cohort):
    run, _ids = main_cohort
    d = outcomes(run, "--to", "31-05-2026")
    assert (d["from"], d["to"]) == (None, "2026-05-31")
    assert_same(
        figures_only(d),
        {
            "cohort": 3,  # A, B, C
            "started_job_or_education": 3,
            "share": 1.0,
            "target": 0.5,
            "target_met": True,
            "by_kind": kinds(internship=1, ordinary_job=1, education=2, fgu=1),
            "retained_13w": 2 / 3,  # A, C of A, B, C
            "retained_13w_of": 3,
            "retained_26w": 0.5,  # A of A, B
            "retained_26w_of": 2,
            "median_days_to_first_employer_contact": 10.0,  # 5, 10, 20: the middle one
            "median_days_to_first_employer_contact_of": 3,
            "first_employer_contact_within_30d": 1.0,  # A 10, B 20, C 5 days
            "first_employer_contact_within_30d_count": 3,
            "first_employer_contact_within_30d_of": 3,
            "median_days_to_first_start": 28.0,  # 14, 28, 30
            "weekly_contact_rate": 3 / 100,  # (2 + 1 + 0) / (38 + 33 + 29)
            "open_weeks": 100,
            "progress": {"rated_twice": 2, "outlook": 0.5, "insight": 0.5, "skills": 1.5},
            "aftercare": no_aftercare(),
        },
    )


def test_waitlisted_case_joins_the_cohort_when_enrolled(team):
    run = team
    # Jonas Berg takes 2 cases at most: two cases fill him
    intake(run, "Sara Sand", "2026-09-01", JONAS)
    intake(run, "Tobias Tang", "2026-09-02", JONAS)
    # referred 10-01 to the full Jonas with --waitlist: waitlisted, not enrolled
    r = ok(run(*intake_cmd("Ulla Ulv", "2026-10-01", JONAS), "--waitlist", "--json"))
    waiting = doc(r)
    assert waiting["status"] == "waitlisted"

    assert outcomes(run)["cohort"] == 2
    assert outcomes(run, "--from", "2026-10-01")["cohort"] == 0

    # reassign enrols it today, 2026-11-23
    ok(run("reassign", str(waiting["id"]), "--to", METTE))
    assert outcomes(run)["cohort"] == 3
    assert outcomes(run, "--from", "2026-11-23")["cohort"] == 1  # by enrolment ...
    assert outcomes(run, "--from", "2026-10-01", "--to", "2026-10-01")["cohort"] == 0  # ... not
    assert outcomes(run, "--to", "2026-11-22")["cohort"] == 2  # referral date
    groups = outcomes(run, "--by", "consultant")["by"]["groups"]
    assert [(g["group"], g["cohort"]) for g in groups] == [(JONAS, 2), (METTE, 1)]


def intake_cmd(name: str, referral: str, consultant: str) -> list[str]:
    return [
        "intake",
        "--name",
        name,
        "--birth-date",
        "01-01-2010",
        "--referral-date",
        referral,
        "--referred-by",
        "school",
        *SIGNS,
        "--consultant",
        consultant,
    ]


def test_min_followup_keeps_cases_enrolled_long_enough_ago_or_closed(main_cohort):
    run, _ids = main_cohort
    # 6 months before Monday 2026-11-23: enrolled on or before 2026-05-23 (05-23 + 6 months
    # = 11-23; 05-24 + 6 months = 11-24 is too late): A 03-02, B 04-06, C 05-04; and the
    # closed cases F (enrolled 06-15) and G (08-03). D, E and H are open and too recent.
    d = outcomes(run, "--min-followup", "6")
    assert d["cohort_rule"] == {
        "min_followup_months": 6,
        "enrolled_on_or_before": "2026-05-23",
        "text": "all enrolments; only cases enrolled on or before 23-05-2026 (at least 6 "
        "calendar months before 23-11-2026) or closed",
    }
    assert_same(
        figures_only(d),
        {
            "cohort": 5,  # A, B, C, F, G
            "started_job_or_education": 3,  # A, B, C
            "share": 0.6,
            "target": 0.5,
            "target_met": True,
            # A internship, ordinary job, education; B education; C fgu; F wage subsidy
            "by_kind": kinds(internship=1, ordinary_job=1, education=2, fgu=1, wage_subsidy=1),
            "retained_13w": 2 / 3,  # A, C of A, B, C
            "retained_13w_of": 3,
            "retained_26w": 0.5,  # A of A, B
            "retained_26w_of": 2,
            "median_days_to_first_employer_contact": 10.0,  # 5, 10, 20
            "median_days_to_first_employer_contact_of": 3,
            "first_employer_contact_within_30d": 0.6,  # A, B, C of A, B, C, F, G
            "first_employer_contact_within_30d_count": 3,
            "first_employer_contact_within_30d_of": 5,
            "median_days_to_first_start": 28.0,  # 14, 28, 30
            # A 2/38, B 1/33, C 0/29, F 1/13, G 1/7 -> 5 / 120
            "weekly_contact_rate": 5 / 120,
            "open_weeks": 120,
            "progress": {"rated_twice": 2, "outlook": 0.5, "insight": 0.5, "skills": 1.5},
            "aftercare": no_aftercare(),
        },
    )
    # 18 months (the evidence's follow-up): on or before 2025-05-23 nobody was enrolled;
    # the closed F and G remain, and neither started: 0 / 2
    d = outcomes(run, "--min-followup", "18")
    assert d["cohort_rule"]["enrolled_on_or_before"] == "2025-05-23"
    assert (d["cohort"], d["started_job_or_education"], d["share"]) == (2, 0, 0.0)
    # with --from 2026-04-01 as well: B, C (enrolled 04-06..05-23), F, G (closed) -> B, C
    # started: 2 / 4
    d = outcomes(run, "--from", "2026-04-01", "--min-followup", "6", "--by", "consultant")
    assert (d["cohort"], d["started_job_or_education"], d["share"]) == (4, 2, 0.5)
    assert d["cohort_rule"]["text"] == (
        "enrolled 01-04-2026 to …; only cases enrolled on or before 23-05-2026 (at least 6 "
        "calendar months before 23-11-2026) or closed"
    )
    assert [(g["group"], g["cohort"]) for g in d["by"]["groups"]] == [(METTE, 4)]
    # people read the rule above the figures
    out = ok(run("outcomes", "--min-followup", "6")).stdout
    first = out.splitlines()[0]
    assert "only cases enrolled on or before 23-05-2026" in first and "or closed" in first
    assert re.search(r"\b3 of 5\b", out), out


def test_min_followup_counts_calendar_months_to_the_end_of_a_month(team, monkeypatch):
    """On Saturday 28 February 2026, 6 months of follow-up: 31 August 2025 plus 6 months is
    28 February 2026 (a month has no 31st of February), so a case enrolled on 31 August is
    in; one enrolled on 1 September (plus 6 months: 1 March) is not."""
    run = team
    monkeypatch.setenv("IPSUNG_TODAY", "2026-02-28")
    intake(run, "Maj Otteogtyve", "2025-08-28", METTE)
    intake(run, "Maj Enogtredive", "2025-08-31", METTE)
    intake(run, "Maj Foerste", "2025-09-01", METTE)
    d = outcomes(run, "--min-followup", "6")
    assert d["cohort_rule"]["enrolled_on_or_before"] == "2025-08-31"
    assert d["cohort"] == 2
    # 1 month on Tuesday 31 March 2026: 28 February + 1 month = 28 March, 1 March + 1
    # month = 1 April: the last enrolment day is 28 February (2026 has no 29th)
    monkeypatch.setenv("IPSUNG_TODAY", "2026-03-31")
    assert outcomes(run, "--min-followup", "1")["cohort_rule"]["enrolled_on_or_before"] == (
        "2026-02-28"
    )


@pytest.mark.parametrize(
    "today, months, last_enrolment_day",
    [
        (date(2026, 11, 23), 18, date(2025, 5, 23)),
        (date(2026, 2, 28), 6, date(2025, 8, 31)),  # 08-29, 08-30, 08-31 + 6 months = 02-28
        (date(2024, 3, 31), 1, date(2024, 2, 29)),  # a leap year: 02-29 + 1 month = 03-29
        (date(2024, 2, 29), 12, date(2023, 2, 28)),  # 2023-02-28 + 12 months = 2024-02-28
        (date(2026, 1, 1), 1, date(2025, 12, 1)),
    ],
)
def test_followup_cutoff_is_the_last_enrolment_day_with_that_many_months(
    today, months, last_enrolment_day
):
    assert measures.followup_cutoff(today, months) == last_enrolment_day


@pytest.mark.parametrize(
    "args, option",
    [
        (["--min-followup", "0"], "--min-followup"),
        (["--min-followup", "-6"], "--min-followup"),
        (["--min-followup", "1201"], "--min-followup"),
        (["--min-followup", "1.5"], "--min-followup"),
        (["--min-followup", "atten"], "--min-followup"),
        (["--min-followup", "99999999999999999999999"], "--min-followup"),
        (["--by", "region"], "--by"),
        (["--from", "2026-06-02", "--to", "2026-06-01"], "--from"),
        (["--from", "31-02-2026"], "--from"),
        (["--to", "31-02-2026"], "--to"),
        (["--from", "banana"], "--from"),
        (["--to", "2026-13-01"], "--to"),
        (["--by", "banana"], "--by"),
    ],
)
@pytest.mark.parametrize("json_out", [[], ["--json"]])
def test_bad_cohort_options_exit_2(team, args, option, json_out):
    run = team
    intake(run, "Vera Vang", "2026-11-02", METTE)
    r = run("outcomes", *args, *json_out)
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    assert option in r.stderr
    assert len(r.stderr.splitlines()) == 1, r.stderr
    assert r.stdout == ""


# --- breakdowns ---------------------------------------------------------------------------


def test_by_consultant(main_cohort):
    run, _ids = main_cohort
    d = outcomes(run, "--by", "consultant")
    assert d["cohort"] == 8
    assert d["by"]["grouping"] == "consultant"
    groups = d["by"]["groups"]
    assert [g["group"] for g in groups] == [JONAS, METTE]
    for g in groups:
        assert set(g) == FIGURE_KEYS | {"group"}
    # Jonas Berg: D, E
    assert_same(
        figures_only(groups[0]),
        {
            "cohort": 2,
            "started_job_or_education": 1,  # D
            "share": 0.5,
            "target": 0.5,
            "target_met": True,
            "by_kind": kinds(apprenticeship=1, internship=1),
            "retained_13w": None,  # D's start 10-12 is not 13 weeks old
            "retained_13w_of": 0,
            "retained_26w": None,
            "retained_26w_of": 0,
            "median_days_to_first_employer_contact": 20.0,  # E
            "median_days_to_first_employer_contact_of": 1,
            "first_employer_contact_within_30d": 0.5,  # E of D (none), E
            "first_employer_contact_within_30d_count": 1,
            "first_employer_contact_within_30d_of": 2,
            "median_days_to_first_start": 35.0,  # D
            "weekly_contact_rate": 4 / 17,  # D 3 of 11, E 1 of 6
            "open_weeks": 17,
            "progress": {"rated_twice": 0, "outlook": None, "insight": None, "skills": None},
            "aftercare": no_aftercare(),
        },
    )
    # Mette Holm: A, B, C, F, G, H
    assert_same(
        figures_only(groups[1]),
        {
            "cohort": 6,
            "started_job_or_education": 3,  # A, B, C
            "share": 0.5,
            "target": 0.5,
            "target_met": True,
            "by_kind": kinds(internship=1, ordinary_job=1, wage_subsidy=1, education=2, fgu=1),
            "retained_13w": 2 / 3,  # A, C of A, B, C
            "retained_13w_of": 3,
            "retained_26w": 0.5,  # A of A, B
            "retained_26w_of": 2,
            "median_days_to_first_employer_contact": 10.0,  # 5, 10, 20
            "median_days_to_first_employer_contact_of": 3,
            # A, B, C of A, B, C, F, G (H enrolled under 30 days ago)
            "first_employer_contact_within_30d": 0.6,
            "first_employer_contact_within_30d_count": 3,
            "first_employer_contact_within_30d_of": 5,
            "median_days_to_first_start": 28.0,  # 14, 28, 30
            # A 2/38, B 1/33, C 0/29, F 1/13, G 1/7, H 2/3 -> 7 / 123
            "weekly_contact_rate": 7 / 123,
            "open_weeks": 123,
            "progress": {"rated_twice": 2, "outlook": 0.5, "insight": 0.5, "skills": 1.5},
            "aftercare": no_aftercare(),
        },
    )


def test_by_referred_by(main_cohort):
    run, _ids = main_cohort
    d = outcomes(run, "--by", "referred-by")
    assert d["by"]["grouping"] == "referred-by"
    groups = d["by"]["groups"]
    assert [g["group"] for g in groups] == ["psychiatry", "school", "youth-guide"]
    # psychiatry: A, E
    assert_same(
        figures_only(groups[0]),
        {
            "cohort": 2,
            "started_job_or_education": 1,  # A
            "share": 0.5,
            "target": 0.5,
            "target_met": True,
            "by_kind": kinds(internship=2, ordinary_job=1, education=1),
            "retained_13w": 1.0,  # A
            "retained_13w_of": 1,
            "retained_26w": 1.0,
            "retained_26w_of": 1,
            "median_days_to_first_employer_contact": 15.0,  # A 10, E 20
            "median_days_to_first_employer_contact_of": 2,
            "first_employer_contact_within_30d": 1.0,  # A, E of A, E
            "first_employer_contact_within_30d_count": 2,
            "first_employer_contact_within_30d_of": 2,
            "median_days_to_first_start": 14.0,  # A
            "weekly_contact_rate": 3 / 44,  # A 2/38, E 1/6
            "open_weeks": 44,
            "progress": {"rated_twice": 1, "outlook": 2.0, "insight": 0.0, "skills": 1.0},
            "aftercare": no_aftercare(),
        },
    )
    # school: B, C, D, F
    assert_same(
        figures_only(groups[1]),
        {
            "cohort": 4,
            "started_job_or_education": 3,  # B, C, D
            "share": 0.75,
            "target": 0.5,
            "target_met": True,
            "by_kind": kinds(wage_subsidy=1, education=1, fgu=1, apprenticeship=1),
            "retained_13w": 0.5,  # C of B, C (D too young)
            "retained_13w_of": 2,
            "retained_26w": 0.0,  # B only is 26 weeks old, and it ended
            "retained_26w_of": 1,
            "median_days_to_first_employer_contact": 12.5,  # B 20, C 5: (5 + 20) / 2
            "median_days_to_first_employer_contact_of": 2,
            "first_employer_contact_within_30d": 0.5,  # B, C of B, C, D, F
            "first_employer_contact_within_30d_count": 2,
            "first_employer_contact_within_30d_of": 4,
            "median_days_to_first_start": 30.0,  # 28, 30, 35
            "weekly_contact_rate": 5 / 86,  # B 1/33, C 0/29, D 3/11, F 1/13
            "open_weeks": 86,
            "progress": {"rated_twice": 1, "outlook": -1.0, "insight": 1.0, "skills": 2.0},
            "aftercare": no_aftercare(),
        },
    )
    # youth-guide: G, H
    assert_same(
        figures_only(groups[2]),
        no_figures()
        | {
            "cohort": 2,
            "share": 0.0,
            # no employer contact; G enrolled 08-03 is 30 days old, H (11-02) is not
            "first_employer_contact_within_30d": 0.0,
            "first_employer_contact_within_30d_of": 1,
            "weekly_contact_rate": 0.3,  # G 1/7, H 2/3 -> 3 / 10
            "open_weeks": 10,
        },
    )


def build_search_cohort(run) -> None:
    """Six cases with Mette Holm for the rapid job search, by pathway and track.

    E1 education pathway, F32 (track ips), enrolled 2026-09-01:
       education contact 09-11 (10 days), employer 10-21 (50): the school counts -> 10
    E2 job-placement, F32 (track ips), enrolled 09-01:
       education contact 09-05 (not on its pathway), employer 10-06 (35 days) -> 35
    E3 education pathway (ips-like), enrolled 09-01:
       employer 09-21 (20 days), education 10-01 (30): an employer contact counts too -> 20
    E4 education pathway (ips-like), enrolled 09-01: no contact at all -> none
    E5 job-development (ips-like), enrolled 11-01: employer 11-05 -> 4
       (enrolled 22 days ago: too recent to tell whether within 30 days)
    E6 job-development (ips-like), enrolled 10-24 (+ 30 days = 11-23, today):
       employer 11-23 -> 30, within 30 days (the last day of the window)
    """

    def case(name, day, pathway, *extra):
        return intake(run, name, day, METTE, "school", "--pathway", pathway, *extra)

    e1 = case("Eva Et", "2026-09-01", "education", "--diagnosis", "F32")
    contact(run, e1, "education", "2026-09-11")
    contact(run, e1, "employer", "2026-10-21")
    e2 = case("Eva To", "2026-09-01", "job-placement", "--diagnosis", "F32")
    contact(run, e2, "education", "2026-09-05")
    contact(run, e2, "employer", "2026-10-06")
    e3 = case("Eva Tre", "2026-09-01", "education")
    contact(run, e3, "employer", "2026-09-21")
    contact(run, e3, "education", "2026-10-01")
    case("Eva Fire", "2026-09-01", "education")
    e5 = case("Eva Fem", "2026-11-01", "job-development")
    contact(run, e5, "employer", "2026-11-05")
    e6 = case("Eva Seks", "2026-10-24", "job-development")
    contact(run, e6, "employer", "2026-11-23")


def search_figures(document: dict) -> list:
    """cohort, median days to the first contact and how many cases it is of, the share
    within 30 days, its count and how many cases it is of."""
    return [
        document["cohort"],
        document["median_days_to_first_employer_contact"],
        document["median_days_to_first_employer_contact_of"],
        document["first_employer_contact_within_30d"],
        document["first_employer_contact_within_30d_count"],
        document["first_employer_contact_within_30d_of"],
    ]


def test_first_employer_contact_n_and_share_within_30_days(team):
    run = team
    build_search_cohort(run)
    d = outcomes(run)
    # days: E1 10, E2 35, E3 20, E5 4, E6 30 -> 4, 10, 20, 30, 35: median 20, of 5 cases
    # enrolled on or before 2026-10-24: E1, E2, E3, E4, E6; within 30 days: E1, E3, E6
    # (E2 took 35, E4 has none) -> 3 / 5
    assert_same(search_figures(d), [6, 20, 5, 0.6, 3, 5])

    # people's form: the median with its n, and the share with what it is of
    out = ok(run("outcomes")).stdout
    assert re.search(r"median days to first employer contact\s+20 \(of 5 cases with one\)", out)
    assert re.search(
        r"first employer contact within 30 days\s+60\.0 % \(3 of 5 cases enrolled 30 days", out
    ), out
    assert "education institution" in out  # the definition says what counts


def test_by_pathway_and_by_track(team):
    run = team
    build_search_cohort(run)
    d = outcomes(run, "--by", "pathway")
    assert d["by"]["grouping"] == "pathway"
    assert [(g["group"], *search_figures(g)[:1]) for g in d["by"]["groups"]] == [
        ("education", 3),  # E1, E3, E4
        ("job-development", 2),  # E5, E6
        ("job-placement", 1),  # E2
    ]
    education, development, placement_ = d["by"]["groups"]
    # education: E1 10, E3 20 -> 15.0; all three enrolled 09-01; within: E1, E3 -> 2 / 3
    assert_same(search_figures(education), [3, 15.0, 2, 2 / 3, 2, 3])
    # job-development: E5 4, E6 30 -> 17.0; only E6 is 30 days old, and within -> 1 / 1
    assert_same(search_figures(development), [2, 17.0, 2, 1.0, 1, 1])
    # job-placement: E2 35 (its education contact does not count) -> not within: 0 / 1
    assert_same(search_figures(placement_), [1, 35, 1, 0.0, 0, 1])

    d = outcomes(run, "--by", "track")
    assert d["by"]["grouping"] == "track"
    ips, ips_like = d["by"]["groups"]
    # ips (a diagnosis given): E1 10, E2 35 -> 22.5; both enrolled 09-01, E1 within: 1 / 2
    assert ips["group"] == "ips"
    assert_same(search_figures(ips), [2, 22.5, 2, 0.5, 1, 2])
    # ips-like: E3 20, E5 4, E6 30 -> 20; E3, E4, E6 old enough, E3 and E6 within: 2 / 3
    assert ips_like["group"] == "ips-like"
    assert_same(search_figures(ips_like), [4, 20, 3, 2 / 3, 2, 3])

    out = ok(run("outcomes", "--by", "pathway")).stdout
    assert re.search(r"^\s*pathway\s+cohort\s+started", out, re.M), out
    assert re.search(r"^\s*job-placement\s+1\s+0\s+0(\.0)? %", out, re.M), out
    out = ok(run("outcomes", "--by", "track")).stdout
    assert re.search(r"^\s*track\s+cohort", out, re.M), out
    assert re.search(r"^\s*ips-like\s+4\s+0\s+0(\.0)? %", out, re.M), out


def test_a_case_with_no_pathway_is_grouped_as_a_dash(team):
    run = team
    intake(run, "Uden Vej", "2026-09-01", METTE)  # no --pathway
    groups = outcomes(run, "--by", "pathway")["by"]["groups"]
    assert [(g["group"], g["cohort"]) for g in groups] == [("-", 1)]


# --- aftercare -----------------------------------------------------------------------------


def aftercare(run, case_id: int, start: str, end: str | None = None) -> None:
    ok(run("aftercare", "start", str(case_id), "--date", start))
    if end:
        ok(run("aftercare", "end", str(case_id), "--date", end))


def test_aftercare_cases_median_length_and_still_in_a_job_or_education(team):
    run = team
    # Seven cases enrolled 2026-03-02; lengths are end - start in days.
    # A1 ordinary job from 03-16, never ended; aftercare 06-01..07-31 = 60 days; the job
    #    runs on 07-31 -> in a job when it ended
    a1 = intake(run, "Alf Et", "2026-03-02", METTE)
    placement(run, a1, "ordinary-job", "2026-03-16")
    aftercare(run, a1, "2026-06-01", "2026-07-31")
    # A2 education 03-16..08-14; aftercare 06-01..08-15 = 75 days (the education ended the
    #    day before: not in it), and 09-01..09-21 = 20 days (not in it)
    a2 = intake(run, "Alf To", "2026-03-02", METTE)
    end_placement(run, placement(run, a2, "education", "2026-03-16"), "2026-08-14")
    aftercare(run, a2, "2026-06-01", "2026-08-15")
    aftercare(run, a2, "2026-09-01", "2026-09-21")
    # A3 FGU 04-01..09-30; aftercare 09-01..09-30 = 29 days; the FGU's last day is the
    #    period's last day -> in it
    a3 = intake(run, "Alf Tre", "2026-03-02", METTE)
    end_placement(run, placement(run, a3, "fgu", "2026-04-01"), "2026-09-30")
    aftercare(run, a3, "2026-09-01", "2026-09-30")
    # A4 internship from 04-01 (not counted); aftercare 05-01..06-15 = 45 days -> not in one
    a4 = intake(run, "Alf Fire", "2026-03-02", METTE)
    placement(run, a4, "internship", "2026-04-01")
    aftercare(run, a4, "2026-05-01", "2026-06-15")
    # A5 ordinary job from 04-01; aftercare from 10-01, still running: not in the median
    #    nor in the share
    a5 = intake(run, "Alf Fem", "2026-03-02", METTE)
    placement(run, a5, "ordinary-job", "2026-04-01")
    aftercare(run, a5, "2026-10-01")
    # A6 apprenticeship from 04-01, never ended; aftercare from 10-20; the case closed 11-02,
    #    which ends the aftercare: 13 days, the apprenticeship running -> in a job
    a6 = intake(run, "Alf Seks", "2026-03-02", METTE)
    placement(run, a6, "apprenticeship", "2026-04-01")
    aftercare(run, a6, "2026-10-20")
    close(run, a6, "2026-11-02")
    # A7 no aftercare
    intake(run, "Alf Syv", "2026-03-02", METTE)

    d = outcomes(run)
    assert_same(
        d["aftercare"],
        {
            "cases": 6,  # A1-A6
            "periods": 7,  # A2 had two
            "ended_periods": 6,  # all but A5's
            # 13, 20, 29, 45, 60, 75: the mean of 29 and 45
            "median_days_of_ended_periods": 37.0,
            # A1, A3, A6 of the six ended periods
            "in_job_or_education_at_end": 0.5,
            "in_job_or_education_at_end_count": 3,
        },
    )
    out = ok(run("outcomes")).stdout
    assert re.search(r"went into aftercare\s+6 cases", out), out
    assert re.search(r"median length of aftercare\s+37 days \(of 6 ended periods\)", out), out
    assert re.search(r"when aftercare ended\s+50\.0 % \(3 of 6\)", out), out


# --- quarterly -----------------------------------------------------------------------------


def build_quarterly_cohort(run) -> None:
    """Ten cases with Mette Holm over 2026-Q1..Q4 (today, 2026-11-23, is in Q4)."""
    k0 = intake(run, "Kim Nul", "2026-03-02", METTE)
    close(run, k0, "2026-03-31")  # the last day of Q1: not open in Q2
    k1 = intake(run, "Kim Et", "2026-04-06", METTE)
    end_placement(run, placement(run, k1, "ordinary-job", "2026-05-04"), "2026-07-15")
    close(run, k1, "2026-08-05")
    k2 = intake(run, "Kim To", "2026-05-11", METTE)
    placement(run, k2, "internship", "2026-07-20")  # not counted
    k3 = intake(run, "Kim Tre", "2026-07-06", METTE)
    placement(run, k3, "education", "2026-09-28")
    k4 = intake(run, "Kim Fire", "2026-08-10", METTE)
    placement(run, k4, "apprenticeship", "2026-10-05")  # a job (elevplads), from Q4
    k5 = intake(run, "Kim Fem", "2026-09-14", METTE)
    close(run, k5, "2026-09-30")  # the last day of Q3: not open in Q4
    k6 = intake(run, "Kim Seks", "2026-10-05", METTE)
    placement(run, k6, "wage-subsidy", "2026-10-12")  # not counted
    k7 = intake(run, "Kim Syv", "2026-10-12", METTE)
    placement(run, k7, "ordinary-job", "2026-11-02")
    k8 = intake(run, "Kim Otte", "2026-10-19", METTE)
    end_placement(run, placement(run, k8, "flex-job", "2026-10-26"), "2026-11-09")
    intake(run, "Kim Ni", "2026-11-02", METTE)


def quarter(name, start, end, partial, open_cases, in_job, band, in_either) -> dict:
    """One quarter's row; the two rates are worked out in the comments beside each call."""
    return {
        "quarter": name,
        "start": start,
        "end": end,
        "partial": partial,
        "open_cases": open_cases,
        "in_job": in_job,
        "job_rate": in_job / open_cases,
        "job_band": band,
        "in_job_or_education": in_either,
        "job_or_education_rate": in_either / open_cases,
        "job_or_education_target_met": in_either / open_cases >= 0.5,
    }


def test_quarterly_rates_in_a_job_and_in_a_job_or_education(team):
    run = team
    build_quarterly_cohort(run)
    d = outcomes(run, "--quarterly")
    assert d["cohort"] == 10
    for row in d["quarterly"]:
        assert set(row) == QUARTER_KEYS
    assert_same(
        d["quarterly"],
        [
            # Q1: K0 open; nobody in anything: job 0 / 1 -> below minimal (under 31 %);
            # job or education 0 / 1, under the 50 % target
            quarter("2026-Q1", "2026-01-01", "2026-03-31", False, 1, 0, "below minimal", 0),
            # Q2: K1, K2 open (K0 closed 03-31); K1 in an ordinary job from 05-04:
            # job 1 / 2 = 50 % -> excellent, exactly at the boundary; job or education
            # 1 / 2 = 50 %: the target met, exactly
            quarter("2026-Q2", "2026-04-01", "2026-06-30", False, 2, 1, "excellent", 1),
            # Q3: K1 (closed 08-05), K2, K3, K4, K5 (closed 09-30) open. In a job: K1 (until
            # 07-15) -> 1 / 5 = 20 %, below minimal. In a job or education: K1 and K3
            # (education from 09-28) -> 2 / 5 = 40 %, under the target. K2's internship and
            # K4's apprenticeship (from 10-05) do not count in Q3.
            quarter("2026-Q3", "2026-07-01", "2026-09-30", False, 5, 1, "below minimal", 2),
            # Q4 so far: K2, K3, K4, K6, K7, K8, K9 open = 7. In a job: K4 (apprenticeship
            # from 10-05), K7 (ordinary job from 11-02), K8 (flex job 10-26..11-09) ->
            # 3 / 7 = 42.86 %, average (41-50 %). In a job or education: those 3 and K3
            # (education) -> 4 / 7 = 57.14 %, the target met. K6's wage subsidy counts in
            # neither. The quarter holding today is partial.
            quarter("2026-Q4", "2026-10-01", "2026-12-31", True, 7, 3, "average", 4),
        ],
    )
    # without --quarterly there is no quarterly part
    assert "quarterly" not in outcomes(run)

    out = ok(run("outcomes", "--quarterly")).stdout
    lines = out.splitlines()
    # quarter, open, in a job, IPS band, in a job or education, the 50 % target
    for cells in [
        ["2026-Q1", "1", "0.0 % (0 of 1)", "below minimal", "0.0 % (0 of 1)", "not met"],
        ["2026-Q2", "2", "50.0 % (1 of 2)", "excellent", "50.0 % (1 of 2)", "met"],
        ["2026-Q3", "5", "20.0 % (1 of 5)", "below minimal", "40.0 % (2 of 5)", "not met"],
        ["2026-Q4 (so far)", "7", "42.9 % (3 of 7)", "average", "57.1 % (4 of 7)", "met"],
    ]:
        row = [line for line in lines if line.startswith(cells[0] + " ")]
        assert len(row) == 1, out
        assert re.split(r"\s{2,}", row[0].strip()) == cells, row[0]


@pytest.mark.parametrize(
    "share, band",
    [
        # the IPS Employment Center's bands, boundaries included in the higher band
        (0.0, "below minimal"),
        (0.3099, "below minimal"),
        (0.31, "minimal"),
        (0.4099, "minimal"),
        (0.41, "average"),
        (0.4999, "average"),
        (0.5, "excellent"),
        (1.0, "excellent"),
        (None, None),
    ],
)
def test_quarterly_bands_at_their_boundaries(share, band):
    assert measures.band(share) == band


# --- for people at a terminal ------------------------------------------------------------


def bar_of(out: str) -> str:
    """The gauge: the one line holding the target mark '|' among bar cells."""
    bars = [
        line.split()[0] for line in out.splitlines() if "|" in line and ("░" in line or "█" in line)
    ]
    bars = [b for b in bars if set(b) <= {"█", "░", "|"} and b.count("|") == 1]
    assert len(bars) == 1, out
    return bars[0]


def test_human_output_share_bar_and_definitions(main_cohort):
    run, _ids = main_cohort
    out = ok(run("outcomes")).stdout
    assert "\x1b" not in out
    # 4 of 8 started, against the 50 % target, which is met
    assert re.search(r"\b4 of 8\b.*50(\.0)? ?%", out), out
    assert re.search(r"target.*50(\.0)? ?%", out), out
    assert "target met" in out and "target not met" not in out
    # the bar: the target mark halfway, half the cells filled, all of them before the mark
    bar = bar_of(out)
    left, right = bar.split("|")
    assert len(left) == len(right)
    assert set(left) == {"█"} and set(right) == {"░"}
    # the definitions are printed under the numbers
    assert "full calendar weeks" in out
    assert "internship and wage-subsidy" in out
    assert out.index("full calendar weeks") > out.index(bar)
    assert out.index("full calendar weeks") > out.index("4 of 8")
    # each under words, not a JSON key
    assert "Weekly contact rate: of the full calendar weeks" in out
    assert "Retained 13 and 26 weeks: of the first counted starts" in out
    assert "weekly_contact_rate" not in out and "first_employer_contact_within_30d" not in out
    # the figures are there in people's form: 15 days (the median), 140 weeks
    assert re.search(r"employer contact\s+15\b", out), out
    assert "140 weeks" in out

    # 1 of 5 started (--from 2026-06-01): a fifth of the cells, the target not met
    out = ok(run("outcomes", "--from", "01-06-2026")).stdout
    bar = bar_of(out)
    left, right = bar.split("|")
    cells = len(left) + len(right)
    assert len(left) == len(right)
    assert abs(bar.count("█") / cells - 0.2) <= 1 / cells
    assert "█" not in right
    assert "target not met" in out
    assert re.search(r"\b1 of 5\b.*20(\.0)? ?%", out), out


def test_human_output_breakdown_tables(main_cohort):
    run, _ids = main_cohort
    out = ok(run("outcomes", "--by", "consultant")).stdout
    # group, cohort, started, share
    assert re.search(r"^\s*Jonas Berg\s+2\s+1\s+50(\.0)? %", out, re.M), out
    assert re.search(r"^\s*Mette Holm\s+6\s+3\s+50(\.0)? %", out, re.M), out
    out = ok(run("outcomes", "--by", "referred-by")).stdout
    assert re.search(r"^\s*psychiatry\s+2\s+1\s+50(\.0)? %", out, re.M), out
    assert re.search(r"^\s*school\s+4\s+3\s+75(\.0)? %", out, re.M), out
    assert re.search(r"^\s*youth-guide\s+2\s+0\s+0(\.0)? %", out, re.M), out


def test_no_colour_codes_with_no_color(main_cohort, monkeypatch):
    run, _ids = main_cohort
    # even where a terminal with colours is claimed, NO_COLOR (set by conftest) wins
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLORTERM", "truecolor")
    for args in ([], ["--by", "consultant", "--quarterly"], ["--from", "2026-06-01"]):
        r = ok(run("outcomes", *args))
        assert "\x1b" not in r.stdout and "\x1b" not in r.stderr
    r = ok(run("fidelity"))
    assert "\x1b" not in r.stdout
