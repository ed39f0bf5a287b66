"""The user's own settings: a small TOML file in the user's config folder (issue 16).

    consultant = "Mette Holm"     # who am I: my due list, my intakes, my employer contacts

The file is `config.toml` in platformdirs' user config folder (`~/.config/ipsung` on
Linux, `%LOCALAPPDATA%\\ipsung` on Windows, `~/Library/Application Support/ipsung` on
macOS); IPSUNG_CONFIG names another file. An environment variable overrides a key
(IPSUNG_CONSULTANT), so that a shared machine or a script can say who is working.

Read with tomllib; written here, not with a TOML library: the file holds a few plain
values, and a dependency that every command would install is not worth it for that.
Keys this version does not know are kept as they are when the file is rewritten (a
newer version may have written them).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import NamedTuple

from ipsung.errors import BadInput
from ipsung.i18n import _

FILE_VARIABLE = "IPSUNG_CONFIG"
# Each key, and the environment variable that overrides it.
KEYS = {"consultant": "IPSUNG_CONSULTANT"}


class Setting(NamedTuple):
    value: str
    source: str  # the file's path, or the environment variable that set it


def config_file() -> Path:
    if os.environ.get(FILE_VARIABLE, "").strip():
        return Path(os.environ[FILE_VARIABLE]).expanduser()
    from platformdirs import user_config_dir

    # Not the roaming profile on Windows: like the database, the setting belongs to this
    # machine's user.
    return Path(user_config_dir("ipsung", appauthor=False, roaming=False)) / "config.toml"


def read_file(path: Path) -> dict[str, object]:
    """Every top-level value in the file (none when there is no file). A file that is not
    TOML, or a known key that is not a text, is bad input naming the file."""
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else _("not UTF-8 text")
        raise BadInput(
            _("cannot read the settings file {path}: {why}").format(path=path, why=why)
        ) from None
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(
            _("the settings file {path} is not valid TOML ({why}); fix it or remove it").format(
                path=path, why=exc
            )
        ) from None
    for key in KEYS:
        if key in values and not (isinstance(values[key], str) and values[key].strip()):
            raise BadInput(
                _("the settings file {path}: {key} must be a text in quotes").format(
                    path=path, key=key
                )
            )
    return values


def get(key: str) -> Setting | None:
    """A key's value and where it came from: its environment variable, then the file."""
    variable = KEYS[key]
    if os.environ.get(variable, "").strip():
        return Setting(" ".join(os.environ[variable].split()), variable)
    path = config_file()
    value = read_file(path).get(key)
    return Setting(" ".join(str(value).split()), str(path)) if value is not None else None


def set_value(key: str, value: str) -> Path:
    path = config_file()
    values = read_file(path)
    values[key] = value
    _write(path, values)
    return path


def unset(key: str) -> bool:
    """Remove a key from the file; whether it was there."""
    path = config_file()
    values = read_file(path)
    if key not in values:
        return False
    del values[key]
    _write(path, values)
    return True


def _write(path: Path, values: dict[str, object]) -> None:
    """The whole file again, atomically (a crash leaves the old file or the new one)."""
    from ipsung.store import safe_files
    from ipsung.store.platform import make_owner_only

    lines = ["# ipsung settings: change them with `ipsung config set|unset`"]
    for key, value in values.items():
        written = toml_value(value)
        if written is None:
            raise BadInput(
                _(
                    "the settings file {path} holds '{key}', which this version cannot rewrite; "
                    "edit the file by hand"
                ).format(path=path, key=key)
            )
        lines.append(f"{toml_key(key)} = {written}")
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
        make_owner_only(path.parent, 0o700)
    safe_files.write_text(path, "\n".join(lines) + "\n", option="config")


# --- writing TOML -----------------------------------------------------------------------------

_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}
_BARE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_key(key: str) -> str:
    return key if key and set(key) <= _BARE else toml_string(key)


def toml_value(value: object) -> str | None:
    """A plain value as TOML; None for what this file never holds (tables, lists, dates)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, int | float):
        text = repr(value)
        return {"inf": "inf", "-inf": "-inf", "nan": "nan"}.get(text, text)
    return None
