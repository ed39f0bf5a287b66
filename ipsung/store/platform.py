"""What differs between Windows and Linux or macOS, in one place: owner-only files, the
network shares a database file may not live on, and how a file path becomes a SQLite URI.

Most consultants work on a Windows laptop from their municipality; the tests run on
Linux and simulate Windows (os.name, a fake drive-type function) where the real thing
cannot run. Every check here asks `on_windows()` when it runs, never at import.

Owner-only files. On Linux and macOS everything ipsung creates is made 0600 (folders
0700) through the umask and explicit modes. Windows has no such modes: os.chmod only
sets or clears the read-only flag, and os.umask only that bit. There a file is kept to
its user by the folder it is in: the default database lives in the user's profile
(`%LOCALAPPDATA%\\ipsung`), whose access list admits only that user (and the machine's
administrators). A database or export put elsewhere on Windows takes that folder's access
list; README says so.
"""

from __future__ import annotations

import ntpath
import os
import re
from pathlib import Path, PurePosixPath, PureWindowsPath
from urllib.parse import quote

from ipsung.errors import BadInput
from ipsung.i18n import _


def on_windows() -> bool:
    return os.name == "nt"


# --- owner-only files -------------------------------------------------------------------------


def owner_only_umask() -> None:
    """Everything created from now on is owner-only (POSIX). Nothing to do on Windows,
    where the profile folder's access list does this (see the module's docstring)."""
    if not on_windows() and hasattr(os, "umask"):
        os.umask(0o077)


def make_owner_only(path: Path, mode: int = 0o600) -> None:
    """Set a file's (0600) or folder's (0700) mode on POSIX; on Windows os.chmod would
    only touch the read-only flag, so leave the file as its folder made it."""
    if not on_windows():
        os.chmod(path, mode)


# --- network shares ---------------------------------------------------------------------------

MOUNTS = Path("/proc/self/mounts")
# File locking over these is unreliable, and SQLite depends on it: a shared folder
# corrupts the database. A team that shares a caseload uses a database server instead.
NETWORK_FILESYSTEMS = frozenset(
    {
        "cifs",
        "smb3",
        "smbfs",
        "nfs",
        "nfs4",
        "sshfs",
        "fuse.sshfs",
        "9p",
        "afs",
        "ncpfs",
        "davfs",
        "fuse.davfs2",
        "ceph",
        "glusterfs",
        "fuse.glusterfs",
        "lustre",
        "fuse.rclone",
    }
)
DRIVE_REMOTE = 4  # GetDriveTypeW: a mapped network drive


def _unescape_mount_point(field: str) -> str:
    """/proc/mounts writes a space as \\040 (and tab, newline, backslash likewise)."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), field)


def filesystem_type(path: Path, mounts_text: str) -> str | None:
    """The type of the file system that holds `path`: the longest matching mount point."""
    target = os.path.realpath(path)
    best, best_type = "", None
    for line in mounts_text.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = _unescape_mount_point(fields[1])
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, best_type = point, fields[2]
    return best_type


def _drive_type(root: str) -> int:
    """Windows' own answer for a drive root such as `Z:\\` (a test replaces this)."""
    import ctypes

    return ctypes.windll.kernel32.GetDriveTypeW(root)


def windows_share(path: Path | str) -> str | None:
    """What kind of network share a Windows path is on, or None for a local disk:

    - a UNC path, `\\\\server\\share\\…` (also written `//server/share/…` or
      `\\\\?\\UNC\\server\\share\\…`), is always on another machine;
    - a drive letter is asked of Windows: a mapped network drive (`Z:`) is remote.
    """
    text = str(path)
    if not ntpath.isabs(text):
        text = os.path.abspath(text)
    lowered = text.replace("/", "\\").lower()
    if lowered.startswith("\\\\?\\unc\\"):
        return _("UNC path")
    if lowered.startswith(("\\\\?\\", "\\\\.\\")):
        text = text[4:]  # \\?\C:\… is a local drive written the long way
    elif lowered.startswith("\\\\"):
        return _("UNC path")
    drive, _rest = ntpath.splitdrive(text)
    if len(drive) == 2 and drive[1] == ":":
        try:
            remote = _drive_type(drive + "\\") == DRIVE_REMOTE
        except (OSError, AttributeError, ValueError):
            return None  # cannot ask: judge by nothing rather than refuse a local disk
        if remote:
            return _("mapped network drive {drive}").format(drive=drive.upper())
    return None


def network_share(path: Path) -> str | None:
    """The kind of network share `path` is on, or None: Windows' UNC paths and mapped
    drives; on Linux the file system type in the mount table (macOS: not judged)."""
    if on_windows():
        return windows_share(path)
    try:
        mounts = MOUNTS.read_text()
    except OSError:
        return None  # no mount table to read (macOS, BSD): nothing to judge by
    kind = filesystem_type(path, mounts)
    return kind if kind in NETWORK_FILESYSTEMS else None


def refuse_network_share(path: Path) -> None:
    kind = network_share(path)
    if kind is not None:
        raise BadInput(
            _(
                "{path} is on a network share ({kind}); an SQLite file must live on a local "
                "disk. A team that shares one caseload uses a team database on PostgreSQL "
                "(see README: team database)"
            ).format(path=path, kind=kind)
        )


# --- paths as SQLite URIs ---------------------------------------------------------------------


def sqlite_uri(path: Path, **params: str) -> str:
    """`file:` URI for sqlite3.connect(uri=True): a Windows drive path keeps its drive
    (`file:///C:/Users/…`), and `?`, `#` and `%` in a folder name are escaped instead of
    being read as the URI's query (which would open another file)."""
    text = str(path)
    if on_windows():
        pure = PureWindowsPath(text)
        if not pure.is_absolute():
            pure = PureWindowsPath(os.path.abspath(text))
        # A drive path becomes file:///C:/…; a UNC path file:////server/share/… (an
        # empty authority: SQLite accepts no other).
        uri = "file://" + ("" if pure.drive.startswith("\\\\") else "/")
        uri += quote(pure.as_posix(), safe="/:")
    else:
        uri = "file:" + quote(PurePosixPath(os.path.abspath(text)).as_posix(), safe="/")
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{uri}?{query}" if query else uri


WINDOWS_DANISH = 0x06  # the primary language id of Danish in a Windows LANGID


def interface_language() -> str | None:
    """On Windows, the user's interface language: da or en (the CLI's last resort when no
    environment variable names one); elsewhere None."""
    if not on_windows():
        return None
    try:
        import ctypes

        langid = ctypes.windll.kernel32.GetUserDefaultUILanguage()
    except (AttributeError, OSError):  # not a Windows we can ask
        return None
    return "da" if langid & 0x3FF == WINDOWS_DANISH else "en"
