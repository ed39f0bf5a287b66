"""The append-only audit log: who did what to which case, and when (SPEC §10).

Cases are named by id only. Callers describe a change with field names and codes,
never with a name, a CPR number or a note.

On a team database (SPEC §12) the user is `<OS user>@<database user>`: the OS user says
who sat at the machine, the database user is the login the server checked the password
of, so several consultants' rows are told apart even where they share an OS user name.
"""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from ipsung.store import db
from ipsung.store.tables import audit_log

if TYPE_CHECKING:  # a write's ORM session, or a report's Core connection: both execute
    from sqlalchemy.orm import Session


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME (e.g. in a container)
        return "unknown"


def record(
    bind: Session | Connection, command: str, participant_id: int | None = None, change: str = ""
) -> None:
    """Add one row in the command's own transaction: it lands exactly when the change does."""
    user = os_user()
    server_user = db.db_user(bind)
    if server_user:
        user = f"{user}@{server_user}"
    bind.execute(
        insert(audit_log).values(
            at=datetime.now(UTC).isoformat(timespec="seconds"),
            os_user=user[: audit_log.c.os_user.type.length],
            command=command,
            participant_id=participant_id,
            change=change,
        )
    )


def entries(conn: Connection, participant_id: int | None, limit: int | None) -> list[dict]:
    """The log's rows, oldest first: all, one case's, or the latest `limit`."""
    a = audit_log.c
    query = select(a.id, a.at, a.os_user, a.command, a.participant_id, a.change)
    if participant_id is not None:
        query = query.where(a.participant_id == participant_id)
    query = query.order_by(a.id.desc())
    if limit:
        query = query.limit(limit)
    return [row._asdict() for row in reversed(conn.execute(query).all())]
