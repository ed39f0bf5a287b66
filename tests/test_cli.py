"""The command line end to end (SPEC §2-§6): every command through CliRunner on a real
SQLite file in tmp_path, with today fixed to 2026-11-23 by conftest.

Sections: help and usage; screen; consultants; intake; bad input; list and show; reads
before the first write; plain output; at a real terminal (pexpect).
"""

import os
import signal
import sys

import pexpect
import pytest
from conftest import assert_usage_error, doc, ok, row_counts

from ipsung import __version__

CPR = "140310-4123"  # 14 March 2010 (7th digit 4, year 10: the 2000s); age 16 today
CPR_DIGITS = CPR.replace("-", "")

LIST_KEYS = ["id", "name", "status", "consultant", "track", "enrolled_on", "last_youth_contact"]
SHOW_KEYS = [
    "id", "name", "cpr", "birth_date", "age", "status", "consultant", "track", "referred_by",
    "referral_date", "enrolled_on", "closed_on", "close_reason", "goal", "pathway", "screening",
    "contacts", "placements", "aftercare", "progress",
    # beyond SPEC §6, at the end: the 26-week reviews, and whether the track was chosen by hand
    "reviews", "track_set_by_hand",
]  # fmt: skip
CONSULTANT_KEYS = {"id", "name", "max_caseload", "open_cases", "active"}
SCREEN_KEYS = {"eligible", "age", "criteria", "next_step"}
CRITERIA = ["age", "target_group", "substance_use", "motivation", "cognition"]


# --- helpers -----------------------------------------------------------------------------


def screen_cmd(*extra: str, birth_date: str | None = "14-03-2010", **drop: bool) -> list[str]:
    """`screen` for an eligible 16-year-old; drop=... leaves options out, extra adds some."""
    args = ["screen"]
    if birth_date is not None:
        args += ["--birth-date", birth_date]
    if not drop.get("mistrivsel"):
        args += ["--mistrivsel", "absence"]
    if not drop.get("substance"):
        args += ["--substance", "A"]
    if not drop.get("motivated"):
        args += ["--motivated"]
    if not drop.get("cognition"):
        args += ["--normal-cognition"]
    return [*args, *extra]


def intake_cmd(
    *extra: str,
    name: str | None = "Sofie Jensen",
    birth_date: str | None = "14-03-2010",
    referral_date: str | None = "02-11-2026",
    referred_by: str | None = "school",
    mistrivsel: str | None = "absence",
    substance: str | None = "A",
    motivated: str | None = "--motivated",
    cognition: str | None = "--normal-cognition",
) -> list[str]:
    """`intake` of an eligible young person; None leaves an option out."""
    args = ["intake"]
    for option, value in (
        ("--name", name),
        ("--birth-date", birth_date),
        ("--referral-date", referral_date),
        ("--referred-by", referred_by),
        ("--mistrivsel", mistrivsel),
        ("--substance", substance),
    ):
        if value is not None:
            args += [option, value]
    args += [flag for flag in (motivated, cognition) if flag]
    return [*args, *extra]


def take_in(run, *extra: str, **fields) -> dict:
    """Intake with --json; returns the printed document."""
    return doc(ok(run(*intake_cmd(*extra, "--json", **fields))))


def list_json(run, *extra: str) -> list[dict]:
    return doc(ok(run("list", *extra, "--json")))


def show_json(run, case_id: int, *extra: str) -> dict:
    return doc(ok(run("show", str(case_id), *extra, "--json")))


def consultants(run) -> dict[str, dict]:
    return {c["name"]: c for c in doc(ok(run("consultant", "list", "--json")))}


def fill_jonas(run) -> None:
    """Jonas Berg (max 2) gets his two cases."""
    take_in(run, "--consultant", "Jonas Berg", name="Ida Nielsen")
    take_in(run, "--consultant", "Jonas Berg", name="Emil Hansen")
    assert consultants(run)["Jonas Berg"]["open_cases"] == 2


# --- 1. help, version, usage ----------------------------------------------------------------

COMMANDS = [
    ["info"],
    ["screen"],
    ["intake"],
    ["list"],
    ["show"],
    ["consultant"],
    ["consultant", "add"],
    ["consultant", "list"],
    ["consultant", "set-max"],
    ["consultant", "deactivate"],
]


@pytest.mark.no_db
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_of_every_command_has_an_example(run, command, db_path):
    """`--help` on every command and subcommand exits 0, shows its usage and an example."""
    r = ok(run(*command, "--help"))
    assert "Usage: ipsung " + " ".join(command) in r.stdout
    assert "Example" in r.stdout
    assert not db_path.exists()


def test_top_level_help_lists_the_commands(run):
    """`ipsung --help` has an example and names every command."""
    r = ok(run("--help"))
    assert "Example" in r.stdout
    for command in ("info", "screen", "intake", "list", "show", "consultant"):
        assert command in r.stdout


def test_version(run):
    """`ipsung --version` prints the name and version."""
    r = ok(run("--version"))
    assert r.stdout.strip() == f"ipsung {__version__}"


def test_no_arguments_shows_usage(run):
    """Plain `ipsung` shows its usage and commands, not an error."""
    r = run()
    assert r.exit_code in (0, 2), r.output
    assert "Usage: ipsung" in r.output
    assert "intake" in r.output and "consultant" in r.output
    assert "Error" not in r.output, "showing the usage is not an error"
    assert "Traceback" not in r.output


def test_mistyped_command_suggests_the_right_one(run):
    """`ipsung intke` is a usage error that suggests `intake`."""
    r = run("intke")
    assert_usage_error(r, "intake")
    assert r.stdout == ""


@pytest.mark.parametrize(
    "args", [["--bogus"], ["list", "--bogus"], ["consultant", "add", "X", "--bogus"]]
)
def test_unknown_option_is_one_error_line(run, args):
    """An unknown option: exit 2 and one `Error:` line on stderr that names it."""
    r = run(*args)
    assert_usage_error(r, "--bogus")
    assert r.stdout == ""


