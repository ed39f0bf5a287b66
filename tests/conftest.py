"""Shared fixtures: a real SQLite file in tmp_path and the real CLI through CliRunner.

Tests never depend on the real date: IPSUNG_TODAY fixes "today" for every command.
"""

from datetime import date

import pytest
from typer.testing import CliRunner

from ipsung.cli import app

TODAY = date(2026, 11, 23)  # a Monday
TODAY_ISO = TODAY.isoformat()


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "data" / "ipsung.db"


@pytest.fixture
def env(db_path, monkeypatch):
    """Environment for every command: the test database, a fixed today, no colour, no prompts."""
    values = {
        "IPSUNG_DB": str(db_path),
        "IPSUNG_TODAY": TODAY_ISO,
        "NO_COLOR": "1",
        "COLUMNS": "120",
        "IPSUNG_NO_INPUT": None,
    }
    for key, value in values.items():
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, value)
    return values


@pytest.fixture
def run(env):
    """run('intake', '--name', ...) -> Result, with stdout and stderr apart."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return invoke


ELIGIBLE = [
    "--referred-by",
    "school",
    "--mistrivsel",
    "absence",
    "--substance",
    "A",
    "--motivated",
    "--normal-cognition",
]


@pytest.fixture
def team(run):
    """Two consultants: Mette Holm (max 17) and Jonas Berg (max 2)."""
    assert run("consultant", "add", "Mette Holm").exit_code == 0
    assert run("consultant", "add", "Jonas Berg", "--max-caseload", "2").exit_code == 0
    return run


def intake_args(name: str = "Sofie Jensen", birth: str = "14-03-2010", *extra: str) -> list[str]:
    return [
        "intake",
        "--name",
        name,
        "--birth-date",
        birth,
        "--referral-date",
        "02-11-2026",
        *ELIGIBLE,
        *extra,
    ]
