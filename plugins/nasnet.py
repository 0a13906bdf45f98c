"""NASNet-A (Zoph et al. 2018), cells found by architecture search: ``nasnetmobile`` and ``nasnetlarge``.

keras.applications' ``NASNetMobile`` (NASNet-A 4 @ 1056, 224x224) and ``NASNetLarge`` (6 @ 4032,
331x331) layer for layer (:func:`zoo_plugins.nets.nasnet.build_nasnet`), so their ImageNet weights
load. Their ImageNet weights expect pixels scaled to [-1, 1] (``preprocessing: {mode: tf}``),
done outside the model. No auxiliary classifier, no drop-path (keras.applications has neither).

Example::

    >>> model = zoo.get("nasnetmobile", num_classes=10, input_shape=(96, 96, 3))
    >>> model = zoo.get("nasnetmobile", num_blocks=2, penultimate_filters=528, input_shape=(32, 32, 3))
"""

import zoo

from .sources import CATALOG, KERAS_DOCS

BUILD = "zoo_plugins.nets.nasnet:build_nasnet"
PAPER = "Zoph et al. 2018, Learning Transferable Architectures for Scalable Image Recognition (arXiv:1707.07012)"
DEFAULTS = {"penultimate_filters": 1056, "num_blocks": 4, "stem_block_filters": 32, "skip_reduction": False,
            "filter_multiplier": 2, "dropout": 0.0, "classifier_activation": "softmax", "features": False,
            "out_indices": None}

# TF-slim's notes on training the ImageNet NASNets (research/slim/nets/nasnet/nasnet.py), with the paper's
# RMSProp (decay 0.9, epsilon 1.0): mobile, batch 32 on 50 synchronous replicas, lr 0.04 per replica, large,
# batch 16 on 100, lr 0.015; x0.97 every 2.4 epochs (the cosine schedule approximates it), label smoothing 0.1,
# gradient global norm clipped to 10, auxiliary head weight 0.4, 250k steps (about 312 epochs); L2 4e-5
# (mobile), 5e-5 (large); the large model drops paths (keep 0.7) and has dropout 0.5 before the classifier
# (a build argument here: dropout=0.5).
MOBILE_RECIPE = zoo.TrainingRecipe(optimizer="rmsprop", lr=0.04, momentum=0.9, weight_decay=4e-5, schedule="cosine",
                                   epochs=312, batch_size=32, label_smoothing=0.1, clipnorm=10.0,
                                   augmentation=("flip", "crop"),
                                   extra={"paper_schedule": "rmsprop decay 0.9 epsilon 1.0, lr 0.04 per replica "
                                                            "x0.97 every 2.4 epochs, batch 32 on 50 replicas, "
                                                            "auxiliary head 0.4"})
LARGE_RECIPE = MOBILE_RECIPE.override(lr=0.015, weight_decay=5e-5, batch_size=16,
                                      extra={"paper_schedule": "rmsprop decay 0.9 epsilon 1.0, lr 0.015 per replica "
                                                               "x0.97 every 2.4 epochs, batch 16 on 100 replicas, "
                                                               "auxiliary head 0.4, drop path keep 0.7, dropout 0.5"})


def space(hp, architecture):
    """Search space: normal cells per group, the last cells' width (N @ P) and dropout before the classifier."""
    defaults = architecture.defaults
    step = 24 * defaults["filter_multiplier"] ** 2
    widths = sorted({step * k for k in (6, 11, 22, 42)} | {defaults["penultimate_filters"]})
    return {"num_blocks": hp.Int("num_blocks", 1, 8, default=defaults["num_blocks"]),
            "penultimate_filters": hp.Choice("penultimate_filters", widths,
                                             default=defaults["penultimate_filters"]),
            "dropout": hp.Float("dropout", 0.0, 0.5, step=0.1, default=defaults["dropout"])}


def nasnet(name, input_shape, recipe, arguments, stages, description):
    return zoo.Architecture(name=name, family="nasnet", build=BUILD, defaults={**DEFAULTS, **arguments},
                            input_shape=input_shape, min_input_size=32, num_classes=1000, first_conv="stem_conv1",
                            stages=stages, recipe=recipe, search_space=space, paper=PAPER, description=description)


# Two tables: a variant only changes build arguments, and the two differ in their default input size too.
NASNET_MOBILE = zoo.Family(
    # the second stem cell, then the last normal cell at strides 8 and 16, and the final activation
    base=nasnet("nasnetmobile", (224, 224, 3), MOBILE_RECIPE, {},
                (("reduction_concat_stem_1", 44, 4), ("normal_concat_3", 264, 8), ("normal_concat_8", 528, 16),
                 ("activation_187", 1056, 32)),
                "NASNet-A mobile (4 @ 1056): searched normal and reduction cells, 4 normal cells per group."),
    variants={"nasnetmobile": {}},
    metrics={"nasnetmobile": {"imagenet_top1": {"value": 74.4, "source": KERAS_DOCS},
                              "imagenet_top5": {"value": 91.9, "source": KERAS_DOCS}}},
)
NASNET_LARGE = zoo.Family(
    base=nasnet("nasnetlarge", (331, 331, 3), LARGE_RECIPE,
                {"penultimate_filters": 4032, "num_blocks": 6, "stem_block_filters": 96, "skip_reduction": True},
                (("reduction_concat_stem_1", 168, 4), ("normal_concat_5", 1008, 8), ("normal_concat_12", 2016, 16),
                 ("activation_259", 4032, 32)),
                "NASNet-A large (6 @ 4032): searched normal and reduction cells, 6 normal cells per group."),
    variants={"nasnetlarge": {}},
    metrics={"nasnetlarge": {"imagenet_top1": {"value": 82.5, "source": KERAS_DOCS},
                             "imagenet_top5": {"value": 96.0, "source": KERAS_DOCS}}},
)


@zoo.hookimpl
def zoo_register_architectures(registry):
    registry.add_family(NASNET_MOBILE)
    registry.add_family(NASNET_LARGE)


@zoo.hookimpl
def zoo_register_weights(registry):
    registry.add_catalog(CATALOG, "nasnet")
