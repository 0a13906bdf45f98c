"""LeNet-5 as a Keras functional model."""

import keras
from keras import layers

from zoo.kit import check_choice
from zoo.layers.heads import check_head, classifier, image_model


def build_lenet(*, input_shape, activation, subsampling, filters, units, **head):
    """LeNet-5: conv 5x5 x6, subsample, conv 5x5 x16, subsample, dense 120, 84, classes.

    Inputs smaller than 32x32 (28x28 MNIST) are zero-padded to 32x32, as is usual for MNIST.
    ``head`` is ``num_classes``, ``include_top``, ``pooling``, ``dropout``, ``classifier_activation``,
    ``features`` (the maps after each subsampling, ``pool1`` and ``pool2``) and ``out_indices``
    (:mod:`zoo.layers.heads`).
    """
    check_head(**head)
    check_choice("activation", activation, ("tanh", "relu"))
    check_choice("subsampling", subsampling, ("avg", "max"))
    pool = layers.AveragePooling2D if subsampling == "avg" else layers.MaxPooling2D

    # === Functional Model ===
    inputs = keras.Input(shape=input_shape, name="image")
    x = inputs
    height, width = input_shape[0], input_shape[1]
    if height < 32 or width < 32:
        pad_h, pad_w = max(0, 32 - height), max(0, 32 - width)
        x = layers.ZeroPadding2D(((pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2)), name="pad")(x)
    x = layers.Conv2D(filters[0], 5, activation=activation, name="conv1")(x)
    stage1 = x = pool(2, name="pool1")(x)
    x = layers.Conv2D(filters[1], 5, activation=activation, name="conv2")(x)
    x = pool(2, name="pool2")(x)
    if not head["include_top"]:
        return image_model(inputs, x, [stage1, x], name="lenet5", **head)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(units[0], activation=activation, name="fc1")(x)
    x = layers.Dense(units[1], activation=activation, name="fc2")(x)
    x = classifier(x, head["num_classes"], head["dropout"], head["classifier_activation"])
    return keras.Model(inputs, x, name="lenet5")
