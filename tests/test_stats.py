"""zoo.stats: MACs counted from a model's layers; the built-in plugins' model_stats.json; the site's catalog."""

import json
import sys

import keras
import pytest
from keras import layers

import zoo
from conftest import ROOT
from zoo.kit import stats
from zoo.registry.cards import stats_file
from zoo.registry.loader import get_registry

sys.path.insert(0, str(ROOT / "docs"))
import generate as reference  # noqa: E402  (docs/generate.py)


def test_macs_of_each_counted_layer_kind():
    inputs = keras.Input((8, 8, 3))
    x = layers.Conv2D(4, 3, padding="same")(inputs)  # 8*8*4 * 3*3*3 = 6912
    x = layers.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2)(x)  # 4*4*8 * 9 = 1152
    x = layers.SeparableConv2D(5, 3, padding="same")(x)  # 4*4*8*9 + 4*4*8*5 = 1152 + 640
    x = layers.BatchNormalization()(x)  # 0
    x = layers.GlobalAveragePooling2D()(x)  # 0
    x = layers.Dense(7)(x)  # 5*7 = 35
    model = keras.Model(inputs, x)
    assert stats.count_macs(model) == 6912 + 1152 + 1152 + 640 + 35

    tokens = keras.Input((10,), dtype="int32")
    y = layers.Embedding(100, 6)(tokens)  # 0
    y = layers.Conv1D(4, 3)(y)  # 8 * 4 * 3*6 = 576
    y = layers.LSTM(2)(y)  # 8 steps * 4 gates * (4 + 2) * 2 = 384
    assert stats.count_macs(keras.Model(tokens, y)) == 576 + 384


def test_nested_models_are_counted():
    inner = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
    inputs = keras.Input((4,))
    model = keras.Model(inputs, layers.Dense(2)(inner(inputs)))
    assert stats.count_macs(model) == 4 * 3 + 3 * 2


@pytest.mark.parametrize("name, gmacs, tolerance", [
    ("resnet50", 3.9, 0.05),  # keras.applications layout: stride in the first 1x1 convolution
    ("vgg16", 15.5, 0.02),
    ("densenet121", 2.9, 0.05),
    ("mobilenetv2", 0.3, 0.02),
    ("mobilenet", 0.569, 0.01),  # Howard et al. 2017, table 8: 569M mult-adds
    ("resnet18", 1.82, 0.01),  # torchvision: 1.81 GFLOPS (MACs)
])
def test_generated_stats_match_published_macs(name, gmacs, tolerance):
    macs = zoo.info(name).macs
    assert abs(macs / 1e9 - gmacs) <= tolerance * gmacs, (name, macs)


@pytest.mark.parametrize("name", ["lenet5", "resnet20", "mobilenetv2"])
def test_generated_stats_are_current(name):
    """The shipped counts are what the model builds to now (cheap architectures; all of them with -m slow)."""
    assert stats.model_stats(name) == {"params": zoo.info(name).parameter_count, "macs": zoo.info(name).macs}


@pytest.mark.slow
def test_all_generated_stats_are_current():
    shipped = json.loads(stats_file("lenet5").read_text())
    for name in sorted(get_registry().architectures):
        assert stats.model_stats(name) == shipped[name], f"{name}: run zoo stats --plugin PLUGIN --write"


def test_every_builtin_architecture_has_stats_and_a_catalog_row():
    registry = get_registry()
    builtin = sorted(name for name, owner in registry.owners.items() if owner.distribution == "keras-zoo")
    assert {stats_file(name) for name in builtin} == {stats_file("lenet5")}  # zoo_plugins/model_stats.json
    assert stats_file("lenet5").parent.name in ("plugins", "zoo_plugins")
    missing = [name for name in builtin if zoo.info(name).parameter_count is None]
    assert not missing, f"no stats for {missing}: run zoo stats --plugin PLUGIN --write"
    rows = {line.split("]")[0].removeprefix("| ["): line for line in reference.catalog_page(registry).splitlines()
            if line.startswith("| [")}
    for name in builtin:
        assert name in rows and "| n/a |" not in rows[name], f"{name}: no catalog row with its stats"


def test_zoo_info_reports_params_and_macs():
    card = zoo.info("resnet50")
    assert card.parameter_count == 25_636_712 and 3.8e9 < card.macs < 4.0e9
    assert card.metrics["imagenet_top1"]["value"] == 74.9
