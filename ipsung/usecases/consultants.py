"""Use cases over the database: consultants, intake, list and show.

Each function runs inside the caller's transaction (one per command, see db.session) and
raises IpsungError subclasses for refusals, so a refused command changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ipsung import rules
from ipsung.errors import BadInput, CapacityFull, IpsungError, NotEligible, NotFound
from ipsung.i18n import _
from ipsung.models import Consultant, Contact, Participant
from ipsung.reports import due as workload
from ipsung.rules import same_name
from ipsung.store import audit
from ipsung.store.tables import open_on

if TYPE_CHECKING:  # pydantic is slow to import; only intake needs it, and passes it in
    from ipsung.schemas import IntakeData

# --- consultants -----------------------------------------------------------------------


def open_cases_by_consultant(session: Session, day: date) -> dict[int, int]:
    rows = session.execute(
        select(Participant.consultant_id, func.count())
        .where(open_on(day), Participant.consultant_id.is_not(None))
        .group_by(Participant.consultant_id)
    )
    return dict(rows.all())


def find_consultant(session: Session, name: str) -> Consultant:
    return session.get(Consultant, workload.consultant_id_by_name(session.connection(), name))


def _check_max(max_caseload: int, option: str = "--max-caseload") -> int:
    if max_caseload < 0:
        raise BadInput(
            _("{option}: must be 0 or more, not {n}").format(option=option, n=max_caseload)
        )
    return max_caseload


def add_consultant(session: Session, name: str, max_caseload: int) -> Consultant:
    name = " ".join(name.split())
    if not name:
        raise BadInput(_("NAME: a consultant needs a name"))
    _check_max(max_caseload)
    names = session.scalars(select(Consultant.name)).all()
    if any(same_name(existing, name) for existing in names):
        raise BadInput(_("a consultant named '{name}' already exists").format(name=name))
    consultant = Consultant(name=name, max_caseload=max_caseload, active=True)
    session.add(consultant)
    session.flush()
    audit.record(
        session, "consultant add", change=f"consultant {consultant.id} max_caseload={max_caseload}"
    )
    return consultant


@dataclass(frozen=True)
class ConsultantLoad:
    consultant: Consultant
    open_cases: int

    @property
    def free(self) -> int:
        return rules.free_places(self.open_cases, self.consultant.max_caseload)


def consultant_loads(
    session: Session, day: date, active_only: bool = False
) -> list[ConsultantLoad]:
    counts = open_cases_by_consultant(session, day)
    query = select(Consultant).order_by(Consultant.name)
    if active_only:
        query = query.where(Consultant.active)
    return [ConsultantLoad(c, counts.get(c.id, 0)) for c in session.scalars(query)]


def set_max_caseload(session: Session, name: str, max_caseload: int, today: date) -> ConsultantLoad:
    consultant = find_consultant(session, name)
    _check_max(max_caseload, "N")
    old = consultant.max_caseload
    consultant.max_caseload = max_caseload
    audit.record(
        session,
        "consultant set-max",
        change=f"consultant {consultant.id} max_caseload {old}->{max_caseload}",
    )
    return ConsultantLoad(
        consultant, open_cases_by_consultant(session, today).get(consultant.id, 0)
    )


def deactivate_consultant(session: Session, name: str) -> Consultant:
    consultant = find_consultant(session, name)
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


# --- intake ------------------------------------------------------------------------------


def _with_room(loads: list[ConsultantLoad]) -> list[ConsultantLoad]:
    return [load for load in loads if load.consultant.active and load.free > 0]


def _choose_consultant(session: Session, data: IntakeData, today: date) -> Consultant | None:
    """The consultant who takes the case, or None for the waitlist. Capacity is judged on
    the cases open today; `--override` is for screening only and never lifts a max."""
    loads = consultant_loads(session, today)
    room = _with_room(loads)
    if data.consultant:
        wanted = find_consultant(session, data.consultant)
        if not wanted.active:
            raise BadInput(_("consultant '{name}' is not active").format(name=wanted.name))
        load = next(load for load in loads if load.consultant.id == wanted.id)
        if load.free > 0:
            return wanted
        if data.waitlist:
            return None
        others = ", ".join(f"{x.consultant.name} ({x.free})" for x in room)
        raise CapacityFull(
            _("{name} is full ({n} of {max}); free places: {others}; or pass --waitlist").format(
                name=wanted.name,
                n=load.open_cases,
                max=wanted.max_caseload,
                others=others or _("none in the team"),
            )
        )
    if not any(load.consultant.active for load in loads):
        if data.waitlist:
            return None
        raise BadInput(_("no active consultant yet; add one with: ipsung consultant add NAME"))
    if room:
        # Most free places first; on a tie, the lighter caseload, then the name.
        best = min(room, key=lambda x: (-x.free, x.open_cases, x.consultant.name))
        return best.consultant
    if data.waitlist:
        return None
    raise CapacityFull(
        _("the whole team is full; pass --waitlist to put the young person on the waitlist")
    )


def intake(session: Session, data: IntakeData, today: date) -> tuple[Participant, rules.Screening]:
    """Register a referral: screen, check capacity, store the case (SPEC §5)."""
    rules.not_in_future(data.referral_date, today, "--referral-date")
    screening = rules.screen(data.screening_input())
    if not screening.eligible and not data.override:
        raise NotEligible(_("not eligible for IPS Ung; nothing was stored"), screening)
    if data.cpr:
        duplicate = session.scalar(select(Participant.id).where(Participant.cpr == data.cpr))
        if duplicate:
            raise BadInput(
                _("--cpr: a case with this CPR number already exists (case {id})").format(
                    id=duplicate
                )
            )
    consultant = _choose_consultant(session, data, today)
    case = Participant(
        name=data.name,
        cpr=data.cpr,
        birth_date=data.birth_date,
        referral_date=data.referral_date,
        referred_by=data.referred_by,
        consultant=consultant,
        enrolled_on=data.referral_date if consultant else None,
        goal=data.goal,
        pathway=data.pathway,
        track=rules.track_for(data.diagnoses),
        diagnoses=",".join(data.diagnoses),
        under_assessment=data.under_assessment,
        mistrivsel=",".join(data.mistrivsel),
        substance=data.substance,
        motivated=data.motivated,
        normal_cognition=data.normal_cognition,
        eligible=screening.eligible,
        override_reason=None if screening.eligible else data.override,
    )
    session.add(case)
    session.flush()
    audit.record(
        session,
        "intake",
        case.id,
        f"status={case.status} consultant={consultant.id if consultant else '-'} track={case.track}"
        + ("" if screening.eligible else " screening=overridden"),
    )
    return case, screening


# --- list and show ----------------------------------------------------------------------

STATUSES = ("active", "waitlisted", "closed", "all")


def _last_youth_contact():
    return (
        select(func.max(Contact.date))
        .where(
            Contact.participant_id == Participant.id, Contact.kind.in_(rules.YOUTH_CONTACT_KINDS)
        )
        .correlate(Participant)
        .scalar_subquery()
    )


def list_cases(session: Session, status: str = "active", consultant: str | None = None):
    """Rows of (Participant, consultant name, last youth contact), oldest case first."""
    status = rules.parse_choice(status, STATUSES, "--status")
    query = (
        select(Participant, Consultant.name, _last_youth_contact())
        .outerjoin(Consultant, Participant.consultant_id == Consultant.id)
        .order_by(Participant.id)
    )
    if status != "all":
        query = query.where(Participant.status == status)
    if consultant:
        query = query.where(Participant.consultant_id == find_consultant(session, consultant).id)
    return session.execute(query).all()


def get_case(session: Session, participant_id: int) -> Participant:
    case = session.get(
        Participant,
        participant_id,
        options=[
            selectinload(Participant.contacts),
            selectinload(Participant.placements),
            selectinload(Participant.aftercare),
            selectinload(Participant.progress),
            selectinload(Participant.consultant),
        ],
    )
    if case is None:
        raise NotFound(_("PARTICIPANT: no case with id {id}").format(id=participant_id))
    return case


def show_case(session: Session, participant_id: int, reveal_cpr: bool) -> Participant:
    """One case with everything about it; the read is recorded in the audit log."""
    case = get_case(session, participant_id)
    audit.record(session, "show", case.id, "cpr revealed" if reveal_cpr and case.cpr else "")
    return case


def is_empty(session: Session) -> bool:
    """No consultant and no case yet (demo fills only such a database)."""
    return not session.scalar(select(Consultant.id).limit(1)) and not session.scalar(
        select(Participant.id).limit(1)
    )
