"""Pretrained weights end to end, offline and real.

Weight files are made by the test from real models (lenet5; keras.applications
with ``weights=None``, saved in the legacy HDF5 layout of the published
ImageNet files), served by a loopback HTTP server, and registered through a
catalog file named by ``ZOO_REGISTRY``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import yaml

import zoo
import zoo.registry.loader
from conftest import run_python, run_zoo, shipped_weights
from zoo.weights.cache import WeightsNotFoundError
from zoo.errors import DownloadError

ROOT = Path(__file__).resolve().parents[1]
KERAS_APPLICATIONS = Path(__import__("importlib").util.find_spec("keras").origin).parent / "src" / "applications"


# --- fixtures --------------------------------------------------------------------------------------


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def outputs(model, shape=(2, 32, 32, 1), seed=0):
    x = np.random.default_rng(seed).random(shape, dtype=np.float32)
    return np.asarray(model(x, training=False))


def needs(*names):
    missing = [n for n in names if n not in zoo.list()]
    return pytest.mark.skipif(bool(missing), reason=f"architectures not registered: {missing}")


# --- download, verify, cache -----------------------------------------------------------------------


def test_download_verify_cache_and_outputs_equal(lenet_tag, server, zoo_home):
    reference, entry = lenet_tag
    model = zoo.get("lenet5", pretrained=True)
    np.testing.assert_array_equal(outputs(model), outputs(reference))
    cached = zoo_home / "weights" / entry["file_name"]
    assert cached.read_bytes() == server.files[entry["file_name"]]
    assert server.count("missing", entry["file_name"]) == 1  # the 404 mirror was tried first
    zoo.get("lenet5.test", pretrained=True)
    zoo.get("lenet5", pretrained="test")
    assert server.count("ok", entry["file_name"]) == 1  # cached: downloaded once


def test_wrong_hash_is_a_clear_error(lenet_tag, server, catalog, zoo_home):
    _, entry = lenet_tag
    wrong = "f" * 64
    catalog({"lenet5.test": {**entry, "hash": wrong}})
    with pytest.raises(DownloadError) as error:
        zoo.get("lenet5", pretrained=True)
    message = str(error.value)
    assert entry["urls"][1] in message and wrong in message and sha256(server.files[entry["file_name"]]) in message
    assert not (zoo_home / "weights" / entry["file_name"]).exists()


def test_truncated_response_is_not_used(lenet_tag, server, catalog, zoo_home):
    reference, entry = lenet_tag
    name = entry["file_name"]
    catalog({"lenet5.test": {**entry, "urls": [server.url("truncated", name), server.url("ok", name)]}})
    np.testing.assert_array_equal(outputs(zoo.get("lenet5", pretrained=True)), outputs(reference))
    assert server.count("truncated", name) == 1 and server.count("ok", name) == 1


def test_offline_with_and_without_a_cached_file(lenet_tag, server, monkeypatch, zoo_home, tmp_path):
    reference, entry = lenet_tag
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    monkeypatch.setenv("ZOO_WEIGHTS_PATH", str(tmp_path / "mirror"))
    with pytest.raises(WeightsNotFoundError) as error:
        zoo.get("lenet5", pretrained=True)
    message = str(error.value)
    for place in (tmp_path / "mirror" / entry["file_name"], zoo_home / "weights" / entry["file_name"],
                  *entry["urls"]):
        assert str(place) in message
    assert sum(server.requests.values()) == 0  # offline: the network was never touched

    monkeypatch.delenv("ZOO_OFFLINE")
    zoo.get("lenet5", pretrained=True)
    requests = sum(server.requests.values())
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    np.testing.assert_array_equal(outputs(zoo.get("lenet5", pretrained=True)), outputs(reference))
    assert sum(server.requests.values()) == requests


def test_mirror_directory_is_searched_before_any_url(lenet_tag, server, monkeypatch, tmp_path, zoo_home):
    reference, entry = lenet_tag
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / entry["file_name"]).write_bytes(server.files[entry["file_name"]])
    monkeypatch.setenv("ZOO_WEIGHTS_PATH", f"{tmp_path / 'empty'}:{mirror}")
    np.testing.assert_array_equal(outputs(zoo.get("lenet5", pretrained=True)), outputs(reference))
    assert sum(server.requests.values()) == 0
    assert not (zoo_home / "weights" / entry["file_name"]).exists()  # read in place, not copied


def test_weights_in_a_plugins_own_package_are_found_offline(lenet_file, catalog, monkeypatch, tmp_path):
    """A tag with ``package:`` and no URL: its file ships inside a (plugin's) package, found offline."""
    import zoo.weights.cache

    reference, data = lenet_file
    package = tmp_path / "site" / "acme_plugin" / "weights"
    package.mkdir(parents=True)
    (package.parent / "__init__.py").write_text("")
    (package / "lenet5_acme.weights.h5").write_bytes(data)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    catalog({"lenet5.acme": {"file_name": "lenet5_acme.weights.h5", "hash": sha256(data), "num_classes": 10,
                             "package": "acme_plugin.weights"}})
    np.testing.assert_array_equal(outputs(zoo.get("lenet5.acme", pretrained=True)), outputs(reference))
    tag = zoo.registry.loader.get_registry().weights["lenet5.acme"]
    assert zoo.weights.cache.mirror_dirs(tag)[0] == package and zoo.weights.cache.local_copy(tag) == package / tag.file_name


def test_corrupt_cache_file_is_detected_and_downloaded_again(lenet_tag, server, zoo_home):
    reference, entry = lenet_tag
    zoo.get("lenet5", pretrained=True)
    cached = zoo_home / "weights" / entry["file_name"]
    data = bytearray(cached.read_bytes())
    data[len(data) // 2: len(data) // 2 + 64] = bytes(255 - b for b in data[len(data) // 2: len(data) // 2 + 64])
    cached.write_bytes(bytes(data))
    np.testing.assert_array_equal(outputs(zoo.get("lenet5", pretrained=True)), outputs(reference))
    assert server.count("ok", entry["file_name"]) == 2
    assert cached.read_bytes() == server.files[entry["file_name"]]


@pytest.mark.slow  # four TensorFlow processes: about a minute on 2 shared cores (test_download has the fast one)
def test_four_processes_get_the_same_tag_at_once(lenet_tag, server, catalog, tmp_path, zoo_home):
    """Four real processes call zoo.get on one tag together: one download, four identical models."""
    _, entry = lenet_tag
    name = entry["file_name"]
    path = catalog({"lenet5.test": {**entry, "urls": [server.url("slow", name)]}})
    code = textwrap.dedent("""
        import sys, time
        import numpy as np, zoo
        model = zoo.get("lenet5", pretrained=True)
        x = np.random.default_rng(0).random((2, 32, 32, 1), dtype=np.float32)
        np.save(sys.argv[1], np.asarray(model(x)))
    """)
    env = {"ZOO_REGISTRY": str(path), "ZOO_HOME": str(zoo_home), "TF_CPP_MIN_LOG_LEVEL": "3"}
    import os

    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path / f"out{i}.npy")],
                              env={**os.environ, **env}, stderr=subprocess.PIPE, text=True) for i in range(4)]
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert all(p.returncode == 0 for p in procs), errors
    assert server.count("slow", name) == 1
    results = [np.load(tmp_path / f"out{i}.npy") for i in range(4)]
    for result in results[1:]:
        np.testing.assert_array_equal(result, results[0])


