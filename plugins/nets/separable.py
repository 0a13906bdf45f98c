"""Depthwise-separable networks as Keras functional models: MobileNet, MobileNetV2, Xception.

One generic builder per family (:func:`build_mobilenet`, :func:`build_mobilenetv2`,
:func:`build_xception`), each driven by a table of blocks. Layer names and
layer order are keras.applications' (``conv_dw_1``, ``block_1_expand``,
``block2_sepconv1``, ``predictions``), so weights saved from
``keras.applications.MobileNet``, ``MobileNetV2`` and ``Xception`` load into them.
"""

import keras
from keras import layers

from zoo.layers.heads import check_head, image_model
from zoo.checks import check_choice, check_range

# MobileNet (Howard et al. 2017, table 1): (pointwise filters, stride) of the 13 depthwise-separable blocks.
MOBILENET_BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1),
                    (512, 1), (512, 1), (1024, 2), (1024, 1))
# MobileNetV2 (Sandler et al. 2018, table 2): (expansion, filters, repeats, stride) per bottleneck stage.
MOBILENETV2_STAGES = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                      (6, 320, 1, 1))


def make_divisible(value, divisor=8):
    """``value`` rounded to a multiple of ``divisor``, never below 90% of it (MobileNetV2's rule)."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def correct_pad(x, kernel_size=3):
    """Zero padding before a stride-2 'valid' convolution that matches TensorFlow's 'same' (keras.applications)."""
    half = kernel_size // 2
    height, width = x.shape[1], x.shape[2]
    adjust = (1, 1) if height is None else (1 - height % 2, 1 - width % 2)
    return (half - adjust[0], half), (half - adjust[1], half)


def check_width(alpha, depth_multiplier=1):
    check_range("alpha", alpha, 0.0, float("inf"), low_inclusive=False)
    if isinstance(depth_multiplier, bool) or not isinstance(depth_multiplier, int) or depth_multiplier < 1:
        raise ValueError(f"depth_multiplier={depth_multiplier!r} is not allowed: it must be a positive integer")


# --- MobileNet ---------------------------------------------------------------------------------------------


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
        strides 4, 8, 16, 32 instead of a classifier): :mod:`zoo.heads`.

    The classifier is keras.applications': a 1x1 convolution ``conv_preds`` on the pooled features.

    Example::

        >>> build_mobilenet(num_classes=10, input_shape=(64, 64, 3), include_top=True, pooling=None,
        ...                 alpha=0.5, depth_multiplier=1, dropout=1e-3, classifier_activation="softmax",
        ...                 features=False)
    """
    check_head(**head)
    check_width(alpha, depth_multiplier)
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


# --- MobileNetV2 -------------------------------------------------------------------------------------------


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
        ``features`` (the feature maps at strides 4, 8, 16, 32 instead of a classifier): :mod:`zoo.heads`.

    Example::

        >>> build_mobilenetv2(num_classes=10, input_shape=(64, 64, 3), include_top=True, pooling=None,
        ...                   alpha=0.35, bn_epsilon=1e-3, strided_padding="same", dropout=0.2,
        ...                   classifier_activation="softmax", features=False)
    """
    check_head(**head)
    check_width(alpha)
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


# --- Xception ----------------------------------------------------------------------------------------------


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
        ``features`` (the feature maps at strides 4, 8, 16, 32 instead of a classifier): :mod:`zoo.heads`.

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
