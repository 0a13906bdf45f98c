"""EfficientNet and EfficientNetV2 are keras.applications' models: same layers, same parameters, its weights load.

For each variant: the parameter count with and without the top equals keras.applications'
(``weights=None``); the layer names are keras.applications' in the same order; and keras.applications'
weights, written in the legacy HDF5 layout of its published ImageNet files (loaded by layer order),
give the same probabilities in the zoo's model to 1e-5. EfficientNet's ImageNet model has one more
layer than its ``weights=None`` model (a rescaling after the normalization, whose weights hold
standard deviations where keras expects variances): the zoo builds that one, and the test builds
keras.applications' ``weights="imagenet"`` model, serving it a weights file from this machine
instead of the download. The default run checks B0 of each family; ``-m exhaustive`` every variant.

Then every door of one variant per family: the plugin conformance kit, ``in_channels``, the
identity of the preprocessing inside the model, ONNX export with its check, and the JAX backend.
"""

from __future__ import annotations

import h5py
import keras
import numpy as np
import pytest
from keras.src.applications import efficientnet as keras_efficientnet
from keras.src.applications import efficientnet_v2 as keras_efficientnet_v2
from keras.src.legacy.saving.legacy_h5_format import save_weights_to_hdf5_group

from conftest import image_dependent_weights

import zoo
from zoo.kit.conformance import check_architecture

APPS = keras.applications
EXHAUSTIVE = [pytest.mark.slow, pytest.mark.exhaustive]
# the layers keras.applications leaves to Keras' automatic names (numbered by what was built before)
AUTO_NAMED = ("rescaling", "normalization")

V1 = {"efficientnetb0": APPS.EfficientNetB0, "efficientnetb1": APPS.EfficientNetB1,
      "efficientnetb2": APPS.EfficientNetB2, "efficientnetb3": APPS.EfficientNetB3,
      "efficientnetb4": APPS.EfficientNetB4, "efficientnetb5": APPS.EfficientNetB5,
      "efficientnetb6": APPS.EfficientNetB6, "efficientnetb7": APPS.EfficientNetB7}
V2 = {"efficientnetv2b0": APPS.EfficientNetV2B0, "efficientnetv2b1": APPS.EfficientNetV2B1,
      "efficientnetv2b2": APPS.EfficientNetV2B2, "efficientnetv2b3": APPS.EfficientNetV2B3,
      "efficientnetv2s": APPS.EfficientNetV2S, "efficientnetv2m": APPS.EfficientNetV2M,
      "efficientnetv2l": APPS.EfficientNetV2L}
FAST = ("efficientnetb0", "efficientnetv2b0")
CASES = [pytest.param(name, marks=[] if name in FAST else EXHAUSTIVE) for name in (*V1, *V2)]


def randomize(model, seed=0):
    """Random weights that keep the activations' scale through the depth and the outputs image-dependent:
    kernels of variance 1 / fan-in (a large classifier, so that probabilities are far from uniform), batch-norm
    scales in [0.5, 1] and the statistics of their own input on images (:func:`calibrate`), small biases, and
    positive input statistics."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        values = []
        for variable in layer.weights:
            shape, name = tuple(variable.shape), variable.name
            if name == "kernel" or name == "depthwise_kernel":
                fan_in = int(np.prod(shape[:-1])) if name == "kernel" else int(np.prod(shape[:2]))
                gain = 30.0 if isinstance(layer, keras.layers.Dense) else 1.0  # probabilities far from uniform
                value = rng.normal(0.0, gain * np.sqrt(1.0 / fan_in), shape)
            elif name in ("gamma", "moving_variance", "variance"):
                value = rng.uniform(0.5, 1.0, shape)
            elif name in ("beta", "bias", "moving_mean", "mean"):
                value = rng.uniform(-0.1, 0.1, shape)
            else:
                value = np.asarray(variable)
            values.append(np.asarray(value, dtype=variable.dtype))
        if values:
            set_weights(layer, values)
    calibrate(model, images(model.input_shape[1], count=4, seed=seed + 3))


def calibrate(model, x):
    """Each batch norm's moving statistics become those of its input on ``x``: one pass in training mode with
    momentum 0 and the drops switched off."""
    norms = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    drops = [layer for layer in model.layers if hasattr(layer, "rate")]
    saved = [layer.momentum for layer in norms], [layer.rate for layer in drops]
    for layer in norms:
        layer.momentum = 0.0
    for layer in drops:
        layer.rate = 0.0
    model(x, training=True)
    for layer, momentum in zip(norms, saved[0]):
        layer.momentum = momentum
    for layer, rate in zip(drops, saved[1]):
        layer.rate = rate


def set_weights(layer, values):
    layer.set_weights(values)
    if hasattr(layer, "finalize_state"):  # keras' Normalization reads its statistics only when built or loaded
        layer.finalize_state()


def images(size, count=2, seed=1):
    """Raw RGB pixels in [0, 255]: stripes of random frequencies and phases per channel, plus noise (of noise
    alone every image would give the same pooled features)."""
    rng = np.random.default_rng(seed)
    v, u = np.meshgrid(np.linspace(0, 1, size), np.linspace(0, 1, size), indexing="ij")
    batch = [np.stack([np.sin(2 * np.pi * (fu * u + fv * v) + phase) for fu, fv, phase in rng.uniform(1, 6, (3, 3))],
                      axis=-1) for _ in range(count)]
    noisy = 0.5 + 0.4 * np.asarray(batch) + 0.1 * rng.standard_normal((count, size, size, 3))
    return (255 * np.clip(noisy, 0, 1)).astype(np.float32)


def outputs(model, x):
    return keras.ops.convert_to_numpy(model(x, training=False))


def names(model):
    """Layer names in order, without the input and with Keras' automatic numbering of the preprocessing dropped."""
    return [layer.name.split("_")[0] if layer.name.startswith(AUTO_NAMED) else layer.name for layer in model.layers[1:]]


