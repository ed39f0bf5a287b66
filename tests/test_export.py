"""Export (SPEC §9, §10) through the real CLI on a real SQLite file.

The caseload is the demo (40 cases, seed 3) plus one case typed in by hand with a CPR
number, a goal and a note with æøå, an employer contact without a case, an ended
placement with 12.5 hours and a progress rating. Every export is read back with Python's
csv module, the way pandas and R would read it.
"""

import base64
import csv
import errno
import gc
import hashlib
import hmac
import io
import json
import os
import re
import stat
from datetime import date
from types import SimpleNamespace

import pytest
from conftest import ELIGIBLE, ok, one_error_line, query

from ipsung.errors import BadInput
from ipsung.store import db as database
from ipsung.store import pseudonyms
from ipsung.usecases import csv_tables as exporter

NAME = "Søren Ærbø Ødegård"
CPR = "140310-4123"
BIRTH_ISO = "2010-03-14"
GOAL = "Blive tømrer på værftet i Ærøskøbing"
NOTE = "Talte om skolevægring og søvn"
EMPLOYER = "Bageriet Ærø"
JOB_DEVELOPMENT_NOTE = "Jobudvikling hos bageren på Ærø"
END_REASON = "Ville hellere på værkstedet"
REVIEW_NOTE = "Statusmøde: mor bekymret for Æbleskolen"

TABLES = ["participants", "contacts", "placements", "progress", "aftercare", "reviews"]
CPR_LIKE = re.compile(r"\d{6}-?\d{4}")
PSEUDONYM = re.compile(r"P-[A-Z2-7]{10}")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DK_DATE = re.compile(r"\d{2}-\d{2}-\d{4}")
BOM = b"\xef\xbb\xbf"

HEADERS = {
    "participants": [
        "person",
        "age_at_referral",
        "referral_date",
        "referred_by",
        "consultant",
        "track",
        "status",
        "enrolled_on",
        "closed_on",
        "close_reason",
        "pathway",
        "diagnoses",
        "under_assessment",
        "mistrivsel",
        "substance",
        "motivated",
        "normal_cognition",
        "eligible",
        "overridden",
    ],
    "contacts": [
        "contact",
        "person",
        "track",
        "consultant",
        "date",
        "kind",
        "channel",
        "minutes",
        "employer",
    ],
    "placements": [
        "placement",
        "person",
        "track",
        "kind",
        "start",
        "end",
        "hours",
        "employer",
        "job_type",
    ],
    "progress": ["rating", "person", "track", "date", "outlook", "insight", "skills"],
    "aftercare": ["aftercare", "person", "track", "start", "end", "contact_every"],
    "reviews": ["review", "person", "track", "date", "period"],
}
IDENTIFIED_HEADERS = {
    "participants": [
        "case",
        "person",
        "name",
        "cpr",
        "birth_date",
        "age_at_referral",
        "referral_date",
        "referred_by",
        "consultant",
        "track",
        "status",
        "enrolled_on",
        "closed_on",
        "close_reason",
        "goal",
        "pathway",
        "diagnoses",
        "under_assessment",
        "mistrivsel",
        "substance",
        "motivated",
        "normal_cognition",
        "eligible",
        "overridden",
        "override_reason",
    ],
    "contacts": [
        "contact",
        "case",
        "person",
        "track",
        "consultant",
        "date",
        "kind",
        "channel",
        "minutes",
        "employer",
        "note",
    ],
    "placements": [
        "placement",
        "case",
        "person",
        "track",
        "kind",
        "start",
        "end",
        "hours",
        "employer",
        "job_type",
        "end_reason",
    ],
    "progress": ["rating", "case", "person", "track", "date", "outlook", "insight", "skills"],
    "aftercare": ["aftercare", "case", "person", "track", "start", "end", "contact_every"],
    "reviews": ["review", "case", "person", "track", "date", "period", "note"],
}
KEY_COLUMNS = {
    "contact": r"C-\d+",
    "placement": r"PL-\d+",
    "rating": r"R-\d+",
    "case": r"K-\d+",
    "aftercare": r"A-\d+",
    "review": r"V-\d+",
}
FLAGS = ["under_assessment", "motivated", "normal_cognition", "eligible", "overridden"]
DATE_COLUMNS = {
    "participants": ["referral_date", "enrolled_on", "closed_on"],
    "contacts": ["date"],
    "placements": ["start", "end"],
    "progress": ["date"],
    "aftercare": ["start", "end"],
    "reviews": ["date"],
}
# The column each table's rows are filtered on by --from/--to, in the database.
FILTERED_ON = {
    "participants": ("participants", "referral_date"),
    "contacts": ("contacts", "date"),
    "placements": ("placements", "start"),
    "progress": ("progress_ratings", "date"),
    "aftercare": ("aftercare_periods", "start"),
    "reviews": ("period_reviews", "date"),
}


