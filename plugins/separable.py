"""Depthwise-separable convolution networks: ``mobilenet``, ``mobilenetv2`` and ``xception``.

Each is a family of its own with one builder in :mod:`zoo_plugins.nets.separable`;
all three are keras.applications' models layer for layer, so its weights load into them.

Example::

    >>> model = zoo.get("mobilenetv2", alpha=0.35, num_classes=10, input_shape=(96, 96, 3))
    >>> model = zoo.get("mobilenet", alpha=0.5, depth_multiplier=2, in_channels=1)
"""

import zoo

from .sources import KERAS_DOCS

HEAD = {"classifier_activation": "softmax", "features": False, "out_indices": None}
# Width multipliers with published ImageNet weights, searched by the MobileNets' space.
ALPHAS = {"mobilenet": (0.25, 0.5, 0.75, 1.0), "mobilenetv2": (0.35, 0.5, 0.75, 1.0, 1.3, 1.4)}


def mobilenet_space(hp, architecture):
    """Search space: the width multiplier ``alpha`` (among those with published weights) and dropout."""
    defaults = architecture.defaults
    return {"alpha": hp.Choice("alpha", ALPHAS[architecture.family], default=defaults["alpha"]),
            "dropout": hp.Float("dropout", 0.0, 0.5, default=defaults["dropout"])}


def xception_space(hp, architecture):
    """Search space: the number of middle-flow blocks and dropout."""
    defaults = architecture.defaults
    return {"middle_blocks": hp.Int("middle_blocks", 2, 8, step=2, default=defaults["middle_blocks"]),
            "dropout": hp.Float("dropout", 0.0, 0.5, default=defaults["dropout"])}


# The papers decay the learning rate exponentially (x0.98 per epoch for MobileNetV2, x0.94 every 2 epochs for
# Xception), which the cosine schedule approximates.
MOBILENET_RECIPE = zoo.TrainingRecipe(optimizer="rmsprop", lr=0.045, momentum=0.9, weight_decay=4e-5,
                                      schedule="cosine", epochs=150, batch_size=96, label_smoothing=0.1,
                                      augmentation=("flip", "crop"),
                                      extra={"paper_schedule": "rmsprop decay 0.9 momentum 0.9, lr 0.045 x0.98 per epoch"})

MOBILENET = zoo.Family(
    base=zoo.Architecture(
        name="mobilenet", family="mobilenet", build="zoo_plugins.nets.separable:build_mobilenet",
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

MOBILENETV2 = zoo.Family(
    base=zoo.Architecture(
        name="mobilenetv2", family="mobilenetv2", build="zoo_plugins.nets.separable:build_mobilenetv2",
        defaults={"alpha": 1.0, "bn_epsilon": 1e-3, "strided_padding": "same", "dropout": 0.0, **HEAD}, input_shape=(224, 224, 3), min_input_size=32,
        num_classes=1000, first_conv="Conv1",
        # the last block at each resolution from stride 4 on, and the last 1x1 convolution's activation
        stages=(("block_2_add", 24, 4), ("block_5_add", 32, 8), ("block_12_add", 96, 16), ("out_relu", 1280, 32)),
        recipe=MOBILENET_RECIPE, search_space=mobilenet_space,
        paper="Sandler et al. 2018, MobileNetV2: Inverted Residuals and Linear Bottlenecks (arXiv:1801.04381)",
        # PyTorch checkpoints (zoo.convert): torchvision's MobileNetV2 pads its stride-2 convolutions
        # symmetrically and has batch-norm epsilon 1e-5.
        converters={"torchvision": ("zoo_plugins.nets.separable:mobilenetv2_torch_module_names",
                                    {"bn_epsilon": 1e-5, "strided_padding": "symmetric"})},
        description="MobileNetV2: 17 inverted residual blocks with linear bottlenecks, width multiplier alpha.",
    ),
    variants={"mobilenetv2": {}},
    metrics={"mobilenetv2": {"imagenet_top1": {"value": 71.3, "source": KERAS_DOCS}}},
)

XCEPTION = zoo.Family(
    base=zoo.Architecture(
        name="xception", family="xception", build="zoo_plugins.nets.separable:build_xception",
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
    for family in (MOBILENET, MOBILENETV2, XCEPTION):
        registry.add_family(family)
