"""Shell completion (issue 16) through typer's own mechanism: command and option names,
choice values, case names and ids (open first, the caller's own first), consultant
names; for bash, zsh, fish and PowerShell. A completion reads without writing: the file,
its side files and the audit log stay exactly as they were. (Its speed is measured in
benchmarks/completion.py, not here.)"""

import hashlib
import json
import os
import shlex
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from conftest import ELIGIBLE, TODAY_ISO
from typer.testing import CliRunner

from ipsung import vocabulary
from ipsung.cli import app

IPSUNG = Path(sys.executable).parent / "ipsung"
FIXTURES = Path(__file__).parent / "fixtures"


def ok(r):
    assert r.exit_code == 0, r.output
    assert "Traceback" not in r.output
    return r


def complete(line: str, shell: str = "bash") -> list[str]:
    """What the shell would be offered for the command line `line` (the last word is the
    one being completed; a trailing space means a new, empty word)."""
    env = {"_IPSUNG_COMPLETE": f"complete_{shell}"}
    if shell == "bash":
        words = shlex.split(line)
        new_word = line.endswith(" ") and not line.endswith("\\ ")
        env.update(COMP_WORDS=line, COMP_CWORD=str(len(words) - (0 if new_word else 1)))
    else:
        env["_TYPER_COMPLETE_ARGS"] = line
        env["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
        env["_TYPER_COMPLETE_WORD_TO_COMPLETE"] = line.rsplit(" ", 1)[-1]
    r = CliRunner().invoke(app, [], env=env, prog_name="ipsung", catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert r.stderr == "", r.stderr
    return [line for line in r.stdout.splitlines() if line.strip()]


def take_in(run, name: str, consultant: str, *extra: str) -> int:
    args = ["intake", "--name", name, "--birth-date", "14-03-2010", *ELIGIBLE]
    r = ok(run(*args, "--referral-date", "02-11-2026", "--consultant", consultant, *extra,
               "--json"))  # fmt: skip
    return json.loads(r.stdout)["id"]


@pytest.fixture
def caseload(team):
    """1 Emil Dam (Mette, closed), 2 Emilie Holm (Jonas), 3 Emil Dam (Mette), 4 Lærke Øst
    (Mette), 5 Åse Lund (Jonas, waitlisted: Jonas is full); consultant Ida Lund
    deactivated."""
    run = team
    take_in(run, "Emil Dam", "Mette Holm")
    ok(run("close", "1", "--date", "20-11-2026", "--reason", "moved"))
    take_in(run, "Emilie Holm", "Jonas Berg")
    take_in(run, "Emil Dam", "Mette Holm")
    take_in(run, "Lærke Øst", "Mette Holm")
    take_in(run, "Ib Ny", "Jonas Berg")
    take_in(run, "Åse Lund", "Jonas Berg", "--waitlist")
    ok(run("consultant", "add", "Ida Lund"))
    ok(run("consultant", "deactivate", "Ida Lund"))
    return run


# --- commands, options, choices ------------------------------------------------------------------


def test_command_and_option_names():
    assert complete("ipsung sh") == ["show"]
    assert set(complete("ipsung consultant ")) >= {"add", "list", "set-max", "deactivate"}
    assert set(complete("ipsung config ")) == {"set", "get", "unset", "list"}
    assert {"--json", "--reveal-cpr"} <= set(complete("ipsung show --"))
    assert {"--db", "--install-completion", "--show-completion"} <= set(complete("ipsung --"))
    assert {"--all", "--consultant"} <= set(complete("ipsung due --"))
    assert {"--search", "--sort"} <= set(complete("ipsung list --"))


@pytest.mark.parametrize(
    "line, offered",
    [
        ("ipsung log-contact 1 --kind e", ["employer", "education"]),
        ("ipsung log-contact 1 --kind E", ["Employer", "Education"]),
        ("ipsung log-contact 1 --channel ", ["in-person", "phone", "video", "text", "email"]),
        ("ipsung placement add 1 --kind f", ["flex-job", "fgu"]),
        ("ipsung close 1 --reason g", ["goal-reached"]),
        ("ipsung list --status ", ["active", "waitlisted", "closed", "all"]),
        ("ipsung list --sort ", ["id", "name", "enrolled"]),
        ("ipsung intake --pathway ", ["job-placement", "job-development", "education"]),
        ("ipsung intake --referred-by ps", ["psychiatry"]),
        ("ipsung screen --mistrivsel a", ["anxiety", "absence"]),
        ("ipsung screen --substance ", ["A", "B", "C", "D", "E"]),
        ("ipsung export ", [*vocabulary.EXPORT_TABLES, "all"]),
        ("ipsung export contacts --dialect ", ["csv", "excel-dk"]),
        ("ipsung import p", ["participants", "placements", "progress"]),
        ("ipsung config set ", ["consultant"]),
    ],
)
def test_choice_values_come_from_the_vocabulary(line, offered):
    assert complete(line) == offered


# --- cases ---------------------------------------------------------------------------------------


def test_case_names_in_any_case_and_by_any_part(caseload):
    assert complete("ipsung show emi") == ["emilie\\ Holm", "emil\\ Dam"]
    assert complete("ipsung log-contact LÆR") == ["LÆRke\\ Øst"]
    assert complete("ipsung progress øst") == ["øst"]  # a later part: found by it too
    assert complete("ipsung show dam") == ["dam"]
    assert complete("ipsung show Emil\\ D") == ["Emil\\ Dam"]
    assert complete("ipsung show zz") == []


def test_open_cases_first_then_closed(caseload):
    # Open (2 Emilie, 3 Emil Dam, 4 Lærke, 5 Ib, 6 Åse waiting) by id; the closed Emil
    # Dam (1) shares its name with the open 3 and is offered once.
    assert complete("ipsung show ") == [
        "Emilie\\ Holm",
        "Emil\\ Dam",
        "Lærke\\ Øst",
        "Ib\\ Ny",
        "Åse\\ Lund",
    ]


def test_my_own_cases_first(caseload):
    ok(caseload("config", "set", "consultant", "Mette Holm"))
    assert complete("ipsung show ") == [
        "Emil\\ Dam",
        "Lærke\\ Øst",
        "Emilie\\ Holm",
        "Ib\\ Ny",
        "Åse\\ Lund",
    ]
    assert complete("ipsung show emi") == ["emil\\ Dam", "emilie\\ Holm"]


def test_ids_when_digits_are_typed(caseload):
    assert complete("ipsung show 1") == ["1"]
    ok(caseload("config", "set", "consultant", "Jonas Berg"))
    assert complete("ipsung show ", shell="zsh")  # names still
    assert complete("ipsung audit 1") == ["1"]


def test_ids_come_with_their_names_where_the_shell_shows_help(caseload):
    out = complete("ipsung show 2", shell="fish")
    assert out == ["2\tEmilie Holm · Jonas Berg · active"]


def test_a_name_two_cases_share_is_offered_once(caseload):
    out = complete("ipsung show emil\\ d", shell="fish")
    assert out == ["emil dam\t2 cases: 3, 1"]


def test_zsh_fish_and_powershell_take_names_with_spaces(caseload):
    zsh = complete("ipsung show lær", shell="zsh")
    assert zsh == ['_arguments \'*: :(("lærke Øst":"case 4 · Mette Holm · active"))\'']
    assert complete("ipsung show lær", shell="fish") == ["lærke Øst\tcase 4 · Mette Holm · active"]
    assert complete("ipsung show lær", shell="powershell") == [
        "'lærke Øst':::case 4 · Mette Holm · active"
    ]
    assert complete("ipsung show zz", shell="zsh") == ["_files"]


def test_more_cases_than_a_screen_are_cut_to_the_first_forty(run):
    ok(run("demo", "--participants", "300", "--seed", "5"))
    offered = complete("ipsung show ")
    cases = json.loads(ok(run("list", "--status", "all", "--json")).stdout)  # by id
    open_names = [d["name"].replace(" ", "\\ ") for d in cases if d["status"] != "closed"]
    assert offered == list(dict.fromkeys(open_names))[:40]


# --- consultants --------------------------------------------------------------------------------


def test_consultant_names(caseload):
    assert complete("ipsung due --consultant ") == ["Jonas\\ Berg", "Mette\\ Holm"]
    assert complete("ipsung reassign 2 --to m") == ["mette\\ Holm"]
    assert complete("ipsung consultant set-max J") == ["Jonas\\ Berg"]
    assert complete("ipsung config set consultant j") == ["jonas\\ Berg"]
    assert complete("ipsung list --consultant h") == []  # a whole name, from its start
    ok(caseload("config", "set", "consultant", "Mette Holm"))
    assert complete("ipsung intake --consultant ") == ["Mette\\ Holm", "Jonas\\ Berg"]


def test_the_db_option_on_the_line_is_used(caseload, tmp_path):
    other = tmp_path / "other.db"
    ok(caseload("--db", str(other), "consultant", "add", "Kim Vester"))
    assert complete(f"ipsung --db {other} due --consultant ") == ["Kim\\ Vester"]


# --- nothing is written -------------------------------------------------------------------------


def fingerprint(db: Path) -> tuple:
    side = sorted(p.name for p in db.parent.iterdir() if p.name != db.name)
    with closing(sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True)) as conn:
        audit = conn.execute("SELECT count(*), max(id) FROM audit_log").fetchone()
    stat = db.stat()
    return hashlib.sha256(db.read_bytes()).hexdigest(), stat.st_mtime_ns, side, audit


def shell_completes(env: dict, line: str) -> subprocess.CompletedProcess:
    words = line.split(" ")
    return subprocess.run(
        [str(IPSUNG)],
        env={**env, "_IPSUNG_COMPLETE": "complete_bash", "COMP_WORDS": line,
             "COMP_CWORD": str(len(words) - 1)},
        capture_output=True, text=True,
    )  # fmt: skip


@pytest.fixture
def proc_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("IPSUNG_")}
    env["IPSUNG_LANG"] = "en"  # whatever the machine's own language
    env.update(
        IPSUNG_DB=str(tmp_path / "data" / "ipsung.db"),
        IPSUNG_TODAY=TODAY_ISO,
        IPSUNG_CONFIG=str(tmp_path / "config.toml"),
    )
    return env


