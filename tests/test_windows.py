"""What differs on Windows (store/platform.py), tested here by simulation: os.name is
made "nt" and Windows' drive-type function replaced, since the real thing cannot run on
the Linux machines the tests run on. And the paths every platform must get right: a
folder name with `?`, `#`, `%` or a space.
"""

import json
import os
import re
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ipsung.cli import app
from ipsung.errors import BadInput
from ipsung.store import platform
from ipsung.store.peek import read_only

DRIVE_FIXED, DRIVE_REMOTE = 3, 4
SOURCE = Path(platform.__file__).resolve().parents[1]


class WindowsOs:
    """The os module as platform.py sees it on Windows: os.name is "nt". Only platform.py
    is given it: pathlib and the rest of the process must stay on the real system."""

    name = "nt"

    def __getattr__(self, attribute):
        return getattr(os, attribute)


@pytest.fixture
def windows(monkeypatch):
    """Windows, as far as platform.py can tell; drive C: is a local disk, Z: a mapped
    network drive. Returns the drive roots asked about."""
    asked: list[str] = []

    def drive_type(root: str) -> int:
        asked.append(root)
        return DRIVE_REMOTE if root.upper().startswith("Z") else DRIVE_FIXED

    monkeypatch.setattr(platform, "os", WindowsOs())
    monkeypatch.setattr(platform, "_drive_type", drive_type)
    return asked


def cli(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


# --- network shares on Windows ----------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        r"\\fileserver\team\ipsung.db",
        r"\\fileserver\team\deep\folder\ipsung.db",
        "//fileserver/team/ipsung.db",
        r"\\?\UNC\fileserver\team\ipsung.db",
        r"\\wsl.localhost\Ubuntu\home\mette\ipsung.db",
        r"\\localhost\c$\Users\mette\ipsung.db",
    ],
)
def test_a_unc_path_is_a_network_share(windows, path):
    assert platform.network_share(Path(path)) == "UNC path"
    assert windows == []  # known from the path alone


@pytest.mark.parametrize(
    "path, kind",
    [
        (r"Z:\team\ipsung.db", "mapped network drive Z:"),
        (r"z:\team\ipsung.db", "mapped network drive Z:"),
        (r"\\?\Z:\team\ipsung.db", "mapped network drive Z:"),
        (r"C:\Users\mette\AppData\Local\ipsung\ipsung.db", None),
        (r"\\?\C:\Users\mette\ipsung.db", None),
        ("C:/Users/mette/ipsung.db", None),
    ],
)
def test_a_drive_is_asked_of_windows(windows, path, kind):
    assert platform.network_share(Path(path)) == kind
    assert windows == [path.replace("\\\\?\\", "")[:2] + "\\"]


def test_a_drive_windows_cannot_tell_about_is_not_refused(monkeypatch):
    def broken(root: str) -> int:
        raise OSError("no answer")

    monkeypatch.setattr(platform, "os", WindowsOs())
    monkeypatch.setattr(platform, "_drive_type", broken)
    assert platform.network_share(Path(r"Z:\team\ipsung.db")) is None


def test_windows_paths_are_not_judged_by_the_linux_mount_table(windows, tmp_path, monkeypatch):
    mounts = tmp_path / "mounts"
    mounts.write_text("//fileserver/team / cifs rw 0 0\n")  # would refuse every path
    monkeypatch.setattr(platform, "MOUNTS", mounts)
    assert platform.network_share(Path(r"C:\Users\mette\ipsung.db")) is None


def test_linux_still_reads_the_mount_table(tmp_path, monkeypatch):
    mounts = tmp_path / "mounts"
    mounts.write_text(f"//fileserver/team {os.path.realpath(tmp_path)} cifs rw 0 0\n")
    monkeypatch.setattr(platform, "MOUNTS", mounts)
    assert platform.network_share(tmp_path / "ipsung.db") == "cifs"
    # A UNC-looking name on Linux is just an odd file name in the current folder.
    monkeypatch.setattr(platform, "MOUNTS", tmp_path / "no-such-table")
    assert platform.network_share(Path(r"\\fileserver\team\ipsung.db")) is None


def test_the_refusal_names_the_path_and_the_kind(windows):
    with pytest.raises(BadInput) as refused:
        platform.refuse_network_share(Path(r"\\fileserver\team\ipsung.db"))
    assert refused.value.exit_code == 2
    assert r"\\fileserver\team\ipsung.db" in str(refused.value)
    assert "UNC path" in str(refused.value) and "PostgreSQL" in str(refused.value)


