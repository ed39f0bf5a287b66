"""A name wherever a case is asked for (issue 16; SPEC §6 PARTICIPANT): an id exactly as
before, or a name or the start of one, in any case, Æ/Ø/Å included. One match is used;
several are exit 2 listing `id  name  consultant  status`; none is exit 2 with the
nearest names; open cases win over closed ones.

Through the real CLI on a real SQLite file (conftest's `run` and `team`), plus the pure
matching rules of store/names.py and one run of the installed command at a terminal.
"""

import json
import os
import re
import sqlite3
import sys
import unicodedata
from contextlib import closing
from pathlib import Path

import pexpect
import pytest
from conftest import ELIGIBLE, TODAY_ISO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipsung.store import names
from ipsung.store.names import CaseName

CPR = "140310-4321"  # Emil Dam's: must never be shown by a list of matches


def ok(r):
    assert r.exit_code == 0, r.output
    assert "Traceback" not in r.output
    return r


def doc(r):
    return json.loads(r.stdout)


def take_in(run, name: str, consultant: str = "Mette Holm", *extra: str) -> int:
    args = ["intake", "--name", name, "--referral-date", "02-11-2026", *ELIGIBLE]
    if "--cpr" not in extra:
        args += ["--birth-date", "14-03-2010"]
    return doc(ok(run(*args, "--consultant", consultant, *extra, "--json")))["id"]


def state(db_path) -> tuple:
    """Every row of every table that a refused command could touch."""
    with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as conn:
        return tuple(
            conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
            for table in ("participants", "contacts", "placements", "aftercare_periods",
                          "progress_ratings", "audit_log")
        )  # fmt: skip


def refused(run, db_path, *args: str) -> str:
    """Exit 2, nothing on stdout, nothing changed; returns stderr."""
    before = state(db_path)
    r = run(*args)
    assert r.exit_code == 2, r.output
    assert r.stdout == "" and "Traceback" not in r.output
    assert state(db_path) == before
    return r.stderr


@pytest.fixture
def caseload(team):
    """Mette Holm's Emil Dam (CPR given) and Åse Lund, Jonas Berg's Emilie Holm, Sara
    Østergaard waiting (Jonas is full), and an Anne-Sofie Lund of Mette's."""
    run = team
    ids = {
        "Emil Dam": take_in(run, "Emil Dam", "Mette Holm", "--cpr", CPR),
        "Emilie Holm": take_in(run, "Emilie Holm", "Jonas Berg"),
        "Åse Lund": take_in(run, "Åse Lund"),
        "Anne-Sofie Lund": take_in(run, "Anne-Sofie Lund"),
        "Ida Nielsen": take_in(run, "Ida Nielsen", "Jonas Berg"),
    }
    ids["Sara Østergaard"] = take_in(run, "Sara Østergaard", "Jonas Berg", "--waitlist")
    return run, ids


def shown_id(run, text: str) -> int:
    return doc(ok(run("show", text, "--json")))["id"]


# --- ids exactly as before -------------------------------------------------------------------


def test_a_case_id_works_as_before(caseload, db_path):
    run, ids = caseload
    assert shown_id(run, str(ids["Åse Lund"])) == ids["Åse Lund"]
    assert shown_id(run, f" {ids['Åse Lund']} ") == ids["Åse Lund"]  # int() reads it so
    err = refused(run, db_path, "log-contact", "99", "--kind", "youth")
    assert "no case with id 99" in err


# --- a name, or the start of one -------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, who",
    [
        ("emilie", "Emilie Holm"),
        ("EMILIE H", "Emilie Holm"),
        ("Emil Dam", "Emil Dam"),  # typed in full: beats Emilie, which it does not start
        ("emil  dam", "Emil Dam"),  # spaces tidied
        ("åse", "Åse Lund"),
        ("ÅSE LUND", "Åse Lund"),
        (unicodedata.normalize("NFD", "åse"), "Åse Lund"),  # Å as A and a ring
        ("sara", "Sara Østergaard"),
        ("østergaard", "Sara Østergaard"),  # a later part of the name
        ("ØSTER", "Sara Østergaard"),
        ("sofie", "Anne-Sofie Lund"),  # after a hyphen
        ("ida", "Ida Nielsen"),
    ],
)
def test_a_name_finds_its_case(caseload, typed, who):
    run, ids = caseload
    assert shown_id(run, typed) == ids[who]


