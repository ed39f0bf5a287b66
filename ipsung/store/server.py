"""A team database on a PostgreSQL server (SPEC §12): its connection, its write lock, its
errors in one line, its schema checked on open.

Every transaction starts with one statement (a writer's, with two). A writer's takes one
transaction-level advisory lock, so writers queue exactly as they do on SQLite, and a
command that reads and then writes (intake reads the caseloads, then stores the case)
decides on data no other writer can change under it. Writes run at READ COMMITTED, so
that each statement after the lock sees everything committed before it; reads run at
REPEATABLE READ (one snapshot, as on SQLite). The schema version is read inside the
command's own transaction: a write takes the write lock once, and nothing else does.

The schema is changed only by `ipsung upgrade`, run by the database's owner (see
privileges.py): a database without the tables, or with an older schema, is refused
untouched, with what to do. A writer waits for the lock at most IPSUNG_LOCK_TIMEOUT
seconds, then says who holds it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, event, exc, text
from sqlalchemy.engine import URL, Connection, Engine, make_url

from ipsung import __version__
from ipsung.errors import BadInput, DatabaseRefused, IpsungError, shown
from ipsung.gcpause import no_cycle_collection
from ipsung.i18n import _
from ipsung.store.location import MASK, Location, passwords
from ipsung.store.schema import HEAD_REVISION, KNOWN_REVISIONS, refuse_newer

CONNECT_TIMEOUT_S = 10
LOCK_TIMEOUT_ENV = "IPSUNG_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT_S = 30
MAX_LOCK_TIMEOUT_S = 24 * 3600
# Seen by the administrator in pg_stat_activity, and by a writer waiting for the lock.
APPLICATION_NAME = f"ipsung {__version__}"
# TCP keepalives: a server or network that dies while a command waits for its answer is
# noticed within about 25 s (the server's own kernel answers them while a query runs).
KEEPALIVES = {"keepalives": "1", "keepalives_idle": "10", "keepalives_interval": "5"}
KEEPALIVES_COUNT = "3"
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})

# The key of the advisory lock every write transaction on a server takes first: any
# constant will do, as long as every ipsung uses the same one ("IPSUNG" in ASCII).
WRITE_LOCK_KEY = 0x495053554E47
# How pg_locks shows a bigint advisory key: its high and low 32 bits, and objsubid 1.
_LOCK_CLASSID, _LOCK_OBJID = WRITE_LOCK_KEY >> 32, WRITE_LOCK_KEY & 0xFFFFFFFF

# The first statement of every transaction. JIT compilation costs more than it saves on
# queries of a second or less (ours); lock_timeout bounds every wait for a lock. A reader
# reads the schema version in the snapshot its command reads everything in. A writer
# takes the write lock and, while it holds it, tells pg_stat_activity since when (any
# user may read another's application name, not their transaction's start); it reads the
# schema version in the next statement, which sees what was committed while it waited
# (an `ipsung upgrade` holds the same lock).
_SETTINGS = "set_config('jit', 'off', true), set_config('lock_timeout', %(lock_timeout)s, true)"
_VERSION = "SELECT version_num FROM alembic_version"
_READ_START = f"SELECT {_SETTINGS}, ({_VERSION})"
_WRITE_START = (
    f"SELECT {_SETTINGS}, pg_advisory_xact_lock({WRITE_LOCK_KEY}), "
    "set_config('application_name', left(current_setting('application_name') || "
    "', writing since ' || to_char(clock_timestamp() AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD HH24:MI:SS') || ' UTC', 63), true)"
)

UNDEFINED_TABLE = "42P01"
LOCK_NOT_AVAILABLE = "55P03"
INSUFFICIENT_PRIVILEGE = "42501"


def one_line(location: Location, error: BaseException) -> str:
    """A driver message as one line, without the password, without libpq's prefixes."""
    message = " ".join(part.strip() for part in str(error).splitlines() if part.strip())
    for prefix in ("connection failed: ", "connection is bad: "):
        message = message.removeprefix(prefix)
    for password in passwords(location):
        message = message.replace(password, MASK)
    return message


