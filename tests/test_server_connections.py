"""Connections to a team database (SPEC §12, issue 17): the settings ipsung adds to every
connection, a server that takes the connection and never answers, the write lock's wait
and who holds it, the password never shown, and the pseudonym key of each server.
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import (
    PG_PASSWORD,
    PG_PASSWORD_ROLE,
    PG_ROLE,
    PG_TEAM,
    TODAY_ISO,
    intake_args,
    point_at,
)
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from ipsung import __version__
from ipsung.cli import app
from ipsung.store import db, server
from ipsung.store.location import Location

IPSUNG = Path(sys.executable).parent / "ipsung"
SECRET = "Hemmelig-Ko-31"


def cli(*args: str, env: dict | None = None):
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)


def ok(result):
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return result


def one_error_line(result, code: int) -> str:
    assert result.exit_code == code, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


def sql(url: str, statement: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(statement)
        return cursor.fetchall() if cursor.description else []


# --- the settings ipsung adds -------------------------------------------------------------------


@pytest.fixture
def no_libpq_env(monkeypatch):
    for name in ("PGSSLMODE", "PGCONNECT_TIMEOUT", "PGHOST", "PGPORT", "PGAPPNAME"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize(
    ("url", "sslmode"),
    [
        ("postgresql://mette@db.kommune.dk/ipsung", "require"),
        ("postgresql://mette@10.1.2.3:5433/ipsung", "require"),
        ("postgresql://mette@/ipsung?host=db.kommune.dk", "require"),
        ("postgresql://mette@db.kommune.dk/ipsung?sslmode=verify-full", None),  # the URL's
        ("postgresql://mette@localhost/ipsung", None),  # this machine: libpq's default
        ("postgresql://mette@127.0.0.1/ipsung", None),
        ("postgresql://mette@/ipsung?host=/run/postgresql", None),  # a Unix socket
        ("postgresql://mette@/ipsung", None),
    ],
)
def test_sslmode_is_required_across_the_network_unless_the_url_says(url, sslmode, no_libpq_env):
    settings = server.connection_settings(make_url(url))
    assert settings.get("sslmode") == sslmode
    assert settings["fallback_application_name"] == f"ipsung {__version__}"
    assert settings["connect_timeout"] == "10"
    assert settings["keepalives_idle"] == "10"


def test_libpq_environment_and_the_url_win_over_the_defaults(no_libpq_env):
    no_libpq_env.setenv("PGSSLMODE", "disable")
    no_libpq_env.setenv("PGCONNECT_TIMEOUT", "4")
    settings = server.connection_settings(make_url("postgresql://mette@db.kommune.dk/ipsung"))
    assert "sslmode" not in settings and "connect_timeout" not in settings
    explicit = make_url("postgresql://m@db/ipsung?connect_timeout=3&keepalives_idle=60")
    settings = server.connection_settings(explicit)
    assert "connect_timeout" not in settings and "keepalives_idle" not in settings
    no_libpq_env.delenv("PGSSLMODE")
    no_libpq_env.setenv("PGHOST", "db.kommune.dk")
    assert server.connection_settings(make_url("postgresql://m@/ipsung"))["sslmode"] == "require"


def test_the_application_name_shows_in_pg_stat_activity(pg_url, pg_server):
    """While a command holds its connection, the administrator sees `ipsung <version>`;
    while it writes, also since when it holds the write lock."""
    loc = db.resolve(pg_url)
    watch = pg_server.superuser_url("postgres")
    query = (
        "SELECT application_name FROM pg_stat_activity "
        f"WHERE usename = '{PG_ROLE}' AND application_name LIKE 'ipsung%'"
    )
    with db.reading(loc):
        assert sql(watch, query) == [(f"ipsung {__version__}",)]
    with db.session(loc, write=True):
        ((name,),) = sql(watch, query)
        assert name.startswith(f"ipsung {__version__}, writing since 20")
        assert name.endswith(" UTC")
    assert sql(watch, query) == []


# --- a server that never answers, or cannot be reached -----------------------------------------


@pytest.fixture
def silent_server():
    """A TCP port that accepts connections and never says a word."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1], accepted
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


def test_a_silent_server_is_one_line_quickly_with_its_own_timeout(
    silent_server, tmp_path, monkeypatch
):
    port, accepted = silent_server
    point_at(monkeypatch, str(tmp_path / "unused.db"), tmp_path)
    url = f"postgresql://mette:{SECRET}@127.0.0.1:{port}/ipsung?connect_timeout=2"
    started = time.monotonic()
    line = one_error_line(cli("--db", url, "list"), 2)
    assert time.monotonic() - started < 10
    assert accepted, "the connection was made and then never answered"
    assert "timeout" in line and SECRET not in line and ":***@127.0.0.1" in line


