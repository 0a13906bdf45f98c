"""Inception v3 (Szegedy et al. 2016): ``inceptionv3``.

keras.applications' ``InceptionV3`` layer for layer (:func:`zoo_plugins.nets.inception.build_inceptionv3`),
so its ImageNet weights load; no auxiliary classifier (keras.applications has none). Its ImageNet
weights expect pixels scaled to [-1, 1] (``preprocessing: {mode: tf}``), done outside the model.

Example::

    >>> model = zoo.get("inceptionv3", num_classes=10, input_shape=(150, 150, 3))
    >>> model = zoo.get("inception_v3", width=0.5, input_shape=(75, 75, 3))  # timm's spelling
"""

import zoo

from .sources import CATALOG, KERAS_DOCS

# Section 8: RMSProp (decay 0.9, epsilon 1.0), lr 0.045 x0.94 every two epochs, gradient clipping at 2.0, batch
# 32 on each of 50 replicas, 100 epochs; section 7: label smoothing 0.1. The cosine schedule approximates the
# exponential decay; momentum 0.9 and L2 4e-5 are TensorFlow's reference training (inception_train.py, slim).
RECIPE = zoo.TrainingRecipe(optimizer="rmsprop", lr=0.045, momentum=0.9, weight_decay=4e-5, schedule="cosine",
                            epochs=100, batch_size=32, label_smoothing=0.1, clipnorm=2.0,
                            augmentation=("flip", "crop"),
                            extra={"paper_schedule": "rmsprop decay 0.9 epsilon 1.0, lr 0.045 x0.94 every 2 epochs, "
                                                     "batch 32 per replica on 50 replicas, auxiliary classifier"})


def space(hp, architecture):
    """Search space: a width multiplier of every convolution, and dropout before the classifier."""
    defaults = architecture.defaults
    return {"width": hp.Choice("width", sorted({0.5, 0.75, 1.0, defaults["width"]}), default=defaults["width"]),
            "dropout": hp.Float("dropout", 0.0, 0.5, step=0.1, default=defaults["dropout"])}


INCEPTIONV3 = zoo.Family(
    base=zoo.Architecture(
        name="inceptionv3", family="inceptionv3", build="zoo_plugins.nets.inception:build_inceptionv3",
        defaults={"width": 1.0, "dropout": 0.0, "classifier_activation": "softmax", "features": False,
                  "out_indices": None},
        input_shape=(299, 299, 3), min_input_size=75, num_classes=1000, first_conv="conv2d",
        # the stem's last convolution (stride 4 with its 'valid' padding), then the ends of the 35x35, 17x17 and
        # 8x8 modules
        stages=(("activation_4", 192, 4), ("mixed2", 288, 8), ("mixed7", 768, 16), ("mixed10", 2048, 32)),
        recipe=RECIPE, search_space=space,
        paper="Szegedy et al. 2016, Rethinking the Inception Architecture for Computer Vision (arXiv:1512.00567)",
        description="Inception v3: a convolutional stem, then 35x35, 17x17 and 8x8 Inception modules with "
                    "factorised (1x7, 7x1) convolutions and grid reductions.",
    ),
    variants={"inceptionv3": {}},
    metrics={"inceptionv3": {"imagenet_top1": {"value": 77.9, "source": KERAS_DOCS},
                             "imagenet_top5": {"value": 93.7, "source": KERAS_DOCS}}},
)


@zoo.hookimpl
def zoo_register_architectures(registry):
    registry.add_family(INCEPTIONV3)


@zoo.hookimpl
def zoo_register_weights(registry):
    registry.add_catalog(CATALOG, "inceptionv3")
