"""Argument checks, the one place they are written: each error names the argument, the value and what is allowed.

Builders, recipes, the text layers, tuning and the core all call these; a plugin imports them from
:mod:`zoo.kit`.

Example::

    >>> check_choice("activation", "gelu", ("tanh", "relu"))
    ValueError: activation='gelu' is not allowed: use one of ('tanh', 'relu')
    >>> check_integer("epochs", 0)
    ValueError: epochs=0 is not allowed: it must be a positive integer
"""

from __future__ import annotations

import math
from typing import Any, Iterable


def _refuse(name: str, value: Any, rule: str, why: str = "") -> None:
    raise ValueError(f"{name}={value!r} is not allowed: {rule}" + (f" ({why})" if why else ""))


def check_choice(name: str, value: Any, allowed: Iterable) -> None:
    """Raise ``ValueError`` unless ``value`` is one of ``allowed``."""
    allowed = tuple(allowed)
    if value not in allowed:
        _refuse(name, value, f"use one of {allowed}")


def check_number(name: str, value: Any, *, low: float | None = None, high: float | None = None,
                 low_open: bool = False, high_open: bool = False, why: str = "") -> None:
    """Raise ``ValueError`` unless ``value`` is a finite number (not a bool) within the bounds.

    :param low: the lower bound (None: unbounded); ``low_open=True`` excludes it.
    :param high: the upper bound (None: unbounded); ``high_open=True`` excludes it.
    :param why: a hint appended to the error in parentheses.
    """
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and (low is None or (value > low if low_open else value >= low))
    ok = ok and (high is None or (value < high if high_open else value <= high))
    if not ok:
        bounds = f"{'(' if low_open else '['}{low if low is not None else '-inf'}, " \
                 f"{high if high is not None else 'inf'}{')' if high_open or high is None else ']'}"
        _refuse(name, value, f"it must be a finite number in {bounds}", why)


def check_range(name: str, value: Any, low: float, high: float, *, low_inclusive: bool = True) -> None:
    """Raise ``ValueError`` unless ``low <= value <= high`` (``low < value`` when not ``low_inclusive``).

    An infinite ``high`` means unbounded above; the value itself must be finite.
    """
    check_number(name, value, low=low, high=None if high == math.inf else high, low_open=not low_inclusive)


def check_integer(name: str, value: Any, *, low: int = 1, high: int | None = None, why: str = "") -> None:
    """Raise ``ValueError`` unless ``value`` is an integer (not a float, not a bool) from ``low`` to ``high``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        span = f"from {low} to {high}" if high is not None else "a positive integer" if low == 1 else f">= {low}"
        _refuse(name, value, f"it must be {span}" if span.startswith("a ") else f"it must be an integer {span}", why)


def check_sequence(name: str, value: Any, what: str) -> list | tuple:
    """Return ``value`` if it is a list or tuple (a string is one value, not a list of characters)."""
    if not isinstance(value, (list, tuple)):
        _refuse(name, value, f"it must be a list of {what}")
    return value
