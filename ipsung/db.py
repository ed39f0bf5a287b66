"""Where the database lives, how it is opened, and keeping its schema current.

Only this module knows how to open a database. Every connection runs with foreign keys
on, a busy timeout, synchronous=FULL and WAL; SQLAlchemy owns BEGIN, and write
transactions begin IMMEDIATE so that two processes queue for the write lock instead of
failing half-way. The schema is Alembic's; on open, the file's revision is compared with
ours by a plain query, and Alembic is imported only when an upgrade is needed.
"""

import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ipsung.errors import BadInput, DatabaseRefused
from ipsung.i18n import _
from ipsung.migrations import HEAD_REVISION, KNOWN_REVISIONS

ENV_VAR = "IPSUNG_DB"
BUSY_TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class Location:
    """The database in use and where that choice came from (`--db`, `IPSUNG_DB`, default)."""

    path: Path
    source: str

    @property
    def exists(self) -> bool:
        return self.path.exists()


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
        raise BadInput(
            _("{source}: only a local SQLite file is supported by this version").format(
                source=source
            )
        )
    return Location(Path(target).expanduser(), source)


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
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "ipsung:migrations")
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _ensure_schema(location: Location) -> None:
    path = location.path
    revision = _file_revision(path)
    if revision == HEAD_REVISION:
        return
    if revision is not None and revision not in KNOWN_REVISIONS:
        raise DatabaseRefused(
            _(
                "{path} was made by a newer version of ipsung (schema {revision}); "
                "upgrade ipsung to use it. The file was not changed."
            ).format(path=path, revision=revision)
        )
    if revision is not None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        backup_copy(path, path.with_name(f"{path.name}.before-upgrade-{revision}-{stamp}"))
    engine = _engine(f"sqlite:///{path}", write=True)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def _empty_engine() -> Engine:
    """An empty in-memory database with the current schema, for reads before the first write."""
    from ipsung.models import Base

    engine = _engine("sqlite://", write=False)
    Base.metadata.create_all(engine)
    return engine


@contextmanager
def session(location: Location, *, write: bool) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back if it raises.

    A read of a database that does not exist yet sees an empty caseload and creates
    nothing; the first write creates the file and its schema.
    """
    refuse_network_share(location.path)
    if location.exists:
        _ensure_schema(location)
        engine = _engine(f"sqlite:///{location.path}", write=write)
    elif write:
        _create_file(location.path)
        _ensure_schema(location)
        engine = _engine(f"sqlite:///{location.path}", write=True)
    else:
        engine = _empty_engine()
    try:
        with Session(engine, expire_on_commit=False) as s, s.begin():
            s.connection()  # BEGIN now: a writer holds the write lock before its first read
            yield s
    finally:
        engine.dispose()


def remove_with_companions(path: Path) -> None:
    """Delete a database file and its -wal/-shm companions (used by tests and erase)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        companion = Path(f"{path}{suffix}")
        if companion.exists():
            companion.unlink()


def describe(location: Location) -> dict:
    """What `ipsung info` prints: the file, where the choice came from, schema, row counts."""
    document = {
        "database": str(location.path),
        "source": location.source,
        "exists": location.exists,
        "schema_version": None,
        "rows": {},
    }
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
