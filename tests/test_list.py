"""`ipsung list` (issue 16): --consultant, --search TEXT (name, goal, employer; any case,
Æ/Ø/Å included), --sort name|id|enrolled; plain `ipsung list` at a terminal shows the
caller's own open cases first (scripts, --json and --sort get the order they ask for)."""

import json
import os
import sys
from pathlib import Path

import pexpect
import pytest
from conftest import ELIGIBLE, TODAY_ISO

from ipsung.commands import cases


def ok(r):
    assert r.exit_code == 0, r.output
    assert "Traceback" not in r.output
    return r


def listed(run, *args: str) -> list[int]:
    return [d["id"] for d in json.loads(ok(run("list", *args, "--json")).stdout)]


def take_in(run, name: str, referral: str, consultant: str, *extra: str) -> int:
    args = ["intake", "--name", name, "--birth-date", "14-03-2010", "--referral-date", referral]
    r = ok(run(*args, *ELIGIBLE, "--consultant", consultant, *extra, "--json"))
    return json.loads(r.stdout)["id"]


@pytest.fixture
def caseload(team):
    """1 Øjvind Berg (Jonas, goal 'Blive frisør'), 2 Emil Dam (Mette, internship at
    Bager Nielsen), 3 anne Lund (Mette, an employer contact with Netto), 4 Ida (Jonas,
    closed)."""
    run = team
    take_in(run, "Øjvind Berg", "05-11-2026", "Jonas Berg", "--goal", "Blive FRISØR")
    take_in(run, "Emil Dam", "01-11-2026", "Mette Holm")
    take_in(run, "anne Lund", "10-11-2026", "Mette Holm")
    take_in(run, "Ida Nielsen", "02-11-2026", "Jonas Berg")
    ok(run("placement", "add", "2", "--kind", "internship", "--start", "20-11-2026",
           "--employer", "Bager Nielsen"))  # fmt: skip
    ok(run("log-contact", "3", "--kind", "employer", "--employer", "Netto Åbyhøj"))
    ok(run("close", "4", "--date", "20-11-2026", "--reason", "moved"))
    return run


@pytest.mark.parametrize(
    "text, ids",
    [
        ("frisør", [1]),  # the goal
        ("FRISØR", [1]),
        ("øjvind", [1]),  # the name, Ø in any case
        ("ØJVIND", [1]),
        ("bager", [2]),  # a placement's employer
        ("åbyhøj", [3]),  # a contact's employer
        ("lund", [3]),
        ("nielsen", [2]),  # Bager Nielsen; Ida Nielsen is closed
        ("e", [1, 2, 3]),
        ("zz", []),
    ],
)
def test_search_reads_name_goal_and_employer(caseload, text, ids):
    assert listed(caseload, "--search", text) == ids


def test_search_with_status_and_consultant(caseload):
    run = caseload
    assert listed(run, "--search", "nielsen", "--status", "all") == [2, 4]
    assert listed(run, "--search", "e", "--consultant", "jonas berg") == [1]
    r = ok(run("list", "--search", "zz"))
    assert "No active cases" in r.stdout


@pytest.mark.parametrize(
    "sort, ids",
    [
        ("id", [1, 2, 3, 4]),
        ("name", [3, 2, 4, 1]),  # anne, Emil, Ida, Øjvind: any case; Ø after the Latin letters
        ("enrolled", [2, 4, 1, 3]),
        ("NAME", [3, 2, 4, 1]),
    ],
)
def test_sort(caseload, sort, ids):
    assert listed(caseload, "--status", "all", "--sort", sort) == ids


def test_sort_puts_anonymised_and_waitlisted_last(caseload):
    run = caseload
    ok(run("consultant", "set-max", "Mette Holm", "2"))
    waiting = take_in(run, "Aaron Waits", "21-11-2026", "Mette Holm", "--waitlist")
    ok(run("anonymize", "--closed-before", "21-11-2026", "--yes"))  # Ida (4)
    assert listed(run, "--status", "all", "--sort", "name") == [waiting, 3, 2, 1, 4]
    assert listed(run, "--status", "all", "--sort", "enrolled") == [2, 4, 1, 3, waiting]


