"""What pretrained weights expect of their input, and what their outputs mean.

- :func:`preprocessing` returns a tag's preprocessing as a Keras layer;
- :func:`decode_predictions` turns a batch of class scores into names.

A tag's ``preprocessing`` is data: either a ``mode`` of keras.applications'
``preprocess_input``, or the values themselves::

    preprocessing: {mode: caffe}      # RGB->BGR, minus the ImageNet mean (VGG, ResNet v1)
    preprocessing: {mode: torch}      # /255, minus mean, over std (DenseNet)
    preprocessing: {mode: tf}         # to [-1, 1] (ResNet v2, MobileNet, Xception)
    preprocessing: {scale: 0.00392156862745098, mean: [0.1307], std: [0.3081]}
    preprocessing: {mode: torch, resize: [256, 256], crop: [224, 224]}   # resize, then center crop

The layer resizes (``resize``, cropping to its aspect ratio first, so nothing is
stretched), center-crops (``crop``), then computes
``((x[..., ::-1] if bgr else x) * scale - mean) / std``.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

IMAGENET_CLASS_INDEX = Path(__file__).with_name("data") / "imagenet_class_index.json"

# keras.applications' imagenet_utils.preprocess_input modes, as values.
MODES = {
    "caffe": {"bgr": True, "scale": 1.0, "mean": [103.939, 116.779, 123.68], "std": None},
    "torch": {"bgr": False, "scale": 1 / 255.0, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]},
    "tf": {"bgr": False, "scale": 1 / 127.5, "mean": [1.0], "std": None},
    "none": {"bgr": False, "scale": 1.0, "mean": None, "std": None},
}
FIELDS = ("mode", "bgr", "scale", "mean", "std", "resize", "crop", "interpolation")


def preprocessing_values(spec) -> dict:
    """A tag's ``preprocessing`` mapping as explicit ``bgr``, ``scale``, ``mean`` and ``std``."""
    spec = dict(spec or {})
    unknown = sorted(set(spec) - set(FIELDS))
    if unknown:
        raise ValueError(f"preprocessing field {unknown[0]!r} is not allowed; allowed: {', '.join(FIELDS)}")
    mode = spec.pop("mode", "none")
    if mode not in MODES:
        raise ValueError(f"preprocessing mode={mode!r} is not allowed: use one of {tuple(MODES)}")
    return {**MODES[mode], **spec}


def _tag(tag):
    from zoo.tags import WeightTag

    if isinstance(tag, WeightTag):
        return tag
    from zoo.weights import tag_for

    return tag_for(tag)


def preprocessing(tag):
    """The preprocessing the weights of ``tag`` expect, as a Keras layer.

    Use it inside a model or in a ``tf.data`` map; it takes images with
    values in [0, 255] and channels last.

    :param tag: ``"architecture.tag"``, an architecture (its default tag) or a :class:`zoo.WeightTag`.
    :return: a ``keras.layers.Layer``.

    Example::

        >>> prep = zoo.preprocessing("resnet50.imagenet")
        >>> dataset = dataset.map(lambda x, y: (prep(x), y))
    """
    return _layer_class()(**preprocessing_values(_tag(tag).preprocessing), name="preprocessing")


@functools.cache
def _layer_class():
    import keras

    @keras.saving.register_keras_serializable(package="zoo")
    class Preprocessing(keras.layers.Layer):
        """Resize, center-crop, then ``((x[..., ::-1] if bgr else x) * scale - mean) / std`` per channel."""

        def __init__(self, bgr=False, scale=1.0, mean=None, std=None, resize=None, crop=None,
                     interpolation="bilinear", **kwargs):
            super().__init__(**kwargs)
            self.bgr, self.scale, self.mean, self.std = bool(bgr), float(scale), mean, std
            self.resize, self.crop, self.interpolation = resize, crop, interpolation
            self.resizing = keras.layers.Resizing(*resize, interpolation=interpolation, crop_to_aspect_ratio=True,
                                                  dtype=self.dtype_policy) if resize else None
            self.cropping = keras.layers.CenterCrop(*crop, dtype=self.dtype_policy) if crop else None

        def call(self, x):
            import numpy as np
            from keras import ops

            x = ops.cast(x, self.compute_dtype)
            if self.resizing is not None:
                x = self.resizing(x)
            if self.cropping is not None:
                x = self.cropping(x)
            if self.bgr:
                x = ops.flip(x, axis=-1)
            x = x * self.scale
            if self.mean is not None:
                x = x - ops.convert_to_tensor(np.asarray(self.mean, dtype="float32"), dtype=x.dtype)
            if self.std is not None:
                x = x / ops.convert_to_tensor(np.asarray(self.std, dtype="float32"), dtype=x.dtype)
            return x

        def compute_output_shape(self, input_shape):
            size = self.crop or self.resize
            return (*input_shape[:-3], *size, input_shape[-1]) if size else tuple(input_shape)

        def get_config(self):
            return {**super().get_config(), "bgr": self.bgr, "scale": self.scale, "mean": self.mean,
                    "std": self.std, "resize": self.resize, "crop": self.crop, "interpolation": self.interpolation}

    return Preprocessing


@functools.cache
def imagenet_classes() -> tuple[tuple[str, str], ...]:
    """The 1000 ImageNet classes as ``(wordnet id, name)``, in keras.applications' order."""
    index = json.loads(IMAGENET_CLASS_INDEX.read_text(encoding="utf-8"))
    return tuple(tuple(index[str(i)]) for i in range(len(index)))


def class_names(tag) -> list[str]:
    """The class names of a tag (``class_names: imagenet`` names the shipped ImageNet list)."""
    tag = _tag(tag)
    if tag.class_names == "imagenet":
        return [name for _, name in imagenet_classes()]
    if tag.class_names is None:
        raise ValueError(f"weights {tag.name} record no class names (field class_names in the catalog)")
    if isinstance(tag.class_names, str):
        raise ValueError(f"weights {tag.name}: class_names={tag.class_names!r} is not allowed: "
                         "use 'imagenet' or a list of names")
    return list(tag.class_names)


def decode_predictions(preds, tag, top: int = 5) -> list[list[tuple]]:
    """The ``top`` classes of each prediction in a batch, as ``(class id, name, score)``, best first.

    The class id is the WordNet id for ImageNet (as keras.applications'
    ``decode_predictions``) and the class index otherwise.

    Example::

        >>> zoo.decode_predictions(model.predict(images), "resnet50.imagenet", top=3)[0]
        [('n02123045', 'tabby', 0.61), ('n02123159', 'tiger_cat', 0.22), ('n02124075', 'Egyptian_cat', 0.1)]
    """
    import numpy as np

    tag = _tag(tag)
    names = class_names(tag)
    preds = np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != len(names):
        raise ValueError(f"preds of shape {preds.shape} is not allowed: {tag.name} has {len(names)} classes, "
                         f"so pass a batch of shape (samples, {len(names)})")
    ids = [wnid for wnid, _ in imagenet_classes()] if tag.class_names == "imagenet" else list(range(len(names)))
    results = []
    for row in preds:
        best = np.argsort(row)[::-1][:top]
        results.append([(ids[i], names[i], float(row[i])) for i in best])
    return results
