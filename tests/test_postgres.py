"""A team database on PostgreSQL (SPEC §12), against a real server that the tests start
themselves (conftest: `pg_server`). Where PostgreSQL's server programs are not installed,
the PostgreSQL half is skipped and the reason is shown in the summary; the SQLite half of
the tests parametrised over both backends runs everywhere.

1. The project's CLI tests, again on a server: every test of the CLI test modules that
   reaches the database only through the CLI runs here a second time, with IPSUNG_DB
   pointing at a fresh PostgreSQL database. In this module `env`, `run` and `team` are
   therefore the server's; the tests written here use `brun`/`bteam`, which run once per
   backend.
2. Both backends side by side: the same commands give the same exit codes and JSON.
3. What a server changes: URLs and passwords, races decided by the server, the file
   duties in their server form, id sequences after explicit ids, the schema by Alembic.
"""

import getpass
import importlib
import inspect
import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from conftest import (
    COMPARE_OPTIONS,
    ELIGIBLE,
    PG_PASSWORD,
    PG_PASSWORD_ROLE,
    PG_ROLE,
    TODAY_ISO,
    as_json,
    codes_of,
    intake_args,
    invoke,
    ok,
    one_error_line,
    point_at,
    run_installed,
    run_workers,
)

from ipsung.store.migrations import HEAD_REVISION

# --- 1. the project's CLI tests, on a server ----------------------------------------------------

CLI_TEST_MODULES = (
    "test_smoke",
    "test_cli",
    "test_daily",
    "test_week",
    "test_outcomes",
    "test_report",
    "test_import",
    "test_export",
)
# Besides the tests that look at the SQLite file itself (they take `db_path` or open the
# file with sqlite3), these stay SQLite-only, for the reason given:
SQLITE_ONLY = {
    "test_a_full_disk_is_one_error_line_and_no_file": "lists the database's own folder",
}


def _looks_at_the_file(test) -> bool:
    source = inspect.getsource(test)
    return "db_path" in inspect.signature(test).parameters or any(
        word in source for word in ("db_path", "sqlite3")
    )


def _rerun_on_a_server() -> dict:
    chosen = {}
    for module_name in CLI_TEST_MODULES:
        module = importlib.import_module(module_name)
        for name, test in vars(module).items():
            if not (name.startswith("test_") and inspect.isfunction(test)):
                continue
            if name in SQLITE_ONLY or _looks_at_the_file(test):
                continue
            if name in chosen or name in globals():  # the same name in two modules
                name = f"test_{module_name.removeprefix('test_')}__{name.removeprefix('test_')}"
            chosen[name] = test
    return chosen


globals().update(_rerun_on_a_server())


@pytest.fixture
def env(pg_url, tmp_path_factory, monkeypatch):
    """For the tests of part 1: the environment of conftest's `env`, with a server's URL."""
    return point_at(monkeypatch, pg_url, tmp_path_factory.mktemp("home"))


@pytest.fixture
def caseload(request):
    """Each CLI test module builds its own `caseload`: use the one of the test's module."""
    build = sys.modules[request.function.__module__].caseload.__wrapped__
    return build(**{n: request.getfixturevalue(n) for n in inspect.signature(build).parameters})