def test_several_matches_are_listed_never_with_a_cpr_number(caseload, db_path):
    run, ids = caseload
    err = refused(run, db_path, "show", "emil")
    first, *listed = err.splitlines()
    assert first == "Error: PARTICIPANT: 'emil' matches 2 cases; give the id:"
    rows = [re.split(r"\s{2,}", line.strip()) for line in listed]
    assert rows == [
        [str(ids["Emil Dam"]), "Emil Dam", "Mette Holm", "active"],
        [str(ids["Emilie Holm"]), "Emilie Holm", "Jonas Berg", "active"],
    ]
    assert CPR[:6] not in err and CPR[-4:] not in err and "XXXX" not in err


def test_a_later_part_shared_by_two_names_lists_both(caseload, db_path):
    run, ids = caseload
    err = refused(run, db_path, "progress", "lund", "--outlook", "3", "--insight", "3",
                  "--skills", "3")  # fmt: skip
    assert f"{ids['Åse Lund']}  Åse Lund" in err
    assert f"{ids['Anne-Sofie Lund']}  Anne-Sofie Lund" in err
    assert "waitlisted" not in err


def test_the_waitlisted_status_is_listed(caseload, db_path):
    run, ids = caseload
    take_in(run, "Sara Holm", "Mette Holm")
    err = refused(run, db_path, "show", "sara")
    assert re.search(rf"{ids['Sara Østergaard']}\s+Sara Østergaard\s+-\s+waitlisted", err), err


def test_no_match_names_the_nearest(caseload, db_path):
    run, _ids = caseload
    err = refused(run, db_path, "show", "emli")
    assert err.startswith("Error: PARTICIPANT: no case matches 'emli'; nearest names: ")
    nearest = err.split("nearest names: ", 1)[1].strip().split(", ")
    assert "Emil Dam" in nearest and len(nearest) <= 5
    assert err.count("\n") == 1
    err = refused(run, db_path, "show", "xqzw")
    assert "no case matches 'xqzw'" in err and "nearest" not in err


@pytest.mark.parametrize("typed", ["", "   "])
def test_an_empty_name_is_bad_input(caseload, db_path, typed):
    run, _ids = caseload
    assert "give a case id or a name" in refused(run, db_path, "show", typed)


def test_a_cpr_number_typed_as_a_name_is_not_repeated(caseload, db_path):
    run, _ids = caseload
    err = refused(run, db_path, "show", "140310-4321x")
    assert "140310" not in err and "4321" not in err


@pytest.mark.no_db
def test_no_database_yet_is_no_match_and_creates_nothing(run, db_path):
    r = run("show", "emil")
    assert r.exit_code == 2
    assert "no case matches 'emil'" in r.stderr
    assert not db_path.exists()


# --- open before closed ----------------------------------------------------------------------


def test_an_open_case_wins_over_a_closed_one_of_the_same_name(caseload):
    run, ids = caseload
    closed = ids["Emil Dam"]
    ok(run("close", str(closed), "--date", "20-11-2026", "--reason", "moved"))
    again = take_in(run, "Emil Dam", "Mette Holm")
    assert shown_id(run, "emil dam") == again
    # Emilie is open too: "emil" still means two open cases, not the closed one.
    assert run("show", "emil").exit_code == 2
    ok(run("close", str(again), "--date", "23-11-2026", "--reason", "moved"))
    r = run("show", "Emil Dam")  # two closed ones: both listed
    assert r.exit_code == 2 and f"{closed}  Emil Dam" in r.stderr


def test_a_closed_case_is_found_when_it_is_the_only_one(caseload):
    run, ids = caseload
    ok(run("close", "ida", "--date", "20-11-2026", "--reason", "moved"))
    assert shown_id(run, "ida") == ids["Ida Nielsen"]
    r = run("log-contact", "ida", "--kind", "youth")
    assert r.exit_code == 2 and "closed" in r.stderr  # found, then refused for being closed


