"""EfficientNetV2 (Tan and Le 2021) as a Keras functional model: one builder, :func:`build_efficientnetv2`.

A 3x3/2 stem, stages of fused MBConv blocks (early, where depthwise convolutions are slow) then
MBConv blocks with squeeze-and-excitation (:mod:`zoo.layers.mbconv`), a 1x1 convolution to 1280
channels, then the head. The stage tables are the paper's (S, M, L; table 4 and appendix) and
keras.applications' (B0...B3, scaled by width and depth coefficients). Layer names and order are
keras.applications' (``stem_conv``, ``block1a_project_conv``, ``block4a_dwconv2``, ``top_conv``,
``predictions``), so weights saved from ``keras.applications.EfficientNetV2B0`` ... ``EfficientNetV2L``
(its ImageNet files too) load into it.

The input scaling is inside the model, as in keras.applications (``include_preprocessing=True``):
raw pixels in [0, 255] go in; ``preprocessing_mode`` says how they are scaled.
"""

import math

import keras
from keras import layers

from zoo.kit import check_choice, check_range
from zoo.layers.heads import check_head, image_model
from zoo.layers.mbconv import conv_bn, fused_mbconv, mbconv
from zoo.layers.padding import STRIDED_PADDINGS
from zoo.layers.preprocessing import InputNormalization

from .efficientnet import IMAGENET_MEAN, IMAGENET_STD, TIMM_ENDS, TIMM_INVERTED, timm_blocks, top

# (block, kernel, repeats, input filters, output filters, expansion, stride, squeeze-and-excitation ratio)
# per stage; "fused" is fused MBConv.
B_STAGES = (("fused", 3, 1, 32, 16, 1, 1, 0.0), ("fused", 3, 2, 16, 32, 4, 2, 0.0),
            ("fused", 3, 2, 32, 48, 4, 2, 0.0), ("mbconv", 3, 3, 48, 96, 4, 2, 0.25),
            ("mbconv", 3, 5, 96, 112, 6, 1, 0.25), ("mbconv", 3, 8, 112, 192, 6, 2, 0.25))
STAGES = {
    "b": B_STAGES,
    "s": (("fused", 3, 2, 24, 24, 1, 1, 0.0), ("fused", 3, 4, 24, 48, 4, 2, 0.0), ("fused", 3, 4, 48, 64, 4, 2, 0.0),
          ("mbconv", 3, 6, 64, 128, 4, 2, 0.25), ("mbconv", 3, 9, 128, 160, 6, 1, 0.25),
          ("mbconv", 3, 15, 160, 256, 6, 2, 0.25)),
    "m": (("fused", 3, 3, 24, 24, 1, 1, 0.0), ("fused", 3, 5, 24, 48, 4, 2, 0.0), ("fused", 3, 5, 48, 80, 4, 2, 0.0),
          ("mbconv", 3, 7, 80, 160, 4, 2, 0.25), ("mbconv", 3, 14, 160, 176, 6, 1, 0.25),
          ("mbconv", 3, 18, 176, 304, 6, 2, 0.25), ("mbconv", 3, 5, 304, 512, 6, 1, 0.25)),
    "l": (("fused", 3, 4, 32, 32, 1, 1, 0.0), ("fused", 3, 7, 32, 64, 4, 2, 0.0), ("fused", 3, 7, 64, 96, 4, 2, 0.0),
          ("mbconv", 3, 10, 96, 192, 4, 2, 0.25), ("mbconv", 3, 19, 192, 224, 6, 1, 0.25),
          ("mbconv", 3, 25, 224, 384, 6, 2, 0.25), ("mbconv", 3, 7, 384, 640, 6, 1, 0.25)),
}
TOP_FILTERS = 1280
# keras.applications' input scaling: "torch" ImageNet mean and std of [0, 1] pixels (the B variants),
# "tf" [-1, 1] (S, M, L, and any image without 3 channels)
PREPROCESSING_MODES = ("torch", "tf")
# model names as keras.applications gives them
NAMES = {("b", 1.0, 1.0): "efficientnetv2-b0", ("b", 1.0, 1.1): "efficientnetv2-b1",
         ("b", 1.1, 1.2): "efficientnetv2-b2", ("b", 1.2, 1.4): "efficientnetv2-b3",
         ("s", 1.0, 1.0): "efficientnetv2-s", ("m", 1.0, 1.0): "efficientnetv2-m", ("l", 1.0, 1.0): "efficientnetv2-l"}


