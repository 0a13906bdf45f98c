"""Squeeze-and-excitation (Hu et al. 2018, Squeeze-and-Excitation Networks): channels reweighted by a gate.

The feature map is averaged over space (squeeze), passed through a 1x1 convolution to
``squeezed`` channels and its activation, a 1x1 convolution back to the input's channels
and a gating activation (excitation), and the gate multiplies the feature map.

keras.applications writes the block two ways, and :data:`EFFICIENTNET` and :data:`MOBILENETV3`
name the layers as each does (so their weights load): EfficientNet and EfficientNetV2 pool,
reshape to ``1x1``, and fuse both activations into the convolutions (``block2a_se_squeeze``,
``block2a_se_reshape``, ``block2a_se_reduce``, ``block2a_se_expand``, ``block2a_se_excite``);
MobileNetV3 pools keeping the dimensions and gives the reducing activation a layer of its own
(``expanded_conv_1_squeeze_excite_avg_pool`` ... ``_conv_1``, ``_mul``).

Example::

    >>> x = squeeze_excite(x, 8, activation="swish", gate="sigmoid", prefix="block2a_")
    >>> x = squeeze_excite(x, 16, activation="relu", gate="hard_sigmoid", prefix="expanded_conv_1_",
    ...                    names=MOBILENETV3)
"""

from __future__ import annotations

from typing import Callable, NamedTuple, Union

from keras import layers


class Names(NamedTuple):
    """The suffix of each layer of the block (after the caller's prefix).

    ``reshape`` None: the pooling keeps the spatial dimensions instead of a ``Reshape`` layer.
    ``activation`` None: the reducing activation is fused into the ``reduce`` convolution.
    ``gate`` None: the gate is fused into the ``expand`` convolution (or, when it is a callable, applied
    to its output as it is).
    """

    pool: str
    reshape: str | None
    reduce: str
    activation: str | None
    expand: str
    gate: str | None
    excite: str


EFFICIENTNET = Names(pool="se_squeeze", reshape="se_reshape", reduce="se_reduce", activation=None,
                     expand="se_expand", gate=None, excite="se_excite")
MOBILENETV3 = Names(pool="squeeze_excite_avg_pool", reshape=None, reduce="squeeze_excite_conv",
                    activation="squeeze_excite_relu", expand="squeeze_excite_conv_1", gate=None,
                    excite="squeeze_excite_mul")

Activation = Union[str, Callable, None]


def squeeze_excite(x, squeezed: int, *, activation: Activation = "relu", gate: Activation = "sigmoid",
                   prefix: str = "", names: Names = EFFICIENTNET, kernel_initializer="glorot_uniform"):
    """``x`` times a per-channel gate computed from its spatial average.

    :param x: a channels-last feature map.
    :param squeezed: the channels of the bottleneck (EfficientNet: a quarter of the block's input
        channels; MobileNetV3: a quarter of the expanded channels, rounded to a multiple of 8).
    :param activation: the bottleneck's activation (``"swish"``, ``"relu"``; any Keras activation); in a
        layer of its own (``names.activation``), ``"relu"`` is a ``ReLU`` layer, anything else an ``Activation``.
    :param gate: the gating activation: ``"sigmoid"``, ``"hard_sigmoid"`` (``relu6(x + 3) / 6``), any
        Keras activation, or a callable applied to the expanding convolution's output (to build the gate
        from other layers).
    :param prefix: the block's name, prepended to every layer name (``"block2a_"``).
    :param names: the layer names' suffixes: :data:`EFFICIENTNET` or :data:`MOBILENETV3` (keras.applications').
    :param kernel_initializer: of both convolutions.
    :return: the gated feature map, ``x``'s shape.
    """
    if isinstance(squeezed, bool) or not isinstance(squeezed, int) or squeezed < 1:
        raise ValueError(f"squeezed={squeezed!r} is not allowed: it must be a positive integer (channels)")
    channels = x.shape[-1]
    if names.reshape is None:
        se = layers.GlobalAveragePooling2D(keepdims=True, name=prefix + names.pool)(x)
    else:
        se = layers.GlobalAveragePooling2D(name=prefix + names.pool)(x)
        se = layers.Reshape((1, 1, channels), name=prefix + names.reshape)(se)
    fused = activation if names.activation is None else None
    se = layers.Conv2D(squeezed, 1, padding="same", activation=fused, kernel_initializer=kernel_initializer,
                       name=prefix + names.reduce)(se)
    if names.activation is not None:  # a layer of its own; ReLU as keras.applications' MobileNetV3 writes it
        named = prefix + names.activation
        se = layers.ReLU(name=named)(se) if activation == "relu" else layers.Activation(activation, name=named)(se)
    fused = gate if names.gate is None and not callable(gate) else None
    se = layers.Conv2D(channels, 1, padding="same", activation=fused, kernel_initializer=kernel_initializer,
                       name=prefix + names.expand)(se)
    if names.gate is not None:
        se = layers.Activation(gate, name=prefix + names.gate)(se)
    elif callable(gate):
        se = gate(se)
    return layers.Multiply(name=prefix + names.excite)([x, se])
