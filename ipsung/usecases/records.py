"""Reading one person's record: `show` (SPEC §6). A use case, not a report, because every
such read is recorded in the audit log (SPEC §10), in the same transaction."""

from sqlalchemy.orm import Session, selectinload

from ipsung.errors import NotFound
from ipsung.i18n import _
from ipsung.models import Participant
from ipsung.store import audit


def show_case(session: Session, participant_id: int, reveal_cpr: bool) -> Participant:
    """One case with everything about it; the read is recorded in the audit log."""
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
        raise NotFound(_("no case with id {id}").format(id=participant_id), "PARTICIPANT")
    audit.record(session, "show", case.id, "cpr revealed" if reveal_cpr and case.cpr else "")
    return case
