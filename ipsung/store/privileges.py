"""Least privilege on a team database (SPEC §12): the administrator's SQL, the schema
changed only by the owner, and what `ipsung check` reports about who may do what.

Three kinds of role:
- the owner (NOLOGIN) owns the database, its schema and every table, sequence and the
  audit trigger's function. Nobody logs in as it: `ipsung upgrade`, run by a superuser
  (or by a member of the owner role), acts as it with SET ROLE, so that the tables it
  makes are the owner's and never the superuser's;
- the team (NOLOGIN, `team` in its name) may read and write the caseload tables, only
  INSERT and SELECT the audit log, and only read the schema version. Its rights on tables
  made later come from default privileges set for the owner;
- one login per person, made `IN ROLE` the team and nothing more: the team's rights are
  inherited, so every command works for them as it is.

So a consultant cannot disable the audit trigger, update or delete audit rows, drop or
alter a table, or run a migration: each needs the owner.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import exc, text
from sqlalchemy.engine import Connection, make_url

from ipsung import __version__
from ipsung.errors import BadInput, DatabaseRefused
from ipsung.i18n import _
from ipsung.store import server
from ipsung.store.location import Location
from ipsung.store.schema import HEAD_REVISION, KNOWN_REVISIONS, refuse_newer, upgrade_on

# A role name ipsung writes into SQL: plain lower-case identifiers only, so that they need
# no quoting and read the same in psql, in pg_roles and in the README.
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# A database name: letters (æ, ø and å too), digits, _ and -, quoted where it is written.
DATABASE_NAME = re.compile(r"\w[\w-]*")

# Who may do what to the two tables that are not the caseload's: every other table the
# team may read and write.
AUDIT_LOG_DENIED = ("UPDATE", "DELETE", "TRUNCATE")
SCHEMA_VERSION_DENIED = ("INSERT", "UPDATE", "DELETE", "TRUNCATE")


# --- the administrator's SQL ------------------------------------------------------------------


def database_of(location: Location) -> str:
    """The database a server URL names, as a name the setup SQL can hold."""
    if not location.is_server:
        raise BadInput(
            _(
                "server-setup is for a team database on PostgreSQL: give its URL with --db "
                "or IPSUNG_DB, e.g. postgresql://postgres@db.kommune.dk/ipsung"
            )
        )
    name = make_url(location.url).database or ""
    if not DATABASE_NAME.fullmatch(name) or len(name.encode()) > 63:
        raise BadInput(
            _(
                "'{name}' cannot be named in the setup: use a database name of letters, "
                "digits, _ and - (at most 63 bytes)"
            ).format(name=name[:70])
        )
    return name


def default_roles(database: str) -> tuple[str, str]:
    """The owner and team roles named after the database: ipsung_owner, ipsung_team."""
    base = re.sub(r"[^a-z0-9_]", "_", database.lower())
    if not re.match(r"[a-z_]", base):
        base = f"ipsung_{base}"
    base = base[:57]
    return f"{base}_owner", f"{base}_team"


def role_name(value: str, option: str) -> str:
    if not ROLE_NAME.fullmatch(value) or value.startswith("pg_") or value == "public":
        raise BadInput(
            _(
                "'{value}' is not a role name ipsung writes: lower-case letters, digits and _, "
                "not starting with a digit or pg_ (at most 63)"
            ).format(value=value[:70]),
            option,
        )
    return value


def check_roles(owner: str, team: str) -> None:
    role_name(owner, "--owner-role")
    role_name(team, "--team-role")
    if "team" not in team:
        raise BadInput(_("the team role's name must hold the word 'team'"), "--team-role")
    if owner == team:
        raise BadInput(_("the owner and the team must be two roles"), "--owner-role")


def setup_sql(database: str, owner: str, team: str) -> str:
    """The SQL an administrator runs once with psql as a superuser. Idempotent: running it
    again changes nothing that is already right, and it moves an existing ipsung database
    (for example one whose tables the team role owns) to this setup."""
    check_roles(owner, team)
    db = '"' + database + '"'
    # The comments are SQL for an administrator and are kept in English, as SQL is.
    return f"""\
-- ipsung {__version__}: the team database {db} with least privilege.
-- Run once as a superuser (against the database postgres, or the database itself):
--   psql -v ON_ERROR_STOP=1 -d postgres -f setup.sql
-- Then, with the same superuser's URL, make or upgrade the tables as {owner}:
--   IPSUNG_DB='postgresql://postgres@HOST/{database}' ipsung upgrade
-- Give each person who uses ipsung (consultants, team leader) a login of their own:
--   CREATE ROLE mette_holm LOGIN PASSWORD '...' IN ROLE {team};
-- Running this file again changes nothing that is already right.

