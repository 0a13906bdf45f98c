"""Random weights whose outputs depend on the input: batch-norm statistics taken from example inputs.

Random weights with Keras' initial batch-norm statistics (mean 0, variance 1) leave a deep network's activations
unnormalized: they grow block after block until the probabilities are one-hot (EfficientNetV2-L's activations
reach 1e9 at 32x32), or shrink until the probabilities hardly depend on the input (EfficientNet-B0's vary by 4e-8
across images). A comparison of such outputs (an export's check, a port's parity test) then tests rounding, or a
constant. :func:`calibrate_batch_norms` gives each batch norm the statistics of its own input, as training would;
:func:`scale_logits` makes the classifier's logits vary across the inputs by a set amount (a network without
batch norms, such as ConvNeXt, has small random logits).
"""

from __future__ import annotations

from zoo.checks import check_number

STD = 1 / 8  # what each batch norm scales its input to: at 1, a deep random network is chaotic


def calibrate_batch_norms(model, x, std: float = STD) -> None:
    """Set each BatchNormalization's moving mean and variance, in order, from its input on ``x``.

    Each then scales its input on ``x`` to a standard deviation of ``std`` (before its own scale and offset),
    so that the model's outputs on ``x`` depend on the input. At ``std=1`` a deep random network is chaotic
    (EfficientNetV2-M's probabilities move by 7e-2 for a change of 1e-6 in its input: float32 rounding would
    decide a comparison); at the default 1/8 they move by 9e-6 and still tell the inputs apart.

    :param model: a Keras functional model (its batch norms are among ``model.layers``).
    :param x: a batch of inputs as the model takes them (preprocessed), a few dozen.
    :param std: the standard deviation each batch norm scales its input to, in (0, 1].

    Example::

        >>> from zoo.kit import calibrate_batch_norms
        >>> model = zoo.get("efficientnetb0", input_shape=(32, 32, 3), num_classes=10)
        >>> calibrate_batch_norms(model, x)  # x: 32 preprocessed images
        >>> float(model.predict(x).std(axis=0).max()) > 1e-3
        True
    """
    check_number("std", std, low=0, high=1, low_open=True)
    import keras
    import numpy as np

    for layer in [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]:
        found = np.asarray(keras.Model(model.inputs, layer.input)(x, training=False))
        axes = tuple(i for i in range(found.ndim) if i != layer.axis % found.ndim)
        layer.moving_mean.assign(found.mean(axis=axes))
        layer.moving_variance.assign(found.var(axis=axes) / std**2)


def scale_logits(model, x, spread: float = 1.0) -> None:
    """Scale the kernel of ``model``'s classifier so that its logits on ``x`` vary by ``spread`` (the largest
    standard deviation across the inputs, over the classes).

    :param model: a Keras functional model whose classifier is its last layer with a kernel: a ``Dense`` layer,
        or a 1x1 convolution on a 1x1 map (MobileNetV3's).
    :param x: a batch of inputs as the model takes them (preprocessed), a few dozen.
    :param spread: the standard deviation of the logits across ``x`` wanted, positive.
    :raises ValueError: the classifier is neither, or its input does not vary across ``x`` (nothing to scale).

    Example::

        >>> calibrate_batch_norms(model, x)
        >>> scale_logits(model, x)  # probabilities that tell the 32 images apart
    """
    check_number("spread", spread, low=0, low_open=True)
    import keras
    import numpy as np

    classifier = [layer for layer in model.layers if getattr(layer, "kernel", None) is not None][-1]
    kernel = np.asarray(classifier.kernel)
    features = np.asarray(keras.Model(model.inputs, classifier.input)(x, training=False))
    pointwise = kernel.shape[:-2] == (1,) * (kernel.ndim - 2) == features.shape[1:-1]  # a Dense layer's is ()
    if not pointwise:
        raise ValueError(f"the classifier {classifier.name!r} is neither a Dense layer nor a 1x1 convolution on a "
                         f"1x1 map (kernel {kernel.shape}, input {features.shape[1:]}): its logits cannot be scaled")
    features = features.reshape(len(features), -1)
    if not features.std(axis=0).max() > 1e-6 * np.abs(features).max():  # the same but for float rounding
        raise ValueError(f"the classifier {classifier.name!r} gets the same input for every input of x: there are no "
                         "logits to spread")
    found = float((features @ kernel.reshape(-1, kernel.shape[-1])).std(axis=0).max())
    classifier.kernel.assign(kernel * (spread / found))
