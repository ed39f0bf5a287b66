"""The append-only audit log: who did what to which case, and when (SPEC §10).

Cases are named by id only. Callers describe a change with field names and codes,
never with a name, a CPR number or a note.

On a team database (SPEC §12) the user is `<OS user>@<database user>`: the OS user says
who sat at the machine, the database user is the login the server checked the password
of, so several consultants' rows are told apart even where they share an OS user name.
"""

import getpass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from ipsung.models import AuditEntry
from ipsung.store import db


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME (e.g. in a container)
        return "unknown"


def record(
    session: Session, command: str, participant_id: int | None = None, change: str = ""
) -> None:
    """Add one row in the command's own transaction: it lands exactly when the change does."""
    user = os_user()
    server_user = db.db_user(session)
    if server_user:
        user = f"{user}@{server_user}"
    session.add(
        AuditEntry(
            at=datetime.now(UTC).isoformat(timespec="seconds"),
            os_user=user[: AuditEntry.os_user.type.length],
            command=command,
            participant_id=participant_id,
            change=change,
        )
    )
