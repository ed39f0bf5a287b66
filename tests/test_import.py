"""Import (SPEC §10a) through the real CLI on real SQLite files.

`ipsung import TABLE FILE [--dry-run] [--add-consultants]` reads the columns
`export --identified` writes, in either dialect, checks every row with the rules of
intake and daily work, and stores all rows or none; every bad row is reported on stderr
by line number and column, exit 2, and no CPR number is ever repeated there.
"""

import csv
import io
import re
from pathlib import Path

import pytest
from conftest import ELIGIBLE, as_json, row_counts

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "import-sample.csv"
CPR_IN_DB = "140310-4123"  # the case typed in at intake (case 1)
CPR_A = "010510-4111"  # 1 May 2010
CPR_B = "120609-4321"  # 12 June 2009
CPR_LIKE = re.compile(r"\d{6}-?\d{4}")
CPR_PARTS = [c.split("-")[i] for c in (CPR_IN_DB, CPR_A, CPR_B) for i in (0, 1)]

HEADER = [
    "case",
    "name",
    "cpr",
    "birth_date",
    "referral_date",
    "referred_by",
    "consultant",
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
    "override",
]


def good_rows() -> list[dict[str, str]]:
    """Three valid cases: two with Mette Holm, one waitlisted (lines 2, 3, 4)."""
    base = dict.fromkeys(HEADER, "")
    return [
        {
            **base,
            "case": "K-10",
            "name": "Anna Andersen",
            "cpr": CPR_A,
            "birth_date": "2010-05-01",
            "referral_date": "2026-10-01",
            "referred_by": "school",
            "consultant": "Mette Holm",
            "goal": "Blive frisør i Ærøskøbing",
            "pathway": "job-placement",
            "under_assessment": "false",
            "mistrivsel": "absence,anxiety",
            "substance": "A",
            "motivated": "true",
            "normal_cognition": "true",
        },
        {
            **base,
            "case": "K-11",
            "name": "Bo Bertelsen",
            "cpr": CPR_B,
            "referral_date": "2026-10-05",
            "referred_by": "psychiatry",
            "consultant": "Mette Holm",
            "pathway": "education",
            "diagnoses": "F90.0,F84",
            "under_assessment": "false",
            "substance": "B",
            "motivated": "true",
            "normal_cognition": "true",
        },
        {
            **base,
            "case": "K-12",
            "name": "Clara Christensen",
            "birth_date": "2011-02-03",
            "referral_date": "2026-10-10",
            "referred_by": "youth-guide",
            "under_assessment": "true",
            "substance": "A",
            "motivated": "true",
            "normal_cognition": "true",
        },
    ]


def to_danish(value: str) -> str:
    """2026-10-01 -> 01-10-2026; anything else as it is."""
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value)
    return f"{m[3]}-{m[2]}-{m[1]}" if m else value


def write_csv(
    path: Path,
    rows: list[dict[str, str]],
    header: list[str] | None = None,
    dialect: str = "csv",
) -> Path:
    header = header or list(rows[0])
    buffer = io.StringIO()
    if dialect == "csv":
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row.get(h, "") for h in header)
        path.write_text(buffer.getvalue(), encoding="utf-8")
    else:  # excel-dk: semicolon, BOM, CRLF, dd-mm-yyyy, decimal comma
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(
                to_danish(row.get(h, "")).replace(".", ",")
                if h == "hours"
                else to_danish(row.get(h, ""))
                for h in header
            )
        path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    return path


def reported(stderr: str, line: int, columns: str | set[str]) -> bool:
    """Some line of stderr names this line number and one of these columns."""
    columns = {columns} if isinstance(columns, str) else columns
    for c in columns:
        name = rf"(?<![\w-]){re.escape(c)}(?![\w-])"
        # The column is named in the message's place, not somewhere in its reason:
        # between "line N" and the colon that starts the reason (either order).
        place = rf"\bline {line}\b[^:\n]*{name}|{name}[^:\n]*\bline {line}\b"
        if re.search(place, stderr):
            return True
    return False


