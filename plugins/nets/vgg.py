"""VGG (Simonyan and Zisserman 2014) as a Keras functional model.

One generic builder, :func:`build_vgg`. Without batch norm the layers are
keras.applications' (``block1_conv1`` ... ``fc1``, ``fc2``, ``predictions``),
so weights saved from ``keras.applications.VGG16`` and ``VGG19`` load into it.
"""

import keras
from keras import layers

from zoo.kit import check_choice
from zoo.layers.heads import check_head, classifier, image_model


def conv_block(x, filters, *, batch_norm, name):
    """A 3x3 convolution and ReLU; with ``batch_norm`` the convolution is followed by batch norm."""
    if not batch_norm:
        return layers.Conv2D(filters, 3, padding="same", activation="relu", name=name)(x)
    x = layers.Conv2D(filters, 3, padding="same", name=name)(x)
    x = layers.BatchNormalization(axis=-1, epsilon=1e-5, name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def build_vgg(*, input_shape, convs, widths, batch_norm, fc_units, **head):
    """VGG: blocks of 3x3 convolutions each ended by 2x2 max pooling, then two dense layers and the classifier.

    :param convs: convolutions per block, e.g. ``(2, 2, 3, 3, 3)`` for VGG-16.
    :param widths: filters per block, e.g. ``(64, 128, 256, 512, 512)``.
    :param batch_norm: batch norm after every convolution (torchvision's ``vgg16_bn``).
    :param fc_units: width of the two dense layers ``fc1`` and ``fc2`` (4096 in the paper).
    :param head: ``num_classes``, ``include_top``, ``pooling``, ``dropout``, ``classifier_activation``,
        ``features`` (the outputs of blocks 2 to 5, strides 4 to 32, instead of a classifier): :mod:`zoo.layers.heads`.

    With ``include_top`` the last feature map is flattened as in the paper, so the dense layers'
    size depends on the input size (25088 inputs to ``fc1`` at 224x224).

    Example::

        >>> build_vgg(num_classes=10, input_shape=(32, 32, 3), include_top=True, pooling=None,
        ...           convs=(1, 1, 2, 2, 2), widths=(64, 128, 256, 512, 512), batch_norm=True,
        ...           fc_units=512, dropout=0.5, classifier_activation="softmax", features=False)
    """
    check_head(**head)
    check_choice("batch_norm", batch_norm, (False, True))
    if isinstance(fc_units, bool) or not isinstance(fc_units, int) or fc_units < 1:
        raise ValueError(f"fc_units={fc_units!r} is not allowed: it must be a positive integer")
    if len(convs) != len(widths):
        raise ValueError(f"convs={convs!r} and widths={widths!r} must be equally long (one entry per block)")
    name = f"vgg{sum(convs) + 3}{'_bn' if batch_norm else ''}"

    # === Functional Model ===
    inputs = keras.Input(shape=input_shape, name="image")
    x = inputs
    stages = []
    for block, (count, filters) in enumerate(zip(convs, widths), start=1):
        for index in range(1, count + 1):
            x = conv_block(x, filters, batch_norm=batch_norm, name=f"block{block}_conv{index}")
        x = layers.MaxPooling2D(2, strides=2, name=f"block{block}_pool")(x)
        stages.append(x)
    if head["include_top"]:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(fc_units, activation="relu", name="fc1")(x)
        x = layers.Dense(fc_units, activation="relu", name="fc2")(x)
        x = classifier(x, head["num_classes"], head["dropout"], head["classifier_activation"])
        return keras.Model(inputs, x, name=name)
    return image_model(inputs, x, stages[1:], name=name, **head)


# --- PyTorch checkpoints (zoo.weights.convert) -------------------------------------------------------------


def torch_module_names(arguments):
    """The PyTorch module of each layer as torchvision's VGG names it: ``features.{i}`` by position in its
    Sequential (convolution, batch norm, ReLU, ..., max pooling), then ``classifier.0``, ``.3``, ``.6``.

    :param arguments: the build arguments (``convs``, ``batch_norm``).
    :return: ``{Keras layer name: PyTorch module name}``.
    """
    names, index = {}, 0
    for block, count in enumerate(arguments["convs"], start=1):
        for conv in range(1, count + 1):
            names[f"block{block}_conv{conv}"] = f"features.{index}"
            if arguments["batch_norm"]:
                names[f"block{block}_conv{conv}_bn"] = f"features.{index + 1}"
            index += 3 if arguments["batch_norm"] else 2  # the convolution, its batch norm, its ReLU
        index += 1  # the max pooling
    return {**names, "fc1": "classifier.0", "fc2": "classifier.3", "predictions": "classifier.6"}
