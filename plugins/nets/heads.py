"""The end of every image builder: the classifier, global pooling, or the stage feature maps.

Each family builds its trunk and hands the last feature map, and the feature
map at the end of every stage, to :func:`image_model`; the arguments shared by
all image architectures (``include_top``, ``pooling``, ``dropout``,
``classifier_activation``, ``features``) are checked by :func:`check_head`
before any layer is built.
"""

import keras
from keras import layers

from zoo.validation import check_choice, check_range, classifier


def check_head(*, num_classes, include_top, pooling, dropout, classifier_activation, features):
    """Refuse head arguments that contradict each other, before building anything (the core checked
    ``num_classes`` and ``pooling`` alone)."""
    check_choice("features", features, (False, True))
    if features and include_top:
        raise ValueError("features=True is not allowed with include_top=True: pass include_top=False "
                         "to get the feature map at the end of every stage")
    if features and pooling is not None:
        raise ValueError(f"pooling={pooling!r} is not allowed with features=True: the feature maps are "
                         "returned unpooled; use pooling=None")
    check_range("dropout", dropout, 0.0, 1.0)
    check_choice("classifier_activation", classifier_activation, (None, "softmax", "sigmoid"))


def global_pool(x, pooling, avg_name="avg_pool", max_name="max_pool"):
    """``pooling`` ``"avg"`` or ``"max"`` over the spatial dimensions; ``None`` returns ``x``."""
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=max_name)(x)
    return x


def image_model(inputs, x, stages, *, name, include_top, pooling, num_classes, dropout, classifier_activation,
                features):
    """The finished ``keras.Model``: stage feature maps, or pooled features, or a classifier on average pooling.

    :param x: the last feature map of the trunk.
    :param stages: the feature map at the end of every stage, shallowest first (outputs when ``features``).
    """
    if features:
        return keras.Model(inputs, list(stages), name=f"{name}_features")
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = classifier(x, num_classes, dropout, classifier_activation)
    else:
        x = global_pool(x, pooling)
    return keras.Model(inputs, x, name=name)