def test_a_completion_writes_nothing(caseload, db_path, proc_env):
    ok(caseload("config", "set", "consultant", "Mette Holm"))
    before = fingerprint(db_path)
    for line in ("ipsung show emi", "ipsung show ", "ipsung show 1", "ipsung due --consultant "):
        r = shell_completes(proc_env, line)
        assert r.returncode == 0 and r.stderr == "" and r.stdout.strip(), (line, r)
    assert fingerprint(db_path) == before


def test_a_completion_while_another_process_has_the_file_open(caseload, db_path, proc_env):
    """A -wal file beside the database: completion reads through it (read-only, not as
    immutable) and the database and its log are left as they were."""
    with closing(sqlite3.connect(db_path)) as holder:
        holder.execute("BEGIN")
        holder.execute("SELECT count(*) FROM participants").fetchone()
        assert Path(f"{db_path}-wal").exists()
        audit = holder.execute("SELECT count(*) FROM audit_log").fetchone()
        r = shell_completes(proc_env, "ipsung show lær")
        assert r.returncode == 0 and r.stdout.split() == ["lærke\\", "Øst"]
        assert holder.execute("SELECT count(*) FROM audit_log").fetchone() == audit
        holder.execute("ROLLBACK")


def test_an_older_schema_is_read_and_not_upgraded(tmp_path, proc_env):
    db = tmp_path / "data" / "ipsung.db"
    db.parent.mkdir()
    db.write_bytes((FIXTURES / "schema-0002.db").read_bytes())
    before = fingerprint(db)
    r = shell_completes(proc_env, "ipsung show ")
    assert r.returncode == 0 and r.stderr == "" and r.stdout.strip()
    assert fingerprint(db) == before


