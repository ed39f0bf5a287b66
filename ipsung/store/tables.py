"""The tables, in SQLAlchemy Core: the one definition of the schema's shape.

The schema itself is made by the Alembic migrations in `ipsung/migrations`; a test keeps
these tables and the migrations in step (all but the indexes of MIGRATION_ONLY_INDEXES:
the index of contact weeks, on an expression and partial, lives in migration 0003 alone,
and the server's index-only variants in 0005, because declaring a PostgreSQL-only option
here would load that dialect on every start; see weeks.py).

Core, not the ORM: the read-only reports (due, capacity, outcomes) query these tables
directly and never import SQLAlchemy's ORM, which costs a command about a sixth of a
second to load. `models.py` maps its classes onto these same tables for the commands
that change cases. Dates are calendar dates (no time zone): the day a consultant met a
young person is the day they write down.
"""

from datetime import date

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    case,
    false,
    or_,
    text,
)

from ipsung.store.weeks import WEEK_INDEX

# Made by the migrations alone (see above): the models do not declare them.
MIGRATION_ONLY_INDEXES = (
    WEEK_INDEX,  # 0003
    "ix_contacts_youth_participant_id_date",  # 0005, PostgreSQL only
    "ix_progress_ratings_participant_id_date_id",  # 0005, PostgreSQL only
)

# Named constraints, so that migrations can refer to them on every backend.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)


def _required(name: str, type_, **kw) -> Column:
    return Column(name, type_, nullable=False, **kw)


consultants = Table(
    "consultants",
    metadata,
    Column("id", Integer, primary_key=True),
    _required("name", String(200), unique=True),
    _required("max_caseload", Integer, default=17),
    _required("active", Boolean, default=True),
    CheckConstraint("max_caseload >= 0", name="max_caseload_not_negative"),
)

participants = Table(
    "participants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200)),
    # Ten digits, no dash. Nullable: demo cases and anonymised cases have none.
    Column("cpr", String(10), unique=True),
    _required("birth_date", Date),
    _required("referral_date", Date),
    _required("referred_by", String(40)),
    Column("consultant_id", ForeignKey("consultants.id")),
    Column("enrolled_on", Date),
    Column("closed_on", Date),
    Column("close_reason", String(40)),
    Column("goal", Text),
    Column("pathway", String(40)),
    _required("track", String(10)),
    # Set when a person chose the track (intake/edit --track): then edit keeps it, and
    # `check` accepts it, instead of deriving it from the diagnoses.
    _required("track_set_by_hand", Boolean, default=False, server_default=false()),
    # Screening inputs, kept so that the decision can be read again later.
    _required("diagnoses", String(200), default=""),  # "F90.0,F84"
    _required("under_assessment", Boolean, default=False),
    _required("mistrivsel", String(200), default=""),  # "anxiety,absence"
    _required("substance", String(1)),
    _required("motivated", Boolean),
    _required("normal_cognition", Boolean),
    _required("eligible", Boolean),
    Column("override_reason", Text),
    CheckConstraint("substance IN ('A', 'B', 'C', 'D', 'E')", name="substance_level"),
    CheckConstraint("track IN ('ips', 'ips-like')", name="track"),
    Index(None, "consultant_id"),
)

# A contact logged by a consultant. An employer contact may have no participant (job
# development with a local company).
contacts = Table(
    "contacts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("participant_id", ForeignKey("participants.id")),
    Column("consultant_id", ForeignKey("consultants.id")),
    _required("date", Date),
    _required("kind", String(20)),
    _required("channel", String(20), default="in-person"),
    Column("minutes", Integer),
    Column("employer", String(200)),
    Column("note", Text),
    CheckConstraint("minutes IS NULL OR minutes >= 0", name="minutes_not_negative"),
    Index(None, "participant_id", "date"),
    Index(None, "consultant_id", "date"),
    # The due list, capacity and outcomes ask per kind ("last youth contact", "first
    # employer contact"): this index answers them without reading other kinds' rows.
    Index(None, "kind", "participant_id", "date"),
)

