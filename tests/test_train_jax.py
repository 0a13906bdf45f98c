"""zoo.train under the JAX backend (run with KERAS_BACKEND=jax pytest -m jax)."""

from __future__ import annotations

import numpy as np
import pytest

import zoo


@pytest.mark.jax
def test_train_and_resume_under_jax(tmp_path):
    import keras

    assert keras.backend.backend() == "jax"
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 255, (40, 28, 28, 1)).astype(np.uint8), np.arange(40) % 2
    result = zoo.train("lenet5", (x, y), epochs=1, batch_size=8, run_dir=tmp_path / "r", verbose=0)
    assert result.weights.is_file() and result.epochs_run == 1
    again = zoo.train("lenet5", (x, y), epochs=2, batch_size=8, run_dir=tmp_path / "r", verbose=0)
    assert again.epochs_run == 1 and len(again.history["loss"]) == 2
