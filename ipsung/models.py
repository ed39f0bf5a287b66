"""The tables, as SQLAlchemy 2 typed ORM classes.

The schema itself is made by the Alembic migrations in `ipsung/migrations`; a test keeps
these classes and the migrations in step (all but one index: the index of contact weeks,
on an expression and partial, lives in migration 0003 alone, because declaring a
PostgreSQL-only option here would load that dialect on every start; see weeks.py). Dates are calendar dates (no time zone): the
day a consultant met a young person is the day they write down.

A case's status is derived, never stored, so it cannot disagree with its dates:
closed when `closed_on` is set, waitlisted while it has no `enrolled_on`, otherwise active.
"""

from datetime import date

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    case,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Named constraints, so that migrations can refer to them on every backend.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Consultant(Base):
    """An IPS consultant (IPS-konsulent)."""

    __tablename__ = "consultants"
    __table_args__ = (CheckConstraint("max_caseload >= 0", name="max_caseload_not_negative"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    max_caseload: Mapped[int] = mapped_column(Integer, default=17)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    cases: Mapped[list["Participant"]] = relationship(back_populates="consultant")


class Participant(Base):
    """A young person's case, from referral to closing. PARTICIPANT in the CLI is its id."""

    __tablename__ = "participants"
    __table_args__ = (
        CheckConstraint("substance IN ('A', 'B', 'C', 'D', 'E')", name="substance_level"),
        CheckConstraint("track IN ('ips', 'ips-like')", name="track"),
        Index(None, "consultant_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    # Ten digits, no dash. Nullable: demo cases and anonymised cases have none.
    cpr: Mapped[str | None] = mapped_column(String(10), unique=True)
    birth_date: Mapped[date] = mapped_column(Date)
    referral_date: Mapped[date] = mapped_column(Date)
    referred_by: Mapped[str] = mapped_column(String(40))
    consultant_id: Mapped[int | None] = mapped_column(ForeignKey("consultants.id"))
    enrolled_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    close_reason: Mapped[str | None] = mapped_column(String(40))
    goal: Mapped[str | None] = mapped_column(Text)
    pathway: Mapped[str | None] = mapped_column(String(40))
    track: Mapped[str] = mapped_column(String(10))
    # Screening inputs, kept so that the decision can be read again later.
    diagnoses: Mapped[str] = mapped_column(String(200), default="")  # "F90.0,F84"
    under_assessment: Mapped[bool] = mapped_column(Boolean, default=False)
    mistrivsel: Mapped[str] = mapped_column(String(200), default="")  # "anxiety,absence"
    substance: Mapped[str] = mapped_column(String(1))
    motivated: Mapped[bool] = mapped_column(Boolean)
    normal_cognition: Mapped[bool] = mapped_column(Boolean)
    eligible: Mapped[bool] = mapped_column(Boolean)
    override_reason: Mapped[str | None] = mapped_column(Text)

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

    __tablename__ = "contacts"
    __table_args__ = (
        CheckConstraint("minutes IS NULL OR minutes >= 0", name="minutes_not_negative"),
        Index(None, "participant_id", "date"),
        Index(None, "consultant_id", "date"),
        # The due list, capacity and outcomes ask per kind ("last youth contact", "first
        # employer contact"): this index answers them without reading other kinds' rows.
        Index(None, "kind", "participant_id", "date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))
    consultant_id: Mapped[int | None] = mapped_column(ForeignKey("consultants.id"))
    date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20), default="in-person")
    minutes: Mapped[int | None] = mapped_column(Integer)
    employer: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)

    participant: Mapped[Participant | None] = relationship(back_populates="contacts")


class Placement(Base):
    """A job, internship or education the young person started."""

    __tablename__ = "placements"
    __table_args__ = (
        CheckConstraint('"end" IS NULL OR "end" >= start', name="end_not_before_start"),
        CheckConstraint("hours IS NULL OR hours >= 0", name="hours_not_negative"),
        Index(None, "participant_id"),
        Index(None, "start"),  # the due list's follow-up: placements started in the last days
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    kind: Mapped[str] = mapped_column(String(20))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)
    hours: Mapped[float | None] = mapped_column(Float)
    employer: Mapped[str | None] = mapped_column(String(200))
    end_reason: Mapped[str | None] = mapped_column(Text)

    participant: Mapped[Participant] = relationship(back_populates="placements")


class AftercarePeriod(Base):
    """A period of aftercare (efterværn) after the young person started a job or education."""

    __tablename__ = "aftercare_periods"
    __table_args__ = (
        CheckConstraint('"end" IS NULL OR "end" >= start', name="end_not_before_start"),
        Index(None, "participant_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)

    participant: Mapped[Participant] = relationship(back_populates="aftercare")


class ProgressRating(Base):
    """The young person's own rating on Ungegarantien's three dimensions: Udsyn (outlook),
    Indsigt (insight) and Kompetencer (skills), each 1-5."""

    __tablename__ = "progress_ratings"
    __table_args__ = (
        CheckConstraint("outlook BETWEEN 1 AND 5", name="outlook_1_to_5"),
        CheckConstraint("insight BETWEEN 1 AND 5", name="insight_1_to_5"),
        CheckConstraint("skills BETWEEN 1 AND 5", name="skills_1_to_5"),
        Index(None, "participant_id", "date"),  # "the last rating" without reading rows
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    date: Mapped[date] = mapped_column(Date)
    outlook: Mapped[int] = mapped_column(Integer)
    insight: Mapped[int] = mapped_column(Integer)
    skills: Mapped[int] = mapped_column(Integer)

    participant: Mapped[Participant] = relationship(back_populates="progress")


class AuditEntry(Base):
    """One row of the append-only audit log. Names cases by id only: no name, CPR number
    or note is ever copied here, so anonymising a case leaves nothing behind."""

    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "participant_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[str] = mapped_column(String(32))  # UTC, ISO 8601
    os_user: Mapped[str] = mapped_column(String(100))
    command: Mapped[str] = mapped_column(String(40))
    # No foreign key: the log outlives an erased case.
    participant_id: Mapped[int | None] = mapped_column(Integer)
    change: Mapped[str] = mapped_column(Text, default="")


# The tables themselves, for the reports that read plain rows with Core (workload.py,
# outcomes.py): they need no mapped objects, and Core statements spare a command the
# ORM's mapper set-up, statement compilation and row loading.
consultants = Consultant.__table__
contacts = Contact.__table__
participants = Participant.__table__
placements = Placement.__table__
progress_ratings = ProgressRating.__table__