def test_a_bad_sort_is_exit_2(caseload):
    r = caseload("list", "--sort", "age")
    assert r.exit_code == 2 and "--sort" in r.stderr and "name" in r.stderr


def test_my_cases_first_at_a_terminal(caseload, monkeypatch):
    run = caseload
    ok(run("config", "set", "consultant", "Jonas Berg"))
    monkeypatch.setattr(cases, "stdout_is_terminal", lambda: True)
    lines = ok(run("list", "--status", "all")).stdout.splitlines()[1:]
    assert [int(line.split()[0]) for line in lines] == [1, 2, 3, 4]  # 1 is Jonas's open case
    ok(run("reassign", "2", "--to", "Jonas Berg"))
    lines = ok(run("list", "--status", "all")).stdout.splitlines()[1:]
    assert [int(line.split()[0]) for line in lines] == [1, 2, 3, 4]
    ok(run("config", "set", "consultant", "Mette Holm"))
    lines = ok(run("list", "--status", "all")).stdout.splitlines()[1:]
    assert [int(line.split()[0]) for line in lines] == [3, 1, 2, 4]  # Jonas's closed Ida last
    # Scripts, --json and an explicit --sort get the order they ask for.
    assert listed(run, "--status", "all") == [1, 2, 3, 4]
    lines = ok(run("list", "--status", "all", "--sort", "id")).stdout.splitlines()[1:]
    assert [int(line.split()[0]) for line in lines] == [1, 2, 3, 4]


def test_not_at_a_terminal_the_order_is_by_id(caseload):
    run = caseload
    ok(run("config", "set", "consultant", "Mette Holm"))
    lines = ok(run("list")).stdout.splitlines()[1:]
    assert [int(line.split()[0]) for line in lines] == [1, 2, 3]


def test_an_unknown_me_at_a_terminal_is_exit_2(caseload, own_settings, monkeypatch):
    monkeypatch.setattr(cases, "stdout_is_terminal", lambda: True)
    monkeypatch.setenv("IPSUNG_CONSULTANT", "Nobody Here")
    r = caseload("list")
    assert r.exit_code == 2 and "IPSUNG_CONSULTANT" in r.stderr
    assert listed(caseload) == [1, 2, 3]  # --json needs no "me"


IPSUNG = Path(sys.executable).parent / "ipsung"


def test_plain_list_at_a_real_terminal(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("IPSUNG_")}
    env["IPSUNG_LANG"] = "en"  # whatever the machine's own language
    env.update(
        IPSUNG_DB=str(tmp_path / "ipsung.db"),
        IPSUNG_TODAY=TODAY_ISO,
        IPSUNG_CONFIG=str(tmp_path / "config.toml"),
        NO_COLOR="1",
        COLUMNS="120",
    )
    import subprocess

    def ipsung(*args):
        r = subprocess.run([str(IPSUNG), *args], env=env, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return r.stdout

    ipsung("consultant", "add", "Mette Holm")
    ipsung("consultant", "add", "Jonas Berg")
    for name, who in (("Emil Dam", "Mette Holm"), ("Sara Holm", "Jonas Berg")):
        ipsung("intake", "--name", name, "--birth-date", "14-03-2010", *ELIGIBLE,
               "--consultant", who)  # fmt: skip
    ipsung("config", "set", "consultant", "Jonas Berg")
    piped = ipsung("list").splitlines()[1:]
    assert [line.split()[0] for line in piped] == ["1", "2"]
    child = pexpect.spawn(str(IPSUNG), ["list"], env=env, encoding="utf-8", timeout=20)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    rows = [line.split()[0] for line in child.before.splitlines()[1:] if line.strip()]
    assert rows == ["2", "1"]


def test_search_and_sort_on_both_backends(bteam):
    run = bteam
    take_in(run, "Øjvind Berg", "05-11-2026", "Jonas Berg", "--goal", "Blive FRISØR")
    take_in(run, "anne Lund", "01-11-2026", "Mette Holm")
    ok(run("log-contact", "2", "--kind", "employer", "--employer", "Netto Åbyhøj"))
    assert listed(run, "--search", "frisør") == [1]
    assert listed(run, "--search", "ÅBYHØJ") == [2]
    assert listed(run, "--sort", "name") == [2, 1]
    assert listed(run, "--sort", "enrolled") == [2, 1]
