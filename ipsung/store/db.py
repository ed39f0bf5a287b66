"""Opening the database: the one module that does (SPEC §2, §10, §12).

A local SQLite file (the default; see location.py for where it lives), or a team
database on a PostgreSQL server (server.py). `session` gives one ORM transaction for the
commands that change cases, `reading` one read-only Core transaction for the reports.

SQLite: every connection runs with foreign keys on, a busy timeout, synchronous=FULL,
WAL and secure_delete; SQLAlchemy owns BEGIN, and write transactions begin IMMEDIATE so
that two processes queue for the write lock instead of failing half-way. A file is
upgraded in place on open (a copy taken first); a newer one is refused untouched.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Connection, Engine

from ipsung.errors import DatabaseRefused
from ipsung.i18n import _
from ipsung.store import schema, server
from ipsung.store.location import Location, default_path, resolve
from ipsung.store.peek import read_only
from ipsung.store.platform import make_owner_only, refuse_network_share
from ipsung.store.schema import HEAD_REVISION, refuse_newer

if TYPE_CHECKING:  # the ORM is slow to import; the reports read without it (see reading)
    from sqlalchemy.orm import Session

__all__ = [
    "Location",
    "default_path",
    "resolve",
    "session",
    "reading",
    "describe",
    "read_only",
    "upgrade",
]

BUSY_TIMEOUT_MS = 10_000


def _create_file(path: Path) -> None:
    """Create the folder (0700) and an empty file (0600): it will hold health data."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.parent.name == "ipsung":
        make_owner_only(path.parent, 0o700)  # our own folder; never one the user chose
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)


def _file_url(path: Path) -> URL:
    """The file as SQLAlchemy's URL: built, not written as text, so that a `?` or `#` in a
    folder name (or a Windows drive path) is not read as part of the URL."""
    return URL.create("sqlite", database=str(path))


def _engine(url: str | URL, write: bool) -> Engine:
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_conn.isolation_level = None
        for pragma in (
            "foreign_keys=ON",
            f"busy_timeout={BUSY_TIMEOUT_MS}",
            "journal_mode=WAL",
            "synchronous=FULL",
            "secure_delete=ON",
        ):
            dbapi_conn.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _file_revision(path: Path) -> str | None:
    """The file's Alembic revision, read without side effects (read-only, no WAL switch)."""
    conn = read_only(path)
    try:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        has_table = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
        ).fetchone()
        if not has_table:
            return None
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else None
    except sqlite3.DatabaseError:
        raise DatabaseRefused(
            _("{path} is not an ipsung database (not a readable SQLite file)").format(path=path)
        ) from None
    finally:
        conn.close()


BACKUP_STEP_PAGES = 1024  # 4 MiB a step when a backup shows its progress