# --- tags, selection, errors -----------------------------------------------------------------------


def test_pretrained_local_file(lenet_file, tmp_path, catalog):
    reference, data = lenet_file
    path = tmp_path / "mine.weights.h5"
    path.write_bytes(data)
    np.testing.assert_array_equal(outputs(zoo.get("lenet5", pretrained=str(path))), outputs(reference))
    with pytest.raises(FileNotFoundError, match="nothere.weights.h5"):
        zoo.get("lenet5", pretrained=str(tmp_path / "nothere.weights.h5"))


def test_pretrained_errors_name_what_is_wrong(lenet_tag, catalog):
    _, entry = lenet_tag
    catalog({"lenet5.test": entry, "lenet5.other": {**entry, "default": False}})
    with pytest.raises(ValueError, match="contradicts"):
        zoo.get("lenet5.test", pretrained="other")
    with pytest.raises(KeyError, match="lenet5.nope"):
        zoo.get("lenet5", pretrained="nope")
    with pytest.raises(ValueError, match="pretrained=3"):
        zoo.get("lenet5", pretrained=3)


def test_list_and_info_show_tags(lenet_tag):
    assert "lenet5" in zoo.list(pretrained=True)
    assert "lenet5.test" in zoo.info("lenet5").weight_tags
    assert zoo.info("lenet5").default_tag == "lenet5.test"