@pytest.mark.parametrize("content", [None, b"not a database at all", b""])
def test_no_database_or_a_broken_one_offers_nothing_and_says_nothing(tmp_path, proc_env, content):
    db = tmp_path / "data" / "ipsung.db"
    if content is not None:
        db.parent.mkdir()
        db.write_bytes(content)
    r = shell_completes(proc_env, "ipsung show em")
    assert (r.returncode, r.stdout.strip(), r.stderr) == (0, "", "")
    assert (db.read_bytes() if content is not None else None) == content
    assert not db.exists() or content is not None


def test_a_completion_loads_neither_sqlalchemy_nor_rich(caseload, db_path, proc_env):
    ok(caseload("config", "set", "consultant", "Mette Holm"))
    line = "ipsung show emi"
    r = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "ipsung"],
        env={**proc_env, "_IPSUNG_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": line},
        capture_output=True, text=True,
    )  # fmt: skip
    assert r.returncode == 0 and "emil Dam" in r.stdout
    loaded = {line.split("|")[-1].strip().split(".")[0] for line in r.stderr.splitlines()}
    assert not loaded & {"sqlalchemy", "rich", "pydantic", "alembic"}


# --- turning it on ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shell, says",
    [
        ("bash", "complete -o default -F _ipsung_completion ipsung"),
        ("zsh", "compdef _ipsung_completion ipsung"),
        ("fish", "complete --command ipsung"),
        ("powershell", "Register-ArgumentCompleter -Native -CommandName ipsung"),
    ],
)
def test_show_completion_for_each_shell(monkeypatch, fresh_command, shell, says):
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    r = CliRunner().invoke(app, ["--show-completion", shell], prog_name="ipsung")
    assert r.exit_code == 0, r.output
    assert says in r.stdout and "_IPSUNG_COMPLETE" in r.stdout


