"""Inception v3 and Inception-ResNet v2 as Keras functional models.

Two builders, :func:`build_inceptionv3` and :func:`build_inceptionresnetv2`, on one stem and
one convolution unit (:func:`conv_bn`: convolution without bias, batch norm without scale,
ReLU). The layers are keras.applications' ``InceptionV3`` and ``InceptionResNetV2``, created
in the same order and with the same names: where keras.applications leaves a layer unnamed,
it has the name Keras gives it in a fresh session (``conv2d_93``,
:class:`zoo.layers.naming.KerasNames`). keras.applications' ImageNet files load into them.
"""

import keras
from keras import layers

from zoo.kit import check_range
from zoo.layers.heads import check_head, image_model
from zoo.layers.naming import KerasNames
from zoo.layers.residual import ScaledResidual

# Inception v3 (Szegedy et al. 2016, figures 5-7 and table 1), after the stem: (kind, width) of each "mixed"
# module. "a": 35x35 (1x1, 5x5, double 3x3, pool branches; width: the pool branch's filters),
# "reduce_a": to 17x17, "b": 17x17 with factorised 7x7 convolutions (width: their inner filters),
# "reduce_b": to 8x8, "c": 8x8 with split 1x3 / 3x1 outputs.
INCEPTIONV3_MODULES = (("a", 32), ("a", 64), ("a", 64), ("reduce_a", None), ("b", 128), ("b", 160), ("b", 160),
                       ("b", 192), ("reduce_b", None), ("c", None), ("c", None))
# Inception-ResNet v2 (Szegedy et al. 2017, figures 16-19): the residual blocks' kind and residual scale.
BLOCK_KINDS = ("block35", "block17", "block8")


def conv_bn(x, filters, kernel_size, names, *, strides=1, padding="same", name=None):
    """Convolution (no bias), batch norm (no scale: a ReLU follows) and ReLU.

    :param names: the :class:`KerasNames` of the model, naming the layers when ``name`` is None.
    :param name: the convolution's name (then ``{name}_bn``, ``{name}_ac``), as keras.applications'
        Inception-ResNet v2 names its last one.
    """
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, use_bias=False,
                      name=name or names("conv2d"))(x)
    x = layers.BatchNormalization(scale=False, name=f"{name}_bn" if name else names("batch_normalization"))(x)
    return layers.Activation("relu", name=f"{name}_ac" if name else names("activation"))(x)


def scaled(filters, width):
    """``filters`` times the width multiplier, at least 1."""
    return max(1, int(filters * width))


def stem(inputs, names, width=1.0):
    """3x3/2, 3x3, 3x3 convolutions, 3x3/2 max pooling, 1x1 and 3x3 convolutions (stride 4 here),
    3x3/2 max pooling: 35x35 from 299x299. Returns the stride-8 map and the stride-4 one."""
    x = conv_bn(inputs, scaled(32, width), (3, 3), names, strides=2, padding="valid")
    x = conv_bn(x, scaled(32, width), (3, 3), names, padding="valid")
    x = conv_bn(x, scaled(64, width), (3, 3), names)
    x = layers.MaxPooling2D(3, strides=2, name=names("max_pooling2d"))(x)
    x = conv_bn(x, scaled(80, width), (1, 1), names, padding="valid")
    stride4 = conv_bn(x, scaled(192, width), (3, 3), names, padding="valid")
    return layers.MaxPooling2D(3, strides=2, name=names("max_pooling2d"))(stride4), stride4


def pool_branch(x, filters, names):
    """3x3 average pooling (stride 1) and a 1x1 convolution."""
    x = layers.AveragePooling2D(3, strides=1, padding="same", name=names("average_pooling2d"))(x)
    return conv_bn(x, filters, (1, 1), names)


def concat(branches, name):
    return layers.Concatenate(axis=-1, name=name)(branches)


# --- Inception v3 ------------------------------------------------------------------------------------------


