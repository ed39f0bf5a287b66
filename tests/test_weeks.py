"""Week numbers: SQL (weeks.py, both backends) and Python (measures.py) agree on every day.

The weekly contact rate counts contact weeks in SQL and open weeks in Python; if the two
disagreed by a day at a week's edge, the rate would drift without any test of a figure
noticing. Dates run over the whole range a date may have (1900-2199).
"""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Date, create_engine, literal, select

from ipsung.reports import measures
from ipsung.store.weeks import contact_week

FIRST, LAST = date(1900, 1, 1), date(2199, 12, 31)
days = st.dates(min_value=FIRST, max_value=LAST)


@pytest.fixture(scope="module")
def sqlite_engine():
    engine = create_engine("sqlite://")
    yield engine
    engine.dispose()


def sql_week(engine, day: date, shift: int = 0) -> int:
    with engine.connect() as conn:
        return conn.execute(select(contact_week(literal(day, Date), shift))).scalar_one()


@settings(max_examples=400, deadline=None)
@given(day=days, shift=st.sampled_from([0, 1, 6]))
def test_sqlite_week_is_python_week(sqlite_engine, day, shift):
    assert sql_week(sqlite_engine, day, shift) == measures.week_number(day + timedelta(days=shift))


def test_week_edges():
    assert FIRST.weekday() == 0  # week 0 starts on the first day a date may have
    assert measures.week_number(FIRST) == 0
    assert measures.week_number(date(1900, 1, 7)) == 0  # Sunday
    assert measures.week_number(date(1900, 1, 8)) == 1  # Monday
    assert measures.week_number(date(2026, 11, 23)) - measures.week_number(date(2026, 11, 22)) == 1


@settings(max_examples=500)
@given(enrolled=days, length=st.integers(min_value=0, max_value=60))
def test_full_weeks_are_the_whole_weeks_inside(enrolled, length):
    """full_weeks counts exactly the Monday-Sunday weeks lying inside the open days."""
    last = min(enrolled + timedelta(days=length), LAST)
    inside = {
        measures.week_number(d)
        for d in (enrolled + timedelta(days=i) for i in range((last - enrolled).days + 1))
        if d.weekday() == 0 and d + timedelta(days=6) <= last
    }
    first_week, last_week = measures.full_weeks(enrolled, last)
    assert set(range(first_week, last_week + 1)) == inside


def test_postgresql_week_is_python_week(pg_url):
    """Every 13th day over the whole range (so every weekday), a thousand a query."""
    engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
    sample = [FIRST + timedelta(days=d) for d in range(0, (LAST - FIRST).days + 1, 13)]
    try:
        with engine.connect() as conn:
            for shift in (0, 1, 6):
                for start in range(0, len(sample), 1000):
                    chunk = sample[start : start + 1000]
                    row = conn.execute(
                        select(*(contact_week(literal(d, Date), shift) for d in chunk))
                    )
                    assert list(row.one()) == [
                        measures.week_number(d + timedelta(days=shift)) for d in chunk
                    ]
    finally:
        engine.dispose()
