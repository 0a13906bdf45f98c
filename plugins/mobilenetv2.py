"""MobileNetV2 (``mobilenetv2``): inverted residuals with linear bottlenecks, and a width multiplier.

The builder is :mod:`zoo_plugins.nets.mobilenetv2`, keras.applications' model layer for layer, so its
weights load into it; torchvision's checkpoints convert through its recorded layout.

Example::

    >>> model = zoo.get("mobilenetv2", alpha=0.35, num_classes=10, input_shape=(96, 96, 3))
"""

import zoo

from .mobilenet import HEAD, MOBILENET_RECIPE, mobilenet_space
from .sources import CATALOG, KERAS_DOCS

MOBILENETV2 = zoo.Family(
    base=zoo.Architecture(
        name="mobilenetv2", family="mobilenetv2", build="zoo_plugins.nets.mobilenetv2:build_mobilenetv2",
        defaults={"alpha": 1.0, "bn_epsilon": 1e-3, "strided_padding": "same", "dropout": 0.0, **HEAD}, input_shape=(224, 224, 3), min_input_size=32,
        num_classes=1000, first_conv="Conv1",
        # the last block at each resolution from stride 4 on, and the last 1x1 convolution's activation
        stages=(("block_2_add", 24, 4), ("block_5_add", 32, 8), ("block_12_add", 96, 16), ("out_relu", 1280, 32)),
        recipe=MOBILENET_RECIPE, search_space=mobilenet_space,
        paper="Sandler et al. 2018, MobileNetV2: Inverted Residuals and Linear Bottlenecks (arXiv:1801.04381)",
        # PyTorch checkpoints (zoo.weights.convert): torchvision's MobileNetV2 pads its stride-2 convolutions
        # symmetrically and has batch-norm epsilon 1e-5.
        converters={"torchvision": ("zoo_plugins.nets.mobilenetv2:mobilenetv2_torch_module_names",
                                    {"bn_epsilon": 1e-5, "strided_padding": "symmetric"})},
        description="MobileNetV2: 17 inverted residual blocks with linear bottlenecks, width multiplier alpha.",
    ),
    variants={"mobilenetv2": {}},
    metrics={"mobilenetv2": {"imagenet_top1": {"value": 71.3, "source": KERAS_DOCS}}},
)


@zoo.hookimpl
def zoo_register_architectures(registry):
    registry.add_family(MOBILENETV2)


@zoo.hookimpl
def zoo_register_weights(registry):
    registry.add_catalog(CATALOG, "mobilenetv2")
