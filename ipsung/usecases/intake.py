"""Intake: screen a referral, judge capacity, store the case (SPEC §5).

Runs in the caller's transaction and writes its audit row; a refusal (not eligible, no
free place) raises, so nothing is stored.
"""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipsung import rules
from ipsung.errors import BadInput, CapacityFull, NotEligible
from ipsung.i18n import _
from ipsung.models import Consultant, Participant
from ipsung.schemas import CaseRow
from ipsung.store import audit, team
from ipsung.usecases import consultants


def free_places_named(members: list[team.TeamMember]) -> str:
    """`Mette Holm (2), Jonas Berg (1)`: who has room, for a refusal's message."""
    room = [m for m in members if m.active and rules.free_places(m.open_cases, m.max_caseload)]
    named = ", ".join(f"{m.name} ({rules.free_places(m.open_cases, m.max_caseload)})" for m in room)
    return named or _("none in the team")


def _choose_consultant(
    session: Session, row: CaseRow, waitlist: bool, today: date
) -> Consultant | None:
    """The consultant who takes the case, or None for the waitlist. Capacity is judged on
    the cases open today; `--override` is for screening only and never lifts a max."""
    members = team.members(session.connection(), today)

    def free(m: team.TeamMember) -> int:
        return rules.free_places(m.open_cases, m.max_caseload)

    room = [m for m in members if m.active and free(m) > 0]
    if row.consultant:
        wanted = consultants.find(session, row.consultant)
        if not wanted.active:
            raise BadInput(_("consultant '{name}' is not active").format(name=wanted.name))
        load = next(m for m in members if m.id == wanted.id)
        if free(load) > 0:
            return wanted
        if waitlist:
            return None
        raise CapacityFull(
            _("{name} is full ({n} of {max}); free places: {others}; or pass --waitlist").format(
                name=wanted.name,
                n=load.open_cases,
                max=wanted.max_caseload,
                others=free_places_named(members),
            )
        )
    if not any(m.active for m in members):
        if waitlist:
            return None
        raise BadInput(_("no active consultant yet; add one with: ipsung consultant add NAME"))
    if room:
        # Most free places first; on a tie, the lighter caseload, then the name.
        best = min(room, key=lambda m: (-free(m), m.open_cases, m.name))
        return session.get(Consultant, best.id)
    if waitlist:
        return None
    raise CapacityFull(
        _("the whole team is full; pass --waitlist to put the young person on the waitlist")
    )


def duplicate_cpr(session: Session, cpr: str | None, other_than: int | None = None) -> None:
    """One case per CPR number."""
    if not cpr:
        return
    query = select(Participant.id).where(Participant.cpr == cpr)
    if other_than is not None:
        query = query.where(Participant.id != other_than)
    duplicate = session.scalar(query)
    if duplicate:
        raise BadInput(
            _("a case with this CPR number already exists (case {id})").format(id=duplicate),
            "--cpr",
        )


def intake(
    session: Session, row: CaseRow, today: date, waitlist: bool = False
) -> tuple[Participant, rules.Screening]:
    """Register a referral: screen, check capacity, store the case (SPEC §5)."""
    screening = rules.screen(row.screening_input())
    if not screening.eligible and not row.override:
        raise NotEligible(_("not eligible for IPS Ung; nothing was stored"), screening)
    duplicate_cpr(session, row.cpr)
    consultant = _choose_consultant(session, row, waitlist, today)
    case = Participant(
        name=row.name,
        cpr=row.cpr,
        birth_date=row.birth_date,
        referral_date=row.referral_date,
        referred_by=row.referred_by,
        consultant=consultant,
        enrolled_on=row.referral_date if consultant else None,
        goal=row.goal,
        pathway=row.pathway,
        track=row.track or rules.track_for(row.diagnoses),
        track_set_by_hand=row.track is not None,
        diagnoses=",".join(row.diagnoses),
        under_assessment=row.under_assessment,
        mistrivsel=",".join(row.mistrivsel),
        substance=row.substance,
        motivated=row.motivated,
        normal_cognition=row.normal_cognition,
        eligible=screening.eligible,
        override_reason=None if screening.eligible else row.override,
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
