"""Writing files that hold data about people: owner-only, and never half-written.

A file is written to a temporary file in the target folder (mkstemp: mode 0600 whatever
the umask) and renamed into place only when everything succeeded, so a failure leaves no
partial file under the real name.
"""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from ipsung.errors import BadInput, IpsungError
from ipsung.i18n import _


def check_folder(folder: Path, option: str) -> None:
    if not folder.exists():
        raise BadInput(
            _("{option}: the folder {folder} does not exist").format(option=option, folder=folder)
        )
    if not folder.is_dir():
        raise BadInput(_("{option}: {folder} is not a folder").format(option=option, folder=folder))


@contextmanager
def atomic_file(path: Path, encoding: str, option: str = "--out") -> Iterator[TextIO]:
    """A text stream that becomes `path` when the block ends without error."""
    path = Path(path)
    if path.is_dir():
        raise BadInput(
            _("{option}: {path} is a folder; give a file name").format(option=option, path=path)
        )
    check_folder(path.parent, option)
    if path.exists() and not path.is_file():
        # A device or a pipe (/dev/stdout, a FIFO): written to as it is. Renaming a
        # temporary file over it would replace the device itself (as root, /dev/null
        # would become a file for the whole machine).
        with _special(path, encoding, option) as stream:
            yield stream
        return
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise BadInput(
            _("{option}: cannot write {path}: {why}").format(
                option=option, path=path, why=exc.strerror
            )
        ) from None
    try:
        with open(fd, "w", encoding=encoding, newline="") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):  # e.g. the disk is full
            raise IpsungError(
                _("{option}: could not write {path}: {why}").format(
                    option=option, path=path, why=exc.strerror
                )
            ) from None
        raise
    sync_folder(path.parent)


@contextmanager
def _special(path: Path, encoding: str, option: str) -> Iterator[TextIO]:
    try:
        stream = open(path, "w", encoding=encoding, newline="")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise BadInput(
            _("{option}: cannot write {path}: {why}").format(
                option=option, path=path, why=exc.strerror
            )
        ) from None
    with stream:
        yield stream


def write_text(path: Path, text: str, option: str = "--out") -> Path:
    with atomic_file(path, "utf-8", option) as stream:
        stream.write(text)
    return path


def sync_folder(folder: Path) -> None:
    """Make the rename itself durable (a crash right after would otherwise undo it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # e.g. Windows, where folders cannot be opened; the rename is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