# --- 2. screen ---------------------------------------------------------------------------------


@pytest.mark.no_db
def test_screen_eligible_human(run, db_path):
    """Eligible: exit 0, the verdict and one line per criterion; no database is touched."""
    r = ok(run(*screen_cmd()))
    assert r.stdout.startswith("Eligible")
    for name in CRITERIA:
        assert name in r.stdout
    assert "Next step" not in r.stdout
    assert not db_path.exists()


def test_screen_eligible_json_shape(run):
    """`--json`: exactly one document of the shape in SPEC §3."""
    r = ok(run(*screen_cmd("--json")))
    result = doc(r)
    assert set(result) == SCREEN_KEYS
    assert result["eligible"] is True
    assert result["age"] == 16
    assert result["next_step"] is None
    assert [c["name"] for c in result["criteria"]] == CRITERIA
    for c in result["criteria"]:
        assert set(c) == {"name", "passed", "reason"}
        assert c["passed"] is True
        assert isinstance(c["reason"], str) and c["reason"]


@pytest.mark.parametrize(
    ("args", "failed", "next_step_word"),
    [
        pytest.param(screen_cmd(birth_date="01-01-2008"), "age", "adult", id="age-18"),
        pytest.param(screen_cmd(birth_date="24-11-2011"), "age", "", id="age-14"),
        pytest.param(screen_cmd(mistrivsel=True), "target_group", "TFA", id="no-evidence"),
        pytest.param(
            screen_cmd("--diagnosis", "F10", mistrivsel=True),
            "target_group",
            "TFA",
            id="substance-diagnosis-alone",
        ),
        pytest.param(
            screen_cmd("--substance", "D", substance=True), "substance_use", "treatment", id="D"
        ),
        pytest.param(
            screen_cmd("--substance", "e", substance=True), "substance_use", "treatment", id="e"
        ),
        pytest.param(
            screen_cmd("--not-motivated", motivated=True), "motivation", "", id="not-motivated"
        ),
        pytest.param(
            screen_cmd("--reduced-cognition", cognition=True), "cognition", "", id="reduced"
        ),
        pytest.param(screen_cmd("--diagnosis", "F70"), "cognition", "", id="F70"),
    ],
)
def test_screen_not_eligible(run, args, failed, next_step_word):
    """Not eligible: exit 1, the failed criterion and the next step, in JSON and for people."""
    r = run(*args, "--json")
    assert r.exit_code == 1, r.output
    result = doc(r)
    assert set(result) == SCREEN_KEYS
    assert result["eligible"] is False
    assert [c["name"] for c in result["criteria"] if not c["passed"]] == [failed]
    assert result["next_step"] and next_step_word in result["next_step"]

    human = run(*args)
    assert human.exit_code == 1, human.output
    assert human.stdout.startswith("Not eligible")
    assert "FAIL" in human.stdout and failed in human.stdout
    assert "Next step" in human.stdout


@pytest.mark.parametrize(
    ("birth", "on", "eligible", "age"),
    [
        ("23-11-2008", "today", False, 18),  # 18th birthday today
        ("24-11-2008", "today", True, 17),  # 18 tomorrow
        ("23-11-2011", "today", True, 15),  # 15th birthday today
        ("24-11-2011", "today", False, 14),
        ("29-02-2008", "28-02-2026", True, 17),  # leap-day birthday: 1 March in 2026
        ("29-02-2008", "01-03-2026", False, 18),
    ],
)
def test_screen_age_boundaries(run, birth, on, eligible, age):
    """Whole years, birthdays counted exactly, measured on the --on date."""
    r = run(*screen_cmd("--on", on, "--json", birth_date=birth))
    assert r.exit_code == (0 if eligible else 1), r.output
    assert doc(r)["age"] == age


@pytest.mark.parametrize(
    "birth", ["04-03-2010", "04.03.2010", "04/03/2010", "04/03/10", "2010-03-04"]
)
def test_screen_reads_danish_and_iso_dates(run, birth):
    """Day-first dates and ISO (never read day-first): 4 March 2010 is 15 on 4 March 2025."""
    r = ok(run(*screen_cmd("--on", "2025-03-04", "--json", birth_date=birth)))
    assert doc(r)["age"] == 15


@pytest.mark.parametrize("code", ["F90", "F90.0", "f900", "DF900", "DF90.0"])
def test_screen_accepts_diagnosis_forms(run, code):
    """ICD-10 and SKS forms of one code all qualify for the target group."""
    r = ok(run(*screen_cmd("--diagnosis", code, "--json", mistrivsel=True)))
    target = doc(r)["criteria"][1]
    assert target["name"] == "target_group" and target["passed"]
    assert "F90" in target["reason"]


@pytest.mark.parametrize("sign", ["fravær", "skolevægring", "school-refusal", "ANXIETY"])
def test_screen_accepts_mistrivsel_signs(run, sign):
    """English and Danish signs of mistrivsel pass the target group."""
    ok(run(*screen_cmd("--mistrivsel", sign, mistrivsel=True)))


def test_screen_under_assessment_is_target_group_evidence(run):
    ok(run(*screen_cmd("--under-assessment", mistrivsel=True)))


def test_screen_substance_is_case_insensitive(run):
    ok(run(*screen_cmd("--substance", "c", substance=True)))


@pytest.mark.parametrize(
    ("drop", "option"),
    [
        ({"substance": True}, "--substance"),
        ({"motivated": True}, "--motivated"),
        ({"cognition": True}, "--normal-cognition"),
        ({"birth_date": None}, "--birth-date"),
    ],
    ids=["substance", "motivated", "cognition", "birth-date"],
)
def test_screen_missing_required_value(run, drop, option):
    """A missing birth date, substance level, motivation or cognition: exit 2 naming it."""
    r = run(*screen_cmd("--json", **drop))
    assert_usage_error(r, option)
    assert r.stdout == ""


