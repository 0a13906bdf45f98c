"""EfficientNet (Tan and Le 2019): ``efficientnetb0`` ... ``efficientnetb7``.

One builder, :func:`zoo_plugins.nets.efficientnet.build_efficientnet`: B0, found by architecture
search, scaled in width, depth and input size by the compound coefficients. Each variant is
keras.applications' model layer for layer, its ImageNet weights load unchanged; torchvision's
checkpoints convert (``zoo weights import --from torchvision``) with PyTorch's padding, no
preprocessing inside and, for B0...B4, batch-norm epsilon 1e-5; timm's ``efficientnet_b0`` ...
``b7`` (``--from timm``) with PyTorch's padding, no preprocessing inside and epsilon 1e-5. timm's
``tf_efficientnet_b0`` ... ``b7``, ported from TensorFlow, have TensorFlow's padding and epsilon
1e-3: they convert ``--from timm`` with ``arguments={"strided_padding": "same", "bn_epsilon": 1e-3}``.

Preprocessing is inside the model, as in keras.applications (``include_preprocessing=True``, the
default): raw RGB pixels in [0, 255] go in; ``x / 255`` is normalized by ImageNet's mean and
standard deviation, held as weights of the ``normalization`` layer. With
``include_preprocessing=False`` the stem takes normalized pixels (torchvision's weights).

Example::

    >>> model = zoo.get("efficientnetb0", num_classes=10, input_shape=(96, 96, 3))
    >>> backbone = zoo.get("efficientnetb3", include_top=False, features=True)  # strides 4, 8, 16, 32
"""

from dataclasses import replace

import zoo

from .sources import CATALOG, KERAS_DOCS

BUILD = "zoo_plugins.nets.efficientnet:build_efficientnet"
DEFAULTS = {
    "width": 1.0,  # compound width coefficient
    "depth": 1.0,  # compound depth coefficient
    "drop_connect_rate": 0.2,  # stochastic depth of the last block
    "depth_divisor": 8,
    "activation": "swish",
    "include_preprocessing": True,
    "bn_epsilon": 1e-3,  # keras.applications'
    "strided_padding": "same",  # TensorFlow's
    "dropout": 0.2,  # top_dropout, before the classifier
    "classifier_activation": "softmax",
    "features": False,
    "out_indices": None,
}
# Tan and Le 2019, section 4 and keras.applications: (width, depth, input size, dropout) of B0...B7.
SCALING = {"efficientnetb0": (1.0, 1.0, 224, 0.2), "efficientnetb1": (1.0, 1.1, 240, 0.2),
           "efficientnetb2": (1.1, 1.2, 260, 0.3), "efficientnetb3": (1.2, 1.4, 300, 0.3),
           "efficientnetb4": (1.4, 1.8, 380, 0.4), "efficientnetb5": (1.6, 2.2, 456, 0.4),
           "efficientnetb6": (1.8, 2.6, 528, 0.5), "efficientnetb7": (2.0, 3.1, 600, 0.5)}
# torchvision's layout: PyTorch's symmetric padding, normalized pixels in, and batch-norm epsilon 1e-5
# for B0...B4 (ported from timm) but 1e-3 for B5...B7 (ported from TensorFlow).
TORCHVISION_LAYOUT = {"strided_padding": "symmetric", "include_preprocessing": False}
TORCHVISION_EPSILON = {"efficientnetb5": 1e-3, "efficientnetb6": 1e-3, "efficientnetb7": 1e-3}
# timm's efficientnet_b0 ... b7: PyTorch's symmetric padding, normalized pixels in, batch-norm epsilon 1e-5
TIMM_LAYOUT = {"strided_padding": "symmetric", "include_preprocessing": False, "bn_epsilon": 1e-5}

# Section 5.2: RMSProp (decay 0.9, momentum 0.9), batch-norm momentum 0.99, weight decay 1e-5, lr 0.256 decayed
# x0.97 every 2.4 epochs (approximated by the cosine schedule), SiLU, AutoAugment, stochastic depth 0.2. The
# epochs, batch size, warmup, label smoothing and the moving average of the weights are those of the authors'
# TPU training code (350, 4096, 5, 0.1, 0.9999). AutoAugment's learned policy has no Keras layer; RandAugment,
# its successor from the same group, is a recipe field left off here since the paper did not use it.
RECIPE = zoo.TrainingRecipe(optimizer="rmsprop", lr=0.256, momentum=0.9, weight_decay=1e-5, schedule="cosine",
                            warmup_epochs=5, epochs=350, batch_size=4096, label_smoothing=0.1,
                            augmentation=("flip", "crop"), stochastic_depth=0.2, ema_decay=0.9999,
                            extra={"paper_schedule": "rmsprop decay 0.9 momentum 0.9, lr 0.256 x0.97 every 2.4 "
                                                     "epochs", "augmentation": "AutoAugment"})


