"""The analyst's export (SPEC §9). Heavy imports stay inside the commands (see cli.py)."""
