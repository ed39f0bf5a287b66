"""Progress on long work (issue 16): a bar on stderr, only at a terminal, for demo, import,
export, backup and anonymize; and anonymize and erase say how many cases and rows they
will change before they ask."""

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pexpect
import pytest
import rich.progress
from conftest import ELIGIBLE, TODAY_ISO

from ipsung import vocabulary
from ipsung.commands import options

IPSUNG = Path(sys.executable).parent / "ipsung"


def ok(r):
    assert r.exit_code == 0, r.output
    assert "Traceback" not in r.output
    return r


class Bars:
    """rich's Progress as the commands drive it: each task's label, total and the units
    done, so that a test can see the bar would reach its end."""

    def __init__(self):
        self.tasks: list[dict] = []

    def progress(self, *args, **kwargs):
        bars = self

        class FakeProgress:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return False

            def add_task(self, label, total=None):
                bars.tasks.append({"label": label, "total": total, "done": 0})
                return len(bars.tasks) - 1

            def advance(self, task, n):
                bars.tasks[task]["done"] += n

            def update(self, task, completed, total):
                bars.tasks[task].update(done=completed, total=total)

        return FakeProgress()


@pytest.fixture
def bars(monkeypatch):
    """stderr is a terminal, as far as the commands can tell; the bars are recorded."""
    recorded = Bars()
    monkeypatch.setattr(options, "stderr_is_terminal", lambda: True)
    monkeypatch.setattr(rich.progress, "Progress", recorded.progress)
    return recorded


def test_demo_counts_every_case(run, bars):
    ok(run("demo", "--participants", "120", "--seed", "2"))
    assert bars.tasks == [{"label": "cases", "total": 120, "done": 120}]


def test_import_counts_every_row(run, bars, tmp_path):
    ok(run("demo", "--participants", "30", "--seed", "2"))
    out = tmp_path / "out"
    ok(run("export", "all", "--identified", "--out", str(out)))
    exported = {t["label"]: t["total"] for t in bars.tasks}
    assert all(t["done"] == t["total"] for t in bars.tasks)
    bars.tasks.clear()
    ok(run("--db", str(tmp_path / "new.db"), "import", "all", str(out), "--add-consultants"))
    assert [t["label"] for t in bars.tasks] == list(vocabulary.EXPORT_TABLES)
    for task in bars.tasks:
        assert task["done"] == task["total"], task  # the file's lines less its header
    assert exported["contacts"] == next(t["total"] for t in bars.tasks if t["label"] == "contacts")
    bars.tasks.clear()
    ok(run("--db", str(tmp_path / "one.db"), "import", "participants",
           str(out / "participants.csv"), "--add-consultants", "--dry-run"))  # fmt: skip
    assert [(t["label"], t["done"] == t["total"]) for t in bars.tasks] == [("participants", True)]


def test_backup_counts_pages(run, bars, tmp_path, db_path):
    ok(run("demo", "--participants", "200", "--seed", "2"))
    bars.tasks.clear()
    ok(run("backup", str(tmp_path / "copy.db")))
    (task,) = bars.tasks
    assert task["label"] == "backup"
    pages = db_path.stat().st_size // 4096
    assert task["total"] >= pages * 0.9 and task["done"] == task["total"]
    with closing(sqlite3.connect(tmp_path / "copy.db")) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_anonymize_counts_cases(run, bars):
    ok(run("demo", "--participants", "80", "--seed", "2"))
    bars.tasks.clear()
    ok(run("anonymize", "--closed-before", TODAY_ISO, "--yes"))
    (task,) = bars.tasks
    assert task["label"] == "cases" and task["done"] == task["total"] > 0


