"""Keeping the data safe (SPEC §10): the audit log, backup, check, anonymize and erase,
safe upgrades, refusing a network share, and owner-only files.

Every command runs through the real CLI (CliRunner, or the installed `ipsung` where
another process is needed); the tests look at the file itself with sqlite3.
"""

import getpass
import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from conftest import (
    ELIGIBLE,
    IPSUNG,
    TODAY,
    as_json,
    cli,
    copy_database,
    ok,
    process_env,
    query,
    run_installed,
)

from ipsung.store import platform as ipsung_db
from ipsung.store.migrations import HEAD_REVISION

FIXTURE = Path(__file__).parent / "fixtures" / "schema-0001.db"

# Personal data used below: none of it may ever reach the audit log, and anonymize/erase
# must leave none of it in the file.
NAME = "Xylofonia Quistgaard"
CPR = "140310-4123"
GOAL = "Blive kvantemekaniker på Østerbro"
NOTE = "Talte om drømmejobbet hos Zørgenfrej Cykler"
OTHER_NAME = "Zebulon Fjordmark"
OTHER_NOTE = "Kontrolnote om Ægirsfjeldet"
THIRD_NAME = "Wilhelmina Krogsbæk"
THIRD_NOTE = "Flyttenote Quimbyvænget"
NEW_NAME = "Quentin Vølundsgaard"
NEW_CPR = "150510-4567"
NEW_NOTE = "Ny note om Vibegårdsskolen"
REVIEW_NOTE = "Statusmøde om Østerløkkens praktik"
END_REASON = "Stoppede efter aftale med Knudsminde Bageri"
NEW_GOAL = "Blive smed på Yttergrunden"
OVERRIDE = "Tovholder Pjaltbjerg vurderer"
PERSONAL = [
    NAME,
    CPR,
    CPR.replace("-", ""),
    GOAL,
    NOTE,
    OTHER_NAME,
    OTHER_NOTE,
    THIRD_NAME,
    THIRD_NOTE,
    NEW_NAME,
    NEW_CPR,
    NEW_CPR.replace("-", ""),
    NEW_NOTE,
    REVIEW_NOTE,
    END_REASON,
    NEW_GOAL,
    OVERRIDE,
]
# Each distinctive part of a name on its own (a log could hold a first name only).
PERSONAL += [
    part for n in (NAME, OTHER_NAME, THIRD_NAME, NEW_NAME) for part in n.split() if len(part) > 4
]
AT_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+00:00$")


# --- helpers ----------------------------------------------------------------------------------


def table_counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' "
                "AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version'"
            )
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()


def audit_rows(db: Path) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM audit_log ORDER BY id")]
    finally:
        conn.close()


def integrity(db: Path) -> list[str]:
    return [r[0] for r in query(db, "PRAGMA integrity_check")]


def raw_bytes(db: Path) -> bytes:
    """The bytes of the database and every companion beside it (-wal, -shm, -journal, the
    key), except the copies the migration takes before an upgrade."""
    data = b""
    for f in sorted(db.parent.iterdir()):
        if f.is_file() and f.name.startswith(db.name) and ".before-upgrade-" not in f.name:
            data += f.read_bytes()
    return data


def assert_no_personal_data_in_audit(db: Path) -> None:
    rows = audit_rows(db)
    assert rows, "the audit log is empty"
    for row in rows:
        text = " | ".join(str(v) for v in row.values()).lower()
        for secret in PERSONAL:
            assert secret.lower() not in text, (secret, row)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def intake(db: Path, name: str, person: list[str], *extra: str) -> int:
    args = ["intake", "--name", name, *person, "--referral-date", "02-11-2026", *ELIGIBLE]
    return as_json(cli(db, *args, *extra, "--json"))["id"]


def build_cases(db: Path) -> None:
    """Three consultants and three cases with notes, a goal, a placement and aftercare:
    1 (CPR, goal, note, open placement 1), 2 (in aftercare), 3 (closed 10-11-2026)."""
    ok(cli(db, "consultant", "add", "Mette Holm"))
    ok(cli(db, "consultant", "add", "Jonas Berg", "--max-caseload", "2"))
    ok(cli(db, "consultant", "add", "Ida Lund", "--max-caseload", "0"))
    assert intake(db, NAME, ["--cpr", CPR], "--goal", GOAL, "--consultant", "Mette Holm") == 1
    assert intake(db, OTHER_NAME, ["--birth-date", "01-05-2009"], "--consultant", "Mette Holm") == 2
    assert intake(db, THIRD_NAME, ["--birth-date", "20-06-2010"], "--consultant", "Mette Holm") == 3
    ok(cli(db, "log-contact", "1", "--kind", "youth", "--date", "03-11-2026", "--note", NOTE))
    ok(cli(db, "log-contact", "2", "--kind", "youth", "--date", "03-11-2026", "--note", OTHER_NOTE))
    ok(
        cli(
            db,
            *("placement", "add", "1", "--kind", "ordinary-job", "--start", "04-11-2026"),
            *("--employer", "Bager Nielsen"),
        )
    )
    ok(cli(db, "aftercare", "start", "2", "--date", "05-11-2026"))
    ok(
        cli(
            db,
            "log-contact",
            "3",
            "--kind",
            "three-party",
            "--date",
            "09-11-2026",
            "--note",
            THIRD_NOTE,
        )
    )
    ok(cli(db, "close", "3", "--date", "10-11-2026", "--reason", "moved"))


