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

from zoo.records.identity import ModelIdentity, locate


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
    from zoo.registry.loader import get_registry
    from zoo.weights.pretrained import build

    identity = locate(spec, weights)
    if identity.weights is not None and identity.dataset is None and identity.tag is None \
            and dataset is not None and not _has_card(identity):
        from zoo.training.driver import fit_input_shape

        arch = get_registry().architectures[identity.architecture]
        shape = fit_input_shape(arch, dataset.input_shape) if arch.task == "image-classification" else arch.input_shape
        identity = identity.replace(num_classes=dataset.num_classes, input_shape=shape,
                                    class_names=tuple(dataset.class_names))
    model, _ = build(identity)
    return model, identity


def _has_card(identity: ModelIdentity) -> bool:
    from zoo.records.identity import card_path

    return identity.weights is not None and card_path(identity.weights) is not None


def evaluate(model, dataset, split: str = "test", batch_size: int = 256, *, identity: ModelIdentity):
    """Accuracy of ``model`` on one split of ``dataset``; returns (metrics, true labels, predicted labels).

    The split goes through the input pipeline with the identity's preprocessing, as in training.
    """
    from zoo.datasets import pipeline as inputs

    check_same_classes(dataset, identity)
    part = getattr(dataset, split, None)
    if part is None:
        raise ValueError(f"split={split!r}: dataset {dataset.name!r} has no such split; it has "
                         f"{', '.join(p for p in ('train', 'validation', 'test') if getattr(dataset, p) is not None)}")
    ds = inputs.pipeline(part, model, batch_size=batch_size, preprocessing=identity.preprocessing,
                         batched=dataset.batched, where=split)
    y_true, y_pred = [], []
    for x, y in ds:
        y_true.append(np.asarray(y).reshape(-1))
        y_pred.append(np.argmax(np.asarray(model(x, training=False)), axis=-1))
    y_true, y_pred = np.concatenate(y_true), np.concatenate(y_pred)
    return {"accuracy": float(np.mean(y_true == y_pred)), "examples": int(len(y_true))}, y_true, y_pred


def check_same_classes(dataset, identity: ModelIdentity) -> None:
    """The data's classes must be the model's, in its order: labels are compared with outputs by index.

    The number of classes must be the same, and when the model records its class names, so must the names.
    """
    data_names = [str(c) for c in dataset.class_names]
    named = identity.class_names is not None
    if len(data_names) == identity.num_classes and (not named or data_names == identity.labels()):
        return
    def listed(names):
        return ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")

    model_classes = f"{identity.num_classes} ({listed(identity.labels())})" if named else str(identity.num_classes)
    raise ValueError(f"data {dataset.name!r} has {len(data_names)} classes ({listed(data_names)}) but {identity.name} "
                     f"has {model_classes}: its labels would be compared with the model's outputs by index, so the "
                     "accuracy would mean nothing; evaluate on data of the model's classes, in its order")


def read_inputs(items: list[str], model, identity: ModelIdentity):
    """Image files as the model's input batch (decoded, resized and preprocessed as in training), or the
    items as text lines for a text model."""
    from zoo.datasets.pipeline import model_input_shape

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
    from zoo.datasets import pipeline as inputs

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
    from zoo.registry.arguments import check_positive_int

    check_positive_int("top", top)
    probabilities = np.asarray(model.predict(read_inputs(items, model, identity), verbose=0))
    labels = identity.labels()
    results = []
    for row in probabilities:
        order = np.argsort(row)[::-1][:top]
        results.append([(labels[i] if i < len(labels) else str(i), float(row[i])) for i in order])
    return results