# --- helpers -----------------------------------------------------------------------------


def export(run, *args: str) -> bytes:
    return ok(run("export", *args)).stdout_bytes


def parse(data: bytes, dialect: str = "csv") -> tuple[list[str], list[dict]]:
    """Read an export as pandas or R would: header row, then one dict per row."""
    if dialect == "excel-dk":
        assert data.startswith(BOM) and not data[3:].startswith(BOM)
        text, delimiter = data[len(BOM) :].decode("utf-8"), ";"
    else:
        assert not data.startswith(BOM)
        text, delimiter = data.decode("utf-8"), ","
    # RFC 4180 line ends: every line ends in CRLF (no note here holds a line break).
    assert data.endswith(b"\r\n")
    assert data.count(b"\n") == data.count(b"\r\n") == data.count(b"\r")
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def export_audit_rows(db_path) -> list[tuple]:
    return query(db_path, "SELECT participant_id, change FROM audit_log WHERE command = 'export'")


@pytest.fixture
def caseload(run):
    """The demo caseload plus one hand-typed case with everything private about it."""
    ok(run("demo", "--participants", "40", "--seed", "3"))
    intake = run(
        "intake",
        "--name",
        NAME,
        "--cpr",
        CPR,
        "--referral-date",
        "02-11-2026",
        *ELIGIBLE,
        "--goal",
        GOAL,
        "--consultant",
        "Mette Holm",
        "--json",
    )
    case = json.loads(ok(intake).stdout)["id"]
    ok(
        run(
            "log-contact",
            str(case),
            "--kind",
            "youth",
            "--date",
            "10-11-2026",
            "--minutes",
            "45",
            "--note",
            NOTE,
        )
    )
    ok(
        run(
            "log-contact",
            "--kind",
            "employer",
            "--employer",
            EMPLOYER,
            "--consultant",
            "Mette Holm",
            "--date",
            "12-11-2026",
            "--note",
            JOB_DEVELOPMENT_NOTE,
        )
    )
    added = run(
        "placement",
        "add",
        str(case),
        "--kind",
        "internship",
        "--start",
        "16-11-2026",
        "--hours",
        "12.5",
        "--employer",
        EMPLOYER,
        "--json",
    )
    placement = json.loads(ok(added).stdout)["id"]
    ok(run("placement", "end", str(placement), "--date", "20-11-2026", "--reason", END_REASON))
    ok(run("progress", str(case), "--outlook", "3", "--insight", "2", "--skills", "4"))
    ok(run("review", str(case), "--date", "20-11-2026", "--note", REVIEW_NOTE))
    return SimpleNamespace(case=case, placement=placement)


def private_texts(db_path) -> list[str]:
    """Every name, CPR number, goal, note and reason in the database."""
    texts = [NAME, CPR, CPR.replace("-", ""), GOAL, NOTE, JOB_DEVELOPMENT_NOTE, END_REASON]
    texts.append(REVIEW_NOTE)
    for sql in (
        "SELECT name FROM participants",
        "SELECT goal FROM participants",
        "SELECT override_reason FROM participants",
        "SELECT note FROM contacts",
        "SELECT end_reason FROM placements",
        "SELECT note FROM period_reviews",
    ):
        texts += [value for (value,) in query(db_path, sql) if value]
    return sorted(set(texts))


