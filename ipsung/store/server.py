"""A team database on a PostgreSQL server (SPEC §12): its engine, its errors in one line,
its schema on first use.

Every write transaction starts by taking one transaction-level advisory lock, so writers
queue exactly as they do on SQLite, and a command that reads and then writes (intake
reads the caseloads, then stores the case) decides on data no other writer can change
under it. Writes run at READ COMMITTED, so that each statement after the lock sees
everything committed before it; reads run at REPEATABLE READ (one snapshot, as on SQLite).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, event, exc, text
from sqlalchemy.engine import URL, Connection, Engine, make_url

from ipsung.errors import BadInput, DatabaseRefused, IpsungError
from ipsung.i18n import _
from ipsung.store.location import MASK, Location, passwords
from ipsung.store.schema import HEAD_REVISION, refuse_newer, upgrade_on

CONNECT_TIMEOUT_S = 10
# The key of the advisory lock every write transaction on a server takes first: any
# constant will do, as long as every ipsung uses the same one ("IPSUNG" in ASCII).
WRITE_LOCK_KEY = 0x495053554E47


def _one_line(location: Location, error: BaseException) -> str:
    """A driver message as one line, without the password, without libpq's prefixes."""
    message = " ".join(part.strip() for part in str(error).splitlines() if part.strip())
    for prefix in ("connection failed: ", "connection is bad: "):
        message = message.removeprefix(prefix)
    for password in passwords(location):
        message = message.replace(password, MASK)
    return message


def _sqlalchemy_url(location: Location) -> URL:
    return make_url(location.url).set(drivername="postgresql+psycopg")


def _server_engine(location: Location, write: bool, lock_timeout_ms: int) -> Engine:
    url = _sqlalchemy_url(location)
    connect_args = {} if "connect_timeout" in url.query else {"connect_timeout": CONNECT_TIMEOUT_S}
    try:
        engine = create_engine(
            url,
            connect_args=connect_args,
            # Writers: each statement after the lock sees every earlier commit. Readers:
            # one snapshot for the whole command (an export's tables link up).
            isolation_level="READ COMMITTED" if write else "REPEATABLE READ",
        )
    except ImportError:
        raise DatabaseRefused(
            _("the PostgreSQL driver is missing: pip install 'psycopg[binary]'")
        ) from None
    except (exc.ArgumentError, ValueError, TypeError) as error:
        raise BadInput(
            _("not a valid postgresql:// URL: {url} ({why})").format(
                url=location.shown, why=_one_line(location, error)
            )
        ) from None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, record):
        # Wait for the write lock as long as SQLite waits for its own (busy_timeout), and
        # learn the database user once per connection, for the audit log.
        with dbapi_conn.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('lock_timeout', %s, false), session_user",
                (f"{lock_timeout_ms}ms",),
            )
            record.info["db_user"] = cursor.fetchone()[1]
        dbapi_conn.commit()

    if write:

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            # Held until COMMIT or ROLLBACK: write transactions run one at a time, as
            # BEGIN IMMEDIATE makes them on SQLite.
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")

    return engine


@contextmanager
def server_errors(location: Location) -> Iterator[None]:
    """Driver errors said plainly in one line, without the password.

    A server that cannot be reached is bad input (exit 2: the URL, the password or the
    network is wrong); one that goes away or times out mid-command is exit 1, as a locked
    SQLite file is; a value the server's column types cannot hold (an integer beyond 32
    bits, a name beyond its length) is bad input.
    """
    try:
        yield
    except exc.DataError as error:
        raise BadInput(
            _("a value does not fit in the database: {why}").format(
                why=_one_line(location, error.orig)
            )
        ) from None
    except exc.OperationalError as error:
        raise IpsungError(
            _("the database could not be used: {why}").format(why=_one_line(location, error.orig))
        ) from None


def _connect(location: Location, engine: Engine) -> Connection:
    try:
        return engine.connect()
    except exc.DBAPIError as error:
        raise BadInput(
            _("cannot connect to {url}: {why}").format(
                url=location.shown, why=_one_line(location, error.orig)
            )
        ) from None


def _server_revision(conn: Connection) -> str | None:
    if conn.exec_driver_sql("SELECT to_regclass('alembic_version')").scalar() is None:
        return None
    return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def open_server(location: Location, write: bool, lock_timeout_ms: int) -> Engine:
    engine = _server_engine(location, write, lock_timeout_ms)
    try:
        conn = _connect(location, engine)
        with conn, server_errors(location):
            _ensure_server_schema(location, conn)
    except BaseException:
        engine.dispose()
        raise
    return engine


def _ensure_server_schema(location: Location, conn: Connection) -> None:
    """Bring the server's schema to ours, or refuse a newer one. Usually one query."""
    revision = _server_revision(conn)
    conn.rollback()
    if revision == HEAD_REVISION:
        return
    if revision is not None:
        refuse_newer(location.shown, revision, _("database"))
    # A session-level lock on the writers' key: writers wait while the schema changes, and
    # a second ipsung opening the same new database waits, then finds the work done.
    conn.exec_driver_sql(f"SELECT pg_advisory_lock({WRITE_LOCK_KEY})")
    conn.commit()
    try:
        revision = _server_revision(conn)
        conn.commit()
        if revision is not None:
            refuse_newer(location.shown, revision, _("database"))
        if revision != HEAD_REVISION:
            try:
                upgrade_on(conn)
            except exc.DBAPIError as error:
                raise DatabaseRefused(
                    _("the schema of {url} could not be brought up to date: {why}").format(
                        url=location.shown, why=_one_line(location, error.orig)
                    )
                ) from None
    finally:
        conn.rollback()
        conn.exec_driver_sql(f"SELECT pg_advisory_unlock({WRITE_LOCK_KEY})")
        conn.commit()


def describe_server(location: Location, lock_timeout_ms: int) -> dict:
    engine = _server_engine(location, False, lock_timeout_ms)
    try:
        conn = _connect(location, engine)
        with conn, server_errors(location):
            revision = _server_revision(conn)
            tables = sorted(
                name
                for (name,) in conn.execute(
                    text(
                        "SELECT table_name FROM information_schema.tables "
                        "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' "
                        "AND table_name <> 'alembic_version'"
                    )
                )
            )
            rows = {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar() for t in tables}
            user = conn.info.get("db_user")
    finally:
        engine.dispose()
    return {
        "schema_version": revision,
        "rows": rows,
        "db_user": user,
        "key_file": str(location.key_file),
    }
