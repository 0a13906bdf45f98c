"""NASNet-A (Zoph et al. 2018) as a Keras functional model: the ImageNet stem and the searched cells.

One builder, :func:`build_nasnet`: a 3x3/2 convolution, two reduction cells (the stem), then
``num_blocks`` normal cells, a reduction cell, ``num_blocks`` normal cells, a reduction cell and
``num_blocks`` normal cells; each reduction doubles the filters (``filter_multiplier``). The
layers are keras.applications' ``NASNetMobile`` and ``NASNetLarge``, created in the same order
and with the same names: where keras.applications leaves a layer unnamed, it has the name Keras
gives it in a fresh session (:class:`zoo.layers.naming.KerasNames`). keras.applications'
ImageNet files load into them.
"""

import keras
from keras import layers

from zoo.kit import check_choice
from zoo.layers.heads import check_head, image_model
from zoo.layers.naming import KerasNames
from zoo.layers.sizing import correct_pad

BN = {"momentum": 0.9997, "epsilon": 1e-3}  # TF-slim's NASNet batch norm, as keras.applications has it
INIT = "he_normal"  # the 1x1 convolutions' initializer (keras.applications)


def batch_norm(name):
    return layers.BatchNormalization(name=name, **BN)


def separable_block(x, filters, kernel_size, names, block_id, *, strides=1):
    """ReLU, separable convolution (stride ``strides``), batch norm, ReLU, separable convolution, batch norm.

    A strided convolution is padded first the way TensorFlow pads 'same' (the extra pixel at the bottom
    and right), then runs 'valid'.
    """
    x = layers.Activation("relu", name=names("activation"))(x)
    padding = "same"
    if strides > 1:
        x = layers.ZeroPadding2D(correct_pad(x, kernel_size), name=f"separable_conv_1_pad_{block_id}")(x)
        padding = "valid"
    x = layers.SeparableConv2D(filters, kernel_size, strides=strides, padding=padding, use_bias=False,
                               name=f"separable_conv_1_{block_id}")(x)
    x = batch_norm(f"separable_conv_1_bn_{block_id}")(x)
    x = layers.Activation("relu", name=names("activation"))(x)
    x = layers.SeparableConv2D(filters, kernel_size, padding="same", use_bias=False,
                               name=f"separable_conv_2_{block_id}")(x)
    return batch_norm(f"separable_conv_2_bn_{block_id}")(x)


def adjust_previous(previous, x, filters, names, block_id):
    """The previous cell's output fitted to this cell's input: halved in size by two 1x1/2 paths, one shifted
    by a pixel, concatenated (when it is twice as large: a reduction came between), or projected to
    ``filters`` channels by a 1x1 convolution (when only the width differs)."""
    if previous is None:
        return x
    if previous.shape[-2] != x.shape[-2]:
        previous = layers.Activation("relu", name=f"adjust_relu_1_{block_id}")(previous)
        path1 = layers.AveragePooling2D(1, strides=2, padding="valid", name=f"adjust_avg_pool_1_{block_id}")(previous)
        path1 = layers.Conv2D(filters // 2, 1, padding="same", use_bias=False, kernel_initializer=INIT,
                              name=f"adjust_conv_1_{block_id}")(path1)
        path2 = layers.ZeroPadding2D(((0, 1), (0, 1)), name=names("zero_padding2d"))(previous)
        path2 = layers.Cropping2D(((1, 0), (1, 0)), name=names("cropping2d"))(path2)
        path2 = layers.AveragePooling2D(1, strides=2, padding="valid", name=f"adjust_avg_pool_2_{block_id}")(path2)
        path2 = layers.Conv2D(filters // 2, 1, padding="same", use_bias=False, kernel_initializer=INIT,
                              name=f"adjust_conv_2_{block_id}")(path2)
        previous = layers.Concatenate(axis=-1, name=names("concatenate"))([path1, path2])
        return batch_norm(f"adjust_bn_{block_id}")(previous)
    if previous.shape[-1] != filters:
        previous = layers.Activation("relu", name=names("activation"))(previous)
        previous = layers.Conv2D(filters, 1, padding="same", use_bias=False, kernel_initializer=INIT,
                                 name=f"adjust_conv_projection_{block_id}")(previous)
        return batch_norm(f"adjust_bn_{block_id}")(previous)
    return previous


