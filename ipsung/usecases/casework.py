"""Daily work on a case: contacts, placements, aftercare, progress ratings, closing,
reassignment and corrections (SPEC §6).

Each act runs in the caller's transaction (one per command) and writes its audit row; a
refusal raises, so a refused command changes nothing. Rows come checked by their schema
(schemas.py); what is checked here is what depends on the case as stored.
"""

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ipsung import due_rules, rules, vocabulary
from ipsung.errors import BadInput, CapacityFull, IpsungError, NotFound
from ipsung.i18n import _
from ipsung.models import (
    AftercarePeriod,
    Consultant,
    Contact,
    Participant,
    PeriodReview,
    Placement,
    ProgressRating,
)
from ipsung.schemas import CaseRow, ContactRow, PlacementRow, RatingRow
from ipsung.store import audit, team
from ipsung.usecases import consultants
from ipsung.usecases.intake import duplicate_cpr, free_places_named


def _case(session: Session, participant_id: int) -> Participant:
    case = session.get(Participant, participant_id)
    if case is None:
        raise NotFound(_("no case with id {id}").format(id=participant_id), "PARTICIPANT")
    return case


def _open_case(session: Session, participant_id: int) -> Participant:
    """A case that still takes new entries: closed cases take no contacts, placements or ratings."""
    case = _case(session, participant_id)
    if case.closed_on is not None:
        raise BadInput(
            _("case {id} was closed on {day}; it takes no new entries").format(
                id=case.id, day=rules.format_date(case.closed_on)
            )
        )
    return case


def _not_before(day: date, earliest: date, option: str, what: str) -> None:
    if day < earliest:
        raise BadInput(
            _("{option}: {day} is before the case's {what} ({earliest})").format(
                option=option,
                day=rules.format_date(day),
                what=what,
                earliest=rules.format_date(earliest),
            )
        )


def _enrolled(case: Participant) -> date:
    if case.enrolled_on is None:
        raise BadInput(
            _("case {id} is on the waitlist; give it a consultant first (ipsung reassign)").format(
                id=case.id
            )
        )
    return case.enrolled_on


# --- contacts ---------------------------------------------------------------------------


def log_contact(session: Session, row: ContactRow, today: date) -> Contact:
    """A contact with or about a young person, or job development with a company."""
    if row.participant_id is None:
        owner = _contact_consultant(session, row.consultant)
        case = None
    else:
        case = _open_case(session, row.participant_id)
        _not_before(row.day, case.referral_date, "--date", _("referral date"))
        owner = consultants.find(session, row.consultant) if row.consultant else case.consultant
    contact = Contact(**row.record(), consultant_id=owner.id if owner else None)
    session.add(contact)
    session.flush()
    audit.record(
        session,
        "log-contact",
        contact.participant_id,
        f"contact {contact.id} kind={row.kind} date={row.day.isoformat()} channel={row.channel}",
    )
    return contact


def _contact_consultant(session: Session, name: str | None) -> Consultant:
    """Job development belongs to a consultant: the one named, or the only active one."""
    if name:
        return consultants.find(session, name)
    active = session.scalars(select(Consultant).where(Consultant.active)).all()
    if len(active) == 1:
        return active[0]
    raise BadInput(_("--consultant: name the consultant who made the employer contact"))


# --- placements -------------------------------------------------------------------------


def add_placement(session: Session, row: PlacementRow, today: date) -> Placement:
    kind, start, employer = row.kind, row.start, row.employer
    case = _open_case(session, row.participant_id)
    _not_before(start, _enrolled(case), "--start", _("enrolment"))
    open_of_kind = session.execute(
        select(Placement.id, Placement.employer).where(
            Placement.participant_id == case.id, Placement.kind == kind, Placement.end.is_(None)
        )
    ).all()
    same = next(
        (pid for pid, name in open_of_kind if team.same_name(name or "", employer or "")), None
    )
    if same:
        raise BadInput(
            _(
                "case {id} already has an open {kind} placement there (placement {p}); end it first"
            ).format(id=case.id, kind=kind, p=same)
        )
    placement = Placement(**row.record())
    session.add(placement)
    session.flush()
    audit.record(
        session,
        "placement add",
        case.id,
        f"placement {placement.id} kind={kind} start={start.isoformat()}",
    )
    return placement


