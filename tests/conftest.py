"""Shared fixtures and helpers: a real SQLite file in tmp_path and the real CLI through
CliRunner; a real PostgreSQL server of the tests' own for the team database (SPEC §12).

Tests never depend on the real date: IPSUNG_TODAY fixes "today" for every command.

The SQLite database of a test
    `sqlite_template` migrates one empty database to head once per test session (through
    ipsung itself, as a first write does), and `db_path` gives each test a byte copy of it,
    owner-only (0600 in a 0700 folder) as ipsung makes it. A test that checks what happens
    while there is no database yet (a read that creates nothing, the first write and its
    permissions, a command that must not create one) is marked `@pytest.mark.no_db`: its
    `db_path` does not exist when it starts. Databases a test names itself elsewhere in
    tmp_path (old fixture files to upgrade, a newer schema to refuse, a fresh folder for
    the permissions, the default data folder) are made by the test or the command, as ever.

Markers
    postgres  set below (pytest_collection_modifyitems) on every test that uses the server.
    slow      set in the test modules (on a test, or on a whole module): a test that runs
              other processes for half a second or more (several writers at once,
              processes killed half-way, the installed command at a terminal) or searches
              with generated input (the fuzz test).
    no_db     see above: the test starts without a database file.
    The quick loop is `pytest -m "not slow and not postgres"`; plain `pytest` runs
    everything. pyproject's addopts runs the tests on every core (pytest-xdist, `-n auto`):
    each worker has its own tmp folders, SQLite template and PostgreSQL server (in a
    folder of its own, socket included). `-n 0` runs them in this one process.

Helpers for the test modules (`from conftest import ...`): ok, doc, as_json, row_counts,
one_error_line, assert_usage_error, invoke, cli, query, process_env, run_installed,
run_workers and codes_of.
"""

import functools
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest
import typer.main
import typer.testing
from typer.testing import CliRunner

from ipsung import i18n
from ipsung.cli import app
from ipsung.store.tables import MIGRATION_ONLY_INDEXES

try:
    import pwd
except ImportError:  # Windows: no users to switch to; the server tests are skipped there
    pwd = None

TODAY = date(2026, 11, 23)  # a Monday
TODAY_ISO = TODAY.isoformat()
IPSUNG = Path(sys.executable).parent / "ipsung"  # the installed command
# The commands' environment for tests that name the database with --db.
CLI_ENV = {
    "IPSUNG_TODAY": TODAY_ISO,
    "NO_COLOR": "1",
    "COLUMNS": "120",
    "IPSUNG_NO_INPUT": None,
    "IPSUNG_DB": None,
}


def _declared_by_the_models(obj, name, type_, reflected, compare_to):
    return name not in MIGRATION_ONLY_INDEXES  # made by the migrations alone (see tables.py)


# Alembic's autogenerate compares models with a migrated database with these options.
COMPARE_OPTIONS = {"compare_type": True, "include_object": _declared_by_the_models}


# --- running the CLI -------------------------------------------------------------------------

# typer's CliRunner turns the Typer app into its click command on every invoke: about 16 ms
# of reading signatures, a third of the in-process CLI tests' time. The command is the same
# every time, so it is made once per test process (the installed command makes it once per
# run). Should typer rename this function, the line does nothing and the tests are slower.
typer.testing._get_command = functools.cache(typer.main.get_command)


@pytest.fixture
def fresh_command():
    """For a test whose environment changes how the command itself is built (typer reads
    _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION when it builds --show-completion): the
    command is made anew for it, and again for the tests after it."""
    clear = getattr(typer.testing._get_command, "cache_clear", lambda: None)
    clear()
    yield
    clear()


def invoke(*args, input: str | None = None, env: dict | None = None, catch_exceptions=False):
    """The real CLI in this process: invoke('intake', '--name', ...) -> Result, with stdout
    and stderr apart. Exceptions propagate unless catch_exceptions."""
    return CliRunner().invoke(
        app, [str(a) for a in args], input=input, env=env, catch_exceptions=catch_exceptions
    )


def cli(db: Path | str, *args, input: str = ""):
    """The real CLI on the database `db`; stdin is not a terminal."""
    return invoke("--db", db, *args, input=input, env=CLI_ENV)


def ok(result):
    """Exit 0 and no traceback; the result."""
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.output
    return result


def doc(result):
    """The one JSON document on stdout (json.loads fails on anything more)."""
    return json.loads(result.stdout)


