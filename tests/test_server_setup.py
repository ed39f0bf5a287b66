"""Least privilege on a team database (SPEC §12, issue 17): the administrator's setup as
README gives it, what a consultant's login can and cannot do under it, the schema made
and upgraded by `ipsung upgrade` alone, and what `ipsung check` says about a setup that
lets a login act as the tables' owner.

The throwaway server of conftest is itself set up this way (`PgServer.set_up`), so every
CLI test that runs on a server runs as a member of the team role with nothing more.
"""

import getpass
import json
import shutil
from pathlib import Path

import pytest
from conftest import PG_OWNER, PG_ROLE, PG_TEAM, codes_of, intake_args, point_at, run_workers
from typer.testing import CliRunner

from ipsung.cli import app
from ipsung.store.migrations import HEAD_REVISION

FIXTURES = Path(__file__).parent / "fixtures"


def cli(*args: str, env: dict | None = None):
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)


def ok(result):
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.output
    return result


def doc(result):
    return json.loads(ok(result).stdout)


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


def owners(url: str) -> set[str]:
    """The owners of every table, sequence and function in the database's public schema."""
    return {
        owner
        for (owner,) in sql(
            url,
            "SELECT pg_get_userbyid(relowner) FROM pg_class "
            "WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'S', 'i') "
            "UNION SELECT pg_get_userbyid(proowner) FROM pg_proc "
            "WHERE pronamespace = 'public'::regnamespace",
        )
    }


@pytest.fixture
def fresh(pg_server):
    """A database name of the test's own, dropped afterwards with the roles it made."""
    pg_server._next += 1
    name = f"setup_{pg_server._next}"
    roles: list[str] = []
    yield name, roles
    pg_server.drop_database(name)
    for role in reversed(roles):
        pg_server.admin(f"DROP OWNED BY {role} CASCADE", database="postgres")
        pg_server.admin(f"DROP ROLE IF EXISTS {role}")


# --- the administrator's setup, as README gives it ------------------------------------------------


def test_the_administrators_setup_as_readme_gives_it(pg_server, fresh, tmp_path, monkeypatch):
    """server-setup --print > setup.sql; psql -v ON_ERROR_STOP=1 -f setup.sql; ipsung upgrade
    with the superuser's URL; a login per person IN ROLE the team, nothing more. Then every
    command works for them, the audit log tells them apart, the superuser owns nothing,
    and check finds nothing wrong. Running the SQL again changes nothing."""
    name, roles = fresh
    owner, team = f"{name}_owner", f"{name}_team"
    roles += [f"{name}_mette", f"{name}_jonas", team, owner]
    script = pg_server.set_up(name, owner=owner, team=team)
    assert f"CREATE ROLE {owner} NOLOGIN" in script and f"CREATE ROLE {team} NOLOGIN" in script
    pg_server.add_login(f"{name}_mette", team=team)
    pg_server.add_login(f"{name}_jonas", team=team)
    assert owners(pg_server.superuser_url(name)) == {owner}
    assert sql(
        pg_server.superuser_url("postgres"),
        f"SELECT rolcanlogin FROM pg_roles WHERE rolname IN ('{owner}', '{team}')",
    ) == [(False,), (False,)]

    point_at(monkeypatch, pg_server.url(name, f"{name}_mette"), tmp_path)
    ok(cli("consultant", "add", "Mette Holm"))
    case = doc(cli(*intake_args(), "--json"))["id"]
    monkeypatch.setenv("IPSUNG_DB", pg_server.url(name, f"{name}_jonas"))
    ok(cli("log-contact", str(case), "--kind", "youth"))
    ok(cli("placement", "add", str(case), "--kind", "internship", "--start", "today"))
    ok(cli("progress", str(case), "--outlook", "3", "--insight", "3", "--skills", "3"))
    ok(cli("edit", str(case), "--goal", "Blive tømrer"))
    ok(cli("export", "all", "--out", str(tmp_path / "ud")))
    for command in (["due"], ["capacity"], ["outcomes"], ["fidelity"], ["list"], ["audit"]):
        ok(cli(*command))
    assert doc(cli("check", "--json")) == {"ok": True, "problems": []}
    me = getpass.getuser()
    users = {r["os_user"] for r in doc(cli("audit", "--json"))}
    assert users == {f"{me}@{name}_mette", f"{me}@{name}_jonas"}
    ok(cli("erase", str(case), "--yes"))

    again = pg_server.set_up(name, owner=owner, team=team)  # idempotent, and upgrade: nothing
    assert again == script
    assert owners(pg_server.superuser_url(name)) == {owner}
    ok(cli(*intake_args("Ida Lund")))


