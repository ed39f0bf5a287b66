"""`ipsung check` (SPEC §10): is the database sound, and does it keep the effort's rules?

On a file, SQLite's own integrity and foreign-key checks; on a team database (SPEC §12),
that every constraint is in force and the audit log's append-only trigger is enabled
(the server checks foreign keys and CHECK constraints on every write; pages are its own
to keep sound, with pg_amcheck). On both, the rule checks, over data that may have come
in by other means (an import, a hand-edited file).
"""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import and_, exists, func, or_, select, text
from sqlalchemy.engine import Connection

from ipsung.i18n import M_, Message
from ipsung.store import db, team
from ipsung.store.tables import (
    aftercare_periods,
    consultants,
    contacts,
    participants,
    placements,
    progress_ratings,
)


@dataclass(frozen=True)
class Problem:
    check: str
    detail: Message | str  # an integrity line of SQLite's stays as SQLite wrote it

    def as_dict(self) -> dict:
        return {"check": self.check, "detail": self.detail}


def file_checks(path: Path) -> list[Problem]:
    """SQLite's own integrity and foreign-key checks."""
    integrity, foreign = db.file_problems(path)
    problems = [Problem("integrity", line) for line in integrity]
    for table, rowid, parent in foreign:
        problems.append(
            Problem(
                "foreign-key",
                M_(
                    "{table} row {id} points to a missing {parent}",
                    table=table,
                    id=rowid,
                    parent=parent,
                ),
            )
        )
    return problems


def server_checks(conn: Connection) -> list[Problem]:
    """Every constraint is in force (none was added NOT VALID, so no stored row escaped
    it), the trigger that keeps the audit log append-only is in place and enabled, and
    nobody who logs in could get round it (privilege_checks)."""
    problems = [
        Problem("constraint", M_("{name} on {table} is not validated", name=n, table=t))
        for t, n in conn.execute(
            text(
                "SELECT conrelid::regclass::text, conname FROM pg_constraint "
                "WHERE connamespace = current_schema()::regnamespace AND NOT convalidated "
                "ORDER BY 1, 2"
            )
        )
    ]
    enabled = conn.execute(
        text(
            "SELECT tgenabled FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass "
            "AND tgname = 'audit_log_append_only'"
        )
    ).scalar()
    if enabled is None:
        problems.append(Problem("audit-trigger", M_("the audit log has no append-only trigger")))
    elif enabled == "D":
        problems.append(
            Problem("audit-trigger", M_("the audit log's append-only trigger is disabled"))
        )
    return problems + privilege_checks(conn)


def _some(names: tuple[str, ...] | list[str]) -> Message | str:
    """A few names in full, the rest counted: a national team may have hundreds."""
    if len(names) <= 3:
        return ", ".join(names)
    return M_("{names} and {n} more", names=", ".join(names[:3]), n=len(names) - 3)


def privilege_checks(conn: Connection) -> list[Problem]:
    """Whoever owns the tables can disable the audit trigger, rewrite the audit log and
    drop a table: nobody who logs in should be able to act as the owner (as in a setup
    where the team role owns the tables and every login is a member of it), and nobody
    but the owner should be able to change audit rows (SPEC §12)."""
    from ipsung.store import privileges

    problems = []
    advice = M_("let a role nobody logs in as own them (see 'ipsung server-setup --print')")
    for found in privileges.table_owners(conn):
        if found.superuser:
            why = M_("the tables are owned by {owner}, a superuser", owner=found.owner)
        elif found.can_log_in:
            why = M_("the tables are owned by {owner}, which can log in", owner=found.owner)
        elif found.logins:
            why = M_(
                "the tables are owned by {owner}, and {logins} can act as it",
                owner=found.owner,
                logins=_some(found.logins),
            )
        else:
            continue
        problems.append(
            Problem(
                "table-owner",
                M_(
                    "{why}: a login that can act as the owner could disable the audit "
                    "trigger, change the audit log or drop a table; {advice}",
                    why=why,
                    advice=advice,
                ),
            )
        )
    changers = privileges.audit_log_changers(conn)
    if changers:
        problems.append(
            Problem(
                "audit-privileges",
                M_(
                    "{roles} may update or delete audit rows; only the owner should "
                    "(see 'ipsung server-setup --print')",
                    roles=_some(changers),
                ),
            )
        )
    return problems


