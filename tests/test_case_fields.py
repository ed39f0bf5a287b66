"""Case fields and the warnings a consultant gets (issue: figures a fidelity reviewer can
sign, items 18-20): a track chosen by hand, warnings that do not refuse, and an empty
value given on purpose."""

import json

import pytest
from conftest import ok

SIGNS = ["--substance", "A", "--motivated", "--normal-cognition"]


def take_in(run, *extra: str, birth: str = "01-01-2010", referral: str = "02-11-2026"):
    args = ["intake", "--name", "Sofie Jensen", "--birth-date", birth]
    args += ["--referral-date", referral, "--referred-by", "school", *SIGNS, *extra]
    return json.loads(ok(run(*args, "--json")).stdout)


def show(run, case_id: int) -> dict:
    return json.loads(ok(run("show", str(case_id), "--json")).stdout)


def problems(run) -> set[str]:
    return {p["check"] for p in json.loads(run("check", "--json").stdout)["problems"]}


# --- 18. --track ------------------------------------------------------------------------


def test_track_is_derived_unless_chosen_and_edit_keeps_a_chosen_one(team):
    run = team
    derived = take_in(run, "--diagnosis", "F90", "--mistrivsel", "fravær")
    assert derived["track"] == "ips"
    ok(run("edit", str(derived["id"]), "--diagnosis", ""))  # no diagnosis left: derived
    assert show(run, derived["id"])["track"] == "ips-like"

    chosen = take_in(run, "--mistrivsel", "angst", "--track", "IPS")
    assert chosen["track"] == "ips"  # a young person in contact with psychiatry, no diagnosis
    assert show(run, chosen["id"])["track_set_by_hand"] is True
    ok(run("edit", str(chosen["id"]), "--diagnosis", "F41.1"))
    ok(run("edit", str(chosen["id"]), "--diagnosis", ""))
    assert show(run, chosen["id"])["track"] == "ips"  # kept: chosen by hand
    assert "track" not in problems(run)  # check accepts a track chosen by hand

    r = ok(run("edit", str(derived["id"]), "--track", "ips"))
    assert "track" in r.stdout
    assert show(run, derived["id"])["track_set_by_hand"] is True


def test_a_derived_track_that_disagrees_is_still_a_problem_for_check(team, db_path):
    import sqlite3

    run = team
    case = take_in(run, "--diagnosis", "F90")
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE participants SET track = 'ips-like' WHERE id = ?", (case["id"],))
    assert "track" in problems(run)


@pytest.mark.parametrize("command", ["intake", "edit"])
def test_an_unknown_track_is_refused(team, command):
    run = team
    case = take_in(run, "--mistrivsel", "angst")
    if command == "intake":
        r = run("intake", "--name", "X", "--birth-date", "01-01-2010", "--referred-by", "school",
                "--mistrivsel", "angst", *SIGNS, "--track", "adult")  # fmt: skip
    else:
        r = run("edit", str(case["id"]), "--track", "adult")
    assert r.exit_code == 2 and "--track" in r.stderr, r.output


# --- 19. warnings, not refusals ------------------------------------------------------------


def test_a_max_above_the_band_is_allowed_with_a_warning(run):
    r = ok(run("consultant", "add", "Mette Holm", "--max-caseload", "17"))
    assert r.stderr == ""
    r = ok(run("consultant", "set-max", "Mette Holm", "18"))
    assert "Warning" in r.stderr and "15-17" in r.stderr
    r = ok(run("consultant", "add", "Jonas Berg", "--max-caseload", "20"))
    assert "Warning" in r.stderr


def test_more_than_40_hours_a_week_under_18_is_a_warning(team):
    run = team
    case = take_in(run, "--mistrivsel", "angst")["id"]  # born 01-01-2010: 16
    r = ok(run("placement", "add", str(case), "--kind", "ordinary-job", "--start", "03-11-2026",
               "--hours", "40"))  # fmt: skip
    assert r.stderr == ""
    r = ok(run("placement", "add", str(case), "--kind", "flex-job", "--start", "04-11-2026",
               "--hours", "41"))  # fmt: skip
    assert "Warning" in r.stderr and "40" in r.stderr
    assert len(show(run, case)["placements"]) == 2


def test_reassigning_someone_18_or_older_warns(run):
    ok(run("consultant", "add", "Mette Holm", "--max-caseload", "0"))
    # 17 at the referral (born 24-11-2008) and still 17 today (23-11-2026): no warning
    young = take_in(run, "--mistrivsel", "angst", "--waitlist", birth="24-11-2008")
    # 17 at the referral on 01-05-2026 (born 01-06-2008), 18 by today: a warning
    older = take_in(run, "--mistrivsel", "angst", "--waitlist", birth="01-06-2008",
                    referral="01-05-2026")  # fmt: skip
    ok(run("consultant", "set-max", "Mette Holm", "2"))
    r = ok(run("reassign", str(young["id"]), "--to", "Mette Holm"))
    assert r.stderr == ""
    r = ok(run("reassign", str(older["id"]), "--to", "Mette Holm"))
    assert "Warning" in r.stderr and "18" in r.stderr
    assert show(run, older["id"])["status"] == "active"  # a warning, not a refusal


# --- 20. an empty value on purpose -----------------------------------------------------------


@pytest.mark.parametrize("option", ["--diagnosis", "--mistrivsel"])
@pytest.mark.parametrize("command", ["screen", "intake"])
def test_an_empty_list_value_is_refused_naming_the_option(team, db_path, command, option):
    run = team
    args = [command, "--birth-date", "01-01-2010", *SIGNS, "--mistrivsel", "angst", option, ""]
    if command == "intake":
        args += ["--name", "X", "--referred-by", "school"]
    r = run(*args)
    assert r.exit_code == 2, r.output
    assert option in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_edit_clears_a_list_with_an_empty_value_and_says_so_in_help(team):
    run = team
    case = take_in(run, "--mistrivsel", "angst", "--diagnosis", "F90")["id"]
    ok(run("edit", str(case), "--diagnosis", ""))
    assert show(run, case)["screening"]["diagnoses"] == []
    assert "to clear" in " ".join(ok(run("edit", "--help")).stdout.split())
