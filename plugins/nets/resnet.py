"""ResNet v1, v2 (pre-activation) and the CIFAR ResNets as Keras functional models.

One generic builder, :func:`build_resnet`; the variants in
:mod:`zoo_plugins.resnet` only choose its arguments. Layer names follow
keras.applications (``conv1_conv``, ``conv2_block1_1_conv``, ``post_bn``,
``predictions``) and the layers are created in the same order, so weights
saved from ``keras.applications.ResNet50`` (and 101, 152, 50V2, 101V2,
152V2) load into the zoo model, by name or by order.
"""

import keras
from keras import layers

from zoo.kit import check_choice
from zoo.layers.heads import check_head, image_model

BN_EPSILON = 1.001e-5  # keras.applications' value
CHANNELS = 3  # the channel axis as keras.applications writes it here, so both build the same graph


def conv_bn(x, filters, kernel_size, *, stride=1, use_bias, name, epsilon=BN_EPSILON, act=True):
    """Conv, batch norm and (when ``act``) ReLU, named ``{name}_conv``, ``{name}_bn``, ``{name}_relu``.

    A 3x3 convolution with stride 2 is padded by one pixel on every side first (as
    PyTorch pads), so that torchvision weights would give the same outputs.
    """
    padding = "same"
    if stride > 1 and kernel_size > 1:
        x = layers.ZeroPadding2D(kernel_size // 2, name=f"{name}_pad")(x)
        padding = "valid"
    x = layers.Conv2D(filters, kernel_size, strides=stride, padding=padding, use_bias=use_bias,
                      name=f"{name}_conv")(x)
    x = layers.BatchNormalization(axis=CHANNELS, epsilon=epsilon, name=f"{name}_bn")(x)
    if act:
        x = layers.Activation("relu", name=f"{name}_relu")(x)
    return x


def shortcut_branch(x, filters, stride, shortcut, *, use_bias, name, epsilon):
    """The identity, or what matches its shape to the residual's: a 1x1 projection, or zero channels.

    ``shortcut="projection"``: 1x1 convolution and batch norm (He et al. option B).
    ``shortcut="zero_pad"``: subsample and append zero channels, parameter free (option A,
    the CIFAR ResNets); ``Rescaling(0)`` makes the zeros so the model needs no custom layer.
    """
    if stride == 1 and x.shape[-1] == filters:
        return x
    if shortcut == "projection":
        x = layers.Conv2D(filters, 1, strides=stride, use_bias=use_bias, name=f"{name}_0_conv")(x)
        return layers.BatchNormalization(axis=CHANNELS, epsilon=epsilon, name=f"{name}_0_bn")(x)
    if filters != 2 * x.shape[-1]:
        raise ValueError(f"shortcut='zero_pad' doubles the channels at each stage; widths go from "
                         f"{x.shape[-1]} to {filters}: use shortcut='projection'")
    if stride > 1:
        x = layers.MaxPooling2D(1, strides=stride, name=f"{name}_0_pool")(x)
    zeros = layers.Rescaling(0.0, name=f"{name}_0_zeros")(x)
    return layers.Concatenate(axis=CHANNELS, name=f"{name}_0_pad")([x, zeros])


def basic_block(x, filters, stride, *, shortcut, use_bias, epsilon, name):
    """Two 3x3 convolutions (ResNet-18/34 and the CIFAR ResNets)."""
    residual = shortcut_branch(x, filters, stride, shortcut, use_bias=use_bias, name=name, epsilon=epsilon)
    x = conv_bn(x, filters, 3, stride=stride, use_bias=use_bias, epsilon=epsilon, name=f"{name}_1")
    x = conv_bn(x, filters, 3, use_bias=use_bias, epsilon=epsilon, act=False, name=f"{name}_2")
    x = layers.Add(name=f"{name}_add")([residual, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def bottleneck_block(x, filters, stride, *, shortcut, use_bias, epsilon, stride_on, name):
    """1x1, 3x3, 1x1 (x4) convolutions; the stride on the first 1x1 (``stride_on="1x1"``, keras.applications'
    ResNet50 layout) or on the 3x3 (``"3x3"``, torchvision's and timm's "ResNet v1.5"), which is then
    padded by one pixel on every side as PyTorch pads.

    The first block of every stage changes the shape, so it projects its shortcut.
    """
    residual = shortcut_branch(x, 4 * filters, stride, shortcut, use_bias=use_bias, name=name, epsilon=epsilon)
    first_stride, middle_stride = (stride, 1) if stride_on == "1x1" else (1, stride)
    x = layers.Conv2D(filters, 1, strides=first_stride, use_bias=use_bias, name=f"{name}_1_conv")(x)
    x = layers.BatchNormalization(axis=CHANNELS, epsilon=epsilon, name=f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = conv_bn(x, filters, 3, stride=middle_stride, use_bias=use_bias, epsilon=epsilon, name=f"{name}_2")
    x = layers.Conv2D(4 * filters, 1, use_bias=use_bias, name=f"{name}_3_conv")(x)
    x = layers.BatchNormalization(axis=CHANNELS, epsilon=epsilon, name=f"{name}_3_bn")(x)
    x = layers.Add(name=f"{name}_add")([residual, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def preact_bottleneck_block(x, filters, stride, *, conv_shortcut, use_bias, epsilon, name):
    """Pre-activation bottleneck (ResNet v2), stride in the 3x3 convolution, as keras.applications.

    The convolutions followed by batch norm have no bias; ``use_bias`` applies to the shortcut
    projection and the last 1x1 convolution (keras.applications: True).
    """
    preact = layers.BatchNormalization(axis=CHANNELS, epsilon=epsilon, name=f"{name}_preact_bn")(x)
    preact = layers.Activation("relu", name=f"{name}_preact_relu")(preact)
    if conv_shortcut:
        residual = layers.Conv2D(4 * filters, 1, strides=stride, use_bias=use_bias, name=f"{name}_0_conv")(preact)
    else:
        residual = layers.MaxPooling2D(1, strides=stride, name=f"{name}_0_pool")(x) if stride > 1 else x
    x = layers.Conv2D(filters, 1, use_bias=False, name=f"{name}_1_conv")(preact)
    x = layers.BatchNormalization(axis=CHANNELS, epsilon=epsilon, name=f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.ZeroPadding2D(1, name=f"{name}_2_pad")(x)
    x = layers.Conv2D(filters, 3, strides=stride, use_bias=False, name=f"{name}_2_conv")(x)
    x = layers.BatchNormalization(axis=CHANNELS, epsilon=epsilon, name=f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, use_bias=use_bias, name=f"{name}_3_conv")(x)
    return layers.Add(name=f"{name}_out")([residual, x])


def stem(x, kind, filters, *, preact, use_bias, epsilon):
    """``"imagenet"``: 7x7/2 convolution and 3x3/2 max pooling; ``"cifar"``: one 3x3 convolution."""
    if kind == "cifar":
        return conv_bn(x, filters, 3, use_bias=use_bias, epsilon=epsilon, name="conv1")
    x = layers.ZeroPadding2D(3, name="conv1_pad")(x)
    x = layers.Conv2D(filters, 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)
    if not preact:
        x = layers.BatchNormalization(axis=CHANNELS, epsilon=epsilon, name="conv1_bn")(x)
        x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(1, name="pool1_pad")(x)
    return layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)


def block_strides(stage, blocks, num_stages, preact):
    """Stride of each block of a stage: v1 downsamples in the first block of stages 2+,
    v2 (keras.applications) in the last block of every stage but the last."""
    strides = [1] * blocks
    if preact and stage < num_stages - 1:
        strides[-1] = 2
    elif not preact and stage > 0:
        strides[0] = 2
    return strides


def build_resnet(*, input_shape, block, depths, widths, preact, stem_type, stem_width, use_bias, shortcut, bn_epsilon,
                 bottleneck_stride, **head):
    """A residual network: a stem, stages of residual blocks, then the head.

    :param block: ``"basic"`` (two 3x3) or ``"bottleneck"`` (1x1, 3x3, 1x1 with 4x expansion).
    :param depths: blocks per stage, e.g. ``(3, 4, 6, 3)``.
    :param widths: filters per stage (bottleneck width for bottleneck blocks), e.g. ``(64, 128, 256, 512)``.
    :param preact: pre-activation blocks (ResNet v2, bottleneck only).
    :param stem_type: ``"imagenet"`` (7x7/2 and max pooling) or ``"cifar"`` (one 3x3).
    :param stem_width: filters of the stem convolution.
    :param use_bias: convolution biases (keras.applications: True; torchvision and CIFAR: False).
    :param shortcut: ``"projection"`` or ``"zero_pad"`` where a basic block changes shape.
    :param bn_epsilon: batch-norm epsilon (keras.applications: 1.001e-5; PyTorch: 1e-5).
    :param bottleneck_stride: the convolution of a bottleneck that strides: ``"1x1"`` (the first,
        keras.applications' ResNet50) or ``"3x3"`` (torchvision's and timm's "v1.5"; always so in
        pre-activation blocks). Basic blocks stride in their first 3x3 either way.
    :param head: ``num_classes``, ``include_top``, ``pooling``, ``dropout``, ``classifier_activation``,
        ``features`` (the feature map at the end of every stage instead of a classifier): :mod:`zoo.layers.heads`.

    Example::

        >>> build_resnet(num_classes=10, input_shape=(32, 32, 3), include_top=True, pooling=None,
        ...              block="basic", depths=(3, 3, 3), widths=(16, 32, 64), preact=False,
        ...              stem_type="cifar", stem_width=16, use_bias=False, shortcut="zero_pad",
        ...              bn_epsilon=1e-5, bottleneck_stride="1x1", dropout=0.0, classifier_activation="softmax",
        ...              features=False)
    """
    check_head(**head)
    check_choice("block", block, ("basic", "bottleneck"))
    check_choice("stem_type", stem_type, ("imagenet", "cifar"))
    check_choice("shortcut", shortcut, ("projection", "zero_pad"))
    check_choice("bottleneck_stride", bottleneck_stride, ("1x1", "3x3"))
    if preact and block != "bottleneck":
        raise ValueError(f"block={block!r} is not allowed with preact=True: pre-activation ResNets use "
                         "block='bottleneck'")
    if preact and bottleneck_stride != "3x3":
        raise ValueError(f"bottleneck_stride={bottleneck_stride!r} is not allowed with preact=True: "
                         "pre-activation blocks stride in their 3x3 convolution; use bottleneck_stride='3x3'")
    if len(depths) != len(widths) or not all(isinstance(d, int) and d >= 1 for d in depths):
        raise ValueError(f"depths={depths!r} and widths={widths!r} must be equally long, with at least one "
                         "block per stage")
    layers_per_block = 3 if block == "bottleneck" else 2
    name = f"resnet{layers_per_block * sum(depths) + 2}{'v2' if preact else ''}"

    # === Functional Model ===
    inputs = keras.Input(shape=input_shape, name="image")
    x = stem(inputs, stem_type, stem_width, preact=preact, use_bias=use_bias, epsilon=bn_epsilon)
    stages = []
    for stage, (blocks, width) in enumerate(zip(depths, widths)):
        for index, stride in enumerate(block_strides(stage, blocks, len(depths), preact)):
            if stride > 1:
                stages.append(x)  # the last feature map at this resolution
            block_name = f"conv{stage + 2}_block{index + 1}"
            if preact:
                x = preact_bottleneck_block(x, width, stride, conv_shortcut=index == 0, use_bias=use_bias,
                                            epsilon=bn_epsilon, name=block_name)
            elif block == "bottleneck":
                x = bottleneck_block(x, width, stride, shortcut=shortcut, use_bias=use_bias, epsilon=bn_epsilon,
                                     stride_on=bottleneck_stride, name=block_name)
            else:
                x = basic_block(x, width, stride, shortcut=shortcut, use_bias=use_bias, epsilon=bn_epsilon,
                                name=block_name)
    if preact:
        x = layers.BatchNormalization(axis=CHANNELS, epsilon=bn_epsilon, name="post_bn")(x)
        x = layers.Activation("relu", name="post_relu")(x)
    stages.append(x)
    return image_model(inputs, x, stages, name=name, **head)


# --- PyTorch checkpoints (zoo.weights.convert) -------------------------------------------------------------


def torch_module_names(arguments):
    """The PyTorch module of each layer as torchvision's and timm's ResNets name it (``layer1.0.conv1``).

    :param arguments: the build arguments (``block``, ``depths``).
    :return: ``{Keras layer name: PyTorch module name}``.
    """
    names = {"conv1_conv": "conv1", "conv1_bn": "bn1", "predictions": "fc"}
    convs = 3 if arguments["block"] == "bottleneck" else 2
    for stage, blocks in enumerate(arguments["depths"], start=1):
        for index in range(blocks):
            ours, theirs = f"conv{stage + 1}_block{index + 1}", f"layer{stage}.{index}"
            names[f"{ours}_0_conv"] = f"{theirs}.downsample.0"
            names[f"{ours}_0_bn"] = f"{theirs}.downsample.1"
            for conv in range(1, convs + 1):
                names[f"{ours}_{conv}_conv"] = f"{theirs}.conv{conv}"
                names[f"{ours}_{conv}_bn"] = f"{theirs}.bn{conv}"
    return names