@pytest.fixture(scope="module")
def main_cohort_template(pg_server, tmp_path_factory):
    """test_outcomes' hand-worked cohort, built once through the CLI in a server database
    that each test then gets a copy of (there it is a copied SQLite file)."""
    import test_outcomes

    name = pg_server.new_database()
    env = {"IPSUNG_DB": pg_server.url(name), "IPSUNG_TODAY": TODAY_ISO, "NO_COLOR": "1"}
    env["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("home"))

    def run(*args: str):
        return invoke(*args, env=env)

    ok(run("consultant", "add", test_outcomes.METTE))
    ok(run("consultant", "add", test_outcomes.JONAS, "--max-caseload", "2"))
    ids = test_outcomes.build_main_cohort(run)
    yield name, ids
    pg_server.drop_database(name)


@pytest.fixture
def main_cohort(run, pg_server, main_cohort_template, monkeypatch):
    template, ids = main_cohort_template
    name = pg_server.new_database(template=template)
    monkeypatch.setenv("IPSUNG_DB", pg_server.url(name))
    yield run, ids
    pg_server.drop_database(name)


# --- helpers ------------------------------------------------------------------------------------


def sql(target: str, statement: str) -> list[tuple]:
    """Rows of one statement, read straight from the file or the server (not via ipsung)."""
    if "://" in target:
        import psycopg

        with psycopg.connect(target, autocommit=True) as conn:
            cursor = conn.execute(statement)
            return cursor.fetchall() if cursor.description else []
    import sqlite3

    conn = sqlite3.connect(target)
    try:
        rows = conn.execute(statement).fetchall()
        conn.commit()
        return rows
    finally:
        conn.close()


def as_superuser(target: str) -> str:
    """The same database as the server's superuser (a file stays a file): what only the
    tables' owner may do, the tests' login may not (conftest: least privilege)."""
    return target.replace(f"://{PG_ROLE}@", "://postgres@", 1)


# --- 2. both backends side by side ------------------------------------------------------------

SIDE_BY_SIDE = [
    ["demo", "--participants", "60", "--seed", "11"],
    ["list", "--status", "all", "--json"],
    ["consultant", "list", "--json"],
    ["capacity", "--json"],
    ["due", "--json"],
    ["outcomes", "--json"],
    ["outcomes", "--by", "consultant", "--quarterly", "--json"],
    ["outcomes", "--by", "referred-by", "--from", "01-01-2026", "--to", "30-09-2026", "--json"],
    ["fidelity", "--json"],
    ["show", "7", "--json"],
    [*intake_args("Sofie Jensen"), "--json"],
    ["log-contact", "61", "--kind", "youth", "--minutes", "30", "--json"],
    ["placement", "add", "61", "--kind", "internship", "--start", "20-11-2026", "--json"],
    ["progress", "61", "--outlook", "3", "--insight", "4", "--skills", "2"],
    ["close", "17", "--reason", "moved"],
    ["close", "7", "--reason", "moved"],  # closed already: exit 2 on both
    ["reassign", "61", "--to", "Nobody Here"],
    ["consultant", "add", "Ida Lund", "--max-caseload", "1", "--json"],
    ["list", "--status", "all", "--json"],
    ["due", "--json"],
    ["capacity", "--json"],
    ["outcomes", "--by", "consultant", "--json"],
    ["check", "--json"],
]


def test_the_same_commands_give_the_same_answers_on_both_backends(tmp_path, pg_url, monkeypatch):
    """Exit codes, stdout (JSON) and exports are the same on a file and on a server."""
    answers = {}
    exports = {}
    for name, target in (("sqlite", str(tmp_path / "data" / "ipsung.db")), ("pg", pg_url)):
        point_at(monkeypatch, target, tmp_path / name)
        answers[name] = []
        for args in SIDE_BY_SIDE:
            r = invoke(*args)
            assert "Traceback" not in r.output
            answers[name].append((" ".join(args[:3]), r.exit_code, r.stdout))
        if name == "sqlite":  # one pseudonym key for both, so that the pseudonyms match
            key = Path(target + ".key")
        else:
            from ipsung.store import db

            shutil.copy(key, db.key_file(db.resolve(None)))
        for identified in ([], ["--identified"]):
            out = tmp_path / f"{name}-export{len(identified)}"
            ok(invoke("export", "all", *identified, "--out", str(out)))
            for f in sorted(out.iterdir()):
                exports[(name, len(identified), f.name)] = f.read_bytes()
    for sqlite_answer, pg_answer in zip(answers["sqlite"], answers["pg"], strict=True):
        assert sqlite_answer == pg_answer
    assert {k[1:]: v for k, v in exports.items() if k[0] == "sqlite"} == {
        k[1:]: v for k, v in exports.items() if k[0] == "pg"
    }
    assert [code for _command, code, _out in answers["pg"]].count(0) == len(SIDE_BY_SIDE) - 2
    assert answers["pg"][-1][1] == 0  # check found nothing wrong


# --- 3. the backends, one by one --------------------------------------------------------------


def test_smoke_flow(bteam, backend):
    case = as_json(bteam(*intake_args(), "--json"))
    assert case["status"] == "active" and case["consultant"] == "Mette Holm"
    assert [c["id"] for c in as_json(bteam("list", "--json"))] == [case["id"]]
    shown = as_json(bteam("show", str(case["id"]), "--json"))
    assert shown["name"] == "Sofie Jensen"
    info = as_json(bteam("info", "--json"))
    assert info["backend"] == backend
    assert info["schema_version"] == HEAD_REVISION
    assert info["rows"]["participants"] == 1 and info["rows"]["consultants"] == 2


def test_consultant_intake_capacity_and_the_waitlist(bteam):
    """Jonas has 2 places: a third intake for him is refused (exit 1), a waitlisted case
    waits, and reassigning after a closing takes it in."""
    for name in ("Ung A", "Ung B"):
        ok(bteam(*intake_args(name), "--consultant", "Jonas Berg"))
    full = bteam(*intake_args("Ung C"), "--consultant", "Jonas Berg")
    assert full.exit_code == 1 and "Jonas Berg" in full.stderr
    ok(bteam("consultant", "set-max", "Mette Holm", "0"))
    refused = bteam(*intake_args("Ung C"))
    assert refused.exit_code == 1
    waiting = as_json(bteam(*intake_args("Ung C"), "--waitlist", "--json"))
    assert waiting["status"] == "waitlisted"
    capacity = as_json(bteam("capacity", "--json"))
    assert capacity["waitlist"] == 1
    assert {c["name"]: c["open_cases"] for c in capacity["consultants"]} == {
        "Mette Holm": 0,
        "Jonas Berg": 2,
    }
    ok(bteam("close", "1", "--reason", "goal-reached"))
    ok(bteam("reassign", str(waiting["id"]), "--to", "Jonas Berg"))
    assert as_json(bteam("show", str(waiting["id"]), "--json"))["status"] == "active"
    over = bteam("reassign", "2", "--to", "Mette Holm")
    assert over.exit_code == 1


def test_log_contact_due_and_capacity(bteam):
    case = as_json(bteam(*intake_args(), "--json"))["id"]
    due = as_json(bteam("due", "--json"))
    assert {d["reason"] for d in due} >= {"weekly-contact", "intake-meeting"}
    ok(bteam("log-contact", str(case), "--kind", "youth", "--date", "20-11-2026"))
    ok(bteam("log-contact", str(case), "--kind", "three-party", "--date", "21-11-2026"))
    ok(
        bteam(
            "log-contact", "--kind", "employer", "--employer", "Netto", "--consultant", "Mette Holm"
        )
    )
    due = as_json(bteam("due", "--json"))
    assert "weekly-contact" not in {d["reason"] for d in due}
    assert "intake-meeting" not in {d["reason"] for d in due}
    shown = as_json(bteam("show", str(case), "--json"))
    assert [c["kind"] for c in shown["contacts"]] == ["youth", "three-party"]
    capacity = as_json(bteam("capacity", "--json"))
    assert sum(c["open_cases"] for c in capacity["consultants"]) == 1


def test_outcomes_count_the_started(bteam):
    for name in ("Ung A", "Ung B", "Ung C", "Ung D"):
        ok(bteam(*intake_args(name), "--consultant", "Mette Holm"))
    ok(
        bteam(
            "placement",
            "add",
            "1",
            "--kind",
            "ordinary-job",
            "--start",
            "10-11-2026",
            "--hours",
            "15",
        )
    )
    ok(bteam("placement", "add", "2", "--kind", "education", "--start", "12-11-2026"))
    ok(bteam("close", "3", "--date", "20-11-2026", "--reason", "moved"))
    figures = as_json(bteam("outcomes", "--json"))
    assert figures["cohort"] == 4
    assert figures["started_job_or_education"] == 2
    assert figures["share"] == 0.5 and figures["target_met"] is True
    by = as_json(bteam("outcomes", "--by", "consultant", "--quarterly", "--json"))
    assert [g["group"] for g in by["by"]["groups"]] == ["Mette Holm"]


def test_pseudonymised_export_names_nobody(bteam, tmp_path):
    ok(bteam(*intake_args(), "--cpr", "140310-4123", "--goal", "Blive frisør"))
    ok(bteam("log-contact", "1", "--kind", "youth", "--note", "Talte om Bager Ørum"))
    r = ok(bteam("export", "all", "--out", str(tmp_path / "ud")))
    written = "".join(f.read_text() for f in (tmp_path / "ud").iterdir())
    for secret in ("Sofie", "Jensen", "1403104123", "140310", "frisør", "Ørum"):
        assert secret not in written
    assert "P-" in written
    again = ok(bteam("export", "participants"))
    assert again.stdout.splitlines()[1].split(",")[0] in written
    assert r.stdout == ""


def test_import_round_trip_and_new_ids_follow_the_imported(brun, tmp_path, monkeypatch):
    """A caseload moves from a file into the backend under test and gives the same
    outcomes; the next intake gets the id after the highest imported one."""
    source = str(tmp_path / "old" / "ipsung.db")
    old = {"IPSUNG_DB": source}
    ok(invoke("demo", "--participants", "30", "--seed", "5", env=old))
    ok(invoke("erase", "3", "--yes", env=old))  # a gap in the ids must stay a gap
    ok(invoke("export", "all", "--identified", "--out", str(tmp_path / "flyt"), env=old))
    before = as_json(invoke("outcomes", "--by", "consultant", "--json", env=old))
    ok(brun("import", "all", str(tmp_path / "flyt"), "--add-consultants"))
    assert as_json(brun("outcomes", "--by", "consultant", "--json")) == before
    ids = [c["id"] for c in as_json(brun("list", "--status", "all", "--json"))]
    assert 3 not in ids and max(ids) == 30
    assert as_json(brun(*intake_args("Ny Ung"), "--waitlist", "--json"))["id"] == 31


def test_demo_ids_leave_room_for_new_rows(brun):
    """demo writes its own ids; the next intake, contact, placement and rating each get a
    fresh one (a server's sequences are moved past them)."""
    ok(brun("demo", "--participants", "25", "--seed", "2"))
    counts = as_json(brun("info", "--json"))["rows"]
    case = as_json(brun(*intake_args("Ny Ung"), "--waitlist", "--json"))["id"]
    assert case == counts["participants"] + 1
    ok(brun("consultant", "add", "Ida Lund"))
    ok(brun("reassign", str(case), "--to", "Ida Lund"))
    contact = as_json(brun("log-contact", str(case), "--kind", "youth", "--json"))
    assert contact["id"] == counts["contacts"] + 1
    ok(brun("placement", "add", str(case), "--kind", "internship", "--start", "today"))
    ok(brun("progress", str(case), "--outlook", "2", "--insight", "2", "--skills", "2"))
    after = as_json(brun("info", "--json"))["rows"]
    assert after["placements"] == counts["placements"] + 1
    assert after["consultants"] == counts["consultants"] + 1


def test_close_and_reassign(bteam):
    for name in ("Ung A", "Ung B"):
        ok(bteam(*intake_args(name), "--consultant", "Mette Holm"))
    ok(bteam("reassign", "1", "--to", "Jonas Berg"))
    r = ok(bteam("close", "2", "--date", "22-11-2026", "--reason", "goal-reached"))
    assert "three-party" in r.stderr  # the warning: no closing meeting was logged
    cases = {c["id"]: c for c in as_json(bteam("list", "--status", "all", "--json"))}
    assert cases[1]["consultant"] == "Jonas Berg" and cases[2]["status"] == "closed"
    assert bteam("close", "2", "--reason", "moved").exit_code == 2


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_log SET change = 'x'", "DELETE FROM audit_log"]
)
def test_the_audit_log_refuses_update_and_delete(bteam, db_target, statement):
    ok(bteam(*intake_args()))
    before = sql(db_target, "SELECT * FROM audit_log ORDER BY id")
    # As the owner: the login may not even try (test_server_setup.py).
    with pytest.raises(Exception, match="append-only"):
        sql(as_superuser(db_target), statement)
    assert sql(db_target, "SELECT * FROM audit_log ORDER BY id") == before
    sql(db_target, "INSERT INTO audit_log (at, os_user, command, change) VALUES ('t','u','c','')")
    assert len(sql(db_target, "SELECT id FROM audit_log")) == len(before) + 1


