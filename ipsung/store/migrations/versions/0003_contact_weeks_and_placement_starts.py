"""Indexes for outcomes and the due list: contact weeks, and placements by start.

`outcomes` counts, per case, the distinct full weeks with such a contact. Computing the
week of every contact made that the slowest part of the command at national scale; this
partial index on (participant_id, week number) lets SQLite read the week numbers in
order from the index (EXPLAIN QUERY PLAN: SEARCH ... USING INDEX
ix_contacts_youth_contact_week (participant_id=? AND <expr>>? AND <expr><?)); PostgreSQL
gets the same index, to use as its statistics advise.

The expression is frozen here as text; `ipsung/weeks.py` builds the same one for queries.

The due list asks for the placements started in the last three days (to follow them up);
an index on the start day spares it reading every placement.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

WEEK = {
    "sqlite": "CAST((julianday(date) - 2415020.5) / 7 AS INTEGER)",
    "postgresql": "((date - DATE '1900-01-01') / 7)",  # PostgreSQL wants the parentheses
}
YOUTH_CONTACT = "kind IN ('youth', 'three-party')"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_index(
        "ix_contacts_youth_contact_week",
        "contacts",
        ["participant_id", sa.text(WEEK[dialect])],
        unique=False,
        sqlite_where=sa.text(YOUTH_CONTACT),
        postgresql_where=sa.text(YOUTH_CONTACT),
    )
    op.create_index("ix_placements_start", "placements", ["start"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_placements_start", table_name="placements")
    op.drop_index("ix_contacts_youth_contact_week", table_name="contacts")