# --- pseudonymised by default --------------------------------------------------------------


@pytest.mark.parametrize("dialect", ["csv", "excel-dk"])
def test_pseudonymised_export_has_no_names_cpr_birth_dates_or_free_text(
    run, caseload, db_path, dialect
):
    private = private_texts(db_path)
    assert len(private) > 20  # the demo's names, goals and notes are in there too
    birth_dates = {b for (b,) in query(db_path, "SELECT birth_date FROM participants")}
    for table in TABLES:
        data = export(run, table, "--dialect", dialect)
        text = data.decode("utf-8-sig")
        headers, rows = parse(data, dialect)
        assert headers == HEADERS[table]
        assert rows, table
        assert not CPR_LIKE.search(text), table
        leaked = [t for t in private if t in text]
        assert not leaked, f"{table}: {leaked}"
        assert not birth_dates & set(text.replace(";", ",").replace("\r\n", ",").split(","))
        assert BIRTH_ISO not in text and "14-03-2010" not in text


def test_pseudonymised_export_is_a_read_and_not_audited(run, caseload, db_path):
    before = query(db_path, "SELECT count(*) FROM audit_log")
    for table in TABLES:
        export(run, table)
    ok(run("export", "all", "--out", str(db_path.parent / "all")))
    assert query(db_path, "SELECT count(*) FROM audit_log") == before


def test_persons_are_stable_pseudonyms_that_link_the_tables(run, caseload, db_path):
    first = export(run, "participants")
    assert export(run, "participants") == first  # the same on a second export
    _, participants = parse(first)
    persons = [row["person"] for row in participants]
    assert all(PSEUDONYM.fullmatch(p) for p in persons), persons
    assert len(set(persons)) == len(persons) == 41

    # The same person in every table, and in the other dialect.
    for table in ("contacts", "placements", "progress"):
        _, rows = parse(export(run, table))
        linked = {row["person"] for row in rows if row["person"]}
        assert linked and linked <= set(persons), table
    _, excel_rows = parse(export(run, "participants", "--dialect", "excel-dk"), "excel-dk")
    assert [row["person"] for row in excel_rows] == persons

    # A job-development contact belongs to no person.
    _, contacts = parse(export(run, "contacts"))
    job_development = [row for row in contacts if row["employer"] == EMPLOYER]
    assert job_development and job_development[0]["person"] == ""
    assert job_development[0]["track"] == "" and job_development[0]["kind"] == "employer"


def test_pseudonym_is_the_keyed_hmac_of_the_case_and_the_same_as_identified(run, caseload, db_path):
    _, plain = parse(export(run, "participants"))
    _, named = parse(export(run, "participants", "--identified"))
    assert [r["person"] for r in named] == [r["person"] for r in plain]
    key = pseudonyms.load_or_create_key(db_path.with_name("ipsung.db.key"))
    ours = next(r for r in named if r["case"] == f"K-{caseload.case}")
    assert ours["person"] == pseudonyms.pseudonym(key, caseload.case)
    mine = next(r for r in plain if r["person"] == ours["person"])
    assert mine["age_at_referral"] == "16"
    assert mine["referral_date"] == "2026-11-02"
    assert mine["track"] == "ips-like" and mine["overridden"] == "false"


def test_keys_are_never_purely_numeric(run, caseload):
    for table in TABLES:
        for identified in ([], ["--identified"]):
            _, rows = parse(export(run, table, *identified))
            for row in rows:
                for column, pattern in KEY_COLUMNS.items():
                    if column in row and row[column]:
                        assert re.fullmatch(pattern, row[column]), (table, column, row[column])
                assert not row["person"].isdigit()
            first_column = HEADERS[table][0] if table != "participants" else "person"
            assert all(row[first_column] and not row[first_column].isdigit() for row in rows)