def lock_timeout_ms() -> int:
    """How long a writer waits for the write lock: IPSUNG_LOCK_TIMEOUT seconds (default 30)."""
    value = os.environ.get(LOCK_TIMEOUT_ENV, "").strip()
    if not value:
        return DEFAULT_LOCK_TIMEOUT_S * 1000
    try:
        seconds = float(value.replace(",", "."))  # 2,5 as a Dane writes it
    except ValueError:
        seconds = math.nan
    if not 0 < seconds <= MAX_LOCK_TIMEOUT_S:  # also refuses nan and inf
        raise BadInput(
            _("{name}: '{value}' is not a number of seconds from 0.001 to {most}").format(
                name=LOCK_TIMEOUT_ENV, value=shown(value)[:40], most=MAX_LOCK_TIMEOUT_S
            )
        )
    return max(1, round(seconds * 1000))


def _hosts(url: URL) -> list[str]:
    """The TCP hosts a URL (or PGHOST) names; Unix socket folders are left out."""
    named = url.host or url.query.get("host") or url.query.get("hostaddr")
    named = named or os.environ.get("PGHOST", "")
    if isinstance(named, tuple):
        named = ",".join(named)
    hosts = [h.strip().split(":")[0] for h in named.split(",")]
    return [h for h in hosts if h and not h.startswith(("/", "@"))]


def connection_settings(url: URL) -> dict[str, str]:
    """libpq settings ipsung adds unless the URL (or libpq's environment) sets them.

    - application_name `ipsung <version>` (as libpq's fallback: a URL's or PGAPPNAME's wins);
    - connect_timeout 10 s, so that a server that takes the connection and never answers
      is an error line, not a hang (libpq's default waits for ever);
    - sslmode `require` for a server across the network: health data and the password
      never travel in clear (libpq's default `prefer` falls back to plain text). A Unix
      socket or this machine keeps libpq's default. `verify-full` also checks who the
      server is: set it in the URL once the server's certificate is in place (README);
    - TCP keepalives, so that a dead server is noticed while a command waits for it.
    """
    query = url.query
    settings = {"fallback_application_name": APPLICATION_NAME}
    if "connect_timeout" not in query and not os.environ.get("PGCONNECT_TIMEOUT"):
        settings["connect_timeout"] = str(CONNECT_TIMEOUT_S)
    remote = any(host.lower().strip("[]") not in LOOPBACK for host in _hosts(url))
    if remote and "sslmode" not in query and not os.environ.get("PGSSLMODE"):
        settings["sslmode"] = "require"
    for key, value in (*KEEPALIVES.items(), ("keepalives_count", KEEPALIVES_COUNT)):
        if key not in query:
            settings[key] = value
    return settings


def _sqlalchemy_url(location: Location) -> URL:
    return make_url(location.url).set(drivername="postgresql+psycopg")


def engine(location: Location, write: bool, checked: bool = True) -> Engine:
    """The engine of one command. `checked`: every transaction starts as described above
    (off only for `info` and `upgrade`, which look at a schema that may not be ours)."""
    url = _sqlalchemy_url(location)
    try:
        # Here the driver and its dialect are imported, about a hundred modules whose
        # objects live until the process ends; with the collector on, they set off a full
        # walk of every object start-up made (17 ms of every command on a server).
        with no_cycle_collection():
            made = create_engine(
                url,
                connect_args=connection_settings(url),
                # Writers: each statement after the lock sees every earlier commit. Readers:
                # one snapshot for the whole command (an export's tables link up).
                isolation_level="READ COMMITTED" if write else "REPEATABLE READ",
                use_native_hstore=False,  # saves a catalogue query on every connection
            )
    except ImportError:
        raise DatabaseRefused(
            _("the PostgreSQL driver is missing: pip install 'psycopg[binary]'")
        ) from None
    except (exc.ArgumentError, ValueError, TypeError) as error:
        raise BadInput(
            _("not a valid postgresql:// URL: {url} ({why})").format(
                url=location.shown, why=one_line(location, error)
            )
        ) from None

    @event.listens_for(made, "connect")
    def _on_connect(dbapi_conn, record):
        # The login the server checked the password of, for the audit log (no query).
        record.info["db_user"] = dbapi_conn.info.user

    if checked:
        timeout = {"lock_timeout": f"{lock_timeout_ms()}ms"}

        @event.listens_for(made, "begin")
        def _on_begin(conn):
            _start(location, conn, write, timeout)

    return made


