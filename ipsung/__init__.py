"""ipsung — the caseload tool of an IPS Ung team."""

__version__ = "0.1.0"
