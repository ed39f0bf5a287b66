"""The schema's version: ours, a database's, and bringing one up to ours.

The schema is Alembic's, on both backends. On open, the database's revision is compared
with ours by a plain query, and Alembic (slow to import) is imported only when an upgrade
is needed. A database from a newer ipsung is refused and left as it is.
"""

from sqlalchemy.engine import Connection, Engine

from ipsung.errors import DatabaseRefused
from ipsung.i18n import _
from ipsung.store.migrations import HEAD_REVISION, KNOWN_REVISIONS

__all__ = ["HEAD_REVISION", "KNOWN_REVISIONS", "refuse_newer", "upgrade", "upgrade_on"]


def upgrade(engine: Engine) -> None:
    """Run the migrations up to head, each in its own transaction."""
    with engine.connect() as connection:
        upgrade_on(connection)


def upgrade_on(connection: Connection) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "ipsung.store:migrations")
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def refuse_newer(shown: str, revision: str, what: str) -> None:
    if revision not in KNOWN_REVISIONS:
        raise DatabaseRefused(
            _(
                "{path} was made by a newer version of ipsung (schema {revision}); "
                "upgrade ipsung to use it. The {what} was not changed."
            ).format(path=shown, revision=revision, what=what)
        )
