"""Keras' layers computed with the operations every export runtime converts (ONNX through tf2onnx, LiteRT).

Three computations of keras.applications' ConvNeXt do not export from TensorFlow:

- a ``Conv2D`` with ``groups`` equal to its input channels (a depthwise convolution written as a
  grouped one): TensorFlow's CPU has no grouped convolution, so Keras compiles it with XLA, which
  leaves a ``StatefulPartitionedCall`` in the graph that tf2onnx cannot convert. :class:`Conv2D`
  is Keras' layer, same weights, same name of class (Keras' weight files address layers by it),
  that runs that case as the depthwise convolution it is;
- the exact GELU, which TensorFlow computes with ``erfc``, an operation tf2onnx lacks.
  :func:`gelu` is the same function written with ``erf``;
- a ``Normalization`` by a given mean and variance: Keras keeps them as tensors that a traced
  function captures, which tf2onnx turns into inputs the exported model lacks. :class:`Normalization`
  keeps them as arrays, constants of the traced graph.

Example::

    >>> x = Conv2D(96, 7, padding="same", groups=96, name="stage_0_block_0_depthwise_conv")(x)
    >>> x = keras.layers.Activation(gelu, name="stage_0_block_0_gelu")(x)
"""

from __future__ import annotations

import math

import keras
import numpy as np


@keras.saving.register_keras_serializable(package="zoo")
def gelu(x):
    """The exact GELU, ``x * P(X <= x)`` for a standard normal X: ``0.5 x (1 + erf(x / sqrt(2)))``."""
    return 0.5 * x * (1.0 + keras.ops.erf(x * (1.0 / math.sqrt(2.0))))


@keras.saving.register_keras_serializable(package="zoo")
class Conv2D(keras.layers.Conv2D):
    """``keras.layers.Conv2D``, whose depthwise case (``groups`` equal to the input channels and to ``filters``)
    runs as a depthwise convolution; its kernel keeps Conv2D's shape ``(h, w, 1, filters)``."""

    def convolution_op(self, inputs, kernel):
        channels = inputs.shape[-1] if self.data_format == "channels_last" else inputs.shape[1]
        if self.groups == 1 or not (self.groups == channels == self.filters):
            return super().convolution_op(inputs, kernel)
        height, width = self.kernel_size
        return keras.ops.depthwise_conv(inputs, keras.ops.reshape(kernel, (height, width, self.filters, 1)),
                                        strides=self.strides, padding=self.padding, data_format=self.data_format,
                                        dilation_rate=self.dilation_rate)


@keras.saving.register_keras_serializable(package="zoo")
class Normalization(keras.layers.Normalization):
    """``keras.layers.Normalization``, whose given mean and variance are constants of a traced graph (NumPy
    arrays rather than captured tensors); the same computation, in the same order."""

    def build(self, input_shape):
        super().build(input_shape)
        if self.input_mean is not None:
            self.mean, self.variance = np.asarray(self.mean), np.asarray(self.variance)
