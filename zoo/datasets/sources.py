"""Whatever ``zoo.train`` is given as data, as a :class:`zoo.datasets.Dataset`, checked.

Accepted: a built-in dataset name, a directory, an ``(x, y)`` pair of NumPy
arrays, a ``tf.data.Dataset`` of ``(x, y)`` batches, or a ``Dataset``. Images
are uint8 in 0..255 (scaled to 0..1 by the input pipeline) or floats already
scaled; labels are integers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from zoo.datasets import LOADERS, load
from zoo.datasets.dataset import Dataset
from zoo.datasets.splits import stratified_split

VALIDATION_FRACTION = 0.1


def as_dataset(data, *, seed: int = 0) -> Dataset:
    """Turn ``data`` into a Dataset.

    Example::

        >>> as_dataset("mnist5k").name
        'mnist5k'
        >>> as_dataset((x, y)).validation[0].shape  # a seeded stratified 10% is held out
    """
    if isinstance(data, Dataset):
        return data
    if isinstance(data, (str, Path)):
        if str(data) in LOADERS:
            return load(str(data))
        if Path(data).is_dir():
            return load(data, seed=seed)
        raise ValueError(f"data={str(data)!r} is neither a built-in dataset ({', '.join(sorted(LOADERS))}) "
                         "nor an existing directory")
    if isinstance(data, (tuple, list)) and len(data) == 2:
        return from_arrays(*data, seed=seed)
    if hasattr(data, "element_spec"):  # a tf.data.Dataset
        return from_tf_data(data)
    raise ValueError(f"data of type {type(data).__name__} is not accepted: pass a dataset name "
                     f"({', '.join(sorted(LOADERS))}), a directory, (x, y) NumPy arrays or a tf.data.Dataset")


def from_arrays(x, y, *, seed: int = 0, validation_fraction: float | None = VALIDATION_FRACTION) -> Dataset:
    """``(x, y)`` NumPy arrays with a seeded stratified validation split (when every class has 10+ rows).

    ``validation_fraction`` 0 or None holds nothing out (validation data given separately).
    """
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} rows but y has {len(y)}: they must match")
    if len(x) == 0:
        raise ValueError("x and y are empty")
    check_labels(y)
    num_classes = int(y.max()) + 1
    counts = np.bincount(y.astype("int64"), minlength=num_classes)
    validation = None
    if validation_fraction and counts[counts > 0].min() >= 10:
        (x, y), validation = stratified_split(x, y, validation_fraction, seed=seed)
    task = "text-classification" if x.dtype.kind in "OUS" else "image-classification"
    return Dataset(name="arrays", task=task, class_names=[str(i) for i in range(num_classes)],
                   input_shape=tuple(x.shape[1:]), train=(x, y), validation=validation,
                   split={"source": "numpy arrays", "method": "stratified" if validation else "none",
                          "seed": seed, "validation_fraction": validation_fraction if validation else 0.0})


def from_tf_data(dataset) -> Dataset:
    """A ``tf.data.Dataset`` of ``(x, y)`` batches, used as given; labels are read once to count classes."""
    spec = dataset.element_spec
    if not isinstance(spec, tuple) or len(spec) != 2:
        raise ValueError(f"a tf.data.Dataset must yield (x, y) batches; its element_spec is {spec}")
    labels = np.concatenate([np.reshape(y, -1) for _, y in dataset.as_numpy_iterator()] or [np.zeros(0)])
    if len(labels) == 0:
        raise ValueError("the tf.data.Dataset is empty")
    check_labels(labels)
    task = "text-classification" if spec[0].dtype.name == "string" else "image-classification"
    return Dataset(name="tf_data", task=task, class_names=[str(i) for i in range(int(labels.max()) + 1)],
                   input_shape=tuple(spec[0].shape[1:]), train=dataset, split={"source": "tf.data.Dataset"},
                   batched=True)


def check_labels(y, num_classes: int | None = None, where: str = "y") -> None:
    """Labels must be integers in ``[0, num_classes)``; the error names the first bad one."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{where} has shape {y.shape}: labels must be one integer class index per example")
    if y.dtype.kind == "f" and not np.all(np.mod(y, 1) == 0):
        raise ValueError(f"{where} holds non-integer labels such as {y[np.mod(y, 1) != 0][0].item()!r}")
    if y.dtype.kind not in "iuf":
        raise ValueError(f"{where} has dtype {y.dtype}: labels must be integer class indices")
    high = num_classes if num_classes is not None else np.inf
    bad = (y < 0) | (y >= high)
    if bad.any():
        allowed = f"[0, {num_classes})" if num_classes is not None else ">= 0"
        raise ValueError(f"{where} holds label {y[bad][0].item()!r} outside {allowed}")
