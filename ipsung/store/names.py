"""Finding a case by what a consultant types: its id, or a name or the start of one
(SPEC §6, issue 16), for every command that takes PARTICIPANT and for shell completion.

Names are compared in Python, folded (`fold`): SQLite's lower() leaves Æ, Ø and Å as
they are, and a name typed with a decomposed Å must still be found. A typed text matches
a name it starts, or a later part of it (`dam` finds "Emil Dam", `sofie` "Anne-Sofie
Lund"). A name typed in full beats names it only starts; open cases (active or
waitlisted) beat closed ones. Anonymised cases have no name and are found by id only.

One plain SELECT (CASES_FROM) serves both ways in: a command's SQLAlchemy connection
runs it whole (CASES_SQL), and shell completion narrows it (WHERE, ORDER BY, LIMIT) on a
read-only sqlite3 (or psycopg) connection of its own, because completion must answer on
every Tab without loading SQLAlchemy. A test holds its status column to tables.status().

Nothing here is ever written to the audit log; the names reach only the person at the
terminal who typed the text (README: Everyday use).
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from ipsung.errors import BadInput, NotFound, shown
from ipsung.i18n import _

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from ipsung.store.location import Location

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


def names_by_id(conn: Connection) -> dict[int, str | None]:
    """Every case's name (None once anonymised) by id: what a list of cases shows beside
    each id (the due list), in one plain read."""
    return dict(conn.exec_driver_sql("SELECT id, name FROM participants").all())


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


# --- shell completion: read-only, standard library only ------------------------------------------


def peek(
    location: Location, typed: str, me: str | None, limit: int
) -> tuple[list[CaseName], list[tuple[str, bool]]]:
    """For shell completion, read without writing anything (no schema upgrade, no audit
    row, no -wal file made): the consultants (name, active), and the cases that `typed`
    may mean, best first (open before closed, `me`'s (folded) before others', by id), at
    most `limit` (none when 0). Nothing to read: empty lists.

    The database narrows the cases down before Python judges them (completed() in
    commands/completion.py): an id that starts with the digits typed, or a name with a
    part that starts like the text. LIKE ignores only ASCII case, so every other letter
    of the text is a wildcard there; what it lets through is judged exactly in Python.
    """
    if location.is_server:
        import psycopg

        scheme, rest = location.url.split("://", 1)
        conninfo = "postgresql://" + rest if scheme.lower().startswith("postgres") else location.url
        # libpq reads the URL, ~/.pgpass and PGPASSWORD as for any command; two seconds.
        with psycopg.connect(conninfo, connect_timeout=2) as conn:
            conn.read_only = True
            return _peek(conn, "%s", "ILIKE", typed, me, limit)
    if not location.exists:
        return [], []
    from ipsung.store.peek import read_only

    conn = read_only(location.path)
    try:
        return _peek(conn, "?", "LIKE", typed, me, limit)
    finally:
        conn.close()


def _peek(
    conn: Any, mark: str, like: str, typed: str, me: str | None, limit: int
) -> tuple[list[CaseName], list[tuple[str, bool]]]:
    team = [(name, bool(active)) for name, active in conn.execute(CONSULTANTS_SQL).fetchall()]
    if limit <= 0:
        return [], team
    mine = [name for name, _active in team if me is not None and fold(name) == me]
    typed = typed.strip()
    if typed.isdigit():
        where, params = f"CAST(p.id AS TEXT) LIKE {mark}", [typed + "%"]
    elif typed:
        pattern = _like_pattern(typed)
        where = " OR ".join(f"p.name {like} {mark} ESCAPE '\\'" for _ in range(3))
        params = [pattern + "%", "% " + pattern + "%", "%-" + pattern + "%"]
    else:
        where, params = "p.name IS NOT NULL", []
    own = (
        f"CASE WHEN c.name IN ({', '.join(mark for _ in mine)}) THEN 0 ELSE 1 END, " if mine else ""
    )
    sql = (
        f"{CASES_FROM} WHERE {where} "
        f"ORDER BY CASE WHEN p.closed_on IS NULL THEN 0 ELSE 1 END, {own}p.id LIMIT {int(limit)}"
    )
    cases = [CaseName(*row) for row in conn.execute(sql, [*params, *mine]).fetchall()]
    return cases, team


def _like_pattern(text: str) -> str:
    """The text for LIKE: its own %, _ and \\ escaped, each non-ASCII letter any letter."""
    out = []
    for ch in text:
        if ch in "%_\\":
            out.append("\\" + ch)
        elif ord(ch) > 127:
            out.append("_")
        else:
            out.append(ch)
    return "".join(out)
