"""What the layers hold and where they fire: the first layer's filters, and a stage's feature maps.

Example::

    >>> kernel = first_filters(model, "conv1")          # (5, 5, 1, 6): LeNet's C1 filters
    >>> maps = feature_maps(model, x, "pool2")          # (batch, 5, 5, 16)
"""

from __future__ import annotations

import numpy as np


def first_convolution(model, name: str | None = None):
    """The layer named ``name`` (an architecture's ``first_conv``), else the model's first 2-D convolution."""
    import keras

    if name is not None:
        return model.get_layer(name)
    kinds = (keras.layers.Conv2D, keras.layers.DepthwiseConv2D, keras.layers.SeparableConv2D)
    for layer in model.layers:
        if isinstance(layer, kinds):
            return layer
    raise ValueError(f"model {model.name!r} has no 2-D convolution whose filters could be shown")


def first_filters(model, name: str | None = None) -> np.ndarray:
    """The first convolution's kernel, ``(height, width, input channels, filters)``.

    :param name: the layer (None: the first 2-D convolution).
    """
    layer = first_convolution(model, name)
    kernel = layer.get_weights()[0]
    if kernel.ndim != 4:
        raise ValueError(f"layer {layer.name!r} has a kernel of shape {kernel.shape}, not a 2-D convolution's")
    return np.asarray(kernel, dtype="float32")


def feature_maps(model, x, layer: str) -> np.ndarray:
    """The output of ``layer`` for each input, ``(batch, height, width, channels)``.

    :param x: the model's input batch, preprocessed.
    :param layer: a stage's layer (``zoo.info(name).stages``) or any layer with a 4-D output.
    """
    import keras

    cut = keras.Model(model.inputs[0], model.get_layer(layer).output)
    maps = keras.ops.convert_to_numpy(cut(np.asarray(x, dtype="float32"), training=False))
    if maps.ndim != 4:
        raise ValueError(f"layer={layer!r} is not allowed: its output has shape {maps.shape[1:]}, not "
                         "(height, width, channels) feature maps")
    return maps.astype("float32")
