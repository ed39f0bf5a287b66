"""The installed `ipsung` command, run as a person or a script would run it."""

import json
import sys

import pexpect
import pytest
from conftest import IPSUNG, TODAY_ISO, process_env, run_installed


@pytest.fixture
def proc_env(db_path):
    return {**process_env(), "IPSUNG_DB": str(db_path)}


def test_installed_command_exists():
    assert IPSUNG.exists(), f"ipsung is not installed beside {sys.executable}"


@pytest.mark.slow
def test_interactive_intake_at_a_terminal(proc_env):
    assert run_installed(proc_env, "consultant", "add", "Mette Holm").returncode == 0
    child = pexpect.spawn(str(IPSUNG), ["intake"], env=proc_env, encoding="utf-8", timeout=20)
    answers = [
        ("Name", "Sofie Jensen"),
        ("Birth date or CPR", "31-02-2010"),  # impossible: asked again
        ("Birth date or CPR", "14-03-2010"),
        ("Referral date", ""),  # default: today
        ("Referred by", "banana"),  # unknown: asked again, with the choices shown
        ("Referred by", "school"),
        ("Consultant", ""),
        ("Diagnoses", "G40"),  # not an F code: asked again
        ("Diagnoses", ""),
        ("Under assessment", "n"),
        ("Signs of mistrivsel", "fravær"),
        ("Substance", "x"),
        ("Substance", "a"),
        ("Motivated", "ja"),
        ("cognitive", "j"),
        ("goal", "Blive elektriker"),
        ("Pathway", "education"),
    ]
    for prompt, answer in answers:
        child.expect(prompt)
        child.sendline(answer)
    child.expect(r"Case (\d+) taken in")
    case_id = child.match.group(1)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    log = child.before
    assert "Traceback" not in log
    shown = json.loads(run_installed(proc_env, "show", case_id, "--json").stdout)
    assert shown["referred_by"] == "school"
    assert shown["referral_date"] == TODAY_ISO
    assert shown["screening"]["mistrivsel"] == ["absence"]
    assert shown["goal"] == "Blive elektriker" and shown["pathway"] == "education"


def test_missing_value_without_a_terminal_is_exit_2_at_once(proc_env):
    r = run_installed(proc_env, "intake", "--name", "Sofie Jensen", input="")
    assert r.returncode == 2
    assert "missing --birth-date or --cpr" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout


@pytest.mark.slow
def test_json_is_one_document_and_errors_are_one_line(proc_env):
    run_installed(proc_env, "consultant", "add", "Mette Holm")
    r = run_installed(proc_env, "consultant", "list", "--json")
    assert r.returncode == 0
    assert json.loads(r.stdout)[0]["name"] == "Mette Holm"
    bad = run_installed(proc_env, "screen", "--birth-date", "31-02-2010", "--substance", "A")
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and bad.stderr.startswith("Error:")
