"""Seeded, stratified splits: the one way built-in datasets carve validation and test sets."""

from __future__ import annotations

import numpy as np


def stratified_split(x, y, fraction: float, *, seed: int):
    """Split ``(x, y)`` into ``(rest, held_out)`` with ``fraction`` of every class held out.

    The same ``seed`` always gives the same split, whatever order the rows come in
    per class (``mnist5k`` is sorted by class, so a plain head/tail split would be wrong).

    Example::

        >>> (x_train, y_train), (x_test, y_test) = stratified_split(x, y, 0.2, seed=0)
    """
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction={fraction!r} is not allowed: it must be between 0 and 1")
    y = np.asarray(y)
    rng = np.random.default_rng(seed)
    held = []
    for label in np.unique(y):
        rows = np.flatnonzero(y == label)
        rng.shuffle(rows)
        held.append(rows[: int(round(len(rows) * fraction))])
    held = np.sort(np.concatenate(held))
    mask = np.zeros(len(y), dtype=bool)
    mask[held] = True
    rest = rng.permutation(np.flatnonzero(~mask))
    held = rng.permutation(held)
    return (x[rest], y[rest]), (x[held], y[held])
