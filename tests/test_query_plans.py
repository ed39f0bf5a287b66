"""Every query of capacity, due, show and outcomes is served by an index (SQLite).

The statements are caught as the real commands send them, then asked for their plan with
EXPLAIN QUERY PLAN and the same parameters. No ANALYZE is ever run, so SQLite plans a
small demo database exactly as it plans a national one: what holds here holds at scale.
"""

import json
import sqlite3

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from ipsung.store.weeks import WEEK_INDEX

# The tables that grow with the work done: never read whole where an index serves.
GROWING = ("contacts", "progress_ratings", "placements", "aftercare_periods", "audit_log")
# Outcomes needs every placement its cohort started (about one per case) and every
# aftercare period (about one in five cases), so it reads those two tables whole: at 20,000
# cases a scan of the aftercare periods takes 4 ms, a look-up per case 10 ms. Everything
# else it asks per case through an index.
OUTCOMES_READS = ["SCAN placements", "SCAN aftercare_periods"]


@pytest.fixture
def demo(run):
    r = run("demo", "--participants", "300", "--seed", "7")
    assert r.exit_code == 0, r.output
    return run


@pytest.fixture
def statements():
    caught: list[tuple[str, tuple]] = []

    def catch(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            caught.append((statement, tuple(parameters or ())))

    event.listen(Engine, "before_cursor_execute", catch)
    yield caught
    event.remove(Engine, "before_cursor_execute", catch)


def plans(db_path, caught) -> list[tuple[str, list[str]]]:
    conn = sqlite3.connect(db_path)
    try:
        return [
            (sql, [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)])
            for sql, params in caught
        ]
    finally:
        conn.close()


def full_scans(planned) -> list[tuple[str, str]]:
    """(step, statement) for every step that reads a growing table from end to end."""
    return [
        (step, sql)
        for sql, steps in planned
        for step in steps
        if any(step.startswith((f"SCAN {t}", f"SCAN {t} ")) for t in GROWING)
        and "USING" not in step  # SCAN ... USING COVERING INDEX reads an index, in order
    ]


@pytest.mark.parametrize(
    "command, allowed",
    [
        (["capacity"], []),
        (["capacity", "--on", "2026-06-01"], []),
        (["due"], []),
        (["due", "--consultant", "__first__"], []),
        (["show", "__case__"], []),
        (["outcomes"], OUTCOMES_READS),
        (["outcomes", "--by", "consultant", "--quarterly"], OUTCOMES_READS),
        (
            ["outcomes", "--from", "2025-01-01", "--to", "2025-12-31", "--by", "referred-by"],
            OUTCOMES_READS,
        ),
    ],
)
def test_no_full_scan_of_a_growing_table(demo, db_path, statements, command, allowed):
    cases = demo("list", "--json")  # active cases
    first_case = json.loads(cases.stdout)[0]
    args = [
        {"__first__": first_case["consultant"], "__case__": str(first_case["id"])}.get(a, a)
        for a in command
    ]
    statements.clear()
    r = demo(*args)
    assert r.exit_code == 0, r.output
    planned = plans(db_path, statements)
    assert planned, "no statement was caught"
    assert [(step, sql) for step, sql in full_scans(planned) if step not in allowed] == []


def test_outcomes_reads_contact_weeks_from_their_index(demo, db_path, statements):
    """The weekly contact rate's subquery must spell the week as the index does (weeks.py
    and migration 0003); if the two drift apart, SQLite silently computes every week."""
    statements.clear()
    assert demo("outcomes").exit_code == 0
    steps = [step for _sql, planned in plans(db_path, statements) for step in planned]
    assert any(WEEK_INDEX in step and "<expr>" in step for step in steps), steps


def test_a_full_scan_is_caught(db_path, demo):
    """The check above can fail: a query that reads every contact is reported."""
    planned = plans(db_path, [("SELECT count(*) FROM contacts WHERE minutes > ?", (5,))])
    assert full_scans(planned) != []


def test_demo_leaves_every_index_as_the_migrations_made_it(demo, db_path, tmp_path, run):
    """The demo builds the case tables' indexes after their rows (demo.py); afterwards the
    indexes must be exactly those of a database the migrations made."""

    def indexes(path) -> set[tuple[str, str]]:
        conn = sqlite3.connect(path)
        try:
            return set(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'"))
        finally:
            conn.close()

    empty = tmp_path / "empty.db"
    assert run("--db", str(empty), "consultant", "add", "Mette Holm").exit_code == 0
    assert indexes(db_path) == indexes(empty)
    assert any(name == WEEK_INDEX for name, _sql in indexes(db_path))
