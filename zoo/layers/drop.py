"""Stochastic depth (Huang et al. 2016, Deep Networks with Stochastic Depth): a residual branch dropped at random.

While training, :class:`StochasticDepth` zeroes its input for a whole example with probability
``rate`` and scales the kept examples by ``1 / (1 - rate)``; at inference it is the identity.
timm calls it ``DropPath``; keras.applications writes it as a ``Dropout`` with
``noise_shape=(None, 1, 1, 1)`` (EfficientNet) or a ``StochasticDepth`` layer (ConvNeXt). It holds
no weights, so a model using it loads those models' weights unchanged.

Example::

    >>> branch = StochasticDepth(0.1, name="block2a_drop")(branch)
    >>> x = keras.layers.Add(name="block2a_add")([branch, shortcut])
"""

from __future__ import annotations

import keras

from zoo.checks import check_range


@keras.saving.register_keras_serializable(package="zoo")
class StochasticDepth(keras.layers.Layer):
    """Drop the whole input of an example with probability ``rate`` while training; the identity otherwise.

    :param rate: the probability of dropping, in [0, 1).
    :param seed: seeds the drops (a ``keras.random.SeedGenerator``, so that it traces under JAX).
    """

    def __init__(self, rate: float = 0.0, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        check_range("rate", rate, 0.0, 1.0)
        if rate >= 1.0:
            raise ValueError(f"rate={rate!r} is not allowed: it must be in [0, 1): a rate of 1 drops every example")
        self.rate = float(rate)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed) if self.rate else None
        self.supports_masking = True

    def call(self, inputs, training=False):
        if not training or not self.rate:
            return inputs
        keep = 1.0 - self.rate
        shape = (keras.ops.shape(inputs)[0],) + (1,) * (len(inputs.shape) - 1)
        kept = keras.random.uniform(shape, seed=self.seed_generator, dtype=inputs.dtype) < keep
        return inputs * keras.ops.cast(kept, inputs.dtype) / keep

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