@pytest.mark.parametrize("cpr", [CPR, CPR_DIGITS])
def test_screen_with_cpr(run, cpr):
    """--cpr gives the birth date (with or without the dash)."""
    r = ok(run(*screen_cmd("--cpr", cpr, "--json", birth_date=None)))
    assert doc(r)["age"] == 16
    assert CPR_DIGITS[6:] not in r.output


def test_screen_cpr_century_comes_from_the_seventh_digit(run):
    """140310-0123: 7th digit 0 means the 1900s, so 116 years old and not eligible."""
    r = run(*screen_cmd("--cpr", "140310-0123", "--json", birth_date=None))
    assert r.exit_code == 1, r.output
    assert doc(r)["age"] == 116


def test_screen_cpr_and_birth_date_must_agree(run):
    """Both given: fine when they agree, exit 2 when they do not."""
    ok(run(*screen_cmd("--cpr", CPR)))
    r = run(*screen_cmd("--cpr", CPR, birth_date="15-03-2010"))
    assert_usage_error(r, "--birth-date", "--cpr")
    assert CPR not in r.output and CPR_DIGITS not in r.output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        pytest.param(screen_cmd("--substance", "X", substance=True), "--substance", id="sub-X"),
        pytest.param(screen_cmd(birth_date="31-02-2010"), "31-02-2010", id="impossible-date"),
        pytest.param(screen_cmd(birth_date="01-01-2027"), "--birth-date", id="future-birth"),
        pytest.param(screen_cmd(birth_date="someday"), "someday", id="not-a-date"),
        pytest.param(screen_cmd("--diagnosis", "G40"), "G40", id="G40"),
        pytest.param(screen_cmd("--diagnosis", "banana"), "banana", id="banana"),
        pytest.param(screen_cmd("--mistrivsel", "boredom"), "boredom", id="bad-sign"),
        pytest.param(screen_cmd("--on", "30-02-2026"), "30-02-2026", id="bad-on"),
    ],
)
def test_screen_bad_input(run, args, needle):
    """Bad input: exit 2, one error line naming the value, nothing on stdout."""
    r = run(*args, "--json")
    assert_usage_error(r, needle)
    assert r.stdout == ""


@pytest.mark.parametrize("cpr", ["320110-1234", "3201101234", "300210-4123"])
def test_screen_cpr_with_impossible_date(run, cpr):
    """A CPR number whose first six digits are no date: exit 2, and the digits are not echoed."""
    r = run(*screen_cmd("--cpr", cpr, birth_date=None))
    assert_usage_error(r, "--cpr")
    assert cpr not in r.output
    assert cpr.replace("-", "") not in r.output
    assert cpr[:6] not in r.output


# --- 3. consultants -----------------------------------------------------------------------------


def test_consultant_add_default_max_and_list_shape(run):
    """`consultant add NAME` defaults to max 17; `list --json` has the SPEC §4 shape."""
    r = ok(run("consultant", "add", "Mette Holm"))
    assert "Mette Holm" in r.stdout
    listed = doc(ok(run("consultant", "list", "--json")))
    assert listed == [
        {"id": 1, "name": "Mette Holm", "max_caseload": 17, "open_cases": 0, "active": True}
    ]
    assert set(listed[0]) == CONSULTANT_KEYS


def test_consultant_add_json_and_max(run):
    """`--max-caseload N` for a consultant new to IPS; `--json` prints the new id."""
    added = doc(ok(run("consultant", "add", "Ny Konsulent", "--max-caseload", "5", "--json")))
    assert isinstance(added["id"], int)
    assert added["name"] == "Ny Konsulent" and added["max_caseload"] == 5
    assert consultants(run)["Ny Konsulent"]["max_caseload"] == 5


def test_consultant_list_counts_open_cases(team):
    """open_cases counts each consultant's active cases."""
    take_in(team, "--consultant", "Jonas Berg")
    listed = consultants(team)
    assert listed["Jonas Berg"]["open_cases"] == 1
    assert listed["Mette Holm"]["open_cases"] == 0
    for c in listed.values():
        assert set(c) == CONSULTANT_KEYS


def test_consultant_list_human(team):
    r = ok(team("consultant", "list"))
    assert "Mette Holm" in r.stdout and "Jonas Berg" in r.stdout
    assert "17" in r.stdout


@pytest.mark.parametrize("name", ["Mette Holm", "mette holm", "METTE HOLM", "  Mette   Holm "])
def test_consultant_duplicate_name(team, name):
    """A name already in use, in any case or spacing: exit 2, nothing added."""
    before = row_counts(team)
    assert_usage_error(team("consultant", "add", name))
    assert row_counts(team) == before
    assert len(consultants(team)) == 2


@pytest.mark.parametrize("name", ["", "   "])
def test_consultant_empty_name(run, name):
    """An empty name: exit 2, nothing stored."""
    ok(run("consultant", "add", "Mette Holm"))
    before = row_counts(run)
    assert_usage_error(run("consultant", "add", name))
    assert row_counts(run) == before


def test_consultant_add_negative_max(run):
    ok(run("consultant", "add", "Mette Holm"))
    before = row_counts(run)
    assert_usage_error(run("consultant", "add", "Jonas Berg", "--max-caseload", "-1"))
    assert row_counts(run) == before
    assert list(consultants(run)) == ["Mette Holm"]


def test_consultant_set_max(team):
    """`set-max NAME N` changes the max; names are found case-insensitively."""
    r = ok(team("consultant", "set-max", "mette holm", "10"))
    assert "Mette Holm" in r.stdout
    assert consultants(team)["Mette Holm"]["max_caseload"] == 10


@pytest.mark.parametrize(
    "args",
    [
        ["consultant", "set-max", "Mette Holm", "--", "-1"],
        ["consultant", "set-max", "Mette Holm", "-1"],
    ],
    ids=["after-dashdash", "plain"],
)
def test_consultant_set_max_negative(team, args):
    """A negative max: exit 2, the max is unchanged."""
    before = row_counts(team)
    assert_usage_error(team(*args))
    assert row_counts(team) == before
    assert consultants(team)["Mette Holm"]["max_caseload"] == 17


