"""Who am I (issue 16): `ipsung config set|get|unset|list`, a TOML file of the user's
(IPSUNG_CONFIG here; conftest gives every test its own), IPSUNG_CONSULTANT over it, and
what it changes: `due` shows that consultant's list, `intake` and employer contacts
default to that consultant. An unknown name is exit 2 naming where it was set.
"""

import json
import sqlite3
import stat
import sys
import tomllib
from contextlib import closing

import pytest
from conftest import ELIGIBLE
from hypothesis import given
from hypothesis import strategies as st

from ipsung.store import config


def ok(r):
    assert r.exit_code == 0, r.output
    assert "Traceback" not in r.output
    return r


def doc(r):
    return json.loads(r.stdout)


def take_in(run, name: str, *extra: str) -> dict:
    args = ["intake", "--name", name, "--birth-date", "14-03-2010"]
    return doc(ok(run(*args, "--referral-date", "02-11-2026", *ELIGIBLE, *extra, "--json")))


def audit_count(db_path) -> int:
    with closing(sqlite3.connect(db_path)) as conn:
        return conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]


@pytest.fixture
def caseload(team):
    """Mette Holm (max 17) with two cases, Jonas Berg (max 2) with one; Jonas's second
    place is taken by a waitlisted case only when he is full."""
    run = team
    take_in(run, "Emil Dam", "--consultant", "Mette Holm")
    take_in(run, "Sara Holm", "--consultant", "Mette Holm")
    take_in(run, "Ida Nielsen", "--consultant", "Jonas Berg")
    return run


# --- config set, get, unset, list ------------------------------------------------------------


def test_set_stores_the_name_as_the_database_spells_it(team, own_settings):
    run = team
    r = ok(run("config", "set", "consultant", "  mette   HOLM "))
    assert "consultant = Mette Holm" in r.stdout and str(own_settings) in r.stdout
    assert tomllib.loads(own_settings.read_text(encoding="utf-8")) == {"consultant": "Mette Holm"}
    assert ok(run("config", "get", "consultant")).stdout == "Mette Holm\n"
    assert doc(ok(run("config", "list", "--json"))) == {
        "file": str(own_settings),
        "settings": {"consultant": {"value": "Mette Holm", "source": str(own_settings)}},
    }
    assert "consultant = Mette Holm" in ok(run("config", "list")).stdout


def test_the_file_is_owner_only(team, own_settings):
    ok(team("config", "set", "consultant", "Mette Holm"))
    assert stat.S_IMODE(own_settings.stat().st_mode) == 0o600
    assert stat.S_IMODE(own_settings.parent.stat().st_mode) == 0o700


def test_unset_and_get_of_what_is_not_set(team, own_settings):
    run = team
    r = run("config", "get", "consultant")
    assert r.exit_code == 1 and r.stdout == "" and "not set" in r.stderr
    ok(run("config", "set", "consultant", "Jonas Berg"))
    assert "removed" in ok(run("config", "unset", "consultant")).stdout
    assert run("config", "get", "consultant").exit_code == 1
    assert tomllib.loads(own_settings.read_text(encoding="utf-8")) == {}
    assert "was not set" in ok(run("config", "unset", "consultant")).stderr
    assert doc(ok(run("config", "list", "--json")))["settings"] == {}


def test_an_unknown_consultant_is_not_stored(team, own_settings, db_path):
    run = team
    before = audit_count(db_path)
    r = run("config", "set", "consultant", "Mette Hol")
    assert r.exit_code == 2 and r.stderr.startswith("Error: VALUE: consultant 'Mette Hol'")
    assert "Mette Holm" in r.stderr  # the team's names, to choose from
    assert not own_settings.exists()
    assert audit_count(db_path) == before


@pytest.mark.parametrize(
    "args, says",
    [
        (["config", "set", "colour", "red"], "KEY"),
        (["config", "set", "consultant", "  "], "give a value"),
        (["config", "get", "colour"], "KEY"),
        (["config", "unset", "colour"], "KEY"),
    ],
)
def test_bad_keys_and_values(team, own_settings, args, says):
    r = team(*args)
    assert r.exit_code == 2 and says in r.stderr and "Traceback" not in r.output
    assert not own_settings.exists()


