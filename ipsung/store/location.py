"""Where the database lives: a local SQLite file (the default) or a team database on a
PostgreSQL server (SPEC §2, §12), and where that choice came from.

`--db` > `IPSUNG_DB` > the user's local data folder. A server URL may hold a password: it
is never shown (see `masked_url`). A file on a network share is refused (platform.py):
SQLite depends on file locking, which network file systems do not keep.

SQLAlchemy is imported only where a server URL is read: shell completion resolves a
file's location on every Tab and must not pay for loading it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from ipsung.errors import BadInput
from ipsung.i18n import _
from ipsung.store.pseudonyms import key_path

ENV_VAR = "IPSUNG_DB"
SERVER_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")


@dataclass(frozen=True)
class Location:
    """The database in use and where that choice came from (`--db`, `IPSUNG_DB`, default).

    A file has a `path`; a team database on a server has a `url` instead (which may hold
    a password: it is left out of repr, and `shown` masks it).
    """

    path: Path | None
    source: str
    url: str | None = field(default=None, repr=False)

    @property
    def is_server(self) -> bool:
        return self.url is not None

    @property
    def backend(self) -> str:
        return "postgresql" if self.is_server else "sqlite"

    @property
    def exists(self) -> bool:
        # A server database is made by its administrator; ipsung makes only the tables.
        return True if self.is_server else self.path.exists()

    @property
    def shown(self) -> str:
        """The database as it may be printed: a path, or the URL with its password masked."""
        return masked_url(self.url) if self.is_server else str(self.path)

    @property
    def key_file(self) -> Path:
        """The pseudonym key (see pseudonyms.py): beside a file; for a server, in the
        user's local data folder, named after the server and the database."""
        if not self.is_server:
            return key_path(self.path)
        from sqlalchemy.engine import make_url

        url = make_url(self.url)
        # As libpq finds the server: the URL's host and port, or its ?host= and ?port=,
        # or PGHOST and PGPORT. Two servers on one host differ only by port.
        host = url.host or _first(url.query.get("host")) or os.environ.get("PGHOST") or "local"
        port = url.port or _first(url.query.get("port")) or os.environ.get("PGPORT") or 5432
        parts = [host, str(port), url.database or url.username or "postgres"]
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", "-".join(parts).strip("/"))
        return default_path().parent / f"postgresql-{name}.key"


def _first(value: str | tuple[str, ...] | None) -> str | None:
    """The first of a query parameter given once or more (libpq's first host/port)."""
    if isinstance(value, tuple):
        value = value[0] if value else None
    return value.split(",")[0].strip() or None if value else None


def default_path() -> Path:
    # user_data_dir, not a roaming profile: the file must stay on this machine's disk.
    from platformdirs import user_data_dir

    return Path(user_data_dir("ipsung", appauthor=False, roaming=False)) / "ipsung.db"


def resolve(db_option: str | None) -> Location:
    """`--db` > `IPSUNG_DB` > the user's local data folder."""
    if db_option:
        target, source = db_option, "--db"
    elif os.environ.get(ENV_VAR):
        target, source = os.environ[ENV_VAR], ENV_VAR
    else:
        return Location(default_path(), "default")
    if "://" in target:
        return _server_location(target, source)
    return Location(Path(target).expanduser(), source)


def _server_location(target: str, source: str) -> Location:
    scheme = target.split("://", 1)[0].lower()
    if scheme not in SERVER_SCHEMES:
        # Only the scheme is named: the rest of the text may hold a password.
        raise BadInput(
            _(
                "{source}: {scheme}:// is not supported; give a file path or a postgresql:// URL"
            ).format(source=source, scheme=scheme[:20])
        )
    from sqlalchemy import exc
    from sqlalchemy.engine import make_url

    try:
        url = make_url(target)
    except (exc.ArgumentError, ValueError):
        raise BadInput(
            _("{source}: not a valid postgresql:// URL: {url}").format(
                source=source, url=masked_url(target)
            )
        ) from None
    if not url.database and not url.username:
        raise BadInput(
            _("{source}: the URL names no database: {url}").format(
                source=source, url=masked_url(target)
            )
        )
    return Location(None, source, target)


# --- server URLs -----------------------------------------------------------------------------

MASK = "***"


def masked_url(url: str) -> str:
    """The URL as it may be shown: the password (in the user part or as ?password=) masked."""
    from sqlalchemy import exc
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except (exc.ArgumentError, ValueError):
        # Unparseable: keep only what certainly holds no password.
        scheme = url.split("://", 1)[0]
        rest = url.split("://", 1)[1] if "://" in url else ""
        rest = re.sub(r"^[^@/?#]*@", lambda m: m[0].split(":", 1)[0] + ":" + MASK + "@", rest)
        rest = re.sub(r"(?i)(password=)[^&]*", r"\1" + MASK, rest)
        return f"{scheme}://{rest}"
    scheme = url.split("://", 1)[0]
    user = quote(parsed.username or "", safe="")
    if parsed.password is not None:
        user += ":" + MASK
    host = parsed.host or ""
    if host and ":" in host:
        host = f"[{host}]"
    port = f":{parsed.port}" if parsed.port else ""
    authority = f"{user}@{host}{port}" if user else f"{host}{port}"
    query = "&".join(
        f"{key}={MASK if key.lower() == 'password' else quote(str(value), safe='/')}"
        for key, values in parsed.query.items()
        for value in (values if isinstance(values, tuple) else (values,))
    )
    return f"{scheme}://{authority}/{parsed.database or ''}" + (f"?{query}" if query else "")


def passwords(location: Location) -> list[str]:
    """Every spelling of the URL's password(s), to scrub from any message we pass on."""
    from sqlalchemy import exc
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(location.url)
    except (exc.ArgumentError, ValueError):
        return []
    found = [parsed.password] if parsed.password else []
    query_password = parsed.query.get("password")
    if query_password:
        found += list(query_password) if isinstance(query_password, tuple) else [query_password]
    found += [quote(p, safe="") for p in found]
    return [p for p in found if p]
