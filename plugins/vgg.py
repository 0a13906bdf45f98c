"""VGG (Simonyan and Zisserman 2014): ``vgg11`` ... ``vgg19`` and their batch-norm variants ``vgg11_bn`` ...

One builder, :func:`zoo_plugins.nets.vgg.build_vgg`. ``vgg16`` and ``vgg19`` are
keras.applications' models layer for layer; ``vgg11`` has torchvision's
132,863,336 parameters.

Example::

    >>> model = zoo.get("vgg16", num_classes=10, input_shape=(32, 32, 3), fc_units=512)
    >>> backbone = zoo.get("vgg16_bn", include_top=False, features=True)  # blocks 2 to 5
"""

import zoo

from .sources import CATALOG, KERAS_DOCS, TORCHVISION_DOCS

# PyTorch checkpoints (zoo.weights.convert): torchvision's VGGs are these models layer for layer (convolution
# biases, batch-norm epsilon 1e-5), so the layout needs no build argument. Its AdaptiveAvgPool2d(7) is the
# identity where the last feature map is 7x7 (224x224 images), the size the classifier is built for.
CONVERTERS = {"torchvision": ("zoo_plugins.nets.vgg:torch_module_names", {})}

# Section 3.1: SGD 0.9, batch 256, wd 5e-4, lr 0.01 divided by 10 three times when the validation
# accuracy stopped improving (74 epochs), random 224 crops and flips.
RECIPE = zoo.TrainingRecipe(optimizer="sgd", lr=0.01, momentum=0.9, weight_decay=5e-4, schedule="step",
                            step_boundaries=(0.5, 0.75), epochs=74, batch_size=256, augmentation=("flip", "crop"),
                            extra={"paper_schedule": "lr / 10 on validation plateau, 3 times in 74 epochs"})


def space(hp, architecture):
    """Search space: batch norm, the width of ``fc1``/``fc2`` and the dropout before the classifier.

    An empty ``hp`` gives the architecture's own values and dropout 0.
    """
    defaults = architecture.defaults
    return {
        "batch_norm": hp.Boolean("batch_norm", default=defaults["batch_norm"]),
        "fc_units": hp.Choice("fc_units", [512, 1024, 2048, 4096], default=defaults["fc_units"]),
        "dropout": hp.Float("dropout", 0.0, 0.5, step=0.1, default=defaults["dropout"]),
    }


CONVS = {"vgg11": (1, 1, 2, 2, 2), "vgg13": (2, 2, 2, 2, 2), "vgg16": (2, 2, 3, 3, 3), "vgg19": (2, 2, 4, 4, 4)}
FAMILY = zoo.Family(
    base=zoo.Architecture(
        name="vgg16",
        family="vgg",
        build="zoo_plugins.nets.vgg:build_vgg",
        defaults={
            "convs": (2, 2, 3, 3, 3),  # 3x3 convolutions per block
            "widths": (64, 128, 256, 512, 512),  # filters per block
            "batch_norm": False,
            "fc_units": 4096,  # fc1 and fc2
            "dropout": 0.0,  # before the classifier
            "classifier_activation": "softmax",
            "features": False,
            "out_indices": None,
        },
        input_shape=(224, 224, 3),
        min_input_size=32,
        num_classes=1000,
        first_conv="block1_conv1",
        stages=(("block2_pool", 128, 4), ("block3_pool", 256, 8), ("block4_pool", 512, 16), ("block5_pool", 512, 32)),
        recipe=RECIPE,
        search_space=space,
        converters=CONVERTERS,
        paper="Simonyan and Zisserman 2014, Very Deep Convolutional Networks for Large-Scale Image Recognition "
              "(arXiv:1409.1556)",
        description="VGG: five blocks of 3x3 convolutions and max pooling (batch norm after each in the _bn "
                    "variants), two 4096-wide dense layers.",
    ),
    variants={**{name: {"convs": convs} for name, convs in CONVS.items()},
              **{f"{name}_bn": {"convs": convs, "batch_norm": True} for name, convs in CONVS.items()}},
    metrics={
        "vgg11": {"imagenet_top1": {"value": 69.02, "source": TORCHVISION_DOCS}},
        "vgg13": {"imagenet_top1": {"value": 69.93, "source": TORCHVISION_DOCS}},
        "vgg16": {"imagenet_top1": {"value": 71.3, "source": KERAS_DOCS}},
        "vgg19": {"imagenet_top1": {"value": 71.3, "source": KERAS_DOCS}},
        "vgg11_bn": {"imagenet_top1": {"value": 70.37, "source": TORCHVISION_DOCS}},
        "vgg13_bn": {"imagenet_top1": {"value": 71.59, "source": TORCHVISION_DOCS}},
        "vgg16_bn": {"imagenet_top1": {"value": 73.36, "source": TORCHVISION_DOCS}},
        "vgg19_bn": {"imagenet_top1": {"value": 74.22, "source": TORCHVISION_DOCS}},
    },
)


@zoo.hookimpl
def zoo_register_architectures(registry):
    registry.add_family(FAMILY)


@zoo.hookimpl
def zoo_register_weights(registry):
    registry.add_catalog(CATALOG, "vgg")