def _start(location: Location, conn: Connection, write: bool, timeout: dict) -> None:
    try:
        if write:
            conn.exec_driver_sql(_WRITE_START, timeout)
            revision = conn.exec_driver_sql(_VERSION).scalar()
        else:
            revision = conn.exec_driver_sql(_READ_START, timeout).one()[-1]
    except exc.DBAPIError as error:
        state = getattr(error.orig, "sqlstate", None)
        if state == UNDEFINED_TABLE and _tables_out_of_reach(conn):
            raise DatabaseRefused(
                _(
                    "{user} may not use the tables of {url}. Ask its administrator for the "
                    "team role (see README: A team database)"
                ).format(user=conn.info.get("db_user"), url=location.shown)
            ) from None
        if state == UNDEFINED_TABLE:
            raise DatabaseRefused(
                _(
                    "{url} has no ipsung tables yet: the database's owner makes them with "
                    "'ipsung upgrade' (see README: A team database)"
                ).format(url=location.shown)
            ) from None
        if state == LOCK_NOT_AVAILABLE:
            raise IpsungError(lock_busy(conn, timeout["lock_timeout"])) from None
        raise
    refuse_older_or_newer(location, revision)


def _tables_out_of_reach(conn: Connection) -> bool:
    """The schema version's table is there, but this login may not see its schema (a login
    outside the team role): the catalogue shows every table's name to every login."""
    raw = conn.connection.dbapi_connection
    try:
        raw.rollback()  # the failed statement ended the transaction; ask in a fresh one
        with raw.cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relname = 'alembic_version' AND c.relkind = 'r' "
                "AND NOT has_schema_privilege(n.oid, 'USAGE'))"
            )
            (found,) = cursor.fetchone()
        raw.rollback()
    except Exception:  # noqa: BLE001 - then say what the failed statement said
        return False
    return bool(found)


def refuse_older_or_newer(location: Location, revision: str | None) -> None:
    if revision == HEAD_REVISION:
        return
    if revision in KNOWN_REVISIONS:
        raise DatabaseRefused(
            _(
                "{url} has schema {revision}; this ipsung needs {head}. The database's owner "
                "must run 'ipsung upgrade' (after a pg_dump). The database was not changed."
            ).format(url=location.shown, revision=revision, head=HEAD_REVISION)
        )
    refuse_newer(location.shown, str(revision), _("database"))


def lock_busy(conn: Connection, waited: str) -> str:
    """The message for a writer that gave up waiting: who holds the write lock."""
    seconds = f"{int(waited.removesuffix('ms')) / 1000:g}"
    holder = None
    raw = conn.connection.dbapi_connection
    try:
        raw.rollback()  # the failed wait ended the transaction; ask in a fresh one
        with raw.cursor() as cursor:
            cursor.execute(
                "SELECT a.usename, a.application_name, l.pid FROM pg_locks l "
                "LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted "
                "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                f"AND l.classid = {_LOCK_CLASSID} AND l.objid = {_LOCK_OBJID} AND l.objsubid = 1"
            )
            holder = cursor.fetchone()
        raw.rollback()
    except Exception:  # noqa: BLE001 - the message is still true without the holder
        holder = None
    if holder is None:
        who = _("another writer")
    else:
        user, application, pid = holder
        who = _("{user} ({application}, server process {pid})").format(
            user=user or _("another user"), application=application or "?", pid=pid
        )
    return _(
        "the write lock is held by {who}; gave up after {seconds} s and stored nothing. "
        "Try again in a moment ({env} sets how long to wait)"
    ).format(who=who, seconds=seconds, env=LOCK_TIMEOUT_ENV)


