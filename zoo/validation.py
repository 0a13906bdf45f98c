"""Argument checks and the classifier head shared by the built-in families.

Errors name the argument, the value received and what is allowed, as the
core's own checks do.
"""

from __future__ import annotations

from typing import Any, Iterable

CLASSIFIER_ACTIVATIONS = ("softmax", "sigmoid", None)


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


def classifier(x, num_classes: int, dropout: float, activation: str | None, name: str = "predictions"):
    """Dropout (when > 0) and the dense classifier, its output kept float32 under mixed precision."""
    from keras import layers

    check_range("dropout", dropout, 0.0, 1.0)
    check_choice("classifier_activation", activation, CLASSIFIER_ACTIVATIONS)
    if dropout:
        x = layers.Dropout(dropout, name="head_dropout")(x)
    return layers.Dense(num_classes, activation=activation, dtype="float32", name=name)(x)
