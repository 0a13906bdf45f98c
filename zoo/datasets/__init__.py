"""Built-in datasets: ``zoo.datasets.list()`` and ``zoo.datasets.load(name)``.

Every loader works offline from data a package ships or a local mirror.
Each built-in dataset is one module of this package with a ``load()``
function, named in :data:`LOADERS`.
"""

from __future__ import annotations

import builtins
import importlib
from pathlib import Path

from zoo.datasets.dataset import Dataset
from zoo.errors import UnknownDatasetError

__all__ = ["Dataset", "LOADERS", "SPLITS", "list", "load"]

LOADERS: dict[str, str] = {  # name -> "module:function" returning a Dataset
    "digits": "digits:load",
    "fashion_mnist": "fashion_mnist:load",
    "mnist": "mnist:load",
    "mnist5k": "mnist5k:load",
    "rotten_tomatoes": "rotten_tomatoes:load",
}


def list() -> builtins.list[str]:
    """Names of the built-in datasets."""
    return sorted(LOADERS)


SPLITS = ("train", "validation", "test")


def load(name, split: str | None = None, **kwargs):
    """Load a built-in dataset by name, or a directory with one subfolder per class (images or text files).

    Returns the whole Dataset, or one split's ``(x, y)`` with ``split=``. A directory becomes
    ``tf.data`` splits (see :func:`zoo.datasets.folders.load_directory` for its options).

    Example::

        >>> data = zoo.datasets.load("mnist5k")
        >>> data.train[0].shape, data.class_names[:3]
        >>> x_test, y_test = zoo.datasets.load("mnist5k", split="test")
        >>> reviews = zoo.datasets.load("/data/reviews")  # reviews/pos/*.txt, reviews/neg/*.txt
    """
    if split is not None and split not in SPLITS:
        raise ValueError(f"split={split!r} is not allowed: use one of {SPLITS}, or None for the whole dataset")
    if str(name) in LOADERS:
        module, _, function = LOADERS[str(name)].partition(":")
        dataset = getattr(importlib.import_module(f"zoo.datasets.{module}"), function)(**kwargs)
    elif Path(name).is_dir():
        from zoo.datasets.folders import load_directory

        dataset = load_directory(name, **kwargs)
    else:
        raise UnknownDatasetError(str(name), sorted(LOADERS), "dataset")
    return dataset if split is None else getattr(dataset, split)