@needs("mobilenet", "mobilenetv2")
def test_architecture_arguments_select_the_published_file():
    from zoo.weights.pretrained import select_tag

    registry = zoo.registry.loader.get_registry()
    mobilenet, v2 = registry.architectures["mobilenet"], registry.architectures["mobilenetv2"]
    assert select_tag(mobilenet, {}).name == "mobilenet.imagenet"
    assert select_tag(mobilenet, {"alpha": 0.25, "input_shape": (128, 128, 3)}).name == "mobilenet.imagenet_025_128"
    assert select_tag(mobilenet, {"input_shape": (160, 160, 3)}).name == "mobilenet.imagenet_100_160"
    assert select_tag(v2, {"alpha": 1.4}).name == "mobilenetv2.imagenet_140_224"
    assert select_tag(v2, {"alpha": 0.35, "input_shape": (300, 300, 3)}).name == "mobilenetv2.imagenet_035_224"
    with pytest.raises(ValueError, match="alpha=0.3"):
        select_tag(mobilenet, {"alpha": 0.3})


# --- head and input adaptation ---------------------------------------------------------------------


def test_num_classes_and_in_channels_adapt_lenet(lenet_tag, caplog):
    reference, _ = lenet_tag
    with caplog.at_level(logging.INFO, logger="zoo"):
        model = zoo.get("lenet5", pretrained=True, num_classes=3, in_channels=3)
    assert model.output_shape == (None, 3) and model.input_shape == (None, 32, 32, 3)
    kernel = reference.get_layer("conv1").get_weights()[0]
    np.testing.assert_allclose(model.get_layer("conv1").get_weights()[0], np.repeat(kernel, 3, axis=2) / 3,
                               rtol=1e-6)
    for name in ("conv2", "fc1", "fc2"):
        for a, b in zip(model.get_layer(name).get_weights(), reference.get_layer(name).get_weights()):
            np.testing.assert_array_equal(a, b)
    assert "classifier (predictions)" in caplog.text and "adapted to 3 input channels" in caplog.text


def test_include_top_false_without_headless_file_loads_the_backbone(lenet_tag):
    reference, _ = lenet_tag
    model = zoo.get("lenet5.test", pretrained=True, include_top=False, pooling="avg", input_shape=(28, 28, 1))
    assert model.output_shape == (None, 16)
    for name in ("conv1", "conv2"):
        for a, b in zip(model.get_layer(name).get_weights(), reference.get_layer(name).get_weights()):
            np.testing.assert_array_equal(a, b)


@pytest.mark.jax
def test_pretrained_under_jax(lenet_tag):
    import keras

    assert keras.backend.backend() == "jax"
    reference, _ = lenet_tag
    model = zoo.get("lenet5", pretrained=True, num_classes=3, in_channels=3)
    np.testing.assert_allclose(model.get_layer("fc1").get_weights()[0], reference.get_layer("fc1").get_weights()[0])
    x = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    assert np.asarray(model(zoo.preprocessing("lenet5.test")(x))).shape == (2, 3)


def test_adapt_input_conv_as_timm():
    from zoo.weights.adapt import adapt_input_conv

    kernel = np.random.default_rng(0).random((3, 3, 3, 8)).astype("float32")
    np.testing.assert_allclose(adapt_input_conv(kernel, 1), kernel.sum(axis=2, keepdims=True))
    five = adapt_input_conv(kernel, 5)
    np.testing.assert_allclose(five, np.concatenate([kernel, kernel], axis=2)[:, :, :5] * 3 / 5, rtol=1e-6)
    # rescaled so that a constant image gives the same first-layer response (exact for multiples of 3)
    np.testing.assert_allclose(adapt_input_conv(kernel, 6).sum(axis=2), kernel.sum(axis=2), rtol=1e-5)
    assert adapt_input_conv(kernel, 3) is kernel


