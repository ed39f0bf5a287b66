"""Plain text for people: aligned tables and a little emphasis, no rich needed.

Tables of twelve thousand rows must print at once, and piped output must be plain: so
columns are padded by hand, and colour is used only at a terminal without NO_COLOR.
"""

import os
import sys
from dataclasses import dataclass

import typer

STYLES = {
    "bold": {"bold": True},
    "red": {"fg": "red", "bold": True},
    "yellow": {"fg": "yellow", "bold": True},
    "green": {"fg": "green"},
}


def colour_on() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def styled(text: str, style: str | None) -> str:
    return typer.style(text, **STYLES[style]) if style and colour_on() else text


@dataclass(frozen=True)
class Cell:
    text: str
    style: str | None = None


class Table:
    """Columns aligned with two spaces between them, the header emphasised."""

    def __init__(self, *headers: str) -> None:
        self.headers = [Cell(h, "bold") for h in headers]
        self.rows: list[list[Cell]] = []

    def add_row(self, *cells: "str | Cell") -> None:
        self.rows.append([c if isinstance(c, Cell) else Cell(str(c)) for c in cells])

    def render(self) -> str:
        all_rows = [self.headers, *self.rows]
        widths = [max(len(row[i].text) for row in all_rows) for i in range(len(self.headers))]
        lines = []
        for row in all_rows:
            padded = [
                styled(cell.text, cell.style) + " " * (widths[i] - len(cell.text))
                for i, cell in enumerate(row)
            ]
            lines.append("  ".join(padded).rstrip())
        return "\n".join(lines)


class Out:
    """What commands print to stdout for people."""

    def print(self, item: "str | Table" = "", style: str | None = None) -> None:
        typer.echo(item.render() if isinstance(item, Table) else styled(item, style))
