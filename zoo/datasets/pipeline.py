"""The input pipeline: NumPy arrays or ``tf.data`` splits to fast, model-shaped ``tf.data`` batches.

One place adapts data to a model, for training, evaluation and prediction alike:

- **uint8 images are pixels** (0..255): they are resized to the model's input size with the
  zoo's one resize (:func:`zoo.datasets.images.resize`), their channels matched (grayscale repeated to
  RGB, RGB to luma), then put through the model's preprocessing (its identity's
  ``preprocessing``: ``/255`` for models the zoo trained from scratch, the tag's own for
  pretrained weights, see :mod:`zoo.records.preprocessing`);
- **float images are taken as already preprocessed**: only resized and channel-matched.

Anything else that does not fit (wrong rank, other channel counts) is a ValueError before
training starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from zoo.records import preprocessing as zoo_pixels

if TYPE_CHECKING:
    from zoo.datasets.augment import Augmentation

AUTOTUNE = -1  # tf.data.AUTOTUNE


def check_image_shape(data_shape: tuple, model_shape: tuple, where: str = "x") -> None:
    """Raise ``ValueError`` unless images of ``data_shape`` (no batch axis) can feed ``model_shape``."""
    if len(data_shape) != 3:
        raise ValueError(f"{where} has examples of shape {tuple(data_shape)}: image models take (height, width, "
                         f"channels) images, this model {tuple(model_shape)}")
    have, want = data_shape[-1], model_shape[-1]
    if have != want and {have, want} != {1, 3}:
        raise ValueError(f"{where} has {have} channels but the model takes {want}: pass in_channels={have} "
                         "when building, or convert the images")


def model_input_shape(model) -> tuple:
    """The model's input shape without the batch axis."""
    return tuple(model.inputs[0].shape[1:])


def preprocess(images, input_shape: tuple, preprocessing: dict | None, augment=None, *, pixels: bool | None = None):
    """A batch of images as the model takes them: resized, channels matched, augmented, preprocessed.

    ``preprocessing`` applies to pixels only: uint8 images, or float images when ``pixels=True``
    (an exported model's float input, 0..255); other float images are taken as already
    preprocessed. ``augment`` (training only) works on pixels, before the preprocessing.
    Runs in a ``tf.data`` map, a ``tf.function`` (an exported model) or eagerly (prediction).
    """
    import tensorflow as tf

    from zoo.datasets import images as zoo_images

    is_pixels = images.dtype == tf.uint8 if pixels is None else pixels
    spec = preprocessing if is_pixels else None
    x = zoo_images.to_model_pixels(images, input_shape, resize_to_input=not zoo_pixels.resizes(spec))
    if augment is not None:
        x = augment(x)
    if spec:
        x = tf.cast(zoo_pixels.layer(spec)(x), tf.float32)
    return x


def example_size(model_shape: tuple, preprocessing: dict | None) -> tuple[int, int]:
    """The size :func:`fit_example` gives an image: the preprocessing's own ``resize``, else the model's input."""
    return tuple((preprocessing or {}).get("resize") or model_shape[:2])


def fit_example(image, model_shape: tuple, preprocessing: dict | None):
    """One image of any size (``[H, W, C]``) at the size its batch is made at: the model's input size, or,
    when the preprocessing resizes itself (a tag's ``resize``), that size, cropped to its aspect ratio.

    Images of several sizes (a folder, files to predict, an exported model's requests) go through
    this, one by one, before they are batched and :func:`preprocess` ed.
    """
    import tensorflow as tf

    from zoo.datasets import images as zoo_images

    own = (preprocessing or {}).get("resize") if image.dtype == tf.uint8 else None
    return zoo_images.resize(image, example_size(model_shape, preprocessing if own else None),
                             crop_to_aspect_ratio=bool(own))