def test_no_bar_without_a_terminal(run, monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("a bar without a terminal")

    monkeypatch.setattr(rich.progress, "Progress", fail)
    r = ok(run("demo", "--participants", "50"))
    assert r.stderr == ""


def test_no_bar_over_csv_printed_to_the_same_terminal(run, bars, monkeypatch):
    ok(run("demo", "--participants", "20"))
    bars.tasks.clear()
    monkeypatch.setattr(options, "stdout_is_terminal", lambda: True)
    ok(run("export", "contacts"))
    assert bars.tasks == []


# --- how many before asking ----------------------------------------------------------------------


def counts(db_path) -> dict:
    with closing(sqlite3.connect(db_path)) as conn:
        return {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("participants", "contacts", "placements", "aftercare_periods",
                      "progress_ratings", "audit_log")
        }  # fmt: skip


@pytest.fixture
def case_with_history(team):
    """Case 1 (Emil Dam): 3 contacts (2 with notes), a placement ended with a reason, an
    aftercare period and 2 ratings; closed on 21-11-2026. Case 2 open."""
    run = team
    for name in ("Emil Dam", "Sara Holm"):
        ok(run("intake", "--name", name, "--birth-date", "14-03-2010",
               "--referral-date", "02-11-2026", *ELIGIBLE, "--consultant", "Mette Holm"))  # fmt: skip
    ok(run("log-contact", "1", "--kind", "youth", "--date", "03-11-2026", "--note", "godt"))
    ok(run("log-contact", "1", "--kind", "three-party", "--date", "04-11-2026", "--note", "x"))
    ok(run("log-contact", "1", "--kind", "youth", "--date", "05-11-2026"))
    ok(run("placement", "add", "1", "--kind", "internship", "--start", "06-11-2026"))
    ok(run("placement", "end", "1", "--date", "10-11-2026", "--reason", "Fik job"))
    ok(run("aftercare", "start", "1", "--date", "11-11-2026"))
    ok(run("progress", "1", "--outlook", "3", "--insight", "3", "--skills", "3",
           "--date", "07-11-2026"))  # fmt: skip
    ok(run("progress", "1", "--outlook", "4", "--insight", "3", "--skills", "3",
           "--date", "12-11-2026"))  # fmt: skip
    ok(run("close", "1", "--date", "21-11-2026", "--reason", "goal-reached"))
    return run


def test_erase_says_what_it_deletes_first(case_with_history, db_path):
    run = case_with_history
    before = counts(db_path)
    r = run("erase", "emil")  # no terminal and no --yes: refused after saying it
    assert r.exit_code == 2
    said = (
        "Erasing deletes case 1 with 3 contacts, 1 placement, 1 aftercare period, 2 ratings: "
        "8 rows."
    )
    assert said in r.stderr
    assert counts(db_path) == before
    r = ok(run("erase", "emil", "--yes"))
    assert said in r.stderr
    after = counts(db_path)
    deleted = {t: before[t] - after[t] for t in before if t != "audit_log"}
    assert deleted == {"participants": 1, "contacts": 3, "placements": 1,
                       "aftercare_periods": 1, "progress_ratings": 2}  # fmt: skip
    assert sum(deleted.values()) == 8


def test_anonymize_says_what_it_changes_first(case_with_history, db_path):
    run = case_with_history
    before = counts(db_path)
    r = run("anonymize", "--closed-before", "22-11-2026")
    assert r.exit_code == 2 and "--yes" in r.stderr
    said = "Anonymising changes 1 case and 2 contact notes, 1 placement end reason: 4 rows."
    assert said in r.stderr
    assert counts(db_path) == before
    assert said in ok(run("anonymize", "--closed-before", "22-11-2026", "--yes")).stderr


@pytest.fixture
def proc_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("IPSUNG_")}
    env.update(
        IPSUNG_DB=str(tmp_path / "ipsung.db"),
        IPSUNG_TODAY=TODAY_ISO,
        IPSUNG_CONFIG=str(tmp_path / "config.toml"),
        IPSUNG_LANG="en",
        COLUMNS="100",
    )
    env.pop("NO_COLOR", None)
    return env


def spawn(env, *args) -> pexpect.spawn:
    return pexpect.spawn(str(IPSUNG), list(args), env=env, encoding="utf-8", timeout=60)


def test_a_real_terminal_sees_the_bars_and_a_pipe_does_not(proc_env, tmp_path):
    child = spawn(proc_env, "demo", "--participants", "3000")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "cases" in child.before and "━" in child.before and "%" in child.before
    piped = subprocess.run(
        [str(IPSUNG), "backup", str(tmp_path / "copy.db")], env=proc_env, capture_output=True,
        text=True,
    )  # fmt: skip
    assert piped.returncode == 0 and "━" not in piped.stderr and "\x1b[" not in piped.stderr
    child = spawn(proc_env, "backup", str(tmp_path / "copy2.db"))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and "copy2.db" in child.before


def test_erase_asks_at_a_terminal_after_saying_how_much(proc_env):
    def ipsung(*args):
        r = subprocess.run([str(IPSUNG), *args], env=proc_env, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return r.stdout

    ipsung("consultant", "add", "Mette Holm")
    ipsung("intake", "--name", "Emil Dam", "--birth-date", "14-03-2010", *ELIGIBLE)
    ipsung("log-contact", "emil", "--kind", "youth")
    child = spawn(proc_env, "erase", "emil")
    child.expect("Erasing deletes case 1 with 1 contact, 0 placements, 0 aftercare periods, "
                 "0 ratings: 2 rows.")  # fmt: skip
    child.expect(r"Delete case 1 and everything about it\? \[y/n\]")
    child.sendline("n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert json.loads(ipsung("show", "1", "--json"))["name"] == "Emil Dam"