@pytest.fixture(scope="module")
def template(tmp_path_factory, sqlite_template) -> Path:
    path = copy_database(sqlite_template, tmp_path_factory.mktemp("template") / "ipsung.db")
    build_cases(path)
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
    return path


@pytest.fixture
def case_db(template, tmp_path) -> Path:
    """A fresh copy of the three-case database, alone in its folder."""
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "ipsung.db"
    shutil.copyfile(template, path)
    return path


@pytest.fixture
def demo_db(tmp_path, sqlite_template) -> Path:
    path = copy_database(sqlite_template, tmp_path / "demo" / "ipsung.db")
    ok(cli(path, "demo"))
    return path


# --- 1. the audit log -----------------------------------------------------------------------

# (id, arguments, audit command, case id). "{tmp}" is the test's own tmp_path.
WRITE_COMMANDS = [
    ("consultant-add", ["consultant", "add", "Nova Nielsen"], "consultant add", None),
    (
        "consultant-set-max",
        ["consultant", "set-max", "Mette Holm", "16"],
        "consultant set-max",
        None,
    ),
    (
        "consultant-deactivate",
        ["consultant", "deactivate", "Ida Lund"],
        "consultant deactivate",
        None,
    ),
    (
        "intake",
        ["intake", "--name", NEW_NAME, "--cpr", NEW_CPR, "--referral-date", "02-11-2026"]
        + ELIGIBLE
        + ["--goal", NEW_GOAL],
        "intake",
        4,
    ),
    (
        "intake-override",
        [
            "intake",
            "--name",
            NEW_NAME,
            "--birth-date",
            "01-01-2000",
            "--referral-date",
            "02-11-2026",
        ]
        + ELIGIBLE
        + ["--override", OVERRIDE],
        "intake",
        4,
    ),
    ("log-contact", ["log-contact", "1", "--kind", "youth", "--note", NEW_NOTE], "log-contact", 1),
    (
        "placement-add",
        ["placement", "add", "1", "--kind", "internship", "--start", "10-11-2026"],
        "placement add",
        1,
    ),
    (
        "placement-end",
        ["placement", "end", "1", "--date", "20-11-2026", "--reason", END_REASON],
        "placement end",
        1,
    ),
    ("aftercare-start", ["aftercare", "start", "1", "--date", "20-11-2026"], "aftercare start", 1),
    ("aftercare-end", ["aftercare", "end", "2", "--date", "22-11-2026"], "aftercare end", 2),
    (
        "progress",
        ["progress", "1", "--outlook", "3", "--insight", "4", "--skills", "2"],
        "progress",
        1,
    ),
    ("close", ["close", "1", "--date", "23-11-2026", "--reason", "goal-reached"], "close", 1),
    ("reassign", ["reassign", "1", "--to", "Jonas Berg"], "reassign", 1),
    ("edit", ["edit", "1", "--goal", NEW_GOAL], "edit", 1),
    ("edit-name", ["edit", "1", "--name", NEW_NAME], "edit", 1),
    ("erase", ["erase", "2", "--yes"], "erase", 2),
    ("anonymize", ["anonymize", "--closed-before", "11-11-2026", "--yes"], "anonymize", 3),
    ("backup", ["backup", "{tmp}/copy.db"], "backup", None),
    ("show", ["show", "1"], "show", 1),
    ("show-json", ["show", "1", "--json"], "show", 1),
    ("show-reveal-cpr", ["show", "1", "--reveal-cpr"], "show", 1),
    (
        "export-identified",
        ["export", "participants", "--identified", "--out", "{tmp}/identified.csv"],
        "export",
        None,
    ),
]


def _fill(args: list[str], tmp_path: Path) -> list[str]:
    return [a.replace("{tmp}", str(tmp_path)) for a in args]


@pytest.mark.parametrize(
    "args, command, case", [w[1:] for w in WRITE_COMMANDS], ids=[w[0] for w in WRITE_COMMANDS]
)
def test_each_write_and_show_adds_exactly_one_audit_row(case_db, tmp_path, args, command, case):
    before = audit_rows(case_db)
    started = datetime.now(UTC)
    ok(cli(case_db, *_fill(args, tmp_path)))
    after = audit_rows(case_db)
    assert len(after) == len(before) + 1, after[len(before) :]
    assert after[: len(before)] == before  # earlier rows untouched
    row = after[-1]
    assert row["command"] == command
    assert row["participant_id"] == case
    assert AT_PATTERN.match(row["at"]), row["at"]
    at = datetime.fromisoformat(row["at"])
    assert at.utcoffset() == timedelta(0)
    assert started - timedelta(seconds=2) <= at <= datetime.now(UTC) + timedelta(seconds=2)
    assert row["os_user"] == getpass.getuser()
    assert_no_personal_data_in_audit(case_db)


