"""``mnist``: the 70,000 28x28 MNIST digits (LeCun et al. 1998), Keras' ``mnist.npz``.

Read from ``ZOO_DATA_PATH``, Keras' cache or the zoo's, downloaded from Keras'
published location only when none has it (:mod:`zoo.datasets.files`: the sha256
Keras publishes is checked). Validation is a seeded stratified 10% of the
official training set; test is the official test set.
"""

from __future__ import annotations

import numpy as np

from zoo.datasets.dataset import Dataset
from zoo.datasets.files import KERAS_ORIGIN, DataFile, find
from zoo.datasets.splits import holdout

SEED = 0
VALIDATION_FRACTION = 0.1
FILE = DataFile("mnist.npz", (f"{KERAS_ORIGIN}mnist.npz",),
                "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1")  # keras/src/datasets/mnist.py


def load(seed: int = SEED) -> Dataset:
    """MNIST as uint8 images ``(N, 28, 28, 1)``: 54,000 train, 6,000 validation, 10,000 test.

    Example::

        >>> data = zoo.datasets.load("mnist")
        >>> data.test[0].shape
        (10000, 28, 28, 1)
    """
    path = find(FILE)
    with np.load(path) as f:
        x_train, y_train, x_test, y_test = (f[k] for k in ("x_train", "y_train", "x_test", "y_test"))
    train, validation, test, record = holdout(x_train[..., None], y_train.astype("int64"), seed=seed,
                                              validation_fraction=VALIDATION_FRACTION, source=str(path),
                                              test=(x_test[..., None], y_test.astype("int64")))
    return Dataset(name="mnist", task="image-classification", class_names=[str(i) for i in range(10)],
                   input_shape=(28, 28, 1), train=train, validation=validation, test=test, split=record)
