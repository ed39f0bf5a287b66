"""Where the database lives, how it is opened, and keeping its schema current.

Only this module knows how to open a database: a local SQLite file (the default), or a
team database on a PostgreSQL server (`--db postgresql://…`, SPEC §12).

SQLite: every connection runs with foreign keys on, a busy timeout, synchronous=FULL and
WAL; SQLAlchemy owns BEGIN, and write transactions begin IMMEDIATE so that two processes
queue for the write lock instead of failing half-way.

PostgreSQL: every write transaction starts by taking one transaction-level advisory lock,
so writers queue exactly as they do on SQLite, and a command that reads and then writes
(intake reads the caseloads, then stores the case) decides on data no other writer can
change under it. Writes run at READ COMMITTED, so that each statement after the lock sees
everything committed before it; reads run at REPEATABLE READ (one snapshot, as on SQLite).

The schema is Alembic's, on both. On open, the database's revision is compared with ours
by a plain query, and Alembic is imported only when an upgrade is needed.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from sqlalchemy import create_engine, event, exc, text
from sqlalchemy.engine import URL, Connection, Engine, make_url

from ipsung.errors import BadInput, DatabaseRefused, IpsungError
from ipsung.i18n import _
from ipsung.store.migrations import HEAD_REVISION, KNOWN_REVISIONS

if TYPE_CHECKING:  # the ORM is slow to import; the reports read without it (see reading)
    from sqlalchemy.orm import Session

ENV_VAR = "IPSUNG_DB"
BUSY_TIMEOUT_MS = 10_000
CONNECT_TIMEOUT_S = 10
# The key of the advisory lock every write transaction on a server takes first: any
# constant will do, as long as every ipsung uses the same one ("IPSUNG" in ASCII).
WRITE_LOCK_KEY = 0x495053554E47
SERVER_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")


@dataclass(frozen=True)
class Location:
    """The database in use and where that choice came from (`--db`, `IPSUNG_DB`, default).

    A file has a `path`; a team database on a server has a `url` instead (which may hold
    a password: it is left out of repr, and `shown` masks it).
    """

    path: Path | None
    source: str
    url: str | None = field(default=None, repr=False)

    @property
    def is_server(self) -> bool:
        return self.url is not None

    @property
    def backend(self) -> str:
        return "postgresql" if self.is_server else "sqlite"

    @property
    def exists(self) -> bool:
        # A server database is made by its administrator; ipsung makes only the tables.
        return True if self.is_server else self.path.exists()

    @property
    def shown(self) -> str:
        """The database as it may be printed: a path, or the URL with its password masked."""
        return masked_url(self.url) if self.is_server else str(self.path)

    @property
    def key_file(self) -> Path:
        """The pseudonym key (see pseudonyms.py): beside a file; for a server, in the
        user's local data folder, named after the server and the database."""
        if not self.is_server:
            return self.path.with_name(self.path.name + ".key")
        url = make_url(self.url)
        host = url.host or str(url.query.get("host") or "local")
        parts = [host, str(url.port or 5432), url.database or url.username or "postgres"]
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", "-".join(parts).strip("/"))
        return default_path().parent / f"postgresql-{name}.key"


def default_path() -> Path:
    # user_data_dir, not a roaming profile: the file must stay on this machine's disk.
    from platformdirs import user_data_dir

    return Path(user_data_dir("ipsung", appauthor=False, roaming=False)) / "ipsung.db"


def resolve(db_option: str | None) -> Location:
    """`--db` > `IPSUNG_DB` > the user's local data folder."""
    if db_option:
        target, source = db_option, "--db"
    elif os.environ.get(ENV_VAR):
        target, source = os.environ[ENV_VAR], ENV_VAR
    else:
        return Location(default_path(), "default")
    if "://" in target:
        return _server_location(target, source)
    return Location(Path(target).expanduser(), source)


def _server_location(target: str, source: str) -> Location:
    scheme = target.split("://", 1)[0].lower()
    if scheme not in SERVER_SCHEMES:
        # Only the scheme is named: the rest of the text may hold a password.
        raise BadInput(
            _(
                "{source}: {scheme}:// is not supported; give a file path or a postgresql:// URL"
            ).format(source=source, scheme=scheme[:20])
        )
    try:
        url = make_url(target)
    except (exc.ArgumentError, ValueError):
        raise BadInput(
            _("{source}: not a valid postgresql:// URL: {url}").format(
                source=source, url=masked_url(target)
            )
        ) from None
    if not url.database and not url.username:
        raise BadInput(
            _("{source}: the URL names no database: {url}").format(
                source=source, url=masked_url(target)
            )
        )
    return Location(None, source, target)


# --- server URLs -----------------------------------------------------------------------------