def test_the_audit_log_names_the_database_user(bteam, backend):
    ok(bteam(*intake_args()))
    rows = as_json(bteam("audit", "--json"))
    expected = getpass.getuser() + (f"@{PG_ROLE}" if backend == "postgresql" else "")
    assert {r["os_user"] for r in rows} == {expected}
    assert [r["command"] for r in rows] == ["consultant add", "consultant add", "intake"]


NAME, NOTE, GOAL = "Xylofonia Quistgaard", "Talte om Zørgenfrej Cykler", "Blive kvantesmed"


def _all_text(target: str) -> str:
    """Every stored row of every table, as text."""
    if "://" in target:
        tables = [
            t
            for (t,) in sql(
                target,
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()",
            )
        ]
        return "\n".join(str(r) for t in tables for r in sql(target, f'SELECT * FROM "{t}"'))
    tables = [t for (t,) in sql(target, "SELECT name FROM sqlite_master WHERE type='table'")]
    return "\n".join(str(r) for t in tables for r in sql(target, f'SELECT * FROM "{t}"'))


def test_anonymize_and_erase_leave_no_row_behind(bteam, db_target):
    ok(bteam(*intake_args(NAME, "14-03-2010"), "--cpr", "140310-4123"))
    ok(bteam(*intake_args("Zebulon Fjordmark", "15-05-2010"), "--cpr", "150510-4567"))
    ok(bteam("edit", "1", "--goal", GOAL))
    ok(bteam("log-contact", "1", "--kind", "youth", "--date", "10-11-2026", "--note", NOTE))
    ok(bteam("log-contact", "2", "--kind", "youth", "--date", "10-11-2026", "--note", "Note B"))
    ok(bteam("close", "1", "--date", "12-11-2026", "--reason", "moved"))
    assert NAME in _all_text(db_target)
    ok(bteam("anonymize", "--closed-before", "13-11-2026", "--yes"))
    text = _all_text(db_target)
    for secret in (NAME, "Xylofonia", "1403104123", NOTE, GOAL):
        assert secret not in text
    assert as_json(bteam("outcomes", "--json"))["cohort"] == 2  # the statistics stay
    ok(bteam("erase", "2", "--yes"))
    text = _all_text(db_target)
    for secret in ("Zebulon", "1505104567", "Note B"):
        assert secret not in text
    assert sql(db_target, "SELECT id FROM participants") == [(1,)]
    assert sql(db_target, "SELECT count(*) FROM contacts WHERE participant_id = 2") == [(0,)]
    assert [r["command"] for r in as_json(bteam("audit", "2", "--json"))][-1] == "erase"


