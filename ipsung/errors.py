"""The few exceptions domain code raises; cli.py turns them into exit codes."""


class IpsungError(Exception):
    """A rule said no (exit 1). The message is shown to the user as one line."""

    exit_code = 1


class BadInput(IpsungError):
    """Something the user typed is not valid (exit 2). Never carries personal data."""

    exit_code = 2


class NotFound(BadInput):
    """An id or name that does not exist (exit 2: the user typed it)."""


class RuleViolation(BadInput):
    """Input that is well-formed but breaks a rule of the effort (exit 2)."""


class CapacityFull(IpsungError):
    """Intake or reassignment refused because a consultant has no free place (exit 1)."""


class NotEligible(IpsungError):
    """Screening found the young person outside the target group (exit 1)."""

    def __init__(self, message: str, screening: object) -> None:
        super().__init__(message)
        self.screening = screening  # rules.Screening, shown with its reasons


class DatabaseRefused(IpsungError):
    """The database cannot be used by this version or at this place (exit 1)."""