def module_a(x, pool_width, names, width, name):
    """35x35: 1x1 | 1x1, 5x5 | 1x1, 3x3, 3x3 | pool, 1x1 (figure 5)."""
    branch1x1 = conv_bn(x, scaled(64, width), (1, 1), names)
    branch5x5 = conv_bn(x, scaled(48, width), (1, 1), names)
    branch5x5 = conv_bn(branch5x5, scaled(64, width), (5, 5), names)
    branch3x3 = conv_bn(x, scaled(64, width), (1, 1), names)
    branch3x3 = conv_bn(branch3x3, scaled(96, width), (3, 3), names)
    branch3x3 = conv_bn(branch3x3, scaled(96, width), (3, 3), names)
    return concat([branch1x1, branch5x5, branch3x3, pool_branch(x, scaled(pool_width, width), names)], name)


def module_reduce_a(x, names, width, name):
    """35x35 to 17x17: 3x3/2 | 1x1, 3x3, 3x3/2 | 3x3/2 max pooling (figure 10)."""
    branch3x3 = conv_bn(x, scaled(384, width), (3, 3), names, strides=2, padding="valid")
    branch3x3dbl = conv_bn(x, scaled(64, width), (1, 1), names)
    branch3x3dbl = conv_bn(branch3x3dbl, scaled(96, width), (3, 3), names)
    branch3x3dbl = conv_bn(branch3x3dbl, scaled(96, width), (3, 3), names, strides=2, padding="valid")
    pool = layers.MaxPooling2D(3, strides=2, name=names("max_pooling2d"))(x)
    return concat([branch3x3, branch3x3dbl, pool], name)


def module_b(x, inner, names, width, name):
    """17x17, 7x7 convolutions factorised into 1x7 and 7x1: 1x1 | 1x1, 1x7, 7x1 | 1x1, (7x1, 1x7) x2 |
    pool, 1x1 (figure 6)."""
    inner, out = scaled(inner, width), scaled(192, width)
    branch1x1 = conv_bn(x, out, (1, 1), names)
    branch7x7 = conv_bn(x, inner, (1, 1), names)
    branch7x7 = conv_bn(branch7x7, inner, (1, 7), names)
    branch7x7 = conv_bn(branch7x7, out, (7, 1), names)
    double = conv_bn(x, inner, (1, 1), names)
    for filters, kernel in ((inner, (7, 1)), (inner, (1, 7)), (inner, (7, 1)), (out, (1, 7))):
        double = conv_bn(double, filters, kernel, names)
    return concat([branch1x1, branch7x7, double, pool_branch(x, out, names)], name)


def module_reduce_b(x, names, width, name):
    """17x17 to 8x8: 1x1, 3x3/2 | 1x1, 1x7, 7x1, 3x3/2 | 3x3/2 max pooling."""
    branch3x3 = conv_bn(x, scaled(192, width), (1, 1), names)
    branch3x3 = conv_bn(branch3x3, scaled(320, width), (3, 3), names, strides=2, padding="valid")
    branch7x7 = conv_bn(x, scaled(192, width), (1, 1), names)
    branch7x7 = conv_bn(branch7x7, scaled(192, width), (1, 7), names)
    branch7x7 = conv_bn(branch7x7, scaled(192, width), (7, 1), names)
    branch7x7 = conv_bn(branch7x7, scaled(192, width), (3, 3), names, strides=2, padding="valid")
    pool = layers.MaxPooling2D(3, strides=2, name=names("max_pooling2d"))(x)
    return concat([branch3x3, branch7x7, pool], name)


def module_c(x, index, names, width, name):
    """8x8 with expanded outputs: 1x1 | 1x1, (1x3 | 3x1) | 1x1, 3x3, (1x3 | 3x1) | pool, 1x1 (figure 7)."""
    branch1x1 = conv_bn(x, scaled(320, width), (1, 1), names)
    branch3x3 = conv_bn(x, scaled(384, width), (1, 1), names)
    branch3x3 = concat([conv_bn(branch3x3, scaled(384, width), (1, 3), names),
                        conv_bn(branch3x3, scaled(384, width), (3, 1), names)], f"mixed9_{index}")
    double = conv_bn(x, scaled(448, width), (1, 1), names)
    double = conv_bn(double, scaled(384, width), (3, 3), names)
    double = concat([conv_bn(double, scaled(384, width), (1, 3), names),
                     conv_bn(double, scaled(384, width), (3, 1), names)], names("concatenate"))
    return concat([branch1x1, branch3x3, double, pool_branch(x, scaled(192, width), names)], name)


