"""DenseNet (Huang et al. 2017): ``densenet121``, ``densenet169``, ``densenet201`` and ``densenet_bc_100_k12``.

One builder, :func:`zoo_plugins.nets.densenet.build_densenet`, two families: the ImageNet
variants (keras.applications' models layer for layer) and the paper's CIFAR network,
DenseNet-BC-100 (k=12): a 3x3 stem, three dense blocks of 16 bottleneck layers,
compression 0.5, about 0.8M parameters.

Example::

    >>> model = zoo.get("densenet_bc_100_k12")  # 32x32x3 images, 10 classes
    >>> model = zoo.get("densenet121", num_classes=5, input_shape=(96, 96, 3), growth_rate=16)
"""

import zoo

from .sources import CATALOG, KERAS_DOCS

BUILD = "zoo_plugins.nets.densenet:build_densenet"
PAPER = "Huang et al. 2017, Densely Connected Convolutional Networks (arXiv:1608.06993)"
DEFAULTS = {
    "blocks": (6, 12, 24, 16),  # layers per dense block
    "growth_rate": 32,  # k
    "bottleneck_width": 4,  # the 1x1 bottleneck has 4k filters
    "compression": 0.5,  # theta
    "stem_type": "imagenet",
    "stem_width": 64,
    "bn_epsilon": 1.001e-5,  # keras.applications' value
    "dropout": 0.0,  # before the classifier
    "classifier_activation": "softmax",
    "features": False,
    "out_indices": None,
}

# PyTorch checkpoints (zoo.weights.convert) of the ImageNet variants: torchvision's and timm's DenseNets are
# these models with batch-norm epsilon 1e-5.
TORCH_CONVERTER = ("zoo_plugins.nets.densenet:torch_module_names", {"bn_epsilon": 1e-5})

# Section 4.2: SGD with Nesterov momentum 0.9, wd 1e-4, lr 0.1 divided by 10 at 50% and 75% of training
# (ImageNet: batch 256, 90 epochs, /10 at 30, 60; CIFAR: batch 64, 300 epochs, mirror and shift augmentation).
IMAGENET_RECIPE = zoo.TrainingRecipe(optimizer="sgd", lr=0.1, momentum=0.9, weight_decay=1e-4, schedule="step",
                                     step_boundaries=(1 / 3, 2 / 3), epochs=90, batch_size=256,
                                     augmentation=("flip", "crop"), extra={"nesterov": True})
CIFAR_RECIPE = IMAGENET_RECIPE.override(step_boundaries=(0.5, 0.75), epochs=300, batch_size=64)


def dense_stages(blocks, growth_rate=32, stem_width=64, compression=0.5, first_reduction=4):
    """The feature stages of a DenseNet: the end of every dense block (its concatenation; the last one's
    batch norm and ReLU), each transition halving the size and compressing the channels."""
    channels, found = stem_width, []
    for index, count in enumerate(blocks):
        channels += count * growth_rate
        last = index == len(blocks) - 1
        found.append(("relu" if last else f"conv{index + 2}_block{count}_concat", channels, first_reduction * 2 ** index))
        channels = int(channels * compression)
    return tuple(found)


def space(hp, architecture):
    """Search space: growth rate, compression and the dropout before the classifier.

    An empty ``hp`` gives the architecture's own values and dropout 0.
    """
    defaults = architecture.defaults
    return {
        "growth_rate": hp.Choice("growth_rate", sorted({12, 16, 24, 32, defaults["growth_rate"]}),
                                 default=defaults["growth_rate"]),
        "compression": hp.Choice("compression", sorted({0.5, 0.75, 1.0, defaults["compression"]}),
                                 default=defaults["compression"]),
        "dropout": hp.Float("dropout", 0.0, 0.5, step=0.1, default=defaults["dropout"]),
    }


DENSENET = zoo.Family(
    base=zoo.Architecture(
        name="densenet121", family="densenet", build=BUILD, defaults=DEFAULTS, input_shape=(224, 224, 3),
        min_input_size=32, num_classes=1000, first_conv="conv1_conv", stages=dense_stages((6, 12, 24, 16)),
        recipe=IMAGENET_RECIPE, search_space=space,
        converters={"torchvision": TORCH_CONVERTER, "timm": TORCH_CONVERTER}, paper=PAPER,
        description="DenseNet-BC: a 7x7 stem, four dense blocks joined by compressing transitions.",
    ),
    variants={
        "densenet121": {"blocks": (6, 12, 24, 16)},
        "densenet169": {"blocks": (6, 12, 32, 32)},
        "densenet201": {"blocks": (6, 12, 48, 32)},
    },
    stages={"densenet169": dense_stages((6, 12, 32, 32)), "densenet201": dense_stages((6, 12, 48, 32))},
    metrics={
        "densenet121": {"imagenet_top1": {"value": 75.0, "source": KERAS_DOCS}},
        "densenet169": {"imagenet_top1": {"value": 76.2, "source": KERAS_DOCS}},
        "densenet201": {"imagenet_top1": {"value": 77.3, "source": KERAS_DOCS}},
    },
)

DENSENET_CIFAR = zoo.Family(
    base=zoo.Architecture(
        name="densenet_bc_100_k12", family="densenet_cifar", build=BUILD,
        defaults={**DEFAULTS, "blocks": (16, 16, 16), "growth_rate": 12, "stem_type": "cifar", "stem_width": 24,
                  "bn_epsilon": 1e-5},
        input_shape=(32, 32, 3), min_input_size=8, num_classes=10, first_conv="conv1_conv",
        stages=dense_stages((16, 16, 16), growth_rate=12, stem_width=24, first_reduction=1), recipe=CIFAR_RECIPE,
        search_space=space, paper=PAPER,
        description="DenseNet-BC for CIFAR: a 3x3 stem, three dense blocks of 16 bottleneck layers, k=12.",
    ),
    variants={"densenet_bc_100_k12": {}},
    metrics={"densenet_bc_100_k12": {"cifar10_top1": {"value": 95.49,
                                                      "source": "Huang et al. 2017, table 2, C10+, 100 - 4.51% error"}}},
)


@zoo.hookimpl
def zoo_register_architectures(registry):
    registry.add_family(DENSENET)
    registry.add_family(DENSENET_CIFAR)


@zoo.hookimpl
def zoo_register_weights(registry):
    registry.add_catalog(CATALOG, "densenet")