def assert_no_cpr(stderr: str) -> None:
    assert not CPR_LIKE.search(stderr), stderr
    for part in CPR_PARTS:
        assert part not in stderr, part


@pytest.fixture
def caseload(team):
    """Mette Holm (max 17), Jonas Berg (max 2) and case 1 with a CPR number, with Mette."""
    result = team(
        "intake",
        "--name",
        "Dorte Dam",
        "--cpr",
        CPR_IN_DB,
        "--referral-date",
        "02-11-2026",
        "--consultant",
        "Mette Holm",
        *ELIGIBLE,
    )
    assert result.exit_code == 0, result.stderr
    return team


# --- the sample file and --dry-run -------------------------------------------------------------


def test_sample_file_imports_five_participants(team):
    before = row_counts(team)
    result = team("import", "participants", str(SAMPLE))
    assert result.exit_code == 0, result.stderr
    people = as_json(team("list", "--status", "all", "--json"))
    assert len(people) == 5
    assert {p["name"] for p in people} == {
        "Sofie Eksempel",
        "Emil Eksempel",
        "Ida Eksempel",
        "Noah Eksempel",
        "Freja Eksempel",
    }
    assert row_counts(team)["participants"] == before["participants"] + 5
    by_name = {p["name"]: p for p in people}
    assert by_name["Ida Eksempel"]["status"] == "waitlisted"  # no consultant
    assert by_name["Noah Eksempel"]["status"] == "closed"
    assert by_name["Emil Eksempel"]["track"] == "ips"  # has a diagnosis
    assert by_name["Sofie Eksempel"]["track"] == "ips-like"
    assert by_name["Sofie Eksempel"]["enrolled_on"] == "2026-09-02"  # on the referral date
    # Freja (substance D) is in on the override reason the file gives.
    freja = as_json(team("show", str(by_name["Freja Eksempel"]["id"]), "--json"))
    assert freja["screening"]["eligible"] is False
    assert freja["screening"]["override_reason"]


