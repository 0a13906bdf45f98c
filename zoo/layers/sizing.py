"""Width and padding arithmetic shared by the mobile families (MobileNetV2, and the MBConv families).

Example::

    >>> make_divisible(32 * 0.35)
    16
    >>> x = layers.ZeroPadding2D(correct_pad(x), name="Conv1_pad")(x)   # then a stride-2 'valid' convolution
"""


def make_divisible(value, divisor=8):
    """``value`` rounded to a multiple of ``divisor``, never below 90% of it (MobileNetV2's rule)."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def correct_pad(x, kernel_size=3):
    """Zero padding before a stride-2 'valid' convolution that matches TensorFlow's 'same' (keras.applications)."""
    half = kernel_size // 2
    height, width = x.shape[1], x.shape[2]
    adjust = (1, 1) if height is None else (1 - height % 2, 1 - width % 2)
    return (half - adjust[0], half), (half - adjust[1], half)