def end_placement(
    session: Session, placement_id: int, end: date, today: date, reason: str | None = None
) -> Placement:
    placement = session.get(Placement, placement_id)
    if placement is None:
        raise NotFound(_("PLACEMENT_ID: no placement with id {id}").format(id=placement_id))
    if placement.end is not None:
        raise BadInput(
            _("placement {id} already ended on {day}").format(
                id=placement.id, day=rules.format_date(placement.end)
            )
        )
    rules.not_in_future(end, today, "--date")
    _not_before(end, placement.start, "--date", _("placement start"))
    placement.end = end
    placement.end_reason = reason.strip() or None if reason else None
    audit.record(
        session,
        "placement end",
        placement.participant_id,
        f"placement {placement.id} end={end.isoformat()}",
    )
    return placement


# --- aftercare --------------------------------------------------------------------------


def start_aftercare(
    session: Session,
    participant_id: int,
    start: date,
    today: date,
    contact_every: int = due_rules.WEEKLY_CONTACT_DAYS,
) -> AftercarePeriod:
    """Aftercare (efterværn): support after the young person has started; several periods,
    never overlapping. The contact interval is agreed case by case (weekly by default);
    the due list's weekly contact follows it while the aftercare lasts."""
    low, high = rules.CONTACT_EVERY_DAYS
    if not low <= contact_every <= high:
        raise BadInput(
            _("days between contacts lie between {low} and {high}, not {n}").format(
                low=low, high=high, n=contact_every
            ),
            "--contact-every",
        )
    case = _open_case(session, participant_id)
    rules.not_in_future(start, today, "--date")
    _not_before(start, _enrolled(case), "--date", _("enrolment"))
    for period in case.aftercare:
        if period.end is None:
            raise BadInput(
                _("case {id} is already in aftercare since {day}").format(
                    id=case.id, day=rules.format_date(period.start)
                )
            )
        if start <= period.end:
            raise BadInput(
                _("--date: aftercare may not overlap the period that ended {day}").format(
                    day=rules.format_date(period.end)
                )
            )
    period = AftercarePeriod(participant_id=case.id, start=start, contact_every=contact_every)
    session.add(period)
    session.flush()
    audit.record(
        session,
        "aftercare start",
        case.id,
        f"aftercare {period.id} start={start.isoformat()} contact_every={contact_every}",
    )
    return period


# --- the 26-week period review -----------------------------------------------------------


def record_review(
    session: Session, participant_id: int, day: date, today: date, note: str | None
) -> int:
    """Record the review of a 26-week period (SPEC §6): the period whose review is due on
    that day (see due_rules.period_of; a review before the first period's notice is the
    first period's). Returns the period number; its due task is then done."""
    case = _open_case(session, participant_id)
    rules.not_in_future(day, today, "--date")
    enrolled = _enrolled(case)
    _not_before(day, enrolled, "--date", _("enrolment"))
    period = max(1, due_rules.period_of((day - enrolled).days))
    review = PeriodReview(
        participant_id=case.id,
        date=day,
        period=period,
        note=" ".join(note.split()) or None if note else None,
    )
    session.add(review)
    session.flush()
    audit.record(
        session, "review", case.id, f"review {review.id} period={period} date={day.isoformat()}"
    )
    return period


def end_aftercare(session: Session, participant_id: int, end: date, today: date) -> AftercarePeriod:
    case = _open_case(session, participant_id)
    rules.not_in_future(end, today, "--date")
    current = next((p for p in case.aftercare if p.end is None), None)
    if current is None:
        raise BadInput(_("case {id} is not in aftercare").format(id=case.id))
    _not_before(end, current.start, "--date", _("aftercare start"))
    current.end = end
    audit.record(session, "aftercare end", case.id, f"aftercare {current.id} end={end.isoformat()}")
    return current