@pytest.mark.parametrize(
    "args",
    [
        ["consultant", "set-max", "Nobody", "5"],
        ["consultant", "deactivate", "Nobody"],
        ["list", "--consultant", "Nobody"],
    ],
    ids=["set-max", "deactivate", "list"],
)
def test_unknown_consultant(team, args):
    """An unknown consultant: exit 2 naming the one typed, nothing changed."""
    before = row_counts(team)
    assert_usage_error(team(*args), "Nobody")
    assert row_counts(team) == before


def test_unknown_consultant_hint_stays_one_short_line(run):
    """A team's few names are listed in full; a national register's only by the nearest
    spellings, so the error stays one readable line."""
    few = ["Mette Holm", "Jonas Berg"]
    for name in few:
        assert run("consultant", "add", name).exit_code == 0
    r = run("due", "--consultant", "Nobody")
    assert r.exit_code == 2
    assert "known: Jonas Berg, Mette Holm" in r.stderr
    many = [
        f"{first} {last}"
        for first in ("Anne", "Lars", "Pia")
        for last in ("Dahl", "Lund", "Toft", "Skov")
    ]
    for name in many:
        assert run("consultant", "add", name).exit_code == 0
    r = run("due", "--consultant", "mette holmm")
    assert r.exit_code == 2
    line = r.stderr.strip()
    assert "did you mean: Mette Holm" in line and "14 consultants known" in line
    assert "Pia Skov" not in line and "\n" not in line
    r = run("consultant", "set-max", "Zyx", "3")
    assert r.exit_code == 2
    assert "14 consultants known; see: ipsung consultant list" in r.stderr


def test_deactivate_refused_while_cases_are_open(team):
    """`deactivate` refuses (exit 1) while the consultant has open cases."""
    take_in(team, "--consultant", "Jonas Berg")
    before = row_counts(team)
    r = team("consultant", "deactivate", "Jonas Berg")
    assert r.exit_code == 1, r.output
    assert r.stderr.startswith("Error:") and "open" in r.stderr
    assert row_counts(team) == before
    assert consultants(team)["Jonas Berg"]["active"] is True


def test_deactivate_without_open_cases(team):
    """A consultant with no open cases is deactivated and no longer gets new cases."""
    ok(team("consultant", "deactivate", "mette holm"))
    listed = consultants(team)
    assert listed["Mette Holm"]["active"] is False
    assert listed["Jonas Berg"]["active"] is True
    # Mette had the most free places; inactive, she is not chosen.
    assert take_in(team)["consultant"] == "Jonas Berg"
    before = row_counts(team)
    r = team(*intake_cmd("--consultant", "Mette Holm", name="Ida Nielsen"))
    assert r.exit_code != 0, r.output
    assert row_counts(team) == before


# --- 4. intake -----------------------------------------------------------------------------


def test_intake_prints_the_id(team):
    """Intake stores the case and prints its id."""
    r = ok(team(*intake_cmd()))
    assert "Case 1" in r.stdout
    assert [c["id"] for c in list_json(team)] == [1]


def test_intake_json(team):
    """`--json` → {"id", "status", ...}, dates ISO; the next case gets the next id."""
    first = take_in(team)
    assert isinstance(first["id"], int)
    assert first["status"] == "active"
    assert first["consultant"] == "Mette Holm"
    assert first["enrolled_on"] == "2026-11-02"  # enrolled on its referral date
    second = take_in(team, name="Ida Nielsen")
    assert second["id"] == first["id"] + 1


def test_intake_referral_date_defaults_to_today(team):
    case = take_in(team, referral_date=None)
    shown = show_json(team, case["id"])
    assert shown["referral_date"] == shown["enrolled_on"] == "2026-11-23"


def test_intake_not_eligible_stores_nothing(team):
    """Not eligible: exit 1, reasons printed, nothing stored (no row anywhere)."""
    before = row_counts(team)
    r = team(*intake_cmd(motivated="--not-motivated"))
    assert r.exit_code == 1, r.output
    assert "motivation" in r.output
    assert "Traceback" not in r.output
    assert list_json(team, "--status", "all") == []
    assert row_counts(team) == before


@pytest.mark.parametrize(
    "option, field",
    [("--substance", "substance"), ("--referred-by", "referred_by")],
)
def test_intake_empty_value_is_a_wrong_value(team, option, field):
    """`--substance ''` is a value that is not a level (exit 2, the option named), not a
    missing one, and never an internal error (found by the fuzz test)."""
    before = row_counts(team)
    r = team(*intake_cmd(**{field: ""}))
    assert r.exit_code == 2, r.output
    assert option in r.stderr and "internal error" not in r.stderr
    assert row_counts(team) == before


def test_intake_not_eligible_json(team):
    """Refused with --json: still exactly one JSON document on stdout, and nothing stored."""
    before = row_counts(team)
    r = team(*intake_cmd("--json", birth_date="01-01-2005"))
    assert r.exit_code == 1, r.output
    refused = doc(r)
    assert refused.get("eligible") is False
    assert row_counts(team) == before


def test_intake_override_stores_the_reason(team):
    """`--override REASON` takes the case in despite screening and stores the reason."""
    reason = "Referred by psychiatry; motivation is growing"
    case = take_in(team, "--override", reason, motivated="--not-motivated")
    assert case["status"] == "active"
    shown = show_json(team, case["id"])
    assert shown["screening"]["override_reason"] == reason
    assert shown["screening"]["eligible"] is False
    human = ok(team("show", str(case["id"])))
    assert reason in human.stdout


