"""DenseNet (Huang et al. 2017) as a Keras functional model.

One generic builder, :func:`build_densenet`. With the ImageNet stem the layers
are keras.applications' (``conv1_conv``, ``conv2_block1_1_conv``,
``pool2_conv``, ``bn``, ``predictions``), so weights saved from
``keras.applications.DenseNet121`` (169, 201) load into it.
"""

import keras
from keras import layers

from zoo.kit import check_choice, check_range
from zoo.layers.heads import check_head, image_model

CHANNELS = 3  # the channel axis as keras.applications writes it here, so both build the same graph


def conv_block(x, growth_rate, bottleneck_width, epsilon, name):
    """BN-ReLU-Conv1x1 (``bottleneck_width * growth_rate`` filters), BN-ReLU-Conv3x3, concatenated to the input."""
    y = layers.BatchNormalization(axis=CHANNELS, epsilon=epsilon, name=f"{name}_0_bn")(x)
    y = layers.Activation("relu", name=f"{name}_0_relu")(y)
    y = layers.Conv2D(bottleneck_width * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(y)
    y = layers.BatchNormalization(axis=CHANNELS, epsilon=epsilon, name=f"{name}_1_bn")(y)
    y = layers.Activation("relu", name=f"{name}_1_relu")(y)
    y = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=f"{name}_2_conv")(y)
    return layers.Concatenate(axis=CHANNELS, name=f"{name}_concat")([x, y])


def transition_block(x, compression, epsilon, name):
    """BN-ReLU-Conv1x1 keeping ``compression`` of the channels, then 2x2 average pooling."""
    x = layers.BatchNormalization(axis=CHANNELS, epsilon=epsilon, name=f"{name}_bn")(x)
    x = layers.Activation("relu", name=f"{name}_relu")(x)
    x = layers.Conv2D(int(x.shape[-1] * compression), 1, use_bias=False, name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def stem(x, kind, filters, epsilon):
    """``"imagenet"``: 7x7/2 convolution, BN-ReLU, 3x3/2 max pooling; ``"cifar"``: one 3x3 convolution."""
    if kind == "cifar":
        return layers.Conv2D(filters, 3, padding="same", use_bias=False, name="conv1_conv")(x)
    x = layers.ZeroPadding2D(3, name="conv1_pad")(x)
    x = layers.Conv2D(filters, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = layers.BatchNormalization(axis=CHANNELS, epsilon=epsilon, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(1, name="pool1_pad")(x)
    return layers.MaxPooling2D(3, strides=2, name="pool1")(x)


def build_densenet(*, input_shape, blocks, growth_rate, bottleneck_width, compression, stem_type, stem_width,
                   bn_epsilon, **head):
    """DenseNet-BC: a stem, dense blocks joined by compressing transitions, BN-ReLU, then the head.

    :param blocks: layers per dense block, e.g. ``(6, 12, 24, 16)`` for DenseNet-121.
    :param growth_rate: filters each layer adds (k: 32 for ImageNet, 12 for DenseNet-BC-100 on CIFAR).
    :param bottleneck_width: the 1x1 bottleneck has ``bottleneck_width * growth_rate`` filters (4).
    :param compression: fraction of channels a transition keeps, in (0, 1] (theta = 0.5 for "BC").
    :param stem_type: ``"imagenet"`` (7x7/2 and max pooling) or ``"cifar"`` (one 3x3 convolution).
    :param stem_width: filters of the stem convolution (64; 2k for CIFAR).
    :param head: ``num_classes``, ``include_top``, ``pooling``, ``dropout``, ``classifier_activation``,
        ``features`` (the feature map at the end of every dense block instead of a classifier): :mod:`zoo.layers.heads`.

    Example::

        >>> build_densenet(num_classes=10, input_shape=(32, 32, 3), include_top=True, pooling=None,
        ...                blocks=(16, 16, 16), growth_rate=12, bottleneck_width=4, compression=0.5,
        ...                stem_type="cifar", stem_width=24, bn_epsilon=1e-5, dropout=0.0,
        ...                classifier_activation="softmax", features=False)
    """
    check_head(**head)
    check_choice("stem_type", stem_type, ("imagenet", "cifar"))
    check_range("compression", compression, 0.0, 1.0, low_inclusive=False)
    for arg, value in (("growth_rate", growth_rate), ("bottleneck_width", bottleneck_width)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{arg}={value!r} is not allowed: it must be a positive integer")
    depth = 2 * sum(blocks) + len(blocks) + 1  # two convolutions per layer, transitions, stem and classifier
    name = f"densenet{depth}"

    # === Functional Model ===
    inputs = keras.Input(shape=input_shape, name="image")
    x = stem(inputs, stem_type, stem_width, bn_epsilon)
    stages = []
    for stage, count in enumerate(blocks, start=2):
        for index in range(1, count + 1):
            x = conv_block(x, growth_rate, bottleneck_width, bn_epsilon, name=f"conv{stage}_block{index}")
        if stage < len(blocks) + 1:
            stages.append(x)
            x = transition_block(x, compression, bn_epsilon, name=f"pool{stage}")
    x = layers.BatchNormalization(axis=CHANNELS, epsilon=bn_epsilon, name="bn")(x)
    x = layers.Activation("relu", name="relu")(x)
    stages.append(x)
    return image_model(inputs, x, stages, name=name, **head)


# --- PyTorch checkpoints (zoo.weights.convert) -------------------------------------------------------------

DENSE_LAYER = (("0_bn", "norm1"), ("1_conv", "conv1"), ("1_bn", "norm2"), ("2_conv", "conv2"))  # ours, theirs


def torch_module_names(arguments):
    """The PyTorch module of each layer as torchvision's and timm's DenseNets name it
    (``features.denseblock1.denselayer1.conv1``).

    torchvision's published files keep the older names of a dense layer's modules
    (``norm.1``, ``conv.1``, ...); they are the second choice.

    :param arguments: the build arguments (``blocks``).
    :return: ``{Keras layer name: PyTorch module name, or (name, older name)}``.
    """
    names = {"conv1_conv": "features.conv0", "conv1_bn": "features.norm0", "bn": "features.norm5",
             "predictions": "classifier"}
    for stage, count in enumerate(arguments["blocks"], start=2):
        for index in range(1, count + 1):
            layer = f"features.denseblock{stage - 1}.denselayer{index}"
            for ours, theirs in DENSE_LAYER:
                names[f"conv{stage}_block{index}_{ours}"] = (f"{layer}.{theirs}", f"{layer}.{theirs[:-1]}.{theirs[-1]}")
        names[f"pool{stage}_bn"] = f"features.transition{stage - 1}.norm"
        names[f"pool{stage}_conv"] = f"features.transition{stage - 1}.conv"
    return names