def as_json(result):
    """The JSON document of a command that succeeded."""
    return doc(ok(result))


def row_counts(run, *db: str) -> dict[str, int]:
    """Row counts per table (audit log included), from `info --json`."""
    return as_json(run(*db, "info", "--json"))["rows"]


def one_error_line(result, *needles: str, stdout: str | None = None) -> str:
    """Exactly one line on stderr, `Error: ...`, holding every needle, and no traceback;
    with `stdout`, what stdout must be. The line."""
    assert "Traceback" not in result.output
    if stdout is not None:
        assert result.stdout == stdout, result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for needle in needles:
        assert needle in lines[0], result.stderr
    return lines[0]


def assert_usage_error(result, *needles: str) -> str:
    """Exit 2 and one error line holding every needle; the line."""
    assert result.exit_code == 2, result.output
    return one_error_line(result, *needles)


def query(db: Path | str, sql: str, *params) -> list[tuple]:
    """Rows of one statement, read from the SQLite file with sqlite3 (not via ipsung)."""
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql, params).fetchall()


def process_env(home: Path | None = None) -> dict:
    """This process's environment without ipsung's settings, at the tests' fixed today;
    with `home`, a data folder of the test's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IPSUNG_")}
    env.update(IPSUNG_TODAY=TODAY_ISO, NO_COLOR="1", IPSUNG_LANG="en")
    if home is not None:
        env["XDG_DATA_HOME"] = str(home / "xdg")
    return env


def run_installed(env: dict, *args, input: str | None = None, **popen):
    """The installed `ipsung` in a process of its own -> CompletedProcess (text)."""
    return subprocess.run(
        [str(IPSUNG), *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        input=input,
        **popen,
    )


# --- the SQLite database of a test -------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> bytes:
    """The bytes of an empty database at head, made once per session by ipsung itself."""
    from ipsung.store import db

    path = tmp_path_factory.mktemp("sqlite-template") / "ipsung.db"
    with db.session(db.resolve(str(path)), write=True):
        pass
    # The engine is closed: SQLite has checkpointed the WAL into the file and removed it.
    companions = [p.name for p in path.parent.iterdir() if p != path]
    assert companions == [], f"the template is not one file: {companions}"
    return path.read_bytes()


def copy_database(template: bytes, path: Path) -> Path:
    """The template at `path`, owner-only in an owner-only folder, as a first write makes it."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(template)
    os.chmod(path, 0o600)
    return path


def _new_database(request, path: Path) -> Path:
    """`path` holding an empty database at head, unless the test is marked no_db."""
    if request.node.get_closest_marker("no_db") is None:
        copy_database(request.getfixturevalue("sqlite_template"), path)
    return path


@pytest.fixture(autouse=True)
def own_settings(tmp_path, monkeypatch):
    """Every test has a settings file of its own (none yet), no IPSUNG_CONSULTANT and
    English: the developer's own `ipsung config set consultant` and language must not
    change what a test sees."""
    path = tmp_path / "settings" / "config.toml"
    monkeypatch.setenv("IPSUNG_CONFIG", str(path))
    monkeypatch.delenv("IPSUNG_CONSULTANT", raising=False)
    # English, whatever the developer's own language; a test of Danish says so itself.
    monkeypatch.setenv("IPSUNG_LANG", "en")
    yield path
    i18n.activate("en", "default")  # what a test ran in does not carry over to the next


@pytest.fixture
def db_path(tmp_path, request):
    """The test's database file: an empty database at head (a copy of the template), or
    no file at all for a test marked no_db."""
    return _new_database(request, tmp_path / "data" / "ipsung.db")


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
# Started once per test session (once per xdist worker) when PostgreSQL's server programs are
# installed: initdb in a fresh temporary folder of its own (as an unprivileged user when the
# tests run as root, since the server refuses to run as root), listening only on a Unix
# socket in that folder (no TCP), and stopped and deleted at the end. Each test gets its own
# database, copied from a template that already holds the schema (CREATE DATABASE …
# TEMPLATE). The folder is in memory (/dev/shm) where there is one: a database is some 300
# files, and copying and dropping one per test takes 0.03 s there against 0.2 s on a disk.
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