def build_inceptionv3(*, input_shape, width, **head):
    """Inception v3: the stem, three 35x35, five 17x17 and three 8x8 modules ("mixed0" to "mixed10").

    :param width: multiplies every convolution's filters (1.0: the paper's and keras.applications'
        network, whose ImageNet weights load).
    :param head: ``num_classes``, ``include_top``, ``pooling``, ``dropout``, ``classifier_activation``,
        ``features`` (the feature maps at strides 4, 8, 16, 32 instead of a classifier): :mod:`zoo.layers.heads`.

    Example::

        >>> build_inceptionv3(num_classes=10, input_shape=(75, 75, 3), include_top=True, pooling=None,
        ...                   width=0.5, dropout=0.0, classifier_activation="softmax", features=False)
    """
    check_head(**head)
    check_range("width", width, 0.0, 8.0, low_inclusive=False)
    names = KerasNames()

    # === Functional Model ===
    inputs = keras.Input(shape=input_shape, name="image")
    x, stride4 = stem(inputs, names, width)
    stages, c_modules = [stride4], 0
    for index, (kind, module_width) in enumerate(INCEPTIONV3_MODULES):
        if kind.startswith("reduce"):
            stages.append(x)  # the end of the 35x35 and the 17x17 modules: strides 8 and 16
        name = f"mixed{index}"
        if kind == "a":
            x = module_a(x, module_width, names, width, name)
        elif kind == "reduce_a":
            x = module_reduce_a(x, names, width, name)
        elif kind == "b":
            x = module_b(x, module_width, names, width, name)
        elif kind == "reduce_b":
            x = module_reduce_b(x, names, width, name)
        else:
            x, c_modules = module_c(x, c_modules, names, width, name), c_modules + 1
    stages.append(x)
    return image_model(inputs, x, stages, name="inception_v3", **head)


# --- Inception-ResNet v2 -----------------------------------------------------------------------------------


def residual_block(x, kind, scale, index, names, *, activation=True):
    """An Inception-ResNet block: parallel branches, concatenated, a linear 1x1 convolution back to the
    input's width (with bias, no batch norm), scaled and added to the input, then ReLU (figures 16, 17, 19)."""
    if kind == "block35":  # Inception-ResNet-A, 35x35
        branches = [conv_bn(x, 32, 1, names)]
        branch = conv_bn(x, 32, 1, names)
        branches.append(conv_bn(branch, 32, 3, names))
        branch = conv_bn(x, 32, 1, names)
        branch = conv_bn(branch, 48, 3, names)
        branches.append(conv_bn(branch, 64, 3, names))
    elif kind == "block17":  # Inception-ResNet-B, 17x17
        branches = [conv_bn(x, 192, 1, names)]
        branch = conv_bn(x, 128, 1, names)
        branch = conv_bn(branch, 160, (1, 7), names)
        branches.append(conv_bn(branch, 192, (7, 1), names))
    else:  # Inception-ResNet-C, 8x8
        branches = [conv_bn(x, 192, 1, names)]
        branch = conv_bn(x, 192, 1, names)
        branch = conv_bn(branch, 224, (1, 3), names)
        branches.append(conv_bn(branch, 256, (3, 1), names))
    name = f"{kind}_{index}"
    mixed = concat(branches, f"{name}_mixed")
    up = layers.Conv2D(x.shape[-1], 1, padding="same", use_bias=True, name=f"{name}_conv")(mixed)
    x = ScaledResidual(scale, name=names("custom_scale_layer"))([x, up])
    return layers.Activation("relu", name=f"{name}_ac")(x) if activation else x