def test_server_setup_prints_sql_for_the_database_named_and_no_password(tmp_path, monkeypatch):
    point_at(monkeypatch, "postgresql://postgres:Hemmelig-Ko-31@db.kommune.dk/ipsung", tmp_path)
    r = ok(cli("server-setup", "--print"))
    assert r.stderr == ""
    assert "Hemmelig" not in r.stdout
    for line in (
        "CREATE ROLE ipsung_owner NOLOGIN",
        "CREATE ROLE ipsung_team NOLOGIN",
        'CREATE DATABASE "ipsung" OWNER ipsung_owner',
        "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ipsung_team",
        "REVOKE UPDATE, DELETE, TRUNCATE ON public.audit_log FROM PUBLIC, ipsung_team",
        "CREATE ROLE mette_holm LOGIN PASSWORD '...' IN ROLE ipsung_team",
    ):
        assert line in r.stdout
    assert "ALTER ROLE mette_holm" not in r.stdout  # a person needs nothing but IN ROLE
    named = ok(cli("server-setup", "--print", "--owner-role", "ejer", "--team-role", "hj_team"))
    assert "CREATE ROLE ejer NOLOGIN" in named.stdout and "IN ROLE hj_team" in named.stdout
    other = ok(cli("--db", "postgresql://admin@db/IPS-Hjørring2", "server-setup", "--print"))
    assert 'CREATE DATABASE "IPS-Hjørring2" OWNER ips_hj_rring2_owner' in other.stdout


@pytest.mark.parametrize(
    ("args", "where"),
    [
        (["server-setup"], "--print"),
        (["server-setup", "--print", "--team-role", "hold"], "team"),
        (["server-setup", "--print", "--owner-role", "Ejer"], "--owner-role"),
        (["server-setup", "--print", "--owner-role", "pg_owner"], "--owner-role"),
        (["server-setup", "--print", "--team-role", "x; DROP ROLE y"], "--team-role"),
        (["server-setup", "--print", "--owner-role", "a_team", "--team-role", "a_team"], "two"),
        (["--db", "postgresql://u@db/ips%22ung", "server-setup", "--print"], "database name"),
    ],
)
def test_server_setup_refuses_what_it_cannot_write(args, where, tmp_path, monkeypatch):
    point_at(monkeypatch, "postgresql://postgres@db.kommune.dk/ipsung", tmp_path)
    line = one_error_line(cli(*args), 2)
    assert where in line


def test_server_setup_on_a_file_says_what_it_is_for(tmp_path, monkeypatch):
    point_at(monkeypatch, str(tmp_path / "ipsung.db"), tmp_path)
    line = one_error_line(cli("server-setup", "--print"), 2)
    assert "postgresql://" in line
    assert list(tmp_path.iterdir()) == []


def test_default_roles_follow_the_database_name():
    from ipsung.store import privileges

    assert privileges.default_roles("ipsung") == ("ipsung_owner", "ipsung_team")
    assert privileges.default_roles("IPS-Hjorring") == ("ips_hjorring_owner", "ips_hjorring_team")
    assert privileges.default_roles("2026") == ("ipsung_2026_owner", "ipsung_2026_team")