@pytest.mark.no_db
def test_without_a_database_the_name_is_stored_as_typed(run, own_settings, db_path):
    r = ok(run("config", "set", "consultant", "Mette Holm"))
    assert "no database yet" in r.stderr
    assert not db_path.exists()
    assert ok(run("config", "get", "consultant")).stdout == "Mette Holm\n"


def test_the_environment_overrides_the_file(team, own_settings, monkeypatch):
    run = team
    ok(run("config", "set", "consultant", "Mette Holm"))
    monkeypatch.setenv("IPSUNG_CONSULTANT", "Jonas Berg")
    assert ok(run("config", "get", "consultant")).stdout == "Jonas Berg\n"
    listed = ok(run("config", "list")).stdout
    assert "consultant = Jonas Berg (from IPSUNG_CONSULTANT)" in listed
    assert (
        "IPSUNG_CONSULTANT is set and overrides this"
        in ok(run("config", "set", "consultant", "Mette Holm")).stderr
    )
    assert "IPSUNG_CONSULTANT still sets it" in ok(run("config", "unset", "consultant")).stderr


def test_other_keys_in_the_file_are_kept(team, own_settings):
    own_settings.parent.mkdir(parents=True)
    own_settings.write_text(
        '# mine\nlanguage = "da"\nwidth = 120\nratio = 0.5\nplain = true\n"odd key" = "x"\n',
        encoding="utf-8",
    )
    ok(team("config", "set", "consultant", "Jonas Berg"))
    assert tomllib.loads(own_settings.read_text(encoding="utf-8")) == {
        "language": "da",
        "width": 120,
        "ratio": 0.5,
        "plain": True,
        "odd key": "x",
        "consultant": "Jonas Berg",
    }


def test_a_file_this_version_cannot_rewrite_is_left_alone(team, own_settings):
    own_settings.parent.mkdir(parents=True)
    own_settings.write_text('[colours]\ndue = "red"\n', encoding="utf-8")
    before = own_settings.read_bytes()
    r = team("config", "set", "consultant", "Jonas Berg")
    assert r.exit_code == 2 and str(own_settings) in r.stderr
    assert own_settings.read_bytes() == before


@pytest.mark.parametrize(
    "text",
    ["consultant = ", "consultant = 3", 'consultant = ""', "consultant = [1]", "\xff\xfe"],
)
def test_a_broken_file_is_exit_2_naming_it(team, own_settings, text):
    own_settings.parent.mkdir(parents=True)
    own_settings.write_bytes(text.encode("latin-1"))
    for args in (
        ["due"],
        ["config", "get", "consultant"],
        ["config", "set", "consultant", "Jonas Berg"],
    ):
        r = team(*args)
        assert r.exit_code == 2, (args, r.output)
        assert str(own_settings) in r.stderr and "Traceback" not in r.output
    assert own_settings.read_bytes() == text.encode("latin-1")


@given(st.text())
def test_toml_strings_read_back_as_written(value):
    assert tomllib.loads(f"v = {config.toml_string(value)}") == {"v": value}


@given(st.text(min_size=1))
def test_toml_keys_read_back_as_written(key):
    assert tomllib.loads(f"{config.toml_key(key)} = 1") == {key: 1}


# --- due: my list, the team's, another's -----------------------------------------------------


def due_json(run, *args):
    return doc(ok(run("due", *args, "--json")))


def test_due_shows_my_list_once_i_am_set(caseload):
    run = caseload
    team_items = due_json(run)
    assert {i["consultant"] for i in team_items} == {"Mette Holm", "Jonas Berg"}
    ok(run("config", "set", "consultant", "Mette Holm"))
    mine = due_json(run)
    assert mine and {i["consultant"] for i in mine} == {"Mette Holm"}
    assert mine == [i for i in team_items if i["consultant"] == "Mette Holm"]
    assert due_json(run, "--all") == team_items
    assert due_json(run, "--consultant", "jonas berg") == [
        i for i in team_items if i["consultant"] == "Jonas Berg"
    ]
    text = ok(run("due")).stdout
    assert text.startswith("Due for Mette Holm on 23-11-2026")
    assert "Emil Dam" in text and "Ida Nielsen" not in text
    assert ok(run("due", "--all")).stdout.startswith("Due for the team")


def test_the_environment_names_me_too(caseload, monkeypatch):
    run = caseload
    monkeypatch.setenv("IPSUNG_CONSULTANT", "JONAS BERG")
    assert {i["consultant"] for i in due_json(run)} == {"Jonas Berg"}
    assert ok(run("due")).stdout.startswith("Due for Jonas Berg")