def test_an_anonymised_case_is_found_by_id_only(caseload):
    run, ids = caseload
    ok(run("close", "ida", "--date", "02-11-2026", "--reason", "moved"))
    ok(run("anonymize", "--closed-before", "03-11-2026", "--yes"))
    assert run("show", "ida").exit_code == 2
    assert shown_id(run, str(ids["Ida Nielsen"])) == ids["Ida Nielsen"]


# --- every command that takes PARTICIPANT ----------------------------------------------------


def test_every_command_takes_a_name(caseload, db_path):
    run, ids = caseload
    emilie, aase = ids["Emilie Holm"], ids["Åse Lund"]
    logged = doc(ok(run("log-contact", "emilie", "--kind", "youth", "--json")))
    assert logged["participant_id"] == emilie
    placed = doc(
        ok(run("placement", "add", "åse", "--kind", "internship", "--start", "20-11-2026",
               "--json"))
    )  # fmt: skip
    assert placed["participant_id"] == aase
    assert f"case {aase}" in ok(run("aftercare", "start", "ÅSE", "--date", "21-11-2026")).stdout
    assert f"case {aase}" in ok(run("aftercare", "end", "åse l", "--date", "22-11-2026")).stdout
    rated = ok(run("progress", "emilie", "--outlook", "3", "--insight", "4", "--skills", "2"))
    assert f"case {emilie}" in rated.stdout
    assert f"Case {aase} corrected" in ok(run("edit", "åse", "--goal", "Blive frisør")).stdout
    moved = ok(run("reassign", "emilie", "--to", "Mette Holm"))
    assert f"Case {emilie} is now with Mette Holm" in moved.stdout
    closed = ok(run("close", "emilie", "--date", "23-11-2026", "--reason", "goal-reached"))
    assert f"Case {emilie} closed" in closed.stdout
    audit = doc(ok(run("audit", "emilie", "--json")))
    assert {a["participant_id"] for a in audit} == {emilie}
    assert {"log-contact", "progress", "reassign", "close"} <= {a["command"] for a in audit}
    assert "Case" in ok(run("erase", "anne-sofie", "--yes")).stdout
    assert run("show", str(ids["Anne-Sofie Lund"])).exit_code == 2
    # The audit log names cases by id only, whatever was typed.
    with closing(sqlite3.connect(db_path)) as conn:
        changes = " ".join(row[0] for row in conn.execute("SELECT change FROM audit_log"))
    assert not re.search(r"(?i)emilie|åse|anne-sofie", changes)


@pytest.mark.parametrize(
    "args",
    [
        ["log-contact", "emil", "--kind", "youth"],
        ["placement", "add", "emil", "--kind", "internship", "--start", "20-11-2026"],
        ["aftercare", "start", "emil"],
        ["aftercare", "end", "emil"],
        ["progress", "emil", "--outlook", "3", "--insight", "3", "--skills", "3"],
        ["close", "emil", "--reason", "moved"],
        ["reassign", "emil", "--to", "Mette Holm"],
        ["edit", "emil", "--goal", "x"],
        ["audit", "emil"],
        ["erase", "emil", "--yes"],
        ["show", "emil"],
    ],
)
def test_an_ambiguous_name_changes_nothing_anywhere(caseload, db_path, args):
    run, _ids = caseload
    assert "matches 2 cases" in refused(run, db_path, *args)


def test_help_says_a_name_will_do(run):
    for command in (["show"], ["log-contact"], ["placement", "add"], ["erase"], ["audit"]):
        r = ok(run(*command, "--help"))
        assert "PARTICIPANT" in r.stdout and "a name" in r.stdout, command


# --- the pure rules ----------------------------------------------------------------------------