def write_legacy_h5(model, path: Path) -> bytes:
    """Save ``model`` as keras.applications' published files are: the legacy HDF5 weights layout."""
    import h5py
    from keras.src.legacy.saving import legacy_h5_format

    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)
    return path.read_bytes()


def serve_keras_file(server, catalog, tmp_path, reference, tag: str, md5: bool = True):
    """Save a keras.applications model as its published ImageNet file and serve it as the shipped ``tag``.

    Every shipped tag of the architecture is registered through ZOO_REGISTRY with its URL re-pointed at
    the loopback server; ``tag`` gets the new file's md5 (or, ``md5=False``, no hash, as keras publishes
    none for the MobileNets).
    """
    data = write_legacy_h5(reference, tmp_path / "published.h5")
    shipped = shipped_weights()
    architecture = tag.partition(".")[0]
    entries = {name: dict(entry, urls=[server.url("missing", entry["file_name"])])
               for name, entry in shipped.items() if name.partition(".")[0] == architecture}
    entry = entries[tag]
    server.files[entry["file_name"]] = data
    entry.update(urls=[server.url("ok", entry["file_name"])], hash=hashlib.md5(data).hexdigest() if md5 else None)
    catalog(entries)
    return entry


def keras_resnet50(include_top: bool):
    import keras

    keras.utils.set_random_seed(2)
    return keras.applications.ResNet50(weights=None, include_top=include_top, input_shape=(32, 32, 3))


@needs("resnet50")
def test_resnet50_imagenet_file_loads_like_keras_applications(server, catalog, tmp_path):
    """include_top=False loads the headless file; outputs equal keras.applications' model."""
    reference = keras_resnet50(include_top=False)
    serve_keras_file(server, catalog, tmp_path, reference, "resnet50.imagenet_notop")
    model = zoo.get("resnet50", pretrained=True, include_top=False, input_shape=(32, 32, 3))
    np.testing.assert_allclose(outputs(model, (2, 32, 32, 3)), outputs(reference, (2, 32, 32, 3)), atol=1e-5)
    assert server.count("ok", "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5") == 1
    features = zoo.get("resnet50", pretrained=True, include_top=False, features=True, input_shape=(32, 32, 3))
    x = np.random.default_rng(0).random((2, 32, 32, 3), dtype=np.float32)
    np.testing.assert_allclose(np.asarray(features(x)[-1]), outputs(reference, (2, 32, 32, 3)), atol=1e-5)


@needs("resnet50")
def test_resnet50_num_classes_and_grayscale(server, catalog, tmp_path):
    """num_classes=10, in_channels=1: backbone identical, head fresh, first convolution summed."""
    reference = keras_resnet50(include_top=True)
    serve_keras_file(server, catalog, tmp_path, reference, "resnet50.imagenet")
    model = zoo.get("resnet50", pretrained=True, num_classes=10, in_channels=1, input_shape=(32, 32, 3))
    assert model.input_shape == (None, 32, 32, 1) and model.output_shape == (None, 10)
    source = {layer.name: layer.get_weights() for layer in reference.layers if layer.weights}
    for layer in model.layers:
        if not layer.weights:
            continue
        weights = layer.get_weights()
        if layer.name == "conv1_conv":
            np.testing.assert_allclose(weights[0], source[layer.name][0].sum(axis=2, keepdims=True), rtol=1e-6)
            np.testing.assert_array_equal(weights[1], source[layer.name][1])
        elif layer.name == "predictions":
            assert weights[0].shape == (2048, 10)
        else:
            for a, b in zip(weights, source[layer.name]):
                np.testing.assert_array_equal(a, b)