def write_legacy_h5(model, path):
    """``model``'s weights in the legacy HDF5 layout of keras.applications' published files."""
    with h5py.File(path, "w") as f:
        save_weights_to_hdf5_group(f, model)
    return path


def keras_model(name, include_top, shape, tmp_path, monkeypatch):
    """keras.applications' model as it is when built with its ImageNet weights (EfficientNet), or weights=None."""
    constructor = V1.get(name) or V2[name]
    if name not in V1:
        return constructor(weights=None, include_top=include_top, input_shape=shape)
    # keras builds the ImageNet model only to load its file: serve it one of the right layout from here
    donor = zoo.get(name, include_top=include_top, input_shape=shape)
    path = write_legacy_h5(donor, tmp_path / f"{name}_donor.h5")
    monkeypatch.setattr(keras_efficientnet.file_utils, "get_file", lambda *args, **kwargs: str(path))
    return constructor(weights="imagenet", include_top=include_top, input_shape=shape)


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("include_top", [True, False], ids=["top", "notop"])
def test_keras_applications_weights_give_its_outputs(name, include_top, tmp_path, monkeypatch):
    # keras' ImageNet EfficientNet with its top takes only its default size; the others run small
    size = zoo.registry.loader.get_registry().architectures[name].input_shape[0] \
        if include_top and name in V1 else 64
    shape = (size, size, 3)
    reference = keras_model(name, include_top, shape, tmp_path, monkeypatch)
    model = zoo.get(name, include_top=include_top, input_shape=shape, **({} if include_top else {"pooling": "avg"}))
    if not include_top:
        reference = keras.Model(reference.input, keras.layers.GlobalAveragePooling2D(name="avg_pool")(reference.output))
    assert model.count_params() == reference.count_params()
    assert names(model) == names(reference)

    randomize(reference)
    x = images(size)
    expected = outputs(reference, x)
    model.load_weights(write_legacy_h5(reference, tmp_path / "reference.h5"))
    np.testing.assert_allclose(outputs(model, x), expected, rtol=1e-5, atol=1e-5)
    if include_top:
        assert np.abs(expected[0] - expected[1]).max() > 1e-4  # the probabilities depend on the image
    randomize(model, seed=2)  # and back, by set_weights (zoo.adapt's way)
    for layer, other in zip(model.layers, reference.layers):
        if layer.weights:
            set_weights(other, layer.get_weights())
    np.testing.assert_allclose(outputs(model, x), outputs(reference, x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", [pytest.param(name, marks=[] if name in FAST else EXHAUSTIVE) for name in V1])
def test_parameter_counts_equal_keras_applications_without_weights(name):
    reference = V1[name](weights=None, input_shape=(64, 64, 3))  # 7 non-trainable statistics, as the zoo's
    assert zoo.get(name, input_shape=(64, 64, 3)).count_params() == reference.count_params()


def test_catalog_has_keras_applications_files_and_torchvisions_checkpoints():
    """Every variant has keras.applications' ImageNet file and its headless twin, with the URL and md5 keras
    publishes, raw pixels in; torchvision's checkpoints are tagged for B0...B7 and V2 S, M, L."""
    from pathlib import Path

    registry = zoo.registry.loader.get_registry()
    sources = {module: (Path(module.__file__)).read_text() for module in (keras_efficientnet, keras_efficientnet_v2)}
    for name in (*V1, *V2):
        module = keras_efficientnet if name in V1 else keras_efficientnet_v2
        stem = name if name in V1 else name.replace("efficientnetv2", "efficientnetv2-")
        top, notop = registry.weights[f"{name}.imagenet"], registry.weights[f"{name}.imagenet_notop"]
        assert top.default and notop.headless_of == "imagenet" and not notop.include_top
        for tag, suffix in ((top, ".h5"), (notop, "_notop.h5")):
            assert tag.file_name == stem + suffix and tag.urls == (module.BASE_WEIGHTS_PATH + tag.file_name,)
            assert tag.hash_algorithm == "md5" and f'"{tag.hash}"' in sources[module], tag.name
            assert tag.preprocessing == {} and tag.format == "h5" and tag.num_classes == 1000
        assert top.input_shape == registry.architectures[name].input_shape
    converted = {name for name in (*V1, *V2) if "torchvision" in registry.architectures[name].converters}
    assert converted == {*V1, "efficientnetv2s", "efficientnetv2m", "efficientnetv2l"}
    assert {tag.architecture for tag in registry.weights.values() if tag.format == "torchvision"} >= converted


@pytest.mark.parametrize("name", FAST)
def test_conformance_kit(name):
    report = check_architecture(name, jax=False)
    assert {"forward pass", ".keras round trip", "other input channels", "features=True",
            "search space"} <= set(report["checked"])


def test_other_channel_counts_keep_the_statistics():
    """ImageNet weights go into a grayscale EfficientNet: the normalization averages its 3 channels' statistics."""
    from zoo.weights.adapt import transfer_weights

    model = zoo.get("efficientnetb0", input_shape=(32, 32, 3), num_classes=4)
    randomize(model)
    gray = zoo.get("efficientnetb0", input_shape=(32, 32, 1), num_classes=4)
    report = transfer_weights(model, gray, first_conv="stem_conv", classifier=("predictions",))
    assert report["adapted"] == ["stem_conv"] and not report["fresh"]
    x = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 1)).astype(np.float32)
    normalized = keras.Model(gray.input, gray.get_layer("rescaling_1").output)(x)
    mean, variance = model.get_layer("normalization").get_weights()[:2]
    # the last rescaling divides by the square root of ImageNet's std, which keras' files hold as the "variance"
    expected = (x / 255 - mean.mean()) / np.sqrt(variance.mean()) / np.sqrt(np.mean([0.229, 0.224, 0.225]))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(normalized), expected, rtol=1e-5, atol=1e-5)


