"""MobileNetV3 (Howard et al. 2019) as a Keras functional model: one builder, :func:`build_mobilenetv3`.

The network is a table of inverted residual blocks found by architecture search
(:data:`BLOCKS`, the paper's tables 1 and 2): each block expands with a 1x1
convolution, filters with a 3x3 or 5x5 depthwise convolution, optionally
squeezes and excites, and projects linearly, with ReLU or hard-swish. The
``minimalistic`` models drop the advanced blocks (every kernel 3x3, no
squeeze-and-excitation, ReLU everywhere). Layer names and order are
keras.applications' (``conv``, ``expanded_conv_3_depthwise``,
``expanded_conv_3_squeeze_excite_conv``, ``conv_1``, ``conv_2``, ``logits``),
so weights saved from ``keras.applications.MobileNetV3Small`` and
``MobileNetV3Large`` load into it; the layers keras.applications leaves
unnamed (activations, the rescaling, the head's pooling) get fixed names here.
"""

import keras
from keras import layers

from zoo.kit import check_choice, check_range
from zoo.layers.heads import check_head, image_model
from zoo.layers.sizing import correct_pad, make_divisible
from zoo.layers.squeeze_excite import MOBILENETV3, squeeze_excite

BN = {"axis": -1, "momentum": 0.999}  # keras.applications' batch norm (its epsilon is the argument bn_epsilon)
SE_RATIO = 0.25  # the squeeze has a quarter of the expanded channels (rounded to a multiple of 8)
# (expansion, filters, kernel, stride, squeeze-and-excite, hard-swish) of every block. A minimalistic model
# has kernel 3, no squeeze-and-excitation and ReLU in every block (and ReLU in the stem and the head).
BLOCKS = {
    "large": ((1, 16, 3, 1, False, False), (4, 24, 3, 2, False, False), (3, 24, 3, 1, False, False),
              (3, 40, 5, 2, True, False), (3, 40, 5, 1, True, False), (3, 40, 5, 1, True, False),
              (6, 80, 3, 2, False, True), (2.5, 80, 3, 1, False, True), (2.3, 80, 3, 1, False, True),
              (2.3, 80, 3, 1, False, True), (6, 112, 3, 1, True, True), (6, 112, 3, 1, True, True),
              (6, 160, 5, 2, True, True), (6, 160, 5, 1, True, True), (6, 160, 5, 1, True, True)),
    "small": ((1, 16, 3, 2, True, False), (72 / 16, 24, 3, 2, False, False), (88 / 24, 24, 3, 1, False, False),
              (4, 40, 5, 2, True, True), (6, 40, 5, 1, True, True), (6, 40, 5, 1, True, True),
              (3, 48, 5, 1, True, True), (3, 48, 5, 1, True, True), (6, 96, 5, 2, True, True),
              (6, 96, 5, 1, True, True), (6, 96, 5, 1, True, True)),
}
LAST_POINT_CHANNELS = {"large": 1280, "small": 1024}  # the head's 1x1 convolution after pooling


def activation(x, hard_swish, name):
    """Hard-swish (``x * relu6(x + 3) / 6``) or ReLU."""
    if hard_swish:
        return layers.Activation("hard_swish", name=name)(x)
    return layers.ReLU(name=name)(x)


def hard_sigmoid_gate(prefix):
    """MobileNetV3's gate, ``relu6(x + 3) / 6``, as keras.applications writes it (a ReLU6 layer, then a scale)."""
    return lambda x: layers.ReLU(6.0, name=f"{prefix}squeeze_excite_relu6")(x + 3.0) * (1.0 / 6.0)


def inverted_residual_block(x, expansion, filters, kernel, stride, se, hard_swish, block_id, strided_padding,
                            bn_epsilon):
    """1x1 expansion (not in block 0), depthwise ``kernel``, squeeze-and-excitation, linear 1x1 projection;
    a residual when the shapes allow."""
    shortcut, in_channels = x, x.shape[-1]
    prefix = f"expanded_conv_{block_id}_" if block_id else "expanded_conv_"
    expanded = make_divisible(in_channels * expansion)
    if block_id:
        x = layers.Conv2D(expanded, 1, padding="same", use_bias=False, name=f"{prefix}expand")(x)
        x = layers.BatchNormalization(epsilon=bn_epsilon, **BN, name=f"{prefix}expand_bn")(x)
        x = activation(x, hard_swish, f"{prefix}expand_act")
    if stride == 2:
        padding = correct_pad(x, kernel) if strided_padding == "same" else kernel // 2
        x = layers.ZeroPadding2D(padding, name=f"{prefix}depthwise_pad")(x)
    x = layers.DepthwiseConv2D(kernel, strides=stride, padding="same" if stride == 1 else "valid", use_bias=False,
                               name=f"{prefix}depthwise")(x)
    x = layers.BatchNormalization(epsilon=bn_epsilon, **BN, name=f"{prefix}depthwise_bn")(x)
    x = activation(x, hard_swish, f"{prefix}depthwise_act")
    if se:
        x = squeeze_excite(x, make_divisible(expanded * SE_RATIO), activation="relu", gate=hard_sigmoid_gate(prefix),
                               prefix=prefix, names=MOBILENETV3)
    x = layers.Conv2D(filters, 1, padding="same", use_bias=False, name=f"{prefix}project")(x)
    x = layers.BatchNormalization(epsilon=bn_epsilon, **BN, name=f"{prefix}project_bn")(x)
    if stride == 1 and in_channels == filters:
        x = layers.Add(name=f"{prefix}add")([shortcut, x])
    return x


