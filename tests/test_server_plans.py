"""On a team server, due, capacity and outcomes read their per-case facts from indexes
alone (migration 0005), as the speed target of SPEC §12 needs.

The statements are caught as the real commands send them (through psycopg, also those
the reports stream), then planned by the server with EXPLAIN and the same parameters, as
a consultant's login would have them planned. The database is a demo of 1,500 cases with
fresh statistics (VACUUM ANALYZE, as autovacuum leaves it): small, so PostgreSQL may
still read the small tables whole; the checks are about the per-case look-ups, which the
planner chooses the same way at 20,000 (EXPLAIN ANALYZE on the benchmark's data).
"""

import json

import psycopg
import pytest
from conftest import invoke, point_at

from ipsung.store.weeks import WEEK_INDEX

pytestmark = pytest.mark.postgres

YOUTH_DATE_INDEX = "ix_contacts_youth_participant_id_date"
RATINGS_INDEX = "ix_progress_ratings_participant_id_date_id"


@pytest.fixture
def server_demo(pg_server, pg_url, tmp_path, monkeypatch):
    point_at(monkeypatch, pg_url, tmp_path)
    made = invoke("demo", "--participants", "1500", "--seed", "7")
    assert made.exit_code == 0, made.output
    name = pg_url.split("@/")[1].split("?")[0]
    with psycopg.connect(pg_server.superuser_url(name), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    return pg_url


@pytest.fixture
def sent(monkeypatch):
    """Every SELECT the commands send through psycopg, with its parameters."""
    caught: list[tuple[str, object]] = []
    execute, stream = psycopg.Cursor.execute, psycopg.Cursor.stream

    def catch(query, params):
        if str(query).lstrip().upper().startswith("SELECT"):
            caught.append((str(query), params))

    def catching_execute(self, query, params=None, **kwargs):
        catch(query, params)
        return execute(self, query, params, **kwargs)

    def catching_stream(self, query, params=None, **kwargs):
        catch(query, params)
        return stream(self, query, params, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", catching_execute)
    monkeypatch.setattr(psycopg.Cursor, "stream", catching_stream)
    return caught


def scans(conn: psycopg.Connection, caught) -> list[tuple[str, str]]:
    """(scan, index or table) of every scan in the plans of the caught statements, the
    scan named as EXPLAIN's text says it ("Index Only Scan Backward")."""
    found = []

    def walk(node):
        if "Scan" in node["Node Type"]:
            backward = " Backward" if node.get("Scan Direction") == "Backward" else ""
            scanned = node.get("Index Name", node.get("Relation Name"))
            found.append((node["Node Type"] + backward, scanned))
        for child in node.get("Plans", ()):
            walk(child)

    conn.execute("SET jit = off")  # as in every ipsung transaction (store/server.py)
    for query, params in caught:
        (plan,) = conn.execute("EXPLAIN (FORMAT JSON) " + query, params).fetchone()
        walk((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"])
    return found


WANTED = {
    "due": [
        ("Index Only Scan Backward", YOUTH_DATE_INDEX),  # the last: one look-up
        ("Index Only Scan", YOUTH_DATE_INDEX),  # a contact since a placement started
    ],
    "capacity": [("Index Only Scan Backward", YOUTH_DATE_INDEX)],
    "outcomes": [
        ("Index Only Scan", WEEK_INDEX),
        ("Index Only Scan", RATINGS_INDEX),
        ("Index Only Scan Backward", RATINGS_INDEX),
    ],
}


@pytest.mark.parametrize("command", list(WANTED))
def test_reports_read_per_case_facts_from_the_index_alone(server_demo, sent, command):
    r = invoke(command)
    assert r.exit_code == 0, r.output
    with psycopg.connect(server_demo) as conn:  # the consultant's login
        planned = scans(conn, sent)
    assert planned, "no statement was caught"
    assert [scan for scan in WANTED[command] if scan not in planned] == [], planned


@pytest.mark.parametrize("command", list(WANTED))
def test_the_check_can_fail(pg_server, server_demo, sent, command):
    """With the indexes of 0005 dropped (in a transaction that is rolled back) the same
    statements are planned without those scans."""
    r = invoke(command)
    assert r.exit_code == 0, r.output
    name = server_demo.split("@/")[1].split("?")[0]
    with psycopg.connect(pg_server.superuser_url(name)) as conn:
        for index in (WEEK_INDEX, YOUTH_DATE_INDEX, RATINGS_INDEX):
            conn.execute(f"DROP INDEX {index}")
        planned = scans(conn, sent)
        conn.rollback()
    assert [scan for scan in WANTED[command] if scan in planned] == [], planned
