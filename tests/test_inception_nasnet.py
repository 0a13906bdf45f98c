"""Inception v3, Inception-ResNet v2 and NASNet-A (issue 23): keras.applications' models, and every door.

Parity: for each variant, with and without the top, the zoo model has keras.applications' parameter
count (and the published one), its layer names in its order (the unnamed ones as a fresh Keras session
names them), and keras.applications' weights -- set directly, and through the legacy HDF5 layout of the
published ImageNet files (loaded by layer order) -- give its outputs to 1e-5. The default run checks one
variant per family at the smallest input keras allows (75 for Inception, 32 for NASNet); ``-m exhaustive``
every variant. Then the conformance kit, ``features=True``, an ONNX export checked in onnxruntime, the
catalog sections (hashes as keras publishes them) and the forward pass under JAX (``-m jax``).
"""

import re
from pathlib import Path

import h5py
import keras
import numpy as np
import pytest
import yaml
from keras.src.legacy.saving.legacy_h5_format import save_weights_to_hdf5_group

import zoo
from conftest import ROOT, image_dependent_weights, run_python
from zoo.kit.conformance import check_architecture

APPS = keras.applications
SLOW = [pytest.mark.slow, pytest.mark.exhaustive]
# zoo name: (keras.applications constructor, smallest input keras allows, parameters with top, without)
KERAS = {
    "inceptionv3": (APPS.InceptionV3, 75, 23_851_784, 21_802_784),
    "inceptionresnetv2": (APPS.InceptionResNetV2, 75, 55_873_736, 54_336_736),
    "nasnetmobile": (APPS.NASNetMobile, 32, 5_326_716, 4_269_716),
    "nasnetlarge": (APPS.NASNetLarge, 32, 88_949_818, 84_916_818),
}
FAST = {("inceptionv3", True), ("inceptionresnetv2", False), ("nasnetmobile", True)}  # one per family
# keras.applications' NASNet leaves its top's pooling unnamed; the zoo's shared head names it avg_pool.
HEAD_NAMES = {"global_average_pooling2d": "avg_pool"}
# Small builds of each family for the kit, the export and JAX (the layouts are the full ones').
SMALL = {"inceptionv3": {"width": 0.25}, "inceptionresnetv2": {"blocks": (1, 1, 1)},
         "nasnetmobile": {"num_blocks": 1, "penultimate_filters": 576},
         "nasnetlarge": {"num_blocks": 1, "penultimate_filters": 576}}
ONE_PER_FAMILY = ("inceptionv3", "inceptionresnetv2", "nasnetmobile")
CATALOG = ROOT / "registry.yaml"
PLUGINS = {"inceptionv3", "inceptionresnetv2", "nasnet"}  # their entry points: their sections of the catalog


def randomize(model, seed=0):
    """Scale every weight by a random factor in [0.5, 1.5] and shift the vectors (batch norm included) up
    by up to 0.1: far from the initial values, yet finite through 500 layers."""
    rng = np.random.default_rng(seed)
    model.set_weights([(w * rng.uniform(0.5, 1.5, w.shape) + (rng.uniform(0, 0.1, w.shape) if w.ndim == 1 else 0))
                       .astype(w.dtype) for w in model.get_weights()])


def outputs(model, x):
    return keras.ops.convert_to_numpy(model(x, training=False))


@pytest.mark.parametrize("name, include_top", [
    pytest.param(name, top, id=f"{name}-{'top' if top else 'notop'}", marks=[] if (name, top) in FAST else SLOW)
    for name in KERAS for top in (True, False)])
