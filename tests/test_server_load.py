"""A team database under load and under faults (SPEC §12, issue 17). Slow: deselect with
-m "not slow".

Sixteen processes, each a consultant's busy day against one server: an intake, ten
contacts, the due list, a case, the team's capacity and a placement, for a fixed number
of rounds, with the team two places from full. Each process logs in as a person of its
own (a login in the team role, nothing more). Afterwards every command that exited 0
left its rows and its audit row, no consultant is over their max, and the only non-zero
exits are the rules' answers (the whole team is full: exit 1). The median and 95th
percentile time per command are printed.

The same load again while the server restarts (`pg_ctl restart -m fast`) and while
backends are killed in the middle of their transactions (`pg_terminate_backend`): every
command succeeds or says why in one line with a meaningful exit code (never 70, never a
traceback), no data row is left without its audit row or the other way round, and the
next command after the server is back works without any repair.
"""

import json
import re
import statistics
import subprocess
import sys
import threading
import time

import pytest
from conftest import ELIGIBLE, PG_TEAM, PgServer, _pg_bin_dir, point_at, process_env
from typer.testing import CliRunner

from ipsung.cli import app

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

WORKERS = 16
ROUNDS = 3
MAX = 17
OPEN_AT_START = 15  # two places each from full: 32 in the team, 48 intakes to race for them
TEAM_FULL = "the whole team is full"

# One consultant's day, through the real CLI in one process (loaded before the start, so
# that sixteen of them start together), with the time and outcome of every command.
WORKER = r"""
import json, sys, time
from typer.testing import CliRunner
from ipsung.cli import app
import ipsung.usecases.casework, ipsung.usecases.intake, ipsung.store.db, ipsung.models
import ipsung.reports.due, ipsung.reports.capacity, ipsung.reports.cases

target, plan = sys.argv[1], json.loads(sys.argv[2])
runner = CliRunner()
print("ready", flush=True)
sys.stdin.readline()
for name, args in plan:
    started = time.perf_counter()
    r = runner.invoke(app, ["--db", target, *args], input="")
    seconds = time.perf_counter() - started
    escaped = r.exception if not isinstance(r.exception, SystemExit) else None
    record = {
        "name": name, "code": r.exit_code, "seconds": seconds, "stderr": r.stderr,
        "escaped": repr(escaped) if escaped else None,
        "stdout": r.stdout if name in ("intake", "log-contact", "placement add") else "",
    }
    print("record " + json.dumps(record), flush=True)
"""


def cli(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def ok(result):
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return result


def sql(url: str, statement: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(statement)
        return cursor.fetchall() if cursor.description else []


class Team:
    """Sixteen consultants with a login each, two places from full, on one database."""

    def __init__(self, server: PgServer, database: str, tag: str):
        self.server, self.database, self.tag = server, database, tag
        self.logins = [f"{tag}_k{w:02d}" for w in range(WORKERS)]
        self.names = [f"Konsulent {w:02d}" for w in range(WORKERS)]
        self.cases: list[list[int]] = []

    def fill(self, home, monkeypatch) -> None:
        for login in self.logins:
            self.server.add_login(login)
        point_at(monkeypatch, self.url(self.logins[0]), home)
        for name in self.names:
            ok(cli("consultant", "add", name, "--max-caseload", str(MAX)))
        for w, name in enumerate(self.names):
            made = [
                cli(*_intake(f"Ung {w}-start-{i}"), "--consultant", name, "--json")
                for i in range(OPEN_AT_START)
            ]
            self.cases.append([json.loads(ok(r).stdout)["id"] for r in made])

    def url(self, login: str) -> str:
        return self.server.url(self.database, login)

    def drop_logins(self) -> None:
        for login in self.logins:
            self.server.admin(f"DROP ROLE IF EXISTS {login}")

    def day(self, w: int) -> list:
        """Consultant w's busy day, ROUNDS times over."""
        cases, plan = self.cases[w], []
        for r in range(ROUNDS):
            plan.append(("intake", [*_intake(f"Ung {w}-{r}"), "--json"]))
            for n in range(10):
                case = cases[(r * 10 + n) % len(cases)]
                plan.append(
                    ("log-contact", ["log-contact", str(case), "--kind", "youth"]
                     + ["--minutes", str(n + 5), "--json"])
                )  # fmt: skip
            plan.append(("due", ["due", "--consultant", self.names[w], "--json"]))
            plan.append(("show", ["show", str(cases[r]), "--json"]))
            plan.append(("capacity", ["capacity", "--json"]))
            plan.append(
                ("placement add", ["placement", "add", str(cases[r]), "--kind", "internship"]
                 + ["--start", "20-11-2026", "--employer", f"Firma {w}-{r}", "--json"])
            )  # fmt: skip
        return plan


def _intake(name: str) -> list[str]:
    return ["intake", "--name", name, "--birth-date", "14-03-2010"] + [
        "--referral-date",
        "02-11-2026",
        *ELIGIBLE,
    ]


def run_days(team: Team, home, during=None, timeout: float = 900) -> list[dict]:
    """Every consultant's day at once; `during` (a function) runs while they work.
    Returns one record per command."""
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, team.url(team.logins[w]), json.dumps(team.day(w))],
            env=process_env(home),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(WORKERS)
    ]
    try:
        for w in workers:
            line = w.stdout.readline()
            assert line.strip() == "ready", (line, w.stderr.read() if w.poll() is not None else "")
        for w in workers:
            w.stdin.write("go\n")
            w.stdin.flush()
        if during is not None:
            during()
        outputs = [w.communicate(timeout=timeout) for w in workers]
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
                w.wait()
    records = []
    for w, (out, err) in zip(workers, outputs, strict=True):
        assert w.returncode == 0 and "Traceback" not in out + err, err[-3000:]
        records += [json.loads(line[7:]) for line in out.splitlines() if line.startswith("record ")]
    assert len(records) == WORKERS * ROUNDS * 15
    return records


