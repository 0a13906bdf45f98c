"""The one place that fits pretrained weights to a model built for another task.

:func:`transfer_weights` copies the weights of a model built exactly as the
weight file expects (the *source*) into the model the user asked for (the
*target*), layer by layer in order, the way Keras' legacy HDF5 loader pairs
layers. Two differences are allowed, as in timm, at the layers the
architecture names (``zoo.Architecture.first_conv`` and ``classifier``,
timm's ``first_conv`` and ``classifier``):

- the classifier: a different ``num_classes`` (or weights without a top)
  leaves the target's classifier freshly initialised, with a log line;
- the first convolution: a different number of input channels is adapted
  by :func:`adapt_input_conv` (sum over channels for 1, repeat and rescale for N).

Any other difference is an error naming the layer and both shapes.
"""

from __future__ import annotations

import logging
import math

import numpy as np

logger = logging.getLogger("zoo")


def adapt_input_conv(kernel: np.ndarray, in_channels: int) -> np.ndarray:
    """A convolution kernel ``(..., channels, filters)`` adapted to ``in_channels`` input channels.

    For 1 channel the kernel is summed over its input channels (a grayscale
    image gives the activations the color image of the same gray would);
    for N channels it is repeated to N and scaled by ``channels / N`` so the
    activations keep their magnitude. This is timm's ``adapt_input_conv``.

    Example::

        >>> adapt_input_conv(np.ones((7, 7, 3, 64)), 1).shape
        (7, 7, 1, 64)
        >>> adapt_input_conv(np.ones((7, 7, 3, 64)), 4)[0, 0, :, 0]
        array([0.75, 0.75, 0.75, 0.75])
    """
    kernel = np.asarray(kernel)
    channels = kernel.shape[-2]
    if in_channels == channels:
        return kernel
    if in_channels == 1:
        return kernel.sum(axis=-2, keepdims=True)
    repeat = math.ceil(in_channels / channels)
    tiled = np.concatenate([kernel] * repeat, axis=-2)[..., :in_channels, :]
    return (tiled * (channels / in_channels)).astype(kernel.dtype)


def _weighted_layers(model) -> list:
    return [layer for layer in model.layers if layer.weights]


def _copy_state_without_weights(source, target) -> None:
    """Copy the saved state of weightless layers (a text vectorizer's vocabulary) to same-named ones."""
    others = {layer.name: layer for layer in source.layers if not layer.weights}
    for layer in target.layers:
        other = others.get(layer.name)
        if other is not None and not layer.weights and type(other) is type(layer):
            state = {}
            other.save_own_variables(state)
            if state:
                layer.load_own_variables(state)


def transfer_weights(source, target, *, first_conv: str | None, classifier: tuple[str, ...],
                     name: str = "weights") -> dict:
    """Copy ``source``'s weights into ``target``, adapting the first convolution and skipping the classifier.

    :param source: a Keras model with the pretrained weights loaded.
    :param target: a model of the same architecture, possibly with another
        number of classes, input channels, or with/without the top.
    :param first_conv: the name of the layer whose kernel may be adapted to other input channels
        (``zoo.Architecture.first_conv``; None: none may).
    :param classifier: the names of the classifier's layers, which may be left fresh.
    :param name: what to call the weights in messages (the tag name).
    :return: ``{"copied": [...], "adapted": [...], "fresh": [...]}`` layer names.
    :raises ValueError: a layer other than the first convolution or the classifier does not fit.

    Example::

        >>> source = zoo.get("resnet50", pretrained=True)
        >>> target = zoo.get("resnet50", num_classes=10, in_channels=1)
        >>> transfer_weights(source, target, first_conv="conv1_conv", classifier=("predictions",))["fresh"]
        ['predictions']
    """
    source_layers, target_layers = _weighted_layers(source), _weighted_layers(target)
    report = {"copied": [], "adapted": [], "fresh": []}
    classifier = set(classifier)
    for index, layer in enumerate(target_layers):
        if index >= len(source_layers):
            report["fresh"].append(layer.name)
            continue
        other = source_layers[index]
        values = other.get_weights()
        shapes = [tuple(w.shape) for w in layer.get_weights()]
        if [tuple(v.shape) for v in values] == shapes and type(other) is type(layer):
            layer.set_weights(values)
            report["copied"].append(layer.name)
        elif layer.name == first_conv and _differs_in_input_channels(values, shapes):
            layer.set_weights([adapt_input_conv(values[0], shapes[0][-2]), *values[1:]])
            report["adapted"].append(layer.name)
        elif layer.name in classifier and type(other) is type(layer):
            report["fresh"].append(layer.name)
        else:
            hint = ("; only the classifier and the input channels may differ" if first_conv is not None else
                    "; only the classifier may differ (the architecture names no first_conv to adapt to other "
                    "input channels)")
            raise ValueError(
                f"{name} do not fit layer {layer.name!r} ({type(layer).__name__}, weight shapes {shapes}): "
                f"the weight file has {type(other).__name__} {other.name!r} with shapes "
                f"{[tuple(v.shape) for v in values]}{hint}"
            )
    _copy_state_without_weights(source, target)
    if report["adapted"]:
        logger.info("%s: first convolution %s adapted to %d input channels", name, report["adapted"][0],
                    target.get_layer(report["adapted"][0]).weights[0].shape[-2])
    if report["fresh"]:
        logger.info("%s: loaded all weights but the classifier (%s), which is freshly initialised",
                    name, ", ".join(report["fresh"]))
    return report


def _differs_in_input_channels(values, shapes) -> bool:
    kernel, shape = tuple(values[0].shape), shapes[0]
    return (len(kernel) >= 3 and len(kernel) == len(shape) and kernel[:-2] == shape[:-2]
            and kernel[-1] == shape[-1] and [tuple(v.shape) for v in values[1:]] == shapes[1:])
