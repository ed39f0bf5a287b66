"""Week numbers in SQL: whole weeks since Monday 1 January 1900, as `measures.week_number`.

Dates lie in 1900-2199 (rules.parse_date), so a week number is never negative and the
integer division below is floor division on both backends. The weekly contact rate
counts the distinct weeks with a youth or three-party contact; migration 0003 indexes
exactly `contact_week(contacts.date)` for those kinds, so SQLite reads the week numbers
from the index instead of computing one per contact (two to three times quicker at
20,000 cases).
The index is used only when a query spells the expression and the kinds condition the
same way: build both from this module.
"""

from sqlalchemy import Integer, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

EPOCH_JULIAN_DAY = 2415020.5  # julianday('1900-01-01'), a Monday
EPOCH = "DATE '1900-01-01'"
WEEK_INDEX = "ix_contacts_youth_contact_week"


class contact_week(FunctionElement):
    """The week number of a date column, optionally `days` later (a whole number)."""

    type = Integer()
    inherit_cache = True

    def __init__(self, day, days: int = 0):
        super().__init__(day, literal_column(str(int(days))))


def _parts(element, compiler, **kw) -> tuple[str, str]:
    day, days = list(element.clauses)
    shift = "" if days.name == "0" else f" + {days.name}"  # the index's form has no shift
    return compiler.process(day, **kw), shift


@compiles(contact_week, "sqlite")
def _contact_week_sqlite(element, compiler, **kw):
    day, shift = _parts(element, compiler, **kw)
    return f"CAST((julianday({day}) - {EPOCH_JULIAN_DAY}{shift}) / 7 AS INTEGER)"


@compiles(contact_week, "postgresql")
def _contact_week_postgresql(element, compiler, **kw):
    day, shift = _parts(element, compiler, **kw)
    return f"(({day} - {EPOCH}){shift}) / 7"


def kind_in(column, kinds: tuple[str, ...]) -> ColumnElement[bool]:
    """`column IN ('a', 'b')` with the values written into the SQL, not bound: a partial
    index serves a query only when the planner can see the same values."""
    for kind in kinds:
        if not kind.replace("-", "").isalpha():
            raise ValueError(f"not a plain kind name: {kind!r}")
    return column.in_([literal_column(f"'{kind}'") for kind in kinds])