placements = Table(
    "placements",
    metadata,
    Column("id", Integer, primary_key=True),
    _required("participant_id", ForeignKey("participants.id")),
    _required("kind", String(20)),
    _required("start", Date),
    Column("end", Date),
    Column("hours", Float),
    Column("employer", String(200)),
    # A job's type: a DISCO-08 major group, "0" to "9" (data/disco08_major_groups.json).
    Column("job_type", String(2)),
    Column("end_reason", Text),
    CheckConstraint('"end" IS NULL OR "end" >= start', name="end_not_before_start"),
    CheckConstraint("hours IS NULL OR hours >= 0", name="hours_not_negative"),
    Index(None, "participant_id"),
    Index(None, "start"),  # the due list's follow-up: placements started in the last days
)

aftercare_periods = Table(
    "aftercare_periods",
    metadata,
    Column("id", Integer, primary_key=True),
    _required("participant_id", ForeignKey("participants.id")),
    _required("start", Date),
    Column("end", Date),
    # The agreed contact interval during this aftercare, in days (weekly by default; its
    # bounds are the use case's: a column added to a SQLite table cannot get a CHECK).
    _required("contact_every", Integer, default=7, server_default=text("7")),
    CheckConstraint('"end" IS NULL OR "end" >= start', name="end_not_before_start"),
    Index(None, "participant_id"),
)

progress_ratings = Table(
    "progress_ratings",
    metadata,
    Column("id", Integer, primary_key=True),
    _required("participant_id", ForeignKey("participants.id")),
    _required("date", Date),
    _required("outlook", Integer),
    _required("insight", Integer),
    _required("skills", Integer),
    CheckConstraint("outlook BETWEEN 1 AND 5", name="outlook_1_to_5"),
    CheckConstraint("insight BETWEEN 1 AND 5", name="insight_1_to_5"),
    CheckConstraint("skills BETWEEN 1 AND 5", name="skills_1_to_5"),
    Index(None, "participant_id", "date"),  # "the last rating" without reading rows
)

# The 26-week period reviews (SPEC §6): one row per review held, naming its period.
period_reviews = Table(
    "period_reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    _required("participant_id", ForeignKey("participants.id")),
    _required("date", Date),
    _required("period", Integer),
    Column("note", Text),
    CheckConstraint("period >= 1", name="period_positive"),
    Index(None, "participant_id", "date"),
)

# The fidelity reviewers' scores of the IPS-25 items (SPEC §8a), one per item and year.
fidelity_scores = Table(
    "fidelity_scores",
    metadata,
    Column("id", Integer, primary_key=True),
    _required("year", Integer),
    _required("item", String(40)),
    _required("score", Integer),
    Column("note", Text),
    CheckConstraint("score BETWEEN 1 AND 5", name="score_1_to_5"),
    UniqueConstraint("year", "item"),
)

# The append-only audit log. Names cases by id only: no name, CPR number or note is ever
# copied here, so anonymising a case leaves nothing behind.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    _required("at", String(32)),  # UTC, ISO 8601
    _required("os_user", String(100)),
    _required("command", String(40)),
    # No foreign key: the log outlives an erased case.
    Column("participant_id", Integer),
    _required("change", Text, default=""),
    Index(None, "participant_id"),
)


def open_on(day: date):
    """SQL condition: the case is open on `day` (enrolled, and not closed by then)."""
    p = participants.c
    return and_(
        p.enrolled_on.is_not(None),
        p.enrolled_on <= day,
        or_(p.closed_on.is_(None), p.closed_on > day),
    )


def waitlisted_on(day: date):
    """SQL condition: referred by `day`, not yet enrolled then, and not closed."""
    p = participants.c
    return and_(
        p.referral_date <= day,
        or_(p.enrolled_on.is_(None), p.enrolled_on > day),
        or_(p.closed_on.is_(None), p.closed_on > day),
    )


def status():
    """SQL expression: a case's status, derived from its dates and never stored (so that
    it cannot disagree with them): closed once `closed_on` is set, waitlisted while it has
    no `enrolled_on`, otherwise active."""
    p = participants.c
    return case(
        (p.closed_on.is_not(None), "closed"),
        (p.enrolled_on.is_(None), "waitlisted"),
        else_="active",
    )
