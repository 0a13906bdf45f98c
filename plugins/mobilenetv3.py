"""MobileNetV3 (Howard et al. 2019): ``mobilenetv3small`` and ``mobilenetv3large``.

One builder, :func:`zoo_plugins.nets.mobilenetv3.build_mobilenetv3`, keras.applications'
``MobileNetV3Small`` and ``MobileNetV3Large`` layer for layer (its ImageNet weights load
unchanged), with its options: the width multiplier ``alpha`` and ``minimalistic`` (no
squeeze-and-excitation, hard-swish or 5x5 kernels).

Preprocessing is inside the model, as in keras.applications: with ``include_preprocessing=True``
(the default) a ``Rescaling`` layer maps pixels in [0, 255] to [-1, 1], so the model takes raw
pixels and its weight tags say ``preprocessing: {}``; ``include_preprocessing=False`` takes
pixels already in [-1, 1]. torchvision's and timm's checkpoints (``mobilenet_v3_small``,
``mobilenetv3_small_100`` ...) convert into the same builder with ``strided_padding="symmetric"`` and
no preprocessing inside (they take ImageNet-normalised input); timm's with batch-norm epsilon 1e-5.

Example::

    >>> model = zoo.get("mobilenetv3large", num_classes=10, input_shape=(96, 96, 3))
    >>> model = zoo.get("mobilenetv3small", alpha=0.75, minimalistic=True, in_channels=1)
"""

import zoo

from .sources import CATALOG, KERAS_MOBILENETV3

HEAD = {"dropout": 0.2, "classifier_activation": "softmax", "features": False, "out_indices": None}
ALPHAS = (0.75, 1.0)  # the widths with published ImageNet weights (minimalistic: 1.0 only)
# PyTorch checkpoints (zoo.weights.convert): torchvision's and timm's MobileNetV3 pad their stride-2
# convolutions symmetrically and take ImageNet-normalised input; torchvision's batch norm has keras' epsilon
# (1e-3), timm's (mobilenetv3_small_100, mobilenetv3_large_100) PyTorch's default, 1e-5.
TORCHVISION_LAYOUT = {"strided_padding": "symmetric", "include_preprocessing": False}
TIMM_LAYOUT = {**TORCHVISION_LAYOUT, "bn_epsilon": 1e-5}

# Section 6.1.1: RMSProp with momentum 0.9, lr 0.1 decayed by 0.01 every 3 epochs, batch 4096, weight decay
# 1e-5, dropout 0.2, EMA 0.9999, Inception preprocessing. The paper gives no epoch count: 600 is
# torchvision's reference recipe; cosine stands in for the exponential decay.
RECIPE = zoo.TrainingRecipe(optimizer="rmsprop", lr=0.1, momentum=0.9, weight_decay=1e-5, schedule="cosine",
                            epochs=600, batch_size=4096, augmentation=("flip", "crop"), ema_decay=0.9999,
                            extra={"paper_schedule": "rmsprop momentum 0.9, lr 0.1 x0.99 every 3 epochs "
                                                     "(Howard et al. 2019, section 6.1.1)",
                                   "epochs_source": "torchvision references/classification, MobileNetV3"})


def space(hp, architecture):
    """Search space: the width multiplier ``alpha`` (among those with published weights), ``minimalistic``
    and the dropout before the logits."""
    defaults = architecture.defaults
    return {"alpha": hp.Choice("alpha", ALPHAS, default=defaults["alpha"]),
            "minimalistic": hp.Boolean("minimalistic", default=defaults["minimalistic"]),
            "dropout": hp.Float("dropout", 0.0, 0.5, step=0.1, default=defaults["dropout"])}


MOBILENETV3 = zoo.Family(
    base=zoo.Architecture(
        name="mobilenetv3large", family="mobilenetv3", build="zoo_plugins.nets.mobilenetv3:build_mobilenetv3",
        defaults={"model_type": "large", "alpha": 1.0, "minimalistic": False, "include_preprocessing": True,
                  "strided_padding": "same", "bn_epsilon": 1e-3, **HEAD},
        input_shape=(224, 224, 3), min_input_size=32, num_classes=1000, first_conv="conv",
        classifier=("logits", "dropout"), recipe=RECIPE, search_space=space,
        # the last block at strides 4, 8 and 16, and the last 1x1 convolution's activation
        stages=(("expanded_conv_2_add", 24, 4), ("expanded_conv_5_add", 40, 8), ("expanded_conv_11_add", 112, 16),
                ("conv_1_act", 960, 32)),
        converters={"torchvision": ("zoo_plugins.nets.mobilenetv3:torch_module_names", TORCHVISION_LAYOUT),
                    "timm": ("zoo_plugins.nets.mobilenetv3:timm_module_names", TIMM_LAYOUT)},
        paper="Howard et al. 2019, Searching for MobileNetV3 (arXiv:1905.02244)",
        description="MobileNetV3: searched inverted residual blocks with squeeze-and-excitation and hard-swish; "
                    "takes pixels in [0, 255] (a Rescaling layer inside, include_preprocessing=True).",
    ),
    stages={"mobilenetv3small": (("expanded_conv_project_bn", 16, 4), ("expanded_conv_2_add", 24, 8),
                                 ("expanded_conv_7_add", 48, 16), ("conv_1_act", 576, 32))},
    variants={
        "mobilenetv3small": {"model_type": "small"},
        "mobilenetv3large": {"model_type": "large"},
    },
    metrics={
        "mobilenetv3small": {"imagenet_top1": {"value": 68.1, "source": KERAS_MOBILENETV3}},
        "mobilenetv3large": {"imagenet_top1": {"value": 75.6, "source": KERAS_MOBILENETV3}},
    },
)


@zoo.hookimpl
def zoo_register_architectures(registry):
    registry.add_family(MOBILENETV3)


@zoo.hookimpl
def zoo_register_weights(registry):
    registry.add_catalog(CATALOG, "mobilenetv3")