def test_check_runs_the_rule_checks(bteam, db_target):
    ok(bteam(*intake_args("Ung A"), "--consultant", "Jonas Berg"))
    ok(bteam(*intake_args("Ung B"), "--consultant", "Jonas Berg"))
    assert as_json(bteam("check", "--json")) == {"ok": True, "problems": []}
    sql(db_target, "UPDATE consultants SET max_caseload = 1 WHERE name = 'Jonas Berg'")
    r = bteam("check", "--json")
    assert r.exit_code == 1
    assert [p["check"] for p in json.loads(r.stdout)["problems"]] == ["over-max"]


def test_check_on_a_server_looks_at_constraints_and_the_audit_trigger(
    pg_url, tmp_path, monkeypatch
):
    point_at(monkeypatch, pg_url, tmp_path)
    ok(invoke(*intake_args(), "--waitlist"))
    owner = as_superuser(pg_url)
    sql(owner, "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    sql(
        owner,
        "ALTER TABLE contacts ADD CONSTRAINT ck_contacts_short CHECK (minutes < 600) NOT VALID",
    )
    r = invoke("check", "--json")
    assert r.exit_code == 1
    problems = json.loads(r.stdout)["problems"]
    assert {p["check"] for p in problems} == {"audit-trigger", "constraint"}
    assert any("ck_contacts_short" in p["detail"] for p in problems)
    sql(owner, "ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
    sql(owner, "ALTER TABLE contacts DROP CONSTRAINT ck_contacts_short")
    ok(invoke("check"))


# --- 3a. URLs, passwords and errors -------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql://alice:Hemmelig-Ko-31@db.kommune.dk:5433/ipsung?sslmode=require",
            "postgresql://alice:***@db.kommune.dk:5433/ipsung?sslmode=require",
        ),
        ("postgres://alice@db.kommune.dk/ipsung", "postgres://alice@db.kommune.dk/ipsung"),
        (
            "postgresql://alice:p%40ss%2Fw0rd@/ipsung?host=/run/postgresql",
            "postgresql://alice:***@/ipsung?host=/run/postgresql",
        ),
        (
            "postgresql://alice@db/ipsung?password=Hemmelig-Ko-31",
            "postgresql://alice@db/ipsung?password=***",
        ),
        ("postgresql+psycopg://bob@db/team", "postgresql+psycopg://bob@db/team"),
    ],
)
def test_a_server_url_is_a_location_with_its_password_masked(url, shown, monkeypatch):
    monkeypatch.setenv("IPSUNG_DB", url)
    from ipsung.store import db

    loc = db.resolve(None)
    assert (loc.is_server, loc.backend, loc.exists, loc.path) == (True, "postgresql", True, None)
    assert loc.source == "IPSUNG_DB" and loc.url == url
    assert loc.shown == shown
    assert "Hemmelig" not in repr(loc) and "p%40ss" not in repr(loc)
    assert loc.key_file.name.startswith("postgresql-") and loc.key_file.suffix == ".key"
    assert db.resolve("ipsung.db").backend == "sqlite"


