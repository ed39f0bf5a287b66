"""One small gettext wrapper for user-facing text, English by default.

A Danish catalogue can be added later (locale/da/LC_MESSAGES/ipsung.mo) without touching
the commands: they all say `_("...")`.
"""

import gettext
from pathlib import Path

_translation = gettext.translation(
    "ipsung", localedir=Path(__file__).parent / "locale", fallback=True
)


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message for a count: `ngettext("{n} task", "{n} tasks", n)`."""
    return _translation.ngettext(singular, plural, n)
