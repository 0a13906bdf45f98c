"""Depthwise-separable convolution networks: ``mobilenet``, ``mobilenetv2`` and ``xception``.

Each family has one builder in :mod:`zoo_plugins.nets.separable`; all three
are keras.applications' models layer for layer, so its weights load into them.

Example::

    >>> model = zoo.get("mobilenetv2", alpha=0.35, num_classes=10, input_shape=(96, 96, 3))
    >>> model = zoo.get("mobilenet", alpha=0.5, depth_multiplier=2, in_channels=1)
"""

import zoo

HEAD = {"classifier_activation": "softmax", "features": False}

# name: architecture fields; each name is also its family.
ARCHITECTURES = {
    "mobilenet": dict(
        build="zoo_plugins.nets.separable:build_mobilenet",
        defaults={"alpha": 1.0, "depth_multiplier": 1, "dropout": 1e-3, **HEAD},
        input_shape=(224, 224, 3), min_input_size=32,
        paper="Howard et al. 2017, MobileNets: Efficient Convolutional Neural Networks for Mobile Vision "
              "Applications (arXiv:1704.04861)",
        description="MobileNet v1: 13 depthwise-separable blocks with ReLU6, width multiplier alpha.",
    ),
    "mobilenetv2": dict(
        build="zoo_plugins.nets.separable:build_mobilenetv2",
        defaults={"alpha": 1.0, "bn_epsilon": 1e-3, "strided_padding": "same", "dropout": 0.0, **HEAD},
        input_shape=(224, 224, 3), min_input_size=32,
        paper="Sandler et al. 2018, MobileNetV2: Inverted Residuals and Linear Bottlenecks (arXiv:1801.04381)",
        # PyTorch checkpoints (zoo.convert): torchvision's MobileNetV2 pads its stride-2 convolutions
        # symmetrically and has batch-norm epsilon 1e-5.
        converters={"torchvision": ("zoo_plugins.nets.separable:mobilenetv2_torch_module_names",
                                    {"bn_epsilon": 1e-5, "strided_padding": "symmetric"})},
        description="MobileNetV2: 17 inverted residual blocks with linear bottlenecks, width multiplier alpha.",
    ),
    "xception": dict(
        build="zoo_plugins.nets.separable:build_xception",
        defaults={"entry_widths": (128, 256, 728), "middle_blocks": 8, "middle_width": 728,
                  "exit_widths": (728, 1024), "head_widths": (1536, 2048), "dropout": 0.0, **HEAD},
        input_shape=(299, 299, 3), min_input_size=71,
        paper="Chollet 2017, Xception: Deep Learning with Depthwise Separable Convolutions (arXiv:1610.02357)",
        description="Xception: entry flow, 8 middle-flow residual blocks of separable convolutions, exit flow.",
    ),
}

KERAS_DOCS = "keras.applications docs, keras.io/api/applications"
# Published ImageNet top-1 accuracies (percent) at the default alpha, shown by zoo.info and docs/models.md.
REFERENCE = {"mobilenet": 70.4, "mobilenetv2": 71.3, "xception": 79.0}

# The papers' ImageNet settings. The papers decay the learning rate exponentially (x0.98 per epoch for
# MobileNetV2, x0.94 every 2 epochs for Xception), which the cosine schedule approximates.
RECIPES = {
    "mobilenet": zoo.TrainingRecipe(optimizer="rmsprop", lr=0.045, momentum=0.9, weight_decay=4e-5,
                                    schedule="cosine", epochs=150, batch_size=96, label_smoothing=0.1,
                                    augmentation=("flip", "crop"),
                                    extra={"paper_schedule": "rmsprop, lr 0.045 x0.98 per epoch"}),
    "mobilenetv2": zoo.TrainingRecipe(optimizer="rmsprop", lr=0.045, momentum=0.9, weight_decay=4e-5,
                                      schedule="cosine", epochs=150, batch_size=96, label_smoothing=0.1,
                                      augmentation=("flip", "crop"),
                                      extra={"paper_schedule": "rmsprop decay 0.9 momentum 0.9, lr 0.045 x0.98 per epoch"}),
    "xception": zoo.TrainingRecipe(optimizer="sgd", lr=0.045, momentum=0.9, weight_decay=1e-5, schedule="cosine",
                                   epochs=100, batch_size=256, augmentation=("flip", "crop"),
                                   extra={"paper_schedule": "sgd momentum 0.9, lr 0.045 x0.94 every 2 epochs"}),
}

# Width multipliers with published ImageNet weights, searched by the tuning hook.
ALPHAS = {"mobilenet": (0.25, 0.5, 0.75, 1.0), "mobilenetv2": (0.35, 0.5, 0.75, 1.0, 1.3, 1.4)}


@zoo.hookimpl
def zoo_register_architectures(registry):
    for name, fields in ARCHITECTURES.items():
        registry.add(zoo.Architecture(name=name, family=name, num_classes=1000, supports_features=True, **fields))
        registry.add_card(name, {"metrics": {"imagenet_top1": {"value": REFERENCE[name], "source": KERAS_DOCS}}})


@zoo.hookimpl
def zoo_training_recipe(architecture):
    """The paper's recipe for MobileNet, MobileNetV2 and Xception; None for other families."""
    return RECIPES.get(architecture.family)


@zoo.hookimpl
def zoo_hyperparameters(architecture, hp):
    """Search space: the width multiplier ``alpha`` (MobileNets) or ``middle_blocks`` (Xception), and dropout.

    :return: ``{"alpha": float, "dropout": float}`` (MobileNets) or ``{"middle_blocks": int, "dropout": float}``
        (Xception) for ``zoo.get(architecture, ...)``; None for other families. An empty ``hp`` gives the
        architecture's own defaults.
    """
    if architecture.family not in ARCHITECTURES:
        return None
    defaults = architecture.defaults
    if architecture.family in ALPHAS:
        searched = {"alpha": hp.Choice("alpha", ALPHAS[architecture.family], default=defaults["alpha"])}
    else:
        searched = {"middle_blocks": hp.Int("middle_blocks", 2, 8, step=2, default=defaults["middle_blocks"])}
    return {**searched, "dropout": hp.Float("dropout", 0.0, 0.5, default=defaults["dropout"])}
