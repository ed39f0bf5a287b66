"""Shared fixtures: a real SQLite file in tmp_path and the real CLI through CliRunner;
a real PostgreSQL server of the tests' own for the team database (SPEC §12).

Tests never depend on the real date: IPSUNG_TODAY fixes "today" for every command.
"""

import os
import pwd
import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ipsung.cli import app
from ipsung.store.weeks import WEEK_INDEX

TODAY = date(2026, 11, 23)  # a Monday
TODAY_ISO = TODAY.isoformat()


def _not_the_week_index(obj, name, type_, reflected, compare_to):
    return name != WEEK_INDEX  # made by migration 0003 alone (see tables.py)


# Alembic's autogenerate compares models with a migrated database with these options.
COMPARE_OPTIONS = {"compare_type": True, "include_object": _not_the_week_index}


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "data" / "ipsung.db"


@pytest.fixture
def env(db_path, monkeypatch):
    """Environment for every command: the test database, a fixed today, no colour, no prompts."""
    return command_env(monkeypatch, str(db_path))


def command_env(monkeypatch, target: str, **extra: str) -> dict:
    """Set (and return) the commands' environment for the database `target`; None unsets."""
    values = {
        "IPSUNG_DB": target,
        "IPSUNG_TODAY": TODAY_ISO,
        "NO_COLOR": "1",
        "COLUMNS": "120",
        "IPSUNG_NO_INPUT": None,
        **extra,
    }
    for key, value in values.items():
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, value)
    return values