@pytest.mark.parametrize(
    "db, kind",
    [
        (r"\\fileserver\team\ipsung.db", "UNC path"),
        (r"Z:\team\ipsung.db", "mapped network drive Z:"),
    ],
)
@pytest.mark.parametrize(
    "args",
    [
        ["consultant", "add", "Mette Holm"],
        ["due"],
        ["show", "12"],
    ],
)
def test_the_cli_refuses_a_share_and_creates_nothing(
    windows, tmp_path, monkeypatch, db, kind, args
):
    """The whole command, on a simulated Windows: exit 2, one line naming the share, and no
    file made anywhere (on Linux the path would be a file in the current folder)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IPSUNG_TODAY", "2026-11-23")
    before = sorted(tmp_path.rglob("*"))
    r = cli("--db", db, *args)
    assert r.exit_code == 2, r.output
    errors = [line for line in r.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and kind in errors[0], r.stderr
    assert "Traceback" not in r.output
    assert sorted(tmp_path.rglob("*")) == before


# --- owner-only files -------------------------------------------------------------------------


def test_windows_sets_no_umask_and_no_modes(windows, tmp_path, monkeypatch):
    """Windows has no owner-only modes: os.umask and os.chmod would only touch the
    read-only flag, so neither is called (the profile folder's access list keeps the file
    to its user; README says so)."""

    def refuse(*args):
        raise AssertionError("called on Windows")

    monkeypatch.setattr(WindowsOs, "umask", refuse, raising=False)
    monkeypatch.setattr(WindowsOs, "chmod", refuse, raising=False)
    platform.owner_only_umask()
    platform.make_owner_only(tmp_path, 0o700)


def test_posix_makes_files_owner_only(tmp_path):
    old = os.umask(0o022)
    try:
        platform.owner_only_umask()
        assert os.umask(0o022) == 0o077
        folder = tmp_path / "private"
        folder.mkdir(mode=0o755)
        platform.make_owner_only(folder, 0o700)
        assert folder.stat().st_mode & 0o777 == 0o700
    finally:
        os.umask(old)


# --- paths as SQLite URIs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, uri",
    [
        (r"C:\Users\Mette Holm\ipsung.db", "file:///C:/Users/Mette%20Holm/ipsung.db"),
        (r"C:\data\a#b?c%\ipsung.db", "file:///C:/data/a%23b%3Fc%25/ipsung.db"),
        (r"\\fileserver\team\ipsung.db", "file:////fileserver/team/ipsung.db"),
    ],
)
def test_a_windows_path_as_a_sqlite_uri(windows, path, uri):
    assert platform.sqlite_uri(Path(path)) == uri
    assert platform.sqlite_uri(Path(path), mode="ro") == uri + "?mode=ro"


def test_a_posix_path_as_a_sqlite_uri(tmp_path):
    folder = tmp_path / "a#b?c %41"
    folder.mkdir()
    db = folder / "x.db"
    sqlite3.connect(db).execute("CREATE TABLE t (x)").connection.commit()
    uri = platform.sqlite_uri(db, mode="ro")
    assert "#" not in uri and "?" not in uri.removesuffix("?mode=ro")
    conn = read_only(db)
    try:
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("t",)]
    finally:
        conn.close()


def test_a_folder_name_with_url_characters_holds_the_database(tmp_path, monkeypatch):
    """`?` and `#` in a folder name once sent the reads (and SQLAlchemy's writes) to
    another file beside it; now every command uses the file named."""
    monkeypatch.setenv("IPSUNG_TODAY", "2026-11-23")
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "team #1? 100%"
    folder.mkdir()
    db = str(folder / "ipsung.db")
    assert cli("--db", db, "consultant", "add", "Mette Holm").exit_code == 0
    info = json.loads(cli("--db", db, "info", "--json").stdout)
    assert info["schema_version"] is not None
    assert info["rows"]["consultants"] == 1
    names = [c["name"] for c in json.loads(cli("--db", db, "consultant", "list", "--json").stdout)]
    assert names == ["Mette Holm"]
    assert [p.name for p in tmp_path.iterdir()] == ["team #1? 100%"]
    assert sorted(p.name for p in folder.iterdir()) == ["ipsung.db"]


# --- one module -------------------------------------------------------------------------------

GUARDED = [
    (r"\bos\.umask\(", "os.umask"),
    (r"\bos\.chmod\(", "os.chmod"),
    (r"\bimport signal\b|\bsignal\.", "POSIX signals"),
    (r"/proc/", "the Linux mount table"),
    (r"\bctypes\b", "Windows' own functions"),
    (r"f\"file:|f\"sqlite:///", "a path written into a URI"),
]


@pytest.mark.parametrize("pattern, what", GUARDED, ids=[w for _p, w in GUARDED])
def test_what_differs_on_windows_lives_in_one_module(pattern, what):
    """Nothing outside store/platform.py uses what a Windows machine does not have (or
    does differently) without its guard."""
    found = [
        str(path.relative_to(SOURCE))
        for path in SOURCE.rglob("*.py")
        if path.name != "platform.py" and re.search(pattern, path.read_text(encoding="utf-8"))
    ]
    assert found == [], f"{what} used outside store/platform.py: {found}"
