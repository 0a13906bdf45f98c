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


def holdout(x, y, *, seed: int, validation_fraction: float, test=None, test_fraction: float | None = None,
            source: str = ""):
    """Train, validation and test splits and the record of how they were made (for ``Dataset.split``).

    The test split is ``test`` when the dataset has an official one, else a stratified ``test_fraction``
    of ``(x, y)``; validation is a stratified ``validation_fraction`` of what is left.

    Example::

        >>> train, validation, test, record = holdout(x, y, seed=0, validation_fraction=0.1, test_fraction=0.2)
    """
    record = {"source": source, "seed": seed, "validation_fraction": validation_fraction}
    if test is None:
        (x, y), test = stratified_split(x, y, test_fraction, seed=seed)
        record.update(method="stratified", test_fraction=test_fraction)
    else:
        record.update(method="official test set; stratified validation from train")
    train, validation = stratified_split(x, y, validation_fraction, seed=seed)
    record["sizes"] = {"train": len(train[1]), "validation": len(validation[1]), "test": len(test[1])}
    return train, validation, test, record