@pytest.fixture
def run(env):
    """run('intake', '--name', ...) -> Result, with stdout and stderr apart."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return invoke


ELIGIBLE = [
    "--referred-by",
    "school",
    "--mistrivsel",
    "absence",
    "--substance",
    "A",
    "--motivated",
    "--normal-cognition",
]


@pytest.fixture
def team(run):
    """Two consultants: Mette Holm (max 17) and Jonas Berg (max 2)."""
    assert run("consultant", "add", "Mette Holm").exit_code == 0
    assert run("consultant", "add", "Jonas Berg", "--max-caseload", "2").exit_code == 0
    return run


def intake_args(name: str = "Sofie Jensen", birth: str = "14-03-2010", *extra: str) -> list[str]:
    return [
        "intake",
        "--name",
        name,
        "--birth-date",
        birth,
        "--referral-date",
        "02-11-2026",
        *ELIGIBLE,
        *extra,
    ]


# --- a throwaway PostgreSQL server (SPEC §12) -----------------------------------------------------
#
# Started once per test session when PostgreSQL's server programs are installed: initdb in a
# fresh temporary folder (as an unprivileged user when the tests run as root, since the
# server refuses to run as root), listening only on a Unix socket in that folder (no TCP),
# and stopped and deleted at the end. Each test gets its own database, copied from a
# template that already holds the schema (CREATE DATABASE … TEMPLATE takes milliseconds).
# The template is set up as README tells an administrator to (least privilege): the SQL of
# `ipsung server-setup --print` run with psql, then `ipsung upgrade` as the superuser. The
# tests log in as one person of the team, with nothing but the team role's rights.

PG_OWNER = "ipsung_owner"  # owns the tables; nobody logs in as it
PG_TEAM = "ipsung_team"  # the team role: reads and writes the caseload
PG_ROLE = "mette_holm"  # the login the tests use: a member of the team, nothing more
PG_PASSWORD_ROLE = "ipsung_pw"  # the one role that must give a password
PG_PASSWORD = "Korrekt-Hest-Batteri-42"
PG_TEMPLATE = "ipsung_template"


def _pg_bin_dir() -> Path | None:
    """The folder of initdb, pg_ctl, postgres and psql: IPSUNG_TEST_PG_BIN, then PATH, then
    Debian's /usr/lib/postgresql/<version>/bin (newest first)."""
    candidates = []
    if os.environ.get("IPSUNG_TEST_PG_BIN"):
        candidates.append(Path(os.environ["IPSUNG_TEST_PG_BIN"]))
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)

    def version(folder: Path) -> float:
        try:
            return float(folder.parent.name)
        except ValueError:
            return 0.0

    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True)
    for folder in candidates:
        if all((folder / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres", "psql")):
            return folder
    return None


class PgServer:
    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.folder = Path(tempfile.mkdtemp(prefix="ipsung-pg-"))
        self.data = self.folder / "data"
        self.socket_dir = self.folder  # short: a socket path must stay under 108 bytes
        self.port = 5432  # only names the socket file; nothing listens on TCP
        self.user: dict = {}
        self._next = 0
        if os.geteuid() == 0:
            # postgres refuses to run as root: run it as the `postgres` user if there is
            # one (Debian's package makes it), else as `nobody`, owning the folder.
            for name in ("postgres", "nobody"):
                try:
                    entry = pwd.getpwnam(name)
                except KeyError:
                    continue
                self.user = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
                os.chown(self.folder, entry.pw_uid, entry.pw_gid)
                break

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            cwd=self.folder,
            env={**os.environ, "LC_ALL": "C", "LANG": "C"},
            **self.user,
        )
        if result.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{args[0]} failed: {result.stderr}\n{result.stdout}\n{tail}")

    def start(self, durable: bool = False) -> None:
        """initdb and start. The tests' server skips fsync (nothing in it needs to outlive
        a crash); `durable` keeps the defaults, as a real server's (the benchmarks)."""
        # C collation: the server orders text by code point, as SQLite does.
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        (self.data / "pg_hba.conf").write_text(
            f"local all {PG_PASSWORD_ROLE} scram-sha-256\nlocal all all trust\n"
        )
        options = (
            f"-c listen_addresses='' -c unix_socket_directories='{self.socket_dir}' "
            f"-p {self.port} -c max_connections=100"
        )
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"),
            "-o", options, "-w", "-t", "60", "start",
        )  # fmt: skip

    def restart(self) -> None:
        """`pg_ctl restart -m fast`: every session is ended, open transactions roll back."""
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"),
            "-m", "fast", "-w", "-t", "60", "restart",
        )  # fmt: skip

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str, user: str = PG_ROLE, password: str | None = None) -> str:
        secret = f":{password}" if password is not None else ""
        return f"postgresql://{user}{secret}@/{database}?host={self.socket_dir}&port={self.port}"

    def admin(self, *statements: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url(database, "postgres"), autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def superuser_url(self, database: str) -> str:
        return self.url(database, "postgres")

    def set_up(
        self, database: str, owner: str = PG_OWNER, team: str = PG_TEAM, upgrade: bool = True
    ) -> str:
        """The administrator's steps of README (A team database), with the tools it names:
        `ipsung server-setup --print > setup.sql`, `psql -v ON_ERROR_STOP=1 -f setup.sql`
        as a superuser, then (unless not `upgrade`) `ipsung upgrade` with the superuser's
        URL. Returns the SQL that was run."""
        admin_url = self.superuser_url(database)
        runner = CliRunner()
        printed = runner.invoke(
            app,
            ["--db", admin_url, "server-setup", "--print", "--owner-role", owner]
            + ["--team-role", team],
            catch_exceptions=False,
        )
        if printed.exit_code != 0:
            raise RuntimeError(f"server-setup failed: {printed.output}")
        script = self.folder / f"setup-{database}.sql"
        script.write_text(printed.stdout)
        os.chmod(script, 0o644)
        psql = subprocess.run(
            [str(self.bin / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1"]
            + ["-d", self.superuser_url("postgres"), "-f", str(script)],
            capture_output=True,
            text=True,
        )
        if psql.returncode != 0:
            raise RuntimeError(f"psql failed: {psql.stderr}")
        if upgrade:
            upgraded = runner.invoke(app, ["--db", admin_url, "upgrade"], catch_exceptions=False)
            if upgraded.exit_code != 0:
                raise RuntimeError(f"ipsung upgrade failed: {upgraded.output}")
        return printed.stdout

    def add_login(self, name: str, team: str = PG_TEAM, password: str | None = None) -> None:
        """A person, added as README says: a login in the team role, and nothing more."""
        secret = f" PASSWORD '{password}'" if password is not None else ""
        self.admin(f"CREATE ROLE {name} LOGIN{secret} IN ROLE {team}")

    def new_database(self, template: str = PG_TEMPLATE) -> str:
        self._next += 1
        name = f"ipsung_test_{self._next}"
        self.admin(f"CREATE DATABASE {name} TEMPLATE {template} OWNER {PG_OWNER}")
        return name

    def drop_database(self, name: str) -> None:
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server of our own for the whole test session, or a visible skip when
    its programs are not installed (Debian: apt-get install postgresql)."""
    bin_dir = _pg_bin_dir()
    if bin_dir is None and os.environ.get("IPSUNG_TEST_REQUIRE_POSTGRES"):
        pytest.fail("IPSUNG_TEST_REQUIRE_POSTGRES is set, but PostgreSQL is not installed")
    if bin_dir is None:
        pytest.skip(
            "PostgreSQL server programs (initdb, pg_ctl, postgres) not found: install "
            "Debian's `postgresql` package or set IPSUNG_TEST_PG_BIN to run the team "
            "database tests"
        )
    server = PgServer(bin_dir)
    try:
        server.start()
        server.set_up(PG_TEMPLATE)
        server.add_login(PG_ROLE)
        server.admin(f"CREATE ROLE {PG_PASSWORD_ROLE} LOGIN PASSWORD '{PG_PASSWORD}'")
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server):
    """A fresh team database with the schema, for one test: its URL."""
    name = pg_server.new_database()
    yield pg_server.url(name)
    pg_server.drop_database(name)


@pytest.fixture
def pg_empty_url(pg_server):
    """A fresh, empty database (no schema yet) that the tests' login owns, as a database
    made without the least-privilege setup would be."""
    pg_server._next += 1
    name = f"ipsung_empty_{pg_server._next}"
    pg_server.admin(f"CREATE DATABASE {name} TEMPLATE template0 OWNER {PG_ROLE}")
    yield pg_server.url(name)
    pg_server.drop_database(name)


BACKENDS = ["sqlite", "postgresql"]


def point_at(monkeypatch, target: str, home: Path) -> dict:
    """The environment of `env`, for a database given as a file path or a server URL.
    The user's data folder (where a server's pseudonym key lives) moves to `home`."""
    return command_env(monkeypatch, target, XDG_DATA_HOME=str(home / "xdg"))


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def db_target(backend, tmp_path, request) -> str:
    """The database of one test on its backend: a file path, or a fresh server database's
    URL (the server is started only when a test asks for it)."""
    if backend == "postgresql":
        return request.getfixturevalue("pg_url")
    return str(tmp_path / "data" / "ipsung.db")


@pytest.fixture
def brun(db_target, tmp_path, monkeypatch):
    """Like `run`, on the backend of the test: runs once with a file, once with a server."""
    point_at(monkeypatch, db_target, tmp_path)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def bteam(brun):
    """Like `team`, on the backend of the test."""
    assert brun("consultant", "add", "Mette Holm").exit_code == 0
    assert brun("consultant", "add", "Jonas Berg", "--max-caseload", "2").exit_code == 0
    return brun


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "postgres: uses the throwaway PostgreSQL server (deselect: -m 'not postgres')"
    )
    config.addinivalue_line(
        "markers", "slow: a long test, such as the load and fault tests (deselect: -m 'not slow')"
    )


def pytest_collection_modifyitems(items):
    """Mark every test that needs the server, so that `pytest -m 'not postgres'` is the
    quick SQLite-only loop (the PostgreSQL half roughly doubles the suite's time)."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("backend") if callspec is not None else None
        in_the_module = item.module.__name__ == "test_postgres" and backend != "sqlite"
        if in_the_module or backend == "postgresql" or "pg_server" in item.fixturenames:
            item.add_marker(pytest.mark.postgres)