def test_all_and_consultant_exclude_each_other(caseload):
    r = caseload("due", "--all", "--consultant", "Mette Holm")
    assert r.exit_code == 2 and "--all" in r.stderr


@pytest.mark.parametrize("where", ["file", "variable"])
def test_an_unknown_name_is_exit_2_naming_where_it_was_set(caseload, own_settings, db_path,
                                                           monkeypatch, where):  # fmt: skip
    run = caseload
    if where == "file":
        own_settings.parent.mkdir(parents=True)
        own_settings.write_text('consultant = "Mette Hansen"\n', encoding="utf-8")
        named = str(own_settings)
    else:
        monkeypatch.setenv("IPSUNG_CONSULTANT", "Mette Hansen")
        named = "IPSUNG_CONSULTANT"
    before = audit_count(db_path)
    intake = ["intake", "--name", "Ny Person", "--birth-date", "14-03-2010", *ELIGIBLE]
    for args in (["due"], ["due", "--json"], intake):
        r = run(*args)
        assert r.exit_code == 2, r.output
        assert r.stdout == ""
        assert "'Mette Hansen'" in r.stderr and named in r.stderr
        assert "ipsung config set consultant" in r.stderr
    assert audit_count(db_path) == before
    # The team's list and another's need no "me".
    assert due_json(run, "--all") and due_json(run, "--consultant", "Mette Holm")


# --- intake and employer contacts default to me ----------------------------------------------


def test_intake_takes_the_case_myself(caseload):
    run = caseload
    # Without "me", the consultant with most free places (Mette: 15) would take it.
    ok(run("config", "set", "consultant", "Jonas Berg"))
    assert take_in(run, "Ny Person")["consultant"] == "Jonas Berg"
    # Jonas is full now (2 of 2): refused, as if he had been named.
    r = run("intake", "--name", "Endnu En", "--birth-date", "14-03-2010", *ELIGIBLE)
    assert r.exit_code == 1 and "Jonas Berg is full" in r.stderr
    assert take_in(run, "Tredje", "--consultant", "Mette Holm")["consultant"] == "Mette Holm"


def contacts(db_path) -> list[tuple]:
    with closing(sqlite3.connect(db_path)) as conn:
        return conn.execute(
            "SELECT c.kind, c.participant_id, k.name FROM contacts c "
            "JOIN consultants k ON k.id = c.consultant_id ORDER BY c.id"
        ).fetchall()


def test_an_employer_contact_is_mine(caseload, db_path):
    run = caseload
    # Two active consultants and no --consultant: nobody to credit the job development to.
    r = run("log-contact", "--kind", "employer", "--employer", "Bager Nielsen")
    assert r.exit_code == 2 and "--consultant" in r.stderr
    ok(run("config", "set", "consultant", "Jonas Berg"))
    ok(run("log-contact", "--kind", "employer", "--employer", "Bager Nielsen"))
    ok(run("log-contact", "emil", "--kind", "employer", "--employer", "Netto"))  # Mette's case
    ok(run("log-contact", "emil", "--kind", "youth"))  # not an employer contact: the case's
    ok(
        run(
            "log-contact", "--kind", "employer", "--employer", "Føtex", "--consultant", "Mette Holm"
        )
    )
    assert contacts(db_path) == [
        ("employer", None, "Jonas Berg"),
        ("employer", 1, "Jonas Berg"),
        ("youth", 1, "Mette Holm"),
        ("employer", None, "Mette Holm"),
    ]


def test_the_config_file_defaults_to_the_users_config_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("IPSUNG_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert config.config_file() == tmp_path / "xdg" / "ipsung" / "config.toml"
    assert config.config_file().name == "config.toml"


def test_my_due_list_on_both_backends(bteam):
    run = bteam
    take_in(run, "Emil Dam", "--consultant", "Mette Holm")
    take_in(run, "Ida Nielsen", "--consultant", "Jonas Berg")
    ok(run("config", "set", "consultant", "jonas berg"))
    assert {i["consultant"] for i in due_json(run)} == {"Jonas Berg"}
    assert {i["consultant"] for i in due_json(run, "--all")} == {"Jonas Berg", "Mette Holm"}
    assert take_in(run, "Ny Person")["consultant"] == "Jonas Berg"