def test_booleans_are_true_or_false(run, caseload):
    _, rows = parse(export(run, "participants"))
    for column in FLAGS:
        assert {row[column] for row in rows} <= {"true", "false"}, column
    assert {row["eligible"] for row in rows} == {"true"}


# --- dialects ----------------------------------------------------------------------------


def test_csv_dialect_iso_dates_decimal_point_no_bom(run, caseload):
    data = export(run, "placements")
    assert data.startswith(b"placement,person,")
    _, rows = parse(data)
    ours = next(row for row in rows if row["placement"] == f"PL-{caseload.placement}")
    assert ours["start"] == "2026-11-16" and ours["end"] == "2026-11-20"
    assert ours["hours"] == "12.5" and ours["employer"] == EMPLOYER
    for table, columns in DATE_COLUMNS.items():
        _, rows = parse(export(run, table))
        for row in rows:
            for column in columns:
                assert row[column] == "" or ISO_DATE.fullmatch(row[column]), (table, row)


def test_excel_dk_dialect_semicolon_bom_crlf_danish_dates_decimal_comma(run, caseload):
    data = export(run, "placements", "--dialect", "excel-dk")
    assert data.startswith(BOM + b"placement;person;")
    assert not data.startswith(BOM + b"sep=")
    _, rows = parse(data, "excel-dk")
    ours = next(row for row in rows if row["placement"] == f"PL-{caseload.placement}")
    assert ours["start"] == "16-11-2026" and ours["end"] == "20-11-2026"
    assert ours["hours"] == "12,5"
    assert ours["employer"] == "Bageriet Ærø"  # æøå intact through UTF-8 with BOM
    for table, columns in DATE_COLUMNS.items():
        _, rows = parse(export(run, table, "--dialect", "excel-dk"), "excel-dk")
        for row in rows:
            for column in columns:
                assert row[column] == "" or DK_DATE.fullmatch(row[column]), (table, row)


def test_whole_hours_are_written_without_a_decimal_part(run, caseload, db_path):
    hours = {h for (h,) in query(db_path, "SELECT hours FROM placements") if h is not None}
    assert any(h == int(h) for h in hours)
    _, rows = parse(export(run, "placements"))
    written = {row["hours"] for row in rows if row["hours"]}
    assert "12.5" in written
    assert all(not h.endswith(".0") for h in written)


# --- identified ------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", ["csv", "excel-dk"])
def test_identified_export_has_what_a_reimport_needs(run, caseload, db_path, dialect):
    tables = {}
    for table in TABLES:
        headers, rows = parse(export(run, table, "--identified", "--dialect", dialect), dialect)
        assert headers == IDENTIFIED_HEADERS[table]
        tables[table] = rows
    case = f"K-{caseload.case}"
    person = next(r for r in tables["participants"] if r["case"] == case)
    assert person["name"] == NAME and person["cpr"] == CPR and person["goal"] == GOAL
    assert person["birth_date"] == (BIRTH_ISO if dialect == "csv" else "14-03-2010")
    assert person["referred_by"] == "school" and person["consultant"] == "Mette Holm"
    assert person["mistrivsel"] == "absence" and person["substance"] == "A"
    assert person["motivated"] == "true" and person["normal_cognition"] == "true"
    assert person["status"] == "active" and person["override_reason"] == ""
    note = next(r for r in tables["contacts"] if r["case"] == case)
    assert note["note"] == NOTE and note["person"] == person["person"]
    job_development = next(r for r in tables["contacts"] if r["note"] == JOB_DEVELOPMENT_NOTE)
    assert job_development["case"] == "" and job_development["person"] == ""
    placement = next(r for r in tables["placements"] if r["case"] == case)
    assert placement["end_reason"] == END_REASON
    rating = next(r for r in tables["progress"] if r["case"] == case)
    assert (rating["outlook"], rating["insight"], rating["skills"]) == ("3", "2", "4")


