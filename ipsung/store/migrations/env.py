"""Alembic environment: runs on the connection db.upgrade() hands over."""

from alembic import context

from ipsung.store.tables import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # alembic's own command line, e.g. `alembic revision --autogenerate`
    from sqlalchemy import create_engine

    connection = create_engine(config.get_main_option("sqlalchemy.url")).connect()

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite changes tables by copying them
    transaction_per_migration=True,  # a failed migration leaves the previous revision intact
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