def build_mobilenetv3(*, input_shape, model_type, alpha, minimalistic, include_preprocessing, strided_padding,
                      bn_epsilon, **head):
    """MobileNetV3: a 3x3/2 convolution, the searched blocks, a 1x1 convolution, then the head.

    :param model_type: ``"large"`` (15 blocks) or ``"small"`` (11 blocks), :data:`BLOCKS`.
    :param alpha: width multiplier, > 0 (ImageNet weights exist for 0.75 and 1.0; minimalistic: 1.0).
    :param minimalistic: without the advanced blocks: every depthwise kernel 3x3, no squeeze-and-excitation,
        ReLU instead of hard-swish.
    :param include_preprocessing: a ``Rescaling`` layer first, so that the model takes pixels in [0, 255]
        (keras.applications' default); False: it takes them in [-1, 1].
    :param strided_padding: how the stride-2 convolutions pad: ``"same"`` (TensorFlow's: the extra row and
        column at the bottom and right, keras.applications) or ``"symmetric"`` (``kernel // 2`` on every
        side, as PyTorch's: torchvision, timm).
    :param bn_epsilon: batch-norm epsilon (keras.applications' and torchvision's 1e-3; timm's 1e-5).
    :param head: ``num_classes``, ``include_top``, ``pooling``, ``dropout`` (before the logits, 0.2),
        ``classifier_activation``, ``features`` (the feature maps at strides 4, 8, 16, 32 instead of a
        classifier): :mod:`zoo.layers.heads`.

    With the top, the head is keras.applications': global average pooling, a 1x1 convolution ``conv_2``
    (1280 or 1024 channels) and its activation, dropout, the 1x1 convolution ``logits``, ``predictions``.

    Example::

        >>> build_mobilenetv3(num_classes=10, input_shape=(64, 64, 3), include_top=True, pooling=None,
        ...                   model_type="small", alpha=0.75, minimalistic=False, include_preprocessing=True,
        ...                   strided_padding="same", bn_epsilon=1e-3, dropout=0.2, classifier_activation="softmax",
        ...                   features=False)
    """
    check_head(**head)
    check_choice("model_type", model_type, tuple(BLOCKS))
    check_range("alpha", alpha, 0.0, float("inf"), low_inclusive=False)
    check_choice("minimalistic", minimalistic, (False, True))
    check_choice("include_preprocessing", include_preprocessing, (False, True))
    check_choice("strided_padding", strided_padding, ("same", "symmetric"))
    check_range("bn_epsilon", bn_epsilon, 0.0, 1.0, low_inclusive=False)
    name = f"mobilenetv3{model_type}{'_minimalistic' if minimalistic else ''}_{alpha:0.2f}"
    advanced = not minimalistic

    # === Functional Model ===
    inputs = keras.Input(shape=input_shape, name="image")
    x = inputs
    if include_preprocessing:
        x = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0, name="rescaling")(x)
    padding = "same"
    if strided_padding == "symmetric":
        x, padding = layers.ZeroPadding2D(1, name="conv_pad")(x), "valid"
    x = layers.Conv2D(16, 3, strides=2, padding=padding, use_bias=False, name="conv")(x)
    x = layers.BatchNormalization(epsilon=bn_epsilon, **BN, name="conv_bn")(x)
    x = activation(x, advanced, "conv_act")
    stages, reduction = [], 2
    for block_id, (expansion, filters, kernel, stride, se, hard_swish) in enumerate(BLOCKS[model_type]):
        if stride > 1:
            stages += [x] if reduction >= 4 else []
            reduction *= stride
        x = inverted_residual_block(x, expansion, make_divisible(filters * alpha), kernel if advanced else 3, stride,
                                    se and advanced, hard_swish and advanced, block_id, strided_padding, bn_epsilon)
    x = layers.Conv2D(make_divisible(x.shape[-1] * 6), 1, padding="same", use_bias=False, name="conv_1")(x)
    x = layers.BatchNormalization(epsilon=bn_epsilon, **BN, name="conv_1_bn")(x)
    x = activation(x, advanced, "conv_1_act")
    stages.append(x)
    if not head["include_top"]:
        return image_model(inputs, x, stages, name=name, **head)
    last_point = LAST_POINT_CHANNELS[model_type]
    last_point = make_divisible(last_point * alpha) if alpha > 1.0 else last_point
    x = layers.GlobalAveragePooling2D(keepdims=True, name="avg_pool")(x)
    x = layers.Conv2D(last_point, 1, padding="same", use_bias=True, name="conv_2")(x)
    x = activation(x, advanced, "conv_2_act")
    if head["dropout"] > 0:
        x = layers.Dropout(head["dropout"], name="dropout")(x)
    # float32 from here on, so the outputs stay float32 under a mixed-precision policy
    x = layers.Conv2D(head["num_classes"], 1, padding="same", dtype="float32", name="logits")(x)
    x = layers.Flatten(dtype="float32", name="flatten")(x)
    x = layers.Activation(head["classifier_activation"], dtype="float32", name="predictions")(x)
    return keras.Model(inputs, x, name=name)