MASK = "***"


def masked_url(url: str) -> str:
    """The URL as it may be shown: the password (in the user part or as ?password=) masked."""
    try:
        parsed = make_url(url)
    except (exc.ArgumentError, ValueError):
        # Unparseable: keep only what certainly holds no password.
        scheme = url.split("://", 1)[0]
        rest = url.split("://", 1)[1] if "://" in url else ""
        rest = re.sub(r"^[^@/?#]*@", lambda m: m[0].split(":", 1)[0] + ":" + MASK + "@", rest)
        rest = re.sub(r"(?i)(password=)[^&]*", r"\1" + MASK, rest)
        return f"{scheme}://{rest}"
    scheme = url.split("://", 1)[0]
    user = quote(parsed.username or "", safe="")
    if parsed.password is not None:
        user += ":" + MASK
    host = parsed.host or ""
    if host and ":" in host:
        host = f"[{host}]"
    port = f":{parsed.port}" if parsed.port else ""
    authority = f"{user}@{host}{port}" if user else f"{host}{port}"
    query = "&".join(
        f"{key}={MASK if key.lower() == 'password' else quote(str(value), safe='/')}"
        for key, values in parsed.query.items()
        for value in (values if isinstance(values, tuple) else (values,))
    )
    return f"{scheme}://{authority}/{parsed.database or ''}" + (f"?{query}" if query else "")


def _passwords(location: Location) -> list[str]:
    """Every spelling of the URL's password(s), to scrub from any message we pass on."""
    try:
        parsed = make_url(location.url)
    except (exc.ArgumentError, ValueError):
        return []
    found = [parsed.password] if parsed.password else []
    query_password = parsed.query.get("password")
    if query_password:
        found += list(query_password) if isinstance(query_password, tuple) else [query_password]
    found += [quote(p, safe="") for p in found]
    return [p for p in found if p]


def _one_line(location: Location, error: BaseException) -> str:
    """A driver message as one line, without the password, without libpq's prefixes."""
    message = " ".join(part.strip() for part in str(error).splitlines() if part.strip())
    for prefix in ("connection failed: ", "connection is bad: "):
        message = message.removeprefix(prefix)
    for password in _passwords(location):
        message = message.replace(password, MASK)
    return message


def _sqlalchemy_url(location: Location) -> URL:
    return make_url(location.url).set(drivername="postgresql+psycopg")


# --- network shares ----------------------------------------------------------------------

MOUNTS = Path("/proc/self/mounts")
# File locking over these is unreliable, and SQLite depends on it: a shared folder
# corrupts the database. A team that shares a caseload uses a database server instead.
NETWORK_FILESYSTEMS = frozenset(
    {
        "cifs",
        "smb3",
        "smbfs",
        "nfs",
        "nfs4",
        "sshfs",
        "fuse.sshfs",
        "9p",
        "afs",
        "ncpfs",
        "davfs",
        "fuse.davfs2",
        "ceph",
        "glusterfs",
        "fuse.glusterfs",
        "lustre",
        "fuse.rclone",
    }
)


def _unescape_mount_point(field: str) -> str:
    """/proc/mounts writes a space as \\040 (and tab, newline, backslash likewise)."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), field)


def filesystem_type(path: Path, mounts_text: str) -> str | None:
    """The type of the file system that holds `path`: the longest matching mount point."""
    target = os.path.realpath(path)
    best, best_type = "", None
    for line in mounts_text.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = _unescape_mount_point(fields[1])
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, best_type = point, fields[2]
    return best_type


def refuse_network_share(path: Path) -> None:
    try:
        mounts = MOUNTS.read_text()
    except OSError:
        return  # no mount table to read (not Linux): nothing to judge by
    kind = filesystem_type(path, mounts)
    if kind in NETWORK_FILESYSTEMS:
        raise BadInput(
            _(
                "{path} is on a network share ({kind}); an SQLite file must live on a local "
                "disk. A team that shares one caseload uses a team database on PostgreSQL "
                "(see README: team database)"
            ).format(path=path, kind=kind)
        )


# --- opening ---------------------------------------------------------------------------


def _create_file(path: Path) -> None:
    """Create the folder (0700) and an empty file (0600): it will hold health data."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.parent.name == "ipsung":
        os.chmod(path.parent, 0o700)  # our own folder; never chmod a folder the user chose
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)


def _engine(url: str, write: bool) -> Engine:
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


def read_only(path: Path) -> sqlite3.Connection:
    """A plain read-only connection that leaves the folder as it found it.

    A reader of a WAL database creates -wal and -shm files beside it. When there is no
    -wal file, nobody holds uncommitted pages, so the file can be read as immutable:
    nothing is created, and a file we refuse (a newer version) stays exactly as it was.
    """
    immutable = "" if Path(f"{path}-wal").exists() else "&immutable=1"
    return sqlite3.connect(f"file:{path}?mode=ro{immutable}", uri=True)


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