def test_intake_full_consultant_refused_naming_free_places(team):
    """The named consultant is full: exit 1, names consultants with free places, stores nothing."""
    fill_jonas(team)
    before = row_counts(team)
    r = team(*intake_cmd("--consultant", "Jonas Berg"))
    assert r.exit_code == 1, r.output
    assert "Mette Holm" in r.stderr
    assert "Traceback" not in r.output
    assert row_counts(team) == before
    assert len(list_json(team, "--status", "all")) == 2


def test_intake_full_consultant_with_waitlist(team):
    """`--waitlist`: stored as waitlisted, with no consultant and no enrolment date."""
    fill_jonas(team)
    case = take_in(team, "--consultant", "Jonas Berg", "--waitlist")
    assert case["status"] == "waitlisted"
    assert case["consultant"] is None
    assert case["enrolled_on"] is None
    shown = show_json(team, case["id"])
    assert shown["status"] == "waitlisted"
    assert shown["consultant"] is None and shown["enrolled_on"] is None
    assert consultants(team)["Jonas Berg"]["open_cases"] == 2
    r = ok(team(*intake_cmd("--waitlist", name="Ida Berg", referral_date="03-11-2026")))
    assert "waitlist" not in r.stdout  # a free place (Mette) is used before the waitlist


def test_intake_chooses_the_consultant_with_most_free_places(team):
    """Without --consultant, the active consultant with most free places takes the case."""
    assert take_in(team)["consultant"] == "Mette Holm"  # 17 free against 2
    ok(team("consultant", "set-max", "Mette Holm", "2"))  # now 1 free against 2
    assert take_in(team, name="Ida Nielsen")["consultant"] == "Jonas Berg"


def test_intake_whole_team_full(team):
    """A full team refuses (exit 1) unless --waitlist."""
    ok(team("consultant", "set-max", "Mette Holm", "1"))
    ok(team("consultant", "set-max", "Jonas Berg", "1"))
    take_in(team, name="Ida Nielsen")
    take_in(team, name="Emil Hansen")
    before = row_counts(team)
    r = team(*intake_cmd())
    assert r.exit_code == 1, r.output
    assert "--waitlist" in r.stderr
    assert row_counts(team) == before
    case = take_in(team, "--waitlist")
    assert case["status"] == "waitlisted" and case["consultant"] is None
    assert [c["id"] for c in list_json(team, "--status", "waitlisted")] == [case["id"]]


@pytest.mark.parametrize("named", [True, False], ids=["named", "team"])
def test_override_never_lifts_a_max(team, named):
    """`--override` is for screening only: a full consultant or team still refuses."""
    fill_jonas(team)
    ok(team("consultant", "set-max", "Mette Holm", "0"))
    before = row_counts(team)
    extra = ["--consultant", "Jonas Berg"] if named else []
    for motivated in ("--motivated", "--not-motivated"):
        r = team(*intake_cmd(*extra, "--override", "needs it", motivated=motivated))
        assert r.exit_code == 1, r.output
        assert "Traceback" not in r.output
    assert row_counts(team) == before
    listed = consultants(team)
    assert listed["Jonas Berg"]["open_cases"] == 2
    assert listed["Mette Holm"]["open_cases"] == 0


def test_intake_track(team):
    """Track `ips` with a diagnosis, `ips-like` without (SPEC §5 rule 5)."""
    with_diagnosis = take_in(team, "--diagnosis", "F32.1", name="Ida Nielsen")
    without = take_in(team, name="Emil Hansen")
    assert with_diagnosis["track"] == "ips"
    assert without["track"] == "ips-like"
    assert show_json(team, with_diagnosis["id"])["track"] == "ips"
    assert show_json(team, without["id"])["track"] == "ips-like"


def test_intake_future_referral_date(team):
    before = row_counts(team)
    assert_usage_error(team(*intake_cmd(referral_date="24-11-2026")), "--referral-date")
    assert row_counts(team) == before


def test_intake_with_cpr(team):
    """--cpr stores the number (shown masked) and its birth date."""
    case = take_in(team, "--cpr", CPR, birth_date=None)
    shown = show_json(team, case["id"])
    assert shown["cpr"] == "140310-XXXX"
    assert shown["birth_date"] == "2010-03-14"


MISSING = [
    pytest.param({"name": None}, "--name", id="name"),
    pytest.param({"birth_date": None}, "--birth-date", id="birth-date"),
    pytest.param({"referred_by": None}, "--referred-by", id="referred-by"),
    pytest.param({"substance": None}, "--substance", id="substance"),
    pytest.param({"motivated": None}, "--motivated", id="motivated"),
    pytest.param({"cognition": None}, "--normal-cognition", id="cognition"),
]


@pytest.mark.parametrize("mode", ["piped", "--no-input", "IPSUNG_NO_INPUT"])
@pytest.mark.parametrize(("fields", "option"), MISSING)
def test_intake_missing_required_value(team, monkeypatch, mode, fields, option):
    """No terminal (CliRunner), --no-input or IPSUNG_NO_INPUT=1: a missing required value is
    exit 2 at once, naming the option; no prompt (an empty stdin would abort with 130)."""
    before = row_counts(team)
    args = intake_cmd(**fields)
    if mode == "--no-input":
        args = ["--no-input", *args]
    elif mode == "IPSUNG_NO_INPUT":
        monkeypatch.setenv("IPSUNG_NO_INPUT", "1")
    r = team(*args)
    assert_usage_error(r, option)
    assert r.stdout == ""
    assert row_counts(team) == before


def test_intake_missing_birth_date_names_cpr_too(team):
    line = assert_usage_error(team(*intake_cmd(birth_date=None)))
    assert "--cpr" in line


# --- 5. bad input: exit 2, one line, nothing stored ---------------------------------------------