def test_backup_of_a_server_explains_pg_dump(pg_server, tmp_path, monkeypatch):
    url = pg_server.url(pg_server.new_database(), PG_PASSWORD_ROLE, PG_PASSWORD)
    point_at(monkeypatch, url, tmp_path)
    r = invoke("backup", str(tmp_path / "copy.db"))
    assert r.exit_code == 2
    line = one_error_line(r, stdout="")
    assert "pg_dump" in line and "***" in line
    assert PG_PASSWORD not in r.output
    assert list(tmp_path.iterdir()) == []  # nothing written (not even the data folder)


def test_info_names_the_backend_and_masks_the_password(pg_server, tmp_path, monkeypatch):
    name = pg_server.new_database()
    pg_server.admin(f"GRANT ALL ON DATABASE {name} TO {PG_PASSWORD_ROLE}")
    pg_server.admin(f"GRANT ALL ON SCHEMA public TO {PG_PASSWORD_ROLE}", database=name)
    pg_server.admin(
        f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {PG_PASSWORD_ROLE}", database=name
    )
    pg_server.admin(
        f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {PG_PASSWORD_ROLE}", database=name
    )
    url = pg_server.url(name, PG_PASSWORD_ROLE, PG_PASSWORD)
    point_at(monkeypatch, url, tmp_path)
    ok(invoke("consultant", "add", "Mette Holm"))
    described = as_json(invoke("info", "--json"))
    assert described["backend"] == "postgresql"
    assert described["database"].startswith(f"postgresql://{PG_PASSWORD_ROLE}:***@/{name}?")
    assert described["db_user"] == PG_PASSWORD_ROLE
    assert described["rows"]["consultants"] == 1
    human = ok(invoke("info"))
    assert "Backend: postgresql" in human.stdout and ":***@" in human.stdout
    for r in (described, human.output, as_json(invoke("audit", "--json"))):
        assert PG_PASSWORD not in json.dumps(r)
    # The password from PGPASSWORD instead of the URL: nothing to mask.
    monkeypatch.setenv("PGPASSWORD", PG_PASSWORD)
    plain = pg_server.url(name, PG_PASSWORD_ROLE)
    assert as_json(invoke("--db", plain, "consultant", "list", "--json"))[0]["name"] == "Mette Holm"


