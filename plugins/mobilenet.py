"""MobileNet v1 (``mobilenet``): depthwise-separable convolutions with a width multiplier.

The builder is :mod:`zoo_plugins.nets.mobilenet`, keras.applications' model layer for layer, so its
weights load into it.

Example::

    >>> model = zoo.get("mobilenet", alpha=0.5, depth_multiplier=2, in_channels=1)
"""

import zoo

from .sources import CATALOG, KERAS_DOCS

HEAD = {"classifier_activation": "softmax", "features": False, "out_indices": None}
# Width multipliers with published ImageNet weights, searched by the MobileNets' space.
ALPHAS = {"mobilenet": (0.25, 0.5, 0.75, 1.0), "mobilenetv2": (0.35, 0.5, 0.75, 1.0, 1.3, 1.4)}


def mobilenet_space(hp, architecture):
    """Search space: the width multiplier ``alpha`` (among those with published weights) and dropout."""
    defaults = architecture.defaults
    return {"alpha": hp.Choice("alpha", ALPHAS[architecture.family], default=defaults["alpha"]),
            "dropout": hp.Float("dropout", 0.0, 0.5, default=defaults["dropout"])}


# The papers decay the learning rate exponentially (x0.98 per epoch for MobileNetV2, x0.94 every 2 epochs for
# Xception), which the cosine schedule approximates.
MOBILENET_RECIPE = zoo.TrainingRecipe(optimizer="rmsprop", lr=0.045, momentum=0.9, weight_decay=4e-5,
                                      schedule="cosine", epochs=150, batch_size=96, label_smoothing=0.1,
                                      augmentation=("flip", "crop"),
                                      extra={"paper_schedule": "rmsprop decay 0.9 momentum 0.9, lr 0.045 x0.98 per epoch"})

MOBILENET = zoo.Family(
    base=zoo.Architecture(
        name="mobilenet", family="mobilenet", build="zoo_plugins.nets.mobilenet:build_mobilenet",
        defaults={"alpha": 1.0, "depth_multiplier": 1, "dropout": 1e-3, **HEAD}, input_shape=(224, 224, 3),
        min_input_size=32, num_classes=1000, first_conv="conv1", classifier=("conv_preds", "dropout"),
        # the last block at each resolution from stride 4 on (blocks 3, 5 and 11 before a strided one, and 13)
        stages=(("conv_pw_3_relu", 128, 4), ("conv_pw_5_relu", 256, 8), ("conv_pw_11_relu", 512, 16),
                ("conv_pw_13_relu", 1024, 32)),
        recipe=MOBILENET_RECIPE, search_space=mobilenet_space,
        paper="Howard et al. 2017, MobileNets: Efficient Convolutional Neural Networks for Mobile Vision "
              "Applications (arXiv:1704.04861)",
        description="MobileNet v1: 13 depthwise-separable blocks with ReLU6, width multiplier alpha.",
    ),
    variants={"mobilenet": {}},
    metrics={"mobilenet": {"imagenet_top1": {"value": 70.4, "source": KERAS_DOCS}}},
)


@zoo.hookimpl
def zoo_register_architectures(registry):
    registry.add_family(MOBILENET)


@zoo.hookimpl
def zoo_register_weights(registry):
    registry.add_catalog(CATALOG, "mobilenet")