def test_identified_export_is_audited_without_personal_data(run, caseload, db_path):
    assert export_audit_rows(db_path) == []
    export(run, "participants", "--identified")
    assert export_audit_rows(db_path) == [(None, "identified participants rows=41")]
    ok(
        run(
            "export",
            "all",
            "--identified",
            "--out",
            str(db_path.parent / "named"),
            "--from",
            "01-11-2026",
        )
    )
    rows = export_audit_rows(db_path)
    assert len(rows) == 2
    change = rows[1][1]
    assert change.startswith("identified participants rows=")
    for table in TABLES:
        assert f"{table} rows=" in change
    assert "from=2026-11-01" in change
    everything = " ".join(str(v) for row in query(db_path, "SELECT * FROM audit_log") for v in row)
    assert NAME not in everything and CPR_LIKE.search(everything) is None
    assert NOTE not in everything and GOAL not in everything


# --- the key -----------------------------------------------------------------------------


def test_key_file_beside_the_database_owner_only_and_not_inside_it(run, caseload, db_path):
    key_file = db_path.with_name("ipsung.db.key")
    assert not key_file.exists()  # made on first need, not by other commands
    export(run, "contacts")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_bytes()
    assert len(key) == 32
    for companion in ("", "-wal", "-shm"):
        path = db_path.with_name(db_path.name + companion)
        if path.exists():
            content = path.read_bytes()
            assert key not in content and key.hex().encode() not in content, path
    key_file.chmod(0o644)  # e.g. copied back from a backup by hand
    export(run, "contacts")
    assert key_file.read_bytes() == key  # read, never replaced
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600  # and made owner-only again


def test_a_new_key_gives_new_pseudonyms(run, caseload, db_path):
    """Without the key nobody can reproduce the pseudonyms (e.g. from case ids)."""
    first = [row["person"] for row in parse(export(run, "participants"))[1]]
    db_path.with_name("ipsung.db.key").unlink()
    second = [row["person"] for row in parse(export(run, "participants"))[1]]
    assert len(second) == len(first) and not set(first) & set(second)


def test_damaged_key_is_refused_not_replaced(run, caseload, db_path):
    key_file = db_path.with_name("ipsung.db.key")
    key_file.write_bytes(b"short")
    r = run("export", "participants")
    assert r.exit_code == 1, r.output
    assert "damaged" in one_error_line(r)
    assert key_file.read_bytes() == b"short"


def test_key_and_files_are_owner_only_under_umask_022(tmp_path):
    """Created with explicit modes, not by trusting the umask that the CLI sets."""
    old = os.umask(0o022)
    try:
        key_file = tmp_path / "team.db.key"
        key = pseudonyms.load_or_create_key(key_file)
        assert len(key) == 32 and stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert pseudonyms.load_or_create_key(key_file) == key
        with exporter.file_stream(tmp_path / "out.csv", exporter.DIALECTS["csv"]) as stream:
            stream.write("person\r\n")
        assert stat.S_IMODE((tmp_path / "out.csv").stat().st_mode) == 0o600
        folder = exporter.prepare_folder(tmp_path / "udtraek")
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "team.db.key", "udtraek"]
    finally:
        os.umask(old)