def _server_parent() -> str | None:
    """Where the server's folder goes: memory if the machine has it, else the temp folder."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else None


class PgServer:
    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.folder = Path(tempfile.mkdtemp(prefix="ipsung-pg-", dir=_server_parent()))
        self.data = self.folder / "data"
        self.socket_dir = self.folder  # short: a socket path must stay under 108 bytes
        self.port = 5432  # only names the socket file; nothing listens on TCP
        self.user: dict = {}
        self._next = 0
        if pwd is not None and os.geteuid() == 0:
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
            # Each copied database writes its pages to the WAL: keep the WAL (in memory) small.
            " -c max_wal_size=64MB -c min_wal_size=32MB"
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
    """The database of one test on its backend: a file path (as `db_path` makes it), or a
    fresh server database's URL (the server is started only when a test asks for it)."""
    if backend == "postgresql":
        return request.getfixturevalue("pg_url")
    return str(_new_database(request, tmp_path / "data" / "ipsung.db"))


@pytest.fixture
def brun(db_target, tmp_path, monkeypatch):
    """Like `run`, on the backend of the test: runs once with a file, once with a server."""
    point_at(monkeypatch, db_target, tmp_path)
    return invoke


@pytest.fixture
def bteam(brun):
    """Like `team`, on the backend of the test."""
    assert brun("consultant", "add", "Mette Holm").exit_code == 0
    assert brun("consultant", "add", "Jonas Berg", "--max-caseload", "2").exit_code == 0
    return brun


# --- racing processes (SQLite in test_concurrency.py, PostgreSQL in test_postgres.py) -----------
#
# Each worker loads ipsung, says "ready", waits until all are released at once, then runs its
# commands in-process through the real CLI and reports every exit code.

# Exit 1 is a refusal the race may rightly end in (the last free place taken); anything
# else but 0 is a failure. A --json command that succeeded reports its document.
WORKER = r"""
import json, sys
from typer.testing import CliRunner
from ipsung.cli import app
import ipsung.usecases.casework, ipsung.store.db, ipsung.models, ipsung.usecases.consultants  # load before the start

target, commands = sys.argv[1], json.loads(sys.argv[2])
runner = CliRunner()
print("ready", flush=True)
sys.stdin.readline()
codes = []
for args in commands:
    r = runner.invoke(app, ["--db", target, *args], input="")
    codes.append(r.exit_code)
    if r.exit_code == 1:
        print("refused", json.dumps(args), r.stderr.strip()[-300:], flush=True)
    elif r.exit_code != 0:
        print("failed", r.exit_code, json.dumps(args), r.stderr.strip()[-300:], flush=True)
    elif "--json" in args:
        print("result", r.stdout.replace("\n", " "), flush=True)
print("codes", json.dumps(codes), flush=True)
"""


def run_workers(
    target: str, command_lists: list, home: Path | None = None, timeout: float = 180
) -> list[str]:
    """Start one worker per command list on the database `target`, release them together,
    and return their outputs; a crash, a traceback or a failure fails the test."""
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, target, json.dumps(commands)],
            env=process_env(home),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for commands in command_lists
    ]
    try:
        for w in workers:
            line = w.stdout.readline()
            assert line.strip() == "ready", (line, w.stderr.read() if w.poll() is not None else "")
        for w in workers:  # all at once
            w.stdin.write("go\n")
            w.stdin.flush()
        outputs = [w.communicate(timeout=timeout) for w in workers]
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
                w.wait()
    for w, (out, err) in zip(workers, outputs, strict=True):
        assert w.returncode == 0, err
        assert "Traceback" not in out + err and "failed" not in out, out + err
    return [out for out, _err in outputs]


def codes_of(output: str) -> list[int]:
    line = next(line for line in output.splitlines() if line.startswith("codes "))
    return json.loads(line.removeprefix("codes "))


# --- markers -------------------------------------------------------------------------------------


def pytest_configure(config):
    for line in (
        "postgres: uses the throwaway PostgreSQL server (deselect: -m 'not postgres')",
        "slow: runs other processes for half a second or more, searches generated input, or "
        "loads a server and breaks it (the quick loop: -m 'not slow and not postgres')",
        "no_db: the test starts without a database file (db_path does not exist yet)",
    ):
        config.addinivalue_line("markers", line)


def pytest_collection_modifyitems(items):
    """Mark every test that needs the server, so that `pytest -m 'not postgres'` runs the
    SQLite half alone (the PostgreSQL half roughly doubles the suite's time)."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("backend") if callspec is not None else None
        in_the_module = item.module.__name__ == "test_postgres" and backend != "sqlite"
        if in_the_module or backend == "postgresql" or "pg_server" in item.fixturenames:
            item.add_marker(pytest.mark.postgres)
