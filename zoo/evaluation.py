"""Using trained weights: load a model with its weights, score it on a dataset, predict classes.

What ``zoo evaluate`` and ``zoo predict`` run. A weights file next to its run's
``card.json`` is rebuilt with the card's arguments and class names; a weight tag
(``lenet5.mnist5k``) is built with ``zoo.get(tag, pretrained=True)``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

IMAGE_SUFFIXES = (".bmp", ".gif", ".jpeg", ".jpg", ".png")


def card_for(weights: Path) -> dict:
    """The model card written next to ``weights`` by ``zoo train``, or an empty dict."""
    card = Path(weights).with_name("card.json")
    if card.is_file():
        data = json.loads(card.read_text())
        if data.get("file_name") == Path(weights).name:
            return data
    return {}


def load_model(name: str, weights=None, *, dataset=None):
    """A model ready for inference and its class names.

    :param name: an architecture or a weight tag (``"lenet5.mnist5k"``, then ``weights`` may be None).
    :param weights: a ``.weights.h5`` file (from ``zoo train``: its ``card.json`` gives the build arguments).
    :param dataset: the data it will see, to size the model when the file has no card.
    :return: ``(model, class_names)``.

    Example::

        >>> model, classes = load_model("lenet5", "runs/lenet5-mnist5k/best.weights.h5")
    """
    import zoo
    from zoo.registry import get_registry

    architecture, tag = get_registry().resolve(name)
    if weights is None:
        if tag is None:
            raise ValueError(f"{name!r} is an architecture without weights: pass --weights FILE, or a weight tag "
                             f"such as {', '.join(t.name for t in get_registry().tags_for(architecture.name)) or 'arch.tag'}")
        entry = get_registry().weights[f"{architecture.name}.{tag}"]
        names = entry.class_names if isinstance(entry.class_names, (list, tuple)) else None
        model = zoo.get(name, pretrained=True)
        return model, list(names or range(model.outputs[0].shape[-1]))
    weights = Path(weights)
    if not weights.is_file():
        raise FileNotFoundError(f"--weights {str(weights)!r}: no such file")
    card = card_for(weights)
    kwargs = dict(card.get("arguments") or {})
    if "input_shape" in kwargs:
        kwargs["input_shape"] = tuple(kwargs["input_shape"])
    if not card and dataset is not None:
        from zoo.train import fit_input_shape

        kwargs["num_classes"] = dataset.num_classes
        if architecture.task == "image-classification":
            kwargs["input_shape"] = fit_input_shape(architecture, dataset.input_shape)
    model = zoo.get(architecture.name, pretrained=str(weights), **kwargs)
    names = card.get("class_names") or (dataset.class_names if dataset is not None else None)
    return model, list(names or range(model.outputs[0].shape[-1]))


def evaluate(model, dataset, split: str = "test", batch_size: int = 256) -> tuple[dict[str, float], np.ndarray, np.ndarray]:
    """Accuracy of ``model`` on one split of ``dataset``; returns (metrics, true labels, predicted labels)."""
    from zoo import inputs

    part = getattr(dataset, split, None)
    if part is None:
        raise ValueError(f"split={split!r}: dataset {dataset.name!r} has no such split; it has "
                         f"{', '.join(p for p in ('train', 'validation', 'test') if getattr(dataset, p) is not None)}")
    ds = inputs.pipeline(part, model, batch_size=batch_size, batched=dataset.batched, where=split)
    y_true, y_pred = [], []
    for x, y in ds:
        y_true.append(np.asarray(y).reshape(-1))
        y_pred.append(np.argmax(np.asarray(model(x, training=False)), axis=-1))
    y_true, y_pred = np.concatenate(y_true), np.concatenate(y_pred)
    return {"accuracy": float(np.mean(y_true == y_pred)), "examples": int(len(y_true))}, y_true, y_pred


def read_inputs(items: list[str], model) -> np.ndarray:
    """Image files as the model's input batch, or the items as text lines."""
    from zoo.inputs import model_input_shape, prepare_images

    shape = model_input_shape(model)
    if len(shape) != 3:
        # bytes that were not UTF-8 in the command line become U+FFFD, as the text models' Vectorizer does
        return np.array([item.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for item in items],
                        dtype=object)
    from PIL import Image

    images = []
    for item in items:
        path = Path(item)
        if path.suffix.lower() not in IMAGE_SUFFIXES or not path.is_file():
            raise FileNotFoundError(f"{item!r} is not an image file ({', '.join(IMAGE_SUFFIXES)}); "
                                    f"this model takes {shape} images")
        try:
            with Image.open(path) as image:
                image = image.convert("L" if shape[-1] == 1 else "RGB")
                if None not in shape[:2]:
                    image = image.resize((shape[1], shape[0]))
                array = np.asarray(image, dtype=np.uint8)
        except OSError as error:
            raise ValueError(f"corrupt or unreadable image {item!r}: {error}") from None
        images.append(array.reshape(*array.shape[:2], -1))
    return prepare_images(np.stack(images), model)


def predict(model, items: list[str], class_names: list, top: int = 3) -> list[list[tuple[str, float]]]:
    """The ``top`` classes and their probabilities for each input (image file or text line).

    Example::

        >>> predict(model, ["seven.png"], [str(i) for i in range(10)])
        [[('7', 0.998), ('1', 0.001), ('9', 0.0)]]
    """
    probabilities = np.asarray(model.predict(read_inputs(items, model), verbose=0))
    results = []
    for row in probabilities:
        order = np.argsort(row)[::-1][:top]
        results.append([(str(class_names[i]) if i < len(class_names) else str(i), float(row[i])) for i in order])
    return results