def test_demo_adds_exactly_one_audit_row(tmp_path):
    path = tmp_path / "empty.db"
    ok(cli(path, "demo", "--participants", "5"))
    rows = audit_rows(path)
    assert [(r["command"], r["participant_id"]) for r in rows] == [("demo", None)]
    assert AT_PATTERN.match(rows[0]["at"])
    assert rows[0]["os_user"] == getpass.getuser()


# (id, arguments, exit code): each is refused and must leave no trace.
REFUSED_COMMANDS = [
    (
        "not-eligible",
        [
            "intake",
            "--name",
            NEW_NAME,
            "--cpr",
            NEW_CPR,
            "--referred-by",
            "school",
            "--mistrivsel",
            "absence",
            "--substance",
            "A",
            "--not-motivated",
            "--normal-cognition",
        ],
        1,
    ),
    (
        "consultant-full",
        [
            "intake",
            "--name",
            NEW_NAME,
            "--birth-date",
            "15-05-2010",
            *ELIGIBLE,
            "--consultant",
            "Ida Lund",
        ],
        1,
    ),
    ("duplicate-cpr", ["intake", "--name", NEW_NAME, "--cpr", CPR, *ELIGIBLE], 2),
    (
        "future-contact",
        ["log-contact", "1", "--kind", "youth", "--date", "01-12-2026", "--note", NEW_NOTE],
        2,
    ),
    ("unknown-case", ["log-contact", "999", "--kind", "youth", "--note", NEW_NOTE], 2),
    ("contact-on-closed", ["log-contact", "3", "--kind", "youth", "--note", NEW_NOTE], 2),
    (
        "placement-before-enrolment",
        ["placement", "add", "1", "--kind", "internship", "--start", "01-11-2026"],
        2,
    ),
    (
        "placement-end-before-start",
        ["placement", "end", "1", "--date", "01-11-2026", "--reason", END_REASON],
        2,
    ),
    ("close-closed", ["close", "3", "--reason", "moved"], 2),
    ("reassign-full", ["reassign", "1", "--to", "Ida Lund"], 1),
    ("deactivate-with-cases", ["consultant", "deactivate", "Mette Holm"], 1),
    ("set-max-negative", ["consultant", "set-max", "Mette Holm", "-1"], 2),
    ("edit-nothing", ["edit", "1"], 2),
    ("edit-to-ineligible", ["edit", "1", "--name", NEW_NAME, "--not-motivated"], 1),
    ("erase-without-yes", ["erase", "1"], 2),
    ("anonymize-without-yes", ["anonymize", "--closed-before", "11-11-2026"], 2),
    ("show-unknown", ["show", "999"], 2),
    ("demo-on-data", ["demo"], 1),
    ("backup-missing-folder", ["backup", "{tmp}/no/such/folder/copy.db"], 2),
]


@pytest.mark.parametrize(
    "args, code", [r[1:] for r in REFUSED_COMMANDS], ids=[r[0] for r in REFUSED_COMMANDS]
)
def test_a_refused_command_adds_no_audit_row_and_changes_nothing(case_db, tmp_path, args, code):
    before_rows = audit_rows(case_db)
    before_counts = table_counts(case_db)
    r = cli(case_db, *_fill(args, tmp_path))
    assert r.exit_code == code, (r.stdout, r.stderr)
    assert "Traceback" not in r.stdout + r.stderr
    assert audit_rows(case_db) == before_rows
    assert table_counts(case_db) == before_counts
    assert_no_personal_data_in_audit(case_db)


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_log SET change = 'x'", "DELETE FROM audit_log"]
)
def test_audit_log_refuses_update_and_delete(case_db, statement):
    before = audit_rows(case_db)
    conn = sqlite3.connect(case_db)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute(statement)
        conn.rollback()
        # New rows are still welcome: the log is append-only, not read-only.
        conn.execute(
            "INSERT INTO audit_log (at, os_user, command, change) VALUES ('t', 'u', 'c', '')"
        )
        conn.commit()
    finally:
        conn.close()
    assert audit_rows(case_db)[: len(before)] == before
    assert len(audit_rows(case_db)) == len(before) + 1


def test_audit_command_shows_the_log(case_db):
    ok(cli(case_db, "show", "1"))
    ok(cli(case_db, "log-contact", "2", "--kind", "youth"))
    stored = audit_rows(case_db)
    everything = as_json(cli(case_db, "audit", "--json"))
    assert [
        {k: e[k] for k in ("id", "at", "os_user", "command", "participant_id", "change")}
        for e in everything
    ] == stored
    only_one = as_json(cli(case_db, "audit", "1", "--json"))
    assert only_one and all(e["participant_id"] == 1 for e in only_one)
    assert [e["id"] for e in only_one] == [r["id"] for r in stored if r["participant_id"] == 1]
    assert [e["command"] for e in only_one][-1] == "show"
    text = ok(cli(case_db, "audit", "1")).stdout
    assert "show" in text and "intake" in text and "log-contact" in text
    assert "+00:00" in text
    assert len(audit_rows(case_db)) == len(stored)  # reading the log is not itself logged
    assert NAME not in text and NOTE not in text