def build_inceptionresnetv2(*, input_shape, blocks, residual_scales, **head):
    """Inception-ResNet v2: the stem, a 35x35 Inception module ("mixed_5b"), ``blocks[0]`` 35x35 residual
    blocks, a reduction ("mixed_6a"), ``blocks[1]`` 17x17 blocks, a reduction ("mixed_7a"), ``blocks[2]``
    8x8 blocks (the last one unscaled and without its ReLU), a 1x1 convolution to 1536 ("conv_7b").

    :param blocks: residual blocks per grid size, ``(10, 20, 10)``; each at least 1.
    :param residual_scales: what each grid size's residual branches are scaled by, ``(0.17, 0.1, 0.2)``.
    :param head: ``num_classes``, ``include_top``, ``pooling``, ``dropout``, ``classifier_activation``,
        ``features`` (the feature maps at strides 4, 8, 16, 32 instead of a classifier): :mod:`zoo.layers.heads`.

    Example::

        >>> build_inceptionresnetv2(num_classes=10, input_shape=(75, 75, 3), include_top=True, pooling=None,
        ...                         blocks=(2, 4, 2), residual_scales=(0.17, 0.1, 0.2), dropout=0.0,
        ...                         classifier_activation="softmax", features=False)
    """
    check_head(**head)
    if len(blocks) != 3 or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in blocks):
        raise ValueError(f"blocks={blocks!r} is not allowed: it must be three integers >= 1, the residual blocks "
                         "at 35x35, 17x17 and 8x8, such as (10, 20, 10)")
    if len(residual_scales) != 3:
        raise ValueError(f"residual_scales={residual_scales!r} is not allowed: it must be three numbers, such as "
                         "(0.17, 0.1, 0.2)")
    for scale in residual_scales:
        check_range("residual_scales", scale, 0.0, 1.0, low_inclusive=False)
    names = KerasNames()

    # === Functional Model ===
    inputs = keras.Input(shape=input_shape, name="image")
    x, stride4 = stem(inputs, names)
    # Mixed 5b, the Inception-A module of Inception v4: 1x1 | 1x1, 5x5 | 1x1, 3x3, 3x3 | pool, 1x1.
    branch0 = conv_bn(x, 96, 1, names)
    branch1 = conv_bn(x, 48, 1, names)
    branch1 = conv_bn(branch1, 64, 5, names)
    branch2 = conv_bn(x, 64, 1, names)
    branch2 = conv_bn(branch2, 96, 3, names)
    branch2 = conv_bn(branch2, 96, 3, names)
    x = concat([branch0, branch1, branch2, pool_branch(x, 64, names)], "mixed_5b")
    for index in range(1, blocks[0] + 1):
        x = residual_block(x, "block35", residual_scales[0], index, names)
    stages = [stride4, x]
    # Mixed 6a, reduction A (k, l, m, n = 256, 256, 384, 384): 3x3/2 | 1x1, 3x3, 3x3/2 | 3x3/2 max pooling.
    branch0 = conv_bn(x, 384, 3, names, strides=2, padding="valid")
    branch1 = conv_bn(x, 256, 1, names)
    branch1 = conv_bn(branch1, 256, 3, names)
    branch1 = conv_bn(branch1, 384, 3, names, strides=2, padding="valid")
    pool = layers.MaxPooling2D(3, strides=2, padding="valid", name=names("max_pooling2d"))(x)
    x = concat([branch0, branch1, pool], "mixed_6a")
    for index in range(1, blocks[1] + 1):
        x = residual_block(x, "block17", residual_scales[1], index, names)
    stages.append(x)
    # Mixed 7a, reduction B: 1x1, 3x3/2 | 1x1, 3x3/2 | 1x1, 3x3, 3x3/2 | 3x3/2 max pooling.
    branch0 = conv_bn(x, 256, 1, names)
    branch0 = conv_bn(branch0, 384, 3, names, strides=2, padding="valid")
    branch1 = conv_bn(x, 256, 1, names)
    branch1 = conv_bn(branch1, 288, 3, names, strides=2, padding="valid")
    branch2 = conv_bn(x, 256, 1, names)
    branch2 = conv_bn(branch2, 288, 3, names)
    branch2 = conv_bn(branch2, 320, 3, names, strides=2, padding="valid")
    pool = layers.MaxPooling2D(3, strides=2, padding="valid", name=names("max_pooling2d"))(x)
    x = concat([branch0, branch1, branch2, pool], "mixed_7a")
    for index in range(1, blocks[2] + 1):
        last = index == blocks[2]
        x = residual_block(x, "block8", 1.0 if last else residual_scales[2], index, names, activation=not last)
    x = conv_bn(x, 1536, 1, names, name="conv_7b")
    stages.append(x)
    return image_model(inputs, x, stages, name="inception_resnet_v2", **head)
