"""AlexNet as a Keras functional model (torchvision's single-tower layout)."""

import keras
from keras import layers

from zoo.kit import check_range
from zoo.layers.heads import check_head, classifier, global_pool


def build_alexnet(*, input_shape, width, **head):
    """AlexNet: five convolutions, three max-pools, two 4096-wide dense layers (scaled by ``width``).

    ``head`` is num_classes, include_top, pooling, dropout (before each dense layer), classifier_activation.
    """
    check_head(**head)
    check_range("width", width, 0.0, 4.0, low_inclusive=False)
    inputs = keras.Input(shape=input_shape, name="image")
    x = inputs
    for i, (filters, kernel, stride, pool) in enumerate(
        [(64, 11, 4, True), (192, 5, 1, True), (384, 3, 1, False), (256, 3, 1, False), (256, 3, 1, True)], 1
    ):
        x = layers.Conv2D(int(filters * width), kernel, strides=stride, padding="same", activation="relu",
                          name=f"conv{i}")(x)
        if pool:
            x = layers.MaxPooling2D(3, strides=2, name=f"pool{i}")(x)
    if head["include_top"]:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        for i in (1, 2):
            x = layers.Dropout(head["dropout"], name=f"fc{i}_dropout")(x)
            x = layers.Dense(int(4096 * width), activation="relu", name=f"fc{i}")(x)
        x = classifier(x, head["num_classes"], 0.0, head["classifier_activation"])
    else:
        x = global_pool(x, head["pooling"], avg_name="pool", max_name="pool")
    return keras.Model(inputs, x, name="alexnet")