# --- what a consultant's login can and cannot do ----------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
        "ALTER TABLE audit_log DISABLE TRIGGER ALL",
        "UPDATE audit_log SET change = 'x'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "DROP TABLE contacts",
        "ALTER TABLE participants ADD COLUMN note text",
        "CREATE TABLE extra (id int)",
        "UPDATE alembic_version SET version_num = '0002'",
        "DROP FUNCTION audit_log_append_only() CASCADE",
        f"SET ROLE {PG_OWNER}",
        f"GRANT {PG_OWNER} TO {PG_ROLE}",
    ],
)
def test_a_consultant_cannot_get_round_the_audit_log(pg_url, statement, tmp_path, monkeypatch):
    import psycopg

    point_at(monkeypatch, pg_url, tmp_path)
    ok(cli("consultant", "add", "Mette Holm"))
    before = sql(pg_url, "SELECT * FROM audit_log ORDER BY id")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        sql(pg_url, statement)
    assert sql(pg_url, "SELECT * FROM audit_log ORDER BY id") == before
    assert doc(cli("check", "--json"))["ok"] is True


def test_a_consultant_may_add_to_and_read_the_audit_log(pg_url):
    sql(pg_url, "INSERT INTO audit_log (at, os_user, command, change) VALUES ('t', 'u', 'c', '')")
    assert sql(pg_url, "SELECT command FROM audit_log") == [("c",)]
    rights = sql(
        pg_url,
        "SELECT has_table_privilege('audit_log', 'SELECT'), "
        "has_table_privilege('audit_log', 'INSERT'), has_table_privilege('audit_log', 'UPDATE'), "
        "has_table_privilege('contacts', 'UPDATE'), has_table_privilege('contacts', 'DELETE'), "
        "pg_has_role(current_user, 'ipsung_owner', 'MEMBER')",
    )
    assert rights == [(True, True, False, True, True, False)]
    sql(pg_url, "GRANT UPDATE ON audit_log TO PUBLIC")  # a warning: the team may grant nothing
    with pytest.raises(Exception, match="permission denied"):
        sql(pg_url, "UPDATE audit_log SET change = 'x'")


# --- the schema: made and upgraded by `ipsung upgrade` alone, as the owner ----------------------


def test_an_empty_database_is_refused_until_its_owner_upgrades(
    pg_server, fresh, tmp_path, monkeypatch
):
    name, roles = fresh
    roles += [f"{name}_mette", f"{name}_team", f"{name}_owner"]
    pg_server.set_up(name, f"{name}_owner", f"{name}_team", upgrade=False)
    pg_server.add_login(f"{name}_mette", team=f"{name}_team")
    point_at(monkeypatch, pg_server.url(name, f"{name}_mette"), tmp_path)
    for args in (["list"], ["consultant", "add", "Mette Holm"], ["capacity", "--json"]):
        line = one_error_line(cli(*args), 1)
        assert "no ipsung tables yet" in line and "ipsung upgrade" in line
    assert doc(cli("info", "--json"))["schema_version"] is None
    line = one_error_line(cli("upgrade"), 1)  # a consultant may not make them
    assert f"only its owner {name}_owner" in line
    assert sql(pg_server.superuser_url(name), "SELECT to_regclass('alembic_version')") == [(None,)]

    admin = pg_server.superuser_url(name)
    made = ok(cli("--db", admin, "upgrade"))
    assert f"Made the tables of postgresql://postgres@/{name}" in made.stdout
    assert owners(admin) == {f"{name}_owner"}
    assert ok(cli("--db", admin, "upgrade")).stdout.startswith("The schema of")
    assert "up to date" in ok(cli("upgrade")).stdout  # nothing to do: nothing refused
    ok(cli("consultant", "add", "Mette Holm"))
    assert doc(cli("info", "--json"))["schema_version"] == HEAD_REVISION


