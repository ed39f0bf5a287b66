"""The ORM classes, mapped onto the tables of `tables.py`, for the commands that change cases.

The columns are declared once, in tables.py; the annotations here only type them. A
case's status is derived, never stored, so it cannot disagree with its dates: closed
when `closed_on` is set, waitlisted while it has no `enrolled_on`, otherwise active.
"""

from datetime import date

from sqlalchemy import case
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import DeclarativeBase, Mapped, relationship

from ipsung.store import tables


class Base(DeclarativeBase):
    metadata = tables.metadata


class Consultant(Base):
    """An IPS consultant (IPS-konsulent)."""

    __table__ = tables.consultants

    id: Mapped[int]
    name: Mapped[str]
    max_caseload: Mapped[int]
    active: Mapped[bool]

    cases: Mapped[list["Participant"]] = relationship(back_populates="consultant")


class Participant(Base):
    """A young person's case, from referral to closing. PARTICIPANT in the CLI is its id."""

    __table__ = tables.participants

    id: Mapped[int]
    name: Mapped[str | None]
    # Ten digits, no dash. Nullable: demo cases and anonymised cases have none.
    cpr: Mapped[str | None]
    birth_date: Mapped[date]
    referral_date: Mapped[date]
    referred_by: Mapped[str]
    consultant_id: Mapped[int | None]
    enrolled_on: Mapped[date | None]
    closed_on: Mapped[date | None]
    close_reason: Mapped[str | None]
    goal: Mapped[str | None]
    pathway: Mapped[str | None]
    track: Mapped[str]
    # Screening inputs, kept so that the decision can be read again later.
    diagnoses: Mapped[str]  # "F90.0,F84"
    under_assessment: Mapped[bool]
    mistrivsel: Mapped[str]  # "anxiety,absence"
    substance: Mapped[str]
    motivated: Mapped[bool]
    normal_cognition: Mapped[bool]
    eligible: Mapped[bool]
    override_reason: Mapped[str | None]

    consultant: Mapped[Consultant | None] = relationship(back_populates="cases")
    contacts: Mapped[list["Contact"]] = relationship(
        back_populates="participant", order_by="Contact.date, Contact.id"
    )
    placements: Mapped[list["Placement"]] = relationship(
        back_populates="participant", order_by="Placement.start, Placement.id"
    )
    aftercare: Mapped[list["AftercarePeriod"]] = relationship(
        back_populates="participant", order_by="AftercarePeriod.start"
    )
    progress: Mapped[list["ProgressRating"]] = relationship(
        back_populates="participant", order_by="ProgressRating.date, ProgressRating.id"
    )

    @hybrid_property
    def status(self) -> str:
        if self.closed_on is not None:
            return "closed"
        if self.enrolled_on is None:
            return "waitlisted"
        return "active"

    @status.inplace.expression
    @classmethod
    def _status_expression(cls):
        return case(
            (cls.closed_on.is_not(None), "closed"),
            (cls.enrolled_on.is_(None), "waitlisted"),
            else_="active",
        )

    @property
    def diagnosis_list(self) -> list[str]:
        return [d for d in self.diagnoses.split(",") if d]

    @property
    def mistrivsel_list(self) -> list[str]:
        return [s for s in self.mistrivsel.split(",") if s]


class Contact(Base):
    """A contact logged by a consultant. An employer contact may have no participant
    (job development with a local company)."""

    __table__ = tables.contacts

    id: Mapped[int]
    participant_id: Mapped[int | None]
    consultant_id: Mapped[int | None]
    date: Mapped[date]
    kind: Mapped[str]
    channel: Mapped[str]
    minutes: Mapped[int | None]
    employer: Mapped[str | None]
    note: Mapped[str | None]

    participant: Mapped[Participant | None] = relationship(back_populates="contacts")


class Placement(Base):
    """A job, internship or education the young person started."""

    __table__ = tables.placements

    id: Mapped[int]
    participant_id: Mapped[int]
    kind: Mapped[str]
    start: Mapped[date]
    end: Mapped[date | None]
    hours: Mapped[float | None]
    employer: Mapped[str | None]
    end_reason: Mapped[str | None]

    participant: Mapped[Participant] = relationship(back_populates="placements")


class AftercarePeriod(Base):
    """A period of aftercare (efterværn) after the young person started a job or education."""

    __table__ = tables.aftercare_periods

    id: Mapped[int]
    participant_id: Mapped[int]
    start: Mapped[date]
    end: Mapped[date | None]

    participant: Mapped[Participant] = relationship(back_populates="aftercare")


class ProgressRating(Base):
    """The young person's own rating on Ungegarantien's three dimensions: Udsyn (outlook),
    Indsigt (insight) and Kompetencer (skills), each 1-5."""

    __table__ = tables.progress_ratings

    id: Mapped[int]
    participant_id: Mapped[int]
    date: Mapped[date]
    outlook: Mapped[int]
    insight: Mapped[int]
    skills: Mapped[int]

    participant: Mapped[Participant] = relationship(back_populates="progress")


class AuditEntry(Base):
    """One row of the append-only audit log. Names cases by id only: no name, CPR number
    or note is ever copied here, so anonymising a case leaves nothing behind."""

    __table__ = tables.audit_log

    id: Mapped[int]
    at: Mapped[str]  # UTC, ISO 8601
    os_user: Mapped[str]
    command: Mapped[str]
    # No foreign key: the log outlives an erased case.
    participant_id: Mapped[int | None]
    change: Mapped[str]