BAD_INTAKE = [
    pytest.param(intake_cmd(birth_date="31-02-2010"), "31-02-2010", id="impossible-date"),
    pytest.param(intake_cmd(birth_date="01-01-2027"), "--birth-date", id="future-birth-date"),
    pytest.param(
        intake_cmd(referral_date="01-12-2026"), "--referral-date", id="future-referral-date"
    ),
    pytest.param(intake_cmd(referral_date="31-04-2026"), "31-04-2026", id="impossible-referral"),
    pytest.param(intake_cmd("--diagnosis", "G40"), "G40", id="G40"),
    pytest.param(intake_cmd("--diagnosis", "banana"), "banana", id="banana"),
    pytest.param(intake_cmd(referred_by="police"), "--referred-by", id="unknown-source"),
    pytest.param(intake_cmd("--consultant", "Nobody"), "Nobody", id="unknown-consultant"),
    pytest.param(intake_cmd(name=""), "--name", id="empty-name"),
    pytest.param(intake_cmd(name="   "), "--name", id="blank-name"),
    pytest.param(intake_cmd(substance="F"), "--substance", id="substance-F"),
    pytest.param(intake_cmd("--pathway", "astronaut"), "--pathway", id="unknown-pathway"),
]


@pytest.fixture
def caseload(team):
    """The team with one case that has a CPR number (for the duplicate check)."""
    take_in(team, "--cpr", CPR, birth_date=None, name="Ida Nielsen")
    return team


@pytest.mark.parametrize(("args", "needle"), BAD_INTAKE)
def test_intake_bad_input(caseload, args, needle):
    """Each bad value: exit 2, one clear `Error:` line naming it, no traceback, nothing stored."""
    before = row_counts(caseload)
    assert_usage_error(caseload(*args), needle)
    assert row_counts(caseload) == before


@pytest.mark.parametrize("cpr", ["320110-1234", "3201101234", "311310-4567"])
def test_intake_cpr_with_impossible_date(caseload, cpr):
    """A CPR number that holds no date: exit 2, nothing stored, the digits never echoed."""
    before = row_counts(caseload)
    r = caseload(*intake_cmd("--cpr", cpr, birth_date=None))
    assert_usage_error(r, "--cpr")
    assert cpr not in r.output and cpr.replace("-", "") not in r.output
    assert cpr[:6] not in r.output and cpr[-4:] not in r.output
    assert row_counts(caseload) == before


@pytest.mark.parametrize("cpr", [CPR, CPR_DIGITS])
def test_intake_duplicate_cpr(caseload, cpr):
    """A CPR number already stored: exit 2, nothing stored, the number never echoed."""
    before = row_counts(caseload)
    r = caseload(*intake_cmd("--cpr", cpr, birth_date=None, name="Someone Else"))
    assert_usage_error(r, "--cpr")
    assert CPR not in r.output and CPR_DIGITS not in r.output
    assert row_counts(caseload) == before


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["consultant", "add", "Ny", "--max-caseload", "-3"], id="add-negative-max"),
        pytest.param(["consultant", "add", "Ny", "--max-caseload", "many"], id="add-max-not-int"),
        pytest.param(["consultant", "set-max", "Mette Holm", "--", "-3"], id="set-max-negative"),
        pytest.param(["consultant", "add", ""], id="add-empty-name"),
        pytest.param(["consultant", "add", "   "], id="add-blank-name"),
        pytest.param(["consultant", "add", "JONAS BERG"], id="add-duplicate"),
        pytest.param(["consultant", "set-max", "Nobody", "3"], id="set-max-unknown"),
        pytest.param(["consultant", "deactivate", "Nobody"], id="deactivate-unknown"),
        pytest.param(["list", "--status", "sleeping"], id="list-bad-status"),
        pytest.param(["show", "99"], id="show-unknown-id"),
        pytest.param(["show", "abc"], id="show-not-an-id"),
    ],
)
def test_other_bad_input(caseload, args):
    """Bad input to the other commands: exit 2, one `Error:` line, nothing changed."""
    before = row_counts(caseload)
    assert_usage_error(caseload(*args))
    assert row_counts(caseload) == before


# --- 6. list and show --------------------------------------------------------------------------


def test_list_json_shape(caseload):
    """`list --json`: the keys of SPEC §6, in order; dates ISO."""
    listed = list_json(caseload)
    assert len(listed) == 1
    row = listed[0]
    assert list(row) == LIST_KEYS
    assert row["name"] == "Ida Nielsen"
    assert row["status"] == "active"
    assert row["consultant"] == "Mette Holm"
    assert row["track"] == "ips-like"
    assert row["enrolled_on"] == "2026-11-02"
    assert row["last_youth_contact"] is None


def test_list_last_youth_contact(caseload):
    """last_youth_contact is the latest `youth` or `three-party` contact, ISO."""
    for day, kind in [
        ("05-11-2026", "youth"),
        ("12-11-2026", "three-party"),
        ("20-11-2026", "employer"),
    ]:
        ok(caseload("log-contact", "1", "--kind", kind, "--date", day))
    assert list_json(caseload)[0]["last_youth_contact"] == "2026-11-12"
    assert "12-11-2026" in ok(caseload("list")).stdout


def add_history(run) -> None:
    """One contact, placement, aftercare period and rating for case 1, through the CLI."""
    ok(
        run(
            "log-contact",
            "1",
            "--kind",
            "youth",
            "--date",
            "10-11-2026",
            "--channel",
            "phone",
            "--minutes",
            "20",
            "--note",
            "talked about school",
        )
    )
    ok(
        run(
            "placement",
            "add",
            "1",
            "--kind",
            "internship",
            "--start",
            "09-11-2026",
            "--hours",
            "12.5",
            "--employer",
            "Bakeriet",
        )
    )
    ok(run("placement", "end", "1", "--date", "20-11-2026", "--reason", "done"))
    ok(run("aftercare", "start", "1", "--date", "21-11-2026"))
    ok(
        run(
            "progress",
            "1",
            "--outlook",
            "2",
            "--insight",
            "3",
            "--skills",
            "4",
            "--date",
            "16-11-2026",
        )
    )