# --- progress ---------------------------------------------------------------------------


def rate_progress(session: Session, row: RatingRow, today: date) -> ProgressRating:
    """The young person's own rating on Udsyn (outlook), Indsigt (insight), Kompetencer (skills)."""
    case = _open_case(session, row.participant_id)
    _not_before(row.day, case.referral_date, "--date", _("referral date"))
    rating = ProgressRating(**row.record())
    session.add(rating)
    session.flush()
    ratings = " ".join(f"{k}={getattr(row, k)}" for k in vocabulary.DIMENSIONS)
    audit.record(
        session, "progress", case.id, f"rating {rating.id} date={row.day.isoformat()} {ratings}"
    )
    return rating


# --- closing and reassigning ------------------------------------------------------------


def close_case(
    session: Session, participant_id: int, day: date, reason: str, today: date
) -> tuple[Participant, bool]:
    """Close a case. Returns the case and whether a closing three-party contact was logged
    (the caller warns when not: IPS ends a course with a three-party conversation)."""
    reason = vocabulary.parse_choice(reason, vocabulary.CLOSE_REASONS, "--reason")
    case = _open_case(session, participant_id)
    rules.not_in_future(day, today, "--date")
    _not_before(day, case.enrolled_on or case.referral_date, "--date", _("enrolment"))
    latest = _latest_entry(session, case.id)
    if latest and latest > day:
        raise BadInput(
            _("--date: the case has entries after {day} (the last on {last})").format(
                day=rules.format_date(day), last=rules.format_date(latest)
            )
        )
    window_start = day - timedelta(days=rules.CLOSING_CONTACT_WINDOW_DAYS)
    closing_contact = (
        session.scalar(
            select(Contact.id)
            .where(
                Contact.participant_id == case.id,
                Contact.kind == "three-party",
                Contact.date.between(window_start, day),
            )
            .limit(1)
        )
        is not None
    )
    case.closed_on = day
    case.close_reason = reason
    for period in case.aftercare:
        if period.end is None:
            period.end = max(day, period.start)  # aftercare ends with the case
    audit.record(session, "close", case.id, f"closed_on={day.isoformat()} reason={reason}")
    return case, closing_contact


def _latest_entry(session: Session, participant_id: int) -> date | None:
    """The date of the case's latest contact, placement start, rating or aftercare start:
    a case cannot be closed before what it already holds."""
    dated = [
        select(func.max(Contact.date)).where(Contact.participant_id == participant_id),
        select(func.max(Placement.start)).where(Placement.participant_id == participant_id),
        select(func.max(ProgressRating.date)).where(
            ProgressRating.participant_id == participant_id
        ),
        select(func.max(AftercarePeriod.start)).where(
            AftercarePeriod.participant_id == participant_id
        ),
    ]
    return max(filter(None, (session.scalar(q) for q in dated)), default=None)


def reassign(
    session: Session, participant_id: int, to: str, today: date
) -> tuple[Participant, bool]:
    """Give a case to another consultant (capacity rules apply). A waitlisted case comes off
    the waitlist and is enrolled today. Returns the case and whether it was waitlisted."""
    case = _open_case(session, participant_id)
    target = consultants.find(session, to)
    if not target.active:
        raise BadInput(_("consultant '{name}' is not active").format(name=target.name))
    if case.consultant_id == target.id:
        raise BadInput(_("case {id} is already with {name}").format(id=case.id, name=target.name))
    members = team.members(session.connection(), today)
    load = next(m.open_cases for m in members if m.id == target.id)
    if load >= target.max_caseload:
        raise CapacityFull(
            _("{name} is full ({n} of {max}); free places: {room}").format(
                name=target.name, n=load, max=target.max_caseload, room=free_places_named(members)
            )
        )
    was_waitlisted = case.enrolled_on is None
    old = case.consultant_id
    case.consultant = target
    if was_waitlisted:
        case.enrolled_on = today
    audit.record(
        session,
        "reassign",
        case.id,
        f"consultant {old or '-'}->{target.id}"
        + (f" enrolled_on={today.isoformat()}" if was_waitlisted else ""),
    )
    return case, was_waitlisted


