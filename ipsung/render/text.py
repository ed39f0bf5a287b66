"""Plain text for people: aligned tables, a little emphasis, pages of lines.

Tables of twelve thousand rows must print at once, and piped output must be plain: so
columns are padded by hand, and colour is used only at a terminal without NO_COLOR.
Renderers build a Page and return its text; the commands print it.
"""

import os
import sys
from typing import NamedTuple

# ANSI: the bytes click's style() writes for these, so that colour looks as it always has.
RESET = "\x1b[0m"
STYLES = {
    "bold": "\x1b[1m",
    "red": "\x1b[31m\x1b[1m",
    "yellow": "\x1b[33m\x1b[1m",
    "green": "\x1b[32m",
}


def colour_on() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def styled(text: str, style: str | None) -> str:
    return _styled(text, style) if style and colour_on() else text


def _styled(text: str, style: str) -> str:
    return f"{STYLES[style]}{text}{RESET}"


class Cell(NamedTuple):
    """A cell to be shown in a style; a plain string is a cell without one."""

    text: str
    style: str | None = None


class Table:
    """Columns aligned with two spaces between them, the header emphasised."""

    def __init__(self, *headers: str) -> None:
        self.headers = [Cell(h, "bold") for h in headers]
        self.rows: list[tuple] = []

    def add_row(self, *cells: "str | Cell") -> None:
        self.rows.append(cells)

    def render(self) -> str:
        # Plain cells stay strings all the way (no object per cell, one colour check per
        # table): the due list prints thousands of rows.
        colour = colour_on()
        rows = [self.headers, *self.rows]
        texts = [[c.text if isinstance(c, Cell) else str(c) for c in row] for row in rows]
        widths = [max(map(len, column)) for column in zip(*texts, strict=True)]
        lines = []
        for row, text_row in zip(rows, texts, strict=True):
            padded = [
                _styled(text, cell.style) + " " * (width - len(text))
                if colour and isinstance(cell, Cell) and cell.style
                else text.ljust(width)
                for cell, text, width in zip(row, text_row, widths, strict=True)
            ]
            lines.append("  ".join(padded).rstrip())
        return "\n".join(lines)


class Page:
    """Lines for people, built up and printed at once."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, item: "str | Table" = "", style: str | None = None) -> None:
        self.lines.append(item.render() if isinstance(item, Table) else styled(item, style))

    def text(self) -> str:
        return "\n".join(self.lines)
