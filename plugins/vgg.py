"""VGG (Simonyan and Zisserman 2014): ``vgg11`` ... ``vgg19`` and their batch-norm variants ``vgg11_bn`` ...

One builder, :func:`zoo_plugins.nets.vgg.build_vgg`. ``vgg16`` and ``vgg19`` are
keras.applications' models layer for layer; ``vgg11`` has torchvision's
132,863,336 parameters.

Example::

    >>> model = zoo.get("vgg16", num_classes=10, input_shape=(32, 32, 3), fc_units=512)
    >>> backbone = zoo.get("vgg16_bn", include_top=False, features=True)  # blocks 2 to 5
"""

import zoo

FAMILY = "vgg"
PAPER = "Simonyan and Zisserman 2014, Very Deep Convolutional Networks for Large-Scale Image Recognition (arXiv:1409.1556)"

DEFAULTS = {
    "convs": (2, 2, 3, 3, 3),  # 3x3 convolutions per block
    "widths": (64, 128, 256, 512, 512),  # filters per block
    "batch_norm": False,
    "fc_units": 4096,  # fc1 and fc2
    "dropout": 0.0,  # before the classifier
    "classifier_activation": "softmax",
    "features": False,
}

CONVS = {"vgg11": (1, 1, 2, 2, 2), "vgg13": (2, 2, 2, 2, 2), "vgg16": (2, 2, 3, 3, 3), "vgg19": (2, 2, 4, 4, 4)}
VARIANTS = {
    **{name: {"convs": convs} for name, convs in CONVS.items()},
    **{f"{name}_bn": {"convs": convs, "batch_norm": True} for name, convs in CONVS.items()},
}

# PyTorch checkpoints (zoo.convert): torchvision's VGGs are these models layer for layer (convolution
# biases, batch-norm epsilon 1e-5), so the layout needs no build argument. Its AdaptiveAvgPool2d(7) is the
# identity where the last feature map is 7x7 (224x224 images), the size the classifier is built for.
CONVERTERS = {"torchvision": ("zoo_plugins.nets.vgg:torch_module_names", {})}

KERAS_DOCS = "keras.applications docs, keras.io/api/applications"
TORCHVISION_DOCS = "torchvision docs, IMAGENET1K_V1 weights"
# Published ImageNet top-1 accuracies (percent), shown by zoo.info and docs/models.md.
REFERENCE = {
    "vgg11": (69.02, TORCHVISION_DOCS), "vgg13": (69.93, TORCHVISION_DOCS),
    "vgg16": (71.3, KERAS_DOCS), "vgg19": (71.3, KERAS_DOCS),
    "vgg11_bn": (70.37, TORCHVISION_DOCS), "vgg13_bn": (71.59, TORCHVISION_DOCS),
    "vgg16_bn": (73.36, TORCHVISION_DOCS), "vgg19_bn": (74.22, TORCHVISION_DOCS),
}

# Section 3.1: SGD 0.9, batch 256, wd 5e-4, lr 0.01 divided by 10 three times when the validation
# accuracy stopped improving (74 epochs), random 224 crops and flips.
RECIPE = zoo.TrainingRecipe(optimizer="sgd", lr=0.01, momentum=0.9, weight_decay=5e-4, schedule="step",
                            step_boundaries=(0.5, 0.75), epochs=74, batch_size=256, augmentation=("flip", "crop"),
                            extra={"paper_schedule": "lr / 10 on validation plateau, 3 times in 74 epochs"})


@zoo.hookimpl
def zoo_register_architectures(registry):
    for name, arguments in VARIANTS.items():
        batch_norm = " with batch norm" if arguments.get("batch_norm") else ""
        registry.add(
            zoo.Architecture(
                name=name,
                family=FAMILY,
                build="zoo_plugins.nets.vgg:build_vgg",
                defaults={**DEFAULTS, **arguments},
                input_shape=(224, 224, 3),
                min_input_size=32,
                num_classes=1000,
                supports_features=True,
                paper=PAPER,
                converters=CONVERTERS,
                description=f"VGG-{sum(arguments['convs']) + 3}{batch_norm}: five blocks of 3x3 convolutions "
                            "and max pooling, two 4096-wide dense layers.",
            )
        )
        value, source = REFERENCE[name]
        registry.add_card(name, {"metrics": {"imagenet_top1": {"value": value, "source": source}}})


@zoo.hookimpl
def zoo_training_recipe(architecture):
    """The paper's recipe for VGG; None for other families."""
    return RECIPE if architecture.family == FAMILY else None


@zoo.hookimpl
def zoo_hyperparameters(architecture, hp):
    """Search space: batch norm, the width of ``fc1``/``fc2`` and the dropout before the classifier.

    :return: ``{"batch_norm": bool, "fc_units": int, "dropout": float}`` for ``zoo.get(architecture, ...)``;
        None for other families. An empty ``hp`` gives the architecture's own values and dropout 0.
    """
    if architecture.family != FAMILY:
        return None
    defaults = architecture.defaults
    return {
        "batch_norm": hp.Boolean("batch_norm", default=defaults["batch_norm"]),
        "fc_units": hp.Choice("fc_units", [512, 1024, 2048, 4096], default=defaults["fc_units"]),
        "dropout": hp.Float("dropout", 0.0, 0.5, step=0.1, default=defaults["dropout"]),
    }
