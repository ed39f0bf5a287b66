"""Who has room (SPEC §7): capacity per consultant and for the team, and the waitlist."""

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from ipsung import due_rules, rules
from ipsung.reports.due import contact_every, last_youth_contact
from ipsung.store import team
from ipsung.store.tables import open_on, participants, waitlisted_on


def _weekly_contacts_due(conn: Connection, on: date) -> dict[int, int]:
    """Per consultant, the open cases whose weekly contact is due: the rule of the due
    list (due_rules.weekly_contact) over each open case's last youth contact."""
    p = participants.c
    rows = conn.execute(
        select(p.consultant_id, p.enrolled_on, last_youth_contact(on), contact_every(on)).where(
            open_on(on)
        )
    )
    overdue: dict[int, int] = {}
    for consultant_id, enrolled, last, every in rows.all():
        if due_rules.weekly_contact(enrolled, last, on, every) is not None:
            overdue[consultant_id] = overdue.get(consultant_id, 0) + 1
    return overdue


def consultants(conn: Connection, on: date) -> list[dict]:
    """`consultant list`: every consultant with their open cases on the day."""
    return [
        {
            "id": m.id,
            "name": m.name,
            "max_caseload": m.max_caseload,
            "open_cases": m.open_cases,
            "active": m.active,
        }
        for m in team.members(conn, on)
    ]


def capacity(conn: Connection, on: date) -> dict:
    """The capacity document of SPEC §7."""
    overdue = _weekly_contacts_due(conn, on)
    rows = [
        {
            "name": m.name,
            "open_cases": m.open_cases,
            "max_caseload": m.max_caseload,
            "free": rules.free_places(m.open_cases, m.max_caseload),
            "state": rules.capacity_state(m.open_cases, m.max_caseload),
            "overdue_contacts": overdue.get(m.id, 0),
        }
        for m in team.members(conn, on)
        if m.active or m.open_cases
    ]
    waitlist = conn.scalar(select(func.count()).select_from(participants).where(waitlisted_on(on)))
    return {
        "consultants": rows,
        "team": {
            "open_cases": sum(c["open_cases"] for c in rows),
            "max_caseload": sum(c["max_caseload"] for c in rows),
            "free": sum(c["free"] for c in rows),
        },
        "waitlist": waitlist,
    }
