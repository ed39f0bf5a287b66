"""The administrator's commands (SPEC §12): the schema brought up to date, and the SQL that
sets a team database up with least privilege. Heavy imports stay inside (see cli.py)."""

from typing import Annotated

import typer

from ipsung.commands.options import location
from ipsung.errors import BadInput
from ipsung.i18n import _

app = typer.Typer()


@app.command()
def upgrade() -> None:
    """Bring the database's schema up to this version of ipsung (its migrations).

    A file is upgraded on open as well (a copy is kept beside it). A team database is
    upgraded only by this command, run by the administrator with a superuser's URL (or
    its owner's): the tables stay the owner role's. Take a pg_dump first.

    Example: IPSUNG_DB='postgresql://postgres@db.kommune.dk/ipsung' ipsung upgrade
    """
    from ipsung.store import db

    loc = location()
    before, after = db.upgrade(loc)
    if before == after:
        message = _("The schema of {db} is up to date ({revision}).")
    elif before is None:
        message = _("Made the tables of {db} (schema {revision}).")
    else:
        message = _("Upgraded {db} from schema {before} to {revision}.")
    typer.echo(message.format(db=loc.shown, before=before, revision=after))


@app.command("server-setup")
def server_setup(
    print_sql: Annotated[
        bool, typer.Option("--print", help="Print the SQL on standard output.")
    ] = False,
    owner: Annotated[
        str | None,
        typer.Option(
            "--owner-role",
            metavar="NAME",
            help="The role that owns the tables (default: DB_owner).",
        ),
    ] = None,
    team: Annotated[
        str | None,
        typer.Option(
            "--team-role",
            metavar="NAME",
            help="The role every person's login is a member of (default: DB_team).",
        ),
    ] = None,
) -> None:
    """The SQL an administrator runs once, as a superuser, to set up the team database with
    least privilege: an owner role nobody logs in as, a team role that reads and writes the
    caseload but only adds to the audit log, a login per person. Changes nothing itself.

    Example: IPSUNG_DB='postgresql://postgres@db.kommune.dk/ipsung' ipsung server-setup --print > setup.sql
    """
    from ipsung.store import privileges

    if not print_sql:
        raise BadInput(_("pass --print: server-setup only prints the SQL, for psql to run"))
    database = privileges.database_of(location())
    default_owner, default_team = privileges.default_roles(database)
    typer.echo(
        privileges.setup_sql(database, owner or default_owner, team or default_team), nl=False
    )