\\set ON_ERROR_STOP on

-- The owner of the database and its tables. Nobody logs in as it.
SELECT 'CREATE ROLE {owner} NOLOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{owner}')
\\gexec
ALTER ROLE {owner} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;

-- The team: every person's login is a member of it, and gets its rights.
SELECT 'CREATE ROLE {team} NOLOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{team}')
\\gexec
ALTER ROLE {team} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;

SELECT 'CREATE DATABASE {db} OWNER {owner}'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '{database}')
\\gexec
ALTER DATABASE {db} OWNER TO {owner};
REVOKE ALL ON DATABASE {db} FROM PUBLIC;
GRANT CONNECT ON DATABASE {db} TO {team};

\\connect {db}
ALTER SCHEMA public OWNER TO {owner};
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO {team};

-- Tables and functions of an earlier setup pass to the owner (a table's sequences and
-- indexes follow it); the audit trigger's function is among them. An extension's own
-- objects stay as they are.
DO $$
DECLARE found record;
BEGIN
  FOR found IN SELECT c.oid::regclass AS name FROM pg_class c
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
        AND c.relowner <> '{owner}'::regrole
        AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e') LOOP
    EXECUTE format('ALTER TABLE %s OWNER TO {owner}', found.name);
  END LOOP;
  FOR found IN SELECT p.oid::regprocedure AS name FROM pg_proc p
      WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> '{owner}'::regrole
        AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO {owner}', found.name);
  END LOOP;
END $$;

-- The team reads and writes the caseload: the tables there are now, and those the owner
-- makes later (ipsung upgrade). UPDATE on the id sequences lets demo and import move
-- them past the ids they store.
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {team};
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public
  GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {team};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {team};
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {team};

-- But only adds to and reads the audit log, and only reads the schema version
-- (ipsung upgrade takes the same rights away again for the tables it makes).
DO $$
BEGIN
  IF to_regclass('public.audit_log') IS NOT NULL THEN
    REVOKE {", ".join(AUDIT_LOG_DENIED)} ON public.audit_log FROM PUBLIC, {team};
  END IF;
  IF to_regclass('public.alembic_version') IS NOT NULL THEN
    REVOKE {", ".join(SCHEMA_VERSION_DENIED)} ON public.alembic_version FROM PUBLIC, {team};
  END IF;
END $$;
"""


# --- the schema, changed by its owner only --------------------------------------------------


def upgrade_server(location: Location) -> tuple[str | None, str]:
    """Run the migrations as the database's owner; returns the revisions before and after.

    The login must be the owner, a member of it, or a superuser acting as it (SET ROLE):
    the tables are made by the owner, never by a superuser. A database owned by a
    superuser is refused (run the setup SQL first). Writers wait meanwhile: the upgrade
    holds the write lock, as a session lock, from start to end.
    """
    made = server.engine(location, write=True, checked=False)
    try:
        with server.connected(location, made) as conn, _write_locked(location, conn):
            before = server.revision(conn)
            if before is not None and before not in KNOWN_REVISIONS:
                refuse_newer(location.shown, before, _("database"))
            if before == HEAD_REVISION and not _may_act_as_owner(conn):
                return before, HEAD_REVISION  # nothing to do, and nothing this login may do
            owner = _act_as_owner(location, conn)
            conn.commit()
            if before != HEAD_REVISION:
                try:
                    upgrade_on(conn)
                except exc.DBAPIError as error:
                    raise DatabaseRefused(
                        _("the schema of {url} could not be brought up to date: {why}").format(
                            url=location.shown, why=server.one_line(location, error.orig)
                        )
                    ) from None
            _keep_the_logs_append_only(conn, owner)
            conn.commit()
    finally:
        made.dispose()
    return before, HEAD_REVISION


@contextmanager
def _write_locked(location: Location, conn: Connection) -> Iterator[None]:
    timeout = server.lock_timeout_ms()
    conn.exec_driver_sql(f"SET lock_timeout = '{timeout}ms'")
    try:
        conn.exec_driver_sql(f"SELECT pg_advisory_lock({server.WRITE_LOCK_KEY})")
    except exc.DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) == server.LOCK_NOT_AVAILABLE:
            raise DatabaseRefused(server.lock_busy(conn, f"{timeout}ms")) from None
        raise
    conn.commit()
    try:
        yield
    finally:
        if not conn.invalidated:
            conn.rollback()
            conn.exec_driver_sql("RESET ROLE")
            conn.exec_driver_sql(f"SELECT pg_advisory_unlock({server.WRITE_LOCK_KEY})")
            conn.commit()


def _owner_facts(conn: Connection) -> tuple[str, bool, str, bool]:
    """The database's owner, whether a superuser, who we are, and whether we may act as it."""
    return tuple(
        conn.execute(
            text(
                "SELECT d.datdba::regrole::text, r.rolsuper, current_user::text, "
                "pg_has_role(current_user, d.datdba, 'MEMBER') "
                "FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba "
                "WHERE d.datname = current_database()"
            )
        ).one()
    )