# --- 2. backup and check -------------------------------------------------------------------


def test_backup_is_a_consistent_copy_with_the_same_rows(case_db, tmp_path):
    before = table_counts(case_db)
    copy = tmp_path / "copies" / "ipsung-copy.db"
    copy.parent.mkdir()
    r = ok(cli(case_db, "backup", copy))
    assert str(copy) in r.stdout
    assert integrity(copy) == ["ok"]
    assert table_counts(copy) == before
    shown = as_json(cli(copy, "info", "--json"))
    assert shown["rows"] == before and shown["schema_version"] == HEAD_REVISION
    assert as_json(cli(copy, "list", "--status", "all", "--json")) == as_json(
        cli(case_db, "list", "--status", "all", "--json")
    )
    assert mode(copy) == 0o600


def test_backup_into_a_folder_keeps_the_database_name(case_db, tmp_path):
    folder = tmp_path / "usb"
    folder.mkdir()
    ok(cli(case_db, "backup", folder))
    assert table_counts(folder / case_db.name)["participants"] == 3


def test_backup_refuses_an_existing_path(case_db, tmp_path):
    existing = tmp_path / "existing.db"
    existing.write_bytes(b"an older copy, keep me")
    before = audit_rows(case_db)
    r = cli(case_db, "backup", existing)
    assert r.exit_code == 2, r.stderr
    assert "exists" in r.stderr
    assert existing.read_bytes() == b"an older copy, keep me"
    assert audit_rows(case_db) == before


def test_backup_refuses_a_missing_folder(case_db, tmp_path):
    target = tmp_path / "not-there" / "copy.db"
    r = cli(case_db, "backup", target)
    assert r.exit_code == 2, r.stderr
    assert "does not exist" in r.stderr
    assert not target.parent.exists()


def _make_key(db: Path, tmp_path: Path) -> Path:
    """The pseudonym key the way a user gets one: the first export makes it."""
    key = db.with_name(db.name + ".key")
    r = cli(db, "export", "participants", "--out", tmp_path / "participants.csv")
    if r.exit_code != 0 or not key.exists():  # export not available: a key of our own
        key.write_bytes(os.urandom(32))
        key.chmod(0o600)
    return key


def test_backup_copies_the_key_file_owner_only(case_db, tmp_path):
    key = _make_key(case_db, tmp_path)
    copy = tmp_path / "copy.db"
    r = ok(cli(case_db, "backup", copy))
    copied_key = tmp_path / "copy.db.key"
    assert copied_key.read_bytes() == key.read_bytes()
    assert mode(copied_key) == 0o600
    assert str(copied_key) in r.stdout


def test_backup_without_a_key_file_writes_only_the_copy(case_db, tmp_path):
    copy = tmp_path / "copy.db"
    ok(cli(case_db, "backup", copy))
    assert not (tmp_path / "copy.db.key").exists()
    assert copy.exists()


WRITER = r"""
import pathlib, subprocess, sys
ipsung, db, stop = sys.argv[1:4]
codes = []
while not pathlib.Path(stop).exists():
    r = subprocess.run([ipsung, "--db", db, "log-contact", "1", "--kind", "youth"],
                       capture_output=True, text=True)
    codes.append(r.returncode)
    if r.returncode:
        sys.stderr.write(r.stderr)
print(" ".join(map(str, codes)))
"""


def _contacts(db: Path) -> int:
    return query(db, "SELECT count(*) FROM contacts")[0][0]


def _wait_until(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.slow
def test_backup_while_another_process_writes(case_db, tmp_path):
    stop = tmp_path / "stop"
    start = _contacts(case_db)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(IPSUNG), str(case_db), str(stop)],
        env=process_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    copies = []
    try:
        _wait_until(lambda: _contacts(case_db) > start)
        for i in range(6):
            copy = tmp_path / f"copy-{i}.db"
            ok(cli(case_db, "backup", copy))
            copies.append(copy)
            time.sleep(0.3)
        last = _contacts(case_db)
        _wait_until(lambda: _contacts(case_db) > last)  # still writing after the backups
    finally:
        stop.touch()
        out, err = writer.communicate(timeout=60)
    codes = out.split()
    assert codes and set(codes) == {"0"}, err
    final = _contacts(case_db)
    seen = []
    for copy in copies:
        assert integrity(copy) == ["ok"]
        n = _contacts(copy)
        assert start < n <= final
        # The copy is a snapshot: its audit rows match its contacts one for one.
        logged = query(copy, "SELECT count(*) FROM audit_log WHERE command = 'log-contact'")
        assert logged == [(n,)]
        seen.append(n)
        ok(cli(copy, "check"))
    assert seen == sorted(seen)


def test_check_passes_on_a_clean_demo_database(demo_db):
    r = ok(cli(demo_db, "check"))
    assert "All checks passed" in r.stdout
    assert as_json(cli(demo_db, "check", "--json")) == {"ok": True, "problems": []}


