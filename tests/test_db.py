"""The database file: location, permissions, pragmas, migrations and refusing newer files."""

import sqlite3
import stat

import pytest
from conftest import COMPARE_OPTIONS
from sqlalchemy import text

from ipsung.errors import BadInput, DatabaseRefused
from ipsung.store import db
from ipsung.store.migrations import HEAD_REVISION, KNOWN_REVISIONS


def test_location_order(monkeypatch, tmp_path):
    monkeypatch.setenv("IPSUNG_DB", str(tmp_path / "env.db"))
    assert db.resolve(str(tmp_path / "opt.db")) == db.Location(tmp_path / "opt.db", "--db")
    assert db.resolve(None) == db.Location(tmp_path / "env.db", "IPSUNG_DB")
    monkeypatch.delenv("IPSUNG_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    default = db.resolve(None)
    assert default.source == "default"
    assert default.path == tmp_path / "xdg" / "ipsung" / "ipsung.db"


def test_unsupported_url_is_refused_clearly():
    """postgresql:// is a team database (tests/test_postgres.py); other URLs are refused,
    naming only the scheme: the rest may hold a password."""
    with pytest.raises(BadInput, match="mysql:// is not supported") as refused:
        db.resolve("mysql://user:secret@host/db")
    assert "secret" not in str(refused.value)


def test_first_write_creates_owner_only_file_and_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("IPSUNG_DB", raising=False)
    loc = db.resolve(None)
    with db.session(loc, write=True) as s:
        s.execute(text("SELECT 1"))
    assert stat.S_IMODE(loc.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(loc.path.parent.stat().st_mode) == 0o700


def test_read_of_missing_file_creates_nothing(tmp_path):
    loc = db.Location(tmp_path / "none" / "ipsung.db", "--db")
    with db.session(loc, write=False) as s:
        assert s.execute(text("SELECT count(*) FROM participants")).scalar() == 0
    assert not (tmp_path / "none").exists()


def test_every_connection_has_the_pragmas(tmp_path):
    loc = db.Location(tmp_path / "p.db", "--db")
    with db.session(loc, write=True) as s:
        values = {
            name: s.execute(text(f"PRAGMA {name}")).scalar()
            for name in ("foreign_keys", "busy_timeout", "synchronous", "journal_mode")
        }
    assert values == {
        "foreign_keys": 1,
        "busy_timeout": 10000,
        "synchronous": 2,
        "journal_mode": "wal",
    }


def test_write_transactions_begin_immediately(tmp_path):
    """A write session holds the write lock from its start, so a second writer waits."""
    loc = db.Location(tmp_path / "lock.db", "--db")
    with db.session(loc, write=True):
        pass
    with db.session(loc, write=True):
        other = sqlite3.connect(loc.path, timeout=0)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()


def test_schema_is_at_head_after_first_write(tmp_path):
    loc = db.Location(tmp_path / "h.db", "--db")
    with db.session(loc, write=True):
        pass
    conn = sqlite3.connect(loc.path)
    assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == HEAD_REVISION
    conn.close()


def test_newer_file_is_refused_and_left_byte_identical(tmp_path):
    loc = db.Location(tmp_path / "new.db", "--db")
    with db.session(loc, write=True):
        pass
    conn = sqlite3.connect(loc.path)
    conn.execute("UPDATE alembic_version SET version_num = 'ffff_from_the_future'")
    conn.commit()
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    before = loc.path.read_bytes()
    for write in (True, False):
        with pytest.raises(DatabaseRefused, match="newer version"):
            with db.session(loc, write=write):
                pass
    assert loc.path.read_bytes() == before


def test_not_a_database_is_refused(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("this is not sqlite " * 100)
    with pytest.raises(DatabaseRefused, match="not an ipsung database"):
        with db.session(db.Location(path, "--db"), write=False):
            pass


def test_head_constant_matches_the_migration_scripts():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", "ipsung.store:migrations")
    scripts = ScriptDirectory.from_config(config)
    assert scripts.get_current_head() == HEAD_REVISION
    assert {r.revision for r in scripts.walk_revisions()} == set(KNOWN_REVISIONS)


# SQLAlchemy cannot reflect SQLite's index on an expression (the contact weeks of
# migration 0003); test_query_plans.py checks that one by its use instead.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_models_and_migrations_are_in_step(tmp_path):
    """Autogenerate finds nothing to do on a database made by the migrations."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    from ipsung.models import Base

    loc = db.Location(tmp_path / "step.db", "--db")
    with db.session(loc, write=True):
        pass
    engine = create_engine(f"sqlite:///{loc.path}")
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts=COMPARE_OPTIONS)
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_audit_log_is_append_only(tmp_path):
    loc = db.Location(tmp_path / "audit.db", "--db")
    with db.session(loc, write=True) as s:
        s.execute(
            text("INSERT INTO audit_log (at, os_user, command, change) VALUES ('t', 'u', 'c', '')")
        )
    conn = sqlite3.connect(loc.path)
    for statement in ("UPDATE audit_log SET command = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute(statement)
    conn.close()
