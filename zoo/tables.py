"""Plain-text tables: what the command line and `zoo.tune` print (the callers make the rows)."""

from __future__ import annotations


def format_table(headers: list[str], rows: list[list[str]]) -> str:
    """Left-aligned columns separated by two spaces, with a header line.

    Example::

        >>> print(format_table(["name", "params"], [["lenet5", "61.7K"]]))
        name    params
        lenet5  61.7K
    """
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip()
             for row in [headers, *rows]]
    return "\n".join(lines)


def human_count(value: int | None) -> str:
    """``25636712`` -> ``"25.6M"``; None -> ``"-"``."""
    if value is None:
        return "-"
    for unit, size in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if value >= size:
            return f"{value / size:.1f}{unit}"
    return str(value)
