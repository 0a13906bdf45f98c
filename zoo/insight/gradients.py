"""The gradient of class scores with respect to a model's input, dispatched to the Keras backend.

Everything above this module is one code path of ``keras.ops`` and NumPy; only the gradient step
differs: ``tf.GradientTape`` under TensorFlow, ``jax.grad`` under JAX. The score is the class's
logit (before the softmax), as Grad-CAM and integrated gradients define it: :func:`logits_model`
turns a classifier into a model of its logits.
"""

from __future__ import annotations

import numpy as np

BACKENDS = ("tensorflow", "jax")


def logits_model(model):
    """``model`` (inputs to probabilities) as a model of inputs to logits: the last layer's softmax or sigmoid
    left out. A model whose last layer has no activation is returned as it is.

    A last ``Activation`` layer is skipped; a last layer with its own activation (a ``Dense`` classifier) is
    called once more, as a copy of itself without the activation.
    """
    import keras

    last = model.layers[-1]
    activation = getattr(last, "activation", None)
    name = getattr(activation, "__name__", None)
    if name not in ("softmax", "sigmoid"):
        return model
    if isinstance(last, keras.layers.Activation):
        return keras.Model(model.inputs[0], last.input, name=f"{model.name}_logits")
    config = {**last.get_config(), "activation": None, "name": f"{last.name}_logits"}
    linear = last.__class__.from_config(config)
    linear.build(last.input.shape)
    linear.set_weights(last.get_weights())
    return keras.Model(model.inputs[0], linear(last.input), name=f"{model.name}_logits")


def class_gradients(model, x, classes) -> tuple[np.ndarray, np.ndarray]:
    """``model(x)`` and the gradient of ``model(x)[i, classes[i]]`` with respect to ``x[i]``, for every ``i``.

    :param model: a Keras model of one input, returning a ``(batch, classes)`` score.
    :param x: its input batch (NumPy).
    :param classes: one class index per example.
    :return: ``(scores, gradients)`` as NumPy arrays, ``gradients`` of ``x``'s shape.
    """
    import keras

    backend = keras.backend.backend()
    x = np.asarray(x, dtype="float32")
    picks = np.eye(model.output_shape[-1], dtype="float32")[np.asarray(classes, dtype=int)]
    if backend == "tensorflow":
        import tensorflow as tf

        x = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            scores = model(x, training=False)
            total = tf.reduce_sum(tf.cast(scores, tf.float32) * picks)
        return scores.numpy(), tape.gradient(total, x).numpy()
    if backend == "jax":
        import jax
        import jax.numpy as jnp

        def total(inputs):
            scores = model(inputs, training=False)
            return jnp.sum(scores.astype("float32") * picks), scores

        gradients, scores = jax.grad(total, has_aux=True)(jnp.asarray(x))
        return np.asarray(scores), np.asarray(gradients)
    raise ValueError(f"KERAS_BACKEND={backend!r} is not allowed for gradients: use one of {BACKENDS}")