def test_show_json_shape(caseload, db_path):
    """`show --json`: the keys of SPEC §6 in order, nested lists too, dates ISO, CPR masked."""
    add_history(caseload)
    shown = show_json(caseload, 1)
    assert list(shown) == SHOW_KEYS
    assert shown["id"] == 1
    assert shown["name"] == "Ida Nielsen"
    assert shown["cpr"] == "140310-XXXX"
    assert shown["birth_date"] == "2010-03-14"
    assert shown["age"] == 16
    assert shown["status"] == "active"
    assert shown["consultant"] == "Mette Holm"
    assert shown["referred_by"] == "school"
    assert shown["referral_date"] == "2026-11-02"
    assert shown["enrolled_on"] == "2026-11-02"
    assert shown["closed_on"] is None and shown["close_reason"] is None
    assert shown["screening"]["eligible"] is True
    assert shown["screening"]["override_reason"] is None
    contact = {
        "id": 1,
        "date": "2026-11-10",
        "kind": "youth",
        "channel": "phone",
        "minutes": 20,
        "note": "talked about school",
    }
    assert len(shown["contacts"]) == 1
    assert contact.items() <= shown["contacts"][0].items()
    assert shown["placements"] == [
        {
            "id": 1,
            "kind": "internship",
            "start": "2026-11-09",
            "end": "2026-11-20",
            "hours": 12.5,
            "employer": "Bakeriet",
            "end_reason": "done",
            "job_type": None,
        }
    ]
    assert shown["aftercare"] == [{"start": "2026-11-21", "end": None, "contact_every": 7}]
    assert shown["progress"] == [{"date": "2026-11-16", "outlook": 2, "insight": 3, "skills": 4}]


def test_show_json_contact_keys(caseload, db_path):
    """A contact in `show --json` has the keys SPEC §6 lists, in order, and then `employer`
    (deliberately added: an employer contact names the company)."""
    add_history(caseload)
    contacts = show_json(caseload, 1)["contacts"]
    assert [list(c) for c in contacts] == [
        ["id", "date", "kind", "channel", "minutes", "note", "employer"]
    ]


def test_show_human_timeline(caseload, db_path):
    """Human `show` lists the history as a timeline with Danish dates."""
    add_history(caseload)
    r = ok(caseload("show", "1"))
    assert "Timeline" in r.stdout
    assert "10-11-2026" in r.stdout and "talked about school" in r.stdout
    assert "Bakeriet" in r.stdout


def test_show_goal_and_pathway(team):
    case = take_in(team, "--goal", "Become a chef", "--pathway", "education")
    shown = show_json(team, case["id"])
    assert shown["goal"] == "Become a chef"
    assert shown["pathway"] == "education"
    assert shown["cpr"] is None  # no CPR given


def test_cpr_masked_everywhere_but_reveal(caseload):
    """The full CPR number is never in list or show output, except `show --reveal-cpr`."""
    outputs = [
        caseload("list"),
        caseload("list", "--json"),
        caseload("list", "--status", "all"),
        caseload("show", "1"),
        caseload("show", "1", "--json"),
    ]
    for r in outputs:
        ok(r)
        assert CPR not in r.output and CPR_DIGITS not in r.output
        assert CPR_DIGITS[6:] not in r.output
    assert "140310-XXXX" in outputs[3].stdout
    assert show_json(caseload, 1, "--reveal-cpr")["cpr"] == CPR
    assert CPR in ok(caseload("show", "1", "--reveal-cpr")).stdout


def test_list_status_and_consultant_filters(team, db_path):
    """`list --status active|waitlisted|closed|all` (default active) and `--consultant`."""
    jonas_1 = take_in(team, "--consultant", "Jonas Berg", name="Ida Nielsen")["id"]
    jonas_2 = take_in(team, "--consultant", "Jonas Berg", name="Emil Hansen")["id"]
    mette = take_in(team, "--consultant", "Mette Holm", name="Sofie Jensen")["id"]
    waiting = take_in(team, "--consultant", "Jonas Berg", "--waitlist", name="Lars Lund")["id"]
    ok(team("close", str(jonas_2), "--date", "20-11-2026", "--reason", "moved"))

    def ids(*args):
        return [row["id"] for row in list_json(team, *args)]

    assert ids() == [jonas_1, mette]
    assert ids("--status", "active") == [jonas_1, mette]
    assert ids("--status", "waitlisted") == [waiting]
    assert ids("--status", "closed") == [jonas_2]
    assert ids("--status", "all") == [jonas_1, jonas_2, mette, waiting]
    assert ids("--consultant", "Jonas Berg") == [jonas_1]
    assert ids("--consultant", "jonas berg", "--status", "all") == [jonas_1, jonas_2]
    assert ids("--consultant", "Mette Holm") == [mette]
    statuses = {row["id"]: row["status"] for row in list_json(team, "--status", "all")}
    assert statuses == {
        jonas_1: "active",
        jonas_2: "closed",
        mette: "active",
        waiting: "waitlisted",
    }
    closed = show_json(team, jonas_2)
    assert closed["closed_on"] == "2026-11-20" and closed["close_reason"] == "moved"


@pytest.mark.parametrize(
    "typed, said",
    [("ACTIVE", "No active cases."), ("Afsluttet", "No closed cases."), ("all", "No cases.")],
)
def test_list_with_nothing_found_says_so_for_a_status_in_any_case_or_language(
    caseload, typed, said
):
    """Found by the fuzzer: a status typed in capitals or in Danish matched no case and
    the empty page looked its words up by the text as typed (exit 70)."""
    r = ok(caseload("list", "--status", typed, "--search", "no such text"))
    assert r.stdout.strip() == said


def test_list_human(caseload):
    r = ok(caseload("list"))
    assert "Ida Nielsen" in r.stdout and "Mette Holm" in r.stdout
    assert "02-11-2026" in r.stdout  # dates for people are Danish


def test_show_unknown_id(caseload):
    assert_usage_error(caseload("show", "42"), "42")