def _migrate_as_owner(url: str, owner: str, revision: str) -> None:
    """An older ipsung's schema, as its owner would have made it."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    config = Config()
    config.set_main_option("script_location", "ipsung.store:migrations")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"SET ROLE {owner}")
        conn.commit()
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    engine.dispose()


def test_a_newer_ipsung_asks_the_owner_to_upgrade_and_changes_nothing(
    pg_server, fresh, tmp_path, monkeypatch
):
    """The database has schema 0002 with rows; this ipsung needs the head. Every command
    of a consultant is refused untouched, `ipsung upgrade` too; the superuser's upgrade
    keeps the rows, and the tables stay the owner's with the team's rights."""
    name, roles = fresh
    owner, team, login = f"{name}_owner", f"{name}_team", f"{name}_mette"
    roles += [login, team, owner]
    pg_server.set_up(name, owner, team, upgrade=False)
    pg_server.add_login(login, team=team)
    admin = pg_server.superuser_url(name)
    _migrate_as_owner(admin, owner, "0002")
    consultant = pg_server.url(name, login)
    sql(consultant, "INSERT INTO consultants (name, max_caseload, active) VALUES ('Ida', 3, true)")
    before = sql(admin, "SELECT count(*) FROM audit_log"), sql(admin, "SELECT * FROM consultants")

    point_at(monkeypatch, consultant, tmp_path)
    for args in (["consultant", "list"], ["consultant", "add", "Jonas Berg"], ["upgrade"]):
        line = one_error_line(cli(*args), 1)
        assert "ipsung upgrade" in line and "owner" in line
    assert sql(admin, "SELECT version_num FROM alembic_version") == [("0002",)]
    after = sql(admin, "SELECT count(*) FROM audit_log"), sql(admin, "SELECT * FROM consultants")
    assert after == before

    r = ok(cli("--db", admin, "upgrade"))
    assert f"from schema 0002 to {HEAD_REVISION}" in r.stdout
    assert owners(admin) == {owner}
    assert [c["name"] for c in doc(cli("consultant", "list", "--json"))] == ["Ida"]
    ok(cli(*intake_args("Sofie Jensen"), "--consultant", "Ida"))
    with pytest.raises(Exception, match="permission denied"):
        sql(consultant, "UPDATE alembic_version SET version_num = '0001'")
    with pytest.raises(Exception, match="permission denied"):
        sql(consultant, "DELETE FROM audit_log")
    assert doc(cli("check", "--json"))["ok"] is True


def test_upgrade_refuses_a_database_a_superuser_owns(pg_server, fresh, tmp_path, monkeypatch):
    """Without the setup SQL, the tables would be the superuser's: refused, nothing made."""
    name, _roles = fresh
    pg_server.admin(f"CREATE DATABASE {name}")
    point_at(monkeypatch, pg_server.superuser_url(name), tmp_path)
    line = one_error_line(cli("upgrade"), 1)
    assert "superuser postgres" in line and "server-setup --print" in line
    assert sql(pg_server.superuser_url(name), "SELECT to_regclass('alembic_version')") == [(None,)]


def test_two_upgrades_at_once_make_the_tables_once(pg_server, fresh, tmp_path):
    name, roles = fresh
    roles += [f"{name}_team", f"{name}_owner"]
    pg_server.set_up(name, f"{name}_owner", f"{name}_team", upgrade=False)
    admin = pg_server.superuser_url(name)
    outputs = run_workers(admin, [[["upgrade"]], [["upgrade"]]], tmp_path)
    assert all(codes_of(out) == [0] for out in outputs), outputs
    assert sql(admin, "SELECT version_num FROM alembic_version") == [(HEAD_REVISION,)]
    assert owners(admin) == {f"{name}_owner"}


def test_upgrade_on_a_file(tmp_path, monkeypatch):
    """On a file, `ipsung upgrade` does what opening it does: makes it, or upgrades it with a
    copy kept beside it, or says it is up to date."""
    path = tmp_path / "data" / "ipsung.db"
    point_at(monkeypatch, str(path), tmp_path)
    assert "Made the tables" in ok(cli("upgrade")).stdout
    assert "up to date" in ok(cli("upgrade")).stdout
    old = tmp_path / "old.db"
    shutil.copy(FIXTURES / "schema-0002.db", old)
    r = ok(cli("--db", str(old), "upgrade"))
    assert f"from schema 0002 to {HEAD_REVISION}" in r.stdout
    assert any(p.name.startswith("old.db.before-upgrade-0002") for p in tmp_path.iterdir())
    assert doc(cli("--db", str(old), "info", "--json"))["schema_version"] == HEAD_REVISION


