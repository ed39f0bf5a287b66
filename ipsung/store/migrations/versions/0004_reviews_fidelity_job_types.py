"""Period reviews, the fidelity reviewers' scores, job types, aftercare contact intervals
and a track chosen by hand (issue: figures a fidelity reviewer can sign).

- period_reviews: `ipsung review` records the 26-week review that clears its due task.
- fidelity_scores: `ipsung fidelity score` keeps a reviewer's 1-5 per IPS-25 item and year.
- placements.job_type: a job's DISCO-08 major group, for the diversity of job types.
- aftercare_periods.contact_every: the contact interval agreed for the aftercare (days).
- participants.track_set_by_hand: a track chosen with --track, kept by edit and check.

Every new column has a server default or is nullable, so existing rows stay valid. The
columns are added with ALTER TABLE ADD COLUMN, not by copying the tables: a copy of
participants would have to drop the table that contacts and placements point to. SQLite
cannot add a CHECK that way, so the interval's bounds are the use case's rule
(aftercare start --contact-every), on both backends alike.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "period_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint("period >= 1", name=op.f("ck_period_reviews_period_positive")),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_period_reviews_participant_id_participants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period_reviews")),
    )
    with op.batch_alter_table("period_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_period_reviews_participant_id_date"),
            ["participant_id", "date"],
            unique=False,
        )
    op.create_table(
        "fidelity_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name=op.f("ck_fidelity_scores_score_1_to_5")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fidelity_scores")),
        sa.UniqueConstraint("year", "item", name=op.f("uq_fidelity_scores_year_item")),
    )
    op.add_column("placements", sa.Column("job_type", sa.String(length=2), nullable=True))
    op.add_column(
        "aftercare_periods",
        sa.Column("contact_every", sa.Integer(), nullable=False, server_default=sa.text("7")),
    )
    op.add_column(
        "participants",
        sa.Column("track_set_by_hand", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_column("track_set_by_hand")
    with op.batch_alter_table("aftercare_periods", schema=None) as batch_op:
        batch_op.drop_column("contact_every")
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.drop_column("job_type")
    op.drop_table("fidelity_scores")
    with op.batch_alter_table("period_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_period_reviews_participant_id_date"))
    op.drop_table("period_reviews")
