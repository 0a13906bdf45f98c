"""What is done to pixels before a model sees them: the preprocessing spec, and its Keras layer.

A weight tag's (and a model identity's) ``preprocessing`` is data: either a
``mode`` of keras.applications' ``preprocess_input``, or the values themselves::

    preprocessing: {mode: caffe}      # RGB->BGR, minus the ImageNet mean (VGG, ResNet v1)
    preprocessing: {mode: torch}      # /255, minus mean, over std (DenseNet)
    preprocessing: {mode: tf}         # to [-1, 1] (ResNet v2, MobileNet, Xception)
    preprocessing: {scale: 0.00392156862745098, mean: [0.1307], std: [0.3081]}
    preprocessing: {mode: torch, resize: [256, 256], crop: [224, 224]}   # resize, then center crop

applied to pixels in 0..255, channels last: resize (``resize``, cropping to its aspect
ratio first, so nothing is stretched), center-crop (``crop``), then
``((x[..., ::-1] if bgr else x) * scale - mean) / std``. An empty spec does nothing.

:func:`layer` makes the Keras layer; it runs inside a model with any backend and in a
``tf.data`` map (it is a Keras data layer, which switches to TensorFlow there). The
spec functions import neither TensorFlow nor Keras.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Mapping

# keras.applications' imagenet_utils.preprocess_input modes, as values.
MODES = {
    "caffe": {"bgr": True, "scale": 1.0, "mean": [103.939, 116.779, 123.68], "std": None},
    "torch": {"bgr": False, "scale": 1 / 255.0, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]},
    "tf": {"bgr": False, "scale": 1 / 127.5, "mean": [1.0], "std": None},
    "none": {"bgr": False, "scale": 1.0, "mean": None, "std": None},
}
FIELDS = ("mode", "bgr", "scale", "mean", "std", "resize", "crop", "interpolation")
INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5")


def preprocessing_values(spec: Mapping[str, Any] | None) -> dict[str, Any]:
    """A preprocessing spec as explicit ``bgr``, ``scale``, ``mean``, ``std`` (and ``resize``, ``crop``).

    Raises ``ValueError`` naming a field or value that is not allowed.

    Example::

        >>> preprocessing_values({"mode": "tf"})
        {'bgr': False, 'scale': 0.00784313725490196, 'mean': [1.0], 'std': None}
    """
    spec = dict(spec or {})
    unknown = sorted(set(spec) - set(FIELDS))
    if unknown:
        raise ValueError(f"preprocessing field {unknown[0]!r} is not allowed; allowed: {', '.join(FIELDS)}")
    mode = spec.pop("mode", "none")
    if mode not in MODES:
        raise ValueError(f"preprocessing mode={mode!r} is not allowed: use one of {tuple(MODES)}")
    values = {**MODES[mode], **spec}
    scale = values["scale"]
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not math.isfinite(scale) or scale == 0:
        raise ValueError(f"preprocessing scale={scale!r} is not allowed: it must be a finite non-zero number")
    for key in ("mean", "std"):
        vector = values[key]
        if vector is None:
            continue
        if not isinstance(vector, (list, tuple)) or not vector or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in vector):
            raise ValueError(f"preprocessing {key}={vector!r} is not allowed: it must be a list of finite numbers")
        if key == "std" and any(v == 0 for v in vector):
            raise ValueError(f"preprocessing std={vector!r} is not allowed: a standard deviation of 0 divides by zero")
        values[key] = [float(v) for v in vector]
    for key in ("resize", "crop"):
        size = values.get(key)
        if size is not None and (not isinstance(size, (list, tuple)) or len(size) != 2 or not all(
                isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in size)):
            raise ValueError(f"preprocessing {key}={size!r} is not allowed: it must be [height, width], positive integers")
    if values.get("interpolation", "bilinear") not in INTERPOLATIONS:
        raise ValueError(f"preprocessing interpolation={values['interpolation']!r} is not allowed: "
                         f"use one of {INTERPOLATIONS}")
    return values


def same_preprocessing(a: Mapping | None, b: Mapping | None) -> bool:
    """Whether two specs do the same to the pixels (``{mode: tf}`` equals its values written out)."""
    va, vb = preprocessing_values(a), preprocessing_values(b)
    for key in set(va) | set(vb):
        x, y = va.get(key), vb.get(key)
        if key == "interpolation":
            x, y = x or "bilinear", y or "bilinear"
        if isinstance(x, float) and isinstance(y, (int, float)):
            x, y = [x], [y]
        if isinstance(x, (list, tuple)) and isinstance(y, (list, tuple)) and len(x) == len(y):
            if not all(math.isclose(float(p), float(q), rel_tol=1e-9, abs_tol=1e-12) for p, q in zip(x, y)):
                return False
        elif x != y and not (key == "bgr" and bool(x) == bool(y)):
            return False
    return True


def for_channels(spec: Mapping[str, Any] | None, channels: int) -> dict[str, Any]:
    """``spec`` for images of ``channels`` channels, when the weights were made for another number.

    The first convolution is adapted as timm does (:func:`zoo.weights.adapt.adapt_input_conv`), so the
    per-channel mean and std follow it: averaged for one channel, repeated for more; the BGR
    order means nothing for other than three channels.

    Example::

        >>> for_channels({"mode": "torch"}, 1)["mean"]
        [0.449]
    """
    if not spec:
        return {}
    values = preprocessing_values(spec)
    result = {k: v for k, v in values.items() if v is not None}
    for key in ("mean", "std"):
        vector = values.get(key)
        if vector is None or len(vector) in (1, channels):
            continue
        if channels == 1:
            result[key] = [round(sum(vector) / len(vector), 6)]
        else:
            result[key] = [vector[i % len(vector)] for i in range(channels)]
    if channels != 3:
        result["bgr"] = False
    return result


def pixels_of(x, spec: Mapping[str, Any] | None):
    """Preprocessed images (a NumPy batch, channels last) back in 0..255 pixels, RGB: the spec's scaling, mean,
    std and BGR order undone (its resize and crop are not: they are what the model saw). For pictures.

    Example::

        >>> pixels_of(np.full((1, 2, 2, 1), 0.5), {"scale": 1 / 255})[0, 0, 0, 0]
        127.5
    """
    import numpy as np

    values = preprocessing_values(spec)
    x = np.asarray(x, dtype="float32")
    if values["std"] is not None:
        x = x * np.asarray(values["std"], dtype="float32")
    if values["mean"] is not None:
        x = x + np.asarray(values["mean"], dtype="float32")
    x = x / values["scale"]
    return x[..., ::-1] if values["bgr"] and x.shape[-1] == 3 else x


def resizes(spec: Mapping[str, Any] | None) -> bool:
    """Whether the spec resizes or crops (then the images are not first resized to the model's input)."""
    return bool((spec or {}).get("resize") or (spec or {}).get("crop"))


def layer(spec: Mapping[str, Any] | None, name: str = "preprocessing"):
    """The spec as a Keras layer: usable inside a model (any backend) and in a ``tf.data`` map.

    Example::

        >>> prep = layer({"mode": "caffe"})
        >>> prep(np.zeros((1, 224, 224, 3), "float32")).shape
        (1, 224, 224, 3)
    """
    return _layer_class()(**preprocessing_values(spec), name=name)


@functools.cache
def _layer_class():
    import keras
    from keras.src.layers.preprocessing.data_layer import DataLayer  # Keras' layers for tf.data and models

    @keras.saving.register_keras_serializable(package="zoo")
    class Preprocessing(DataLayer):
        """Resize, center-crop, then ``((x[..., ::-1] if bgr else x) * scale - mean) / std`` per channel."""

        def __init__(self, bgr=False, scale=1.0, mean=None, std=None, resize=None, crop=None,
                     interpolation="bilinear", **kwargs):
            super().__init__(**kwargs)
            self.bgr, self.scale, self.mean, self.std = bool(bgr), float(scale), mean, std
            self.resize, self.crop, self.interpolation = resize, crop, interpolation or "bilinear"

        def call(self, x):
            import numpy as np

            ops = self.backend
            x = ops.cast(x, self.compute_dtype)
            if self.resize:
                x = ops.image.resize(x, tuple(self.resize), interpolation=self.interpolation,
                                     crop_to_aspect_ratio=True, data_format="channels_last")
            if self.crop:
                height, width = ops.shape(x)[-3], ops.shape(x)[-2]
                top, left = (height - self.crop[0]) // 2, (width - self.crop[1]) // 2
                x = x[..., top:top + self.crop[0], left:left + self.crop[1], :]
            if self.bgr:
                x = ops.numpy.flip(x, axis=-1)
            x = x * ops.cast(self.scale, x.dtype)
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