def test_install_completion_for_bash(monkeypatch, tmp_path, fresh_command):
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    monkeypatch.setenv("HOME", str(tmp_path))
    r = CliRunner().invoke(app, ["--install-completion", "bash"], prog_name="ipsung")
    assert r.exit_code == 0, r.output
    script = tmp_path / ".bash_completions" / "ipsung.sh"
    assert "_IPSUNG_COMPLETE=complete_bash" in script.read_text()
    assert str(script) in (tmp_path / ".bashrc").read_text()


def test_a_real_bash_completes_a_name(caseload, proc_env, db_path):
    """The installed command's own bash script, sourced into bash, and the completion
    function called as bash calls it on Tab."""
    script = (
        'eval "$(_IPSUNG_COMPLETE=source_bash ipsung)"; '
        "COMP_WORDS=(ipsung show 'Lærke'); COMP_CWORD=2; _ipsung_completion ipsung; "
        'printf "%s\\n" "${COMPREPLY[@]}"'
    )
    env = {**proc_env, "PATH": f"{IPSUNG.parent}{os.pathsep}{proc_env['PATH']}"}
    r = subprocess.run(["bash", "--norc", "-c", script], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["Lærke\\ Øst"]


def test_completion_from_a_team_database(pg_url, tmp_path, monkeypatch):
    """On PostgreSQL, completion reads through psycopg alone, in a read-only transaction:
    names offered, nothing written (the audit log is the team's record)."""
    from conftest import point_at

    point_at(monkeypatch, pg_url, tmp_path)
    run = CliRunner()
    for args in (["consultant", "add", "Mette Holm"], intake_line("Lærke Øst")):
        assert run.invoke(app, args).exit_code == 0
    import psycopg

    def audit_rows():
        with psycopg.connect(pg_url) as conn:
            return conn.execute("SELECT count(*), max(id) FROM audit_log").fetchone()

    before = audit_rows()
    assert complete("ipsung show lær") == ["lærke\\ Øst"]
    assert complete("ipsung due --consultant ") == ["Mette\\ Holm"]
    assert audit_rows() == before


def intake_line(name: str) -> list[str]:
    return ["intake", "--name", name, "--birth-date", "14-03-2010", *ELIGIBLE]
