"""EfficientNet (Tan and Le 2019) as a Keras functional model: one builder, :func:`build_efficientnet`.

The B0 network (found by architecture search) is a 3x3/2 stem, seven stages of MBConv blocks
with squeeze-and-excitation (:func:`zoo.layers.mbconv.mbconv`) and a 1x1 convolution to 1280
channels; B1...B7 scale its width, depth and input size by the compound coefficients. Layer
names and order are keras.applications' (``stem_conv``, ``block1a_dwconv``, ``block2a_se_reduce``,
``top_conv``, ``predictions``), so weights saved from ``keras.applications.EfficientNetB0`` ... ``B7``
(its ImageNet files too) load into it.

The input normalization is inside the model, as in keras.applications: raw pixels in [0, 255]
go in (``include_preprocessing=True``).
"""

import math

import keras
from keras import layers

from zoo.kit import check_choice, check_range
from zoo.layers.heads import check_head, image_model
from zoo.layers.mbconv import conv_bn, mbconv
from zoo.layers.padding import STRIDED_PADDINGS
from zoo.layers.preprocessing import InputNormalization
from zoo.layers.sizing import make_divisible

# EfficientNet-B0 (Tan and Le 2019, table 1): (kernel, repeats, input filters, output filters, expansion,
# stride, squeeze-and-excitation ratio) of the seven MBConv stages.
BLOCKS = ((3, 1, 32, 16, 1, 1, 0.25), (3, 2, 16, 24, 6, 2, 0.25), (5, 2, 24, 40, 6, 2, 0.25),
          (3, 3, 40, 80, 6, 2, 0.25), (5, 3, 80, 112, 6, 1, 0.25), (5, 4, 112, 192, 6, 2, 0.25),
          (3, 1, 192, 320, 6, 1, 0.25))
STEM_FILTERS, TOP_FILTERS = 32, 1280
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
# keras.applications' classifier initializer
DENSE_INITIALIZER = {"class_name": "VarianceScaling",
                     "config": {"scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform"}}
CLASSIFIER = ("predictions", "top_dropout")
# model names as keras.applications gives them, by (width, depth) coefficients
NAMES = {(1.0, 1.0): "efficientnetb0", (1.0, 1.1): "efficientnetb1", (1.1, 1.2): "efficientnetb2",
         (1.2, 1.4): "efficientnetb3", (1.4, 1.8): "efficientnetb4", (1.6, 2.2): "efficientnetb5",
         (1.8, 2.6): "efficientnetb6", (2.0, 3.1): "efficientnetb7"}


def round_repeats(repeats, depth):
    """``repeats`` scaled by ``depth``, rounded up."""
    return int(math.ceil(depth * repeats))


def preprocess(x, channels):
    """Raw pixels to normalized ones as keras.applications' ImageNet EfficientNet does: ``x / 255``, then
    :class:`InputNormalization` (whose ``variance`` weights hold the *standard deviations*, as in keras' files),
    then one more division by their square root, so that ``(x / 255 - mean) / std`` comes out."""
    x = layers.Rescaling(1.0 / 255.0, name="rescaling")(x)
    x = InputNormalization(mean=IMAGENET_MEAN, variance=IMAGENET_STD, name="normalization")(x)
    std = IMAGENET_STD if channels == len(IMAGENET_STD) else (sum(IMAGENET_STD) / len(IMAGENET_STD),) * channels
    return layers.Rescaling([1.0 / math.sqrt(s) for s in std], name="rescaling_1")(x)