def pipeline(split, model, *, batch_size: int, preprocessing: dict | None, training: bool = False, seed: int = 0,
             num_classes: int | None = None, augment: Augmentation | None = None, batched: bool = False,
             drop_remainder: bool = False,
             where: str = "train"):
    """A ``tf.data.Dataset`` of model-ready ``(x, y)`` batches from one split.

    NumPy splits are shuffled by index and gathered a batch at a time (no copy of the data per epoch);
    ``tf.data`` splits are cached after decoding (images of several sizes are resized one by one, before
    batching). ``preprocessing`` is the model identity's (:func:`preprocess`); ``num_classes`` one-hot
    encodes the labels (for label smoothing, MixUp and CutMix); ``augment``
    (:class:`zoo.datasets.augment.Augmentation`) is applied to training batches: its image step on the
    pixels, its mixing step on the model-ready batches and their one-hot labels.

    Example::

        >>> train = pipeline(data.train, model, batch_size=64, preprocessing={"scale": 1 / 255}, training=True)
    """
    import tensorflow as tf

    model_shape = model_input_shape(model)
    if isinstance(split, tuple):
        x, y = split
        images = x.dtype.kind not in "OUS"
        n = len(x)
        x_t = tf.constant(x)
        y_t = tf.constant(np.asarray(y).astype("int64"))
        ds = tf.data.Dataset.range(n)
        if training:
            ds = ds.shuffle(n, seed=seed, reshuffle_each_iteration=True)
        ds = ds.batch(batch_size, drop_remainder=drop_remainder)
        ds = ds.map(lambda i: (tf.gather(x_t, i), tf.gather(y_t, i)), num_parallel_calls=AUTOTUNE)
        data_shape, dtype = x.shape[1:], x_t.dtype
    else:
        ds = split
        spec = ds.element_spec[0]
        images = spec.dtype != tf.string
        data_shape, dtype = tuple(spec.shape[1:] if batched else spec.shape), spec.dtype
        if not batched:
            ds = ds.cache()
            if training:
                ds = ds.shuffle(10_000, seed=seed, reshuffle_each_iteration=True)
            image_model = images and len(model_shape) == 3
            if image_model and None in data_shape[:2]:  # several sizes: each to the model's, then batched
                check_image_shape(data_shape, model_shape, where=f"data ({where})")
                ds = ds.map(lambda x, y: (fit_example(x, model_shape, preprocessing), y), num_parallel_calls=AUTOTUNE)
                data_shape = (*example_size(model_shape, preprocessing if spec.dtype == tf.uint8 else None),
                              data_shape[-1])
            ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    if images and len(model_shape) == 3:
        check_image_shape(data_shape, model_shape, where=f"data ({where})")
        chain = augment.images if training and augment is not None and augment.chain else None
        ready = dtype == tf.float32 and tuple(data_shape) == model_shape  # preprocessed, of the model's shape
        if chain is not None or not ready:
            # augmentation draws from generators held in variables: one batch at a time, so that no two
            # batches read the same state (parallel calls would lose draws, and a resumed run's place)
            ds = ds.map(lambda x, y: (preprocess(x, model_shape, preprocessing, chain), y),
                        num_parallel_calls=None if chain is not None else AUTOTUNE)
    elif images and tuple(data_shape) != model_shape[-len(data_shape):]:
        raise ValueError(f"data ({where}) has examples of shape {tuple(data_shape)} but the model takes "
                         f"{model_shape}")
    if num_classes is not None:
        ds = ds.map(lambda x, y: (x, tf.one_hot(tf.cast(y, tf.int32), num_classes)), num_parallel_calls=AUTOTUNE)
    if training and augment is not None and augment.chooser is not None:
        if num_classes is None:
            raise ValueError("MixUp and CutMix mix the labels too: pass num_classes, which one-hot encodes them")
        ds = ds.map(augment.mix)  # one batch after another: the draws follow the generator's order
    if not training and isinstance(split, tuple):
        ds = ds.cache()
    return ds.prefetch(AUTOTUNE)
