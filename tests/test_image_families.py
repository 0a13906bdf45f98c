"""The image families (VGG, ResNet v1/v2/CIFAR, DenseNet, MobileNet v1/v2, Xception) as users see them.

Every variant builds and runs at a small size, round-trips through its config and
a ``.keras`` file (three in the default run, all with ``-m slow``); the
variants keras.applications lacks have their published trainable parameter
counts; the shared arguments (``in_channels``, ``features``, ``pooling``,
``dropout``, ``classifier_activation``, mixed precision) behave the same in
every family; bad arguments are errors that say what is allowed; the training
and tuning hooks answer for their own families only.
"""

import keras
import numpy as np
import pytest

import zoo
from zoo.registry.loader import get_registry
from zoo.kit.conformance import check_architecture, sample_input

FAMILIES = ("vgg", "resnet", "resnetv2", "resnet_cifar", "densenet", "densenet_cifar", "mobilenet", "mobilenetv2",
            "xception", "mobilenetv3", "convnext")
ONE_PER_FAMILY = {"vgg": "vgg11_bn", "resnet": "resnet18", "resnetv2": "resnet50v2", "resnet_cifar": "resnet20",
                  "densenet": "densenet121", "densenet_cifar": "densenet_bc_100_k12", "mobilenet": "mobilenet",
                  "mobilenetv2": "mobilenetv2", "xception": "xception"}


def image_architectures():
    registry = get_registry()
    return sorted(name for name, arch in registry.architectures.items() if arch.family in FAMILIES)


def trainable_count(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


def predict(model, x):
    return keras.ops.convert_to_numpy(model(x, training=False))


def test_every_family_and_variant_is_registered():
    expected = {"vgg11", "vgg13", "vgg16", "vgg19", "vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn",
                "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnet50v2", "resnet101v2",
                "resnet152v2", "resnet20", "resnet32", "resnet44", "resnet56", "resnet110", "densenet121",
                "densenet169", "densenet201", "densenet_bc_100_k12", "mobilenet", "mobilenetv2", "xception",
                "mobilenetv3small", "mobilenetv3large", "convnext_tiny", "convnext_small", "convnext_base",
                "convnext_large", "convnext_xlarge"}
    assert set(image_architectures()) == expected
    for name in expected:
        card = zoo.info(name)
        assert card.family in FAMILIES and card.paper and card.metrics, name
        assert {"dropout", "classifier_activation", "features"} <= set(card.arguments), name


SAVED_BY_DEFAULT = {"resnet20", "vgg11_bn", "mobilenet"}  # one per plugin module that saves fast; all with -m slow


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=[] if name in SAVED_BY_DEFAULT else [pytest.mark.slow, pytest.mark.exhaustive])
    for name in image_architectures()
])
def test_builds_runs_and_saves(name):
    check_architecture(name, num_classes=3)


@pytest.mark.parametrize("name, expected, tolerance", [
    ("resnet18", 11_689_512, 0),  # torchvision
    ("resnet34", 21_797_672, 0),  # torchvision
    ("resnet20", 270_000, 0.01),  # He et al. 2015, table 6: 0.27M
    ("resnet56", 850_000, 0.01),  # 0.85M
    ("densenet_bc_100_k12", 800_000, 0.05),  # Huang et al. 2017, table 2: 0.8M
    pytest.param("vgg11", 132_863_336, 0, marks=pytest.mark.slow),  # torchvision
])
def test_published_trainable_parameter_counts(name, expected, tolerance):
    count = trainable_count(zoo.get(name))
    assert abs(count - expected) <= tolerance * expected, (name, count)


def test_vgg11_classifier_matches_torchvision_count():
    # vgg11's 132,863,336 = convolutions at any size + fc1 on the 7x7x512 map; checked without building 224x224.
    convs = trainable_count(zoo.get("vgg11", include_top=False, input_shape=(32, 32, 3)))
    dense = (7 * 7 * 512 + 1) * 4096 + (4096 + 1) * 4096 + (4096 + 1) * 1000
    assert convs + dense == 132_863_336


