"""Indexes for the due list, capacity and outcomes: contacts by kind, ratings by date.

The due list, capacity and outcomes ask per kind of contact ("the last youth contact",
"the first employer contact"); with this index each question reads only the rows of
that kind (EXPLAIN QUERY PLAN: SEARCH USING COVERING INDEX instead of a scan). "The last
rating" likewise reads the ratings index alone.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contacts_kind_participant_id_date"),
            ["kind", "participant_id", "date"],
            unique=False,
        )
    with op.batch_alter_table("progress_ratings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_progress_ratings_participant_id_date"),
            ["participant_id", "date"],
            unique=False,
        )
        # Replaced by the index above; left in place, the planner picks it and reads rows.
        batch_op.drop_index(batch_op.f("ix_progress_ratings_participant_id"))


def downgrade() -> None:
    with op.batch_alter_table("progress_ratings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_progress_ratings_participant_id"), ["participant_id"], unique=False
        )
        batch_op.drop_index(batch_op.f("ix_progress_ratings_participant_id_date"))
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_kind_participant_id_date"))