ROWS = [
    CaseName(1, "Emil Dam", "Mette Holm", "closed"),
    CaseName(2, "Emil Dam", "Jonas Berg", "active"),
    CaseName(3, "Emilie Holm", "Jonas Berg", "waitlisted"),
    CaseName(4, "Åse Lund", None, "closed"),
    CaseName(5, None, None, "closed"),  # anonymised
    CaseName(6, "Karl Emil Jensen", "Mette Holm", "active"),
]


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("emil dam", [2]),  # named in full; the open one
        ("emil", [2, 3, 6]),  # starts three names or their parts; closed 1 left out
        ("emili", [3]),
        ("jensen", [6]),
        ("åse", [4]),  # only closed ones: they are found
        ("aase", []),
        ("", []),
        ("dam emil", []),
    ],
)
def test_matching(typed, expected):
    assert [r.id for r in names.matching(ROWS, typed)] == expected


@pytest.mark.parametrize(
    "a, b",
    [("Æble", "æble"), ("ØSTER", "øster"), ("Å", "a\u030a"), ("  Emil   Dam ", "emil dam")],
)
def test_fold(a, b):
    assert names.fold(a) == names.fold(b)


def test_the_lookup_says_each_status_as_list_does(run):
    """CASES_SQL spells a case's status itself (completion cannot load SQLAlchemy); it
    must agree with tables.status(), which `list` uses."""
    ok(run("demo", "--participants", "60", "--seed", "3"))
    listed = {d["id"]: d["status"] for d in doc(ok(run("list", "--status", "all", "--json")))}
    from ipsung.commands.options import reading

    with reading() as conn:
        looked_up = {c.id: c.status for c in names.cases(conn)}
    assert looked_up == listed
    assert set(listed.values()) == {"active", "waitlisted", "closed"}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(typed=st.text(max_size=12))
def test_no_typed_text_makes_a_traceback(caseload, typed):
    run, _ids = caseload
    if typed.startswith("-"):
        typed = "x" + typed  # an option, not a PARTICIPANT
    r = run("show", typed, "--json")
    assert r.exit_code in (0, 2), r.output
    assert "Traceback" not in r.output


# --- at a terminal -----------------------------------------------------------------------------

IPSUNG = Path(sys.executable).parent / "ipsung"


def test_the_prompt_takes_a_name_and_asks_again_when_it_is_ambiguous(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("IPSUNG_")}
    env["IPSUNG_LANG"] = "en"  # whatever the machine's own language
    env.update(
        IPSUNG_DB=str(tmp_path / "ipsung.db"),
        IPSUNG_TODAY=TODAY_ISO,
        IPSUNG_CONFIG=str(tmp_path / "config.toml"),
        NO_COLOR="1",
    )
    import subprocess

    def ipsung(*args):
        r = subprocess.run([str(IPSUNG), *args], env=env, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return r

    ipsung("consultant", "add", "Mette Holm")
    for name in ("Emil Dam", "Emilie Holm"):
        ipsung("intake", "--name", name, "--birth-date", "14-03-2010", *ELIGIBLE)
    child = pexpect.spawn(
        str(IPSUNG), ["log-contact", "--kind", "youth"], env=env, encoding="utf-8", timeout=20
    )
    child.expect("Case \\(id or name\\)")
    child.sendline("emil")
    child.expect("matches 2 cases")
    child.expect("Case \\(id or name\\)")
    child.sendline("emilie")
    for prompt in ("Date", "Channel"):
        child.expect(prompt)
        child.sendline("")  # the defaults: today, in person
    child.expect(r"Logged contact (\d+)")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    shown = json.loads(ipsung("show", "emilie", "--json").stdout)
    assert [c["kind"] for c in shown["contacts"]] == ["youth"]


# --- a team database too ---------------------------------------------------------------------


def test_names_on_both_backends(bteam):
    run = bteam
    emil = take_in(run, "Emil Dam")
    emilie = take_in(run, "Emilie Holm", "Jonas Berg")
    aase = take_in(run, "Åse Lund")
    assert shown_id(run, "ÅSE") == aase
    assert shown_id(run, "emilie") == emilie
    r = run("log-contact", "emil", "--kind", "youth")
    assert r.exit_code == 2 and f"{emil}  Emil Dam" in r.stderr and f"{emilie}  Emilie" in r.stderr
    logged = json.loads(ok(run("log-contact", "emil dam", "--kind", "youth", "--json")).stdout)
    assert logged["participant_id"] == emil
    assert "nearest names: Emil Dam" in run("show", "emli").stderr
