"""Finding a case by what a consultant types: its id, or a name or the start of one
(SPEC §6, issue 16), for every command that takes PARTICIPANT.

Names are compared in Python, folded (`fold`): SQLite's lower() leaves Æ, Ø and Å as
they are, and a name typed with a decomposed Å must still be found. A typed text matches
a name it starts, or a later part of it (`dam` finds "Emil Dam", `sofie` "Anne-Sofie
Lund"). A name typed in full beats names it only starts; open cases (active or
waitlisted) beat closed ones. Anonymised cases have no name and are found by id only.

One plain query (CASES_SQL), run as it is on a command's connection; a test holds its
status column to tables.status().

Nothing here is ever written to the audit log; the names reach only the person at the
terminal who typed the text (see README: a name for a case).
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from ipsung.errors import BadInput, NotFound, shown
from ipsung.i18n import _

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


CASES_FROM = (
    "SELECT p.id, p.name, c.name, "
    "CASE WHEN p.closed_on IS NOT NULL THEN 'closed' "
    "WHEN p.enrolled_on IS NULL THEN 'waitlisted' ELSE 'active' END "
    "FROM participants p LEFT JOIN consultants c ON c.id = p.consultant_id"
)
CASES_SQL = CASES_FROM + " ORDER BY p.id"
CONSULTANTS_SQL = "SELECT name, active FROM consultants ORDER BY name"

LISTED = 10  # cases listed when a name matches several
NEAREST = 5  # names offered when nothing matches


class CaseName(NamedTuple):
    id: int
    name: str | None
    consultant: str | None
    status: str

    @property
    def open(self) -> bool:
        return self.status != "closed"


def fold(text: str) -> str:
    """A name as it is compared: any case (Æ/æ, Ø/ø, Å/å), composed, spaces tidied."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def word_starts(folded: str) -> Iterable[int]:
    """Where the parts of a folded name start: the first letter, and after a space or a
    hyphen (Anne-Sofie)."""
    yield 0
    for i in range(1, len(folded)):
        if folded[i - 1] in " -":
            yield i


def starts_a_part(query: str, folded: str) -> bool:
    """Whether the folded text `query` starts the folded name or one of its later parts."""
    return any(folded.startswith(query, i) for i in word_starts(folded))


def cases(conn: Connection) -> list[CaseName]:
    """Every case's id, name, consultant and status, by id, on a command's connection."""
    return [CaseName(*row) for row in conn.exec_driver_sql(CASES_SQL).all()]


def consultant_names(conn: Connection, active_only: bool = False) -> list[str]:
    return [
        name
        for name, active in conn.exec_driver_sql(CONSULTANTS_SQL).all()
        if active or not active_only
    ]


def matching(rows: Iterable[CaseName], text: str) -> list[CaseName]:
    """The cases a typed name means, best first: those named exactly so, else those whose
    name (or a later part of it) it starts; open cases only, when there are any."""
    query = fold(text)
    if not query:
        return []
    named = [(r, fold(r.name)) for r in rows if r.name]
    found = [r for r, folded in named if folded == query]
    if not found:
        found = [r for r, folded in named if starts_a_part(query, folded)]
    still_open = [r for r in found if r.open]
    return still_open or found


def nearest(rows: Iterable[CaseName], text: str, n: int = NEAREST) -> list[str]:
    """Names that look like a mistyped text: each part of each name, cut to the text's
    length, compared with it (`emli` is near "Emil Dam"); open cases first."""
    query = fold(text)
    by_start: dict[str, list[CaseName]] = {}
    for r in rows:
        if r.name:
            folded = fold(r.name)
            for i in word_starts(folded):
                by_start.setdefault(folded[i : i + len(query)], []).append(r)
    close = difflib.get_close_matches(query, by_start, n=n, cutoff=0.6)
    candidates = [r for key in close for r in by_start[key]]
    candidates.sort(key=lambda r: not r.open)  # stable: closeness, then open first
    return list(dict.fromkeys(r.name for r in candidates))[:n]


def resolve(conn: Connection, text: str, where: str = "PARTICIPANT") -> int:
    """The case id a typed name means (the caller has already tried the text as an id).
    Several matches are bad input listing them; none, bad input with the nearest names."""
    rows = cases(conn)
    found = matching(rows, text)
    if len(found) == 1:
        return found[0].id
    if not fold(text):
        raise BadInput(_("give a case id or a name"), where)
    if not found:
        near = nearest(rows, text)
        if near:
            raise NotFound(
                _("no case matches '{text}'; nearest names: {names}").format(
                    text=shown(text), names=", ".join(near)
                ),
                where,
            )
        raise NotFound(
            _("no case matches '{text}' (see: ipsung list --status all)").format(text=shown(text)),
            where,
        )
    raise BadInput(ambiguous(text, found), where)


def ambiguous(text: str, found: list[CaseName]) -> str:
    """`'emil' matches 3 cases; give the id:` and a line `id  name  consultant  status` for
    each (never a CPR number: it is not even read)."""
    lines = [_("'{text}' matches {n} cases; give the id:").format(text=shown(text), n=len(found))]
    rows = [(str(r.id), r.name or "", r.consultant or "-", r.status) for r in found[:LISTED]]
    widths = [max(len(row[k]) for row in rows) for k in range(4)]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        lines.append("  " + "  ".join(cells).rstrip())
    if len(found) > LISTED:
        lines.append(
            "  " + _("… and {n} more; type more of the name").format(n=len(found) - LISTED)
        )
    return "\n".join(lines)