def _bad(args: list[str], *secrets: str, code: int = 2) -> str:
    r = invoke(*args)
    assert r.exit_code == code, (r.exit_code, r.output)
    line = one_error_line(r, stdout="")
    for secret in secrets:
        assert secret not in r.output
    return line


def test_a_wrong_password_is_one_line_and_never_echoed(pg_server, tmp_path, monkeypatch):
    point_at(monkeypatch, str(tmp_path / "unused.db"), tmp_path)
    wrong = "Forkert-Hest-77"
    url = pg_server.url("postgres", PG_PASSWORD_ROLE, wrong)
    for args in (["list", "--json"], ["info", "--json"], ["consultant", "add", "X"]):
        line = _bad(["--db", url, *args], wrong)
        assert "password authentication failed" in line and ":***@" in line
    monkeypatch.setenv("PGPASSWORD", wrong)
    line = _bad(["--db", pg_server.url("postgres", PG_PASSWORD_ROLE), "list"], wrong)
    assert "password authentication failed" in line


def test_an_unreachable_server_is_one_line_exit_2(tmp_path, monkeypatch):
    point_at(monkeypatch, str(tmp_path / "unused.db"), tmp_path)
    secret = "Hemmelig-Ko-31"
    nowhere = f"postgresql://alice:{secret}@/ipsung?host={tmp_path}/no-server"
    line = _bad(["--db", nowhere, "list"], secret)
    assert line.startswith("Error: cannot connect to postgresql://alice:***@/ipsung")
    refused = f"postgresql://alice:{secret}@127.0.0.1:1/ipsung?connect_timeout=3"
    line = _bad(["--db", refused, "capacity", "--json"], secret)
    assert "127.0.0.1" in line
    monkeypatch.setenv("IPSUNG_DB", refused)
    _bad(["info"], secret)
    _bad(["intake", *intake_args()[1:]], secret)


