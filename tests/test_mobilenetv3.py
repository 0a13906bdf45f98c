"""MobileNetV3 (``mobilenetv3small``, ``mobilenetv3large``) is keras.applications' MobileNetV3, and works at every door.

Layer for layer: the same layer classes in the same order, the same names wherever
keras.applications names a layer itself (it leaves activations, the rescaling and the
head's pooling to Keras' counters, which depend on the session; the zoo names them), the
same parameter count, and, with keras.applications' random weights set into the zoo's
model, the same outputs, for the options ``alpha`` and ``minimalistic`` too (the loading of
keras' weight files is tests/test_keras_applications_compat.py's). Then the doors: feature
maps at strides 4 to 32, other input channels and pooling, the conformance kit (with the
JAX forward pass), an ONNX export checked in onnxruntime. torchvision's checkpoints:
tests/test_torch_parity.py.
"""

import re

import keras
import numpy as np
import pytest

from conftest import image_dependent_weights

import zoo
from zoo.kit.conformance import check_architecture, sample_input

APPS = {"mobilenetv3small": keras.applications.MobileNetV3Small,
        "mobilenetv3large": keras.applications.MobileNetV3Large}
# The names keras.applications leaves to Keras' counters ("re_lu_12"): the zoo names those layers itself.
UNNAMED = re.compile(r"(input_layer|re_lu|activation|rescaling|global_average_pooling2d|dropout|flatten)(_\d+)?")
EXHAUSTIVE = [pytest.mark.slow, pytest.mark.exhaustive]
OPTIONS = [pytest.param("mobilenetv3small", {"minimalistic": True, "alpha": 0.75}, True, id="small-minimalistic-075"),
           *[pytest.param(name, options, top, id=f"{name}-{'-'.join(f'{k}{v}' for k, v in options.items()) or 'default'}"
                          f"-{'top' if top else 'notop'}", marks=EXHAUSTIVE)
             for name in APPS for options in ({}, {"alpha": 0.75}, {"minimalistic": True}, {"alpha": 1.25})
             for top in (True, False)]]


def outputs(model, x):
    return keras.ops.convert_to_numpy(model(x, training=False))


def assert_same_layers(model, reference):
    ours = [(type(layer).__name__, layer.name) for layer in model.layers]
    theirs = [(type(layer).__name__, layer.name) for layer in reference.layers]
    assert [kind for kind, _ in ours] == [kind for kind, _ in theirs]
    renamed = [(a, b) for (_, a), (_, b) in zip(ours, theirs) if a != b and not UNNAMED.fullmatch(b)]
    assert not renamed, renamed[:5]


@pytest.mark.parametrize("name, options, include_top", OPTIONS)
def test_layer_for_layer_keras_applications(name, options, include_top):
    shape = (32, 32, 3)
    reference = APPS[name](weights=None, include_top=include_top, input_shape=shape, **options)
    model = zoo.get(name, include_top=include_top, input_shape=shape, **options)
    assert_same_layers(model, reference)
    assert model.count_params() == reference.count_params()
    rng = np.random.default_rng(0)
    reference.set_weights([w + rng.uniform(0.0, 0.05, w.shape).astype(w.dtype) for w in reference.get_weights()])
    model.set_weights(reference.get_weights())
    x = np.random.default_rng(1).uniform(0, 255, (2, *shape)).astype(np.float32)
    np.testing.assert_allclose(outputs(model, x), outputs(reference, x), rtol=1e-5, atol=1e-5)


@pytest.mark.slow
@pytest.mark.exhaustive
@pytest.mark.parametrize("name", list(APPS))
def test_parameter_count_at_default_size_minimalistic(name):
    assert zoo.get(name, minimalistic=True).count_params() == APPS[name](weights=None, minimalistic=True).count_params()


