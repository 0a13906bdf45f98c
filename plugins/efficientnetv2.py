"""EfficientNetV2 (Tan and Le 2021): ``efficientnetv2b0`` ... ``efficientnetv2b3``, ``efficientnetv2s``,
``efficientnetv2m``, ``efficientnetv2l``.

One builder, :func:`zoo_plugins.nets.efficientnetv2.build_efficientnetv2`: fused MBConv stages, then
MBConv stages with squeeze-and-excitation. Each variant is keras.applications' model layer for
layer, its ImageNet weights load unchanged; torchvision's checkpoints of S, M and L convert
(``zoo weights import --from torchvision``) with PyTorch's padding and no preprocessing inside, and
timm's ``tf_efficientnetv2_s``, ``_m`` and ``_l`` (``--from timm``, ported from TensorFlow) with
TensorFlow's padding, batch-norm epsilon 1e-3 and no preprocessing inside.

Preprocessing is inside the model, as in keras.applications (``include_preprocessing=True``, the
default): raw RGB pixels in [0, 255] go in. The B variants normalize ``x / 255`` by ImageNet's mean
and standard deviation (``preprocessing_mode="torch"``), S, M and L scale to [-1, 1] (``"tf"``).

Example::

    >>> model = zoo.get("efficientnetv2b0", num_classes=10, input_shape=(96, 96, 3))
    >>> backbone = zoo.get("efficientnetv2s", include_top=False, features=True)  # strides 4, 8, 16, 32
"""

from dataclasses import replace

import zoo

from .sources import CATALOG, KERAS_DOCS

BUILD = "zoo_plugins.nets.efficientnetv2:build_efficientnetv2"
DEFAULTS = {
    "stages": "b",  # the stage table: "b" (scaled by width and depth), "s", "m", "l"
    "width": 1.0,
    "depth": 1.0,
    "drop_connect_rate": 0.2,  # stochastic depth of the last block
    "depth_divisor": 8,
    "activation": "swish",
    "include_preprocessing": True,
    "preprocessing_mode": "torch",
    "bn_epsilon": 1e-3,  # keras.applications' and torchvision's
    "strided_padding": "same",  # TensorFlow's
    "dropout": 0.2,  # top_dropout, before the classifier
    "classifier_activation": "softmax",
    "features": False,
    "out_indices": None,
}
# keras.applications: (stage table, width, depth, input size) of each variant; every one has dropout 0.2.
SCALING = {"efficientnetv2b0": ("b", 1.0, 1.0, 224), "efficientnetv2b1": ("b", 1.0, 1.1, 240),
           "efficientnetv2b2": ("b", 1.1, 1.2, 260), "efficientnetv2b3": ("b", 1.2, 1.4, 300),
           "efficientnetv2s": ("s", 1.0, 1.0, 384), "efficientnetv2m": ("m", 1.0, 1.0, 480),
           "efficientnetv2l": ("l", 1.0, 1.0, 480)}
# torchvision has S, M and L: PyTorch's symmetric padding, normalized pixels in (batch-norm epsilon 1e-3 as keras)
TORCH_VARIANTS = ("efficientnetv2s", "efficientnetv2m", "efficientnetv2l")
TORCHVISION_LAYOUT = {"strided_padding": "symmetric", "include_preprocessing": False}
# timm's tf_efficientnetv2_s/m/l (its only published S, M and L weights): keras.applications' layout, TensorFlow's
# "same" padding and batch-norm epsilon 1e-3, with normalized pixels in
TIMM_LAYOUT = {"strided_padding": "same", "bn_epsilon": 1e-3, "include_preprocessing": False}

# Section 5.1: RMSProp (decay 0.9, momentum 0.9), batch-norm momentum 0.99, weight decay 1e-5, 350 epochs at
# batch 4096, lr warmed up from 0 to 0.256 then decayed x0.97 every 2.4 epochs (approximated by the cosine
# schedule); EMA 0.9999, RandAugment, Mixup, dropout, stochastic depth 0.2 and progressive learning (image size
# and regularization growing together). Progressive learning has no field: the recipe holds its final stage
# for the S model (table 6: RandAugment magnitude 15 of 30, two operations; Mixup alpha 0 for S, so no Mixup).
RECIPE = zoo.TrainingRecipe(optimizer="rmsprop", lr=0.256, momentum=0.9, weight_decay=1e-5, schedule="cosine",
                            warmup_epochs=5, epochs=350, batch_size=4096, augmentation=("flip", "crop"),
                            randaugment_ops=2, randaugment_magnitude=0.5, stochastic_depth=0.2, ema_decay=0.9999,
                            extra={"paper_schedule": "rmsprop decay 0.9 momentum 0.9, lr 0.256 x0.97 every 2.4 "
                                                     "epochs", "progressive_learning": "image size 128 to 300, "
                                                     "RandAugment magnitude 5 to 15 (S, table 6)"})