def test_cli_export_files_owner_only_under_umask_022(run, caseload, db_path, tmp_path):
    old = os.umask(0o022)
    try:
        ok(run("export", "all", "--out", str(tmp_path / "udtraek")))
        ok(run("export", "contacts", "--out", str(tmp_path / "contacts.csv")))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "udtraek").stat().st_mode) == 0o700
    for path in [*(tmp_path / "udtraek").iterdir(), tmp_path / "contacts.csv"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(db_path.with_name("ipsung.db.key").stat().st_mode) == 0o600


def test_pseudonym_shape():
    key = bytes(range(32))
    names = {pseudonyms.pseudonym(key, i) for i in range(1, 5001)}
    assert len(names) == 5000
    assert all(PSEUDONYM.fullmatch(n) for n in names)
    assert pseudonyms.pseudonym(key, 7) == pseudonyms.pseudonym(key, 7)
    assert pseudonyms.pseudonym(key, 7) != pseudonyms.pseudonym(bytes(32), 7)


def test_pseudonym_is_the_start_of_the_base32_hmac():
    """As pseudonyms.py defines it (only the digest's first bytes are encoded, for speed)."""
    for key in (bytes(32), bytes(range(32)), b"\xff" * 32):
        for participant_id in (1, 7, 12_345, 10**9):
            message = f"participant:{participant_id}".encode()
            digest = hmac.digest(key, message, hashlib.sha256)
            expected = "P-" + base64.b32encode(digest).decode("ascii")[:10]
            assert pseudonyms.pseudonym(key, participant_id) == expected


# --- filtering by date ----------------------------------------------------------------------


@pytest.mark.parametrize("table", TABLES)
def test_from_and_to_filter_rows_by_their_own_date(run, caseload, db_path, table):
    db_table, column = FILTERED_ON[table]
    start, end = "2026-01-01", "2026-06-30"
    expected = query(
        db_path,
        f'SELECT count(*) FROM {db_table} WHERE "{column}" BETWEEN ? AND ?',
        start,
        end,
    )[0][0]
    total = query(db_path, f"SELECT count(*) FROM {db_table}")[0][0]
    assert 0 < expected < total, "the demo should have rows on both sides"
    _, rows = parse(export(run, table, "--from", "01-01-2026", "--to", "30/06/2026"))
    assert len(rows) == expected
    date_column = DATE_COLUMNS[table][0]
    assert all(start <= row[date_column] <= end for row in rows)
    _, later = parse(export(run, table, "--from", "2026-07-01"))
    _, earlier = parse(export(run, table, "--to", "31-12-2025"))
    assert len(earlier) + len(rows) + len(later) == total


# --- all into a folder, files written safely ---------------------------------------------------


def test_all_writes_four_files_into_a_new_folder(run, caseload, db_path, tmp_path):
    folder = tmp_path / "udtraek"
    r = ok(run("export", "all", "--out", str(folder), "--dialect", "excel-dk"))
    assert r.stdout == ""
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{t}.csv" for t in TABLES)
    for table in TABLES:
        data = (folder / f"{table}.csv").read_bytes()
        headers, rows = parse(data, "excel-dk")
        assert headers == HEADERS[table] and rows
        assert data == export(run, table, "--dialect", "excel-dk")  # the same as one by one
    # Into the same folder again: files replaced in place, nothing else left behind.
    ok(run("export", "all", "--out", str(folder)))
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{t}.csv" for t in TABLES)
    assert not (folder / "participants.csv").read_bytes().startswith(BOM)


def test_out_file_replaces_an_older_export(run, caseload, tmp_path):
    out = tmp_path / "contacts.csv"
    out.write_text("old\n")
    r = ok(run("export", "contacts", "--out", str(out)))
    assert r.stdout == "" and "contacts.csv" in r.stderr
    assert out.read_bytes() == export(run, "contacts")
    assert [p.name for p in tmp_path.iterdir() if p.name != "data"] == ["contacts.csv"]


def _unwritable_targets(tmp_path):
    (tmp_path / "plain.txt").write_text("not a folder")
    (tmp_path / "a-folder").mkdir()
    return {
        "missing folder": tmp_path / "missing" / "contacts.csv",
        "parent is a file": tmp_path / "plain.txt" / "contacts.csv",
        "path is a folder": tmp_path / "a-folder",
        # sysfs refuses new files even to root (Permission denied on Linux).
        "permission denied": "/sys/ipsung-export-test.csv",
    }


@pytest.mark.parametrize(
    "which", ["missing folder", "parent is a file", "path is a folder", "permission denied"]
)
def test_unwritable_out_is_exit_2_and_leaves_nothing(run, caseload, db_path, tmp_path, which):
    target = _unwritable_targets(tmp_path)[which]
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    r = run("export", "contacts", "--identified", "--out", str(target))
    assert r.exit_code == 2, r.output
    assert one_error_line(r).startswith("Error: --out:")
    assert r.stdout == ""
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before
    assert export_audit_rows(db_path) == []  # nothing was exported, so nothing recorded


def test_all_needs_a_folder_that_can_be_made(run, caseload, tmp_path):
    (tmp_path / "plain.txt").write_text("x")
    for out in (tmp_path / "plain.txt", tmp_path / "missing" / "udtraek"):
        r = run("export", "all", "--out", str(out))
        assert r.exit_code == 2, r.output
        one_error_line(r)
    assert not (tmp_path / "missing").exists()


def test_a_failure_half_way_leaves_no_partial_file(run, caseload, db_path, tmp_path, monkeypatch):
    """Two tables written, the third fails: no file of the export appears, an older file
    under the same name is left as it was, and no identified export is recorded."""
    real = exporter.write_table

    def fails_on_placements(session, table, *args, **kwargs):
        written = real(session, table, *args, **kwargs)
        if table.name == "placements":
            raise BadInput("simulated failure")
        return written

    monkeypatch.setattr(exporter, "write_table", fails_on_placements)
    folder = tmp_path / "udtraek"
    folder.mkdir()
    (folder / "contacts.csv").write_text("an older export\n")
    r = run("export", "all", "--identified", "--out", str(folder))
    assert r.exit_code == 2, r.output
    assert one_error_line(r) == "Error: simulated failure"
    assert [p.name for p in folder.iterdir()] == ["contacts.csv"]
    assert (folder / "contacts.csv").read_text() == "an older export\n"
    assert export_audit_rows(db_path) == []


def test_a_full_disk_is_one_error_line_and_no_file(run, caseload, tmp_path, monkeypatch):
    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(exporter, "write_table", disk_full)
    out = tmp_path / "contacts.csv"
    r = run("export", "contacts", "--out", str(out))
    assert r.exit_code == 1, r.output
    assert "No space left on device" in one_error_line(r)
    assert [p.name for p in tmp_path.iterdir()] == ["data"]


# --- no database yet, bad input, help ------------------------------------------------------------


@pytest.mark.no_db
def test_no_database_yet_gives_headers_and_creates_nothing(run, db_path, tmp_path):
    for identified in ([], ["--identified"]):
        r = ok(run("export", "participants", *identified))
        assert "no database" in r.stderr
        expected = HEADERS["participants"] if not identified else IDENTIFIED_HEADERS["participants"]
        assert r.stdout_bytes == (",".join(expected) + "\r\n").encode()
    ok(run("export", "all", "--out", str(tmp_path / "udtraek")))
    for table in TABLES:
        headers, rows = parse((tmp_path / "udtraek" / f"{table}.csv").read_bytes())
        assert headers == HEADERS[table] and rows == []
    assert not db_path.exists() and not db_path.parent.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["bogus"],
        ["contacts", "--dialect", "xlsx"],
        ["contacts", "--from", "31-02-2026"],
        ["contacts", "--to", "tomorrowish"],
        ["contacts", "--from", "02-11-2026", "--to", "01-11-2026"],
        ["all"],
    ],
)
def test_bad_input_is_exit_2_with_one_error_line(run, caseload, args):
    r = run("export", *args)
    assert r.exit_code == 2, r.output
    one_error_line(r)
    assert r.stdout == ""


