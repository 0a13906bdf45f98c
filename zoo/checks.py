"""Argument checks for builders and the core: errors that name the argument, the value and what is allowed."""

from __future__ import annotations

from typing import Any, Iterable

def check_choice(name: str, value: Any, allowed: Iterable) -> None:
    """Raise ``ValueError`` unless ``value`` is one of ``allowed``.

    Example::

        >>> check_choice("activation", "gelu", ("tanh", "relu"))
        ValueError: activation='gelu' is not allowed: use one of ('tanh', 'relu')
    """
    allowed = tuple(allowed)
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not allowed: use one of {allowed}")


def check_range(name: str, value: Any, low: float, high: float, *, low_inclusive: bool = True) -> None:
    """Raise ``ValueError`` unless ``low <= value <= high`` (``low < value`` when not ``low_inclusive``)."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    ok = ok and (value >= low if low_inclusive else value > low) and value <= high
    if not ok:
        bound = "[" if low_inclusive else "("
        raise ValueError(f"{name}={value!r} is not allowed: it must be in {bound}{low}, {high}]")