@pytest.mark.parametrize("name, size, strides", [
    ("vgg11", 64, (4, 8, 16, 32)),
    ("resnet18", 64, (4, 8, 16, 32)),
    ("resnet50v2", 64, (4, 8, 16, 32)),
    pytest.param("densenet121", 64, (4, 8, 16, 32), marks=pytest.mark.slow),
    ("mobilenet", 64, (4, 8, 16, 32)),
    ("mobilenetv2", 64, (4, 8, 16, 32)),
    ("xception", 96, None),
    ("resnet20", 32, (1, 2, 4)),
    ("densenet_bc_100_k12", 32, (1, 2, 4)),
])
def test_features_are_the_end_of_every_stage(name, size, strides):
    model = zoo.get(name, include_top=False, features=True, input_shape=(size, size, 3))
    maps = model(sample_input(model), training=False)
    assert isinstance(maps, (list, tuple))
    heights = [m.shape[1] for m in maps]
    if strides is None:  # Xception's 'valid' stem convolutions: sizes fall by about 2x per stage
        assert len(heights) == 4 and all(a > b for a, b in zip(heights, heights[1:]))
    else:
        assert heights == [size // s for s in strides]


def test_out_indices_pick_the_declared_stages():
    """zoo.get(..., features=True, out_indices=(1, 3)): the maps of the second and fourth stages, as declared."""
    stages = zoo.info("resnet18").stages
    model = zoo.get("resnet18", include_top=False, features=True, out_indices=(1, 3), input_shape=(64, 64, 3))
    assert [tuple(o.shape[1:]) for o in model.outputs] == [(64 // s["reduction"], 64 // s["reduction"], s["channels"])
                                                           for s in (stages[1], stages[3])]
    lenet = zoo.get("lenet5", include_top=False, features=True, input_shape=(28, 28, 1))
    assert [tuple(o.shape[1:]) for o in lenet.outputs] == [(14, 14, 6), (5, 5, 16)]


def test_stages_are_shown_without_tensorflow():
    """zoo.info(name).stages and `zoo info` list them; neither imports TensorFlow or Keras."""
    from conftest import run_python

    result = run_python("""
        import sys, zoo
        from zoo.cli import main
        print(zoo.info("resnet50").stages[1])
        main(["info", "lenet5"])
        print(sorted(m for m in ("tensorflow", "keras") if m in sys.modules))
    """)
    lines = result.stdout.splitlines()
    assert lines[0] == "{'layer': 'conv3_block4_out', 'channels': 512, 'reduction': 8}", result.stderr
    assert "stages           0 pool1 6/2" in lines and "                 1 pool2 16/4" in lines
    assert lines[-1] == "[]"


@pytest.mark.parametrize("name", ["resnet18", "vgg11", "mobilenetv2"])
def test_in_channels_pooling_and_logits(name):
    size = zoo.info(name).min_input_size * 2
    grayscale = zoo.get(name, in_channels=1, input_shape=(size, size, 3), include_top=False, pooling="max")
    assert grayscale.input_shape[-1] == 1 and len(grayscale.output_shape) == 2
    logits = zoo.get(name, num_classes=4, input_shape=(size, size, 3), classifier_activation=None, dropout=0.2)
    y = predict(logits, sample_input(logits))
    assert y.shape == (2, 4) and not np.allclose(y.sum(axis=1), 1.0)


@pytest.mark.parametrize("size", [28, 32])
def test_cifar_families_take_28_and_32_pixels(size):
    for name in ("resnet20", "densenet_bc_100_k12"):
        model = zoo.get(name, input_shape=(size, size, 1))
        assert predict(model, sample_input(model)).shape == (2, 10)


@pytest.mark.parametrize("name", ["resnet20", "mobilenet", "vgg11"])
def test_classifier_is_float32_under_mixed_precision(name):
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = zoo.get(name, num_classes=3, input_shape=(32, 32, 3))
        assert any("float16" in str(layer.compute_dtype) for layer in model.layers)
        assert "float32" in str(model(sample_input(model)).dtype)
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_alpha_and_depth_multiplier_change_the_width():
    narrow = zoo.get("mobilenet", alpha=0.5, include_top=False, input_shape=(32, 32, 3))
    wide = zoo.get("mobilenet", alpha=1.0, depth_multiplier=2, include_top=False, input_shape=(32, 32, 3))
    assert narrow.output_shape[-1] == 512 and wide.output_shape[-1] == 1024
    assert narrow.count_params() < wide.count_params()
    assert zoo.get("mobilenetv2", alpha=1.4, include_top=False, input_shape=(32, 32, 3)).output_shape[-1] == 1792


@pytest.mark.parametrize("name, kwargs, message", [
    ("resnet50", {"input_shape": (16, 16, 3)}, "at least 32"),
    ("xception", {"input_shape": (64, 64, 3)}, "at least 71"),
    ("resnet18", {"in_channels": 0}, "in_channels=0"),
    ("vgg16", {"pooling": "mean"}, "pooling='mean'"),
    ("mobilenet", {"alpha": 0}, "alpha=0"),
    ("mobilenetv2", {"alpha": -1.0}, "alpha=-1.0"),
    ("mobilenet", {"depth_multiplier": 0}, "depth_multiplier=0"),
    ("resnet18", {"features": True}, "features=True is not allowed with include_top=True"),
    ("densenet121", {"features": True, "include_top": False, "pooling": "avg"}, "pooling='avg'"),
    ("resnet20", {"dropout": 1.5}, "dropout=1.5"),
    ("resnet20", {"classifier_activation": "relu"}, "classifier_activation='relu'"),
    ("densenet121", {"compression": 0.0}, "compression=0.0"),
    ("resnet50", {"block": "wide"}, "block='wide'"),
    ("resnet50", {"bottleneck_stride": "7x7"}, "bottleneck_stride='7x7' is not allowed: use one of ('1x1', '3x3')"),
    ("resnet50v2", {"bottleneck_stride": "1x1"}, "bottleneck_stride='1x1' is not allowed with preact=True"),
    ("mobilenetv2", {"strided_padding": "valid"}, "strided_padding='valid' is not allowed: use one of"),
    ("mobilenetv2", {"bn_epsilon": 0.0}, "bn_epsilon=0.0 is not allowed"),
    ("resnet50", {"width": 2}, "width=2 is not an argument of resnet50"),
    ("resnet18", {"out_indices": (1,)}, "out_indices=(1,) is not allowed without features=True"),
    ("resnet18", {"include_top": False, "features": True, "out_indices": (4,)},
     "out_indices=(4,) is not allowed: resnet18 has 4 stages, at positions 0 to 3"),
    ("lenet5", {"include_top": False, "features": True, "out_indices": (1, 1)}, "give distinct stage positions"),
])
def test_bad_arguments_are_clear_errors(name, kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        zoo.get(name, **kwargs)


def test_training_recipes_follow_the_papers():
    hook = get_registry().manager.hook
    arch = get_registry().architectures
    cifar = hook.zoo_training_recipe(architecture=arch["resnet56"])
    assert (cifar.optimizer, cifar.lr, cifar.momentum, cifar.weight_decay, cifar.batch_size) == ("sgd", 0.1, 0.9, 1e-4, 128)
    assert cifar.schedule == "step" and cifar.step_boundaries == (0.5, 0.75)
    assert set(cifar.augmentation) == {"flip", "crop"}
    assert hook.zoo_training_recipe(architecture=arch["densenet_bc_100_k12"]).batch_size == 64
    assert hook.zoo_training_recipe(architecture=arch["densenet121"]).batch_size == 256
    assert hook.zoo_training_recipe(architecture=arch["mobilenetv2"]).optimizer == "rmsprop"
    assert hook.zoo_training_recipe(architecture=arch["vgg16"]).weight_decay == 5e-4
    for name in image_architectures():
        assert isinstance(hook.zoo_training_recipe(architecture=arch[name]), zoo.TrainingRecipe), name


def test_each_family_trains_and_tunes_from_its_own_data():
    """The hooks' answer for every architecture is its own recipe, and its own search space's defaults."""
    import keras_tuner

    registry = get_registry()
    for name in image_architectures():
        arch = registry.architectures[name]
        assert registry.manager.hook.zoo_training_recipe(architecture=arch) is arch.recipe, name
        assert registry.manager.hook.zoo_hyperparameters(architecture=arch, hp=keras_tuner.HyperParameters()) \
            == arch.space(keras_tuner.HyperParameters()), name
    assert registry.architectures["densenet_bc_100_k12"].recipe.epochs == 300  # the CIFAR recipe
    assert registry.architectures["densenet121"].recipe.epochs == 90


def test_search_spaces_build_the_default_then_the_chosen_variant():
    import keras_tuner

    hook = get_registry().manager.hook
    arch = get_registry().architectures
    for name in ("resnet50", "resnet20", "resnet50v2", "vgg16", "densenet_bc_100_k12", "mobilenet", "xception"):
        arguments = hook.zoo_hyperparameters(architecture=arch[name], hp=keras_tuner.HyperParameters())
        assert {k: v for k, v in arguments.items() if k in arch[name].defaults} == arguments, name
        assert all(arguments[k] == arch[name].defaults[k] for k in arguments), name

    hp = keras_tuner.HyperParameters()
    hp.values["depth"] = 34
    arguments = hook.zoo_hyperparameters(architecture=arch["resnet50"], hp=hp)
    model = zoo.get("resnet50", include_top=False, input_shape=(32, 32, 3), **arguments)
    assert trainable_count(model) == trainable_count(zoo.get("resnet34", include_top=False, input_shape=(32, 32, 3)))

    hp = keras_tuner.HyperParameters()
    hp.values.update({"growth_rate": 16, "compression": 1.0})
    arguments = hook.zoo_hyperparameters(architecture=arch["densenet_bc_100_k12"], hp=hp)
    assert (arguments["growth_rate"], arguments["compression"]) == (16, 1.0)


# Shallower stages where a family allows it: the same builder code, a fraction of JAX's compile time.
JAX_ARGUMENTS = {"densenet_bc_100_k12": {"blocks": (2, 2, 2)}, "resnet50v2": {"depths": (1, 2, 1, 1)},
                 "xception": {"middle_blocks": 1}}


@pytest.mark.jax
@pytest.mark.parametrize("name", sorted(ONE_PER_FAMILY.values()))
def test_forward_pass_under_jax(name):
    assert keras.backend.backend() == "jax", "run with KERAS_BACKEND=jax pytest -m jax"
    size = max(zoo.info(name).min_input_size, 32)
    model = zoo.get(name, num_classes=3, input_shape=(size, size, 3), **JAX_ARGUMENTS.get(name, {}))
    y = model.predict(sample_input(model), verbose=0)  # one jit-compiled call: much faster than eager under JAX
    assert y.shape == (2, 3) and np.all(np.isfinite(y))
    assert np.allclose(y.sum(axis=1), 1.0, atol=1e-5)