# --- PyTorch checkpoints (zoo.weights.convert) -------------------------------------------------------


def torch_module_names(arguments):
    """The PyTorch module of each layer as torchvision's MobileNetV3 names it: ``features.0`` the first
    convolution, ``features.{i + 1}`` block ``i`` (``block.0`` its expansion, then the depthwise
    convolution, ``fc1`` and ``fc2`` of the squeeze-and-excitation, the projection), the last 1x1
    convolution, and ``classifier.0`` and ``classifier.3``, the Linear layers that are ``conv_2`` and ``logits``.

    :param arguments: the build arguments (``model_type``, ``minimalistic``).
    :return: ``{Keras layer name: PyTorch module name}``.
    """
    names = {"conv": "features.0.0", "conv_bn": "features.0.1", "conv_2": "classifier.0", "logits": "classifier.3"}
    blocks = BLOCKS[arguments["model_type"]]
    for block_id, (_, _, _, _, se, _) in enumerate(blocks):
        ours, theirs = f"expanded_conv_{block_id}_" if block_id else "expanded_conv_", f"features.{block_id + 1}.block"
        modules = ["expand"] if block_id else []
        modules += ["depthwise"] + (["squeeze_excite"] if se and not arguments["minimalistic"] else []) + ["project"]
        for index, module in enumerate(modules):
            if module == "squeeze_excite":
                names.update({f"{ours}squeeze_excite_conv": f"{theirs}.{index}.fc1",
                              f"{ours}squeeze_excite_conv_1": f"{theirs}.{index}.fc2"})
            else:
                names.update({f"{ours}{module}": f"{theirs}.{index}.0", f"{ours}{module}_bn": f"{theirs}.{index}.1"})
    last = f"features.{len(blocks) + 1}"
    return {**names, "conv_1": f"{last}.0", "conv_1_bn": f"{last}.1"}


# timm's block modules (Keras suffix -> timm module): the first block, without expansion, is a
# ``DepthwiseSeparableConv``, the others ``InvertedResidual``s.
TIMM_SQUEEZE_EXCITE = {"squeeze_excite_conv": "se.conv_reduce", "squeeze_excite_conv_1": "se.conv_expand"}
TIMM_SEPARABLE = {"depthwise": "conv_dw", "depthwise_bn": "bn1", **TIMM_SQUEEZE_EXCITE, "project": "conv_pw",
                  "project_bn": "bn2"}
TIMM_INVERTED = {"expand": "conv_pw", "expand_bn": "bn1", "depthwise": "conv_dw", "depthwise_bn": "bn2",
                 **TIMM_SQUEEZE_EXCITE, "project": "conv_pwl", "project_bn": "bn3"}


def timm_module_names(arguments):
    """The PyTorch module of each layer as timm's MobileNetV3 (``mobilenetv3_large_100`` ...) names it:
    ``conv_stem`` and ``bn1``, ``blocks.{s}.{i}`` block ``i`` of stage ``s`` (a stage: the blocks of one
    width; :data:`TIMM_SEPARABLE`, :data:`TIMM_INVERTED`), then a stage of its own for the last 1x1
    convolution (``conv``, ``bn1``), ``conv_head`` (``conv_2``) and ``classifier`` (the Linear that is ``logits``).

    :param arguments: the build arguments (``model_type``).
    :return: ``{Keras layer name: PyTorch module name}``.
    """
    names, stage, index, width = {}, -1, 0, None
    for block_id, (_, filters, *_) in enumerate(BLOCKS[arguments["model_type"]]):
        stage, index = (stage, index + 1) if filters == width else (stage + 1, 0)
        width, prefix = filters, f"expanded_conv_{block_id}_" if block_id else "expanded_conv_"
        parts = TIMM_INVERTED if block_id else TIMM_SEPARABLE
        names.update({f"{prefix}{ours}": f"blocks.{stage}.{index}.{theirs}" for ours, theirs in parts.items()})
    last = f"blocks.{stage + 1}.0"
    return {"conv": "conv_stem", "conv_bn": "bn1", **names, "conv_1": f"{last}.conv", "conv_1_bn": f"{last}.bn1",
            "conv_2": "conv_head", "logits": "classifier"}