def test_check_finds_each_broken_rule(demo_db):
    consultants = as_json(cli(demo_db, "consultant", "list", "--json"))
    busy = next(c for c in consultants if c["open_cases"] >= 2)
    ok(cli(demo_db, "consultant", "set-max", busy["name"], "1"))
    open_cases = "SELECT id FROM participants WHERE enrolled_on IS NOT NULL AND closed_on IS NULL"
    placement_id, enrolled = query(
        demo_db,
        f"SELECT p.id, c.enrolled_on FROM placements p JOIN participants c ON c.id = p.participant_id "
        f"WHERE c.id IN ({open_cases}) ORDER BY p.id LIMIT 1",
    )[0]
    contact_id = query(
        demo_db, f"SELECT id FROM contacts WHERE participant_id IN ({open_cases}) LIMIT 1"
    )[0][0]
    mistrack_id = query(demo_db, "SELECT id FROM participants WHERE diagnoses = '' LIMIT 1")[0][0]
    too_early = (date.fromisoformat(enrolled) - timedelta(days=20)).isoformat()
    conn = sqlite3.connect(demo_db)
    conn.execute("UPDATE placements SET start = ? WHERE id = ?", (too_early, placement_id))
    conn.execute("UPDATE contacts SET date = '2026-12-24' WHERE id = ?", (contact_id,))
    conn.execute("UPDATE participants SET track = 'ips' WHERE id = ?", (mistrack_id,))
    conn.commit()
    conn.close()

    r = cli(demo_db, "check")
    assert r.exit_code == 1, (r.stdout, r.stderr)
    assert "Traceback" not in r.stdout + r.stderr
    lines = r.stdout.strip().splitlines()
    by_check = {line.split(":", 1)[0]: line for line in lines}
    assert len(lines) == 4, lines
    assert set(by_check) == {"over-max", "placement-before-enrolment", "future-date", "track"}
    assert busy["name"] in by_check["over-max"] and "max 1" in by_check["over-max"]
    assert str(placement_id) in by_check["placement-before-enrolment"]
    assert str(contact_id) in by_check["future-date"]
    assert str(mistrack_id) in by_check["track"]
    assert "All checks passed" not in r.stdout

    j = cli(demo_db, "check", "--json")
    assert j.exit_code == 1
    document = json.loads(j.stdout)
    assert document["ok"] is False
    assert sorted(p["check"] for p in document["problems"]) == sorted(by_check)
    assert all(set(p) == {"check", "detail"} for p in document["problems"])


def test_check_finds_a_damaged_foreign_key(case_db):
    conn = sqlite3.connect(case_db)  # foreign keys are off in a plain sqlite3 connection
    conn.execute("UPDATE contacts SET participant_id = 777 WHERE participant_id = 2")
    conn.commit()
    conn.close()
    r = cli(case_db, "check", "--json")
    assert r.exit_code == 1
    assert "foreign-key" in {p["check"] for p in json.loads(r.stdout)["problems"]}


# --- 3. anonymize and erase ---------------------------------------------------------------


def personal_case_db(db: Path) -> Path:
    """Case 1 (NAME, CPR, goal, notes, an ended job) closed on 20-11-2026; case 2 open."""
    ok(cli(db, "consultant", "add", "Mette Holm"))
    assert intake(db, NAME, ["--cpr", CPR], "--goal", GOAL) == 1
    assert intake(db, OTHER_NAME, ["--birth-date", "01-05-2009"]) == 2
    ok(cli(db, "log-contact", "1", "--kind", "youth", "--date", "03-11-2026", "--note", NOTE))
    ok(cli(db, "log-contact", "2", "--kind", "youth", "--date", "03-11-2026", "--note", OTHER_NOTE))
    ok(cli(db, "placement", "add", "1", "--kind", "education", "--start", "05-11-2026"))
    ok(cli(db, "placement", "end", "1", "--date", "18-11-2026", "--reason", END_REASON))
    ok(cli(db, "log-contact", "1", "--kind", "three-party", "--date", "19-11-2026", "--note", NOTE))
    ok(cli(db, "review", "1", "--date", "19-11-2026", "--note", REVIEW_NOTE))
    ok(cli(db, "close", "1", "--date", "20-11-2026", "--reason", "goal-reached"))
    return db


# As stored (a CPR number is kept as its ten digits) ...
REMOVED = [NAME, CPR.replace("-", ""), GOAL, NOTE, END_REASON, REVIEW_NOTE]
# ... and in any other form it could take.
NOT_LEFT = REMOVED + [CPR, NAME.split()[0], NAME.split()[1]]


def assert_in_file(db: Path, texts: list[str]) -> None:
    data = raw_bytes(db)
    for text in texts:
        assert text.encode() in data, f"{text!r} is not in the file"


def assert_not_in_file(db: Path, texts: list[str]) -> None:
    for f in sorted(db.parent.iterdir()):
        if f.is_file() and f.name.startswith(db.name) and ".before-upgrade-" not in f.name:
            data = f.read_bytes()
            for text in texts:
                assert text.encode() not in data, f"{text!r} is still in {f.name}"


