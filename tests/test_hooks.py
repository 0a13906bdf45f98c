"""Every hook in zoo/hookspecs.py is documented in docs/plugins.md and exercised by a test_hook_<name>."""

import inspect
import re

import zoo.registry.hookspecs
from conftest import ROOT, make_plugin, run_python

HOOKS = [name for name, _ in inspect.getmembers(zoo.registry.hookspecs, inspect.isfunction) if name.startswith("zoo_")]

PLUGIN = """
import zoo

@zoo.hookimpl
def zoo_register_architectures(registry):
    registry.add(zoo.Architecture(name="tinynet", family="tiny", build="tiny_plugin:build",
                                  defaults={"width": 4}, input_shape=(8, 8, 1), min_input_size=4, num_classes=2))

def build(*, num_classes, input_shape, include_top, pooling, width):
    import keras
    inputs = keras.Input(input_shape)
    x = keras.layers.Conv2D(width, 3, name="conv")(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(num_classes, name="predictions")(x))

@zoo.hookimpl
def zoo_register_weights(registry):
    registry.add_weights(zoo.WeightTag(architecture="lenet5", tag="acme", file_name="lenet5_acme.weights.h5",
                                       hash="0" * 64, num_classes=10))

@zoo.hookimpl(tryfirst=True)
def zoo_training_recipe(architecture):
    if architecture.name in ("tinynet", "lenet5"):
        return zoo.TrainingRecipe(optimizer="sgd", lr=0.5)

@zoo.hookimpl
def zoo_hyperparameters(architecture, hp):
    if architecture.family == "tiny":
        return {"width": hp.Choice("width", [4, 8], default=4)}
"""


def test_every_hook_is_documented_and_tested():
    docs = (ROOT / "docs" / "plugins.md").read_text()
    tests = (ROOT / "tests" / "test_hooks.py").read_text()
    assert HOOKS == ["zoo_hyperparameters", "zoo_register_architectures", "zoo_register_weights",
                     "zoo_training_recipe"]
    for hook in HOOKS:
        assert re.search(rf"^### {hook}$", docs, re.M), f"docs/plugins.md has no heading for {hook}"
        assert f"def test_hook_{hook}(" in tests, f"no test_hook_{hook}"
        assert zoo.registry.hookspecs.__dict__[hook].__doc__.count(":param") >= 1


def run_with_plugin(tmp_path, code):
    root = make_plugin(tmp_path / "site", "tiny-dist", {"tiny": "tiny_plugin"}, {"tiny_plugin": PLUGIN})
    result = run_python(code, pythonpath=[root])
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_hook_zoo_register_architectures(tmp_path):
    out = run_with_plugin(tmp_path, """
        import zoo
        print(zoo.info("tinynet").plugin, zoo.get("tinynet", width=3).get_layer("conv").filters)
    """)
    assert out == ["tiny", "3"]


def test_hook_zoo_register_weights(tmp_path):
    out = run_with_plugin(tmp_path, """
        import zoo
        print(*zoo.info("lenet5").weight_tags, zoo.list(pretrained=True).count("lenet5"))
    """)
    assert "lenet5.acme" in out and out[-1] == "1"


def test_hook_zoo_training_recipe(tmp_path):
    out = run_with_plugin(tmp_path, """
        from zoo.registry.loader import get_registry
        registry = get_registry()
        for name in ("tinynet", "lenet5"):
            recipe = registry.manager.hook.zoo_training_recipe(architecture=registry.architectures[name])
            print(recipe.optimizer, recipe.lr)
    """)
    assert out == ["sgd", "0.5", "sgd", "0.5"], "tryfirst overrides the owning plugin's recipe"


def test_hook_zoo_hyperparameters(tmp_path):
    out = run_with_plugin(tmp_path, """
        import keras_tuner
        from zoo.registry.loader import get_registry
        registry = get_registry()
        hp = keras_tuner.HyperParameters()
        print(registry.manager.hook.zoo_hyperparameters(architecture=registry.architectures["tinynet"], hp=hp))
    """)
    assert out == ["{'width':", "4}"]