def test_a_missing_database_on_the_server_is_exit_2(pg_server, tmp_path, monkeypatch):
    point_at(monkeypatch, str(tmp_path / "unused.db"), tmp_path)
    line = _bad(["--db", pg_server.url("no_such_db"), "list"])
    assert "no_such_db" in line and "does not exist" in line


@pytest.mark.parametrize(
    "url",
    [
        "mysql://alice:Hemmelig-Ko-31@host/ipsung",
        "postgresql+psycopg2://alice:Hemmelig-Ko-31@host/ipsung",
        "postgresql://alice:Hemmelig-Ko-31@host:port/ipsung",
        "postgresql://alice:Hemmelig-Ko-31@host",
        "postgresql://host/ipsung?password=Hemmelig-Ko-31&port=x",
    ],
)
def test_a_bad_url_is_exit_2_without_the_password(url, tmp_path, monkeypatch):
    point_at(monkeypatch, str(tmp_path / "unused.db"), tmp_path)
    _bad(["--db", url, "list"], "Hemmelig-Ko-31")
    monkeypatch.setenv("IPSUNG_DB", url)
    _bad(["info", "--json"], "Hemmelig-Ko-31")


@pytest.mark.slow
def test_the_installed_command_on_a_wrong_password(pg_server, tmp_path):
    """The real process: exit 2, one line on stderr, no traceback, no password."""
    wrong = "Forkert-Hest-77"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IPSUNG_", "PG"))}
    env["IPSUNG_LANG"] = "en"  # whatever the machine's own language
    env.update(
        IPSUNG_DB=pg_server.url("postgres", PG_PASSWORD_ROLE, wrong),
        IPSUNG_TODAY=TODAY_ISO,
        XDG_DATA_HOME=str(tmp_path),
    )
    for args in (["list"], ["log-contact", "1", "--kind", "youth"], ["info"]):
        r = run_installed(env, *args)
        assert r.returncode == 2, r.stderr
        assert r.stdout == "" and r.stderr.count("\n") == 1, r.stderr
        assert wrong not in r.stderr and "Traceback" not in r.stderr


def test_a_value_beyond_the_server_column_is_bad_input(bteam, backend):
    """PostgreSQL's integer holds 32 bits: a larger number of minutes is bad input (exit 2)
    with the server's reason, and nothing is stored."""
    ok(bteam(*intake_args()))
    r = bteam("log-contact", "1", "--kind", "youth", "--minutes", "3000000000")
    if backend == "sqlite":
        assert r.exit_code == 0  # SQLite's INTEGER holds 64 bits
        return
    assert r.exit_code == 2
    assert "out of range" in one_error_line(r, stdout="")
    assert as_json(bteam("info", "--json"))["rows"]["contacts"] == 0


