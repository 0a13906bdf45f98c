"""Class activation maps: Grad-CAM (Selvaraju et al. 2017) and Grad-CAM++ (Chattopadhay et al. 2018).

A stage's feature maps ``A`` (``h x w x K``) are weighted by how much the class's logit grows with
each channel, summed over the channels, kept where positive and resized to the input's height and
width. The model is cut at the stage: its first part runs once, forward; the gradient is taken of
the rest only, so one map costs less than a forward and a backward pass of the whole model.

Example::

    >>> maps = grad_cam(model, x, "conv5_block3_out", classes=[281])   # (1, 224, 224), each in 0..1
"""

from __future__ import annotations

import numpy as np

from zoo.insight.gradients import class_gradients, logits_model


def split(model, layer: str):
    """``model`` cut at ``layer``: ``(inputs -> the layer's output, the layer's output -> logits)``."""
    import keras

    cut = model.get_layer(layer).output
    body = keras.Model(model.inputs[0], cut, name=f"{model.name}_to_{layer}")
    head = keras.Model(cut, logits_model(model).outputs[0], name=f"{model.name}_from_{layer}")
    return body, head


def grad_cam(model, x, layer: str, classes, *, plus_plus: bool = False) -> np.ndarray:
    """The class activation map of each input for its class, at the input's height and width.

    :param model: a classifier (its last layer's softmax is left out: the maps are of the logits).
    :param x: the model's input batch, preprocessed (NumPy).
    :param layer: the layer whose output is weighted (a stage's layer: ``zoo.info(name).stages``).
    :param classes: one class index per input.
    :param plus_plus: Grad-CAM++'s weights (positive gradients, weighted per position) instead of
        Grad-CAM's (gradients averaged over positions).
    :return: ``(batch, height, width)`` float32 maps, each scaled to 0..1 by its largest value (all zeros
        where no position speaks for the class).
    """
    import keras

    body, head = split(model, layer)
    activations = keras.ops.convert_to_numpy(body(np.asarray(x, dtype="float32"), training=False)).astype("float32")
    if activations.ndim != 4:
        raise ValueError(f"layer={layer!r} is not allowed: its output has shape {activations.shape[1:]}, not "
                         "(height, width, channels) feature maps; name a stage or a convolution's layer")
    _, gradients = class_gradients(head, activations, classes)
    weights = plus_plus_weights(activations, gradients) if plus_plus else gradients.mean(axis=(1, 2))
    cams = np.maximum(np.einsum("nhwk,nk->nhw", activations, weights), 0.0)
    return scaled(resize(cams, np.shape(x)[1:3]))


def plus_plus_weights(activations: np.ndarray, gradients: np.ndarray) -> np.ndarray:
    """Grad-CAM++'s channel weights: positive gradients weighted by alpha = g^2 / (2 g^2 + sum(A) g^3), the
    closed form for an exponential of the logit (the paper's eq. 19)."""
    squared, cubed = gradients ** 2, gradients ** 3
    total = activations.sum(axis=(1, 2), keepdims=True)
    denominator = 2.0 * squared + total * cubed
    alpha = np.divide(squared, denominator, out=np.zeros_like(squared), where=denominator != 0)
    return (alpha * np.maximum(gradients, 0.0)).sum(axis=(1, 2))


def resize(maps: np.ndarray, size) -> np.ndarray:
    """``(batch, h, w)`` maps resized to ``size`` (height, width), bilinear."""
    import keras

    resized = keras.ops.image.resize(maps[..., None], tuple(int(s) for s in size), interpolation="bilinear")
    return keras.ops.convert_to_numpy(resized)[..., 0].astype("float32")


def scaled(maps: np.ndarray) -> np.ndarray:
    """Each map divided by its largest value (0..1), non-negative; an all-zero map stays zero."""
    maps = np.maximum(maps, 0.0)
    peaks = maps.max(axis=(1, 2), keepdims=True)
    return np.divide(maps, peaks, out=np.zeros_like(maps), where=peaks > 0)
