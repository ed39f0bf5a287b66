"""The team as stored: consultants by name and their open cases on a day.

One Core query each, shared by the use cases that judge capacity (intake, reassign,
set-max, import) and the reports that show it (capacity, consultant list, due, fidelity,
check), so that both always count the same cases.
"""

import difflib
from datetime import date
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from ipsung.errors import NotFound
from ipsung.i18n import _
from ipsung.store.tables import consultants, open_on, participants

HINT_NAMES = 10  # names shown when a consultant is not found


def same_name(a: str, b: str) -> bool:
    """Two spellings of one name, in any case (Æ, Ø and Å too)."""
    # In Python, not SQL: SQLite's lower() leaves Æ, Ø and Å as they are.
    return a.casefold() == b.casefold()


class TeamMember(NamedTuple):
    """A consultant and their open cases on a day (free places: rules.free_places)."""

    id: int
    name: str
    max_caseload: int
    active: bool
    open_cases: int


def members(conn: Connection, on: date) -> list[TeamMember]:
    """Every consultant with their open cases on `on`, by name."""
    cs, p = consultants.c, participants.c
    open_cases = (
        select(p.consultant_id, func.count().label("n"))
        .where(open_on(on), p.consultant_id.is_not(None))
        .group_by(p.consultant_id)
        .subquery()
    )
    rows = conn.execute(
        select(cs.id, cs.name, cs.max_caseload, cs.active, func.coalesce(open_cases.c.n, 0))
        .outerjoin(open_cases, open_cases.c.consultant_id == cs.id)
        .order_by(cs.name)
    )
    return [TeamMember(*row) for row in rows.all()]


def member(conn: Connection, consultant_id: int, on: date) -> TeamMember:
    return next(m for m in members(conn, on) if m.id == consultant_id)


def consultant_id_by_name(conn: Connection, name: str, where: str | None = None) -> int:
    """The id of the consultant of this name (spaces tidied, any case); not found names
    everyone who is known, or the nearest names of a large register."""
    wanted = " ".join(name.split())
    everyone = conn.execute(
        select(consultants.c.id, consultants.c.name).order_by(consultants.c.name)
    ).all()
    found = next((cid for cid, known in everyone if same_name(known, wanted)), None)
    if found is None:
        names = [known for _cid, known in everyone]
        raise NotFound(
            _("consultant '{name}' not found ({hint})").format(
                name=wanted, hint=_known_hint(wanted, names)
            ),
            where,
        )
    return found


def _known_hint(wanted: str, names: list[str]) -> str:
    """A team's few names in full; of a national register, the nearest spellings only,
    so that the error stays one readable line."""
    if not names:
        return _("none added yet")
    if len(names) <= HINT_NAMES:
        return _("known: {names}").format(names=", ".join(names))
    by_folded = {n.casefold(): n for n in names}
    near = difflib.get_close_matches(wanted.casefold(), by_folded, n=5, cutoff=0.6)
    if not near:
        return _("{n} consultants known; see: ipsung consultant list").format(n=len(names))
    return _("did you mean: {names}? {n} consultants known").format(
        names=", ".join(by_folded[n] for n in near), n=len(names)
    )