@pytest.mark.parametrize(
    "args",
    [["anonymize", "--closed-before", "21-11-2026"], ["erase", "1"]],
    ids=["anonymize", "erase"],
)
@pytest.mark.parametrize("answer", ["", "y\n"], ids=["no-input", "piped-yes"])
def test_removal_without_yes_is_refused_off_a_terminal(db_path, args, answer):
    db = personal_case_db(db_path)
    before = db.read_bytes()
    rows = audit_rows(db)
    r = cli(db, *args, input=answer)
    assert r.exit_code == 2, (r.stdout, r.stderr)
    assert "--yes" in r.stderr
    assert db.read_bytes() == before
    assert audit_rows(db) == rows
    assert as_json(cli(db, "show", "1", "--json"))["name"] == NAME


def test_anonymize_leaves_no_personal_text_and_keeps_the_statistics(db_path):
    db = personal_case_db(db_path)
    outcomes_before = as_json(cli(db, "outcomes", "--json"))
    shown_before = as_json(cli(db, "show", "1", "--json"))
    assert_in_file(db, REMOVED + [OTHER_NAME, OTHER_NOTE])  # the test can fail

    r = ok(cli(db, "anonymize", "--closed-before", "21-11-2026", "--yes"))
    assert "1" in r.stdout

    assert_not_in_file(db, NOT_LEFT)
    assert_in_file(db, [OTHER_NAME, OTHER_NOTE])  # the open case is untouched
    outcomes_after = as_json(cli(db, "outcomes", "--json"))
    for figure in ("cohort", "started_job_or_education", "share", "by_kind"):
        assert outcomes_after[figure] == outcomes_before[figure], figure
    assert outcomes_before["cohort"] == 2 and outcomes_before["started_job_or_education"] == 1

    shown = as_json(cli(db, "show", "1", "--json"))
    assert shown["name"] is None and shown["cpr"] is None and shown["goal"] is None
    assert all(c["note"] is None for c in shown["contacts"])
    assert all(p["end_reason"] is None for p in shown["placements"])
    assert shown["status"] == "closed" and shown["referral_date"] == shown_before["referral_date"]
    assert len(shown["contacts"]) == len(shown_before["contacts"])

    def age(birth: str, on: str | date) -> int:
        b = date.fromisoformat(birth)
        o = on if isinstance(on, date) else date.fromisoformat(on)
        return o.year - b.year - ((o.month, o.day) < (b.month, b.day))

    referral = shown["referral_date"]
    assert age(shown["birth_date"], referral) == age(shown_before["birth_date"], referral) == 16
    assert shown["age"] == age(shown["birth_date"], TODAY)  # age and birth date agree

    listed = as_json(cli(db, "list", "--status", "all", "--json"))
    assert [c["id"] for c in listed] == [1, 2]
    assert listed[0]["name"] is None and listed[1]["name"] == OTHER_NAME
    assert integrity(db) == ["ok"]
    assert_no_personal_data_in_audit(db)


def test_anonymize_twice_changes_nothing_more(db_path):
    db = personal_case_db(db_path)
    ok(cli(db, "anonymize", "--closed-before", "21-11-2026", "--yes"))
    rows = audit_rows(db)
    listed = as_json(cli(db, "list", "--status", "all", "--json"))
    r = ok(cli(db, "anonymize", "--closed-before", "21-11-2026", "--yes"))
    assert "Anonymised 0" in r.stdout
    assert as_json(cli(db, "list", "--status", "all", "--json")) == listed
    assert all(x["command"] != "anonymize" for x in audit_rows(db)[len(rows) :])


def test_erase_removes_the_case_and_keeps_its_audit_rows(db_path):
    db = personal_case_db(db_path)
    ok(cli(db, "show", "1"))
    assert_in_file(db, REMOVED)
    audit_before = [r for r in audit_rows(db) if r["participant_id"] == 1]

    r = ok(cli(db, "erase", "1", "--yes"))
    assert "1" in r.stdout

    shown = cli(db, "show", "1")
    assert shown.exit_code == 2 and "no case" in shown.stderr
    assert [c["id"] for c in as_json(cli(db, "list", "--status", "all", "--json"))] == [2]
    for table in ("contacts", "placements", "progress_ratings", "aftercare_periods"):
        assert query(db, f"SELECT count(*) FROM {table} WHERE participant_id = 1") == [(0,)]
    kept = as_json(cli(db, "audit", "1", "--json"))
    assert [e["id"] for e in kept[: len(audit_before)]] == [r["id"] for r in audit_before]
    assert kept[-1]["command"] == "erase"
    assert_not_in_file(db, NOT_LEFT)
    assert_in_file(db, [OTHER_NAME, OTHER_NOTE])
    assert integrity(db) == ["ok"]
    assert_no_personal_data_in_audit(db)


def test_erase_of_an_unknown_case_is_exit_2(case_db):
    r = cli(case_db, "erase", "99", "--yes")
    assert r.exit_code == 2
    assert "99" in r.stderr


