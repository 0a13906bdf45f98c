"""MBConv and fused MBConv: the inverted residual blocks of EfficientNet and EfficientNetV2.

:func:`mbconv` (Sandler et al. 2018; Tan and Le 2019): a 1x1 expansion, a kxk depthwise convolution,
squeeze-and-excitation, a linear 1x1 projection, and the input added back (through stochastic
depth) when the shapes allow. :func:`fused_mbconv` (Tan and Le 2021, EfficientNetV2): the
expansion and the depthwise convolution fused into one kxk convolution.

Layer names are keras.applications' (``block2a_expand_conv``, ``block2a_dwconv``,
``block2a_se_reduce``, ``block2a_project_bn``, ``block2a_drop``, ``block2a_add``), so its
EfficientNet and EfficientNetV2 weights load into models built from these blocks. Where
keras.applications drops the residual branch with ``Dropout(noise_shape=(None, 1, 1, 1))``,
the blocks use :class:`zoo.layers.drop.StochasticDepth` (the same operation, no weights) under
the same name.

Example::

    >>> x = mbconv(x, 24, kernel_size=3, strides=2, expand_ratio=6, se_ratio=0.25, prefix="block2a_")
    >>> x = fused_mbconv(x, 48, kernel_size=3, strides=2, expand_ratio=4, prefix="block2a_")
"""

from __future__ import annotations

from keras import layers

from zoo.checks import check_range
from zoo.layers.drop import StochasticDepth
from zoo.layers.padding import strided_pad
from zoo.layers.squeeze_excite import EFFICIENTNET, squeeze_excite

# keras.applications' EfficientNet initializers: He-like for convolutions (fan out, truncated normal).
CONV_INITIALIZER = {"class_name": "VarianceScaling",
                    "config": {"scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"}}


def conv_bn(x, filters, kernel_size, *, strides=1, name, bn_name, activation=None, activation_name=None,
            depthwise=False, strided_padding="same", pad_layer=False, bn_epsilon=1e-3, bn_momentum=0.99):
    """A convolution without bias (or a depthwise one), batch norm, and an activation when one is named.

    :param strided_padding: how a strided convolution pads: ``"same"`` (TensorFlow's) or ``"symmetric"``
        (PyTorch's ``k // 2``), see :mod:`zoo.layers.padding`.
    :param pad_layer: pad a strided convolution in a ``ZeroPadding2D`` layer ``{name}_pad`` (keras.applications'
        EfficientNet) rather than with the convolution's own ``"same"``; ``"symmetric"`` always uses the layer.
    """
    padding = "same"
    if strides > 1 and (pad_layer or strided_padding != "same"):
        x, padding = strided_pad(x, kernel_size, strided_padding, name=f"{name}_pad"), "valid"
    if depthwise:
        x = layers.DepthwiseConv2D(kernel_size, strides=strides, padding=padding, use_bias=False,
                                   depthwise_initializer=CONV_INITIALIZER, name=name)(x)
    else:
        x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, use_bias=False,
                          kernel_initializer=CONV_INITIALIZER, name=name)(x)
    x = layers.BatchNormalization(axis=-1, momentum=bn_momentum, epsilon=bn_epsilon, name=bn_name)(x)
    if activation_name is not None:
        x = layers.Activation(activation, name=activation_name)(x)
    return x


def _residual(x, inputs, strides, drop_rate, prefix):
    """``x`` plus the block's input when the shapes allow, the branch dropped per example at ``drop_rate``."""
    if strides != 1 or inputs.shape[-1] != x.shape[-1]:
        return x
    if drop_rate > 0:
        x = StochasticDepth(drop_rate, name=f"{prefix}drop")(x)
    return layers.Add(name=f"{prefix}add")([x, inputs])


def mbconv(x, filters, *, kernel_size=3, strides=1, expand_ratio=1, se_ratio=0.0, activation="swish",
           drop_rate=0.0, prefix="", dwconv_name="dwconv", **layout):
    """The mobile inverted bottleneck (MBConv) with squeeze-and-excitation.

    :param filters: output channels.
    :param kernel_size: of the depthwise convolution (3 or 5).
    :param strides: of the depthwise convolution (1 or 2).
    :param expand_ratio: the 1x1 expansion's channels over the input's (1: no expansion layer).
    :param se_ratio: squeeze-and-excitation bottleneck over the block's *input* channels (0: none).
    :param activation: after the expansion, the depthwise convolution and in the SE bottleneck.
    :param drop_rate: stochastic depth of the residual branch.
    :param prefix: the block's name, ``"block2a_"``.
    :param dwconv_name: the depthwise convolution's name (``"dwconv"``; EfficientNetV2's ``"dwconv2"``).
    :param layout: ``strided_padding``, ``pad_layer``, ``bn_epsilon``, ``bn_momentum`` (:func:`conv_bn`).
    """
    check_range("drop_rate", drop_rate, 0.0, 1.0)
    inputs, channels = x, x.shape[-1]
    expanded = channels * expand_ratio
    if expand_ratio != 1:
        x = conv_bn(x, expanded, 1, name=f"{prefix}expand_conv", bn_name=f"{prefix}expand_bn",
                    activation=activation, activation_name=f"{prefix}expand_activation", **layout)
    x = conv_bn(x, expanded, kernel_size, strides=strides, depthwise=True, name=f"{prefix}{dwconv_name}",
                bn_name=f"{prefix}bn", activation=activation, activation_name=f"{prefix}activation", **layout)
    if 0 < se_ratio <= 1:
        x = squeeze_excite(x, max(1, int(channels * se_ratio)), activation=activation, gate="sigmoid",
                           prefix=prefix, names=EFFICIENTNET, kernel_initializer=CONV_INITIALIZER)
    x = conv_bn(x, filters, 1, name=f"{prefix}project_conv", bn_name=f"{prefix}project_bn", **layout)
    return _residual(x, inputs, strides, drop_rate, prefix)


def fused_mbconv(x, filters, *, kernel_size=3, strides=1, expand_ratio=1, se_ratio=0.0, activation="swish",
                 drop_rate=0.0, prefix="", **layout):
    """Fused MBConv (EfficientNetV2): one kxk convolution instead of the expansion and the depthwise one.

    With ``expand_ratio`` 1 the block is that kxk convolution alone (``project_conv``, with its
    activation ``project_activation``); otherwise a kxk expansion (``expand_conv``) and a linear 1x1
    projection. The arguments are :func:`mbconv`'s.
    """
    check_range("drop_rate", drop_rate, 0.0, 1.0)
    inputs, channels = x, x.shape[-1]
    expanded = channels * expand_ratio
    if expand_ratio != 1:
        x = conv_bn(x, expanded, kernel_size, strides=strides, name=f"{prefix}expand_conv",
                    bn_name=f"{prefix}expand_bn", activation=activation,
                    activation_name=f"{prefix}expand_activation", **layout)
    if 0 < se_ratio <= 1:
        x = squeeze_excite(x, max(1, int(channels * se_ratio)), activation=activation, gate="sigmoid",
                           prefix=prefix, names=EFFICIENTNET, kernel_initializer=CONV_INITIALIZER)
    single = expand_ratio == 1
    x = conv_bn(x, filters, kernel_size if single else 1, strides=strides if single else 1,
                name=f"{prefix}project_conv", bn_name=f"{prefix}project_bn", activation=activation,
                activation_name=f"{prefix}project_activation" if single else None, **layout)
    return _residual(x, inputs, strides, drop_rate, prefix)
