"""Families as data, a core with no import circles, and the plugin author's kit (issue 13's findings)."""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys

import pytest

import zoo
from conftest import ROOT, make_plugin, run_python, run_zoo

CORE = ROOT / "zoo"


# --- no import circles -------------------------------------------------------------------------------


def core_imports() -> dict[str, set[str]]:
    """Module -> the core modules it imports, at the top or inside functions (``if TYPE_CHECKING:`` exempt)."""
    modules = {}
    for path in CORE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {}
    for name, path in modules.items():
        found: set[str] = set()
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]

        class Visitor(ast.NodeVisitor):
            def visit_If(self, node):
                if not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                    self.generic_visit(node)

            def visit_Import(self, node):
                found.update(alias.name for alias in node.names)

            def visit_ImportFrom(self, node):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                    + ([node.module] if node.module else []))
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in node.names)

        Visitor().visit(ast.parse(path.read_text()))
        targets = set()
        for module in found:
            while module not in modules and "." in module:
                module = module.rpartition(".")[0]
            if module in modules and module not in (name, "zoo"):
                targets.add(module)
        graph[name] = targets
    return graph


def test_no_import_cycles_among_the_core_modules():
    graph = core_imports()
    state, cycles = {}, []

    def visit(node, path):
        state[node] = "open"
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_library_never_imports_its_cli():
    graph = core_imports()
    offenders = [name for name, targets in graph.items()
                 if not name.startswith("zoo.cli") and name != "zoo.__main__" and any(t.startswith("zoo.cli") for t in targets)]
    assert not offenders, offenders