# --- corrections ------------------------------------------------------------------------


# The fields `edit` corrects: those of intake.
EDITABLE = (
    "name",
    "cpr",
    "birth_date",
    "referral_date",
    "referred_by",
    "diagnoses",
    "under_assessment",
    "mistrivsel",
    "substance",
    "motivated",
    "normal_cognition",
    "goal",
    "pathway",
    "track",
)


def _as_row(case: Participant) -> dict:
    """The case's intake fields as CaseRow has them (lists as tuples)."""
    row = {field: getattr(case, field) for field in EDITABLE}
    row["diagnoses"] = tuple(case.diagnosis_list)
    row["mistrivsel"] = tuple(case.mistrivsel_list)
    return row


def edit_case(
    session: Session, participant_id: int, changes: dict, today: date, override: str | None = None
) -> list[str]:
    """Correct a case's intake fields (`changes`: CaseRow's fields, read as intake reads
    them). The corrected case is checked as a whole, as at intake, and screened again: a
    case that no longer passes needs --override. Returns the names of the fields that
    changed."""
    case = _case(session, participant_id)
    if case.name is None:
        raise BadInput(_("case {id} was anonymised; it takes no corrections").format(id=case.id))
    stored = _as_row(case)
    changed = [field for field, value in changes.items() if stored[field] != value]
    if "track" in changes and "track" not in changed and not case.track_set_by_hand:
        changed.append("track")  # the same track, now chosen by hand
    if not changed:
        raise BadInput(_("nothing to change: give at least one field with a new value"))
    merged = {**stored, **changes, "override": override or case.override_reason}
    row = CaseRow.check(merged, today)
    duplicate_cpr(session, row.cpr, other_than=case.id)
    if "referral_date" in changed:
        _check_new_referral_date(session, case, row.referral_date)
    was_enrolled_at_referral = (
        case.enrolled_on is not None and case.enrolled_on == case.referral_date
    )
    for field in changed:
        value = getattr(row, field)
        setattr(case, field, ",".join(value) if isinstance(value, tuple) else value)
    if "referral_date" in changed and was_enrolled_at_referral:
        case.enrolled_on = case.referral_date  # enrolled on the referral date, as at intake
    if "track" in changed:
        case.track_set_by_hand = True
    elif not case.track_set_by_hand:
        case.track = rules.track_for(row.diagnoses)  # derived, as at intake
    screening = rules.screen(row.screening_input())
    if not screening.eligible and not row.override:
        failed = ", ".join(c.name for c in screening.failed())
        raise IpsungError(
            _(
                "after this correction the case fails screening ({failed}); "
                "nothing was changed. Pass --override REASON to keep it"
            ).format(failed=failed)
        )
    case.eligible = screening.eligible
    if override:
        case.override_reason = row.override
        changed.append("override_reason")
    audit.record(session, "edit", case.id, "fields: " + ",".join(changed))
    return changed


def _check_new_referral_date(session: Session, case: Participant, day: date) -> None:
    earliest = session.scalar(
        select(func.min(Contact.date)).where(Contact.participant_id == case.id)
    )
    first_placement = session.scalar(
        select(func.min(Placement.start)).where(Placement.participant_id == case.id)
    )
    for dated in (earliest, first_placement):
        if dated and dated < day:
            raise BadInput(
                _("the case has entries from {day}, before it").format(
                    day=rules.format_date(dated)
                ),
                "--referral-date",
            )