def space(hp, architecture):
    """Search space: the compound scaling (one of B0...B7's width and depth), stochastic depth and dropout.

    An empty ``hp`` gives the architecture's own values.
    """
    defaults = architecture.defaults
    scalings = {name: (width, depth) for name, (width, depth, _, _) in SCALING.items()}
    chosen = hp.Choice("scaling", sorted(scalings), default=architecture.name if architecture.name in scalings
                       else "efficientnetb0")
    width, depth = scalings[chosen]
    return {"width": width, "depth": depth,
            "drop_connect_rate": hp.Float("drop_connect_rate", 0.0, 0.5, step=0.1,
                                          default=defaults["drop_connect_rate"]),
            "dropout": hp.Float("dropout", 0.0, 0.5, step=0.1, default=defaults["dropout"])}


# The feature stages (what features=True returns): the last block at strides 4, 8 and 16, and the top
# convolution's activation; layer names follow each variant's depth.
STAGES = {
    "efficientnetb0": (('block2b_add', 24, 4), ('block3b_add', 40, 8), ('block5c_add', 112, 16), ('top_activation', 1280, 32)),
    "efficientnetb1": (('block2c_add', 24, 4), ('block3c_add', 40, 8), ('block5d_add', 112, 16), ('top_activation', 1280, 32)),
    "efficientnetb2": (('block2c_add', 24, 4), ('block3c_add', 48, 8), ('block5d_add', 120, 16), ('top_activation', 1408, 32)),
    "efficientnetb3": (('block2c_add', 32, 4), ('block3c_add', 48, 8), ('block5e_add', 136, 16), ('top_activation', 1536, 32)),
    "efficientnetb4": (('block2d_add', 32, 4), ('block3d_add', 56, 8), ('block5f_add', 160, 16), ('top_activation', 1792, 32)),
    "efficientnetb5": (('block2e_add', 40, 4), ('block3e_add', 64, 8), ('block5g_add', 176, 16), ('top_activation', 2048, 32)),
    "efficientnetb6": (('block2f_add', 40, 4), ('block3f_add', 72, 8), ('block5h_add', 200, 16), ('top_activation', 2304, 32)),
    "efficientnetb7": (('block2g_add', 48, 4), ('block3g_add', 80, 8), ('block5j_add', 224, 16), ('top_activation', 2560, 32)),
}

EFFICIENTNET = zoo.Family(
    base=zoo.Architecture(
        name="efficientnetb0", family="efficientnet", build=BUILD, defaults=DEFAULTS, input_shape=(224, 224, 3),
        min_input_size=32, num_classes=1000, first_conv="stem_conv", classifier=("predictions", "top_dropout"),
        stages=STAGES["efficientnetb0"],
        recipe=RECIPE, search_space=space,
        free_arguments=("drop_connect_rate",), stochastic_depth="drop_connect_rate",
        converters={"torchvision": ("zoo_plugins.nets.efficientnet:torch_module_names",
                                    {**TORCHVISION_LAYOUT, "bn_epsilon": 1e-5}),
                    "timm": ("zoo_plugins.nets.efficientnet:timm_module_names", TIMM_LAYOUT)},
        paper="Tan and Le 2019, EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks "
              "(arXiv:1905.11946)",
        description="EfficientNet: MBConv blocks with squeeze-and-excitation, scaled in width, depth and "
                    "resolution; raw [0, 255] pixels in (normalization inside the model).",
    ),
    variants={name: {"width": width, "depth": depth, "dropout": dropout}
              for name, (width, depth, _, dropout) in SCALING.items()},
    stages=STAGES,
    metrics={
        "efficientnetb0": {"imagenet_top1": {"value": 77.1, "source": KERAS_DOCS}},
        "efficientnetb1": {"imagenet_top1": {"value": 79.1, "source": KERAS_DOCS}},
        "efficientnetb2": {"imagenet_top1": {"value": 80.1, "source": KERAS_DOCS}},
        "efficientnetb3": {"imagenet_top1": {"value": 81.6, "source": KERAS_DOCS}},
        "efficientnetb4": {"imagenet_top1": {"value": 82.9, "source": KERAS_DOCS}},
        "efficientnetb5": {"imagenet_top1": {"value": 83.6, "source": KERAS_DOCS}},
        "efficientnetb6": {"imagenet_top1": {"value": 84.0, "source": KERAS_DOCS}},
        "efficientnetb7": {"imagenet_top1": {"value": 84.3, "source": KERAS_DOCS}},
    },
)


def architectures():
    """The registered variants: the family's table with each variant's own input size and torchvision layout."""
    for arch in EFFICIENTNET.architectures():
        size = SCALING[arch.name][2]
        names, layout = arch.converters["torchvision"]
        layout = {**layout, "bn_epsilon": TORCHVISION_EPSILON.get(arch.name, layout["bn_epsilon"])}
        yield replace(arch, input_shape=(size, size, 3), converters={**arch.converters, "torchvision": (names, layout)})


@zoo.hookimpl
def zoo_register_architectures(registry):
    for arch in architectures():
        registry.add(arch)


@zoo.hookimpl
def zoo_register_weights(registry):
    registry.add_catalog(CATALOG, "efficientnet")
