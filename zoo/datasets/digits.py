"""``digits``: scikit-learn's bundled 1,797 8x8 handwritten digits (no download)."""

from __future__ import annotations

import numpy as np

from zoo.datasets.dataset import Dataset
from zoo.datasets.splits import holdout

SEED = 0
TEST_FRACTION = 0.2
VALIDATION_FRACTION = 0.1


def load(seed: int = SEED) -> Dataset:
    """The 8x8 digits as uint8 images ``(N, 8, 8, 1)``; the trainer resizes them to what the model needs.

    Example::

        >>> data = zoo.datasets.load("digits")
        >>> data.train[0].shape
        (1294, 8, 8, 1)
    """
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = np.round(bunch.images * (255.0 / 16.0)).astype("uint8")[..., None]  # 0..16 -> 0..255
    y = bunch.target.astype("int64")
    train, validation, test, record = holdout(x, y, seed=seed, validation_fraction=VALIDATION_FRACTION,
                                              test_fraction=TEST_FRACTION, source="sklearn.datasets.load_digits")
    return Dataset(name="digits", task="image-classification", class_names=[str(i) for i in range(10)],
                   input_shape=(8, 8, 1), train=train, validation=validation, test=test, split=record)
