"""Xception as a Keras functional model: :func:`build_xception`, entry, middle and exit flows.

Layer names and layer order are keras.applications' (``block1_conv1``, ``block2_sepconv1``, ``predictions``),
so weights saved from ``keras.applications.Xception`` load into it.
"""

import keras
from keras import layers

from zoo.layers.heads import check_head, image_model


def separable_bn(x, filters, name, *, relu_first):
    """(ReLU,) 3x3 separable convolution and batch norm, named ``{name}_act``, ``{name}``, ``{name}_bn``."""
    if relu_first:
        x = layers.Activation("relu", name=f"{name}_act")(x)
    x = layers.SeparableConv2D(filters, 3, padding="same", use_bias=False, name=name)(x)
    return layers.BatchNormalization(axis=-1, name=f"{name}_bn")(x)


def xception_down_block(x, widths, block, *, relu_first=True):
    """Separable convolutions and 3x3/2 max pooling, added to a strided 1x1 projection of the input."""
    residual = layers.Conv2D(widths[-1], 1, strides=2, padding="same", use_bias=False,
                             name=f"block{block}_residual_conv")(x)
    residual = layers.BatchNormalization(axis=-1, name=f"block{block}_residual_bn")(residual)
    for index, filters in enumerate(widths, start=1):
        x = separable_bn(x, filters, f"block{block}_sepconv{index}", relu_first=relu_first or index > 1)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name=f"block{block}_pool")(x)
    return layers.Add(name=f"block{block}_add")([x, residual])


def build_xception(*, input_shape, entry_widths, middle_blocks, middle_width, exit_widths, head_widths, **head):
    """Xception: entry flow, ``middle_blocks`` residual separable blocks, exit flow, then the head.

    :param entry_widths: filters of the entry flow's downsampling blocks, ``(128, 256, 728)``.
    :param middle_blocks: number of middle-flow blocks (8), each three separable convolutions of ``middle_width``.
    :param exit_widths: the last downsampling block's two separable convolutions, ``(728, 1024)``.
    :param head_widths: the two separable convolutions after it, ``(1536, 2048)``.
    :param head: ``num_classes``, ``include_top``, ``pooling``, ``dropout``, ``classifier_activation``,
        ``features`` (the feature maps at strides 4, 8, 16, 32 instead of a classifier): :mod:`zoo.layers.heads`.

    Example::

        >>> build_xception(num_classes=10, input_shape=(96, 96, 3), include_top=True, pooling=None,
        ...                entry_widths=(128, 256, 728), middle_blocks=4, middle_width=728,
        ...                exit_widths=(728, 1024), head_widths=(1536, 2048), dropout=0.0,
        ...                classifier_activation="softmax", features=False)
    """
    check_head(**head)
    if isinstance(middle_blocks, bool) or not isinstance(middle_blocks, int) or middle_blocks < 0:
        raise ValueError(f"middle_blocks={middle_blocks!r} is not allowed: it must be an integer >= 0")

    # === Functional Model ===
    inputs = keras.Input(shape=input_shape, name="image")
    x = layers.Conv2D(32, 3, strides=2, use_bias=False, name="block1_conv1")(inputs)
    x = layers.BatchNormalization(axis=-1, name="block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, 3, use_bias=False, name="block1_conv2")(x)
    x = layers.BatchNormalization(axis=-1, name="block1_conv2_bn")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(x)
    stages = []
    for block, width in enumerate(entry_widths, start=2):
        x = xception_down_block(x, (width, width), block, relu_first=block > 2)
        stages.append(x)  # strides 4, 8, then 16 (replaced by the middle flow's output)
    for block in range(len(entry_widths) + 2, len(entry_widths) + 2 + middle_blocks):
        residual = x
        for index in (1, 2, 3):
            x = separable_bn(x, middle_width, f"block{block}_sepconv{index}", relu_first=True)
        x = layers.Add(name=f"block{block}_add")([x, residual])
    stages[-1] = x
    block = len(entry_widths) + 2 + middle_blocks
    x = xception_down_block(x, exit_widths, block)
    for index, filters in enumerate(head_widths, start=1):
        x = layers.SeparableConv2D(filters, 3, padding="same", use_bias=False,
                                   name=f"block{block + 1}_sepconv{index}")(x)
        x = layers.BatchNormalization(axis=-1, name=f"block{block + 1}_sepconv{index}_bn")(x)
        x = layers.Activation("relu", name=f"block{block + 1}_sepconv{index}_act")(x)
    stages.append(x)
    return image_model(inputs, x, stages, name="xception", **head)