def round_filters(filters, width, divisor=8):
    """``filters`` scaled by ``width``, rounded to the nearest multiple of ``divisor`` (at least ``divisor``)."""
    return int(max(divisor, int(filters * width + divisor / 2) // divisor * divisor))


def round_repeats(repeats, depth):
    """``repeats`` scaled by ``depth``, rounded up."""
    return int(math.ceil(depth * repeats))


def preprocess(x, mode):
    """Raw [0, 255] pixels scaled as keras.applications' EfficientNetV2: ``"torch"``, ``x / 255`` normalized
    by ImageNet's mean and standard deviation (only for 3 channels); ``"tf"`` (or another number of channels),
    ``x / 128 - 1``."""
    if mode == "torch" and x.shape[-1] == len(IMAGENET_MEAN):
        x = layers.Rescaling(1.0 / 255, name="rescaling")(x)
        return InputNormalization(mean=IMAGENET_MEAN, variance=[s**2 for s in IMAGENET_STD], fixed=True,
                                  name="normalization")(x)
    return layers.Rescaling(1.0 / 128.0, offset=-1, name="rescaling")(x)


def build_efficientnetv2(*, input_shape, stages, width, depth, drop_connect_rate, depth_divisor, activation,
                         include_preprocessing, preprocessing_mode, bn_epsilon, strided_padding, **head):
    """EfficientNetV2: a 3x3/2 stem, fused MBConv then MBConv stages, a 1x1 convolution, then the head.

    :param stages: the stage table: ``"b"`` (B0, scaled by ``width`` and ``depth`` for B1...B3), ``"s"``,
        ``"m"`` or ``"l"``.
    :param width: the width coefficient (channels are scaled by it and rounded to ``depth_divisor``).
    :param depth: the depth coefficient (blocks per stage are scaled by it and rounded up).
    :param drop_connect_rate: stochastic depth of the last block; block ``i`` of ``n`` drops ``rate * i / n``.
    :param depth_divisor: channel counts are multiples of it (8).
    :param activation: of every block (``"swish"``).
    :param include_preprocessing: scale raw [0, 255] pixels inside the model (keras.applications' default);
        False: the input goes straight into the stem.
    :param preprocessing_mode: ``"torch"`` (ImageNet mean and std, the B variants) or ``"tf"`` ([-1, 1],
        S, M, L).
    :param bn_epsilon: batch-norm epsilon (1e-3, keras.applications' and torchvision's).
    :param strided_padding: how the stride-2 convolutions pad: ``"same"`` (TensorFlow's, keras.applications)
        or ``"symmetric"`` (PyTorch's, torchvision).
    :param head: ``num_classes``, ``include_top``, ``pooling``, ``dropout`` (``top_dropout``, before the
        classifier), ``classifier_activation``, ``features`` (the feature maps at strides 4, 8, 16, 32
        instead of a classifier): :mod:`zoo.layers.heads`.

    Example::

        >>> build_efficientnetv2(num_classes=10, input_shape=(64, 64, 3), include_top=True, pooling=None,
        ...                      stages="b", width=1.0, depth=1.0, drop_connect_rate=0.2, depth_divisor=8,
        ...                      activation="swish", include_preprocessing=True, preprocessing_mode="torch",
        ...                      bn_epsilon=1e-3, strided_padding="same", dropout=0.2,
        ...                      classifier_activation="softmax", features=False)
    """
    check_head(**head)
    check_choice("stages", stages, tuple(STAGES))
    check_range("width", width, 0.0, float("inf"), low_inclusive=False)
    check_range("depth", depth, 0.0, float("inf"), low_inclusive=False)
    check_range("drop_connect_rate", drop_connect_rate, 0.0, 1.0)
    check_range("bn_epsilon", bn_epsilon, 0.0, 1.0, low_inclusive=False)
    check_choice("include_preprocessing", include_preprocessing, (True, False))
    check_choice("preprocessing_mode", preprocessing_mode, PREPROCESSING_MODES)
    check_choice("strided_padding", strided_padding, STRIDED_PADDINGS)
    if isinstance(depth_divisor, bool) or not isinstance(depth_divisor, int) or depth_divisor < 1:
        raise ValueError(f"depth_divisor={depth_divisor!r} is not allowed: it must be a positive integer")
    layout = {"strided_padding": strided_padding, "pad_layer": False, "bn_epsilon": bn_epsilon, "bn_momentum": 0.9}
    table = STAGES[stages]
    name = NAMES.get((stages, width, depth), f"efficientnetv2-{stages}_w{width}_d{depth}")

    # === Functional Model ===
    inputs = keras.Input(shape=input_shape, name="image")
    x = preprocess(inputs, preprocessing_mode) if include_preprocessing else inputs
    x = conv_bn(x, round_filters(table[0][3], width, depth_divisor), 3, strides=2, name="stem_conv",
                bn_name="stem_bn", activation=activation, activation_name="stem_activation", **layout)
    total = float(sum(round_repeats(stage[2], depth) for stage in table))
    features, reduction, index = [], 2, 0
    for stage, (kind, kernel, repeats, _, filters, expansion, stride, se_ratio) in enumerate(table, start=1):
        block = fused_mbconv if kind == "fused" else mbconv
        extra = {} if kind == "fused" else {"dwconv_name": "dwconv2"}
        filters = round_filters(filters, width, depth_divisor)
        for repeat in range(round_repeats(repeats, depth)):
            strides = stride if repeat == 0 else 1
            if strides > 1:
                features += [x] if reduction >= 4 else []
                reduction *= strides
            x = block(x, filters, kernel_size=kernel, strides=strides, expand_ratio=expansion, se_ratio=se_ratio,
                      activation=activation, drop_rate=drop_connect_rate * index / total,
                      prefix=f"block{stage}{chr(ord('a') + repeat)}_", **extra, **layout)
            index += 1
    x = conv_bn(x, round_filters(TOP_FILTERS, width, depth_divisor), 1, name="top_conv", bn_name="top_bn",
                activation=activation, activation_name="top_activation", **layout)
    features.append(x)
    if not head["include_top"]:
        return image_model(inputs, x, features, name=name, **head)
    return keras.Model(inputs, top(x, **head), name=name)


# --- PyTorch checkpoints (zoo.weights.convert) ------------------------------------------------------


def torch_module_names(arguments):
    """The PyTorch module of each layer as torchvision's EfficientNetV2 names it: ``features.0`` the stem,
    ``features.{s}.{i}.block`` block ``i`` of stage ``s`` (fused: the kxk convolution, then the 1x1 projection
    when expanded; MBConv: expansion, depthwise convolution, squeeze-and-excitation ``fc1``/``fc2``,
    projection), the last 1x1 convolution and ``classifier.1``.

    :param arguments: the build arguments (``stages``, ``depth``).
    :return: ``{Keras layer name: PyTorch module name}``.
    """
    table = STAGES[arguments["stages"]]
    names = {"stem_conv": "features.0.0", "stem_bn": "features.0.1", "predictions": "classifier.1"}
    for stage, (kind, _, repeats, _, _, expansion, _, se_ratio) in enumerate(table, start=1):
        for repeat in range(round_repeats(repeats, arguments["depth"])):
            ours, theirs = f"block{stage}{chr(ord('a') + repeat)}_", f"features.{stage}.{repeat}.block"
            if kind == "fused":
                parts = ["expand", "project"] if expansion != 1 else ["project"]
            else:
                parts = ["expand"] * (expansion != 1) + ["dwconv2"] + ["se"] * (se_ratio > 0) + ["project"]
            for position, part in enumerate(parts):
                module = f"{theirs}.{position}"
                if part == "se":
                    names.update({f"{ours}se_reduce": f"{module}.fc1", f"{ours}se_expand": f"{module}.fc2"})
                elif part == "dwconv2":
                    names.update({f"{ours}dwconv2": f"{module}.0", f"{ours}bn": f"{module}.1"})
                else:
                    names.update({f"{ours}{part}_conv": f"{module}.0", f"{ours}{part}_bn": f"{module}.1"})
    last = len(table) + 1
    return {**names, "top_conv": f"features.{last}.0", "top_bn": f"features.{last}.1"}


# timm's block modules (Keras suffix -> timm module) by kind: a fused block without expansion is a
# ``ConvBnAct``, with it an ``EdgeResidual``; an MBConv block is an ``InvertedResidual``.
TIMM_FUSED = {"project_conv": "conv", "project_bn": "bn1"}
TIMM_FUSED_EXPANDED = {"expand_conv": "conv_exp", "expand_bn": "bn1", "project_conv": "conv_pwl", "project_bn": "bn2"}
TIMM_MBCONV = {("dwconv2" if ours == "dwconv" else ours): theirs for ours, theirs in TIMM_INVERTED.items()}


def timm_module_names(arguments):
    """The PyTorch module of each layer as timm's EfficientNetV2 (``tf_efficientnetv2_s`` ...) names it:
    ``conv_stem`` and ``bn1``, ``blocks.{s}.{i}`` block ``i`` of stage ``s`` (:data:`TIMM_FUSED`,
    :data:`TIMM_FUSED_EXPANDED`, :data:`TIMM_MBCONV`), ``conv_head`` and ``bn2``, ``classifier``.

    :param arguments: the build arguments (``stages``, ``depth``).
    :return: ``{Keras layer name: PyTorch module name}``.
    """
    def parts(kind, expansion):
        if kind == "mbconv":
            return TIMM_MBCONV
        return TIMM_FUSED_EXPANDED if expansion != 1 else TIMM_FUSED

    stages = [(round_repeats(repeats, arguments["depth"]), parts(kind, expansion))
              for kind, _, repeats, _, _, expansion, _, _ in STAGES[arguments["stages"]]]
    return {**TIMM_ENDS, **timm_blocks(stages)}