# --- 3b. the schema on a server ---------------------------------------------------------------


# The schema on a server is made and upgraded by `ipsung upgrade` alone, as its owner:
# see test_server_setup.py.


def test_a_newer_schema_is_refused_and_left_alone(pg_url, tmp_path, monkeypatch):
    point_at(monkeypatch, pg_url, tmp_path)
    ok(invoke("consultant", "add", "Mette Holm"))
    sql(as_superuser(pg_url), "UPDATE alembic_version SET version_num = 'ffff_from_the_future'")
    before = sql(pg_url, "SELECT count(*) FROM audit_log")
    for args in (["list"], ["consultant", "add", "Jonas Berg"], ["capacity", "--json"]):
        r = invoke(*args)
        assert r.exit_code == 1
        assert "newer version" in one_error_line(r, stdout="")
    assert sql(pg_url, "SELECT version_num FROM alembic_version") == [("ffff_from_the_future",)]
    assert sql(pg_url, "SELECT count(*) FROM audit_log") == before


def test_models_and_migrations_are_in_step_on_postgresql(pg_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    from ipsung.models import Base

    engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts=COMPARE_OPTIONS)
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_write_transactions_hold_the_write_lock(pg_url):
    """A write session holds the advisory lock from its start and reads at READ COMMITTED
    (each statement after the lock sees every earlier commit); a read session takes no
    lock and reads one snapshot."""
    import psycopg
    from sqlalchemy import text

    from ipsung.store import db, server

    loc = db.resolve(pg_url)
    with psycopg.connect(pg_url, autocommit=True) as other:
        probe = f"SELECT pg_try_advisory_xact_lock({server.WRITE_LOCK_KEY})"
        for write, locked, isolation in (
            (True, False, "read committed"),
            (False, True, "repeatable read"),
        ):
            with db.session(loc, write=write) as s:
                assert other.execute(probe).fetchone() == (locked,)
                assert s.execute(text("SHOW transaction_isolation")).scalar() == isolation
                assert s.execute(text("SHOW lock_timeout")).scalar() == "30s"


# --- 3c. races, decided by the database -------------------------------------------------------


@pytest.mark.slow
def test_intakes_racing_for_the_last_place(brun, db_target, tmp_path):
    """Four intakes at the same moment for one free place: exactly one is stored, the
    others are refused for capacity (exit 1)."""
    ok(brun("consultant", "add", "Mette Holm", "--max-caseload", "1"))
    intake = [
        *("intake", "--birth-date", "14-03-2010", "--referral-date", "02-11-2026"),
        *ELIGIBLE,
    ]
    outputs = run_workers(
        db_target, [[[*intake, "--name", f"Ung {w}"]] for w in range(4)], tmp_path
    )
    assert sorted(codes_of(out)[0] for out in outputs) == [0, 1, 1, 1]
    assert sql(db_target, "SELECT count(*) FROM participants") == [(1,)]
    assert sql(db_target, "SELECT count(*) FROM audit_log WHERE command = 'intake'") == [(1,)]
    ok(brun("check"))


@pytest.mark.slow
def test_four_processes_log_200_contacts_at_once(brun, db_target, tmp_path):
    ok(brun("consultant", "add", "Mette Holm"))
    cases = [as_json(brun(*intake_args(f"Ung {i}"), "--json"))["id"] for i in range(4)]
    outputs = run_workers(
        db_target,
        [
            [
                ["log-contact", str(case), "--kind", "youth", "--minutes", str(n + 1)]
                for n in range(50)
            ]
            for case in cases
        ],
        tmp_path,
    )
    for out in outputs:
        assert codes_of(out) == [0] * 50, out
    assert sql(db_target, "SELECT count(*) FROM contacts") == [(200,)]
    per_case = sql(db_target, "SELECT participant_id, count(*) FROM contacts GROUP BY 1")
    assert dict(per_case) == {case: 50 for case in cases}
    logged = sql(db_target, "SELECT count(*) FROM audit_log WHERE command = 'log-contact'")
    assert logged == [(200,)]
    ids = sql(db_target, "SELECT id FROM contacts ORDER BY id")
    assert [i for (i,) in ids] == list(range(1, 201))
