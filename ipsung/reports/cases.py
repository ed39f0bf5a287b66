"""The list of cases (SPEC §6): who, with whom, since when, and the last youth contact."""

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from ipsung.store import team
from ipsung.store.tables import consultants, contacts, participants, status
from ipsung.vocabulary import STATUSES, YOUTH_CONTACT_KINDS, parse_choice

ALL = "all"


def list_cases(conn: Connection, status_wanted: str = "active", consultant: str | None = None):
    """The `list --json` documents, oldest case first."""
    wanted = parse_choice(status_wanted, (*STATUSES, ALL), "--status")
    p, c = participants.c, contacts.c
    last_youth = (
        select(func.max(c.date))
        .where(c.participant_id == p.id, c.kind.in_(YOUTH_CONTACT_KINDS))
        .scalar_subquery()
    )
    query = (
        select(
            p.id,
            p.name,
            status().label("status"),
            consultants.c.name.label("consultant"),
            p.track,
            p.enrolled_on,
            last_youth.label("last_youth_contact"),
        )
        .outerjoin(consultants, p.consultant_id == consultants.c.id)
        .order_by(p.id)
    )
    if wanted != ALL:
        query = query.where(status() == wanted)
    if consultant:
        query = query.where(p.consultant_id == team.consultant_id_by_name(conn, consultant))
    return [row._asdict() for row in conn.execute(query).all()]