def rule_checks(conn: Connection, today: date) -> list[Problem]:
    """The effort's own rules, over data that may have come in by other means."""
    problems = []
    for m in team.members(conn, today):
        if m.open_cases > m.max_caseload:
            problems.append(
                Problem(
                    "over-max",
                    M_(
                        "{name} has {n} open cases, max {max}",
                        name=m.name,
                        n=m.open_cases,
                        max=m.max_caseload,
                    ),
                )
            )
    p = participants.c
    dated_checks = [
        ("placement-before-enrolment", placements, placements.c.start, p.enrolled_on),
        ("contact-before-referral", contacts, contacts.c.date, p.referral_date),
        ("rating-before-referral", progress_ratings, progress_ratings.c.date, p.referral_date),
        (
            "aftercare-before-enrolment",
            aftercare_periods,
            aftercare_periods.c.start,
            p.enrolled_on,
        ),
    ]
    for name, table, column, bound in dated_checks:
        rows = conn.execute(
            select(table.c.id, p.id)
            .join(participants, table.c.participant_id == p.id)
            .where(column < bound)
        )
        problems += [
            Problem(name, M_("{table} {id} of case {case}", table=table.name, id=rid, case=pid))
            for rid, pid in rows
        ]
    for table, column in (
        (contacts, contacts.c.date),
        (placements, placements.c.start),
        (progress_ratings, progress_ratings.c.date),
    ):
        for (rid,) in conn.execute(select(table.c.id).where(column > today)):
            problems.append(
                Problem(
                    "future-date",
                    M_("{table} {id} is dated after today", table=table.name, id=rid),
                )
            )
    for (pid,) in conn.execute(
        select(p.id).where(p.enrolled_on.is_not(None), p.consultant_id.is_(None))
    ):
        problems.append(Problem("enrolled-without-consultant", M_("case {id}", id=pid)))
    for (pid,) in conn.execute(
        select(p.id).where(p.enrolled_on.is_(None), p.consultant_id.is_not(None))
    ):
        problems.append(Problem("waitlisted-with-consultant", M_("case {id}", id=pid)))
    for (pid,) in conn.execute(
        select(p.id).where(
            ~p.track_set_by_hand,  # a track chosen by hand is the team's to judge
            or_(
                and_(p.track == "ips", p.diagnoses == ""),
                and_(p.track == "ips-like", p.diagnoses != ""),
            ),
        )
    ):
        problems.append(
            Problem("track", M_("case {id}: track does not match its diagnoses", id=pid))
        )
    c = contacts.c
    for (pid,) in conn.execute(
        select(p.id).where(
            p.closed_on.is_not(None),
            exists().where(c.participant_id == p.id, c.date > p.closed_on),
        )
    ):
        problems.append(Problem("contact-after-closing", M_("case {id}", id=pid)))
    a, b = aftercare_periods.alias(), aftercare_periods.alias()
    for (pid,) in conn.execute(
        select(a.c.participant_id)
        .join(b, and_(a.c.participant_id == b.c.participant_id, a.c.id < b.c.id))
        .where(
            a.c.start <= func.coalesce(b.c.end, date.max),
            b.c.start <= func.coalesce(a.c.end, date.max),
        )
        .distinct()
    ):
        problems.append(Problem("aftercare-overlap", M_("case {id}", id=pid)))
    cs = consultants.c
    for (cid,) in conn.execute(
        select(cs.id).where(
            ~cs.active,
            exists().where(p.consultant_id == cs.id, p.closed_on.is_(None)),
        )
    ):
        problems.append(Problem("inactive-with-cases", M_("consultant {id}", id=cid)))
    return problems
