"""Fast start: the CLI module imports only typer and the standard library at the top."""

import gc
import subprocess
import sys

from ipsung import gcpause

HEAVY = ("sqlalchemy", "alembic", "pydantic", "rich")


def _imported_after(code: str) -> set[str]:
    probe = f"import sys; {code}; print(' '.join(sorted(m for m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return {m.split(".")[0] for m in out.stdout.split()}


def test_import_cli_is_light():
    loaded = _imported_after("import ipsung.cli")
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_screen_runs_without_the_database_stack():
    code = (
        "from typer.testing import CliRunner; from ipsung.cli import app; "
        "r = CliRunner().invoke(app, ['screen', '--birth-date', '01-01-2010', "
        "'--on', '23-11-2026', "
        "'--mistrivsel', 'angst', '--substance', 'A', '--motivated', '--normal-cognition']); "
        "assert r.exit_code == 0, r.output"
    )
    loaded = _imported_after(code)
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_reports_read_without_the_orm(run, db_path):
    """The reports query the Core tables (store/tables.py) and never load SQLAlchemy's
    ORM, pydantic or rich: about a sixth of a second each, every time."""
    assert run("consultant", "add", "Mette Holm").exit_code == 0
    commands = [
        ["due"],
        ["due", "--consultant", "mette holm"],
        ["capacity"],
        ["outcomes"],
        ["fidelity"],
        ["list", "--status", "all"],
        ["consultant", "list"],
        ["audit"],
        ["check"],
    ]
    code = (
        "from typer.testing import CliRunner; from ipsung.cli import app; "
        f"results = [CliRunner().invoke(app, ['--db', {str(db_path)!r}, *c]) for c in {commands!r}]; "
        "assert all(r.exit_code == 0 for r in results), [r.output for r in results]"
    )
    probe = f"import sys; {code}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = set(out.stdout.split())
    assert "sqlalchemy.engine" in loaded  # the probe did reach the database
    assert not {m for m in loaded if m.startswith(("sqlalchemy.orm", "pydantic", "rich"))}


def _paused_making(count: int) -> list:
    with gcpause.no_cycle_collection():
        assert not gc.isenabled()
        made = [[n] for n in range(count)]
    return made


def test_a_pause_in_a_process_that_goes_on_leaves_the_collector_as_it_was():
    """In a process that goes on after the command (tests, a caller of the reports), the
    pause ends with the collector on and nothing frozen."""
    frozen = gc.get_freeze_count()
    _paused_making(5_000)
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen


def test_a_pause_in_the_ipsung_process_freezes_what_it_made(monkeypatch):
    """In the ipsung process (cli.main), what the pause made is frozen, so the collector
    never walks it (nor, once it would count as old, all of start-up's objects)."""
    monkeypatch.setattr(gcpause, "_process_ends_with_the_command", True)
    frozen = gc.get_freeze_count()
    try:
        made = _paused_making(5_000)
        assert gc.isenabled()
        assert gc.get_freeze_count() >= frozen + len(made)
    finally:
        gc.unfreeze()