# --- what `ipsung check` says about the setup ---------------------------------------------------


def test_the_readme_setup_of_before_is_a_risk_until_the_setup_sql_moves_it(
    pg_server, fresh, tmp_path, monkeypatch
):
    """README's earlier setup: the team role owns the database and its tables, and every
    login is a member that acts as it. Any consultant could then disable the audit
    trigger: check says so (exit 1). The setup SQL moves the tables to an owner role; the
    same logins then work as before, and check is content."""
    name, roles = fresh
    team, owner = f"{name}_team", f"{name}_owner"
    logins = [f"{name}_mette", f"{name}_jonas"]
    roles += [*logins, team, owner]
    pg_server.admin(f"CREATE ROLE {team} NOLOGIN", f"CREATE DATABASE {name} OWNER {team}")
    for login in logins:
        pg_server.add_login(login, team=team)
        pg_server.admin(f"ALTER ROLE {login} SET role = '{team}'")
    ok(cli("--db", pg_server.superuser_url(name), "upgrade"))  # as the owner: the team
    assert owners(pg_server.superuser_url(name)) == {team}
    point_at(monkeypatch, pg_server.url(name, logins[0]), tmp_path)
    ok(cli("consultant", "add", "Mette Holm"))
    r = cli("check", "--json")
    assert r.exit_code == 1, r.output
    (problem,) = json.loads(r.stdout)["problems"]
    assert problem["check"] == "table-owner"
    assert f"owned by {team}" in problem["detail"] and ", ".join(logins[::-1]) in problem["detail"]
    human = cli("check")
    assert human.exit_code == 1 and "server-setup --print" in human.stdout

    pg_server.set_up(name, owner=owner, team=team, upgrade=False)
    assert owners(pg_server.superuser_url(name)) == {owner}
    assert doc(cli("check", "--json")) == {"ok": True, "problems": []}
    monkeypatch.setenv("IPSUNG_DB", pg_server.url(name, logins[1]))
    ok(cli(*intake_args()))
    assert len(doc(cli("audit", "--json"))) == 2


def test_check_reports_tables_a_login_owns(pg_empty_url, tmp_path, monkeypatch):
    """A database made by and for one login (no setup SQL): its owner can log in."""
    point_at(monkeypatch, pg_empty_url, tmp_path)
    ok(cli("upgrade"))  # the login owns the database, so it may
    ok(cli("consultant", "add", "Mette Holm"))
    r = cli("check", "--json")
    assert r.exit_code == 1
    details = [p["detail"] for p in json.loads(r.stdout)["problems"]]
    assert details == [
        f"the tables are owned by {PG_ROLE}, which can log in: a login that can act as the "
        "owner could disable the audit trigger, change the audit log or drop a table; let a "
        "role nobody logs in as own them (see 'ipsung server-setup --print')"
    ]


def test_check_reports_who_may_change_audit_rows(pg_server, pg_url, tmp_path, monkeypatch):
    name = pg_url.split("@/")[1].split("?")[0]
    pg_server.admin(f"GRANT UPDATE, DELETE ON audit_log TO {PG_TEAM}", database=name)
    point_at(monkeypatch, pg_url, tmp_path)
    r = cli("check", "--json")
    assert r.exit_code == 1
    (problem,) = json.loads(r.stdout)["problems"]
    assert problem["check"] == "audit-privileges" and PG_TEAM in problem["detail"]


@pytest.mark.parametrize("command", [["upgrade"], ["server-setup"]], ids=" ".join)
def test_help_of_the_new_commands_has_an_example(command, tmp_path, monkeypatch):
    point_at(monkeypatch, str(tmp_path / "ipsung.db"), tmp_path)
    r = ok(cli(*command, "--help"))
    assert "Usage: ipsung " + " ".join(command) in r.stdout and "Example" in r.stdout
    assert not (tmp_path / "ipsung.db").exists()
    assert " ".join(command) in ok(cli("--help")).stdout
