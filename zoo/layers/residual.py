"""A residual connection whose branch is scaled before it is added: ``shortcut + scale * branch``.

Inception-ResNet (Szegedy et al. 2017, section 3.3) scales each residual branch by 0.1 to 0.3
to keep training of very wide residual networks stable; keras.applications writes it as its
own layer. :class:`ScaledResidual` holds no weights, so a model using it loads those models'
weights unchanged.

Example::

    >>> x = ScaledResidual(0.17, name="block35_1_scale")([shortcut, branch])
"""

from __future__ import annotations

import keras

from zoo.checks import check_range


@keras.saving.register_keras_serializable(package="zoo")
class ScaledResidual(keras.layers.Layer):
    """``inputs[0] + scale * inputs[1]``: the shortcut plus the scaled residual branch.

    :param scale: what the branch is multiplied by, a finite number >= 0.
    """

    def __init__(self, scale: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        check_range("scale", scale, 0.0, float("inf"))
        self.scale = float(scale)

    def call(self, inputs):
        shortcut, branch = inputs
        return shortcut + branch * self.scale

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}
