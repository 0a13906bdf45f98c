"""Every registered architecture passes the conformance kit (zoo.testing), the one a plugin author's tests call."""

import pytest

import zoo
from zoo.kit.conformance import check_architecture

# Small builds of the deep variants, so that the kit runs them in seconds (their layouts are the same).
SMALL = {"resnet101": {}, "resnet152": {}, "densenet169": {}, "densenet201": {}, "xception": {"middle_blocks": 2},
         "textcnn_rand": {"embedding_dim": 8, "num_filters": 4, "max_tokens": 50},
         "textcnn_static": {"embedding_dim": 8, "num_filters": 4, "max_tokens": 50},
         "textcnn_nonstatic": {"embedding_dim": 8, "num_filters": 4, "max_tokens": 50},
         "textcnn_multichannel": {"embedding_dim": 8, "num_filters": 4, "max_tokens": 50}}


ONE_PER_FAMILY = ["lenet5", "vgg11", "resnet18", "resnet50v2", "resnet20", "densenet_bc_100_k12", "mobilenet",
                  "mobilenetv2", "xception", "textcnn_multichannel"]


@pytest.mark.parametrize("name", zoo.list())
def test_every_architecture_builds_and_runs_at_its_smallest_size(name):
    from zoo.kit.conformance import sample_input, small_input_shape

    model = zoo.get(name, num_classes=3, input_shape=small_input_shape(name), **SMALL.get(name, {}))
    assert model(sample_input(model), training=False).shape == (2, 3)


@pytest.mark.parametrize("name", [pytest.param(n, marks=[] if n in ONE_PER_FAMILY else [pytest.mark.slow, pytest.mark.exhaustive])
                                  for n in zoo.list()])
def test_the_conformance_kit(name):
    """Forward pass, config and .keras round trips, another head and other input channels from its own weights,
    features=True where declared, recipe and search space, its tags' local files (the JAX backend: below). One
    variant per family in the default run, every architecture with -m slow."""
    report = check_architecture(name, jax=False, **SMALL.get(name, {}))
    assert {"forward pass", "get_config/from_config", ".keras round trip", "another head", "recipe",
            "search space"} <= set(report["checked"])
    if zoo.info(name).task == "image-classification":
        assert "other input channels" in report["checked"]
    if zoo.info(name).features:
        assert "features=True" in report["checked"]


@pytest.mark.jax
@pytest.mark.parametrize("name", ["lenet5", "vgg11", "resnet20", "densenet_bc_100_k12", "mobilenet", "mobilenetv2",
                                  "xception", "textcnn_rand"])
def test_one_architecture_per_family_passes_the_kit_under_the_jax_backend(name):
    import keras

    assert keras.backend.backend() == "jax", "run with KERAS_BACKEND=jax"
    check_architecture(name, **SMALL.get(name, {}))


@pytest.mark.jax
def test_lenet5_runs_under_the_jax_backend():
    import keras

    assert keras.backend.backend() == "jax", "run with KERAS_BACKEND=jax"
    model = check_architecture("lenet5")["model"]
    assert model.count_params() == 61_706 - 84 * 7 - 7  # three classes instead of ten
