"""The input pipeline: NumPy arrays or ``tf.data`` splits to fast, model-shaped ``tf.data`` batches.

One place adapts data to a model: uint8 images are scaled to 0..1, grayscale
is repeated to three channels when the model wants RGB, and images are resized
when the model's input size is fixed and differs. Anything else that does not
fit (wrong rank, other channel counts) is a ValueError before training starts.
"""

from __future__ import annotations

import numpy as np

AUTOTUNE = -1  # tf.data.AUTOTUNE


def check_image_shape(data_shape: tuple, model_shape: tuple, where: str = "x") -> None:
    """Raise ``ValueError`` unless images of ``data_shape`` (no batch axis) can feed ``model_shape``."""
    if len(data_shape) != 3:
        raise ValueError(f"{where} has examples of shape {tuple(data_shape)}: image models take (height, width, "
                         f"channels) images, this model {tuple(model_shape)}")
    have, want = data_shape[-1], model_shape[-1]
    if have != want and not (have == 1 and want == 3):
        raise ValueError(f"{where} has {have} channels but the model takes {want}: pass in_channels={have} "
                         "when building, or convert the images")


def adapter(data_shape: tuple, model_shape: tuple, where: str = "x"):
    """A function from a batch of images (uint8 or float) to what the model takes (float32)."""
    import tensorflow as tf

    check_image_shape(data_shape, model_shape, where)
    size = tuple(model_shape[:2])
    resize = None not in size and tuple(data_shape[:2]) != size
    repeat = data_shape[-1] == 1 and model_shape[-1] == 3

    def adapt(x):
        scaled = x.dtype == tf.uint8
        x = tf.cast(x, tf.float32)
        if scaled:
            x = x / 255.0
        if resize:
            x = tf.image.resize(x, size)
        if repeat:
            x = tf.repeat(x, 3, axis=-1)
        return x

    return adapt


def model_input_shape(model) -> tuple:
    """The model's input shape without the batch axis."""
    return tuple(model.inputs[0].shape[1:])


def pipeline(split, model, *, batch_size: int, training: bool = False, seed: int = 0, num_classes: int | None = None,
             augment=None, batched: bool = False, drop_remainder: bool = False, where: str = "train"):
    """A ``tf.data.Dataset`` of model-ready ``(x, y)`` batches from one split.

    NumPy splits are shuffled by index and gathered a batch at a time (no copy of the data per epoch);
    ``tf.data`` splits are cached after decoding. ``num_classes`` one-hot encodes the labels (for label
    smoothing); ``augment`` is a Keras preprocessing model applied to training batches.

    Example::

        >>> train = pipeline(data.train, model, batch_size=64, training=True)
    """
    import tensorflow as tf

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
        data_shape = x.shape[1:]
    else:
        ds = split
        spec = ds.element_spec[0]
        images = spec.dtype != tf.string
        data_shape = tuple(spec.shape[1:] if batched else spec.shape)
        if not batched:
            ds = ds.cache()
            if training:
                ds = ds.shuffle(10_000, seed=seed, reshuffle_each_iteration=True)
            ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    if images and len(model_input_shape(model)) == 3:
        adapt = adapter(data_shape, model_input_shape(model), where=f"data ({where})")
        ds = ds.map(lambda x, y: (adapt(x), y), num_parallel_calls=AUTOTUNE)
    elif images and tuple(data_shape) != model_input_shape(model)[-len(data_shape):]:
        raise ValueError(f"data ({where}) has examples of shape {tuple(data_shape)} but the model takes "
                         f"{model_input_shape(model)}")
    if augment is not None and training:
        ds = ds.map(lambda x, y: (augment(x, training=True), y), num_parallel_calls=AUTOTUNE)
    if num_classes is not None:
        ds = ds.map(lambda x, y: (x, tf.one_hot(tf.cast(y, tf.int32), num_classes)), num_parallel_calls=AUTOTUNE)
    if not training and isinstance(split, tuple):
        ds = ds.cache()
    return ds.prefetch(AUTOTUNE)


def augmentation(names: tuple[str, ...], image_shape: tuple, seed: int = 0):
    """The recipe's augmentation as a function of a batch of images (Keras preprocessing layers), or None.

    ``flip``: random horizontal flip; ``crop``: pad 4 pixels and crop back at random (He et al. 2016);
    ``translate``: random shifts of up to 10%. The layers run inside ``tf.data`` with any Keras backend.
    """
    if not names:
        return None
    import tensorflow as tf
    from keras import layers

    height, width = image_shape[0], image_shape[1]
    steps = {
        "flip": lambda: [layers.RandomFlip("horizontal", seed=seed)],
        "crop": lambda: [lambda x: tf.pad(x, [[0, 0], [4, 4], [4, 4], [0, 0]]), layers.RandomCrop(height, width, seed=seed)],
        "translate": lambda: [layers.RandomTranslation(0.1, 0.1, seed=seed)],
    }
    chain = [step for name in names for step in steps[name]()]

    def augment(x, training=True):
        for step in chain:
            x = step(x, training=training) if isinstance(step, layers.Layer) else step(x)
        return x

    return augment


def prepare_images(x, model) -> np.ndarray:
    """NumPy images (uint8 or float) as the float32 batch ``model`` takes; for evaluate and predict."""
    import tensorflow as tf

    x = np.asarray(x)
    return np.asarray(adapter(x.shape[1:], model_input_shape(model))(tf.constant(x)))
