"""ResNets: v1 (He et al. 2015), v2 pre-activation (He et al. 2016) and the CIFAR ResNets.

Three families share one builder, :func:`zoo_plugins.nets.resnet.build_resnet`:

- ``resnet``: ``resnet18``, ``resnet34`` (basic blocks, torchvision's layout: no
  convolution biases) and ``resnet50``, ``resnet101``, ``resnet152``
  (bottlenecks, keras.applications' layout: weights load from it);
- ``resnetv2``: ``resnet50v2``, ``resnet101v2``, ``resnet152v2`` (keras.applications' layout);
- ``resnet_cifar``: ``resnet20`` ... ``resnet110``, 6n+2 layers on 32x32 images
  (section 4.2 of the paper: 3x3 stem, stages of 16/32/64 filters, zero-padding shortcuts).

Example::

    >>> model = zoo.get("resnet50", num_classes=10, input_shape=(64, 64, 3))
    >>> backbone = zoo.get("resnet18", include_top=False, features=True)  # C2..C5
"""

import zoo

BUILD = "zoo_plugins.nets.resnet:build_resnet"
PAPERS = {
    "resnet": "He et al. 2015, Deep Residual Learning for Image Recognition (arXiv:1512.03385)",
    "resnetv2": "He et al. 2016, Identity Mappings in Deep Residual Networks (arXiv:1603.05027)",
    "resnet_cifar": "He et al. 2015, Deep Residual Learning for Image Recognition, section 4.2 (arXiv:1512.03385)",
}

# Arguments every image architecture takes, with their defaults.
HEAD = {"dropout": 0.0, "classifier_activation": "softmax", "features": False}

# Each family's arguments; a variant overrides some of them.
FAMILIES = {
    "resnet": {"block": "bottleneck", "depths": (3, 4, 6, 3), "widths": (64, 128, 256, 512), "preact": False,
               "stem_type": "imagenet", "stem_width": 64, "use_bias": True, "shortcut": "projection",
               "bn_epsilon": 1.001e-5, "bottleneck_stride": "1x1"},
    "resnetv2": {"block": "bottleneck", "depths": (3, 4, 6, 3), "widths": (64, 128, 256, 512), "preact": True,
                 "stem_type": "imagenet", "stem_width": 64, "use_bias": True, "shortcut": "projection",
                 "bn_epsilon": 1.001e-5, "bottleneck_stride": "3x3"},
    "resnet_cifar": {"block": "basic", "depths": (3, 3, 3), "widths": (16, 32, 64), "preact": False,
                     "stem_type": "cifar", "stem_width": 16, "use_bias": False, "shortcut": "zero_pad",
                     "bn_epsilon": 1e-5, "bottleneck_stride": "1x1"},
}
TORCHVISION_BASIC = {"block": "basic", "use_bias": False, "bn_epsilon": 1e-5}

# PyTorch checkpoints (zoo.convert): torchvision's and timm's ResNets name their modules alike, and lay
# them out alike: no convolution biases, batch-norm epsilon 1e-5, and ("ResNet v1.5") the stride of a
# bottleneck on its 3x3 convolution. Each block type's build arguments of that layout:
TORCH_MODULE_NAMES = "zoo_plugins.nets.resnet:torch_module_names"
TORCH_LAYOUTS = {
    "basic": {"use_bias": False, "bn_epsilon": 1e-5},
    "bottleneck": {"bottleneck_stride": "3x3", "use_bias": False, "bn_epsilon": 1e-5},
}
TORCH_SOURCES = {"resnet": ("torchvision", "timm")}  # the families whose checkpoints convert

# name: (family, arguments)
VARIANTS = {
    "resnet18": ("resnet", {**TORCHVISION_BASIC, "depths": (2, 2, 2, 2)}),
    "resnet34": ("resnet", {**TORCHVISION_BASIC, "depths": (3, 4, 6, 3)}),
    "resnet50": ("resnet", {"depths": (3, 4, 6, 3)}),
    "resnet101": ("resnet", {"depths": (3, 4, 23, 3)}),
    "resnet152": ("resnet", {"depths": (3, 8, 36, 3)}),
    "resnet50v2": ("resnetv2", {"depths": (3, 4, 6, 3)}),
    "resnet101v2": ("resnetv2", {"depths": (3, 4, 23, 3)}),
    "resnet152v2": ("resnetv2", {"depths": (3, 8, 36, 3)}),
    "resnet20": ("resnet_cifar", {"depths": (3, 3, 3)}),
    "resnet32": ("resnet_cifar", {"depths": (5, 5, 5)}),
    "resnet44": ("resnet_cifar", {"depths": (7, 7, 7)}),
    "resnet56": ("resnet_cifar", {"depths": (9, 9, 9)}),
    "resnet110": ("resnet_cifar", {"depths": (18, 18, 18)}),
}

# Where each family's images come from: input shape, minimum size, classes.
DATA = {
    "resnet": {"input_shape": (224, 224, 3), "min_input_size": 32, "num_classes": 1000},
    "resnetv2": {"input_shape": (224, 224, 3), "min_input_size": 32, "num_classes": 1000},
    "resnet_cifar": {"input_shape": (32, 32, 3), "min_input_size": 8, "num_classes": 10},
}

