"""MobileNetV2 as a Keras functional model: :func:`build_mobilenetv2`, driven by a table of stages.

Layer names and layer order are keras.applications' (``Conv1``, ``block_1_expand``, ``Conv_1``), so weights
saved from ``keras.applications.MobileNetV2`` load into it; :func:`mobilenetv2_torch_module_names` maps them to
torchvision's modules.
"""

import keras
from keras import layers

from zoo.kit import check_choice, check_range
from zoo.layers.heads import check_head, image_model
from zoo.layers.sizing import correct_pad, make_divisible

# MobileNetV2 (Sandler et al. 2018, table 2): (expansion, filters, repeats, stride) per bottleneck stage.
MOBILENETV2_STAGES = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                      (6, 320, 1, 1))


def inverted_residual_block(x, expansion, stride, filters, block_id, *, epsilon, strided_padding):
    """1x1 expansion (not in block 0), 3x3 depthwise, linear 1x1 projection; a residual when shapes allow."""
    inputs, in_channels = x, x.shape[-1]
    prefix = f"block_{block_id}_" if block_id else "expanded_conv_"
    if block_id:
        x = layers.Conv2D(expansion * in_channels, 1, padding="same", use_bias=False, name=f"{prefix}expand")(x)
        x = layers.BatchNormalization(axis=-1, epsilon=epsilon, momentum=0.999, name=f"{prefix}expand_BN")(x)
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(x)
    if stride == 2:
        x = layers.ZeroPadding2D(correct_pad(x) if strided_padding == "same" else 1, name=f"{prefix}pad")(x)
    x = layers.DepthwiseConv2D(3, strides=stride, use_bias=False, padding="same" if stride == 1 else "valid",
                               name=f"{prefix}depthwise")(x)
    x = layers.BatchNormalization(axis=-1, epsilon=epsilon, momentum=0.999, name=f"{prefix}depthwise_BN")(x)
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(x)
    x = layers.Conv2D(filters, 1, padding="same", use_bias=False, name=f"{prefix}project")(x)
    x = layers.BatchNormalization(axis=-1, epsilon=epsilon, momentum=0.999, name=f"{prefix}project_BN")(x)
    if in_channels == filters and stride == 1:
        return layers.Add(name=f"{prefix}add")([inputs, x])
    return x


def build_mobilenetv2(*, input_shape, alpha, bn_epsilon, strided_padding, **head):
    """MobileNetV2: a 3x3/2 convolution, 17 inverted residual blocks, a 1x1 convolution, then the head.

    :param alpha: width multiplier, > 0 (ImageNet weights exist for 0.35, 0.5, 0.75, 1.0, 1.3, 1.4).
    :param bn_epsilon: batch-norm epsilon (keras.applications: 1e-3; PyTorch: 1e-5).
    :param strided_padding: how the stride-2 convolutions (the first, and four depthwise) pad:
        ``"same"`` (TensorFlow's: the extra row and column at the bottom and right, keras.applications)
        or ``"symmetric"`` (one pixel on every side, as PyTorch's ``padding=1``: torchvision).
    :param head: ``num_classes``, ``include_top``, ``pooling``, ``dropout``, ``classifier_activation``,
        ``features`` (the feature maps at strides 4, 8, 16, 32 instead of a classifier): :mod:`zoo.layers.heads`.

    Example::

        >>> build_mobilenetv2(num_classes=10, input_shape=(64, 64, 3), include_top=True, pooling=None,
        ...                   alpha=0.35, bn_epsilon=1e-3, strided_padding="same", dropout=0.2,
        ...                   classifier_activation="softmax", features=False)
    """
    check_head(**head)
    check_range("alpha", alpha, 0.0, float("inf"), low_inclusive=False)
    check_range("bn_epsilon", bn_epsilon, 0.0, 1.0, low_inclusive=False)
    check_choice("strided_padding", strided_padding, ("same", "symmetric"))
    name = f"mobilenetv2_{alpha:0.2f}"

    # === Functional Model ===
    inputs = keras.Input(shape=input_shape, name="image")
    x, padding = inputs, "same"
    if strided_padding == "symmetric":
        x, padding = layers.ZeroPadding2D(1, name="Conv1_pad")(x), "valid"
    x = layers.Conv2D(make_divisible(32 * alpha), 3, strides=2, padding=padding, use_bias=False, name="Conv1")(x)
    x = layers.BatchNormalization(axis=-1, epsilon=bn_epsilon, momentum=0.999, name="bn_Conv1")(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    stages, reduction, block_id = [], 2, 0
    for expansion, filters, repeats, first_stride in MOBILENETV2_STAGES:
        for index in range(repeats):
            stride = first_stride if index == 0 else 1
            if stride > 1:
                stages += [x] if reduction >= 4 else []
                reduction *= stride
            x = inverted_residual_block(x, expansion, stride, make_divisible(int(filters * alpha)), block_id,
                                        epsilon=bn_epsilon, strided_padding=strided_padding)
            block_id += 1
    last_filters = make_divisible(1280 * alpha) if alpha > 1.0 else 1280  # no narrower than 1280 (the paper)
    x = layers.Conv2D(last_filters, 1, use_bias=False, name="Conv_1")(x)
    x = layers.BatchNormalization(axis=-1, epsilon=bn_epsilon, momentum=0.999, name="Conv_1_bn")(x)
    x = layers.ReLU(6.0, name="out_relu")(x)
    stages.append(x)
    return image_model(inputs, x, stages, name=name, **head)


def mobilenetv2_torch_module_names(arguments):
    """The PyTorch module of each layer as torchvision's MobileNetV2 names it: ``features.0`` the first
    convolution, ``features.{i + 1}`` block ``i`` (``conv.0.0`` its expansion ...), then the last 1x1
    convolution and ``classifier.1``.

    :param arguments: the build arguments (the block table is fixed).
    :return: ``{Keras layer name: PyTorch module name}``.
    """
    names = {"Conv1": "features.0.0", "bn_Conv1": "features.0.1", "predictions": "classifier.1"}
    names.update({"expanded_conv_depthwise": "features.1.conv.0.0", "expanded_conv_depthwise_BN": "features.1.conv.0.1",
                  "expanded_conv_project": "features.1.conv.1", "expanded_conv_project_BN": "features.1.conv.2"})
    blocks = sum(repeats for _, _, repeats, _ in MOBILENETV2_STAGES)
    for block_id in range(1, blocks):
        ours, theirs = f"block_{block_id}_", f"features.{block_id + 1}.conv"
        names.update({f"{ours}expand": f"{theirs}.0.0", f"{ours}expand_BN": f"{theirs}.0.1",
                      f"{ours}depthwise": f"{theirs}.1.0", f"{ours}depthwise_BN": f"{theirs}.1.1",
                      f"{ours}project": f"{theirs}.2", f"{ours}project_BN": f"{theirs}.3"})
    return {**names, "Conv_1": f"features.{blocks + 1}.0", "Conv_1_bn": f"features.{blocks + 1}.1"}