@needs("mobilenet")
def test_mobilenet_width_and_size_pick_their_file(tls_server, catalog, tmp_path, zoo_home):
    """alpha=0.25 at 128x128 loads mobilenet_2_5_128_tf_no_top.h5: no published hash, so served over https,
    accepted after a complete read of its HDF5 structure, and its sha256 pinned in the user catalog."""
    server = tls_server
    import keras

    keras.utils.set_random_seed(4)
    reference = keras.applications.MobileNet(weights=None, alpha=0.25, include_top=False, input_shape=(128, 128, 3))
    entry = serve_keras_file(server, catalog, tmp_path, reference, "mobilenet.imagenet_025_128_notop", md5=False)
    assert entry["file_name"] == "mobilenet_2_5_128_tf_no_top.h5"
    model = zoo.get("mobilenet", alpha=0.25, input_shape=(128, 128, 3), include_top=False, pretrained=True)
    shape = (2, 128, 128, 3)
    np.testing.assert_allclose(outputs(model, shape), outputs(reference, shape), atol=1e-5)
    assert server.count("ok", entry["file_name"]) == 1
    pins = yaml.safe_load((zoo_home / "registry.yaml").read_text())["hashes"]
    assert pins["mobilenet.imagenet_025_128_notop"] == {
        "file_name": entry["file_name"], "sha256": sha256(server.files[entry["file_name"]])}


# --- preprocessing and class names ---------------------------------------------------------------


@needs("resnet50", "densenet121", "xception")
@pytest.mark.parametrize("tag, module", [("resnet50.imagenet", "resnet"), ("densenet121.imagenet", "densenet"),
                                         ("xception.imagenet", "xception"), ("resnet50v2.imagenet", "resnet_v2")])
def test_preprocessing_equals_keras_applications(tag, module):
    import importlib

    keras_module = importlib.import_module(f"keras.applications.{module}")
    x = np.random.default_rng(0).uniform(0, 255, (2, 8, 8, 3)).astype("float32")
    expected = keras_module.preprocess_input(x.copy())
    layer = zoo.preprocessing(tag)
    np.testing.assert_allclose(np.asarray(layer(x)), expected, rtol=1e-5, atol=1e-4)
    import keras

    clone = layer.__class__.from_config(layer.get_config())
    np.testing.assert_allclose(np.asarray(clone(x)), expected, rtol=1e-5, atol=1e-4)
    inputs = keras.Input((8, 8, 3))
    model = keras.Model(inputs, layer(inputs))  # usable inside a model
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-4)


def test_preprocessing_resize_and_crop_as_data(lenet_tag, catalog):
    import keras

    _, entry = lenet_tag
    spec = {"mode": "torch", "resize": [40, 40], "crop": [32, 32]}
    catalog({"lenet5.test": {**entry, "preprocessing": spec}})
    x = np.random.default_rng(0).uniform(0, 255, (2, 64, 48, 3)).astype("float32")
    expected = keras.layers.CenterCrop(32, 32)(keras.layers.Resizing(40, 40, crop_to_aspect_ratio=True)(x))
    expected = (np.asarray(expected) / 255 - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225]
    layer = zoo.preprocessing("lenet5.test")
    np.testing.assert_allclose(np.asarray(layer(x)), expected, rtol=1e-5, atol=1e-5)
    assert layer.compute_output_shape((None, 64, 48, 3)) == (None, 32, 32, 3)
    with pytest.raises(ValueError, match="preprocessing field 'crop_pct'"):
        catalog({"lenet5.test": {**entry, "preprocessing": {"crop_pct": 0.875}}})
        zoo.preprocessing("lenet5.test")


def test_imagenet_class_index_is_the_file_keras_publishes():
    """The shipped JSON has the md5 keras.applications checks when it downloads the same file."""
    source = (KERAS_APPLICATIONS / "imagenet_utils.py").read_text()
    data = (ROOT / "zoo" / "weights" / "imagenet_class_index.json").read_bytes()
    assert f'file_hash="{hashlib.md5(data).hexdigest()}"' in source
    index = json.loads(data)
    assert len(index) == 1000 and index["0"] == ["n01440764", "tench"]