def backup_copy(
    path: Path, destination: Path, progress: Callable[[int, int], None] | None = None
) -> None:
    """A consistent copy through SQLite's backup API, owner-only. `progress(done, total)`
    (pages), if given, is told after each step (a step of the copy; a write by another
    process in between makes SQLite start the copy again, so it stays consistent)."""
    fd = os.open(destination, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    os.close(fd)
    source = sqlite3.connect(path)
    target = sqlite3.connect(destination)
    try:
        if progress is None:
            source.backup(target)
        else:
            source.backup(
                target,
                pages=BACKUP_STEP_PAGES,
                progress=lambda _status, remaining, total: progress(total - remaining, total),
            )
    finally:
        target.close()
        source.close()
    make_owner_only(destination, 0o600)


def _ensure_schema(location: Location) -> None:
    path = location.path
    revision = _file_revision(path)
    if revision == HEAD_REVISION:
        return
    if revision is not None:
        refuse_newer(str(path), revision, _("file"))
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        backup_copy(path, path.with_name(f"{path.name}.before-upgrade-{revision}-{stamp}"))
    engine = _engine(_file_url(path), write=True)
    try:
        schema.upgrade(engine)
    finally:
        engine.dispose()


def _empty_engine() -> Engine:
    """An empty in-memory database with the current schema, for reads before the first write."""
    from ipsung.store.tables import metadata

    engine = _engine("sqlite://", write=False)
    metadata.create_all(engine)
    return engine


@contextmanager
def session(location: Location, *, write: bool) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back if it raises.

    A read of a database file that does not exist yet sees an empty caseload and creates
    nothing; the first write creates the file and its schema. A server database must have
    its schema already (`ipsung upgrade`, by its owner), and is refused otherwise.
    """
    from sqlalchemy.orm import Session

    with _opened(location, write) as bind, Session(bind, expire_on_commit=False) as s:
        s.begin()
        try:
            s.connection()  # BEGIN now: a writer holds the write lock before its first read
            yield s
            s.flush()  # what is left after this is the COMMIT itself
        except BaseException:
            s.rollback()
            raise
        _commit(location, s)


def _commit(location: Location, s: Session) -> None:
    if not location.is_server:
        s.commit()
        return
    from sqlalchemy import exc

    try:
        s.commit()
    except (exc.OperationalError, exc.InterfaceError) as error:
        raise server.commit_lost(location, error) from None


@contextmanager
def reading(location: Location) -> Iterator[Connection]:
    """One read-only transaction on a plain Core connection: what `session` gives, for
    the reports (due, capacity, outcomes) that query the tables and need no ORM."""
    with _opened(location, write=False) as bind:
        with _connection(bind) as conn, conn.begin():
            yield conn


@contextmanager
def _connection(bind: Engine | Connection) -> Iterator[Connection]:
    if isinstance(bind, Connection):
        yield bind
        return
    with bind.connect() as conn:
        yield conn


@contextmanager
def _opened(location: Location, write: bool) -> Iterator[Engine | Connection]:
    """What to run the command on, its schema current: a file's engine, or a connection to
    the server (made here, so that a server that cannot be reached is said in one line)."""
    if not location.is_server:
        engine = _open_file(location, write)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    engine = server.engine(location, write)
    try:
        with server.connected(location, engine) as conn:
            yield conn
    finally:
        engine.dispose()


def _open_file(location: Location, write: bool) -> Engine:
    refuse_network_share(location.path)
    if location.exists:
        _ensure_schema(location)
        return _engine(_file_url(location.path), write=write)
    if write:
        _create_file(location.path)
        _ensure_schema(location)
        return _engine(_file_url(location.path), write=True)
    return _empty_engine()


def upgrade(location: Location) -> tuple[str | None, str]:
    """`ipsung upgrade`: bring the schema to this version's; the revisions before and after.

    A file is made if there is none, and copied before it is changed (as on open). A
    server's schema is changed only here, by its owner (privileges.upgrade_server).
    """
    if location.is_server:
        from ipsung.store import privileges

        return privileges.upgrade_server(location)
    refuse_network_share(location.path)
    if not location.exists:
        _create_file(location.path)
    before = _file_revision(location.path)
    _ensure_schema(location)
    return before, HEAD_REVISION


def rows(conn: Connection, query) -> Iterable[tuple]:
    """The rows of a Core select, for a report that reads each once, in order, as it comes:
    on a server, each chunk as soon as the server sends it (server.stream), so that a
    report with much to do per row does it while the server computes the next; a file's
    rows are made as they are read anyway."""
    if conn.dialect.name == "postgresql":
        return server.stream(conn, query)
    return conn.execute(query)


def reset_id_sequences(session: Session, tables: list[str]) -> None:
    """After rows were stored with ids of our choosing (demo, import), let the server's
    next id follow the highest stored one. Nothing to do on SQLite, which takes max + 1."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f'COALESCE((SELECT max(id) FROM "{table}"), 0) + 1, false)'
            )
        )


def db_user(bind: Session | Connection) -> str | None:
    """The database user this transaction logged in as (servers only), for the audit log."""
    connection = bind if isinstance(bind, Connection) else bind.connection()
    return connection.info.get("db_user")


def scrub(location: Location) -> None:
    """Leave no copy of removed text in a database file: checkpoint and truncate the WAL,
    then vacuum (every connection already zeroes freed pages: secure_delete). A server's
    files, WAL and dumps are its administrator's to keep (see README: team database)."""
    if location.is_server or not location.exists:
        return
    conn = sqlite3.connect(location.path, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        conn.execute("PRAGMA secure_delete=ON")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def file_problems(path: Path) -> tuple[list[str], list[tuple[str, int, str]]]:
    """SQLite's own checks of a file, on a plain read-only connection: the lines of its
    integrity check that are not "ok", and each (table, row, parent) whose foreign key
    points to a missing row."""
    conn = read_only(path)
    try:
        integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        foreign = [
            (table, rowid, parent)
            for table, rowid, parent, _fk in conn.execute("PRAGMA foreign_key_check")
        ]
        return [line for line in integrity if line != "ok"], foreign
    finally:
        conn.close()


def key_file(location: Location) -> Path:
    """The pseudonym key's path; for a server, the user's data folder is made if missing."""
    path = location.key_file
    if location.is_server:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def describe(location: Location) -> dict:
    """What `ipsung info` prints: the database, its backend, where the choice came from,
    the schema version and row counts. Changes nothing (no schema is made or upgraded)."""
    document = {
        "database": location.shown,
        "backend": location.backend,
        "source": location.source,
        "exists": location.exists,
        "schema_version": None,
        "rows": {},
    }
    if location.is_server:
        return document | server.describe_server(location)
    if not location.exists:
        return document
    document["schema_version"] = _file_revision(location.path)
    conn = read_only(location.path)
    try:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' "
                "AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version' ORDER BY name"
            )
        ]
        document["rows"] = {
            t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables
        }
    finally:
        conn.close()
    return document