def backup_copy(path: Path, destination: Path) -> None:
    """A consistent copy through SQLite's backup API, owner-only."""
    fd = os.open(destination, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    os.close(fd)
    source = sqlite3.connect(path)
    target = sqlite3.connect(destination)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    os.chmod(destination, 0o600)


def upgrade(engine: Engine) -> None:
    """Run the migrations up to head, each in its own transaction."""
    with engine.connect() as connection:
        _upgrade_on(connection)


def _upgrade_on(connection: Connection) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "ipsung.store:migrations")
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _refuse_newer(shown: str, revision: str, what: str) -> None:
    if revision not in KNOWN_REVISIONS:
        raise DatabaseRefused(
            _(
                "{path} was made by a newer version of ipsung (schema {revision}); "
                "upgrade ipsung to use it. The {what} was not changed."
            ).format(path=shown, revision=revision, what=what)
        )


def _ensure_schema(location: Location) -> None:
    path = location.path
    revision = _file_revision(path)
    if revision == HEAD_REVISION:
        return
    if revision is not None:
        _refuse_newer(str(path), revision, _("file"))
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        backup_copy(path, path.with_name(f"{path.name}.before-upgrade-{revision}-{stamp}"))
    engine = _engine(f"sqlite:///{path}", write=True)
    try:
        upgrade(engine)
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
    nothing; the first write creates the file and its schema. A server database gets its
    schema (or an upgrade) on first open, read or write: its administrator made it for us.
    """
    from sqlalchemy.orm import Session

    with _opened(location, write) as engine, Session(engine, expire_on_commit=False) as s:
        with s.begin():
            s.connection()  # BEGIN now: a writer holds the write lock before its first read
            yield s


@contextmanager
def reading(location: Location) -> Iterator[Connection]:
    """One read-only transaction on a plain Core connection: what `session` gives, for
    the reports (due, capacity, outcomes) that query the tables and need no ORM."""
    with _opened(location, write=False) as engine, engine.connect() as conn, conn.begin():
        yield conn


@contextmanager
def _opened(location: Location, write: bool) -> Iterator[Engine]:
    """The database's engine, its schema current; a server's errors said in one line."""
    engine = _open_server(location, write) if location.is_server else _open_file(location, write)
    errors = _server_errors(location) if location.is_server else nullcontext()
    try:
        with errors:
            yield engine
    finally:
        engine.dispose()


def _open_file(location: Location, write: bool) -> Engine:
    refuse_network_share(location.path)
    if location.exists:
        _ensure_schema(location)
        return _engine(f"sqlite:///{location.path}", write=write)
    if write:
        _create_file(location.path)
        _ensure_schema(location)
        return _engine(f"sqlite:///{location.path}", write=True)
    return _empty_engine()


# --- a team database on a PostgreSQL server ---------------------------------------------------


def _server_engine(location: Location, write: bool) -> Engine:
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
                (f"{BUSY_TIMEOUT_MS}ms",),
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
def _server_errors(location: Location) -> Iterator[None]:
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


def _open_server(location: Location, write: bool) -> Engine:
    engine = _server_engine(location, write)
    try:
        conn = _connect(location, engine)
        with conn, _server_errors(location):
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
        _refuse_newer(location.shown, revision, _("database"))
    # A session-level lock on the writers' key: writers wait while the schema changes, and
    # a second ipsung opening the same new database waits, then finds the work done.
    conn.exec_driver_sql(f"SELECT pg_advisory_lock({WRITE_LOCK_KEY})")
    conn.commit()
    try:
        revision = _server_revision(conn)
        conn.commit()
        if revision is not None:
            _refuse_newer(location.shown, revision, _("database"))
        if revision != HEAD_REVISION:
            try:
                _upgrade_on(conn)
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


def db_user(session: Session) -> str | None:
    """The database user this session logged in as (servers only), for the audit log."""
    return session.connection().info.get("db_user")


def key_file(location: Location) -> Path:
    """The pseudonym key's path; for a server, the user's data folder is made if missing."""
    path = location.key_file
    if location.is_server:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def remove_with_companions(path: Path) -> None:
    """Delete a database file and its -wal/-shm companions (used by tests and erase)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        companion = Path(f"{path}{suffix}")
        if companion.exists():
            companion.unlink()


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
        return document | _describe_server(location)
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


def _describe_server(location: Location) -> dict:
    engine = _server_engine(location, write=False)
    try:
        conn = _connect(location, engine)
        with conn, _server_errors(location):
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
