"""MobileNet v1 as a Keras functional model: :func:`build_mobilenet`, driven by a table of blocks.

Layer names and layer order are keras.applications' (``conv1``, ``conv_dw_1``, ``conv_preds``), so weights
saved from ``keras.applications.MobileNet`` load into it.
"""

import keras
from keras import layers

from zoo.kit import check_integer, check_range
from zoo.layers.heads import check_head, image_model

# MobileNet (Howard et al. 2017, table 1): (pointwise filters, stride) of the 13 depthwise-separable blocks.
MOBILENET_BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1),
                    (512, 1), (512, 1), (1024, 2), (1024, 1))


def depthwise_block(x, filters, stride, depth_multiplier, block_id):
    """3x3 depthwise and 1x1 pointwise convolutions, each with batch norm and ReLU6."""
    padding = "same"
    if stride > 1:
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
        padding = "valid"
    x = layers.DepthwiseConv2D(3, strides=stride, padding=padding, depth_multiplier=depth_multiplier,
                               use_bias=False, name=f"conv_dw_{block_id}")(x)
    x = layers.BatchNormalization(axis=-1, name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(filters, 1, padding="same", use_bias=False, name=f"conv_pw_{block_id}")(x)
    x = layers.BatchNormalization(axis=-1, name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


def build_mobilenet(*, input_shape, alpha, depth_multiplier, **head):
    """MobileNet v1: a 3x3/2 convolution, 13 depthwise-separable blocks, then the head.

    :param alpha: width multiplier, > 0 (ImageNet weights exist for 0.25, 0.5, 0.75, 1.0).
    :param depth_multiplier: channels each depthwise convolution makes per input channel.
    :param head: ``num_classes``, ``include_top``, ``pooling``, ``dropout`` (before the classifier,
        keras.applications' default 1e-3), ``classifier_activation``, ``features`` (the feature maps at
        strides 4, 8, 16, 32 instead of a classifier): :mod:`zoo.layers.heads`.

    The classifier is keras.applications': a 1x1 convolution ``conv_preds`` on the pooled features.

    Example::

        >>> build_mobilenet(num_classes=10, input_shape=(64, 64, 3), include_top=True, pooling=None,
        ...                 alpha=0.5, depth_multiplier=1, dropout=1e-3, classifier_activation="softmax",
        ...                 features=False)
    """
    check_head(**head)
    check_range("alpha", alpha, 0.0, float("inf"), low_inclusive=False)
    check_integer("depth_multiplier", depth_multiplier)
    name = f"mobilenet_{alpha:0.2f}"

    # === Functional Model ===
    inputs = keras.Input(shape=input_shape, name="image")
    x = layers.Conv2D(int(32 * alpha), 3, strides=2, padding="same", use_bias=False, name="conv1")(inputs)
    x = layers.BatchNormalization(axis=-1, name="conv1_bn")(x)
    x = layers.ReLU(6.0, name="conv1_relu")(x)
    stages, reduction = [], 2
    for block_id, (filters, stride) in enumerate(MOBILENET_BLOCKS, start=1):
        if stride > 1:
            stages += [x] if reduction >= 4 else []
            reduction *= stride
        x = depthwise_block(x, int(filters * alpha), stride, depth_multiplier, block_id)
    stages.append(x)
    if not head["include_top"]:
        return image_model(inputs, x, stages, name=name, **head)
    x = layers.GlobalAveragePooling2D(keepdims=True, name="avg_pool")(x)
    x = layers.Dropout(head["dropout"], name="dropout")(x)
    # float32 from here on, so the outputs stay float32 under a mixed-precision policy
    x = layers.Conv2D(head["num_classes"], 1, padding="same", dtype="float32", name="conv_preds")(x)
    x = layers.Reshape((head["num_classes"],), dtype="float32", name="reshape_2")(x)
    x = layers.Activation(head["classifier_activation"], dtype="float32", name="predictions")(x)
    return keras.Model(inputs, x, name=name)
