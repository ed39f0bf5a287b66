"""Two or more `ipsung` processes at once, and a process killed half-way (SPEC §10):
writers wait for each other instead of failing, read-then-write commands see a
consistent caseload, and a killed process loses at most the command it was running.
"""

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import ELIGIBLE, cli, codes_of, ok, process_env, query, run_workers

pytestmark = pytest.mark.slow  # every test here runs several processes for seconds


def intake(db: Path, name: str, *extra: str) -> dict:
    args = ["intake", "--name", name, "--birth-date", "14-03-2010"]
    args += ["--referral-date", "02-11-2026", *ELIGIBLE, *extra, "--json"]
    return json.loads(ok(cli(db, *args)).stdout)


@pytest.fixture
def team_db(db_path) -> Path:
    ok(cli(db_path, "consultant", "add", "Mette Holm"))
    ok(cli(db_path, "consultant", "add", "Jonas Berg"))
    return db_path


# --- 6. several processes at once -------------------------------------------------------------


def test_four_processes_log_200_contacts_at_once(team_db):
    cases = [intake(team_db, f"Ung {i}")["id"] for i in range(4)]
    before = query(team_db, "SELECT count(*) FROM audit_log")[0][0]
    outputs = run_workers(
        str(team_db),
        [
            [
                ["log-contact", str(case), "--kind", "youth", "--minutes", str(n + 1)]
                for n in range(50)
            ]
            for case in cases
        ],
    )
    for out in outputs:
        assert codes_of(out) == [0] * 50, out
    assert query(team_db, "SELECT count(*) FROM contacts") == [(200,)]
    per_case = dict(query(team_db, "SELECT participant_id, count(*) FROM contacts GROUP BY 1"))
    assert per_case == {case: 50 for case in cases}
    # Each process's 50 contacts, each minute count once: nothing lost, nothing doubled.
    for case in cases:
        minutes = [
            m
            for (m,) in query(
                team_db, "SELECT minutes FROM contacts WHERE participant_id = ?", case
            )
        ]
        assert sorted(minutes) == list(range(1, 51))
    audit = query(
        team_db, "SELECT participant_id, change FROM audit_log WHERE command = 'log-contact'"
    )
    assert len(audit) == 200
    assert query(team_db, "SELECT count(*) FROM audit_log")[0][0] == before + 200
    contact_ids = {cid for (cid,) in query(team_db, "SELECT id FROM contacts")}
    assert {int(change.split()[1]) for _pid, change in audit} == contact_ids
    assert query(team_db, "PRAGMA integrity_check") == [("ok",)]


def test_intakes_racing_for_the_last_places_never_overfill(db_path):
    """Capacity is read and then written: four processes taking in at once must never
    give a consultant more than the max (read-then-write inside one write transaction)."""
    db = db_path
    ok(cli(db, "consultant", "add", "Mette Holm", "--max-caseload", "3"))
    ok(cli(db, "consultant", "add", "Jonas Berg", "--max-caseload", "2"))
    command_lists = [
        [
            [
                *("intake", "--name", f"Ung {w}-{n}", "--birth-date", "14-03-2010"),
                *("--referral-date", "02-11-2026", *ELIGIBLE, "--waitlist", "--json"),
            ]
            for n in range(3)
        ]
        for w in range(4)
    ]
    outputs = run_workers(str(db), command_lists)
    for out in outputs:
        assert codes_of(out) == [0, 0, 0], out
    statuses = [
        json.loads(line.removeprefix("result "))["status"]
        for out in outputs
        for line in out.splitlines()
        if line.startswith("result ")
    ]
    assert sorted(statuses) == ["active"] * 5 + ["waitlisted"] * 7
    load = dict(
        query(
            db,
            "SELECT c.name, count(p.id) FROM consultants c LEFT JOIN participants p "
            "ON p.consultant_id = c.id AND p.enrolled_on IS NOT NULL GROUP BY c.name",
        )
    )
    assert load == {"Mette Holm": 3, "Jonas Berg": 2}
    capacity = json.loads(ok(cli(db, "capacity", "--json")).stdout)
    assert capacity["waitlist"] == 7
    assert all(c["open_cases"] <= c["max_caseload"] for c in capacity["consultants"])
    assert ok(cli(db, "check")).exit_code == 0
    assert query(db, "SELECT count(*) FROM audit_log WHERE command = 'intake'") == [(12,)]