@needs("resnet50")
def test_decode_predictions():
    preds = np.zeros((2, 1000), dtype="float32")
    preds[0, [0, 1, 2]] = [0.7, 0.2, 0.1]
    preds[1, 999] = 1.0
    decoded = zoo.decode_predictions(preds, "resnet50.imagenet", top=2)
    assert decoded[0] == [("n01440764", "tench", pytest.approx(0.7)), ("n01443537", "goldfish", pytest.approx(0.2))]
    assert decoded[1][0][:2] == ("n15075141", "toilet_tissue")
    with pytest.raises(ValueError, match="1000 classes"):
        zoo.decode_predictions(preds[:, :10], "resnet50.imagenet")


def test_decode_predictions_with_listed_class_names(lenet_tag):
    preds = np.eye(10, dtype="float32")[[3]]
    assert zoo.decode_predictions(preds, "lenet5.test", top=1) == [[(3, "3", 1.0)]]


# --- the shipped catalog ---------------------------------------------------------------------------


def test_every_keras_applications_file_is_registered_with_keras_hashes():
    from zoo.registry.catalog import read_catalog

    raw = shipped_weights()
    weights = {tag.name: tag for section in yaml.safe_load((ROOT / "registry.yaml").read_text())
               for tag in read_catalog(ROOT / "registry.yaml", section)["weights"]}  # headless ones inherit
    sources = "\n".join(p.read_text() for p in KERAS_APPLICATIONS.glob("*.py"))
    for architecture in ("vgg16", "vgg19", "resnet50", "resnet101", "resnet152", "resnet50v2", "resnet101v2",
                         "resnet152v2", "densenet121", "densenet169", "densenet201", "xception", "mobilenet",
                         "mobilenetv2", "mobilenetv3small", "mobilenetv3large", "convnext_tiny", "convnext_small",
                         "convnext_base", "convnext_large", "convnext_xlarge"):
        top, notop = weights[f"{architecture}.imagenet"], weights[f"{architecture}.imagenet_notop"]
        assert top.default and notop.headless_of == "imagenet" and notop.include_top is False and not notop.default
        assert (notop.preprocessing, notop.class_names, notop.license) == (top.preprocessing, top.class_names,
                                                                           top.license)
        assert set(raw[notop.name]) <= {"headless_of", "file_name", "urls", "hash", "hash_algorithm"}  # no repeats
    keras_tags = {name: t for name, t in weights.items() if t.urls and t.urls[0].startswith(
        "https://storage.googleapis.com/tensorflow/keras-applications/")}
    # with and without top: 12 architectures, 16 MobileNet, 22 MobileNetV2, 7 EfficientNetV2, 6 MobileNetV3,
    # 5 ConvNeXt, 4 Inception and NASNet (EfficientNet's files are at storage.googleapis.com/keras-applications/:
    # tests/test_efficientnet.py checks them)
    assert len(keras_tags) == 2 * (12 + 16 + 22 + 7 + 6 + 5 + 4)
    for name, tag in keras_tags.items():
        # keras.applications caches NASNet's files under its own names (nasnet_mobile.h5), which Keras' cache holds
        assert (tag.urls[0].endswith("/" + tag.file_name) or tag.architecture.startswith("nasnet")) \
            and tag.format == "h5"
        assert (KERAS_APPLICATIONS / tag.source.split("/")[-1].rstrip(")")).is_file()
        if tag.hash:  # keras publishes md5 hashes (sha256 for ConvNeXt) for all but the MobileNet files
            assert tag.hash_algorithm == ("sha256" if name.startswith("convnext") else "md5"), name
            assert f'"{tag.hash}"' in sources, name
        else:
            assert name.startswith("mobilenet")
    assert weights["mobilenet.imagenet_025_128"].arguments == {"alpha": 0.25}
    assert weights["mobilenet.imagenet_025_128_notop"].arguments == {"alpha": 0.25}  # inherited
    assert weights["mobilenetv2.imagenet_140_224"].file_name.endswith("_1.4_224.h5")


# --- zoo weights CLI -------------------------------------------------------------------------------