@pytest.mark.slow
def test_a_silent_server_is_one_line_within_30_seconds_by_default(silent_server, tmp_path):
    """The installed command, with ipsung's own default timeout, for a read and a write."""
    port, _accepted = silent_server
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IPSUNG_", "PG"))}
    env.update(
        IPSUNG_DB=f"postgresql://mette:{SECRET}@127.0.0.1:{port}/ipsung",
        IPSUNG_TODAY=TODAY_ISO,
        XDG_DATA_HOME=str(tmp_path),
    )
    for args in (["capacity"], intake_args()):
        started = time.monotonic()
        r = subprocess.run([str(IPSUNG), *args], env=env, capture_output=True, text=True)
        assert time.monotonic() - started < 30
        assert r.returncode == 2 and r.stdout == "", r.stderr
        assert r.stderr.count("\n") == 1 and r.stderr.startswith("Error: cannot connect")
        assert SECRET not in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["upgrade"],
        ["check", "--json"],
        ["server-setup", "--print"],
        ["export", "contacts"],
        ["log-contact", "1", "--kind", "youth"],
    ],
)
def test_no_password_in_any_error_of_an_unreachable_or_refusing_server(
    args, pg_server, tmp_path, monkeypatch
):
    """A wrong password and an unreachable host, for the commands this issue adds or
    changes: one line, exit 2 (or the SQL, for server-setup), never the password."""
    point_at(monkeypatch, str(tmp_path / "unused.db"), tmp_path)
    wrong = pg_server.url("postgres", PG_PASSWORD_ROLE, SECRET)
    nowhere = f"postgresql://alice:{SECRET}@127.0.0.1:1/ipsung?connect_timeout=2"
    for url in (wrong, nowhere):
        r = cli("--db", url, *args)
        assert SECRET not in r.output
        if args[0] == "server-setup":
            assert r.exit_code == 0  # it prints SQL and connects to nothing
            continue
        line = one_error_line(r, 2)
        assert line.startswith("Error: cannot connect to postgresql://alice:***@") or (
            "password authentication failed" in line
        )


# --- the write lock: a bounded wait, and who holds it ---------------------------------------------


def test_a_writer_gives_up_after_the_lock_timeout_and_says_who_holds_the_lock(
    pg_url, tmp_path, monkeypatch
):
    point_at(monkeypatch, pg_url, tmp_path)
    monkeypatch.setenv("IPSUNG_LOCK_TIMEOUT", "1.5")
    ok(cli("consultant", "add", "Mette Holm"))
    before = sql(pg_url, "SELECT count(*) FROM audit_log")
    with db.session(db.resolve(pg_url), write=True):  # another ipsung, in the middle of a write
        started = time.monotonic()
        line = one_error_line(cli(*intake_args()), 1)
        waited = time.monotonic() - started
        ok(cli("capacity"))  # a reader does not wait for writers
    assert 1.5 <= waited < 10
    assert f"held by {PG_ROLE} (ipsung {__version__}, writing since 20" in line
    assert "gave up after 1.5 s and stored nothing" in line and "IPSUNG_LOCK_TIMEOUT" in line
    assert sql(pg_url, "SELECT count(*) FROM audit_log") == before
    assert sql(pg_url, "SELECT count(*) FROM participants") == [(0,)]
    ok(cli(*intake_args()))  # the holder is gone: the next writer goes through


def test_the_lock_timeout_message_never_shows_a_password(pg_server, pg_url, tmp_path, monkeypatch):
    name = make_url(pg_url).database
    pg_server.admin(f"GRANT {PG_TEAM} TO {PG_PASSWORD_ROLE}")
    try:
        url = pg_server.url(name, PG_PASSWORD_ROLE, PG_PASSWORD)
        point_at(monkeypatch, url, tmp_path)
        monkeypatch.setenv("IPSUNG_LOCK_TIMEOUT", "1")
        with db.session(db.resolve(url), write=True):
            line = one_error_line(cli("consultant", "add", "Ida Lund"), 1)
        assert f"held by {PG_PASSWORD_ROLE}" in line and PG_PASSWORD not in line
    finally:
        pg_server.admin(f"REVOKE {PG_TEAM} FROM {PG_PASSWORD_ROLE}")


@pytest.mark.parametrize("value", ["0", "-3", "soon", "nan", "inf", "86401", "1e9"])
def test_a_lock_timeout_that_is_not_seconds_is_bad_input(value, pg_url, tmp_path, monkeypatch):
    point_at(monkeypatch, pg_url, tmp_path)
    monkeypatch.setenv("IPSUNG_LOCK_TIMEOUT", value)
    line = one_error_line(cli("consultant", "add", "Mette Holm"), 2)
    assert "IPSUNG_LOCK_TIMEOUT" in line
    monkeypatch.setenv("IPSUNG_LOCK_TIMEOUT", "2,5")  # a Danish decimal comma is fine
    ok(cli("consultant", "add", "Mette Holm"))
    assert sql(pg_url, "SELECT count(*) FROM consultants") == [(1,)]


def test_the_lock_timeout_leaves_a_file_alone(tmp_path, monkeypatch):
    """A file keeps SQLite's own wait; the setting is the team database's."""
    point_at(monkeypatch, str(tmp_path / "ipsung.db"), tmp_path)
    monkeypatch.setenv("IPSUNG_LOCK_TIMEOUT", "soon")
    ok(cli("consultant", "add", "Mette Holm"))