def space(hp, architecture):
    """Search space: the variant's network (one of B0...B3, S, M, L), stochastic depth and dropout.

    An empty ``hp`` gives the architecture's own values.
    """
    defaults = architecture.defaults
    chosen = hp.Choice("variant", sorted(SCALING), default=architecture.name if architecture.name in SCALING
                       else "efficientnetv2b0")
    stages, width, depth, _ = SCALING[chosen]
    return {"stages": stages, "width": width, "depth": depth,
            "preprocessing_mode": "torch" if stages == "b" else "tf",
            "drop_connect_rate": hp.Float("drop_connect_rate", 0.0, 0.5, step=0.1,
                                          default=defaults["drop_connect_rate"]),
            "dropout": hp.Float("dropout", 0.0, 0.5, step=0.1, default=defaults["dropout"])}


# The feature stages (what features=True returns): the last block at strides 4, 8 and 16, and the top
# convolution's activation; layer names follow each variant's depth.
STAGES = {
    "efficientnetv2b0": (('block2b_add', 32, 4), ('block3b_add', 48, 8), ('block5e_add', 112, 16), ('top_activation', 1280, 32)),
    "efficientnetv2b1": (('block2c_add', 32, 4), ('block3c_add', 48, 8), ('block5f_add', 112, 16), ('top_activation', 1280, 32)),
    "efficientnetv2b2": (('block2c_add', 32, 4), ('block3c_add', 56, 8), ('block5f_add', 120, 16), ('top_activation', 1408, 32)),
    "efficientnetv2b3": (('block2c_add', 40, 4), ('block3c_add', 56, 8), ('block5g_add', 136, 16), ('top_activation', 1536, 32)),
    "efficientnetv2l": (('block2g_add', 64, 4), ('block3g_add', 96, 8), ('block5s_add', 224, 16), ('top_activation', 1280, 32)),
    "efficientnetv2m": (('block2e_add', 48, 4), ('block3e_add', 80, 8), ('block5n_add', 176, 16), ('top_activation', 1280, 32)),
    "efficientnetv2s": (('block2d_add', 48, 4), ('block3d_add', 64, 8), ('block5i_add', 160, 16), ('top_activation', 1280, 32)),
}

EFFICIENTNETV2 = zoo.Family(
    base=zoo.Architecture(
        name="efficientnetv2b0", family="efficientnetv2", build=BUILD, defaults=DEFAULTS, input_shape=(224, 224, 3),
        min_input_size=32, num_classes=1000, first_conv="stem_conv", classifier=("predictions", "top_dropout"),
        stages=STAGES["efficientnetv2b0"],
        recipe=RECIPE, search_space=space,
        free_arguments=("drop_connect_rate",), stochastic_depth="drop_connect_rate",
        paper="Tan and Le 2021, EfficientNetV2: Smaller Models and Faster Training (arXiv:2104.00298)",
        description="EfficientNetV2: fused MBConv then MBConv blocks with squeeze-and-excitation; raw [0, 255] "
                    "pixels in (scaling inside the model).",
    ),
    variants={name: {"stages": stages, "width": width, "depth": depth,
                     "preprocessing_mode": "torch" if stages == "b" else "tf"}
              for name, (stages, width, depth, _) in SCALING.items()},
    stages=STAGES,
    metrics={
        "efficientnetv2b0": {"imagenet_top1": {"value": 78.7, "source": KERAS_DOCS}},
        "efficientnetv2b1": {"imagenet_top1": {"value": 79.8, "source": KERAS_DOCS}},
        "efficientnetv2b2": {"imagenet_top1": {"value": 80.5, "source": KERAS_DOCS}},
        "efficientnetv2b3": {"imagenet_top1": {"value": 82.0, "source": KERAS_DOCS}},
        "efficientnetv2s": {"imagenet_top1": {"value": 83.9, "source": KERAS_DOCS}},
        "efficientnetv2m": {"imagenet_top1": {"value": 85.3, "source": KERAS_DOCS}},
        "efficientnetv2l": {"imagenet_top1": {"value": 85.7, "source": KERAS_DOCS}},
    },
)


def architectures():
    """The registered variants: the family's table with each variant's own input size (and torchvision's and
    timm's layouts for S, M and L)."""
    converters = {"torchvision": ("zoo_plugins.nets.efficientnetv2:torch_module_names", TORCHVISION_LAYOUT),
                  "timm": ("zoo_plugins.nets.efficientnetv2:timm_module_names", TIMM_LAYOUT)}
    for arch in EFFICIENTNETV2.architectures():
        size = SCALING[arch.name][3]
        yield replace(arch, input_shape=(size, size, 3), converters=converters if arch.name in TORCH_VARIANTS else {})


@zoo.hookimpl
def zoo_register_architectures(registry):
    for arch in architectures():
        registry.add(arch)


@zoo.hookimpl
def zoo_register_weights(registry):
    registry.add_catalog(CATALOG, "efficientnetv2")
