"""Looking into a database file without changing it: a read-only SQLite connection that
leaves the folder as it found it, for `info`, `check`, the schema version on open, and
shell completion.

Standard library only: completion opens the file on every Tab, and must answer before
SQLAlchemy could even be imported.
"""

import sqlite3
from pathlib import Path

from ipsung.store.platform import sqlite_uri


def read_only(path: Path) -> sqlite3.Connection:
    """A plain read-only connection that leaves the folder as it found it.

    A reader of a WAL database creates -wal and -shm files beside it. When there is no
    -wal file, nobody holds uncommitted pages, so the file can be read as immutable:
    nothing is created, and a file we refuse (a newer version) stays exactly as it was.
    """
    immutable = {} if Path(f"{path}-wal").exists() else {"immutable": "1"}
    return sqlite3.connect(sqlite_uri(path, mode="ro", **immutable), uri=True)