def build_efficientnet(*, input_shape, width, depth, drop_connect_rate, depth_divisor, activation,
                       include_preprocessing, bn_epsilon, strided_padding, **head):
    """EfficientNet: a 3x3/2 stem, seven stages of MBConv blocks scaled by ``width`` and ``depth``, a 1x1
    convolution, then the head.

    :param width: the width coefficient (channels are scaled by it and rounded to ``depth_divisor``).
    :param depth: the depth coefficient (blocks per stage are scaled by it and rounded up).
    :param drop_connect_rate: stochastic depth of the last block; block ``i`` of ``n`` drops ``rate * i / n``.
    :param depth_divisor: channel counts are multiples of it (8).
    :param activation: of every block (``"swish"``).
    :param include_preprocessing: normalize raw [0, 255] pixels inside the model (keras.applications' model,
        whose ImageNet files hold the statistics); False: the input goes straight into the stem.
    :param bn_epsilon: batch-norm epsilon (keras.applications: 1e-3; torchvision's B0-B4: 1e-5).
    :param strided_padding: how the stride-2 convolutions pad: ``"same"`` (TensorFlow's, keras.applications)
        or ``"symmetric"`` (PyTorch's, torchvision).
    :param head: ``num_classes``, ``include_top``, ``pooling``, ``dropout`` (``top_dropout``, before the
        classifier), ``classifier_activation``, ``features`` (the feature maps at strides 4, 8, 16, 32
        instead of a classifier): :mod:`zoo.layers.heads`.

    Example::

        >>> build_efficientnet(num_classes=10, input_shape=(64, 64, 3), include_top=True, pooling=None,
        ...                    width=1.0, depth=1.0, drop_connect_rate=0.2, depth_divisor=8,
        ...                    activation="swish", include_preprocessing=True, bn_epsilon=1e-3,
        ...                    strided_padding="same", dropout=0.2, classifier_activation="softmax",
        ...                    features=False)
    """
    check_head(**head)
    check_range("width", width, 0.0, float("inf"), low_inclusive=False)
    check_range("depth", depth, 0.0, float("inf"), low_inclusive=False)
    check_range("drop_connect_rate", drop_connect_rate, 0.0, 1.0)
    check_range("bn_epsilon", bn_epsilon, 0.0, 1.0, low_inclusive=False)
    check_choice("include_preprocessing", include_preprocessing, (True, False))
    check_choice("strided_padding", strided_padding, STRIDED_PADDINGS)
    if isinstance(depth_divisor, bool) or not isinstance(depth_divisor, int) or depth_divisor < 1:
        raise ValueError(f"depth_divisor={depth_divisor!r} is not allowed: it must be a positive integer")
    layout = {"strided_padding": strided_padding, "pad_layer": True, "bn_epsilon": bn_epsilon, "bn_momentum": 0.99}
    name = NAMES.get((width, depth), f"efficientnet_w{width}_d{depth}")

    # === Functional Model ===
    inputs = keras.Input(shape=input_shape, name="image")
    x = preprocess(inputs, input_shape[-1]) if include_preprocessing else inputs
    x = conv_bn(x, make_divisible(STEM_FILTERS * width, depth_divisor), 3, strides=2, name="stem_conv",
                bn_name="stem_bn", activation=activation, activation_name="stem_activation", **layout)
    total = float(sum(round_repeats(stage[1], depth) for stage in BLOCKS))
    stages, reduction, index = [], 2, 0
    for stage, (kernel, repeats, _, filters, expansion, stride, se_ratio) in enumerate(BLOCKS, start=1):
        filters = make_divisible(filters * width, depth_divisor)
        for repeat in range(round_repeats(repeats, depth)):
            strides = stride if repeat == 0 else 1
            if strides > 1:
                stages += [x] if reduction >= 4 else []
                reduction *= strides
            x = mbconv(x, filters, kernel_size=kernel, strides=strides, expand_ratio=expansion, se_ratio=se_ratio,
                       activation=activation, drop_rate=drop_connect_rate * index / total,
                       prefix=f"block{stage}{chr(ord('a') + repeat)}_", **layout)
            index += 1
    x = conv_bn(x, make_divisible(TOP_FILTERS * width, depth_divisor), 1, name="top_conv", bn_name="top_bn",
                activation=activation, activation_name="top_activation", **layout)
    stages.append(x)
    if not head["include_top"]:
        return image_model(inputs, x, stages, name=name, **head)
    return keras.Model(inputs, top(x, **head), name=name)


def top(x, *, num_classes, dropout, classifier_activation, **_):
    """keras.applications' classifier: average pooling, ``top_dropout`` (when > 0), dense ``predictions``
    (float32, so the outputs stay float32 under mixed precision)."""
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if dropout > 0:
        x = layers.Dropout(dropout, name="top_dropout")(x)
    return layers.Dense(num_classes, activation=classifier_activation, kernel_initializer=DENSE_INITIALIZER,
                        dtype="float32", name="predictions")(x)


# --- PyTorch checkpoints (zoo.weights.convert) ------------------------------------------------------


