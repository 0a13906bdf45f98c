"""Xception (``xception``): entry, middle and exit flows of depthwise-separable convolutions with residuals.

The builder is :mod:`zoo_plugins.nets.xception`, keras.applications' model layer for layer, so its
weights load into it.

Example::

    >>> model = zoo.get("xception", middle_blocks=4, num_classes=10, input_shape=(96, 96, 3))
"""

import zoo

from .sources import CATALOG, KERAS_DOCS

HEAD = {"classifier_activation": "softmax", "features": False, "out_indices": None}


def xception_space(hp, architecture):
    """Search space: the number of middle-flow blocks and dropout."""
    defaults = architecture.defaults
    return {"middle_blocks": hp.Int("middle_blocks", 2, 8, step=2, default=defaults["middle_blocks"]),
            "dropout": hp.Float("dropout", 0.0, 0.5, default=defaults["dropout"])}


XCEPTION = zoo.Family(
    base=zoo.Architecture(
        name="xception", family="xception", build="zoo_plugins.nets.xception:build_xception",
        defaults={"entry_widths": (128, 256, 728), "middle_blocks": 8, "middle_width": 728,
                  "exit_widths": (728, 1024), "head_widths": (1536, 2048), "dropout": 0.0, **HEAD},
        input_shape=(299, 299, 3), min_input_size=71, num_classes=1000, first_conv="block1_conv1",
        # entry flow blocks 2 and 3, the middle flow's end, the exit flow's end
        stages=(("block2_add", 128, 4), ("block3_add", 256, 8), ("block12_add", 728, 16),
                ("block14_sepconv2_act", 2048, 32)),
        recipe=zoo.TrainingRecipe(optimizer="sgd", lr=0.045, momentum=0.9, weight_decay=1e-5, schedule="cosine",
                                  epochs=100, batch_size=256, augmentation=("flip", "crop"),
                                  extra={"paper_schedule": "sgd momentum 0.9, lr 0.045 x0.94 every 2 epochs"}),
        search_space=xception_space,
        paper="Chollet 2017, Xception: Deep Learning with Depthwise Separable Convolutions (arXiv:1610.02357)",
        description="Xception: entry flow, 8 middle-flow residual blocks of separable convolutions, exit flow.",
    ),
    variants={"xception": {}},
    metrics={"xception": {"imagenet_top1": {"value": 79.0, "source": KERAS_DOCS}}},
)


@zoo.hookimpl
def zoo_register_architectures(registry):
    registry.add_family(XCEPTION)


@zoo.hookimpl
def zoo_register_weights(registry):
    registry.add_catalog(CATALOG, "xception")