def squeeze(x, filters, names, kind, block_id):
    """ReLU, 1x1 convolution to ``filters`` and batch norm: a cell's view of its input."""
    x = layers.Activation("relu", name=names("activation"))(x)
    x = layers.Conv2D(filters, 1, padding="same", use_bias=False, kernel_initializer=INIT,
                      name=f"{kind}_conv_1_{block_id}")(x)
    return batch_norm(f"{kind}_bn_1_{block_id}")(x)


def average_pool(x, name, strides=1):
    padding = "same" if strides == 1 else "valid"
    return layers.AveragePooling2D(3, strides=strides, padding=padding, name=name)(x)


def normal_cell(x, previous, filters, names, block_id):
    """The NASNet-A normal cell (figure 4, left): five pairwise combinations of the input and the previous
    cell's output, concatenated with that output. Returns the cell's output and its input (the next
    cell's previous)."""
    p = adjust_previous(previous, x, filters, names, block_id)
    h = squeeze(x, filters, names, "normal", block_id)
    left = separable_block(h, filters, 5, names, f"normal_left1_{block_id}")
    right = separable_block(p, filters, 3, names, f"normal_right1_{block_id}")
    x1 = layers.Add(name=f"normal_add_1_{block_id}")([left, right])
    left = separable_block(p, filters, 5, names, f"normal_left2_{block_id}")
    right = separable_block(p, filters, 3, names, f"normal_right2_{block_id}")
    x2 = layers.Add(name=f"normal_add_2_{block_id}")([left, right])
    x3 = layers.Add(name=f"normal_add_3_{block_id}")([average_pool(h, f"normal_left3_{block_id}"), p])
    x4 = layers.Add(name=f"normal_add_4_{block_id}")([average_pool(p, f"normal_left4_{block_id}"),
                                                      average_pool(p, f"normal_right4_{block_id}")])
    x5 = separable_block(h, filters, 3, names, f"normal_left5_{block_id}")
    x5 = layers.Add(name=f"normal_add_5_{block_id}")([x5, h])
    out = layers.Concatenate(axis=-1, name=f"normal_concat_{block_id}")([p, x1, x2, x3, x4, x5])
    return out, x


def reduction_cell(x, previous, filters, names, block_id):
    """The NASNet-A reduction cell (figure 4, right): halves the grid; four combinations concatenated.
    Returns the cell's output and its input."""
    p = adjust_previous(previous, x, filters, names, block_id)
    h = squeeze(x, filters, names, "reduction", block_id)
    h3 = layers.ZeroPadding2D(correct_pad(h, 3), name=f"reduction_pad_1_{block_id}")(h)
    left = separable_block(h, filters, 5, names, f"reduction_left1_{block_id}", strides=2)
    right = separable_block(p, filters, 7, names, f"reduction_right1_{block_id}", strides=2)
    x1 = layers.Add(name=f"reduction_add_1_{block_id}")([left, right])
    left = layers.MaxPooling2D(3, strides=2, padding="valid", name=f"reduction_left2_{block_id}")(h3)
    right = separable_block(p, filters, 7, names, f"reduction_right2_{block_id}", strides=2)
    x2 = layers.Add(name=f"reduction_add_2_{block_id}")([left, right])
    left = average_pool(h3, f"reduction_left3_{block_id}", strides=2)
    right = separable_block(p, filters, 5, names, f"reduction_right3_{block_id}", strides=2)
    x3 = layers.Add(name=f"reduction_add3_{block_id}")([left, right])
    x4 = layers.Add(name=names("add"))([x2, average_pool(x1, f"reduction_left4_{block_id}")])
    left = separable_block(x1, filters, 3, names, f"reduction_left4_{block_id}")
    right = layers.MaxPooling2D(3, strides=2, padding="valid", name=f"reduction_right5_{block_id}")(h3)
    x5 = layers.Add(name=f"reduction_add4_{block_id}")([left, right])
    out = layers.Concatenate(axis=-1, name=f"reduction_concat_{block_id}")([x2, x3, x4, x5])
    return out, x