def test_list_and_info_import_neither_tensorflow_nor_keras():
    result = run_python("""
        import sys
        from zoo.cli import main
        import zoo
        zoo.list(); zoo.info("resnet50")
        assert main(["list"]) == 0 and main(["info", "lenet5.mnist5k"]) == 0
        print(sorted(m for m in ("tensorflow", "keras", "torch") if m in sys.modules))
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


# --- families as data ----------------------------------------------------------------------------


def test_built_in_families_are_data():
    """Each built-in architecture names its first convolution and classifier and carries its recipe, search
    space and reference metrics; no built-in plugin module implements the training or tuning hook."""
    from zoo.registry.loader import get_registry

    registry = get_registry()
    builtin = [name for name, owner in registry.owners.items() if owner.distribution == "keras-zoo"]
    assert len(builtin) == 59
    for name in builtin:
        arch = registry.architectures[name]
        assert arch.recipe is not None and arch.search_space is not None and arch.metrics, name
        if arch.task == "image-classification":
            assert arch.first_conv, name
    for module in ("lenet", "vgg", "resnet", "densenet", "mobilenet", "mobilenetv2", "xception", "textcnn"):
        plugin = importlib.import_module(f"zoo_plugins.{module}")
        assert not hasattr(plugin, "zoo_training_recipe") and not hasattr(plugin, "zoo_hyperparameters"), module
    source = "\n".join((ROOT / "plugins" / f"{m}.py").read_text() for m in ("resnet", "vgg", "densenet", "mobilenet", "mobilenetv2", "xception"))
    assert source.count('"keras.applications docs, keras.io/api/applications"') == 0  # written once, in sources.py


def test_a_family_checks_its_table():
    base = zoo.Architecture(name="x1", family="x", build="a:b", defaults={"width": 1})
    assert [a.name for a in zoo.Family(base=base, variants={"x1": {}, "x2": {"width": 2}}).architectures()] == ["x1", "x2"]
    with pytest.raises(ValueError, match="variant 'x2' sets 'depth', which is not an argument"):
        zoo.Family(base=base, variants={"x2": {"depth": 3}})
    with pytest.raises(ValueError, match="metrics for 'x9', which is not a variant"):
        zoo.Family(base=base, variants={"x1": {}}, metrics={"x9": {}})


def test_supports_features_means_what_it_says():
    assert zoo.Architecture(name="f", family="f", build="a:b", defaults={"features": False}).supports_features
    with pytest.raises(ValueError, match="supports_features=True but 'features' is not in defaults"):
        zoo.Architecture(name="f", family="f", build="a:b", supports_features=True)
    assert zoo.info("resnet50").features and zoo.info("lenet5").features and not zoo.info("textcnn").features


def test_every_image_architecture_declares_its_stages():
    """timm's feature_info as data: every built-in image architecture, variant by variant (without TensorFlow)."""
    from zoo.registry.loader import get_registry

    registry = get_registry()
    images = zoo.list(task="image-classification")
    assert zoo.list(features=True) == images and zoo.list(features=False) == zoo.list(task="text-classification")
    for name in images:
        stages = registry.architectures[name].stages
        assert len(stages) >= 2 and all(s.channels > 0 for s in stages), name
    assert [(s.layer, s.channels, s.reduction) for s in registry.architectures["resnet18"].stages][-1] == \
        ("conv5_block2_out", 512, 32)
    assert registry.architectures["resnet152"].stages[2].layer == "conv4_block36_out"


def test_stages_are_checked_when_registered():
    base = dict(family="s", build="a:b", defaults={"features": False})
    assert zoo.Architecture(name="s", stages=(("a", 8, 1), ("b", 16, 2)), **base).stages[1].reduction == 2
    with pytest.raises(ValueError, match="reductions \\[2, 1\\]: list them shallowest first"):
        zoo.Architecture(name="s", stages=(("a", 8, 2), ("b", 16, 1)), **base)
    with pytest.raises(ValueError, match="stages name layer 'a' twice"):
        zoo.Architecture(name="s", stages=(("a", 8, 1), ("a", 16, 2)), **base)
    with pytest.raises(ValueError, match="channels=0 must be a positive integer"):
        zoo.Architecture(name="s", stages=(("a", 0, 1),), **base)
    with pytest.raises(ValueError, match="'features' is not in defaults"):
        zoo.Architecture(name="s", family="s", build="a:b", stages=(("a", 8, 1),))
    with pytest.raises(ValueError, match="stages for 'x9', which is not a variant"):
        zoo.Family(base=zoo.Architecture(name="s", **base), variants={"s": {}}, stages={"x9": ()})


def test_the_kit_checks_declared_stages_against_the_built_model(tmp_path):
    """A plugin that declares a wrong channel count or reduction fails the kit, naming the stage."""
    plugin = make_plugin(tmp_path / "p", "zoo-wrong-stages", {"wrong": "wrong_stages"}, {"wrong_stages": WRONG_STAGES})
    result = run_python("""
        from zoo.kit.conformance import check_architecture
        for name in ("wrong_channels", "wrong_reduction", "right"):
            try:
                report = check_architecture(name, jax=False)
                print(name, "passed", "stages" in report["checked"], "out_indices" in report["checked"])
            except AssertionError as error:
                print(name, "failed:", error)
    """, pythonpath=[plugin], env={"ZOO_LOAD_PLUGINS": "wrong"})
    lines = result.stdout.splitlines()
    assert lines == ["wrong_channels failed: wrong_channels: stage 'conv2' has 8 channels, 16 declared",
                     "wrong_reduction failed: wrong_reduction: stage 'conv2' has reduction 2, 4 declared",
                     "right passed True True"], result.stderr[-3000:]


WRONG_STAGES = """
import zoo

BASE = zoo.Architecture(name="right", family="wrong", build="wrong_stages:build", input_shape=(16, 16, 3),
                        min_input_size=8, num_classes=10, first_conv="conv1",
                        defaults={"dropout": 0.0, "classifier_activation": "softmax", "features": False,
                                  "out_indices": None},
                        stages=(("conv1", 4, 1), ("conv2", 8, 2)))
FAMILY = zoo.Family(base=BASE, variants={"right": {}, "wrong_channels": {}, "wrong_reduction": {}},
                    stages={"wrong_channels": (("conv1", 4, 1), ("conv2", 16, 2)),
                            "wrong_reduction": (("conv1", 4, 1), ("conv2", 8, 4))})


@zoo.hookimpl
def zoo_register_architectures(registry):
    registry.add_family(FAMILY)


def build(*, input_shape, **head):
    import keras
    from zoo.layers.heads import check_head, image_model

    check_head(**head)
    inputs = keras.Input(input_shape, name="image")
    stage1 = keras.layers.Conv2D(4, 3, padding="same", name="conv1")(inputs)
    x = keras.layers.Conv2D(8, 3, strides=2, padding="same", name="conv2")(stage1)
    return image_model(inputs, x, [stage1, x], name="tiny", **head)
"""


def test_headless_tags_inherit_from_their_full_twin():
    from zoo.registry.loader import get_registry

    registry = get_registry()
    full, headless = registry.weights["resnet50.imagenet"], registry.weights["resnet50.imagenet_notop"]
    assert registry.headless_twin(full) is headless and registry.is_headless_twin(headless)
    assert (headless.preprocessing, headless.class_names, headless.num_classes, headless.include_top) == \
        (full.preprocessing, full.class_names, full.num_classes, False)
    assert headless.file_name != full.file_name and not headless.default


# --- the plugin author's kit ----------------------------------------------------------------------

OVERRIDE = """
import zoo

@zoo.hookimpl
def zoo_register_architectures(registry):
    registry.add(zoo.Architecture(name="resnet50", family="tiny", build="tiny_override:build",
                                  defaults={"width": 4}, input_shape=(16, 16, 3), min_input_size=8,
                                  num_classes=10, first_conv="conv1"), override=True)

def build(*, num_classes, input_shape, include_top, pooling, width):
    import keras
    inputs = keras.Input(input_shape)
    x = keras.layers.Conv2D(width, 3, name="conv1")(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(num_classes, name="predictions")(x))
"""


def test_override_replaces_everything_the_old_architecture_brought(tmp_path):
    root = make_plugin(tmp_path / "site", "tiny-override", {"tinyo": "tiny_override"}, {"tiny_override": OVERRIDE})
    result = run_python("""
        import zoo
        card = zoo.info("resnet50")
        print(card.family, card.parameter_count, card.macs, card.metrics, card.weight_tags, card.paper)
        print("resnet50" in zoo.list(pretrained=True), "resnet101" in zoo.list(pretrained=True))
        try:
            zoo.get("resnet50", pretrained=True)
        except ValueError as error:
            print("REFUSED", error)
    """, pythonpath=[root])
    assert result.returncode == 0, result.stderr
    first, second, third = result.stdout.strip().splitlines()
    assert first == "tiny None None {} [] "  # no stats, metrics, tags or paper of the replaced ResNet-50
    assert second == "False True"
    assert third.startswith("REFUSED pretrained=True is not possible for resnet50: it has no weight tags")
    listing = run_zoo("list", "resnet50", pythonpath=[root])
    assert listing.stdout.splitlines()[1].split()[:5] == ["resnet50", "tiny", "image-classification", "-", "-"]


ALIASES = """
import zoo

@zoo.hookimpl
def zoo_register_architectures(registry):
    registry.add_alias("textcnn", "lenet5")
"""


def test_aliases_that_collide_are_an_error_naming_both_sides(tmp_path):
    root = make_plugin(tmp_path / "site", "alias-dist", {"aliases": "alias_plugin"}, {"alias_plugin": ALIASES})
    result = run_python("import zoo; zoo.list()", pythonpath=[root])
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("keras-zoo: plugin 'aliases' (alias-dist) zoo_register_architectures failed")
    assert "alias 'textcnn' for 'lenet5' (plugin 'aliases') is already an alias of 'textcnn_rand' (plugin 'textcnn')" in line


BROKEN = "raise ImportError('the plugin needs a package that is not installed')\n"


def test_a_broken_plugin_is_one_warning_line(tmp_path):
    root = make_plugin(tmp_path / "site", "broken-dist", {"broken": "broken_plugin"}, {"broken_plugin": BROKEN})
    result = run_zoo("list", "lenet*", pythonpath=[root])
    assert result.returncode == 0 and result.stdout.startswith("name")
    assert result.stderr.strip() == ("keras-zoo: plugin 'broken' (broken-dist) import failed: ImportError: the plugin "
                                     "needs a package that is not installed; skipped (set ZOO_STRICT_PLUGINS=1 to make "
                                     "this an error)")


PACKAGED = """
import zoo

@zoo.hookimpl
def zoo_register_architectures(registry):
    registry.add(zoo.Architecture(name="packaged", family="packaged", build="packaged_plugin.net:build",
                                  defaults={"width": 4}, input_shape=(16, 16, 3), min_input_size=8, num_classes=10,
                                  first_conv="conv1"))
"""
NET = """
import keras

def build(*, num_classes, input_shape, include_top, pooling, width):
    inputs = keras.Input(input_shape)
    x = keras.layers.Conv2D(width, 3, name="conv1")(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(num_classes, name="predictions")(x))
"""


@pytest.mark.slow
def test_zoo_stats_writes_into_the_plugins_package_and_zoo_list_reads_it_without_tensorflow(tmp_path):
    site = make_plugin(tmp_path / "site", "packaged-dist", {"packaged": "packaged_plugin"}, {})
    package = site / "packaged_plugin"
    package.mkdir()
    (package / "__init__.py").write_text(PACKAGED)
    (package / "net.py").write_text(NET)
    result = run_zoo("stats", "--plugin", "packaged", "--write", pythonpath=[site])
    assert result.returncode == 0, result.stderr
    stats = json.loads((package / "model_stats.json").read_text())
    assert stats == {"packaged": {"params": 3 * 3 * 3 * 4 + 4 + 4 * 10 + 10, "macs": 14 * 14 * 4 * 27 + 40}}
    listing = run_python("""
        import sys
        from zoo.cli import main
        main(["list", "packaged"])
        print("tensorflow" in sys.modules or "keras" in sys.modules)
    """, pythonpath=[site])
    assert listing.stdout.splitlines()[1].split()[:4] == ["packaged", "packaged", "image-classification", "162"]
    assert listing.stdout.strip().splitlines()[-1] == "False"
    wrong = run_zoo("stats", "--plugin", "nope", "--write", pythonpath=[site])
    assert wrong.returncode == 2 and wrong.stderr == (
        "zoo stats: error: unknown plugin 'nope'; `zoo plugins` lists the loaded plugins\n")


def test_new_plugin_refuses_bad_names_and_existing_folders(tmp_path):
    assert run_zoo("new-plugin", "Bad-Name", "--output", str(tmp_path)).returncode == 2
    taken = run_zoo("new-plugin", "resnet50", "--output", str(tmp_path))
    assert taken.returncode == 2 and "already registered" in taken.stderr
    (tmp_path / "fresh").mkdir()
    existing = run_zoo("new-plugin", "fresh", "--output", str(tmp_path))
    assert existing.returncode == 2 and "exists" in existing.stderr


@pytest.mark.slow  # pip install, then the new package's own conformance tests (a JAX subprocess each): minutes
def test_new_plugin_installs_with_pip_and_passes_its_own_tests(tmp_path):
    written = run_zoo("new-plugin", "tinynet", "--output", str(tmp_path))
    assert written.returncode == 0, written.stderr
    package = tmp_path / "tinynet"
    site = tmp_path / "site"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                              "--no-index", "--target", str(site), str(package)], capture_output=True, text=True)
    assert install.returncode == 0, install.stderr
    assert (site / "zoo_tinynet" / "weights" / "tinynet_random.weights.h5").is_file()
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(package / "tests")],
                           capture_output=True, text=True, cwd=tmp_path, timeout=1200,
                           env={**__import__("os").environ, "PYTHONPATH": str(site), "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-3000:]
    assert "3 passed" in tests.stdout
    listing = run_zoo("list", "tinynet*", pythonpath=[site])
    assert [row.split()[0] for row in listing.stdout.splitlines()[1:]] == ["tinynet", "tinynet_wide"]


@pytest.mark.slow
def test_zoo_tune_writes_no_escape_codes_into_a_pipe(tmp_path):
    result = run_zoo("tune", "lenet5", "--data", "digits", "--tuner", "random", "--max-trials", "1", "--epochs", "1",
                     "--directory", str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "\x1b" not in result.stdout and "\x1b" not in result.stderr
    assert "rank  trial  architecture" in result.stdout


def test_random_weights_can_be_made_to_tell_inputs_apart():
    """calibrate_batch_norms gives each batch norm its input's statistics; scale_logits sets the logits' spread."""
    import keras
    import numpy as np

    from zoo.kit import calibrate_batch_norms, scale_logits

    keras.utils.set_random_seed(0)
    tiny = keras.initializers.RandomNormal(stddev=1e-4)
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3), keras.layers.BatchNormalization(),
                              keras.layers.GlobalAveragePooling2D(),
                              keras.layers.Dense(5, activation="softmax", kernel_initializer=tiny)])
    x = np.random.default_rng(0).random((32, 8, 8, 3)).astype("float32")
    assert model.predict(x, verbose=0).std(axis=0).max() < 1e-4  # random: the same probabilities for every input

    calibrate_batch_norms(model, x)
    normalized = np.asarray(keras.Model(model.inputs, model.layers[1].output)(x))
    np.testing.assert_allclose(normalized.std(axis=(0, 1, 2)), 1 / 8, rtol=1e-2)  # each channel at 1/8
    scale_logits(model, x, spread=2.0)
    features = np.asarray(keras.Model(model.inputs, model.layers[-1].input)(x))
    assert abs((features @ np.asarray(model.layers[-1].kernel)).std(axis=0).max() - 2.0) < 1e-4
    assert model.predict(x, verbose=0).std(axis=0).max() > 1e-2

    with pytest.raises(ValueError, match="std=0 is not allowed"):
        calibrate_batch_norms(model, x, std=0)
    with pytest.raises(ValueError, match="spread=-1 is not allowed"):
        scale_logits(model, x, spread=-1)
    with pytest.raises(ValueError, match="the classifier 'dense.*' gets the same input for every input of x"):
        scale_logits(model, np.zeros_like(x))