def _may_act_as_owner(conn: Connection) -> bool:
    _owner, superuser, _me, member = _owner_facts(conn)
    return member and not superuser


def _act_as_owner(location: Location, conn: Connection) -> str:
    owner, owner_is_superuser, me, member = _owner_facts(conn)
    if owner_is_superuser:
        raise DatabaseRefused(
            _(
                "{url} is owned by the superuser {owner}, and so its tables would be: run "
                "the SQL of 'ipsung server-setup --print' first, so that an owner role owns "
                "it. Nothing was changed."
            ).format(url=location.shown, owner=owner)
        )
    if owner == me:
        return owner
    if not member:
        raise DatabaseRefused(
            _(
                "{user} may not change the schema of {url}: only its owner {owner} may, "
                "through 'ipsung upgrade' run by the administrator. Nothing was changed."
            ).format(user=me, url=location.shown, owner=owner)
        )
    conn.exec_driver_sql("SET ROLE " + conn.dialect.identifier_preparer.quote(owner))
    return owner


def _keep_the_logs_append_only(conn: Connection, owner: str) -> None:
    """Take from everyone but the owner what default privileges gave on the audit log and
    the schema version (ALL TABLES grants cannot leave out two tables)."""
    for table, denied in (
        ("audit_log", AUDIT_LOG_DENIED),
        ("alembic_version", SCHEMA_VERSION_DENIED),
    ):
        grantees = _grantees(conn, table, denied)
        if grantees:
            conn.exec_driver_sql(
                f"REVOKE {', '.join(denied)} ON {table} FROM {', '.join(grantees)}"
            )


def _grantees(conn: Connection, table: str, privileges: tuple[str, ...]) -> list[str]:
    """Everyone but the table's owner who holds one of `privileges` on it (PUBLIC too)."""
    wanted = ", ".join(f"'{p}'" for p in privileges)
    return [
        name
        for (name,) in conn.execute(
            text(
                "SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' "
                "ELSE quote_ident(pg_get_userbyid(a.grantee)) END "
                "FROM pg_class c, aclexplode(c.relacl) a "
                f"WHERE c.oid = to_regclass(:table) AND a.grantee <> c.relowner "
                f"AND a.privilege_type IN ({wanted}) ORDER BY 1"
            ),
            {"table": table},
        )
    ]


# --- what `ipsung check` reports -------------------------------------------------------------


@dataclass(frozen=True)
class Ownership:
    """The owner of the tables and who could act as it."""

    owner: str
    superuser: bool
    can_log_in: bool
    logins: tuple[str, ...]  # roles that log in and are members of the owner (not superusers)


def table_owners(conn: Connection) -> list[Ownership]:
    """Each role that owns one of the schema's tables, with who could act as it."""
    rows = conn.execute(
        text(
            "SELECT DISTINCT r.oid, r.rolname, r.rolsuper, r.rolcanlogin "
            "FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
            "WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') "
            "ORDER BY r.rolname"
        )
    ).all()
    return [
        Ownership(name, superuser, can_log_in, tuple(_logins_acting_as(conn, oid)))
        for oid, name, superuser, can_log_in in rows
    ]


def _logins_acting_as(conn: Connection, role_oid: int) -> list[str]:
    return [
        name
        for (name,) in conn.execute(
            text(
                "WITH RECURSIVE members(oid) AS ("
                " SELECT m.member FROM pg_auth_members m WHERE m.roleid = CAST(:role AS oid)"
                " UNION SELECT m.member FROM pg_auth_members m JOIN members ON m.roleid = members.oid"
                ") SELECT r.rolname FROM members JOIN pg_roles r ON r.oid = members.oid "
                "WHERE r.rolcanlogin AND NOT r.rolsuper ORDER BY 1"
            ),
            {"role": role_oid},
        )
    ]


def audit_log_changers(conn: Connection) -> list[str]:
    """Roles besides the owner that may update, delete or truncate audit rows."""
    return _grantees(conn, "audit_log", AUDIT_LOG_DENIED)
