"""Indexes a team server reads the reports from (PostgreSQL only; a file is unchanged).

On PostgreSQL, `due`, `capacity` and `outcomes` spent most of their time reading table
rows beside the index they searched (issue: the team database within 1.3x of a file):

- the contact weeks (migration 0003): PostgreSQL cannot take a week number out of an
  expression index, so it read every youth contact's row for its date. With the date
  carried in the index (INCLUDE), it reads the index only;
- the last youth or three-party contact: the (participant_id, date) index holds every
  kind, so each case's newest contacts were read until one of those kinds came up. A
  partial index of those kinds answers with one look-up per case;
- the first and the latest progress rating (ordered by date, then id) were sorted per
  case and read from the table; (participant_id, date, id) with the scores beside them
  answers both from the index.

At 20,000 participants these took the server's share of the three commands from about
180, 60 and 320 ms to 150, 45 and 220 ms (EXPLAIN ANALYZE on the benchmark's data).
SQLite already answers them from its indexes (tests/test_query_plans.py), and has no
INCLUDE: on a file this revision only moves the version on.

The owner makes these with `ipsung upgrade`; CREATE INDEX holds off writes while it runs
(seconds at national scale).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

WEEK_INDEX = "ix_contacts_youth_contact_week"
WEEK = "((date - DATE '1900-01-01') / 7)"  # as migration 0003 froze it
YOUTH_CONTACT = "kind IN ('youth', 'three-party')"
YOUTH_DATE_INDEX = "ix_contacts_youth_participant_id_date"
RATINGS_INDEX = "ix_progress_ratings_participant_id_date_id"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(WEEK_INDEX, table_name="contacts")
    op.create_index(
        WEEK_INDEX,
        "contacts",
        ["participant_id", sa.text(WEEK)],
        postgresql_include=["date"],
        postgresql_where=sa.text(YOUTH_CONTACT),
    )
    op.create_index(
        YOUTH_DATE_INDEX,
        "contacts",
        ["participant_id", "date"],
        postgresql_where=sa.text(YOUTH_CONTACT),
    )
    op.create_index(
        RATINGS_INDEX,
        "progress_ratings",
        ["participant_id", "date", "id"],
        postgresql_include=["outlook", "insight", "skills"],
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(RATINGS_INDEX, table_name="progress_ratings")
    op.drop_index(YOUTH_DATE_INDEX, table_name="contacts")
    op.drop_index(WEEK_INDEX, table_name="contacts")
    op.create_index(
        WEEK_INDEX,
        "contacts",
        ["participant_id", sa.text(WEEK)],
        postgresql_where=sa.text(YOUTH_CONTACT),
    )
