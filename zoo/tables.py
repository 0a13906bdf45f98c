"""Plain-text tables: what the command line and `zoo.tune` print (the callers make the rows)."""

from __future__ import annotations

import shutil
import textwrap

GAP = "  "


def terminal_width() -> int:
    """The terminal's columns (``COLUMNS`` when set; 80 when the output is not a terminal)."""
    return shutil.get_terminal_size().columns


def format_table(headers: list[str], rows: list[list[str]], width: int | None = None) -> str:
    """Left-aligned columns separated by two spaces, with a header line.

    With ``width``, a table wider than that wraps its widest column's cells at spaces, on as many lines as
    they need, so that each line fits in ``width`` characters (a word longer than the room keeps its line).

    Example::

        >>> print(format_table(["name", "params"], [["lenet5", "61.7K"]]))
        name    params
        lenet5  61.7K
    """
    cells = [[str(cell) for cell in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    wide = widths.index(max(widths))
    room = (width or 0) - (sum(widths) - widths[wide]) - len(GAP) * (len(widths) - 1)
    if width and sum(widths) + len(GAP) * (len(widths) - 1) > width:
        wrapped = [textwrap.wrap(row[wide], max(room, 8), break_long_words=False) or [""] for row in cells]
        widths[wide] = max(len(line) for lines in wrapped for line in lines)
    else:
        wrapped = [[row[wide]] for row in cells]
    lines = []
    for row, pieces in zip(cells, wrapped):
        for k, piece in enumerate(pieces):
            line = [piece if i == wide else (cell if k == 0 else "") for i, cell in enumerate(row)]
            lines.append(GAP.join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip())
    return "\n".join(lines)


def human_count(value: int | None) -> str:
    """``25636712`` -> ``"25.6M"``; None -> ``"-"``."""
    if value is None:
        return "-"
    for unit, size in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if value >= size:
            return f"{value / size:.1f}{unit}"
    return str(value)
