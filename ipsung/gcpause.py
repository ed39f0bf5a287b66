"""Pausing Python's cycle collector while a command builds many small objects.

The reports (outcomes, due, export) make tens of thousands of tuples and records and no
reference cycles, so reference counting frees them; but the collector would run many
times over, each time walking every object that start-up made (SQLAlchemy's classes and
more): `due` at 20,000 cases took 1.30 s with it running and 1.13 s without.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Set by cli.main: in the ipsung process, the process ends when its one command does.
_process_ends_with_the_command = False


def the_process_ends_with_the_command() -> None:
    global _process_ends_with_the_command
    _process_ends_with_the_command = True


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if _process_ends_with_the_command:
            # Turned back on, the collector would walk every object made during the pause
            # that still lives (the records until the page is printed) and then, once they
            # count as old, every object start-up made: 10-15 ms at national scale. Frozen,
            # none of them is walked again, and reference counting still frees them.
            gc.freeze()
        if enabled:
            gc.enable()