# A writer that runs until told to stop, acknowledging each stored contact.
LOOP_WRITER = r"""
import json, pathlib, sys
from typer.testing import CliRunner
from ipsung.cli import app
db, case, stop = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
runner = CliRunner()
while not stop.exists():
    r = runner.invoke(app, ["--db", db, "log-contact", case, "--kind", "youth", "--json"], input="")
    if r.exit_code != 0:
        print("failed", r.exit_code, r.stderr.strip()[-300:], flush=True)
        break
    print("ack", json.loads(r.stdout)["id"], flush=True)
"""


class Writer:
    """A background process that logs contacts in a loop; counts its acknowledgements."""

    def __init__(self, db: Path, case: int, stop: Path):
        self.stop = stop
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-c", LOOP_WRITER, str(db), str(case), str(stop)],
            env=process_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.strip())

    @property
    def acks(self) -> int:
        return sum(1 for line in self.lines if line.startswith("ack "))

    def wait_for_acks(self, n: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while self.acks < n:
            assert self.proc.poll() is None, (self.lines, self.proc.stderr.read())
            assert time.monotonic() < deadline, "the writer did not get going"
            time.sleep(0.02)

    def finish(self) -> list[str]:
        self.stop.touch()
        try:
            self.proc.wait(timeout=60)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        self.reader.join(timeout=10)
        err = self.proc.stderr.read()
        assert self.proc.returncode == 0, err
        assert not [line for line in self.lines if line.startswith("failed")], self.lines
        return self.lines


def test_read_then_write_commands_succeed_while_another_process_writes(db_path, tmp_path):
    db = db_path
    ok(cli(db, "consultant", "add", "Mette Holm", "--max-caseload", "6"))
    ok(cli(db, "consultant", "add", "Jonas Berg", "--max-caseload", "4"))
    first = intake(db, "Ung 0", "--consultant", "Mette Holm")["id"]
    writer = Writer(db, first, tmp_path / "stop")
    try:
        writer.wait_for_acks(3)
        acks_before = writer.acks
        # Without --consultant, intake reads every caseload and takes the most free places.
        chosen = [intake(db, f"Ung {i}")["consultant"] for i in range(1, 8)]
        # Mette 5 free, Jonas 4: Mette, then ties go to the lighter caseload (Jonas) ...
        assert chosen.count("Mette Holm") == 4 and chosen.count("Jonas Berg") == 3, chosen
        moved = json.loads(ok(cli(db, "list", "--consultant", "Mette Holm", "--json")).stdout)
        ok(cli(db, "reassign", str(moved[-1]["id"]), "--to", "Jonas Berg"))
        full = cli(db, "reassign", str(moved[-2]["id"]), "--to", "Jonas Berg")
        assert full.exit_code == 1, full.stderr  # Jonas is now full (4 of 4)
        writer.wait_for_acks(acks_before + 3)  # the writer kept going all along
    finally:
        lines = writer.finish()
    acked = [int(line.split()[1]) for line in lines if line.startswith("ack ")]
    stored = {cid for (cid,) in query(db, "SELECT id FROM contacts")}
    assert set(acked) <= stored
    capacity = json.loads(ok(cli(db, "capacity", "--json")).stdout)
    loads = {c["name"]: c["open_cases"] for c in capacity["consultants"]}
    assert loads == {"Mette Holm": 4, "Jonas Berg": 4}
    ok(cli(db, "check"))


# --- 7. a process killed at random moments ---------------------------------------------------

# One process loads ipsung once and then forks a fresh writer for each round: every
# round is a new process that logs contacts one by one through the real CLI and writes
# "ack <contact id>" to its stdout (a file per round) after each command returned 0.
FORK_SERVER = r"""
import json, os, sys
from typer.testing import CliRunner
from ipsung.cli import app
import ipsung.usecases.casework, ipsung.store.db, ipsung.models, ipsung.usecases.consultants

db, case = sys.argv[1], sys.argv[2]
runner = CliRunner()
r = runner.invoke(app, ["--db", db, "list", "--json"], input="")  # load the lazy imports
assert r.exit_code == 0, r.output
print("ready", flush=True)
for line in sys.stdin:
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass
    pid = os.fork()
    if pid == 0:
        try:
            out = os.open(line.strip(), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            os.dup2(out, 1)
            while True:
                r = runner.invoke(
                    app, ["--db", db, "log-contact", case, "--kind", "youth", "--json"], input=""
                )
                if r.exit_code != 0:
                    os.write(1, f"failed {r.exit_code} {r.stderr.strip()[-200:]}\n".encode())
                    break
                os.write(1, f"ack {json.loads(r.stdout)['id']}\n".encode())
        finally:
            os._exit(0)
    print("pid", pid, flush=True)
"""

KILLS = 120


def test_killed_writers_lose_nothing_acknowledged_and_never_corrupt(db_path, tmp_path):
    db = db_path
    ok(cli(db, "consultant", "add", "Mette Holm"))
    case = intake(db, "Ung Crash")["id"]
    rng = random.Random(20261123)
    server = subprocess.Popen(
        [sys.executable, "-c", FORK_SERVER, str(db), str(case)],
        env=process_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    acked: list[int] = []
    failures: list[str] = []
    started = time.monotonic()
    try:
        assert server.stdout.readline().strip() == "ready", server.stderr.read()
        for round_no in range(KILLS):
            acks_file = tmp_path / f"acks-{round_no}.txt"
            server.stdin.write(f"{acks_file}\n")
            server.stdin.flush()
            answer = server.stdout.readline().split()
            assert answer[:1] == ["pid"], (answer, server.stderr.read())
            pid = int(answer[1])
            time.sleep(rng.uniform(0.0, 0.4))
            os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while Path(f"/proc/{pid}").exists() and _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.002)
            if acks_file.exists():
                for line in acks_file.read_text().splitlines():
                    if line.startswith("ack "):
                        acked.append(int(line.split()[1]))
                    elif line.strip():
                        failures.append(line)
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    elapsed = time.monotonic() - started

    assert not failures, failures[:5]
    assert len(acked) >= KILLS // 2, "too few contacts were acknowledged to judge"
    assert len(acked) == len(set(acked))
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    assert query(db, "PRAGMA foreign_key_check") == []
    stored = {cid for (cid,) in query(db, "SELECT id FROM contacts WHERE participant_id = ?", case)}
    missing = sorted(set(acked) - stored)
    assert not missing, f"acknowledged but lost: {missing[:10]}"
    changes = [
        c for (c,) in query(db, "SELECT change FROM audit_log WHERE command = 'log-contact'")
    ]
    audited = {int(c.split()[1]) for c in changes if c.startswith("contact ")}
    assert len(changes) == len(audited)  # one audit row per contact, never two
    for cid in acked:
        assert any(c.startswith(f"contact {cid} ") for c in changes), cid
    assert audited == stored  # a contact and its audit row land together or not at all
    # The file is still in use: the next command works and sees everything.
    r = ok(cli(db, "log-contact", str(case), "--kind", "youth", "--json"))
    assert json.loads(r.stdout)["id"] > max(stored)
    ok(cli(db, "check"))
    assert elapsed < 90, f"{KILLS} rounds took {elapsed:.0f} s"


def _alive(pid: int) -> bool:
    """True while `pid` runs (a reaped or zombie child counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False
