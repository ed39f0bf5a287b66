"""The ORM classes, mapped onto the Core tables of `store/tables.py`, for the use cases that
change cases.

The columns are declared once, in store/tables.py: each class maps its table as it is
(`__table__`), adding only the relationships between cases and their rows, and a case's
status, derived from its dates (store.tables.status) so that it cannot disagree with them.
"""

from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import DeclarativeBase, relationship

from ipsung.store import tables


class Base(DeclarativeBase):
    metadata = tables.metadata


class Consultant(Base):
    """An IPS consultant (IPS-konsulent)."""

    __table__ = tables.consultants

    cases = relationship("Participant", back_populates="consultant")


class Participant(Base):
    """A young person's case, from referral to closing. PARTICIPANT in the CLI is its id."""

    __table__ = tables.participants

    consultant = relationship(Consultant, back_populates="cases")
    contacts = relationship(
        "Contact", back_populates="participant", order_by="Contact.date, Contact.id"
    )
    placements = relationship(
        "Placement", back_populates="participant", order_by="Placement.start, Placement.id"
    )
    aftercare = relationship(
        "AftercarePeriod", back_populates="participant", order_by="AftercarePeriod.start"
    )
    progress = relationship(
        "ProgressRating",
        back_populates="participant",
        order_by="ProgressRating.date, ProgressRating.id",
    )
    reviews = relationship(
        "PeriodReview", back_populates="participant", order_by="PeriodReview.date, PeriodReview.id"
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
        return tables.status()

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

    participant = relationship(Participant, back_populates="contacts")


class Placement(Base):
    """A job, internship or education the young person started."""

    __table__ = tables.placements

    participant = relationship(Participant, back_populates="placements")


class AftercarePeriod(Base):
    """A period of aftercare (efterværn) after the young person started a job or education."""

    __table__ = tables.aftercare_periods

    participant = relationship(Participant, back_populates="aftercare")


class ProgressRating(Base):
    """The young person's own rating on Ungegarantien's three dimensions: Udsyn (outlook),
    Indsigt (insight) and Kompetencer (skills), each 1-5."""

    __table__ = tables.progress_ratings

    participant = relationship(Participant, back_populates="progress")


class PeriodReview(Base):
    """The review of a 26-week period of a case (statusmøde)."""

    __table__ = tables.period_reviews

    participant = relationship(Participant, back_populates="reviews")
