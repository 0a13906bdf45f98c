"""``zoo.explain``: one door to every view inside a model, for a tag, a run directory or a model.

The model comes through the doors ``zoo predict`` uses (:func:`zoo.inference.evaluation.load_model`,
:func:`~zoo.inference.evaluation.read_inputs`), so its inputs get its own preprocessing and its classes
their names. Then one method runs:

======================== ====================================================== =============================
method                   what                                                   ``values``
======================== ====================================================== =============================
``gradcam``              Grad-CAM on a stage (default: the last)                (height, width) in 0..1
``gradcam++``            Grad-CAM++ on a stage                                  (height, width) in 0..1
``integrated_gradients`` integrated gradients, no stage needed                  (height, width), signed
``feature_maps``         a stage's feature maps                                 (h, w, channels)
``filters``              the first convolution's filters (no input needed)      (kh, kw, in, out)
``evidence``             a text CNN's deciding words and n-grams                (tokens,) scores
======================== ====================================================== =============================

The maps of the class methods are at the height and width of the model's input; with ``top > 1``
or a list of ``target`` classes, ``values`` has one more axis in front, a map per class. With
``out``, each input's ``NAME.<method>.png`` (the map over the input, with a colour bar) and
``NAME.<method>.npy`` (``values``) are written there (``NAME.evidence.html`` for text).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from zoo.checks import check_choice, check_integer
from zoo.datasets.pipeline import check_image_shape, model_input_shape, preprocess
from zoo.errors import UnknownNameError
from zoo.files import atomic_output, make_directory
from zoo.inference.evaluation import load_model, read_inputs
from zoo.insight import METHODS, rendering
from zoo.insight.attribution import STEPS, integrated_gradients
from zoo.insight.cams import grad_cam
from zoo.insight.filters import feature_maps, first_convolution, first_filters
from zoo.insight.text import text_evidence
from zoo.records.preprocessing import pixels_of
from zoo.registry.loader import get_registry

CLASS_METHODS = ("gradcam", "gradcam++", "integrated_gradients", "evidence")
STAGE_METHODS = ("gradcam", "gradcam++", "feature_maps")
TEXT_METHODS = ("evidence",)


@dataclass(frozen=True)
class Explanation:
    """What one method found for one input (for ``filters``: for the model).

    :param name: the input's name (an image file's stem, ``input1``, ``text1`` ...; the model's for filters).
    :param method: one of :data:`METHODS`.
    :param values: the map, maps, feature maps, filters or token scores (the module's table says which).
    :param classes: the classes explained, as indices; ``labels`` their names, ``probabilities`` the model's.
    :param layer: the layer whose output was used (a stage's), if any.
    :param tokens: a text's tokens (``evidence``); ``ngrams`` the n-grams, highest score first, of the first class.
    :param files: the files written.
    """

    name: str
    method: str
    values: np.ndarray
    classes: tuple[int, ...] = ()
    labels: tuple[str, ...] = ()
    probabilities: tuple[float, ...] = ()
    layer: str | None = None
    tokens: tuple[str, ...] = ()
    ngrams: tuple = ()
    files: tuple[Path, ...] = field(default=())


def explain(model, inputs=(), *, method: str | None = None, stage=None, target=None, top: int = 1, weights=None,
            identity=None, out=None, steps: int | None = None) -> list[Explanation]:
    """Look inside a model: class activation maps, attributions, filters, feature maps or text evidence.

    :param model: a weight tag (``"lenet5.mnist5k"``), a run directory or its ``card.json``, an architecture
        with ``weights``; or a ``keras.Model`` (with its ``identity``, a :class:`zoo.ModelIdentity`, for its
        preprocessing and class names; without one, inputs are taken as already preprocessed).
    :param inputs: image files, or an array of images (uint8 pixels get the model's preprocessing, float
        ones are taken as preprocessed); texts for a text model. None needed for ``filters``.
    :param method: one of :data:`METHODS`; None: ``gradcam`` for an image model, ``evidence`` for a text model.
    :param stage: for ``gradcam``, ``gradcam++`` and ``feature_maps``: a stage's position in
        ``zoo.info(name).stages`` (negative from the end) or a layer's name; None: the last stage.
    :param target: the class to explain: an index, a class name, or a list of them; None: the ``top``
        classes the model predicts.
    :param top: how many of the predicted classes to explain when ``target`` is None.
    :param weights: a weights file, with an architecture ``model``.
    :param identity: the identity of a ``keras.Model`` given as ``model``.
    :param out: a directory for ``NAME.<method>.png`` and ``NAME.<method>.npy`` (``.html`` for text).
    :param steps: intervals of the integrated gradients' path (default 32).
    :return: one :class:`Explanation` per input (one for ``filters``).

    Example::

        >>> [found] = zoo.explain("lenet5.mnist5k", ["seven.png"], method="gradcam", out="maps")
        >>> found.labels, found.values.shape, found.files
        (('7',), (28, 28), (PosixPath('maps/seven.gradcam.png'), PosixPath('maps/seven.gradcam.npy')))
    """

    if method is not None:
        check_choice("method", method, METHODS)
    check_integer("top", top)
    if isinstance(model, (str, os.PathLike)):

        if identity is not None:
            raise ValueError("identity= is for a keras.Model; a tag or run directory has its own")
        model, identity = load_model(model, weights)
    elif weights is not None:
        raise ValueError("weights= is for an architecture named as model; load them into the keras.Model instead")
    arch = _architecture(identity)
    text = len(model.inputs[0].shape) != 4
    method = method or ("evidence" if text else "gradcam")
    if text != (method in TEXT_METHODS):
        kind = "a text" if text else "an image"
        allowed = TEXT_METHODS if text else tuple(m for m in METHODS if m not in TEXT_METHODS)
        raise ValueError(f"method={method!r} is not allowed: {_name(model, identity)} is {kind} model; use one of "
                         f"{allowed}")
    if method == "filters":
        found = _filters(model, identity, arch)
        return [_write(found, out, None)] if out is not None else [found]
    names, x = _inputs(model, identity, inputs)
    layer = _stage_layer(model, arch, stage) if method in STAGE_METHODS else None
    results = []
    if method == "feature_maps":

        maps = feature_maps(model, x, layer)
        results = [Explanation(name, method, values, layer=layer) for name, values in zip(names, maps)]
    else:
        results = _class_explanations(model, identity, names, x, method, layer, target, top, steps)
    if out is None:
        return results
    pixels = None if text else _pixels(x, identity)
    return [_write(found, out, None if pixels is None else pixels[i]) for i, found in enumerate(results)]


def _architecture(identity):
    """The registered architecture of ``identity`` (None without one)."""
    if identity is None:
        return None

    return get_registry().architectures.get(identity.architecture)


def _name(model, identity) -> str:
    return identity.name if identity is not None else model.name


def _inputs(model, identity, inputs) -> tuple[list[str], np.ndarray]:
    """``(names, the model's input batch)`` from files, texts or an array."""

    shape = model_input_shape(model)
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    if inputs is None or len(inputs) == 0:
        raise ValueError("inputs=() is not allowed: give image files, an array of images or texts to explain")
    if len(shape) != 3:
        texts = [str(t) for t in inputs]
        if len(shape) == 0 or str(model.inputs[0].dtype) == "string":
            return [f"text{i + 1}" for i in range(len(texts))], np.array(texts, dtype=object)
        return [f"text{i + 1}" for i in range(len(texts))], np.asarray(inputs)
    if isinstance(inputs, np.ndarray):

        batch = inputs[None] if inputs.ndim == 3 else inputs
        check_image_shape(batch.shape[1:], shape, "inputs")
        import tensorflow as tf

        x = preprocess(tf.constant(batch), shape, identity.preprocessing if identity is not None else None)
        return [f"input{i + 1}" for i in range(len(batch))], np.asarray(x, dtype="float32")
    if identity is None:
        raise ValueError("image files need the model's identity (identity=) for their preprocessing; "
                         "or pass the images as an array")

    items = [str(item) for item in inputs]
    return [Path(item).stem for item in items], np.asarray(read_inputs(items, model, identity), dtype="float32")


def _stage_layer(model, arch, stage) -> str:
    """The layer a ``stage`` argument names: a declared stage's by position, a layer by name, else the last
    stage (an undeclared model's: its last layer with a feature map larger than 1x1)."""

    stages = [s.layer for s in arch.stages] if arch is not None else []
    names = [layer.name for layer in model.layers]
    if isinstance(stage, str):
        if stage not in names:
            raise UnknownNameError(stage, list(dict.fromkeys(stages + names)), kind="stage")
        return stage
    if stage is not None:
        if isinstance(stage, bool) or not isinstance(stage, int) or not -len(stages) <= stage < len(stages):
            allowed = f"0 to {len(stages) - 1} (or a layer name)" if stages else "a layer name (no stages declared)"
            raise ValueError(f"stage={stage!r} is not allowed: {model.name} has {len(stages)} stages; use {allowed}")
        layer = stages[stage]
    elif stages:
        layer = stages[-1]
    else:
        maps = [layer.name for layer in model.layers
                if len(layer.output.shape) == 4 and (layer.output.shape[1] or 2) > 1]
        if not maps:
            raise ValueError(f"model {model.name!r} has no layer with (height, width, channels) feature maps")
        return maps[-1]
    if layer not in names:
        raise ValueError(f"stage={stage!r} is layer {layer!r}, which this model lacks (built with other arguments "
                         "than the architecture's defaults?): name one of its layers as stage")
    return layer


def _classes(probabilities: np.ndarray, labels: list[str], target, top: int) -> tuple[list[list[int]], bool]:
    """The classes to explain per input, and whether one map per input was asked for (a squeezed axis)."""

    count = probabilities.shape[-1]
    if target is None:
        top = min(top, count)
        return [list(np.argsort(row)[::-1][:top]) for row in probabilities], top == 1
    single = not isinstance(target, (list, tuple))
    chosen = []
    for item in [target] if single else target:
        index = item
        if isinstance(item, str):
            if item in labels:
                index = labels.index(item)
            elif item.lstrip("-").isdigit():  # a class index, as the command line gives it
                index = int(item)
            else:
                raise UnknownNameError(item, labels, kind="class")
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < count:
            raise ValueError(f"target={item!r} is not allowed: the model has {count} classes, 0 to {count - 1}")
        chosen.append(int(index))
    return [chosen for _ in probabilities], single


def _class_explanations(model, identity, names, x, method, layer, target, top, steps) -> list[Explanation]:
    """Maps (or text evidence) for the classes asked for, one Explanation per input."""
    import keras

    probabilities = keras.ops.convert_to_numpy(model(x, training=False)).astype("float32")
    labels = identity.labels() if identity is not None else [str(i) for i in range(probabilities.shape[-1])]
    classes, single = _classes(probabilities, labels, target, top)
    per_class = []
    for k in range(len(classes[0])):
        column = [row[k] for row in classes]
        if method == "evidence":

            per_class.append(text_evidence(model, x, column))
        elif method == "integrated_gradients":

            per_class.append(integrated_gradients(model, x, column, steps=steps or STEPS)[0])
        else:

            per_class.append(grad_cam(model, x, layer, column, plus_plus=method == "gradcam++"))
    results = []
    for n, name in enumerate(names):
        extra = {}
        if method == "evidence":
            found = [evidence[n] for evidence in per_class]
            values = np.stack([f.scores for f in found])
            extra = {"tokens": found[0].tokens, "ngrams": found[0].ngrams}
        else:
            values = np.stack([maps[n] for maps in per_class])
        results.append(Explanation(
            name=name, method=method, values=values[0] if single else values, classes=tuple(classes[n]),
            labels=tuple(labels[c] for c in classes[n]), probabilities=tuple(float(probabilities[n, c])
                                                                             for c in classes[n]),
            layer=layer, **extra))
    return results


def _filters(model, identity, arch) -> Explanation:

    layer = first_convolution(model, arch.first_conv if arch is not None else None).name
    name = (identity.tag or identity.architecture) if identity is not None else model.name
    return Explanation(name=name, method="filters", values=first_filters(model, layer), layer=layer)


def _pixels(x: np.ndarray, identity) -> np.ndarray:
    """The model's inputs as pixels in 0..255 for pictures (min-max scaled without a known preprocessing)."""

    if identity is not None and identity.preprocessing:
        return np.clip(pixels_of(x, identity.preprocessing), 0, 255)
    low = x.min(axis=(1, 2, 3), keepdims=True)
    return 255 * (x - low) / np.maximum(x.max(axis=(1, 2, 3), keepdims=True) - low, 1e-12)


def evidence_entries(found: Explanation, title: str | None = None) -> list[dict]:
    """A text's evidence as :func:`zoo.insight.rendering.evidence_sections` takes it: one entry per class (the
    first with its top five n-grams)."""
    return [{"title": f"{title or found.name}: {label} ({p:.1%})", "tokens": found.tokens, "scores": scores,
             "ngrams": found.ngrams[:5] if k == 0 else ()}
            for k, (label, p, scores) in enumerate(zip(found.labels, found.probabilities, np.atleast_2d(found.values)))]


def _write(found: Explanation, out, pixels) -> Explanation:
    """Write ``found``'s files into ``out``; the Explanation with their paths."""
    from dataclasses import replace


    directory = Path(out)
    make_directory(directory, "the output directory")
    stem = directory / f"{found.name}.{found.method}"
    if found.method == "evidence":
        files = [rendering.evidence_html(Path(f"{stem}.html"), evidence_entries(found))]
    else:
        if found.method == "filters":
            tiles, signed = rendering.filter_tiles(found.values)
            rendering.grid_png(Path(f"{stem}.png"), tiles, f"{found.name}: {found.layer} filters", signed=signed)
        elif found.method == "feature_maps":
            channels = found.values.shape[-1]
            shown = min(channels, rendering.MAX_TILES)
            rendering.grid_png(Path(f"{stem}.png"), rendering.feature_tiles(found.values),
                               f"{found.name}: {found.layer}, {shown} of {channels} channels")
        else:
            titles = [f"{label} ({p:.1%}) {found.method}" + (f" on {found.layer}" if found.layer else "")
                      for label, p in zip(found.labels, found.probabilities)]
            rendering.map_png(Path(f"{stem}.png"), pixels, found.values, titles,
                              signed=found.method == "integrated_gradients")
        with atomic_output(Path(f"{stem}.npy")) as tmp:
            np.save(tmp, found.values)
        files = [Path(f"{stem}.png"), Path(f"{stem}.npy")]
    return replace(found, files=tuple(files))