@contextmanager
def server_errors(location: Location) -> Iterator[None]:
    """Driver errors said plainly in one line, without the password.

    A value the server's column types cannot hold (an integer beyond 32 bits, a name
    beyond its length) is bad input (exit 2); a server that goes away, restarts or times
    out mid-command is exit 1, as a locked SQLite file is, and so is a login without the
    rights a command needs.
    """
    try:
        yield
    except exc.DataError as error:
        raise BadInput(
            _("a value does not fit in the database: {why}").format(
                why=one_line(location, error.orig)
            )
        ) from None
    except exc.DBAPIError as error:
        state = getattr(error.orig, "sqlstate", None)
        if state == INSUFFICIENT_PRIVILEGE:
            raise DatabaseRefused(
                _(
                    "the database refused: {why}. Ask its administrator for the team role "
                    "(see README: A team database)"
                ).format(why=one_line(location, error.orig))
            ) from None
        lost = isinstance(error, exc.OperationalError | exc.InterfaceError)
        if not (lost or error.connection_invalidated):
            raise
        raise IpsungError(
            _("the database could not be used: {why}").format(why=one_line(location, error.orig))
        ) from None


def commit_lost(location: Location, error: exc.DBAPIError) -> IpsungError:
    """The connection broke while the server committed: whether it did is unknown."""
    return IpsungError(
        _(
            "the connection to the database broke while the change was being committed, so "
            "it may or may not be stored ({why}); see 'ipsung audit' before trying again"
        ).format(why=one_line(location, error.orig))
    )


@contextmanager
def connected(location: Location, engine: Engine) -> Iterator[Connection]:
    """A connection of `engine`; one that cannot be made is bad input in one line (exit 2:
    the URL, the password or the network is wrong), without the password."""
    try:
        conn = engine.connect()
    except exc.DBAPIError as error:
        raise BadInput(
            _("cannot connect to {url}: {why}").format(
                url=location.shown, why=one_line(location, error.orig)
            )
        ) from None
    with conn, server_errors(location):
        yield conn


def revision(conn: Connection) -> str | None:
    """The schema version, or None when the database has no ipsung tables."""
    if conn.exec_driver_sql("SELECT to_regclass('alembic_version')").scalar() is None:
        return None
    return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


# Rows a streamed query's server sends in one chunk (see stream).
STREAM_CHUNK = 500


def stream(conn: Connection, query) -> Iterator[tuple]:
    """The rows of a Core query, read in chunks as the server sends them: the server sends
    each row as soon as it has it, so the command works on the first rows while the server
    still computes the later ones, instead of waiting for the last. The rows are the
    driver's own (the types these queries read come back as SQLAlchemy would give them:
    int, str, bool, date); an error is SQLAlchemy's, as from conn.execute."""
    import psycopg

    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    sql, params = str(compiled), compiled.params
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        yield from cursor.stream(sql, params, size=STREAM_CHUNK)
    except psycopg.Error as error:
        raise exc.DBAPIError.instance(sql, None, error, psycopg.Error) from None
    finally:
        cursor.close()


def describe_server(location: Location) -> dict:
    made = engine(location, write=False, checked=False)
    try:
        with connected(location, made) as conn:
            found = revision(conn)
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
        made.dispose()
    return {
        "schema_version": found,
        "rows": rows,
        "db_user": user,
        "key_file": str(location.key_file),
    }
