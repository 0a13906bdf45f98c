"""ResNets: v1 (He et al. 2015), v2 pre-activation (He et al. 2016) and the CIFAR ResNets.

Three families share one builder, :func:`zoo_plugins.nets.resnet.build_resnet`:

- ``resnet``: ``resnet18``, ``resnet34`` (basic blocks, torchvision's layout: no
  convolution biases) and ``resnet50``, ``resnet101``, ``resnet152``
  (bottlenecks, keras.applications' layout: weights load from it);
- ``resnetv2``: ``resnet50v2``, ``resnet101v2``, ``resnet152v2`` (keras.applications' layout);
- ``resnet_cifar``: ``resnet20`` ... ``resnet110``, 6n+2 layers on 32x32 images
  (section 4.2 of the paper: 3x3 stem, stages of 16/32/64 filters, zero-padding shortcuts).

torchvision's and timm's checkpoints of ``resnet`` convert into it (``zoo weights import --from``,
:mod:`zoo.weights.convert`): with ``bottleneck_stride="3x3"``, no biases and PyTorch's batch-norm epsilon.

Example::

    >>> model = zoo.get("resnet50", num_classes=10, input_shape=(64, 64, 3))
    >>> backbone = zoo.get("resnet18", include_top=False, features=True)  # C2..C5
"""

from dataclasses import replace

import zoo

from .sources import CATALOG, KERAS_DOCS, TORCHVISION_DOCS

BUILD = "zoo_plugins.nets.resnet:build_resnet"
PAPER_V1 = "He et al. 2015, Deep Residual Learning for Image Recognition (arXiv:1512.03385)"
HE_TABLE_6 = "He et al. 2015, table 6, 100 - test error"
HEAD = {"dropout": 0.0, "classifier_activation": "softmax", "features": False, "out_indices": None}
BOTTLENECK = {"block": "bottleneck", "depths": (3, 4, 6, 3), "widths": (64, 128, 256, 512), "stem_type": "imagenet",
              "stem_width": 64, "use_bias": True, "shortcut": "projection", "bn_epsilon": 1.001e-5, **HEAD}
# PyTorch checkpoints (zoo.weights.convert): torchvision's and timm's ResNets name their modules alike, and lay
# them out alike: no convolution biases, batch-norm epsilon 1e-5, and ("ResNet v1.5") the stride of a
# bottleneck on its 3x3 convolution.
TORCH_LAYOUT = {"bottleneck_stride": "3x3", "use_bias": False, "bn_epsilon": 1e-5}
TORCH_CONVERTERS = {source: ("zoo_plugins.nets.resnet:torch_module_names", TORCH_LAYOUT)
                    for source in ("torchvision", "timm")}
# ResNet-18 and -34 have torchvision's layout (where a bottleneck strides is moot in basic blocks).
TORCHVISION_BASIC = {"block": "basic", **TORCH_LAYOUT}

# ImageNet (section 3.4): SGD 0.9, lr 0.1 divided by 10 at epochs 30 and 60 of 90, wd 1e-4, batch 256,
# scale augmentation (random crops) and horizontal flips. ResNet v2 trains the same way.
IMAGENET_RECIPE = zoo.TrainingRecipe(optimizer="sgd", lr=0.1, momentum=0.9, weight_decay=1e-4, schedule="step",
                                     step_boundaries=(1 / 3, 2 / 3), epochs=90, batch_size=256,
                                     augmentation=("flip", "crop"))
# CIFAR-10 (section 4.2): lr 0.1 divided by 10 at 32k and 48k of 64k iterations (50% and 75%),
# wd 1e-4, batch 128, 4-pixel padding with random 32x32 crops and horizontal flips.
CIFAR_RECIPE = zoo.TrainingRecipe(optimizer="sgd", lr=0.1, momentum=0.9, weight_decay=1e-4, schedule="step",
                                  step_boundaries=(0.5, 0.75), epochs=164, batch_size=128,
                                  augmentation=("flip", "crop"))


def residual_stages(arguments):
    """The feature stages of a ResNet built with ``arguments``: the last block at each resolution (v1: the end of
    every stage; v2, which downsamples in a stage's last block: the block before it, and ``post_relu`` last)."""
    depths, preact = arguments["depths"], arguments["preact"]
    expansion = 4 if arguments["block"] == "bottleneck" else 1
    first_reduction = 4 if arguments["stem_type"] == "imagenet" else 1
    found = []
    for index, (blocks, width) in enumerate(zip(depths, arguments["widths"])):
        last = index == len(depths) - 1
        layer = "post_relu" if preact and last else f"conv{index + 2}_block{blocks - (preact and not last)}_out"
        found.append((layer, width * expansion, first_reduction * 2 ** index))
    return tuple(found)


def resnet_family(base, variants, metrics):
    """A ResNet family: ``base`` with the stages of its arguments, each variant with the stages of its own."""
    return zoo.Family(base=replace(base, stages=residual_stages(base.defaults)), variants=variants, metrics=metrics,
                      stages={name: residual_stages({**base.defaults, **arguments})
                              for name, arguments in variants.items()})


def depth(name):
    """The depth in a variant's name: 50 for ``resnet50`` and ``resnet50v2``."""
    return int(name.removeprefix("resnet").removesuffix("v2"))