def test_keras_applications_model_layer_for_layer(name, include_top, tmp_path):
    constructor, size, with_top, without_top = KERAS[name]
    shape = (size, size, 3)
    keras.backend.clear_session()  # keras.applications' unnamed layers are then named as in a fresh process
    reference = constructor(weights=None, include_top=include_top, input_shape=shape)
    model = zoo.get(name, include_top=include_top, input_shape=shape)
    assert model.count_params() == reference.count_params() == (with_top if include_top else without_top)
    assert [layer.name for layer in model.layers[1:]] == \
           [HEAD_NAMES.get(layer.name, layer.name) for layer in reference.layers[1:]]

    randomize(reference)
    x = np.random.default_rng(1).random((2, *shape), dtype=np.float32)
    expected = outputs(reference, x)
    model.set_weights(reference.get_weights())
    np.testing.assert_allclose(outputs(model, x), expected, rtol=1e-5, atol=1e-5)

    randomize(model, seed=2)  # forget them, then load the published files' layout
    with h5py.File(tmp_path / "reference.h5", "w") as f:
        save_weights_to_hdf5_group(f, reference)
    model.load_weights(tmp_path / "reference.h5")
    np.testing.assert_allclose(outputs(model, x), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", [pytest.param(n, marks=[] if n in ONE_PER_FAMILY else SLOW) for n in KERAS])
def test_the_conformance_kit(name):
    """Forward pass, config and .keras round trips (ScaledResidual is serializable), another head and other
    input channels, features=True, recipe and search space (JAX: test_forward_pass_under_jax)."""
    report = check_architecture(name, jax=False, **SMALL[name])
    assert {"forward pass", "get_config/from_config", ".keras round trip", "another head", "other input channels",
            "features=True", "recipe", "search space"} <= set(report["checked"])


@pytest.mark.parametrize("name, size, stages", [
    ("inceptionv3", 299, [("activation_4", 71, 192), ("mixed2", 35, 288), ("mixed7", 17, 768),
                          ("mixed10", 8, 2048)]),
    ("inceptionresnetv2", 299, [("activation_4", 71, 192), ("block35_10_ac", 35, 320),
                                ("block17_20_ac", 17, 1088), ("conv_7b_ac", 8, 1536)]),
    ("nasnetmobile", 224, [("reduction_concat_stem_1", 56, 44), ("normal_concat_3", 28, 264),
                           ("normal_concat_8", 14, 528), ("activation_187", 7, 1056)]),
])
def test_features_are_the_ends_of_the_strides_4_8_16_32(name, size, stages):
    model = zoo.get(name, include_top=False, features=True, input_shape=(size, size, 3))
    assert len(model.outputs) == len(stages)
    for output, (layer, side, channels) in zip(model.outputs, stages):
        assert output is model.get_layer(layer).output and tuple(output.shape[1:]) == (side, side, channels)


def test_bad_arguments_name_what_is_allowed():
    with pytest.raises(ValueError, match=r"penultimate_filters=1000 is not allowed: it must be a multiple of"):
        zoo.get("nasnetmobile", penultimate_filters=1000, input_shape=(32, 32, 3))
    with pytest.raises(ValueError, match=r"blocks=\(10, 0, 10\) is not allowed: it must be three integers >= 1"):
        zoo.get("inceptionresnetv2", blocks=(10, 0, 10), input_shape=(75, 75, 3))
    with pytest.raises(ValueError, match=r"width=0 is not allowed"):
        zoo.get("inceptionv3", width=0, input_shape=(75, 75, 3))


def test_catalog_sections_are_keras_published_files():
    """Each tag's hash is the one keras.applications' source checks, its URL's file name is in that source, its
    metrics are the families'; each plugin registers its section (aliases, headless twins)."""
    sections = {name: section for name, section in yaml.safe_load(CATALOG.read_text()).items() if name in PLUGINS}
    assert set(sections) == PLUGINS
    sources = {"inceptionv3": "inception_v3.py", "inceptionresnetv2": "inception_resnet_v2.py",
               "nasnetmobile": "nasnet.py", "nasnetlarge": "nasnet.py"}
    folder = Path(keras.__file__).parent / "src" / "applications"
    flat = {"aliases": {}, "weights": {}}
    for section in sections.values():
        flat["aliases"].update(section["aliases"])
        flat["weights"].update(section["weights"])
    assert len(flat["weights"]) == 8
    for name, tag in flat["weights"].items():
        architecture = name.partition(".")[0]
        source = re.sub(r'"\s+"', "", (folder / sources[architecture]).read_text())  # join split literals
        assert f'"{tag["hash"]}"' in source and tag["hash_algorithm"] == "md5", name
        assert tag["urls"][0].rsplit("/", 1)[1] in source and tag["file_name"] in source, name
        if "headless_of" not in tag:
            assert tag["metrics"]["imagenet_top1"]["value"] == zoo.info(architecture).metrics["imagenet_top1"]["value"]
    result = run_python("""
        import zoo
        from zoo.registry.loader import get_registry
        registry = get_registry()
        print(zoo.info("inception_v3").name, zoo.info("inception_resnet_v2").name, zoo.info("nasnet_large").name)
        for name in ("inceptionv3", "inceptionresnetv2", "nasnetmobile", "nasnetlarge"):
            print(name, sorted((t.name, t.include_top) for t in registry.tags_for(name)))
    """, env={"ZOO_OFFLINE": "1"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "inceptionv3 inceptionresnetv2 nasnetlarge"
    assert lines[3] == "nasnetmobile [('nasnetmobile.imagenet', True), ('nasnetmobile.imagenet_notop', False)]"


@pytest.mark.parametrize("name", [pytest.param(n, marks=[pytest.mark.slow] if n == "inceptionresnetv2" else [])
                                  for n in ONE_PER_FAMILY])  # about 25 s each; Inception-ResNet's 36 s
def test_onnx_export_checks_in_onnxruntime(name, tmp_path):
    """A small build (random weights) exported to ONNX answers as the Keras model, in onnxruntime."""
    from zoo.records.identity import DEFAULT_PREPROCESSING, ModelIdentity

    arch = zoo.info(name)
    size = KERAS[name][1]
    weights = tmp_path / f"{name}.weights.h5"
    image_dependent_weights(zoo.get(name, input_shape=(size, size, 3), num_classes=10, **SMALL[name]),
                            DEFAULT_PREPROCESSING, weights)
    identity = ModelIdentity(architecture=name, arguments={**arch.arguments, **SMALL[name]}, num_classes=10,
                             input_shape=(size, size, 3), weights=weights, source="random weights",
                             preprocessing=DEFAULT_PREPROCESSING)
    result = zoo.export(identity, format="onnx", output=tmp_path / f"{name}.onnx", check=True)
    assert result.check.passed and result.check.max_difference <= 1e-4, result.check


@pytest.mark.jax
@pytest.mark.parametrize("name", ONE_PER_FAMILY)
def test_forward_pass_under_jax(name):
    assert keras.backend.backend() == "jax", "run with KERAS_BACKEND=jax"
    check_architecture(name, **SMALL[name])


@pytest.mark.parametrize("name, millions", [
    ("nasnetmobile", 564),  # Zoph et al. 2018, table 3: NASNet-A (4 @ 1056), 564M mult-adds
    pytest.param("nasnetlarge", 23_800, marks=SLOW),  # table 2: NASNet-A (6 @ 4032), 23.8B
])
def test_mult_adds_are_the_papers(name, millions):
    from zoo.kit import stats

    assert abs(stats.model_stats(name)["macs"] / 1e6 - millions) <= 0.005 * millions
