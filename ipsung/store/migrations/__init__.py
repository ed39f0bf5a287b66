"""Alembic migrations, shipped inside the package.

HEAD_REVISION and KNOWN_REVISIONS let `db.py` decide whether a file needs an upgrade
with a plain query, without importing Alembic (slow to import). A test checks that they
match the scripts in versions/.
"""

KNOWN_REVISIONS = ("0001", "0002", "0003", "0004", "0005")
HEAD_REVISION = KNOWN_REVISIONS[-1]
