"""Helpers for plugin authors' own tests.

Example (in a plugin's test suite)::

    from zoo.testing import check_architecture

    def test_alexnet():
        check_architecture("alexnet")
"""

from __future__ import annotations

import os
import tempfile

import numpy as np


def small_input_shape(name: str) -> tuple:
    """The smallest input shape the architecture accepts, for fast tests."""
    from zoo.registry import get_registry

    arch, _ = get_registry().resolve(name)
    if arch.task != "image-classification" or not arch.any_input_size:
        return arch.input_shape
    size = max(arch.min_input_size or 32, 1)
    return (size, size, arch.input_shape[-1])


def sample_input(model, batch: int = 2, seed: int = 0):
    """Random input of the right shape and dtype for ``model`` (integers for token ids, text for strings)."""
    rng = np.random.default_rng(seed)
    shape = (batch, *model.input_shape[1:])
    dtype = str(model.inputs[0].dtype)
    if "string" in dtype:
        return np.array(["a small test sentence"] * batch)
    if "int" in dtype:
        return rng.integers(0, 2, size=shape).astype(dtype)
    return rng.random(shape, dtype=np.float32)


def check_architecture(name: str, num_classes: int = 3, **kwargs):
    """Build ``name`` at a small size and check what a user relies on; returns the model.

    Checks: a forward pass gives ``(batch, num_classes)`` finite outputs; the
    model round-trips through ``get_config()``/``from_config()`` and through a
    ``.keras`` file with identical outputs.
    """
    import keras

    import zoo

    kwargs.setdefault("input_shape", small_input_shape(name))
    model = zoo.get(name, num_classes=num_classes, **kwargs)
    x = sample_input(model)
    y = keras.ops.convert_to_numpy(model(x, training=False))
    assert y.shape == (len(x), num_classes), f"{name}: output shape {y.shape}, expected {(len(x), num_classes)}"
    assert np.all(np.isfinite(y)), f"{name}: non-finite outputs"

    clone = model.__class__.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(keras.ops.convert_to_numpy(clone(x, training=False)), y, rtol=1e-5, atol=1e-6)

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, f"{name}.keras")
        model.save(path)
        loaded = keras.saving.load_model(path)
        np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(x, training=False)), y, rtol=1e-5, atol=1e-6)
    return model