# The papers' training settings.
RECIPES = {
    # ImageNet (section 3.4): SGD 0.9, lr 0.1 divided by 10 at epochs 30 and 60 of 90, wd 1e-4, batch 256,
    # scale augmentation (random crops) and horizontal flips.
    "resnet": zoo.TrainingRecipe(optimizer="sgd", lr=0.1, momentum=0.9, weight_decay=1e-4, schedule="step",
                                 step_boundaries=(1 / 3, 2 / 3), epochs=90, batch_size=256,
                                 augmentation=("flip", "crop")),
    "resnetv2": zoo.TrainingRecipe(optimizer="sgd", lr=0.1, momentum=0.9, weight_decay=1e-4, schedule="step",
                                   step_boundaries=(1 / 3, 2 / 3), epochs=90, batch_size=256,
                                   augmentation=("flip", "crop")),
    # CIFAR-10 (section 4.2): lr 0.1 divided by 10 at 32k and 48k of 64k iterations (50% and 75%),
    # wd 1e-4, batch 128, 4-pixel padding with random 32x32 crops and horizontal flips.
    "resnet_cifar": zoo.TrainingRecipe(optimizer="sgd", lr=0.1, momentum=0.9, weight_decay=1e-4,
                                       schedule="step", step_boundaries=(0.5, 0.75), epochs=164, batch_size=128,
                                       augmentation=("flip", "crop")),
}

KERAS_DOCS = "keras.applications docs, keras.io/api/applications"
TORCHVISION_DOCS = "torchvision docs, IMAGENET1K_V1 weights"
HE_TABLE_6 = "He et al. 2015, table 6, 100 - test error"
# Published accuracies of each variant (percent), shown by zoo.info and docs/models.md.
REFERENCE = {
    "resnet18": {"imagenet_top1": {"value": 69.76, "source": TORCHVISION_DOCS}},
    "resnet34": {"imagenet_top1": {"value": 73.31, "source": TORCHVISION_DOCS}},
    "resnet50": {"imagenet_top1": {"value": 74.9, "source": KERAS_DOCS}},
    "resnet101": {"imagenet_top1": {"value": 76.4, "source": KERAS_DOCS}},
    "resnet152": {"imagenet_top1": {"value": 76.6, "source": KERAS_DOCS}},
    "resnet50v2": {"imagenet_top1": {"value": 76.0, "source": KERAS_DOCS}},
    "resnet101v2": {"imagenet_top1": {"value": 77.2, "source": KERAS_DOCS}},
    "resnet152v2": {"imagenet_top1": {"value": 78.0, "source": KERAS_DOCS}},
    "resnet20": {"cifar10_top1": {"value": 91.25, "source": HE_TABLE_6}},
    "resnet32": {"cifar10_top1": {"value": 92.49, "source": HE_TABLE_6}},
    "resnet44": {"cifar10_top1": {"value": 92.83, "source": HE_TABLE_6}},
    "resnet56": {"cifar10_top1": {"value": 93.03, "source": HE_TABLE_6}},
    "resnet110": {"cifar10_top1": {"value": 93.57, "source": HE_TABLE_6}},
}

DESCRIPTIONS = {
    "resnet": "ResNet v1: 7x7 stem, four stages of residual blocks, global average pooling.",
    "resnetv2": "ResNet v2: pre-activation bottleneck blocks (batch norm and ReLU before each convolution).",
    "resnet_cifar": "CIFAR ResNet (6n+2 layers): 3x3 stem, three stages of 16/32/64 filters, zero-padding shortcuts.",
}


def depth(name):
    """The depth in a variant's name: 50 for ``resnet50`` and ``resnet50v2``."""
    return int(name.removeprefix("resnet").removesuffix("v2"))


@zoo.hookimpl
def zoo_register_architectures(registry):
    for name, (family, arguments) in VARIANTS.items():
        defaults = {**FAMILIES[family], **arguments, **HEAD}
        registry.add(
            zoo.Architecture(
                name=name,
                family=family,
                build=BUILD,
                defaults=defaults,
                supports_features=True,
                paper=PAPERS[family],
                description=DESCRIPTIONS[family],
                converters={source: (TORCH_MODULE_NAMES, TORCH_LAYOUTS[defaults["block"]])
                            for source in TORCH_SOURCES.get(family, ())},
                **DATA[family],
            )
        )
        registry.add_card(name, {"metrics": REFERENCE[name]})


@zoo.hookimpl
def zoo_training_recipe(architecture):
    """The paper's recipe for the ResNet families; None for other families."""
    return RECIPES.get(architecture.family)


@zoo.hookimpl
def zoo_hyperparameters(architecture, hp):
    """Search space: the depth (one of the family's registered variants) and the dropout before the classifier.

    :return: the chosen variant's network arguments (``block``, ``depths``, ``use_bias`` ...) and
        ``dropout``, for ``zoo.get(architecture.name, **arguments)``: choosing depth 34 from ``resnet50``
        builds ResNet-34. None for other families. With an empty ``hp`` they are the architecture's own.
    """
    if architecture.family not in FAMILIES:
        return None
    depths = {depth(name): name for name, (family, _) in VARIANTS.items() if family == architecture.family}
    chosen = hp.Choice("depth", sorted(depths), default=depth(architecture.name))
    family, arguments = VARIANTS[depths[chosen]]
    return {**FAMILIES[family], **arguments, "dropout": hp.Float("dropout", 0.0, 0.5, step=0.1, default=0.0)}