# --- the pseudonym key of each server -------------------------------------------------------------


def test_the_key_file_tells_servers_apart_that_differ_only_in_port(no_libpq_env):
    def key(url: str) -> str:
        return Location(None, "test", url).key_file.name

    assert key("postgresql://m@db.kommune.dk/ipsung") == "postgresql-db.kommune.dk-5432-ipsung.key"
    assert key("postgresql://m@db.kommune.dk:5432/ipsung") == key(
        "postgresql://m@db.kommune.dk/ipsung"
    )
    assert key("postgresql://m@db.kommune.dk:5433/ipsung") != key(
        "postgresql://m@db.kommune.dk/ipsung"
    )
    by_query = key("postgresql://m@/ipsung?host=db.kommune.dk&port=5433")
    assert by_query == key("postgresql://m@db.kommune.dk:5433/ipsung")
    assert key("postgresql://m@/ipsung?host=/run/pg&port=5433") != key(
        "postgresql://m@/ipsung?host=/run/pg&port=5434"
    )
    no_libpq_env.setenv("PGPORT", "5439")
    assert key("postgresql://m@db.kommune.dk/ipsung").endswith("-5439-ipsung.key")


def test_info_names_the_key_of_this_server(pg_url, tmp_path, monkeypatch):
    point_at(monkeypatch, pg_url, tmp_path)
    described = json.loads(ok(cli("info", "--json")).stdout)
    port = make_url(pg_url).query["port"]
    assert described["key_file"].endswith(f"-{port}-{make_url(pg_url).database}.key")


# --- a connection that breaks, a login without the team's rights ---------------------------------


def test_a_connection_broken_while_committing_says_the_change_may_or_may_not_be_stored(
    pg_server, pg_url
):
    """Whether the server committed is unknown when the connection breaks at COMMIT: the
    line says so, and where to look, instead of claiming that nothing was stored."""
    from sqlalchemy import text

    from ipsung.errors import IpsungError

    with pytest.raises(IpsungError, match="may or may not be stored") as refused:
        with db.session(db.resolve(pg_url), write=True) as s:
            pid = s.execute(text("SELECT pg_backend_pid()")).scalar()
            sql(pg_server.superuser_url("postgres"), f"SELECT pg_terminate_backend({pid})")
    assert "ipsung audit" in str(refused.value) and "\n" not in str(refused.value)


def test_a_login_outside_the_team_is_one_line(pg_server, pg_url, tmp_path, monkeypatch):
    """A login that is no member of the team role is told to ask for it, in one line, and
    so is one that may see the tables but not write them."""
    name = make_url(pg_url).database
    outsider = f"outsider_{name}"
    pg_server.admin(f"CREATE ROLE {outsider} LOGIN")
    try:
        point_at(monkeypatch, pg_server.url(name, outsider), tmp_path)
        for args in (["list"], ["consultant", "add", "Mette Holm"], ["capacity", "--json"]):
            line = one_error_line(cli(*args), 1)
            assert f"{outsider} may not use the tables" in line and "team role" in line
        pg_server.admin(f"GRANT USAGE ON SCHEMA public TO {outsider}", database=name)
        pg_server.admin(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {outsider}", database=name)
        ok(cli("capacity", "--json"))
        line = one_error_line(cli("consultant", "add", "Mette Holm"), 1)
        assert "permission denied for table consultants" in line and "team role" in line
        pg_server.admin(f"DROP OWNED BY {outsider}", database=name)
    finally:
        pg_server.admin(f"DROP ROLE {outsider}")


def test_a_write_takes_the_write_lock_once(pg_url, tmp_path, monkeypatch):
    """One advisory lock per write command, in its first statement; a reader takes none."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    point_at(monkeypatch, pg_url, tmp_path)
    event.listen(Engine, "before_cursor_execute", seen)
    try:
        ok(cli("consultant", "add", "Mette Holm"))
        wrote = list(statements)
        statements.clear()
        ok(cli("capacity", "--json"))
        read = list(statements)
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    locks = [s for s in wrote if "pg_advisory" in s]
    assert len(locks) == 1 and wrote[0] == locks[0]
    assert not [s for s in read if "pg_advisory" in s]


def test_streamed_rows_come_before_the_last_is_computed_and_errors_stay_sqlalchemys(pg_url):
    """db.rows on a server: the first chunks arrive before the server has reached a row that
    fails, and the failure is SQLAlchemy's own error, so that it is said in one line as any
    other (here: a value error is bad input)."""
    from sqlalchemy import literal_column, select, text

    from ipsung.errors import BadInput

    query = select(literal_column("1 / (n - 1500)")).select_from(
        text("generate_series(1, 3000) AS n")
    )
    seen = []
    with pytest.raises(BadInput, match="division by zero"):
        with db.reading(db.resolve(pg_url)) as conn:
            for (value,) in db.rows(conn, query):
                seen.append(value)
    assert len(seen) >= server.STREAM_CHUNK
