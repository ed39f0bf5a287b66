"""The few exceptions domain code raises; cli.py turns them into exit codes.

Every layer may raise them (they sit outside the layers, as i18n does), and `shown` is the
one rule for what an error message may repeat of what was typed.
"""

import re

from ipsung.i18n import _

_CPR_LIKE = re.compile(r"\d{6}-?\d{4}")


def shown(text: str) -> str:
    """What an error message may repeat of a typed value: never a CPR-like number (it
    identifies a person, and may sit in the wrong column of a spreadsheet)."""
    value = text.strip()
    return _("(a CPR-like number)") if _CPR_LIKE.search(value) else value


def without_cpr_numbers(message: str) -> str:
    """A whole message with every CPR-like number replaced, whatever path it took."""
    return _CPR_LIKE.sub(_("(a CPR-like number)"), message)


class IpsungError(Exception):
    """A rule said no (exit 1). The message is shown to the user as one line."""

    exit_code = 1


class BadInput(IpsungError):
    """Something the user typed is not valid (exit 2). Never carries personal data.

    `where` names what was typed wrong (an option such as `--birth-date`, an argument
    such as `PARTICIPANT`), so that one reason reads right both after an option at the
    command line and after a column in an import (`line 4, column birth_date: …`).
    """

    exit_code = 2

    def __init__(self, reason: str, where: str | None = None) -> None:
        super().__init__(f"{where}: {reason}" if where else reason)
        self.reason = reason
        self.where = where


class NotFound(BadInput):
    """An id or name that does not exist (exit 2: the user typed it)."""


class CapacityFull(IpsungError):
    """Intake or reassignment refused because a consultant has no free place (exit 1)."""


class NotEligible(IpsungError):
    """Screening found the young person outside the target group (exit 1)."""

    def __init__(self, message: str, screening: object) -> None:
        super().__init__(message)
        self.screening = screening  # rules.Screening, shown with its reasons


class DatabaseRefused(IpsungError):
    """The database cannot be used by this version or at this place (exit 1)."""