def test_cli_import_then_get(lenet_file, tmp_path, zoo_home, monkeypatch):
    reference, data = lenet_file
    path = tmp_path / "trained.weights.h5"
    path.write_bytes(data)
    result = run_zoo("weights", "import", str(path), "--as", "lenet5.mine", "--num-classes", "10", "--no-check",
                     env={"ZOO_HOME": str(zoo_home)})  # the check that the file loads: in the next test
    assert result.returncode == 0, result.stderr
    assert sha256(data) in result.stdout
    assert (zoo_home / "weights" / "lenet5.mine.weights.h5").read_bytes() == data
    monkeypatch.setattr(zoo.registry.loader, "_registry", None)
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    np.testing.assert_array_equal(outputs(zoo.get("lenet5.mine", pretrained=True)), outputs(reference))

    listing = run_zoo("weights", "list", "lenet*", env={"ZOO_HOME": str(zoo_home)})
    assert "lenet5.mine" in listing.stdout and str(zoo_home / "weights") in listing.stdout
    cached = zoo_home / "weights" / "lenet5.mine.weights.h5"
    cached.write_bytes(b"garbage")
    stale = zoo_home / "weights" / f".lenet5.{2 ** 22 + 1}.x1y2z3.tmp.mine.weights.h5"  # zoo.files' partial, no such process
    stale.write_bytes(b"half a file")
    verify = run_zoo("weights", "verify", env={"ZOO_HOME": str(zoo_home)})
    assert verify.returncode == 1 and "CORRUPT" in verify.stdout and not cached.exists()
    assert "partial" in verify.stdout and not stale.exists()
    assert run_zoo("weights", "verify", env={"ZOO_HOME": str(zoo_home)}).returncode == 0


def test_import_weights_python_api_checks_the_file(lenet_file, tmp_path, zoo_home, monkeypatch):
    from zoo.weights.pretrained import import_weights

    monkeypatch.setattr(zoo.registry.loader, "_registry", None)
    _, data = lenet_file
    path = tmp_path / "trained.weights.h5"
    path.write_bytes(data)
    tag = import_weights(path, "lenet5.api", num_classes=10, metrics={"test_accuracy": 0.5})
    assert zoo.get("lenet5.api", pretrained=True).output_shape == (None, 10)  # this process sees it at once
    assert yaml.safe_load((zoo_home / "registry.yaml").read_text())["weights"]["lenet5.api"]["hash"] == tag.hash
    import_weights(path, "lenet5.args", num_classes=10, input_shape=(32, 32, 1), arguments={"filters": (6, 16)})
    assert zoo.get("lenet5", filters=(6, 16), pretrained="args").output_shape == (None, 10)
    with pytest.raises(ValueError, match="do not load"):
        import_weights(path, "lenet5.bad", num_classes=3)
    assert not (zoo_home / "weights" / "lenet5.bad.weights.h5").exists()
    assert "lenet5.bad" not in zoo.registry.loader.get_registry().weights
    with pytest.raises(ValueError, match="architecture.tag"):
        import_weights(path, "lenet5")


def test_cli_pull_and_errors(lenet_tag, zoo_home):
    _, entry = lenet_tag
    env = {"ZOO_HOME": str(zoo_home), "ZOO_REGISTRY": __import__("os").environ["ZOO_REGISTRY"]}
    result = run_zoo("weights", "pull", "lenet5", env=env)
    assert result.returncode == 0 and entry["file_name"] in result.stdout
    offline = run_zoo("weights", "pull", "lenet5.test", env={**env, "ZOO_HOME": str(zoo_home / "other"),
                                                              "ZOO_OFFLINE": "1"})
    assert offline.returncode == 2 and "looked in" in offline.stderr
    missing = run_zoo("weights", "import", "/nonexistent.weights.h5", "--as", "lenet5.x", env=env)
    assert missing.returncode == 2 and "nonexistent" in missing.stderr


def test_weights_cli_list_imports_no_tensorflow():
    result = run_python("""
        import sys
        from zoo.cli import main
        assert main(["weights", "list", "resnet*"]) == 0
        assert "tensorflow" not in sys.modules and "keras" not in sys.modules, "TF imported"
    """)
    assert result.returncode == 0, result.stderr
