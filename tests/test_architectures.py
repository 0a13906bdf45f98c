"""Every registered architecture builds, runs a forward pass and round-trips through serialization."""

import pytest

import zoo
from zoo.testing import check_architecture


@pytest.mark.parametrize("name", zoo.list())
def test_every_architecture_builds_runs_and_round_trips(name):
    check_architecture(name)


@pytest.mark.jax
def test_lenet5_runs_under_the_jax_backend():
    import keras

    assert keras.backend.backend() == "jax", "run with KERAS_BACKEND=jax"
    model = check_architecture("lenet5")
    assert model.count_params() == 61_706 - 84 * 7 - 7  # three classes instead of ten
