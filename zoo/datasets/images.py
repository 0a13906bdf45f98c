"""Decoding and resizing images: the one way the zoo turns files and arrays into a model's pixels.

Training, evaluation, prediction, folder datasets and exported models all call
these functions, so every door sees the same pixels:

- :func:`decode`: encoded bytes (JPEG, PNG, BMP, GIF: its first frame) to a uint8 image;
- :func:`match_channels`: grayscale to RGB (repeated) or RGB to grayscale (ITU-R 601 luma),
  an alpha channel dropped;
- :func:`resize`: TensorFlow's bilinear resize (``tf.image.resize``, half-pixel centers, no
  antialiasing: what ``keras.layers.Resizing`` does with the TensorFlow backend); resized uint8
  pixels are rounded back to uint8 pixels, so an image resized in a ``tf.data`` pipeline, in an
  exported model or before a prediction is the same image;
- :func:`to_model_pixels`: all of it for a batch: float32 pixels of the model's height, width
  and channels, still in 0..255.

The preprocessing that the weights expect (scaling, mean and std, a tag's own resize and
center crop) is applied after, by :func:`zoo.preprocessing.preprocessing`.
TensorFlow is imported here; ``import zoo`` does not import this module.
"""

from __future__ import annotations

import tensorflow as tf

SUFFIXES = (".bmp", ".gif", ".jpeg", ".jpg", ".png")  # what decode reads


def decode(encoded, channels: int):
    """One encoded image (a scalar ``tf.string``) as a uint8 ``(height, width, channels)`` tensor.

    GIFs give their first frame. Raises ``tf.errors.InvalidArgumentError`` for bytes that are
    not an image (the callers turn it into their own error).

    Example::

        >>> decode(tf.io.read_file("seven.png"), 1).shape
        TensorShape([28, 28, 1])
    """
    image = tf.io.decode_image(encoded, channels=0, expand_animations=False, dtype=tf.uint8)
    return match_channels(image, channels)


def match_channels(images, channels: int):
    """``images`` (``[..., H, W, C]``) with ``channels`` channels: gray repeated to RGB, RGB to luma, alpha dropped."""
    have = images.shape[-1]
    if have is None:  # decode_image with channels=0 leaves the count to the file
        have_t = tf.shape(images)[-1]
        if channels == 3:
            return tf.case([(tf.equal(have_t, 1), lambda: tf.image.grayscale_to_rgb(images)),
                            (tf.equal(have_t, 2), lambda: tf.image.grayscale_to_rgb(images[..., :1]))],
                           default=lambda: images[..., :3])
        if channels == 1:
            return tf.case([(tf.greater_equal(have_t, 3), lambda: _luma(images[..., :3])),
                            (tf.equal(have_t, 2), lambda: images[..., :1])], default=lambda: images)
        return images
    if have == channels:
        return images
    if have in (2, 4):  # gray + alpha, RGB + alpha
        return match_channels(images[..., :have - 1], channels)
    if have == 1 and channels == 3:
        return tf.image.grayscale_to_rgb(images)
    if have == 3 and channels == 1:
        return _luma(images)
    raise ValueError(f"images have {have} channels but the model takes {channels}: convert them first")


def _luma(images):
    """RGB to one channel as ``tf.image.rgb_to_grayscale`` does, keeping uint8 pixels uint8."""
    gray = tf.image.rgb_to_grayscale(tf.cast(images, tf.float32))
    return tf.cast(tf.round(gray), images.dtype) if images.dtype == tf.uint8 else gray


def resize(images, size, *, crop_to_aspect_ratio: bool = False):
    """``images`` (``[H, W, C]`` or ``[N, H, W, C]``) resized to ``size`` = (height, width).

    Bilinear with half-pixel centers and no antialiasing (``tf.image.resize``), as Keras'
    ``Resizing`` layer with the TensorFlow backend; ``crop_to_aspect_ratio`` first center-crops
    to the target's aspect ratio, so nothing is stretched. uint8 pixels come back as uint8
    (rounded), anything else as float32. Images already of that size are returned as they are.

    Example::

        >>> resize(tf.zeros((2, 28, 28, 1), tf.uint8), (32, 32)).shape
        TensorShape([2, 32, 32, 1])
    """
    height, width = int(size[0]), int(size[1])
    if images.shape[-3] == height and images.shape[-2] == width:
        return images
    pixels = images.dtype == tf.uint8
    images = tf.cast(images, tf.float32)
    if crop_to_aspect_ratio:
        shape = tf.shape(images)
        h, w = shape[-3], shape[-2]
        crop_h = tf.minimum(h, tf.cast(tf.cast(w * height, tf.float32) / width, tf.int32))
        crop_w = tf.minimum(w, tf.cast(tf.cast(h * width, tf.float32) / height, tf.int32))
        top, left = (h - crop_h) // 2, (w - crop_w) // 2
        images = images[..., top:top + crop_h, left:left + crop_w, :]
    resized = tf.image.resize(images, (height, width), method="bilinear", antialias=False)
    return tf.cast(tf.round(tf.clip_by_value(resized, 0.0, 255.0)), tf.uint8) if pixels else resized


def to_model_pixels(images, input_shape, *, resize_to_input: bool = True):
    """A batch of images (uint8, or float pixels in 0..255) as the model's float32 pixels, still 0..255.

    :param input_shape: the model's input shape ``(height, width, channels)``; a None size keeps the image's.
    :param resize_to_input: False when the preprocessing resizes (a tag's own ``resize``), so this
        only converts and matches channels.
    """
    height, width, channels = input_shape
    images = match_channels(images, channels)
    if resize_to_input and height is not None and width is not None:
        images = resize(images, (height, width))
    return tf.cast(images, tf.float32)