def test_help_has_an_example(run):
    r = ok(run("export", "--help"))
    assert "Example" in r.stdout and "ipsung export all --out" in r.stdout
    assert "--identified" in r.stdout and "excel-dk" in r.stdout


# --- streaming ------------------------------------------------------------------------------------


def test_rows_are_written_in_batches(run, caseload, db_path, monkeypatch):
    """Rows come from the database a batch at a time (here 100), never all at once."""
    monkeypatch.setattr(exporter, "BATCH", 100)
    location = database.Location(db_path, "test")
    batches: list[int] = []
    out = io.StringIO(newline="")
    with database.session(location, write=False) as s:
        names = pseudonyms.Pseudonyms(pseudonyms.key_path(db_path))
        written = exporter.write_table(
            s,
            exporter.TABLES["contacts"],
            out,
            exporter.DIALECTS["csv"],
            names,
            period=exporter.Period(date(2025, 1, 1), None),
            on_rows=batches.append,
        )
        assert written == exporter.count_rows(
            s, exporter.TABLES["contacts"], exporter.Period(date(2025, 1, 1), None)
        )
    assert written > 300 and sum(batches) == written
    assert max(batches) == 100 and len(batches) == -(-written // 100)
    assert len(out.getvalue().splitlines()) == written + 1
    assert gc.isenabled()  # paused while the rows were written, and on again


# Private fields, as the SQL names them when their values are read (`overridden` reads
# only whether there is an override reason).
PRIVATE_FIELDS = [
    "participants.name AS",
    "participants.cpr AS",
    "participants.goal AS",
    "participants.override_reason AS",
    "contacts.note AS",
    "placements.end_reason AS",
]


@pytest.mark.parametrize("identified", [False, True])
def test_private_fields_are_read_only_for_an_identified_export(run, caseload, db_path, identified):
    """What the database driver is asked for, not only what reaches the file."""
    location = database.Location(db_path, "test")
    statements: list[str] = []
    with database.session(location, write=False) as s:
        driver = s.connection().connection.driver_connection
        driver.set_trace_callback(statements.append)
        names = pseudonyms.Pseudonyms(pseudonyms.key_path(db_path))
        for table in exporter.TABLES.values():
            out = io.StringIO(newline="")
            exporter.write_table(
                s, table, out, exporter.DIALECTS["csv"], names, identified=identified
            )
        driver.set_trace_callback(None)
    sql = "\n".join(statements)
    assert "FROM contacts" in sql and "FROM participants" in sql
    read = [field for field in PRIVATE_FIELDS if field in sql]
    assert read == (PRIVATE_FIELDS if identified else [])


def test_batches_are_written_exactly_as_csv_writer_writes_them():
    """A batch without a character CSV quotes is written as its cells joined; any other
    batch by csv.writer itself. Either way the bytes are csv.writer's."""
    tricky = [
        "",
        "plain",
        "a,b",
        "a;b",
        'say "hi"',
        "line\nbreak",
        "cr\rhere",
        "a\r\nb",
        " x ",
        "æøå",
    ]
    for dialect in exporter.DIALECTS.values():
        for width in (1, 2, 4):
            plain = [tuple(f"r{r}c{c}" for c in range(width)) for r in range(3)]
            batches = [plain, [("",) * width]]
            batches += [[("k",) * (width - 1) + (cell,), ("k",) * width] for cell in tricky]
            for rows in batches:
                ours, theirs = io.StringIO(newline=""), io.StringIO(newline="")
                writer = csv.writer(ours, delimiter=dialect.delimiter, lineterminator="\r\n")
                exporter._write_rows(ours, writer, rows, dialect.delimiter, width)
                csv.writer(theirs, delimiter=dialect.delimiter, lineterminator="\r\n").writerows(
                    rows
                )
                assert ours.getvalue() == theirs.getvalue(), (dialect.name, rows)

    class NoWriter:  # the joined text is used when it can be
        def writerows(self, rows):
            raise AssertionError("csv.writer used for a plain batch")

    out = io.StringIO(newline="")
    exporter._write_rows(out, NoWriter(), [("C-1", "P-X", ""), ("C-2", "", "12,5")], ";", 3)
    assert out.getvalue() == "C-1;P-X;\r\nC-2;;12,5\r\n"