def print_times(title: str, records: list[dict], capsys) -> None:
    """Median and 95th percentile seconds per command (each command run in-process, the
    connection and the queries included, Python's start-up not)."""
    lines = [f"\n{title}: seconds per command, {WORKERS} processes x {ROUNDS} rounds"]
    for name in dict.fromkeys(r["name"] for r in records):
        times = sorted(r["seconds"] for r in records if r["name"] == name)
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        lines.append(
            f"  {name:<14} n={len(times):4d}  median {statistics.median(times):.3f}  "
            f"p95 {p95:.3f}  max {times[-1]:.3f}"
        )
    answers: dict[str, int] = {}
    for r in records:
        if r["code"] != 0:
            said = re.sub(r"\d+", "N", r["stderr"].strip())[:90]
            answers[f"exit {r['code']}: {said}"] = answers.get(f"exit {r['code']}: {said}", 0) + 1
    lines += [f"  {n:4d} x {said}" for said, n in sorted(answers.items())]
    with capsys.disabled():
        print("\n".join(lines))


def _ids(records: list[dict], name: str) -> set[int]:
    return {json.loads(r["stdout"])["id"] for r in records if r["name"] == name and r["code"] == 0}


def check_the_data(team: Team, records: list[dict], start_audit: int) -> dict[str, set]:
    """Rows and audit rows pair up; every command that exited 0 left both; no consultant
    is over their max. Returns the ids found per kind of row."""
    admin = team.server.superuser_url(team.database)
    audit = sql(
        admin,
        f"SELECT command, participant_id, change FROM audit_log WHERE id > {start_audit}",
    )
    found = {
        "intake": {pid for command, pid, _c in audit if command == "intake"},
        "log-contact": {
            int(re.match(r"contact (\d+) ", change)[1])
            for command, _p, change in audit
            if command == "log-contact"
        },
        "placement add": {
            int(re.match(r"placement (\d+) ", change)[1])
            for command, _p, change in audit
            if command == "placement add"
        },
    }
    counted = {
        name: sum(1 for command, _p, _c in audit if command == name)
        for name in ("intake", "log-contact", "placement add")
    }
    first_new = max(max(c) for c in team.cases) + 1
    stored = {
        "intake": {
            i for (i,) in sql(admin, f"SELECT id FROM participants WHERE id >= {first_new}")
        },
        "log-contact": {i for (i,) in sql(admin, "SELECT id FROM contacts")},
        "placement add": {i for (i,) in sql(admin, "SELECT id FROM placements")},
    }
    for name in found:
        assert found[name] == stored[name], name  # no row without its audit row, nor back
        assert counted[name] == len(found[name]), name  # one audit row each
        assert _ids(records, name) <= stored[name], name  # every success left its row
    shows = sum(1 for command, _p, _c in audit if command == "show")  # a read, recorded
    shown = [r for r in records if r["name"] == "show"]
    assert sum(r["code"] == 0 for r in shown) <= shows <= len(shown)
    over = sql(
        admin,
        "SELECT c.name, count(p.id), c.max_caseload FROM consultants c "
        "JOIN participants p ON p.consultant_id = c.id AND p.closed_on IS NULL "
        "GROUP BY c.id HAVING count(p.id) > c.max_caseload",
    )
    assert over == []
    return stored


def one_line(record: dict) -> str:
    lines = record["stderr"].splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), record
    return lines[0]


@pytest.fixture
def team(pg_server, pg_url, tmp_path, monkeypatch):
    name = pg_url.split("@/")[1].split("?")[0]
    made = Team(pg_server, name, f"load{pg_server._next}")
    try:
        made.fill(tmp_path, monkeypatch)
        yield made
    finally:
        made.drop_logins()