def test_dry_run_checks_and_stores_nothing(team, tmp_path):
    before = row_counts(team)
    result = team("import", "participants", str(SAMPLE), "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "5" in result.stdout
    assert row_counts(team) == before
    assert as_json(team("list", "--status", "all", "--json")) == []

    # A consultant the file names is not added by a dry run either.
    other = tmp_path / "other.csv"
    other.write_text(
        SAMPLE.read_text(encoding="utf-8").replace("Mette Holm", "Karen Blixen"), encoding="utf-8"
    )
    result = team("import", "participants", str(other), "--dry-run", "--add-consultants")
    assert result.exit_code == 0, result.stderr
    assert row_counts(team) == before
    names = [c["name"] for c in as_json(team("consultant", "list", "--json"))]
    assert "Karen Blixen" not in names


@pytest.mark.no_db
def test_dry_run_without_a_database_creates_none(run, db_path):
    result = run("import", "participants", str(SAMPLE), "--dry-run", "--add-consultants")
    assert result.exit_code == 0, result.stderr
    assert not db_path.exists()
    assert not db_path.parent.exists()
    assert list(db_path.parent.parent.glob("data*")) == []


@pytest.mark.no_db
def test_dry_run_reports_problems_with_exit_2(run, tmp_path, db_path):
    text = SAMPLE.read_text(encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(text.replace("30-11-2008", "31-02-2008"), encoding="utf-8")
    assert bad.read_text(encoding="utf-8") != text
    result = run("import", "participants", str(bad), "--dry-run", "--add-consultants")
    assert result.exit_code == 2
    assert reported(result.stderr, 5, "birth_date"), result.stderr
    assert not db_path.exists()


# --- a whole caseload moves: export all --identified, import all --------------------------------


@pytest.mark.parametrize("dialect", ["csv", "excel-dk"])
def test_round_trip_through_an_identified_export(run, tmp_path, dialect):
    assert run("demo", "--participants", "40", "--seed", "2").exit_code == 0
    # One case typed in by hand: a CPR number and a screening override.
    result = run(
        "intake",
        "--name",
        "Søren Ærbø",
        "--cpr",
        CPR_IN_DB,
        "--referral-date",
        "02-11-2026",
        "--referred-by",
        "school",
        "--mistrivsel",
        "absence",
        "--substance",
        "D",
        "--motivated",
        "--normal-cognition",
        "--override",
        "Misbrug faldet ifølge behandler",
        "--goal",
        "Tømrer på værftet",
    )
    assert result.exit_code == 0, result.stderr

    folder = tmp_path / f"export-{dialect}"
    result = run("export", "all", "--identified", "--dialect", dialect, "--out", str(folder))
    assert result.exit_code == 0, result.stderr

    new = ["--db", str(tmp_path / "new" / "ipsung.db")]
    (tmp_path / "new").mkdir()
    result = run(*new, "import", "all", str(folder), "--add-consultants")
    assert result.exit_code == 0, result.stderr

    for command in (
        ["outcomes", "--json"],
        ["capacity", "--json"],
        ["list", "--status", "all", "--json"],
    ):
        assert as_json(run(*new, *command)) == as_json(run(*command)), command
    old_rows, new_rows = row_counts(run), row_counts(run, *new)
    for table in (
        "participants",
        "contacts",
        "placements",
        "progress_ratings",
        "aftercare_periods",
        "period_reviews",
        "consultants",
    ):
        assert new_rows[table] == old_rows[table], table

    case = as_json(run("list", "--status", "all", "--json"))[-1]["id"]
    moved = as_json(run(*new, "show", str(case), "--json"))
    assert moved["name"] == "Søren Ærbø"
    assert moved["cpr"] == as_json(run("show", str(case), "--json"))["cpr"]
    assert moved["goal"] == "Tømrer på værftet"
    assert moved["screening"]["override_reason"] == "Misbrug faldet ifølge behandler"


# --- a malformed file stores nothing and says where -----------------------------------------------

# name -> (changes per line, the line and columns to report, extra options)
PROBLEMS = {
    "impossible birth date": ({3: {"cpr": "", "birth_date": "31-02-2010"}}, 3, {"birth_date"}),
    "referral date in the future": ({3: {"referral_date": "2026-12-01"}}, 3, {"referral_date"}),
    "enrolment in the future": ({2: {"enrolled_on": "2026-11-24"}}, 2, {"enrolled_on"}),
    "CPR twice in the file": ({3: {"cpr": CPR_A}}, 3, {"cpr"}),
    "CPR already in the database": ({3: {"cpr": CPR_IN_DB}}, 3, {"cpr"}),
    "CPR not a real date": ({3: {"cpr": "320609-4321"}}, 3, {"cpr"}),
    "ineligible without override": ({3: {"substance": "D"}}, 3, {"override", "substance"}),
    "too old without override": (
        {4: {"birth_date": "2008-01-02"}},
        4,
        {"override", "birth_date"},
    ),
    "unknown referral source": ({3: {"referred_by": "the-moon"}}, 3, {"referred_by"}),
    "unknown consultant": ({2: {"consultant": "Karen Blixen"}}, 2, {"consultant"}),
    "consultant over max": (
        {
            2: {"consultant": "Jonas Berg"},
            3: {"consultant": "Jonas Berg"},
            4: {"consultant": "Jonas Berg"},
        },
        4,
        {"consultant"},
    ),
    "case key taken in the database": ({3: {"case": "K-1"}}, 3, {"case"}),
    "case key twice in the file": ({3: {"case": "K-10"}}, 3, {"case"}),
    "closed before enrolment": (
        {3: {"enrolled_on": "2026-10-05", "closed_on": "2026-10-01", "close_reason": "moved"}},
        3,
        {"closed_on"},
    ),
    "bad boolean": ({3: {"motivated": "maybe"}}, 3, {"motivated"}),
    "bad boolean in an optional column": (
        {4: {"under_assessment": "perhaps"}},
        4,
        {"under_assessment"},
    ),
    "unknown substance level": ({2: {"substance": "Q"}}, 2, {"substance"}),
    "not an F diagnosis": ({3: {"diagnoses": "J45"}}, 3, {"diagnoses"}),
    "missing name": ({3: {"name": ""}}, 3, {"name"}),
}


@pytest.mark.parametrize("problem", list(PROBLEMS))
def test_a_bad_row_is_reported_and_nothing_is_stored(caseload, tmp_path, problem):
    changes, line, columns = PROBLEMS[problem]
    rows = good_rows()
    for at, change in changes.items():
        rows[at - 2].update(change)
    path = write_csv(tmp_path / "people.csv", rows, HEADER)
    before = row_counts(caseload)

    result = caseload("import", "participants", str(path))
    assert result.exit_code == 2, result.stdout + result.stderr
    assert reported(result.stderr, line, columns), result.stderr
    assert "Traceback" not in result.stderr
    assert_no_cpr(result.stderr)
    assert row_counts(caseload) == before
    assert len(as_json(caseload("list", "--status", "all", "--json"))) == 1


def test_the_good_rows_alone_import(caseload, tmp_path):
    """The rows the problems above are made from are good: each refusal is the problem's."""
    path = write_csv(tmp_path / "people.csv", good_rows(), HEADER)
    result = caseload("import", "participants", str(path))
    assert result.exit_code == 0, result.stderr
    people = {p["id"]: p for p in as_json(caseload("list", "--status", "all", "--json"))}
    assert set(people) == {1, 10, 11, 12}, "cases keep the keys the file gives them"
    assert people[10]["status"] == "active" and people[12]["status"] == "waitlisted"
    assert people[11]["track"] == "ips"
    assert as_json(caseload("show", "11", "--json"))["cpr"] == "120609-XXXX"


def test_an_ineligible_row_with_an_override_reason_is_accepted(caseload, tmp_path):
    rows = good_rows()
    rows[1].update(substance="D", override="Misbrug faldet til let ifølge behandler")
    path = write_csv(tmp_path / "people.csv", rows, HEADER)
    result = caseload("import", "participants", str(path))
    assert result.exit_code == 0, result.stderr
    case = as_json(caseload("show", "11", "--json"))
    assert case["screening"]["eligible"] is False
    assert case["screening"]["override_reason"] == "Misbrug faldet til let ifølge behandler"
    assert case["status"] == "active"


def test_an_unknown_consultant_is_added_with_add_consultants(caseload, tmp_path):
    rows = good_rows()
    rows[0]["consultant"] = "Karen Blixen"
    path = write_csv(tmp_path / "people.csv", rows, HEADER)
    assert caseload("import", "participants", str(path)).exit_code == 2
    result = caseload("import", "participants", str(path), "--add-consultants")
    assert result.exit_code == 0, result.stderr
    names = {c["name"] for c in as_json(caseload("consultant", "list", "--json"))}
    assert "Karen Blixen" in names


@pytest.mark.parametrize(
    "header, columns",
    [
        ([*HEADER, "favourite_colour"], {"favourite_colour"}),
        ([h for h in HEADER if h != "substance"], {"substance"}),
        ([h for h in HEADER if h != "referral_date"], {"referral_date"}),
    ],
    ids=["unknown column", "missing substance", "missing referral_date"],
)
def test_wrong_columns_are_reported_on_line_1(caseload, tmp_path, header, columns):
    rows = [{**r, "favourite_colour": "blå"} for r in good_rows()]
    path = write_csv(tmp_path / "people.csv", rows, header)
    before = row_counts(caseload)
    result = caseload("import", "participants", str(path))
    assert result.exit_code == 2
    assert reported(result.stderr, 1, columns), result.stderr
    assert_no_cpr(result.stderr)
    assert row_counts(caseload) == before


def test_every_bad_row_is_reported_at_once(caseload, tmp_path):
    rows = good_rows() + [dict(r) for r in good_rows()]
    for i, row in enumerate(rows[3:]):
        row["case"] = f"K-{20 + i}"
        row["cpr"] = ""
        row["birth_date"] = row["birth_date"] or "2009-06-12"
        row["name"] += " II"
    rows[0]["birth_date"] = "31-02-2010"  # line 2 (and CPR_A no longer agrees: still line 2)
    rows[0]["cpr"] = ""
    rows[1]["referred_by"] = "the-moon"  # line 3
    rows[2]["motivated"] = "maybe"  # line 4
    rows[3]["referral_date"] = "2027-01-01"  # line 5
    # line 6 is good
    rows[5]["cpr"] = CPR_IN_DB  # line 7
    rows[5]["birth_date"] = ""
    path = write_csv(tmp_path / "people.csv", rows, HEADER)
    before = row_counts(caseload)

    result = caseload("import", "participants", str(path))
    assert result.exit_code == 2
    expected = {
        2: "birth_date",
        3: "referred_by",
        4: "motivated",
        5: "referral_date",
        7: "cpr",
    }
    for line, column in expected.items():
        assert reported(result.stderr, line, column), (line, column, result.stderr)
    assert not re.search(r"\bline 6\b", result.stderr), "line 6 is good"
    assert_no_cpr(result.stderr)
    assert row_counts(caseload) == before


def test_a_consultant_already_near_max_counts_the_open_cases_in_the_database(caseload, tmp_path):
    # Jonas Berg (max 2) takes one case at intake; the file gives him two more.
    result = caseload(
        "intake",
        "--name",
        "Eva Eriksen",
        "--birth-date",
        "01-01-2010",
        "--referral-date",
        "02-11-2026",
        "--consultant",
        "Jonas Berg",
        *ELIGIBLE,
    )
    assert result.exit_code == 0, result.stderr
    rows = good_rows()
    rows[0]["consultant"] = rows[1]["consultant"] = "Jonas Berg"
    path = write_csv(tmp_path / "people.csv", rows, HEADER)
    before = row_counts(caseload)
    result = caseload("import", "participants", str(path))
    assert result.exit_code == 2
    assert reported(result.stderr, 3, "consultant"), result.stderr
    assert not reported(result.stderr, 2, "consultant"), "the second case still fits"
    assert row_counts(caseload) == before


# --- contacts, placements, progress ----------------------------------------------------------------


def test_contacts_placements_and_ratings_for_a_known_case_import(caseload, tmp_path):
    contacts = write_csv(
        tmp_path / "contacts.csv",
        [
            {
                "case": "K-1",
                "date": "2026-11-10",
                "kind": "youth",
                "channel": "phone",
                "minutes": "30",
                "employer": "",
            },
            {"case": "", "date": "2026-11-11", "kind": "employer", "employer": "Bageriet"},
        ],
    )
    placements = write_csv(
        tmp_path / "placements.csv",
        [{"case": "K-1", "kind": "education", "start": "2026-11-16", "hours": "12.5"}],
    )
    progress = write_csv(
        tmp_path / "progress.csv",
        [{"case": "K-1", "date": "2026-11-12", "outlook": "2", "insight": "3", "skills": "4"}],
    )
    before = row_counts(caseload)
    for table, path in (("contacts", contacts), ("placements", placements), ("progress", progress)):
        result = caseload("import", table, str(path))
        assert result.exit_code == 0, (table, result.stderr)
    after = row_counts(caseload)
    assert after["contacts"] == before["contacts"] + 2
    assert after["placements"] == before["placements"] + 1
    assert after["progress_ratings"] == before["progress_ratings"] + 1
    case = as_json(caseload("show", "1", "--json"))
    assert case["placements"][0]["hours"] == 12.5
    assert case["progress"][0]["outlook"] == 2


@pytest.mark.parametrize(
    "table, rows, line, columns",
    [
        ("contacts", [{"case": "K-99", "date": "2026-11-10", "kind": "youth"}], 2, {"case"}),
        ("placements", [{"case": "K-99", "kind": "education", "start": "2026-11-10"}], 2, {"case"}),
        (
            "progress",
            [{"case": "K-99", "date": "2026-11-10", "outlook": "3", "insight": "3", "skills": "3"}],
            2,
            {"case"},
        ),
        (
            "placements",
            [
                {"case": "K-1", "kind": "education", "start": "2026-11-10"},
                {"case": "K-1", "kind": "ordinary-job", "start": "2026-10-01"},
            ],
            3,
            {"start"},
        ),
        (
            "progress",
            [
                {
                    "case": "K-1",
                    "date": "2026-11-10",
                    "outlook": "3",
                    "insight": "3",
                    "skills": "3",
                },
                {
                    "case": "K-1",
                    "date": "2026-11-12",
                    "outlook": "6",
                    "insight": "3",
                    "skills": "3",
                },
            ],
            3,
            {"outlook"},
        ),
        (
            "contacts",
            [
                {"case": "K-1", "date": "2026-11-10", "kind": "youth"},
                {"case": "K-1", "date": "2026-11-30", "kind": "youth"},
            ],
            3,
            {"date"},
        ),
    ],
    ids=[
        "contact of an unknown case",
        "placement of an unknown case",
        "rating of an unknown case",
        "placement before enrolment",
        "rating of 6",
        "contact in the future",
    ],
)
def test_bad_rows_of_the_other_tables_store_nothing(caseload, tmp_path, table, rows, line, columns):
    header = sorted({k for r in rows for k in r}, key=lambda k: (k != "case", k))
    path = write_csv(tmp_path / f"{table}.csv", rows, header)
    before = row_counts(caseload)
    result = caseload("import", table, str(path))
    assert result.exit_code == 2, result.stdout + result.stderr
    assert reported(result.stderr, line, columns), result.stderr
    assert "Traceback" not in result.stderr
    assert row_counts(caseload) == before


@pytest.mark.parametrize(
    "table, row, column",
    [
        ("placements", {"kind": "education", "start": "2026-11-10"}, "start"),
        ("aftercare", {"start": "2026-11-10"}, "start"),
        ("reviews", {"date": "2026-11-10", "period": "1"}, "date"),
    ],
)
def test_placements_aftercare_and_reviews_need_an_enrolled_case(
    caseload, tmp_path, table, row, column
):
    """Of a case on the waitlist (never enrolled) the row is refused on its case; of an
    enrolled case, dated before the enrolment (2 November), on its date."""
    for name in ("Bo Berg", "Ib Berg", "Vera Vent"):  # Jonas Berg has 2 places
        intake = ["intake", "--name", name, "--birth-date", "01-05-2010"]
        result = caseload(
            *intake,
            "--referral-date",
            "02-11-2026",
            "--consultant",
            "Jonas Berg",
            "--waitlist",
            *ELIGIBLE,
        )
        assert result.exit_code == 0, result.stderr
    waiting = as_json(caseload("show", "Vera Vent", "--json"))
    assert waiting["status"] == "waitlisted", waiting["status"]
    path = write_csv(
        tmp_path / f"{table}.csv",
        [{"case": f"K-{waiting['id']}", **row}, {"case": "K-1", **row, column: "2026-10-01"}],
    )
    before = row_counts(caseload)
    result = caseload("import", table, str(path))
    assert result.exit_code == 2, result.stdout + result.stderr
    assert reported(result.stderr, 2, "case") and "not enrolled" in result.stderr, result.stderr
    assert reported(result.stderr, 3, column), result.stderr
    assert row_counts(caseload) == before


def test_import_all_stores_nothing_when_a_later_file_is_bad(caseload, tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    write_csv(folder / "participants.csv", good_rows(), HEADER)
    write_csv(
        folder / "placements.csv",
        [{"case": "K-10", "kind": "education", "start": "2026-09-01"}],  # before enrolment
    )
    before = row_counts(caseload)
    result = caseload("import", "all", str(folder))
    assert result.exit_code == 2
    assert reported(result.stderr, 2, "start"), result.stderr
    assert row_counts(caseload) == before


# --- both dialects ------------------------------------------------------------------------------


def test_semicolon_bom_danish_dates_import_the_same_as_comma_iso(run, tmp_path):
    people = good_rows()
    people[0].update(enrolled_on="2026-10-02", closed_on="2026-11-20", close_reason="moved")
    placements = [
        {
            "case": "K-11",
            "kind": "education",
            "start": "2026-10-20",
            "end": "2026-11-18",
            "hours": "12.5",
        }
    ]
    results = {}
    for dialect in ("csv", "excel-dk"):
        folder = tmp_path / dialect
        folder.mkdir()
        people_file = write_csv(folder / "participants.csv", people, HEADER, dialect)
        placements_file = write_csv(folder / "placements.csv", placements, None, dialect)
        if dialect == "excel-dk":
            raw = people_file.read_bytes()
            assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw and b";" in raw
            assert b"01-10-2026" in raw and b"2026-10-01" not in raw
            assert b"12,5" in placements_file.read_bytes()
        db = ["--db", str(tmp_path / f"{dialect}.db")]
        result = run(*db, "import", "participants", str(people_file), "--add-consultants")
        assert result.exit_code == 0, (dialect, result.stderr)
        result = run(*db, "import", "placements", str(placements_file))
        assert result.exit_code == 0, (dialect, result.stderr)
        listed = as_json(run(*db, "list", "--status", "all", "--json"))
        shown = [as_json(run(*db, "show", str(p["id"]), "--json")) for p in listed]
        results[dialect] = (listed, shown)

    assert results["csv"] == results["excel-dk"]
    listed, shown = results["csv"]
    assert len(listed) == 3
    anna = next(s for s in shown if s["name"] == "Anna Andersen")
    assert anna["birth_date"] == "2010-05-01"  # read day first, not as 5 January
    assert anna["closed_on"] == "2026-11-20"
    assert anna["goal"] == "Blive frisør i Ærøskøbing"  # æøå intact
    bo = next(s for s in shown if s["name"] == "Bo Bertelsen")
    assert bo["placements"][0]["hours"] == 12.5
    assert bo["birth_date"] == "2009-06-12"  # from the CPR number


def test_the_sample_file_in_the_other_dialect_imports_the_same(run, tmp_path):
    text = SAMPLE.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    iso = [
        [re.sub(r"^(\d{2})-(\d{2})-(\d{4})$", r"\3-\2-\1", cell) for cell in row] for row in rows
    ]
    comma_iso = tmp_path / "iso.csv"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(iso)
    comma_iso.write_text(buffer.getvalue(), encoding="utf-8")
    semicolon = tmp_path / "dk.csv"
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    semicolon.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))

    listed = {}
    for name, path in (("iso", comma_iso), ("dk", semicolon)):
        db = ["--db", str(tmp_path / f"{name}.db")]
        result = run(*db, "import", "participants", str(path), "--add-consultants")
        assert result.exit_code == 0, (name, result.stderr)
        listed[name] = as_json(run(*db, "list", "--status", "all", "--json"))
    assert listed["iso"] == listed["dk"]
    assert len(listed["iso"]) == 5


def test_a_row_with_more_cells_than_columns_is_reported(caseload, tmp_path):
    """A stray cell beyond the header is reported by line, not silently dropped."""
    path = tmp_path / "wide.csv"
    rows = good_rows()[:1]
    write_csv(path, rows)
    with path.open("a", encoding="utf-8") as f:
        f.write(",".join(rows[0].values()) + ",stray\n")
    before = row_counts(caseload)
    r = caseload("import", "participants", str(path))
    assert r.exit_code == 2, r.stdout + r.stderr
    assert "line 3" in r.stderr and "more cells than the header" in r.stderr
    assert row_counts(caseload) == before


def test_a_cpr_in_a_date_column_is_not_echoed(caseload, tmp_path):
    """A CPR number typed into the birth_date column is refused without repeating it."""
    rows = good_rows()[:1]
    rows[0]["birth_date"] = "1403104123"
    path = write_csv(tmp_path / "cpr-in-date.csv", rows)
    r = caseload("import", "participants", str(path))
    assert r.exit_code == 2, r.stdout + r.stderr
    assert reported(r.stderr, 2, "birth_date")
    assert "1403104123" not in r.stderr
    assert_no_cpr(r.stderr)