def space(hp, architecture):
    """Search space: the depth (one of the family's registered variants) and the dropout before the classifier.

    :return: the chosen variant's network arguments (``block``, ``depths``, ``use_bias`` ...) and
        ``dropout``, for ``zoo.get(architecture.name, **arguments)``: choosing depth 34 from ``resnet50``
        builds ResNet-34. With an empty ``hp`` they are the architecture's own.
    """
    family = FAMILIES[architecture.family]
    depths = {depth(name): name for name in family.variants}
    chosen = hp.Choice("depth", sorted(depths), default=depth(architecture.name))
    arguments = {k: v for k, v in {**family.base.defaults, **family.variants[depths[chosen]]}.items() if k not in HEAD}
    return {**arguments, "dropout": hp.Float("dropout", 0.0, 0.5, step=0.1, default=0.0)}


RESNET = resnet_family(
    base=zoo.Architecture(
        name="resnet50", family="resnet", build=BUILD,
        defaults={**BOTTLENECK, "preact": False, "bottleneck_stride": "1x1"},  # keras.applications' layout
        input_shape=(224, 224, 3), min_input_size=32, num_classes=1000, first_conv="conv1_conv",
        recipe=IMAGENET_RECIPE, search_space=space, paper=PAPER_V1, converters=TORCH_CONVERTERS,
        description="ResNet v1: 7x7 stem, four stages of residual blocks, global average pooling.",
    ),
    variants={
        "resnet18": {**TORCHVISION_BASIC, "depths": (2, 2, 2, 2)},
        "resnet34": {**TORCHVISION_BASIC, "depths": (3, 4, 6, 3)},
        "resnet50": {"depths": (3, 4, 6, 3)},
        "resnet101": {"depths": (3, 4, 23, 3)},
        "resnet152": {"depths": (3, 8, 36, 3)},
    },
    metrics={
        "resnet18": {"imagenet_top1": {"value": 69.76, "source": TORCHVISION_DOCS}},
        "resnet34": {"imagenet_top1": {"value": 73.31, "source": TORCHVISION_DOCS}},
        "resnet50": {"imagenet_top1": {"value": 74.9, "source": KERAS_DOCS}},
        "resnet101": {"imagenet_top1": {"value": 76.4, "source": KERAS_DOCS}},
        "resnet152": {"imagenet_top1": {"value": 76.6, "source": KERAS_DOCS}},
    },
)

RESNETV2 = resnet_family(
    base=zoo.Architecture(
        name="resnet50v2", family="resnetv2", build=BUILD,
        defaults={**BOTTLENECK, "preact": True, "bottleneck_stride": "3x3"},  # pre-activation strides its 3x3
        input_shape=(224, 224, 3), min_input_size=32, num_classes=1000, first_conv="conv1_conv",
        recipe=IMAGENET_RECIPE, search_space=space,
        paper="He et al. 2016, Identity Mappings in Deep Residual Networks (arXiv:1603.05027)",
        description="ResNet v2: pre-activation bottleneck blocks (batch norm and ReLU before each convolution).",
    ),
    variants={
        "resnet50v2": {"depths": (3, 4, 6, 3)},
        "resnet101v2": {"depths": (3, 4, 23, 3)},
        "resnet152v2": {"depths": (3, 8, 36, 3)},
    },
    metrics={
        "resnet50v2": {"imagenet_top1": {"value": 76.0, "source": KERAS_DOCS}},
        "resnet101v2": {"imagenet_top1": {"value": 77.2, "source": KERAS_DOCS}},
        "resnet152v2": {"imagenet_top1": {"value": 78.0, "source": KERAS_DOCS}},
    },
)

RESNET_CIFAR = resnet_family(
    base=zoo.Architecture(
        name="resnet20", family="resnet_cifar", build=BUILD,
        defaults={"block": "basic", "depths": (3, 3, 3), "widths": (16, 32, 64), "preact": False, "stem_type": "cifar",
                  "stem_width": 16, "use_bias": False, "shortcut": "zero_pad", "bn_epsilon": 1e-5,
                  "bottleneck_stride": "1x1", **HEAD},
        input_shape=(32, 32, 3), min_input_size=8, num_classes=10, first_conv="conv1_conv",
        recipe=CIFAR_RECIPE,
        search_space=space, paper=f"{PAPER_V1}, section 4.2",
        description="CIFAR ResNet (6n+2 layers): 3x3 stem, three stages of 16/32/64 filters, zero-padding shortcuts.",
    ),
    variants={f"resnet{6 * n + 2}": {"depths": (n, n, n)} for n in (3, 5, 7, 9, 18)},
    metrics={
        "resnet20": {"cifar10_top1": {"value": 91.25, "source": HE_TABLE_6}},
        "resnet32": {"cifar10_top1": {"value": 92.49, "source": HE_TABLE_6}},
        "resnet44": {"cifar10_top1": {"value": 92.83, "source": HE_TABLE_6}},
        "resnet56": {"cifar10_top1": {"value": 93.03, "source": HE_TABLE_6}},
        "resnet110": {"cifar10_top1": {"value": 93.57, "source": HE_TABLE_6}},
    },
)

FAMILIES = {family.base.family: family for family in (RESNET, RESNETV2, RESNET_CIFAR)}


@zoo.hookimpl
def zoo_register_architectures(registry):
    for family in FAMILIES.values():
        registry.add_family(family)


@zoo.hookimpl
def zoo_register_weights(registry):
    registry.add_catalog(CATALOG, "resnet")