@pytest.mark.parametrize("name", list(APPS))
def test_features_at_strides_4_to_32_and_other_doors(name):
    model = zoo.get(name, include_top=False, features=True, input_shape=(64, 64, 3))
    assert [m.shape[1] for m in model(sample_input(model), training=False)] == [16, 8, 4, 2]
    grayscale = zoo.get(name, in_channels=1, input_shape=(64, 64, 3), include_top=False, pooling="max")
    assert grayscale.input_shape[-1] == 1 and len(grayscale.output_shape) == 2
    logits = zoo.get(name, num_classes=4, input_shape=(64, 64, 3), classifier_activation=None, include_preprocessing=False)
    assert "rescaling" not in [layer.name for layer in logits.layers]
    assert outputs(logits, sample_input(logits)).shape == (2, 4)


def test_conformance_kit_with_the_jax_forward_pass():
    report = check_architecture("mobilenetv3small", num_classes=3, input_shape=(32, 32, 3), jax=True)
    assert {"forward pass", ".keras round trip", "other input channels", "JAX backend forward pass",
            "features=True", "search space"} <= set(report["checked"])


@pytest.mark.jax
def test_forward_pass_under_jax():
    assert keras.backend.backend() == "jax"
    model = zoo.get("mobilenetv3large", num_classes=5, input_shape=(32, 32, 3))
    y = outputs(model, sample_input(model))
    assert y.shape == (2, 5) and np.allclose(y.sum(axis=1), 1.0, atol=1e-5)


def test_onnx_and_litert_exports_check(tmp_path):
    from zoo.records.identity import ModelIdentity

    pytest.importorskip("tf2onnx")
    arch = zoo.info("mobilenetv3small")
    weights = tmp_path / "mobilenetv3small.weights.h5"
    image_dependent_weights(zoo.get("mobilenetv3small", num_classes=10, input_shape=(32, 32, 3)), {}, weights)
    identity = ModelIdentity(architecture="mobilenetv3small", arguments=dict(arch.arguments), num_classes=10,
                             input_shape=(32, 32, 3), weights=weights, preprocessing={})
    for format, suffix in (("onnx", ".onnx"), ("litert", ".tflite")):
        result = zoo.export(identity, format=format, output=tmp_path / f"m{suffix}", check=True)
        assert result.check.passed and result.check.max_difference <= 1e-4, format


@pytest.mark.parametrize("arguments, message", [
    ({"model_type": "medium"}, "model_type='medium' is not allowed"),
    ({"alpha": 0}, "alpha=0 is not allowed"),
    ({"minimalistic": "yes"}, "minimalistic='yes' is not allowed"),
    ({"strided_padding": "valid"}, "strided_padding='valid' is not allowed"),
])
def test_bad_arguments_say_what_is_allowed(arguments, message):
    with pytest.raises(ValueError, match=message):
        zoo.get("mobilenetv3small", input_shape=(32, 32, 3), **arguments)


def test_weight_tags_are_chosen_by_alpha_and_minimalistic():
    from zoo.registry.loader import get_registry
    from zoo.weights.pretrained import select_tag

    registry = get_registry()
    for name in APPS:
        arch = registry.architectures[name]
        assert select_tag(arch, {}).name == f"{name}.imagenet"
        assert select_tag(arch, {"alpha": 0.75}).name == f"{name}.imagenet_075"
        assert select_tag(arch, {"minimalistic": True}).name == f"{name}.imagenet_minimalistic"
        with pytest.raises(ValueError, match=f"no weights of {name} were trained with alpha=0.5"):
            select_tag(arch, {"alpha": 0.5})
        headless = registry.weights[f"{name}.imagenet_075_notop"]
        assert not headless.include_top and headless.preprocessing == {} and headless.arguments["alpha"] == 0.75
        assert registry.weights[f"{name}.tv_in1k"].format == "torchvision"
    assert zoo.get("mobilenet_v3_small", input_shape=(32, 32, 3)).name == "mobilenetv3small_1.00"  # torchvision's name