def test_sixteen_consultants_at_once(team, tmp_path, capsys):
    admin = team.server.superuser_url(team.database)
    start_audit = sql(admin, "SELECT max(id) FROM audit_log")[0][0]
    records = run_days(team, tmp_path)
    print_times("load", records, capsys)
    for r in records:
        assert r["escaped"] is None, r
        if r["code"] != 0:
            assert r["name"] == "intake" and r["code"] == 1, r
            assert TEAM_FULL in one_line(r), r
    stored = check_the_data(team, records, start_audit)
    for name in ("intake", "log-contact", "placement add"):
        assert len(stored[name]) == len(_ids(records, name))  # exactly the successes
    assert len(stored["intake"]) == 2 * WORKERS  # the 32 free places, and not one more
    shows = f"SELECT count(*) FROM audit_log WHERE command = 'show' AND id > {start_audit}"
    assert sql(admin, shows) == [(WORKERS * ROUNDS,)]
    assert len(stored["log-contact"]) == WORKERS * ROUNDS * 10
    assert sql(admin, "SELECT count(*) FROM participants WHERE consultant_id IS NULL") == [(0,)]
    assert json.loads(ok(cli("check", "--json")).stdout)["ok"] is True


# --- faults -----------------------------------------------------------------------------------

# Exit 1: a rule's answer, or a server that went away or did not let go of the write lock;
# exit 2: a connection that could not be made (the server is starting or stopping).
FAULT_LINES = {
    1: (
        TEAM_FULL,
        "the database could not be used",
        "may or may not be stored",
        "the write lock is held",
    ),
    2: ("cannot connect to",),
}


def check_every_answer(records: list[dict]) -> dict[int, int]:
    codes: dict[int, int] = {}
    for r in records:
        assert r["escaped"] is None, r
        codes[r["code"]] = codes.get(r["code"], 0) + 1
        if r["code"] == 0:
            continue
        assert r["code"] in FAULT_LINES, r  # never 70 (a bug), never anything else
        line = one_line(r)
        assert any(words in line for words in FAULT_LINES[r["code"]]), r
        assert "postgresql://" not in line or ":***@" in line or "@/" in line
    return codes


@pytest.fixture(scope="module")
def own_server():
    """A server of this module's own, for restarting and killing backends in."""
    bin_dir = _pg_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL server programs not found")
    server = PgServer(bin_dir)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def fault_team(own_server, tmp_path, monkeypatch):
    own_server._next += 1
    name = f"faults_{own_server._next}"
    own_server.set_up(name, owner="ipsung_owner", team=PG_TEAM)
    made = Team(own_server, name, f"fault{own_server._next}")
    try:
        made.fill(tmp_path, monkeypatch)
        yield made
    finally:
        made.drop_logins()
        own_server.drop_database(name)


def _after_the_fault(team: Team, monkeypatch, home) -> None:
    """The next commands work without any repair: check is content, a write goes through."""
    point_at(monkeypatch, team.url(team.logins[0]), home)
    assert json.loads(ok(cli("check", "--json")).stdout)["ok"] is True
    ok(cli(*_intake("Ung efter"), "--waitlist"))


def test_the_load_while_the_server_restarts(fault_team, tmp_path, monkeypatch, capsys):
    team = fault_team
    admin = team.server.superuser_url(team.database)
    start_audit = sql(admin, "SELECT max(id) FROM audit_log")[0][0]

    def restart_twice():
        for pause in (3, 4):
            time.sleep(pause)
            team.server.restart()

    records = run_days(team, tmp_path, during=restart_twice)
    print_times("load while the server restarts twice", records, capsys)
    codes = check_every_answer(records)
    assert set(codes) - {0} and codes.get(0, 0) > len(records) // 3, codes  # hit, and it went on
    check_the_data(team, records, start_audit)
    _after_the_fault(team, monkeypatch, tmp_path)


def test_the_load_while_backends_are_killed_mid_transaction(
    fault_team, tmp_path, monkeypatch, capsys
):
    team = fault_team
    admin = team.server.superuser_url(team.database)
    start_audit = sql(admin, "SELECT max(id) FROM audit_log")[0][0]
    stop, killed = threading.Event(), []

    def killer():
        import psycopg

        with psycopg.connect(team.server.superuser_url("postgres"), autocommit=True) as conn:
            while not stop.is_set():
                # A backend of ipsung inside a transaction (it has begun and not ended).
                row = conn.execute(
                    "SELECT pid, state, pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND application_name LIKE 'ipsung%%' "
                    "AND xact_start IS NOT NULL ORDER BY random() LIMIT 1",
                    (team.database,),
                ).fetchone()
                if row:
                    killed.append(row[1])
                time.sleep(0.15)

    thread = threading.Thread(target=killer, daemon=True)

    def kill_until_done():
        thread.start()

    try:
        records = run_days(team, tmp_path, during=kill_until_done)
    finally:
        stop.set()
        thread.join()
    print_times(f"load while {len(killed)} backends are killed", records, capsys)
    codes = check_every_answer(records)
    assert killed and codes.get(1, 0) > 0, (killed, codes)
    check_the_data(team, records, start_audit)
    _after_the_fault(team, monkeypatch, tmp_path)