# --- 4. safe upgrades -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "fixture", sorted(FIXTURE.parent.glob("schema-*.db")), ids=lambda p: p.stem
)
def test_a_file_of_every_released_schema_opens_and_keeps_every_row(tmp_path, fixture):
    """tests/fixtures holds a file made by each released schema, with rows in it."""
    revision = fixture.stem.removeprefix("schema-")
    db = tmp_path / "old" / "ipsung.db"
    db.parent.mkdir()
    shutil.copyfile(fixture, db)
    before = table_counts(db)
    assert before["participants"] > 0 and before["contacts"] > 0

    listed = as_json(cli(db, "list", "--status", "all", "--json"))
    assert len(listed) == before["participants"]
    info = as_json(cli(db, "info", "--json"))
    assert info["schema_version"] == HEAD_REVISION
    new_tables = set(info["rows"]) - set(before)  # tables of later revisions, empty
    assert info["rows"] == before | dict.fromkeys(new_tables, 0)

    assert table_counts(db) == before | dict.fromkeys(new_tables, 0)
    assert integrity(db) == ["ok"]
    copies = list(db.parent.glob(f"ipsung.db.before-upgrade-{revision}-*"))
    if revision == HEAD_REVISION:
        assert copies == []  # nothing to upgrade, nothing copied
    else:
        assert len(copies) == 1, f"a copy is taken before the upgrade from {revision}"
        assert table_counts(copies[0]) == before
        assert (copies[0].stat().st_mode & 0o777) == 0o600
    # The triggers of the append-only log came along.
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        query(db, "DELETE FROM audit_log")


@pytest.mark.parametrize("journal", ["delete", "wal"])
@pytest.mark.parametrize(
    "args",
    [
        ["list", "--status", "all", "--json"],
        ["consultant", "add", "Nova Nielsen"],
        ["show", "1"],
        ["log-contact", "1", "--kind", "youth"],
        ["check"],
    ],
    ids=["list", "consultant-add", "show", "log-contact", "check"],
)
def test_a_file_from_a_newer_version_is_refused_and_left_untouched(tmp_path, journal, args):
    db = tmp_path / "newer" / "ipsung.db"
    db.parent.mkdir()
    shutil.copyfile(FIXTURE, db)
    conn = sqlite3.connect(db)
    conn.execute("UPDATE alembic_version SET version_num = 'f00d_from_the_future'")
    conn.commit()
    conn.execute(f"PRAGMA journal_mode={journal}")  # ipsung's own files are WAL
    conn.close()
    files_before = sorted(p.name for p in db.parent.iterdir())
    before = db.read_bytes()

    r = cli(db, *args)
    assert r.exit_code == 1, (r.stdout, r.stderr)
    assert "newer version" in r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert db.read_bytes() == before
    assert sorted(p.name for p in db.parent.iterdir()) == files_before  # no -wal, no backup


# --- 5. location and permissions ----------------------------------------------------------


@pytest.mark.parametrize("kind", ["cifs", "nfs4", "fuse.sshfs"])
@pytest.mark.parametrize(
    "args",
    [["consultant", "add", "Mette Holm"], ["list"], ["show", "1"]],
    ids=["write", "read", "show"],
)
def test_a_database_on_a_network_share_is_refused(tmp_path, monkeypatch, kind, args):
    share = tmp_path / "share"
    share.mkdir()
    mounts = tmp_path / "mounts"
    mounts.write_text(
        "/dev/sda1 / ext4 rw,relatime 0 0\n"
        f"//fileserver/team {os.path.realpath(share)} {kind} rw,relatime 0 0\n"
    )
    monkeypatch.setattr(ipsung_db, "MOUNTS", mounts)
    db = share / "ipsung" / "ipsung.db"
    r = cli(db, *args)
    assert r.exit_code == 2, (r.stdout, r.stderr)
    assert kind in r.stderr
    assert "network share" in r.stderr
    assert "team database" in r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert list(share.iterdir()) == []  # nothing created


@pytest.mark.parametrize("kind", ["cifs", "nfs4", "fuse.sshfs"])
def test_an_existing_database_on_a_network_share_is_left_alone(
    case_db, tmp_path, monkeypatch, kind
):
    mounts = tmp_path / "mounts"
    mounts.write_text(f"server:/export {os.path.realpath(case_db.parent)} {kind} rw 0 0\n")
    monkeypatch.setattr(ipsung_db, "MOUNTS", mounts)
    before = case_db.read_bytes()
    r = cli(case_db, "log-contact", "1", "--kind", "youth")
    assert r.exit_code == 2
    assert kind in r.stderr
    assert case_db.read_bytes() == before
    assert sorted(p.name for p in case_db.parent.iterdir()) == ["ipsung.db"]


