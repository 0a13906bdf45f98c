"""Using trained weights: load a model from its identity, score it on a dataset, predict classes.

What ``zoo evaluate`` and ``zoo predict`` run. The model comes from its
:class:`zoo.records.identity.ModelIdentity` (a weight tag, a run directory or its
``card.json``, or an architecture with a weights file), so its inputs get the
preprocessing and the resize its weights were trained with, and its outputs the
class names they mean.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from zoo.checks import check_integer
from zoo.datasets import pipeline as inputs
from zoo.datasets.folders import load_directory
from zoo.datasets.pipeline import model_input_shape
from zoo.datasets.sources import LOADERS, as_dataset
from zoo.files import atomic_write
from zoo.records.identity import ModelIdentity, card_at
from zoo.registry.loader import get_registry
from zoo.registry.request import locate
from zoo.registry.store import natural_order
from zoo.training.driver import fit_input_shape
from zoo.weights.pretrained import build


def load_model(spec, weights=None, *, dataset=None):
    """A model ready for inference and its identity.

    :param spec: a weight tag (``"lenet5.mnist5k"``), a run directory or its ``card.json``, or an
        architecture with ``weights``.
    :param weights: a ``.weights.h5`` file (from ``zoo train``: its ``card.json`` gives the identity).
    :param dataset: the data it will see, to size a weights file that has no card.
    :return: ``(model, identity)``.

    Example::

        >>> model, identity = load_model("runs/lenet5-mnist5k")
        >>> identity.labels()[:3]
        ['0', '1', '2']
    """

    identity = locate(spec, weights)
    if identity.weights is not None and identity.dataset is None and identity.tag is None \
            and dataset is not None and not _has_card(identity):

        arch = get_registry().architectures[identity.architecture]
        shape = fit_input_shape(arch, dataset.input_shape) if arch.task == "image-classification" else arch.input_shape
        identity = identity.replace(num_classes=dataset.num_classes, input_shape=shape,
                                    class_names=tuple(dataset.class_names))
    model, _ = build(identity)
    return model, identity


def _has_card(identity: ModelIdentity) -> bool:

    return identity.weights is not None and card_at(identity.weights) is not None


TOP = 5  # the second accuracy reported, as timm's validate.py: top-5, where there are more than five classes
RESULT_FORMATS = (".csv", ".json")


def evaluation_data(data, split: str = "test", *, seed: int = 0):
    """The dataset to evaluate on: a built-in name as :func:`zoo.datasets.sources.as_dataset` loads it; a
    directory, for the ``test`` split, as one test split of every file (data given only to evaluate is all test
    data), and for ``train`` or ``validation`` split as ``zoo train`` splits it (seeded, so the validation files
    are the ones a run on the folder held out)."""

    if split == "test" and isinstance(data, (str, Path)) and str(data) not in LOADERS and Path(data).is_dir():

        return load_directory(data, seed=seed, test_only=True)
    return as_dataset(data, seed=seed)


def model_names(patterns: list[str]) -> list[str]:
    """``patterns`` with each fnmatch pattern (``"lenet5.*"``, ``"resnet*.tv*"``) replaced by the weight tags it
    matches, in natural order; other names (a tag, a run directory, an architecture) stay as they are.

    Example::

        >>> model_names(["lenet5.*"])
        ['lenet5.fashion_mnist', 'lenet5.mnist5k']
    """
    import fnmatch


    names = []
    for pattern in patterns:
        if not any(c in pattern for c in "*?[") or Path(pattern).exists():
            names.append(pattern)
            continue
        tags = sorted((t for t in get_registry().weights if fnmatch.fnmatchcase(t, pattern)), key=natural_order)
        if not tags:
            raise ValueError(f"MODEL {pattern!r} matches no weight tag: a pattern is matched against tags such "
                             "as lenet5.mnist5k ('lenet5.*', 'resnet*.tv*'); zoo weights list shows them all")
        names += tags
    return list(dict.fromkeys(names))


def labels_in_model_order(dataset, identity: ModelIdentity) -> np.ndarray | None:
    """Where the data's classes sit among the model's outputs: the one check that data fits a model before an
    accuracy is computed from it.

    None when the data's classes are the model's first ones in its order; by name when the model records its class
    names and knows every one of the data's (a folder of some classes: its sub-folder ``7`` is the model's class
    ``7``); in order when the model records no names and both have as many classes. Anything else is a ValueError
    naming both sides, since labels compared with outputs by index would give an accuracy that means nothing.
    """
    labels = identity.labels()
    names = [str(c) for c in dataset.class_names]
    named = identity.class_names is not None
    if names == labels[:len(names)]:
        return None
    if named and set(names) <= set(labels):
        return np.array([labels.index(n) for n in names])
    if not named and len(names) == identity.num_classes:
        return None

    def listed(values):
        return ", ".join(values[:5]) + (", ..." if len(values) > 5 else "")

    model_classes = f"{identity.num_classes} ({listed(labels)})" if named else str(identity.num_classes)
    raise ValueError(f"data {dataset.name!r} has {len(names)} classes ({listed(names)}) but {identity.name} "
                     f"has {model_classes}: its labels would be compared with the model's outputs by index, so the "
                     "accuracy would mean nothing; evaluate on data of the model's classes (a folder: sub-folders "
                     "named after them)")


def evaluate(model, dataset, split: str = "test", batch_size: int = 256, *, identity: ModelIdentity):
    """Top-1 (``accuracy``) and, where the model has more than five classes, top-5 accuracy of ``model`` on
    one split of ``dataset``; returns (metrics, true labels, predicted labels).

    The split goes through the input pipeline with the identity's preprocessing, as in training. A folder's
    classes are matched to the model's outputs by name (its sub-folder ``7`` holds the model's class ``7``).

    Example::

        >>> metrics, y_true, y_pred = evaluate(model, evaluation_data("mnist5k"), identity=identity)
        >>> metrics
        {'accuracy': 0.976, 'top5_accuracy': 0.999, 'examples': 1000}
    """

    part = getattr(dataset, split, None)
    if part is None:
        raise ValueError(f"split={split!r}: dataset {dataset.name!r} has no such split; it has "
                         f"{', '.join(p for p in ('train', 'validation', 'test') if getattr(dataset, p) is not None)}")
    order = labels_in_model_order(dataset, identity)
    ds = inputs.pipeline(part, model, batch_size=batch_size, preprocessing=identity.preprocessing,
                         batched=dataset.batched, where=split)
    y_true, y_pred, in_top = [], [], []
    for x, y in ds:
        truth = np.asarray(y).reshape(-1).astype("int64")
        truth = order[truth] if order is not None else truth
        scores = np.asarray(model(x, training=False))
        top = np.argsort(-scores, axis=-1)[:, :TOP]
        y_true.append(truth)
        y_pred.append(top[:, 0])
        in_top.append((top == truth[:, None]).any(axis=-1))
    y_true, y_pred, in_top = np.concatenate(y_true), np.concatenate(y_pred), np.concatenate(in_top)
    metrics = {"accuracy": float(np.mean(y_true == y_pred))}
    if identity.num_classes > TOP:
        metrics[f"top{TOP}_accuracy"] = float(np.mean(in_top))
    return {**metrics, "examples": int(len(y_true))}, y_true, y_pred


def check_results_file(path) -> Path:
    """``path`` if it names a results file :func:`write_results` can write (``.csv`` or ``.json``), else a
    ValueError saying so."""
    path = Path(path)
    if path.suffix.lower() not in RESULT_FORMATS:
        raise ValueError(f"results={str(path)!r} is not allowed: name a file ending in "
                         f"{' or '.join(RESULT_FORMATS)}, which says the format")
    return path


def write_results(rows: list[dict], path) -> Path:
    """Write one row per evaluated model to ``path``: CSV or JSON, as its extension says (as timm's
    ``validate.py --results-file``), atomically.

    Example::

        >>> write_results([{"model": "lenet5.mnist5k", "top1": 97.6, "top5": 99.9}], "results.csv")
    """
    import csv
    import io
    import json


    path = check_results_file(path)
    if path.suffix.lower() == ".json":
        text = json.dumps(rows, indent=1) + "\n"
    else:
        buffer = io.StringIO()
        columns = list(dict.fromkeys(key for row in rows for key in row))
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        text = buffer.getvalue()
    atomic_write(path, text.encode("utf-8"))
    return path


def read_inputs(items: list[str], model, identity: ModelIdentity):
    """Image files as the model's input batch (decoded, resized and preprocessed as in training), or the
    items as text lines for a text model."""

    shape = model_input_shape(model)
    if len(shape) != 3:
        from zoo.datasets.images import SUFFIXES

        images = [item for item in items if Path(item).suffix.lower() in SUFFIXES and Path(item).is_file()]
        if images:
            raise ValueError(f"{images[0]!r} is an image file, but {identity.name} classifies text: pass the text "
                             "itself, one argument per text")
        # bytes that were not UTF-8 in the command line become U+FFFD, as the text models' Vectorizer does
        return np.array([item.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for item in items],
                        dtype=object)
    import tensorflow as tf

    from zoo.datasets import images

    batch = []
    for item in items:
        path = Path(item)
        if not path.exists():
            raise FileNotFoundError(f"{item!r}: no such file; this model takes {shape} images "
                                    f"({', '.join(images.SUFFIXES)})")
        if path.suffix.lower() not in images.SUFFIXES or not path.is_file():
            raise FileNotFoundError(f"{item!r} is not an image file ({', '.join(images.SUFFIXES)}); "
                                    f"this model takes {shape} images")
        try:
            image = images.decode(tf.io.read_file(str(path)), shape[-1])
        except (tf.errors.InvalidArgumentError, ValueError) as error:
            message = getattr(error, "message", None) or str(error)
            message = re.sub(r"\{\{[^}]*\}\}|\[Op:\w+\].*", "", message).strip()  # TensorFlow's op and node names
            lines = [line.strip() for line in message.splitlines() if line.strip()]
            raise ValueError(f"corrupt or unreadable image {item!r}: "
                             f"{lines[0] if lines else 'it cannot be decoded'}") from None
        batch.append(inputs.fit_example(image, shape, identity.preprocessing))
    return inputs.preprocess(tf.stack(batch), shape, identity.preprocessing)


def predict(model, items: list[str], identity: ModelIdentity, top: int = 3) -> list[list[tuple[str, float]]]:
    """The ``top`` classes and their probabilities for each input (image file or text line).

    Example::

        >>> predict(model, ["seven.png"], identity)
        [[('7', 0.998), ('1', 0.001), ('9', 0.0)]]
    """

    check_integer("top", top)
    probabilities = np.asarray(model.predict(read_inputs(items, model, identity), verbose=0))
    labels = identity.labels()
    results = []
    for row in probabilities:
        order = np.argsort(row)[::-1][:top]
        results.append([(labels[i] if i < len(labels) else str(i), float(row[i])) for i in order])
    return results