def test_preprocessing_inside_the_model_is_documented():
    """Raw pixels go in: the architectures say so, and the ImageNet normalization is what the model starts from."""
    registry = zoo.registry.loader.get_registry()
    for name in (*V1, *V2):
        arch = registry.architectures[name]
        assert arch.defaults["include_preprocessing"] is True and "raw [0, 255] pixels" in arch.description
    model = zoo.get("efficientnetb0", input_shape=(32, 32, 3))
    x = np.full((1, 32, 32, 3), [0.485 * 255, 0.456 * 255, 0.406 * 255], np.float32)
    normalized = keras.Model(model.input, model.get_layer("rescaling_1").output)(x)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(normalized), 0.0, atol=1e-5)
    off = zoo.get("efficientnetv2s", input_shape=(32, 32, 3), include_preprocessing=False)
    assert "rescaling" not in [layer.name for layer in off.layers]


@pytest.mark.slow  # two conversions with their check in onnxruntime, a minute on 2 cores
@pytest.mark.parametrize("name", FAST)
def test_onnx_export_passes_its_check(name, tmp_path):
    from zoo.records.identity import ModelIdentity

    registry = zoo.registry.loader.get_registry()
    arch = registry.architectures[name]
    shape = (32, 32, 3)
    weights = tmp_path / f"{name}.weights.h5"
    image_dependent_weights(zoo.get(name, input_shape=shape, num_classes=10), {}, weights)
    identity = ModelIdentity(architecture=name, arguments=arch.defaults, num_classes=10, input_shape=shape,
                             weights=weights, source="random weights", preprocessing={})
    result = zoo.export(identity, format="onnx", output=tmp_path / f"{name}.onnx", check=True)
    assert result.check.passed and result.check.max_difference <= 1e-4


@pytest.mark.jax
@pytest.mark.parametrize("name", FAST)
def test_forward_pass_under_jax(name):
    assert keras.backend.backend() == "jax"
    model = zoo.get(name, input_shape=(32, 32, 3), num_classes=3)
    y = keras.ops.convert_to_numpy(model(np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)), training=False))
    assert y.shape == (2, 3) and np.all(np.isfinite(y))
    np.testing.assert_allclose(y.sum(axis=-1), 1.0, rtol=1e-5)
