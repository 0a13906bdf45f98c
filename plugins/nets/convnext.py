"""ConvNeXt (Liu et al. 2022) as a Keras functional model: one builder, :func:`build_convnext`.

A 4x4/4 "patchify" stem, then four stages of ConvNeXt blocks (a 7x7 depthwise
convolution, LayerNorm, an inverted bottleneck of two pointwise convolutions with
GELU, LayerScale and stochastic depth on the residual branch), joined by
LayerNorm and 2x2/2 downsampling convolutions. Layer names and order are
keras.applications' (``convnext_tiny_stem``, ``convnext_tiny_stage_0_block_0_depthwise_conv``,
``convnext_tiny_downsampling_block_0``, ``convnext_tiny_head_dense``): the stem and
the downsampling blocks are nested ``Sequential`` models as there, and the names
start with the variant's name (``convnext`` for a table that is no registered
variant's), so that weights saved from ``keras.applications.ConvNeXtTiny`` ...
``ConvNeXtXLarge`` load into it.
"""

import keras
import numpy as np
from keras import layers

from zoo.kit import check_choice, check_range
from zoo.layers.drop import StochasticDepth
from zoo.layers.heads import check_head, global_pool, image_model
from zoo.layers.layer_scale import LayerScale
from zoo.layers.portable import Conv2D, Normalization, gelu

EPSILON = 1e-6  # every LayerNorm's (keras.applications', torchvision's and timm's)
# ImageNet's mean and standard deviation of pixels in [0, 255]: the Normalization inside the model
MEAN = [0.485 * 255, 0.456 * 255, 0.406 * 255]
VARIANCE = [(0.229 * 255) ** 2, (0.224 * 255) ** 2, (0.225 * 255) ** 2]


def model_name(depths, widths):
    """The registered variant with these stages (``convnext_tiny``), the prefix of every layer's name;
    ``convnext`` for stages no variant has."""
    from zoo_plugins.convnext import CONVNEXT

    for name, arguments in CONVNEXT.variants.items():
        if tuple(arguments["depths"]) == tuple(depths) and tuple(arguments["widths"]) == tuple(widths):
            return name
    return "convnext"


def convnext_block(x, width, drop_rate, layer_scale_init_value, name):
    """7x7 depthwise convolution, LayerNorm, 1x1 to ``4 * width`` with GELU, 1x1 back, LayerScale,
    stochastic depth; added to the input. The 1x1 convolutions are ``Dense`` layers on the channels
    (keras.applications' and the paper's code). The depthwise convolution and GELU are keras.applications'
    computed with operations that export (:mod:`zoo.layers.portable`)."""
    inputs = x
    x = Conv2D(width, 7, padding="same", groups=width, name=f"{name}_depthwise_conv")(x)
    x = layers.LayerNormalization(epsilon=EPSILON, name=f"{name}_layernorm")(x)
    x = layers.Dense(4 * width, name=f"{name}_pointwise_conv_1")(x)
    x = layers.Activation(gelu, name=f"{name}_gelu")(x)
    x = layers.Dense(width, name=f"{name}_pointwise_conv_2")(x)
    x = LayerScale(layer_scale_init_value, width, name=f"{name}_layer_scale")(x)
    if drop_rate:
        x = StochasticDepth(drop_rate, name=f"{name}_stochastic_depth")(x)
    else:
        x = layers.Activation("linear", name=f"{name}_identity")(x)
    return layers.Add(name=f"{name}_add")([inputs, x])  # keras.applications' is unnamed; a stage names it


def downsampling(width, index, name):
    """The stem (``index`` 0: a 4x4/4 convolution, then LayerNorm) or a downsampling block (LayerNorm,
    then a 2x2/2 convolution), as the nested ``Sequential`` keras.applications has."""
    if index == 0:
        return keras.Sequential([layers.Conv2D(width, 4, strides=4, name=f"{name}_stem_conv"),
                                 layers.LayerNormalization(epsilon=EPSILON, name=f"{name}_stem_layernorm")],
                                name=f"{name}_stem")
    return keras.Sequential([layers.LayerNormalization(epsilon=EPSILON, name=f"{name}_downsampling_layernorm_{index - 1}"),
                             layers.Conv2D(width, 2, strides=2, name=f"{name}_downsampling_conv_{index - 1}")],
                            name=f"{name}_downsampling_block_{index - 1}")


