"""Padding before a strided convolution, as TensorFlow's ``"same"`` or as PyTorch's symmetric ``padding=k // 2``.

TensorFlow's ``"same"`` puts the extra row and column of a stride-2 convolution at the bottom
and right; keras.applications writes it as a ``ZeroPadding2D`` layer (:func:`correct_pad`)
before a ``"valid"`` convolution in MobileNetV2 and EfficientNet. PyTorch pads every side
by ``k // 2``. A converted PyTorch checkpoint needs PyTorch's padding to give PyTorch's outputs.

Example::

    >>> x = strided_pad(x, 3, "symmetric", name="stem_conv_pad")  # then Conv2D(..., strides=2, padding="valid")
"""

from __future__ import annotations

from keras import layers

from zoo.checks import check_choice

STRIDED_PADDINGS = ("same", "symmetric")


def correct_pad(x, kernel_size: int = 3):
    """The ``ZeroPadding2D`` padding before a stride-2 ``"valid"`` convolution that matches TensorFlow's
    ``"same"`` (keras.applications' ``imagenet_utils.correct_pad``): ``((top, bottom), (left, right))``."""
    half = kernel_size // 2
    height, width = x.shape[1], x.shape[2]
    adjust = (1, 1) if height is None else (1 - height % 2, 1 - width % 2)
    return (half - adjust[0], half), (half - adjust[1], half)


def strided_pad(x, kernel_size: int, padding: str, *, name: str):
    """``x`` padded as ``padding`` says (``"same"``: TensorFlow's, :func:`correct_pad`; ``"symmetric"``:
    PyTorch's, ``kernel_size // 2`` on every side), in a ``ZeroPadding2D`` layer named ``name``."""
    check_choice("strided_padding", padding, STRIDED_PADDINGS)
    amount = correct_pad(x, kernel_size) if padding == "same" else kernel_size // 2
    return layers.ZeroPadding2D(amount, name=name)(x)
