"""Inception-ResNet v2 (Szegedy et al. 2017): ``inceptionresnetv2``.

keras.applications' ``InceptionResNetV2`` layer for layer
(:func:`zoo_plugins.nets.inception.build_inceptionresnetv2`), so its ImageNet weights load. The
residual branches are scaled before they are added (:class:`zoo.layers.residual.ScaledResidual`).
Its ImageNet weights expect pixels scaled to [-1, 1] (``preprocessing: {mode: tf}``), done outside
the model.

Example::

    >>> model = zoo.get("inceptionresnetv2", num_classes=10, input_shape=(150, 150, 3))
    >>> model = zoo.get("inception_resnet_v2", blocks=(5, 10, 5), input_shape=(75, 75, 3))  # timm's spelling
"""

import zoo

from .inceptionv3 import RECIPE as INCEPTIONV3_RECIPE
from .sources import CATALOG, KERAS_DOCS

# Section 4: RMSProp (decay 0.9, epsilon 1.0), lr 0.045 x0.94 every two epochs, 20 replicas: Inception v3's
# training otherwise.
RECIPE = INCEPTIONV3_RECIPE.override(extra={"paper_schedule": "rmsprop decay 0.9 epsilon 1.0, lr 0.045 x0.94 "
                                                              "every 2 epochs, 20 replicas"})


def space(hp, architecture):
    """Search space: the residual blocks at each grid size, and dropout before the classifier."""
    defaults = architecture.defaults
    blocks = tuple(hp.Int(f"blocks_{kind}", 1, 2 * default, default=default)
                   for kind, default in zip(("35x35", "17x17", "8x8"), defaults["blocks"]))
    return {"blocks": blocks, "dropout": hp.Float("dropout", 0.0, 0.5, step=0.1, default=defaults["dropout"])}


INCEPTIONRESNETV2 = zoo.Family(
    base=zoo.Architecture(
        name="inceptionresnetv2", family="inceptionresnetv2",
        build="zoo_plugins.nets.inception:build_inceptionresnetv2",
        defaults={"blocks": (10, 20, 10), "residual_scales": (0.17, 0.1, 0.2), "dropout": 0.0,
                  "classifier_activation": "softmax", "features": False, "out_indices": None},
        input_shape=(299, 299, 3), min_input_size=75, num_classes=1000, first_conv="conv2d",
        # the stem's last convolution, then the ends of the block35, block17 and block8 repeats
        stages=(("activation_4", 192, 4), ("block35_10_ac", 320, 8), ("block17_20_ac", 1088, 16),
                ("conv_7b_ac", 1536, 32)),
        recipe=RECIPE, search_space=space,
        paper="Szegedy et al. 2017, Inception-v4, Inception-ResNet and the Impact of Residual Connections on "
              "Learning (arXiv:1602.07261)",
        description="Inception-ResNet v2: Inception modules as scaled residual branches, 10 + 20 + 10 blocks at "
                    "35x35, 17x17 and 8x8.",
    ),
    variants={"inceptionresnetv2": {}},
    metrics={"inceptionresnetv2": {"imagenet_top1": {"value": 80.3, "source": KERAS_DOCS},
                                   "imagenet_top5": {"value": 95.3, "source": KERAS_DOCS}}},
)


@zoo.hookimpl
def zoo_register_architectures(registry):
    registry.add_family(INCEPTIONRESNETV2)


@zoo.hookimpl
def zoo_register_weights(registry):
    registry.add_catalog(CATALOG, "inceptionresnetv2")