def build_convnext(*, input_shape, depths, widths, drop_path_rate, layer_scale_init_value, include_preprocessing,
                   **head):
    """ConvNeXt: stem, four stages of ConvNeXt blocks joined by downsampling, then the head.

    :param depths: blocks per stage, ``(3, 3, 9, 3)`` for ConvNeXt-T.
    :param widths: channels per stage, ``(96, 192, 384, 768)`` for ConvNeXt-T.
    :param drop_path_rate: stochastic depth of the last block, in [0, 1); the rate rises linearly from 0
        at the first block (the paper: 0.1, 0.4, 0.5, 0.5 for T, S, B, L; keras.applications: 0).
    :param layer_scale_init_value: what LayerScale starts at, > 0 (1e-6).
    :param include_preprocessing: a ``Normalization`` layer first (ImageNet's mean and standard deviation),
        so that the model takes pixels in [0, 255] (keras.applications' default; as there, only for
        3 input channels); False: it takes normalised pixels.
    :param head: ``num_classes``, ``include_top``, ``pooling``, ``dropout`` (before the classifier, 0),
        ``classifier_activation``, ``features`` (the output of every stage, at strides 4, 8, 16, 32,
        instead of a classifier): :mod:`zoo.layers.heads`.

    With the top, the head is keras.applications': global average pooling, LayerNorm, the dense
    classifier. Without it, as there, the (pooled) last feature map goes through that LayerNorm.

    Example::

        >>> build_convnext(num_classes=10, input_shape=(64, 64, 3), include_top=True, pooling=None,
        ...                depths=(3, 3, 9, 3), widths=(96, 192, 384, 768), drop_path_rate=0.1,
        ...                layer_scale_init_value=1e-6, include_preprocessing=True, dropout=0.0,
        ...                classifier_activation="softmax", features=False)
    """
    check_head(**head)
    check_range("drop_path_rate", drop_path_rate, 0.0, 1.0)
    if drop_path_rate >= 1.0:
        raise ValueError(f"drop_path_rate={drop_path_rate!r} is not allowed: it must be in [0, 1)")
    check_range("layer_scale_init_value", layer_scale_init_value, 0.0, float("inf"), low_inclusive=False)
    check_choice("include_preprocessing", include_preprocessing, (False, True))
    if len(depths) != 4 or len(widths) != 4:
        raise ValueError(f"depths={depths!r} and widths={widths!r} are not allowed: ConvNeXt has four stages, "
                         "give four of each, such as depths=(3, 3, 9, 3), widths=(96, 192, 384, 768)")
    for arg, values in (("depths", depths), ("widths", widths)):
        if any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in values):
            raise ValueError(f"{arg}={values!r} is not allowed: it must be four positive integers")
    name = model_name(depths, widths)
    drop_rates = [float(rate) for rate in np.linspace(0.0, drop_path_rate, sum(depths))]

    # === Functional Model ===
    inputs = keras.Input(shape=input_shape, name="image")
    x = inputs
    if include_preprocessing and input_shape[-1] == 3:
        x = Normalization(mean=MEAN, variance=VARIANCE, name=f"{name}_prestem_normalization")(x)
    stages, block = [], 0
    for stage, (depth, width) in enumerate(zip(depths, widths)):
        x = downsampling(width, stage, name)(x)
        for index in range(depth):
            x = convnext_block(x, width, drop_rates[block], layer_scale_init_value,
                               name=f"{name}_stage_{stage}_block_{index}")
            block += 1
        stages.append(x)
    if head["features"]:
        return image_model(inputs, x, stages, name=name, **head)
    if head["include_top"]:
        x = layers.GlobalAveragePooling2D(name=f"{name}_head_gap")(x)
        x = layers.LayerNormalization(epsilon=EPSILON, name=f"{name}_head_layernorm")(x)
        if head["dropout"]:
            x = layers.Dropout(head["dropout"], name=f"{name}_head_dropout")(x)
        # float32, so the outputs stay float32 under a mixed-precision policy
        x = layers.Dense(head["num_classes"], activation=head["classifier_activation"], dtype="float32",
                         name=f"{name}_head_dense")(x)
    else:
        x = global_pool(x, head["pooling"])
        x = layers.LayerNormalization(epsilon=EPSILON, name=f"{name}_head_layernorm")(x)
    return keras.Model(inputs, x, name=name)


# --- PyTorch checkpoints (zoo.weights.convert) -------------------------------------------------------


