"""ConvNeXt (Liu et al. 2022): ``convnext_tiny``, ``convnext_small``, ``convnext_base``, ``convnext_large``,
``convnext_xlarge``.

One builder, :func:`zoo_plugins.nets.convnext.build_convnext`, keras.applications' ConvNeXt layer for
layer (its ImageNet weights load unchanged): a ResNet modernised with a patchify stem, 7x7 depthwise
convolutions, LayerNorm, GELU inverted bottlenecks and LayerScale. Its layers are named after the
variant (``convnext_tiny_stem``), as keras.applications names them, so each variant registers its own
first convolution (the stem) and classifier.

Preprocessing is inside the model, as in keras.applications: with ``include_preprocessing=True``
(the default) a ``Normalization`` layer takes pixels in [0, 255] and normalises them by ImageNet's
mean and standard deviation, so the weight tags say ``preprocessing: {}``. torchvision's and timm's
checkpoints (timm's of xlarge too; torchvision has none) convert into the same builder with
``include_preprocessing=False`` (they take normalised input); their layout is otherwise
keras.applications' (LayerNorm epsilon 1e-6, exact GELU, the head's LayerNorm after the pooling).

Example::

    >>> model = zoo.get("convnext_tiny", num_classes=10, input_shape=(64, 64, 3), drop_path_rate=0.1)
    >>> backbone = zoo.get("convnext_small", include_top=False, features=True)  # strides 4 ... 32
"""

from dataclasses import replace

import zoo

from .sources import CATALOG, CONVNEXT_TABLE_1

HEAD = {"dropout": 0.0, "classifier_activation": "softmax", "features": False, "out_indices": None}
# Appendix A.1, table 5 (ImageNet-1K): AdamW, lr 4e-3 (batch 4096), weight decay 0.05, 300 epochs with
# 20 of linear warmup then cosine, label smoothing 0.1, Mixup 0.8, CutMix 1.0, RandAugment (9, 0.5),
# random erasing 0.25, EMA 0.9999; stochastic depth 0.1, 0.4, 0.5, 0.5 for T, S, B, L.
# RandAugment m9 of timm's 10 is a magnitude of 0.9 (timm's "mstd 0.5", a random magnitude, has no Keras field).
RECIPE = zoo.TrainingRecipe(optimizer="adamw", lr=4e-3, weight_decay=0.05, schedule="cosine", warmup_epochs=20,
                            epochs=300, batch_size=4096, label_smoothing=0.1, augmentation=("flip", "crop"),
                            randaugment_ops=2, randaugment_magnitude=0.9, mixup_alpha=0.8, cutmix_alpha=1.0,
                            erasing_prob=0.25, ema_decay=0.9999)
# the stochastic depth of each variant trained on ImageNet-1K (table 5; xlarge was trained on ImageNet-22K only)
DROP_PATH = {"convnext_tiny": 0.1, "convnext_small": 0.4, "convnext_base": 0.5, "convnext_large": 0.5}


def space(hp, architecture):
    """Search space: the variant (its depths and widths), the stochastic depth and the dropout before
    the classifier. With an empty ``hp`` they are the architecture's own."""
    chosen = hp.Choice("variant", list(CONVNEXT.variants), default=architecture.name)
    defaults = architecture.defaults
    return {**CONVNEXT.variants[chosen],
            "drop_path_rate": hp.Float("drop_path_rate", 0.0, 0.5, step=0.1, default=defaults["drop_path_rate"]),
            "dropout": hp.Float("dropout", 0.0, 0.5, step=0.1, default=defaults["dropout"])}


CONVNEXT = zoo.Family(
    base=zoo.Architecture(
        name="convnext_tiny", family="convnext", build="zoo_plugins.nets.convnext:build_convnext",
        defaults={"depths": (3, 3, 9, 3), "widths": (96, 192, 384, 768), "drop_path_rate": 0.0,
                  "layer_scale_init_value": 1e-6, "include_preprocessing": True, **HEAD},
        input_shape=(224, 224, 3), min_input_size=32, num_classes=1000,
        free_arguments=("drop_path_rate",), initializer_arguments=("layer_scale_init_value",),
        stochastic_depth="drop_path_rate",
        recipe=RECIPE, search_space=space,
        converters={"torchvision": ("zoo_plugins.nets.convnext:torch_module_names", {"include_preprocessing": False}),
                    "timm": ("zoo_plugins.nets.convnext:timm_module_names", {"include_preprocessing": False})},
        paper="Liu et al. 2022, A ConvNet for the 2020s (arXiv:2201.03545)",
        description="ConvNeXt: a patchify stem and four stages of 7x7 depthwise, LayerNorm and GELU inverted "
                    "bottleneck blocks; takes pixels in [0, 255] (a Normalization layer inside).",
    ),
    variants={
        "convnext_tiny": {"depths": (3, 3, 9, 3), "widths": (96, 192, 384, 768)},
        "convnext_small": {"depths": (3, 3, 27, 3), "widths": (96, 192, 384, 768)},
        "convnext_base": {"depths": (3, 3, 27, 3), "widths": (128, 256, 512, 1024)},
        "convnext_large": {"depths": (3, 3, 27, 3), "widths": (192, 384, 768, 1536)},
        "convnext_xlarge": {"depths": (3, 3, 27, 3), "widths": (256, 512, 1024, 2048)},
    },
    metrics={
        "convnext_tiny": {"imagenet_top1": {"value": 82.1, "source": CONVNEXT_TABLE_1}},
        "convnext_small": {"imagenet_top1": {"value": 83.1, "source": CONVNEXT_TABLE_1}},
        "convnext_base": {"imagenet_top1": {"value": 85.8, "source": CONVNEXT_TABLE_1}},
        "convnext_large": {"imagenet_top1": {"value": 86.6, "source": CONVNEXT_TABLE_1}},
        "convnext_xlarge": {"imagenet_top1": {"value": 87.0, "source": CONVNEXT_TABLE_1}},
    },
)


# whose PyTorch checkpoints convert into each variant: torchvision has no xlarge
SOURCES = {"convnext_tiny": ("torchvision", "timm"), "convnext_small": ("torchvision", "timm"),
           "convnext_base": ("torchvision", "timm"), "convnext_large": ("torchvision", "timm"),
           "convnext_xlarge": ("timm",)}


def with_layer_names(architecture):
    """The variant with its own stem, classifier and stages (keras.applications prefixes every layer with the
    variant's name: ``convnext_tiny_stem``, ``convnext_tiny_head_dense``; a stage ends at its last block's
    residual add, at strides 4, 8, 16 and 32), the converters of the checkpoints that exist of it, and its
    paper recipe (its own stochastic depth)."""
    name = architecture.name
    converters = {source: architecture.converters[source] for source in SOURCES[name]}
    depths, widths = architecture.defaults["depths"], architecture.defaults["widths"]
    stages = tuple((f"{name}_stage_{i}_block_{depth - 1}_add", width, 4 * 2 ** i)
                   for i, (depth, width) in enumerate(zip(depths, widths)))
    return replace(architecture, first_conv=f"{name}_stem", classifier=(f"{name}_head_dense", f"{name}_head_dropout"),
                   stages=stages, converters=converters,
                   recipe=architecture.recipe.override(stochastic_depth=DROP_PATH.get(name)))


@zoo.hookimpl
def zoo_register_architectures(registry):
    for architecture in CONVNEXT.architectures():
        registry.add(with_layer_names(architecture))


@zoo.hookimpl
def zoo_register_weights(registry):
    registry.add_catalog(CATALOG, "convnext")
