"""The end of every image builder: the classifier, global pooling, or the stage feature maps.

A family's builder makes its trunk and hands the last feature map, and the feature
map at the end of every stage, to :func:`image_model`. The arguments every image
architecture shares — ``num_classes``, ``include_top``, ``pooling``, ``dropout``,
``classifier_activation``, ``features``, ``out_indices`` — are the builder's ``**head`` and are checked
by :func:`check_head` before any layer is built. The classifier is a dense layer
named ``predictions`` (``head_dropout`` before it), with the softmax of
``classifier_activation`` (``None``: logits), kept float32 under mixed precision;
those names are what an :class:`zoo.Architecture` lists as its ``classifier`` by
default. This module imports Keras: only build functions import it.

Example (a plugin's builder)::

    def build_tiny(*, input_shape, width, **head):
        check_head(**head)
        inputs = keras.Input(input_shape, name="image")
        x = keras.layers.Conv2D(width, 3, name="conv1")(inputs)
        return image_model(inputs, x, [x], name="tiny", **head)
"""

from __future__ import annotations

import keras
from keras import layers

from zoo.checks import check_choice, check_range

CLASSIFIER_ACTIVATIONS = ("softmax", "sigmoid", None)
CLASSIFIER = ("predictions", "head_dropout")  # the layer names classifier() gives


def check_head(*, num_classes, include_top, pooling, dropout, classifier_activation, features=False,
               out_indices=None) -> None:
    """Refuse head arguments that contradict each other, before building anything (the core checked
    ``num_classes`` and ``pooling`` alone)."""
    check_choice("features", features, (False, True))
    if out_indices is not None:
        if not features:
            raise ValueError(f"out_indices={out_indices!r} is not allowed without features=True: it picks "
                             "stages of the feature maps; pass include_top=False, features=True")
        if (not isinstance(out_indices, (tuple, list)) or not out_indices
                or any(isinstance(i, bool) or not isinstance(i, int) or i < 0 for i in out_indices)
                or len(set(out_indices)) != len(out_indices)):
            raise ValueError(f"out_indices={out_indices!r} is not allowed: give distinct stage positions "
                             "counted from 0, shallowest first, such as (1, 3)")
    if features and include_top:
        raise ValueError("features=True is not allowed with include_top=True: pass include_top=False "
                         "to get the feature map at the end of every stage")
    if features and pooling is not None:
        raise ValueError(f"pooling={pooling!r} is not allowed with features=True: the feature maps are "
                         "returned unpooled; use pooling=None")
    check_range("dropout", dropout, 0.0, 1.0)
    check_choice("classifier_activation", classifier_activation, CLASSIFIER_ACTIVATIONS)


def classifier(x, num_classes: int, dropout: float, activation: str | None, name: str = "predictions"):
    """Dropout (when > 0) and the dense classifier, its output kept float32 under mixed precision."""
    check_range("dropout", dropout, 0.0, 1.0)
    check_choice("classifier_activation", activation, CLASSIFIER_ACTIVATIONS)
    if dropout:
        x = layers.Dropout(dropout, name="head_dropout")(x)
    return layers.Dense(num_classes, activation=activation, dtype="float32", name=name)(x)


def global_pool(x, pooling, avg_name="avg_pool", max_name="max_pool"):
    """``pooling`` ``"avg"`` or ``"max"`` over the spatial dimensions; ``None`` returns ``x``."""
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=max_name)(x)
    return x


def image_model(inputs, x, stages, *, name, include_top, pooling, num_classes, dropout, classifier_activation,
                features=False, out_indices=None):
    """The finished ``keras.Model``: stage feature maps, or pooled features, or a classifier on average pooling.

    :param x: the last feature map of the trunk.
    :param stages: the feature map at the end of every stage, shallowest first (outputs when ``features``;
        those at ``out_indices`` only, when given).
    """
    if features:
        if out_indices is not None:
            beyond = [i for i in out_indices if i >= len(stages)]
            if beyond:
                raise ValueError(f"out_indices={tuple(out_indices)!r} is not allowed: {name} has {len(stages)} "
                                 f"stages, at positions 0 to {len(stages) - 1}")
            stages = [stages[i] for i in out_indices]
        return keras.Model(inputs, list(stages), name=f"{name}_features")
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = classifier(x, num_classes, dropout, classifier_activation)
    else:
        x = global_pool(x, pooling)
    return keras.Model(inputs, x, name=name)