# How torchvision and timm name ConvNeXt's modules (Keras layer suffix -> PyTorch module), as patterns of the
# stage ``s``, its block ``b`` and, in torchvision's ``features``, the downsampling ``d`` = 2s and the stage ``f`` =
# 2s + 1. The layer scale is a tensor of its own: (channels, 1, 1) in torchvision, (channels,) in timm.
TORCHVISION_MODULES = {
    "stem_conv": "features.0.0", "stem_layernorm": "features.0.1",
    "head_layernorm": "classifier.0", "head_dense": "classifier.2",
    "downsampling_layernorm": "features.{d}.0", "downsampling_conv": "features.{d}.1",
    "depthwise_conv": "features.{f}.{b}.block.0", "layernorm": "features.{f}.{b}.block.2",
    "pointwise_conv_1": "features.{f}.{b}.block.3", "pointwise_conv_2": "features.{f}.{b}.block.5",
    "layer_scale": "features.{f}.{b}.layer_scale",
}
TIMM_MODULES = {
    "stem_conv": "stem.0", "stem_layernorm": "stem.1", "head_layernorm": "head.norm", "head_dense": "head.fc",
    "downsampling_layernorm": "stages.{s}.downsample.0", "downsampling_conv": "stages.{s}.downsample.1",
    "depthwise_conv": "stages.{s}.blocks.{b}.conv_dw", "layernorm": "stages.{s}.blocks.{b}.norm",
    "pointwise_conv_1": "stages.{s}.blocks.{b}.mlp.fc1", "pointwise_conv_2": "stages.{s}.blocks.{b}.mlp.fc2",
    "layer_scale": "stages.{s}.blocks.{b}.gamma",
}
ENDS = ("stem_conv", "stem_layernorm", "head_layernorm", "head_dense")
DOWNSAMPLING = ("downsampling_layernorm", "downsampling_conv")
BLOCK = ("depthwise_conv", "layernorm", "pointwise_conv_1", "pointwise_conv_2")


def module_names(arguments, modules):
    """The PyTorch module of each layer, by a table of ``modules`` (:data:`TORCHVISION_MODULES`, :data:`TIMM_MODULES`).

    :param arguments: the build arguments (``depths``, ``widths``).
    :param modules: ``{Keras layer suffix: PyTorch module pattern}``.
    :return: ``{Keras layer name: PyTorch module name, or {Keras weight name: PyTorch tensor name}}``.
    """
    name = model_name(arguments["depths"], arguments["widths"])
    names = {f"{name}_{part}": modules[part] for part in ENDS}
    for stage, depth in enumerate(arguments["depths"]):
        where = {"s": stage, "d": 2 * stage, "f": 2 * stage + 1}
        if stage:
            names.update({f"{name}_{part}_{stage - 1}": modules[part].format(**where) for part in DOWNSAMPLING})
        for block in range(depth):
            ours = f"{name}_stage_{stage}_block_{block}"
            names.update({f"{ours}_{part}": modules[part].format(b=block, **where) for part in BLOCK})
            names[f"{ours}_layer_scale"] = {"gamma": modules["layer_scale"].format(b=block, **where)}
    return names


def torch_module_names(arguments):
    """The PyTorch module of each layer as torchvision's ConvNeXt names it: ``features.0`` the stem,
    ``features.{2i + 1}.{j}`` block ``j`` of stage ``i`` (``block.0`` its depthwise convolution,
    ``block.2`` its LayerNorm, ``block.3`` and ``block.5`` the pointwise convolutions, its
    ``layer_scale``), ``features.{2i}`` the downsampling before stage ``i``, ``classifier.0`` the
    head's LayerNorm and ``classifier.2`` the classifier (:data:`TORCHVISION_MODULES`).

    :param arguments: the build arguments (``depths``, ``widths``).
    :return: ``{Keras layer name: PyTorch module name, or {Keras weight name: PyTorch tensor name}}``.
    """
    return module_names(arguments, TORCHVISION_MODULES)


def timm_module_names(arguments):
    """The PyTorch module of each layer as timm's ConvNeXt names it: ``stem.0`` and ``stem.1``,
    ``stages.{i}.downsample`` the downsampling before stage ``i``, ``stages.{i}.blocks.{j}`` block ``j``
    of stage ``i`` (``conv_dw``, ``norm``, ``mlp.fc1``, ``mlp.fc2`` and its layer scale ``gamma``),
    ``head.norm`` and ``head.fc`` (:data:`TIMM_MODULES`).

    :param arguments: the build arguments (``depths``, ``widths``).
    :return: ``{Keras layer name: PyTorch module name, or {Keras weight name: PyTorch tensor name}}``.
    """
    return module_names(arguments, TIMM_MODULES)