def torch_module_names(arguments):
    """The PyTorch module of each layer as torchvision's EfficientNet names it: ``features.0`` the stem,
    ``features.{s}.{i}.block`` block ``i`` of stage ``s`` (``.0`` the expansion when there is one, then the
    depthwise convolution, the squeeze-and-excitation ``fc1``/``fc2`` and the projection), ``features.8``
    the last 1x1 convolution and ``classifier.1``.

    :param arguments: the build arguments (``depth``).
    :return: ``{Keras layer name: PyTorch module name}``.
    """
    depth = arguments["depth"]
    names = {"stem_conv": "features.0.0", "stem_bn": "features.0.1", "predictions": "classifier.1"}
    for stage, (_, repeats, _, _, expansion, _, _) in enumerate(BLOCKS, start=1):
        for repeat in range(round_repeats(repeats, depth)):
            ours, theirs = f"block{stage}{chr(ord('a') + repeat)}_", f"features.{stage}.{repeat}.block"
            parts = ["expand"] if expansion != 1 else []
            parts += ["dwconv", "se", "project"]
            for position, part in enumerate(parts):
                module = f"{theirs}.{position}"
                if part == "se":
                    names.update({f"{ours}se_reduce": f"{module}.fc1", f"{ours}se_expand": f"{module}.fc2"})
                elif part == "dwconv":
                    names.update({f"{ours}dwconv": f"{module}.0", f"{ours}bn": f"{module}.1"})
                else:
                    names.update({f"{ours}{part}_conv": f"{module}.0", f"{ours}{part}_bn": f"{module}.1"})
    last = len(BLOCKS) + 1
    return {**names, "top_conv": f"features.{last}.0", "top_bn": f"features.{last}.1"}


# timm's EfficientNets (``efficientnet_b0``, ``tf_efficientnet_b0``, ``tf_efficientnetv2_s`` ...) name the stem,
# the last 1x1 convolution and the classifier alike, and a block's modules by its kind: a block without
# expansion is a ``DepthwiseSeparableConv``, one with it an ``InvertedResidual`` (Keras suffix -> timm module).
TIMM_ENDS = {"stem_conv": "conv_stem", "stem_bn": "bn1", "top_conv": "conv_head", "top_bn": "bn2",
             "predictions": "classifier"}
TIMM_SQUEEZE_EXCITE = {"se_reduce": "se.conv_reduce", "se_expand": "se.conv_expand"}
TIMM_SEPARABLE = {"dwconv": "conv_dw", "bn": "bn1", **TIMM_SQUEEZE_EXCITE, "project_conv": "conv_pw",
                  "project_bn": "bn2"}
TIMM_INVERTED = {"expand_conv": "conv_pw", "expand_bn": "bn1", "dwconv": "conv_dw", "bn": "bn2",
                 **TIMM_SQUEEZE_EXCITE, "project_conv": "conv_pwl", "project_bn": "bn3"}


def timm_blocks(stages):
    """The timm module of every block layer: ``blocks.{s}.{i}.{module}`` for block ``i`` of stage ``s``.

    :param stages: per stage, its number of blocks and its parts (``{Keras suffix: timm module}``).
    :return: ``{Keras layer name: PyTorch module name}``, the blocks named ``block1a_`` ... as keras.applications.
    """
    return {f"block{stage + 1}{chr(ord('a') + index)}_{ours}": f"blocks.{stage}.{index}.{theirs}"
            for stage, (repeats, parts) in enumerate(stages) for index in range(repeats)
            for ours, theirs in parts.items()}


def timm_module_names(arguments):
    """The PyTorch module of each layer as timm's EfficientNet names it: ``conv_stem`` and ``bn1``,
    ``blocks.{s}.{i}`` block ``i`` of stage ``s`` (:data:`TIMM_SEPARABLE`, :data:`TIMM_INVERTED`),
    ``conv_head`` and ``bn2``, ``classifier``.

    :param arguments: the build arguments (``depth``).
    :return: ``{Keras layer name: PyTorch module name}``.
    """
    stages = [(round_repeats(repeats, arguments["depth"]), TIMM_INVERTED if expansion != 1 else TIMM_SEPARABLE)
              for _, repeats, _, _, expansion, _, _ in BLOCKS]
    return {**TIMM_ENDS, **timm_blocks(stages)}
