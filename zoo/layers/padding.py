"""Padding before a strided convolution, as TensorFlow's ``"same"`` or as PyTorch's symmetric ``padding=k // 2``.

TensorFlow's ``"same"`` puts the extra row and column of a stride-2 convolution at the bottom
and right; keras.applications writes it as a ``ZeroPadding2D`` layer (:func:`zoo.layers.sizing.correct_pad`)
before a ``"valid"`` convolution in MobileNetV2 and EfficientNet. PyTorch pads every side
by ``k // 2``. A converted PyTorch checkpoint needs PyTorch's padding to give PyTorch's outputs.

Example::

    >>> x = strided_pad(x, 3, "symmetric", name="stem_conv_pad")  # then Conv2D(..., strides=2, padding="valid")
"""

from __future__ import annotations

from keras import layers

from zoo.checks import check_choice
from zoo.layers.sizing import correct_pad

STRIDED_PADDINGS = ("same", "symmetric")


def strided_pad(x, kernel_size: int, padding: str, *, name: str):
    """``x`` padded as ``padding`` says (``"same"``: TensorFlow's, :func:`zoo.layers.sizing.correct_pad`; ``"symmetric"``:
    PyTorch's, ``kernel_size // 2`` on every side), in a ``ZeroPadding2D`` layer named ``name``."""
    check_choice("strided_padding", padding, STRIDED_PADDINGS)
    amount = correct_pad(x, kernel_size) if padding == "same" else kernel_size // 2
    return layers.ZeroPadding2D(amount, name=name)(x)
