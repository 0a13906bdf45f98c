"""Per-channel input statistics kept as weights: :class:`InputNormalization`.

keras.applications' EfficientNet normalizes its input inside the model with a
``keras.layers.Normalization`` whose mean and variance are weights of the model (its
ImageNet files carry them). :class:`InputNormalization` has the same three weights
(``mean``, ``variance``, ``count``), so those files load into it, and differs where a
zoo model needs it to:

- it reads its statistics at every call, so ``set_weights`` (which ``zoo.adapt`` and
  ``Model.set_weights`` use) takes effect; ``keras.layers.Normalization`` keeps a copy made
  when it was built or loaded and ignores ``set_weights``;
- its weights keep the shape of the statistics (3 channels) whatever the input: an image
  with another number of channels (``in_channels=1``) is normalized with the statistics
  averaged over their channels, so ImageNet weights still load into such a model;
- it starts from given statistics (ImageNet's) instead of zero mean and unit variance;
- with ``fixed=True`` the statistics are constants of the graph and the layer has no weights, as
  keras.applications' EfficientNetV2 normalizes (a ``Normalization`` given its mean and variance, whose
  captured tensors tf2onnx would make inputs of an exported model).

Example::

    >>> x = InputNormalization(mean=(0.485, 0.456, 0.406), variance=(0.229, 0.224, 0.225),
    ...                        name="normalization")(x)
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="zoo")
class InputNormalization(keras.layers.Layer):
    """``(x - mean) / sqrt(variance)`` per channel of the last axis, ``mean`` and ``variance`` being weights.

    :param mean: the initial mean, one value per channel of the statistics.
    :param variance: the initial variance, as many values.
    :param fixed: True: no weights, ``mean`` and ``variance`` are constants.
    """

    def __init__(self, mean=(0.0, 0.0, 0.0), variance=(1.0, 1.0, 1.0), fixed=False, **kwargs):
        super().__init__(**kwargs)
        mean, variance = tuple(float(v) for v in mean), tuple(float(v) for v in variance)
        if len(mean) != len(variance) or not mean:
            raise ValueError(f"mean={mean!r} and variance={variance!r} are not allowed: they must have as many "
                             "values, one per channel")
        if min(variance) < 0:
            raise ValueError(f"variance={variance!r} is not allowed: variances are >= 0")
        self.initial_mean, self.initial_variance, self.fixed = mean, variance, bool(fixed)

    def build(self, input_shape):
        if self.fixed:
            return
        shape = (len(self.initial_mean),)
        self.mean = self.add_weight(name="mean", shape=shape, trainable=False,
                                    initializer=keras.initializers.Constant(self.initial_mean))
        self.variance = self.add_weight(name="variance", shape=shape, trainable=False,
                                        initializer=keras.initializers.Constant(self.initial_variance))
        self.count = self.add_weight(name="count", shape=(), dtype="int", initializer="zeros", trainable=False)

    def call(self, inputs):
        statistics = (self.initial_mean, self.initial_variance) if self.fixed else (self.mean, self.variance)
        mean, variance = (ops.cast(ops.convert_to_tensor(value), self.compute_dtype) for value in statistics)
        if inputs.shape[-1] != len(self.initial_mean):  # another number of channels: the channels' average
            mean, variance = ops.mean(mean, keepdims=True), ops.mean(variance, keepdims=True)
        inputs = ops.cast(inputs, self.compute_dtype)
        epsilon = ops.cast(keras.backend.epsilon(), self.compute_dtype)
        return (inputs - mean) / ops.maximum(ops.sqrt(variance), epsilon)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "mean": list(self.initial_mean), "variance": list(self.initial_variance),
                "fixed": self.fixed}
