"""Consultants: add, set a maximum caseload, deactivate (SPEC §4). Each runs in the
caller's transaction and writes its audit row; a refusal raises, so nothing changes."""

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ipsung.errors import BadInput, IpsungError
from ipsung.i18n import _
from ipsung.models import Consultant, Participant
from ipsung.store import audit, team


def find(session: Session, name: str, where: str | None = None) -> Consultant:
    """The consultant of this name (any case, spaces tidied); not found is bad input."""
    return session.get(Consultant, team.consultant_id_by_name(session.connection(), name, where))


def _check_max(max_caseload: int, option: str = "--max-caseload") -> int:
    if max_caseload < 0:
        raise BadInput(_("must be 0 or more, not {n}").format(n=max_caseload), option)
    return max_caseload


def add(session: Session, name: str, max_caseload: int) -> Consultant:
    name = " ".join(name.split())
    if not name:
        raise BadInput(_("a consultant needs a name"), "NAME")
    _check_max(max_caseload)
    names = session.scalars(select(Consultant.name)).all()
    if any(team.same_name(existing, name) for existing in names):
        raise BadInput(_("a consultant named '{name}' already exists").format(name=name))
    consultant = Consultant(name=name, max_caseload=max_caseload, active=True)
    session.add(consultant)
    session.flush()
    audit.record(
        session, "consultant add", change=f"consultant {consultant.id} max_caseload={max_caseload}"
    )
    return consultant


def set_max_caseload(
    session: Session, name: str, max_caseload: int, today: date
) -> team.TeamMember:
    consultant = find(session, name)
    _check_max(max_caseload, "N")
    old = consultant.max_caseload
    consultant.max_caseload = max_caseload
    audit.record(
        session,
        "consultant set-max",
        change=f"consultant {consultant.id} max_caseload {old}->{max_caseload}",
    )
    session.flush()
    return team.member(session.connection(), consultant.id, today)


def deactivate(session: Session, name: str) -> Consultant:
    consultant = find(session, name)
    open_count = session.scalar(
        select(func.count())
        .select_from(Participant)
        .where(Participant.consultant_id == consultant.id, Participant.closed_on.is_(None))
    )
    if open_count:
        raise IpsungError(
            _(
                "{name} still has {n} open case(s); reassign or close them first "
                '(ipsung list --consultant "{name}")'
            ).format(name=consultant.name, n=open_count)
        )
    consultant.active = False
    audit.record(
        session, "consultant deactivate", change=f"consultant {consultant.id} active=false"
    )
    return consultant