def test_show_human_names_the_diagnosis(team):
    """Human `show` gives the diagnosis with its meaning (DF840 → F84.0 Childhood autism)."""
    case = take_in(team, "--diagnosis", "DF840")
    r = ok(team("show", str(case["id"])))
    assert "F84.0" in r.stdout
    assert "Childhood autism" in r.stdout
    assert "Sofie Jensen" in r.stdout
    assert show_json(team, case["id"])["screening"]["diagnoses"] == ["F84.0"]


# --- 7. reads before the first write --------------------------------------------------------------


@pytest.mark.no_db
@pytest.mark.parametrize(
    ("args", "code", "expected"),
    [
        pytest.param(["list"], 0, None, id="list"),
        pytest.param(["list", "--json"], 0, [], id="list-json"),
        pytest.param(["list", "--status", "all", "--json"], 0, [], id="list-all-json"),
        pytest.param(["consultant", "list"], 0, None, id="consultant-list"),
        pytest.param(["consultant", "list", "--json"], 0, [], id="consultant-list-json"),
        pytest.param(["info"], 0, None, id="info"),
        pytest.param(["info", "--json"], 0, "info", id="info-json"),
        pytest.param(["show", "1"], 2, None, id="show"),
        pytest.param(["show", "1", "--json"], 2, None, id="show-json"),
    ],
)
def test_read_before_the_database_exists(run, db_path, args, code, expected):
    """A read on a missing database answers as empty, says so on stderr, creates nothing."""
    r = run(*args)
    assert r.exit_code == code, r.output
    assert "Traceback" not in r.output
    assert "no database" in r.stderr.lower(), r.stderr
    assert str(db_path) in r.stderr
    if expected == "info":
        described = doc(r)
        assert described["exists"] is False and described["rows"] == {}
        assert described["database"] == str(db_path)
    elif expected is not None:
        assert doc(r) == expected
    assert not db_path.exists()
    assert not db_path.parent.exists()


@pytest.mark.no_db
def test_first_write_creates_the_database(run, db_path):
    assert not db_path.exists()
    ok(run("consultant", "add", "Mette Holm"))
    assert db_path.exists()
    assert row_counts(run)["consultants"] == 1


# --- 8. plain output for people ------------------------------------------------------------------

HUMAN_COMMANDS = [
    ["list"],
    ["list", "--status", "all"],
    ["consultant", "list"],
    ["show", "1"],
    ["info"],
    screen_cmd(),
    screen_cmd(birth_date="01-01-2000"),
    intake_cmd(name="Emil Hansen"),
]


@pytest.mark.parametrize("no_color", [True, False], ids=["NO_COLOR", "colour-allowed"])
@pytest.mark.parametrize("args", HUMAN_COMMANDS, ids=lambda a: " ".join(a[:3]))
def test_no_escape_codes_when_not_a_terminal(caseload, monkeypatch, args, no_color):
    """Output for people is plain text (no ANSI codes, no box lines) when not at a terminal,
    with or without NO_COLOR."""
    if not no_color:
        monkeypatch.delenv("NO_COLOR", raising=False)
    r = caseload(*args)
    assert r.exit_code in (0, 1), r.output
    assert "\x1b[" not in r.stdout
    assert "\x1b[" not in r.stderr
    assert not any(line in r.stdout for line in "─━│┃")


# --- 9. at a real terminal (pexpect) -------------------------------------------------------------


def spawn(*args: str, **env: str) -> pexpect.spawn:
    """`ipsung ARGS` on a pseudo-terminal (stdin, stdout and stderr all a tty), with Ctrl-C
    as a person's shell gives it: a test run in the background inherits SIGINT ignored, and
    Python then never turns Ctrl-C into KeyboardInterrupt."""
    environment = dict(os.environ, TERM="xterm-256color", COLUMNS="120", **env)
    return pexpect.spawn(
        sys.executable,
        ["-m", "ipsung", *args],
        env=environment,
        encoding="utf-8",
        timeout=30,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def finish(child: pexpect.spawn) -> tuple[str, int]:
    child.expect(pexpect.EOF)
    output = child.before
    child.close()
    return output, child.exitstatus


@pytest.mark.slow
@pytest.mark.parametrize("args", [["consultant", "list"], ["list"], ["show", "1"]], ids=" ".join)
def test_no_color_is_honoured_at_a_terminal(caseload, args):
    """NO_COLOR set: no ANSI escape codes even when stdout is a terminal."""
    output, status = finish(spawn(*args, NO_COLOR="1"))
    assert status == 0, output
    assert "Mette Holm" in output
    assert "\x1b[" not in output, repr(output)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["--no-input", "IPSUNG_NO_INPUT"])
def test_no_input_at_a_terminal_never_prompts(team, db_path, how):
    """At a terminal, --no-input or IPSUNG_NO_INPUT=1 turns a missing value into exit 2."""
    before = row_counts(team)
    args = intake_cmd(name=None)
    if how == "--no-input":
        child = spawn("--no-input", *args)
    else:
        child = spawn(*args, IPSUNG_NO_INPUT="1")
    output, status = finish(child)
    assert status == 2, output
    assert "Error:" in output and "--name" in output
    assert row_counts(team) == before


@pytest.mark.slow
@pytest.mark.parametrize("key", ["ctrl-c", "ctrl-d"])
def test_at_a_terminal_intake_prompts_and_abort_stores_nothing(team, key):
    """The control for the test above: without --no-input the terminal is asked. Ctrl-C or
    Ctrl-D at the prompt aborts with a message, no traceback, and stores nothing."""
    before = row_counts(team)
    child = spawn(*intake_cmd(name=None))
    child.expect("Name")
    if key == "ctrl-c":
        child.sendcontrol("c")
    else:
        child.sendeof()
    output, status = finish(child)
    assert status != 0, output
    assert "Traceback" not in output
    assert "nothing was stored" in output.lower()
    assert row_counts(team) == before