def build_nasnet(*, input_shape, penultimate_filters, num_blocks, stem_block_filters, skip_reduction,
                 filter_multiplier, **head):
    """NASNet-A "N @ P": the stem, then three groups of ``num_blocks`` normal cells joined by reduction cells.

    :param penultimate_filters: the filters of the last cells' concatenation (P: 1056 mobile, 4032 large);
        a multiple of ``24 * filter_multiplier ** 2``; the first group's cells have ``P // 24``.
    :param num_blocks: normal cells per group (N: 4 mobile, 6 large).
    :param stem_block_filters: the first convolution's filters (32 mobile, 96 large).
    :param skip_reduction: whether the cell after a reduction takes the cell before the reduction as its
        previous input (True in NASNet-large) rather than the reduction's input (False, mobile).
    :param filter_multiplier: how much each reduction widens the cells (2).
    :param head: ``num_classes``, ``include_top``, ``pooling``, ``dropout``, ``classifier_activation``,
        ``features`` (the feature maps at strides 4, 8, 16, 32 instead of a classifier): :mod:`zoo.layers.heads`.

    Example::

        >>> build_nasnet(num_classes=10, input_shape=(32, 32, 3), include_top=True, pooling=None,
        ...              penultimate_filters=1056, num_blocks=4, stem_block_filters=32, skip_reduction=False,
        ...              filter_multiplier=2, dropout=0.0, classifier_activation="softmax", features=False)
    """
    check_head(**head)
    for name, value in (("num_blocks", num_blocks), ("stem_block_filters", stem_block_filters),
                        ("filter_multiplier", filter_multiplier), ("penultimate_filters", penultimate_filters)):
        if isinstance(value, bool) or not isinstance(value, int) or value < (0 if name == "num_blocks" else 1):
            raise ValueError(f"{name}={value!r} is not allowed: it must be an integer >= "
                             f"{0 if name == 'num_blocks' else 1}")
    if penultimate_filters % (24 * filter_multiplier ** 2):
        raise ValueError(f"penultimate_filters={penultimate_filters!r} is not allowed: it must be a multiple of "
                         f"24 * filter_multiplier ** 2 = {24 * filter_multiplier ** 2}")
    check_choice("skip_reduction", skip_reduction, (False, True))
    names = KerasNames()
    filters = penultimate_filters // 24

    # === Functional Model ===
    inputs = keras.Input(shape=input_shape, name="image")
    x = layers.Conv2D(stem_block_filters, 3, strides=2, padding="valid", use_bias=False, kernel_initializer=INIT,
                      name="stem_conv1")(inputs)
    x = batch_norm("stem_bn1")(x)
    x, p = reduction_cell(x, None, filters // filter_multiplier ** 2, names, "stem_1")
    stages = [x]
    x, p = reduction_cell(x, p, filters // filter_multiplier, names, "stem_2")
    for group, first_id in enumerate((0, num_blocks + 1, 2 * num_blocks + 1)):  # keras.applications' cell ids
        if group:
            stages.append(x)
            width = filters * filter_multiplier ** group
            x, before = reduction_cell(x, p, width, names, f"reduce_{group * num_blocks}")
            p = p if skip_reduction else before
        for index in range(num_blocks):
            x, p = normal_cell(x, p, filters * filter_multiplier ** group, names, f"{first_id + index}")
    x = layers.Activation("relu", name=names("activation"))(x)
    stages.append(x)
    return image_model(inputs, x, stages, name=f"nasnet_{num_blocks}_{penultimate_filters}", **head)
