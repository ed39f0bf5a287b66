"""The list of cases (SPEC §6): who, with whom, since when, and the last youth contact;
searched by name, goal or employer and sorted as asked (issue 16)."""

from sqlalchemy import func, select, union
from sqlalchemy.engine import Connection

from ipsung.store import team
from ipsung.store.names import fold
from ipsung.store.tables import consultants, contacts, participants, placements, status
from ipsung.vocabulary import LIST_SORTS, STATUSES, YOUTH_CONTACT_KINDS, parse_choice

ALL = "all"


def list_cases(
    conn: Connection,
    status_wanted: str = "active",
    consultant: str | None = None,
    search: str | None = None,
    sort: str = "id",
):
    """The `list --json` documents, oldest case first (or by name, or by enrolment)."""
    wanted = parse_choice(status_wanted, (*STATUSES, ALL), "--status")
    sort = parse_choice(sort, LIST_SORTS, "--sort")
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
    documents = [row._asdict() for row in conn.execute(query).all()]
    if search is not None:
        documents = _searched(conn, documents, search)
    if sort == "name":
        # Anonymised cases (no name) last; folded, so that Å sorts with å.
        documents.sort(key=lambda d: (d["name"] is None, fold(d["name"] or "")))
    elif sort == "enrolled":
        documents.sort(key=lambda d: (d["enrolled_on"] is None, d["enrolled_on"] or 0))
    return documents


def _searched(conn: Connection, documents: list[dict], text: str) -> list[dict]:
    """The cases whose name, goal or an employer (of a placement or a contact) holds the
    text, in any case (Æ, Ø and Å too: compared in Python, see store/names.py)."""
    wanted = fold(text)
    if not wanted:
        return documents
    p, pl, c = participants.c, placements.c, contacts.c
    texts: dict[int, list[str]] = {}
    for pid, name, goal in conn.execute(select(p.id, p.name, p.goal)).all():
        texts[pid] = [t for t in (name, goal) if t]
    employers = union(
        select(pl.participant_id, pl.employer).where(pl.employer.is_not(None)),
        select(c.participant_id, c.employer).where(
            c.participant_id.is_not(None), c.employer.is_not(None)
        ),
    )
    for pid, employer in conn.execute(employers).all():
        texts.setdefault(pid, []).append(employer)
    found = {pid for pid, found_in in texts.items() if any(wanted in fold(t) for t in found_in)}
    return [d for d in documents if d["id"] in found]
