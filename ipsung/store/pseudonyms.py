"""Stable pseudonyms for exports, keyed with a secret kept beside the database (SPEC §10).

A person's pseudonym is "P-" followed by 10 base32 characters of HMAC-SHA256(key,
participant id). Without the key nobody can tell which case a pseudonym belongs to: a
plain hash of the id (or of a CPR number) could be reversed by trying every value. With
the same key, the same person gets the same pseudonym in every table and every export,
so an analyst can link files without ever seeing who is who.

The key is 32 random bytes in `<database file name>.key` (e.g. `ipsung.db.key`), made on
first need with owner-only permissions. It lives beside the database, never inside it, so
that a copy of the database or an export alone cannot re-identify anyone. Losing the key
changes every pseudonym from then on; `ipsung backup` copies it with the database.

10 base32 characters are 50 bits: among 20 000 people the chance that two share a
pseudonym is about 2 in 10 million.
"""

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from ipsung.errors import IpsungError
from ipsung.i18n import _
from ipsung.store.platform import make_owner_only

KEY_BYTES = 32
PREFIX = "P-"
LENGTH = 10


def key_path(database: Path) -> Path:
    """`ipsung.db` → `ipsung.db.key`, in the same folder."""
    return database.with_name(database.name + ".key")


def load_or_create_key(path: Path) -> bytes:
    """The key in `path`, made first if there is none yet."""
    if not path.exists():
        key = _create_key(path)
        if key is not None:
            return key
    try:
        if os.stat(path).st_mode & 0o077:
            make_owner_only(path, 0o600)  # our own file, e.g. copied by hand: owner-only
        key = path.read_bytes()
    except OSError as exc:
        raise IpsungError(
            _("the pseudonym key file {path} could not be read: {why}").format(
                path=path, why=exc.strerror
            )
        ) from None
    if len(key) != KEY_BYTES:
        raise IpsungError(
            _(
                "the pseudonym key file {path} is damaged; restore it from a backup "
                "(a new key would change every pseudonym)"
            ).format(path=path)
        )
    return key


def _create_key(path: Path) -> bytes | None:
    """Write a new key to a temporary file and link it into place, so that the key file
    is either complete or absent (never half-written). None if another process made the
    key first (then theirs is the key)."""
    key = secrets.token_bytes(KEY_BYTES)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        # Mode 0600 at creation: correct whatever the umask, never briefly readable by others.
        fd = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            os.write(fd, key)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.link(temporary, path)
    except FileExistsError:
        return None
    except OSError as exc:
        raise IpsungError(
            _("the pseudonym key file {path} could not be created: {why}").format(
                path=path, why=exc.strerror
            )
        ) from None
    finally:
        temporary.unlink(missing_ok=True)
    return key


def pseudonym(key: bytes, participant_id: int) -> str:
    digest = hmac.digest(key, f"participant:{participant_id}".encode(), hashlib.sha256)
    # The first 10 characters of the digest in base32 come from its first 7 bytes (5 bits a
    # character); encoding 10 bytes (two whole groups of 5) instead of all 32 gives the same
    # characters in a third of the time, which shows over 20,000 people.
    return PREFIX + base64.b32encode(digest[:10]).decode("ascii")[:LENGTH]


class Pseudonyms:
    """The pseudonyms of one export: the key is read (or made) only when the first person
    is written, and each person's pseudonym is computed once however many rows they have."""

    def __init__(self, key_file: Path) -> None:
        self.key_file = key_file
        self._key: bytes | None = None
        self._cache: dict[int, str] = {}

    def __call__(self, participant_id: int | None) -> str:
        if participant_id is None:  # e.g. a job-development contact with an employer
            return ""
        name = self._cache.get(participant_id)
        if name is None:
            if self._key is None:
                self._key = load_or_create_key(self.key_file)
            name = self._cache[participant_id] = pseudonym(self._key, participant_id)
        return name
