"""Outcomes and fidelity indicators (SPEC §8, §8a). Heavy imports stay inside the commands (see cli.py)."""