def test_a_local_database_beside_a_share_is_fine(tmp_path, monkeypatch):
    share, local = tmp_path / "share", tmp_path / "local"
    share.mkdir()
    mounts = tmp_path / "mounts"
    mounts.write_text(
        "/dev/sda1 / ext4 rw 0 0\n"
        f"//fileserver/team {os.path.realpath(share)} cifs rw 0 0\n"
        f"tmpfs {os.path.realpath(tmp_path)} tmpfs rw 0 0\n"
    )
    monkeypatch.setattr(ipsung_db, "MOUNTS", mounts)
    db = local / "ipsung.db"
    ok(cli(db, "consultant", "add", "Mette Holm"))
    assert [c["name"] for c in as_json(cli(db, "consultant", "list", "--json"))] == ["Mette Holm"]


MOUNTS_TEXT = """\
/dev/sda1 / ext4 rw,relatime 0 0
proc /proc proc rw 0 0
//files/team /srv/share cifs rw 0 0
/dev/sdb1 /srv/share/local ext4 rw 0 0
server:/export /mnt/nfs nfs4 rw 0 0
//files/a\\040b /mnt/team\\040drive cifs rw 0 0
host:/home /mnt/ssh fuse.sshfs rw 0 0
"""


@pytest.mark.parametrize(
    "path, expected",
    [
        ("/srv/share/ipsung.db", "cifs"),
        ("/srv/share/deep/er/ipsung.db", "cifs"),
        ("/srv/share/local/ipsung.db", "ext4"),  # the longest mount point wins
        ("/srv/sharex/ipsung.db", "ext4"),  # a sibling whose name starts the same is not inside
        ("/mnt/nfs/ipsung.db", "nfs4"),
        ("/mnt/nfs", "nfs4"),  # the mount point itself
        ("/mnt/nfsx/ipsung.db", "ext4"),
        ("/mnt/team drive/ipsung.db", "cifs"),  # \040 is a space in /proc/mounts
        ("/mnt/team/ipsung.db", "ext4"),
        ("/mnt/ssh/x/ipsung.db", "fuse.sshfs"),
        ("/home/mette/ipsung.db", "ext4"),
    ],
)
def test_filesystem_type_reads_the_mount_table(path, expected):
    assert ipsung_db.filesystem_type(Path(path), MOUNTS_TEXT) == expected


def test_filesystem_type_longest_prefix_wins_in_any_order():
    shuffled = "\n".join(reversed(MOUNTS_TEXT.splitlines()))
    assert ipsung_db.filesystem_type(Path("/srv/share/local/a.db"), shuffled) == "ext4"
    assert ipsung_db.filesystem_type(Path("/srv/share/a.db"), shuffled) == "cifs"


def test_filesystem_type_without_a_matching_mount_is_none():
    assert ipsung_db.filesystem_type(Path("/data/a.db"), "server:/x /mnt/nfs nfs rw 0 0\n") is None
    assert ipsung_db.filesystem_type(Path("/data/a.db"), "") is None
    assert ipsung_db.filesystem_type(Path("/data/a.db"), "garbage\n\n") is None


@pytest.fixture
def permissive_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_files_are_owner_only_whatever_the_umask(tmp_path, permissive_umask):
    def invoke(*args):
        os.umask(0o022)  # as a user's shell would have it, before every command
        return ok(cli(db, *args))

    db = tmp_path / "fresh" / "ipsung.db"
    invoke("consultant", "add", "Mette Holm")
    invoke("intake", "--name", NAME, "--cpr", CPR, "--referral-date", "02-11-2026", *ELIGIBLE)
    assert mode(db) == 0o600
    assert mode(db.parent) == 0o700
    for companion in (Path(f"{db}-wal"), Path(f"{db}-shm")):
        if companion.exists():
            assert mode(companion) == 0o600, companion

    out = tmp_path / "exports"
    out.mkdir()
    invoke("export", "participants", "--out", out / "participants.csv")
    assert mode(out / "participants.csv") == 0o600
    invoke("export", "contacts", "--identified", "--out", out / "contacts.csv")
    assert mode(out / "contacts.csv") == 0o600
    invoke("export", "all", "--out", out / "all")
    assert mode(out / "all") == 0o700
    for f in (out / "all").iterdir():
        assert mode(f) == 0o600, f
    key = db.with_name("ipsung.db.key")
    assert mode(key) == 0o600
    assert len(key.read_bytes()) == 32

    invoke("backup", tmp_path / "backup.db")
    assert mode(tmp_path / "backup.db") == 0o600
    assert mode(tmp_path / "backup.db.key") == 0o600


@pytest.mark.slow
def test_installed_command_writes_owner_only_files_under_umask_022(tmp_path):
    env = process_env()
    db = tmp_path / "data" / "ipsung.db"

    def run(*args):
        r = run_installed(env, "--db", db, *args, preexec_fn=lambda: os.umask(0o022))
        assert r.returncode == 0, r.stderr
        return r

    run("consultant", "add", "Mette Holm")
    run("intake", "--name", NAME, "--cpr", CPR, "--referral-date", "02-11-2026", *ELIGIBLE)
    run("export", "participants", "--out", tmp_path / "p.csv")  # makes the key
    run("backup", tmp_path / "b.db")
    for f in (db, db.with_name("ipsung.db.key"), tmp_path / "p.csv", tmp_path / "b.db"):
        assert mode(f) == 0o600, f
    assert mode(db.parent) == 0o700
