"""LayerScale (Touvron et al. 2021, Going deeper with Image Transformers): a learned per-channel scale.

:class:`LayerScale` multiplies the last axis of its input by a vector ``gamma`` that starts at a small
``init_value`` (1e-6 in ConvNeXt), so that a residual branch begins close to the identity and
learns how much to contribute. keras.applications' ConvNeXt has the same layer (one weight of
``projection_dim`` values, after the second pointwise convolution of a block), so its weights load
into a model using this one; timm calls the weight ``gamma``, torchvision ``layer_scale`` (of shape
``(channels, 1, 1)``).

Example::

    >>> branch = LayerScale(1e-6, 96, name="convnext_tiny_stage_0_block_0_layer_scale")(branch)
"""

from __future__ import annotations

import keras

from zoo.checks import check_range


@keras.saving.register_keras_serializable(package="zoo")
class LayerScale(keras.layers.Layer):
    """Multiply the channels (the last axis) by a learned vector that starts at ``init_value``.

    :param init_value: the scale every channel starts at, > 0 (ConvNeXt: 1e-6).
    :param channels: the number of channels (the input's last axis), >= 1.
    """

    def __init__(self, init_value: float, channels: int, **kwargs):
        super().__init__(**kwargs)
        check_range("init_value", init_value, 0.0, float("inf"), low_inclusive=False)
        if isinstance(channels, bool) or not isinstance(channels, int) or channels < 1:
            raise ValueError(f"channels={channels!r} is not allowed: it must be a positive integer")
        self.init_value = float(init_value)
        self.channels = channels

    def build(self, input_shape):
        if input_shape[-1] is not None and input_shape[-1] != self.channels:
            raise ValueError(f"LayerScale {self.name!r} has channels={self.channels} but its input has "
                             f"{input_shape[-1]} on the last axis")
        self.gamma = self.add_weight(name="gamma", shape=(self.channels,),
                                     initializer=keras.initializers.Constant(self.init_value), trainable=True)

    def call(self, inputs):
        return inputs * self.gamma  # cast to the compute dtype by Keras under mixed precision

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "init_value": self.init_value, "channels": self.channels}
