"""The house plan (issue 21): which room may import which, a light front door, the plugin API, and old paths."""

from __future__ import annotations

import ast
import functools
import re
import warnings

import pytest

from conftest import ROOT, make_plugin, run_python

CORE = ROOT / "zoo"
HEAVY = ("tensorflow", "tensorflow_text", "keras", "keras_tuner", "torch", "torchvision", "timm", "jax", "tf2onnx",
         "onnx", "onnxruntime", "ai_edge_litert", "matplotlib", "h5py", "safetensors", "PIL")
# the zoo's own heavy parts, kept out of `import zoo`, `zoo list` and `zoo info` like the libraries above
DEFERRED = ("zoo.training", "zoo.tuning", "zoo.exporting", "zoo.inference", "zoo.insight", "zoo.kit", "zoo.weights.convert",
            "zoo.plots", "zoo.datasets.folders", "zoo.datasets.images", "zoo.datasets.pipeline",
            "zoo.datasets.augment")


def modules() -> dict[str, object]:
    found = {}
    for path in CORE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = modules()


@functools.cache
def imports(name: str) -> tuple[list[str], list[tuple[str, int]]]:
    """The modules ``name`` imports at its top, and those it imports inside functions (with their lines)."""
    tree = ast.parse(MODULES[name].read_text())

    def targets(node) -> list[str]:
        if isinstance(node, ast.Import):
            return [alias.name for alias in node.names]
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            subs = [f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in MODULES]
            return subs if len(subs) == len(node.names) else [node.module, *subs]
        return []

    top = [t for node in tree.body for t in targets(node)]
    inner = [(t, sub.lineno) for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
             for sub in ast.walk(node) for t in targets(sub)]
    return top, inner


def room(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 and parts[0] == "zoo" else parts[0]


def rules() -> dict[str, set[str] | None]:
    """docs/architecture.md's "Which may import which" table: room -> the rooms it may import (None: any)."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    table = text.split("## Which may import which", 1)[1]
    found = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0].startswith("`zoo"):
            allowed = set(re.findall(r"`(zoo[a-z_.]*)`", cells[1]))
            found[cells[0].strip("`")] = None if cells[1].startswith("anything") else allowed
    return found


def test_every_room_imports_only_what_docs_architecture_allows():
    allowed, broken = rules(), []
    for name in MODULES:
        if name in ("zoo.__main__",):
            continue
        here = room(name)
        assert here in allowed, f"{here} (of {name}) is not in docs/architecture.md's table"
        top, inner = imports(name)
        for target in {*top, *(t for t, _ in inner)}:
            there = room(target)
            if target.startswith("zoo") and there != here and allowed[here] is not None and there not in allowed[here]:
                broken.append(f"{name} imports {target}")
            if here == "zoo.cli" or allowed[here] is None:
                assert there != "zoo.deprecations" or here != "zoo.cli", f"{name} imports {target}"
    assert not broken, "imports against docs/architecture.md: " + "; ".join(sorted(broken))


def reaches(module: str, stop) -> bool:
    """Whether importing ``module`` imports (at module level, transitively) a module for which ``stop`` holds."""
    seen, todo = set(), [module]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        if stop(current):
            return True
        todo.extend(imports(current)[0] if current in MODULES else [])
    return False


@functools.cache
def heavy(module: str) -> bool:
    return reaches(module, lambda m: m not in MODULES and m.split(".")[0] in HEAVY)


@functools.cache
def deferred(module: str) -> bool:
    def own_heavy_part(m: str) -> bool:  # a package's own light __init__ is not; its modules are
        package = m in MODULES and MODULES[m].name == "__init__.py"
        return any((m == d and not package) or m.startswith(d + ".") for d in DEFERRED)

    return reaches(module, lambda m: (m not in MODULES and m.split(".")[0] in HEAVY) or own_heavy_part(m))


def test_imports_inside_functions_only_keep_heavy_code_out_of_light_paths():
    """A function-level import of the zoo's own modules is there to defer TensorFlow, Keras, torch, the export
    runtimes or the training/tuning/export code; never to hide an import circle."""
    offenders = []
    for name in MODULES:
        for target, line in imports(name)[1]:
            if target.startswith("zoo") and target != name and target != "zoo.deprecations" \
                    and not (heavy(target) or (deferred(target) and not deferred(name))):
                offenders.append(f"{MODULES[name].relative_to(ROOT)}:{line} imports {target}")
    assert not offenders, offenders


def test_import_zoo_and_zoo_list_load_no_training_tuning_export_or_conversion_code():
    result = run_python("""
        import sys
        import zoo
        zoo.list(); zoo.info("resnet50"); zoo.info("lenet5.mnist5k")
        heavy = [m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras", "torch", "keras_tuner")
                 or m.startswith(("zoo.training", "zoo.tuning", "zoo.exporting", "zoo.inference", "zoo.kit.",
                                  "zoo.weights.convert", "zoo.weights.pretrained"))]
        print(sorted(heavy))
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_the_lazy_front_door_keeps_zoo_all():
    import zoo

    for name in zoo.__all__:
        assert getattr(zoo, name) is not None, name
    assert zoo.get.__module__ == "zoo.weights.models" and callable(zoo.train) and callable(zoo.export)


def test_built_in_plugins_import_only_the_plugin_api():
    allowed = ("zoo", "zoo.kit", "zoo.layers")
    offenders = []
    for path in [*(ROOT / "plugins").rglob("*.py"), *(ROOT / "examples").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else []
            for name in names:
                if name.split(".")[0] == "zoo" and not (name in allowed or name.startswith("zoo.layers.")):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {name}")
    assert not offenders, offenders


def test_the_kit_lists_the_plugin_api_and_imports_on_first_use():
    result = run_python("""
        import sys
        import zoo.kit
        assert "keras" not in sys.modules
        from zoo.kit import Registrar, check_architecture, check_choice, check_range, count_macs, file_hash
        print("ok")
    """)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


# --- old paths keep working --------------------------------------------------------------------------------


@pytest.mark.parametrize("old, name, new", [
    ("zoo.validation", "classifier", "zoo.layers.heads"),
    ("zoo.validation", "check_range", "zoo.kit"),
    ("zoo.validation", "check_choice", "zoo.kit"),
    ("zoo.download", "file_hash", "zoo.kit"),
    ("zoo.heads", "check_head", "zoo.layers.heads"),
    ("zoo.heads", "global_pool", "zoo.layers.heads"),
    ("zoo.testing", "check_architecture", "zoo.kit"),
    ("zoo.text", "Vectorizer", "zoo.layers.text"),
    ("zoo.identity", "locate", "zoo.registry.request"),
    ("zoo.images", "decode", "zoo.datasets.images"),
    ("zoo.inputs", "preprocess", "zoo.datasets.pipeline"),
    ("zoo.train", "fit", "zoo.training.driver"),
    ("zoo.hookspecs", "zoo_register_weights", "zoo.registry.hookspecs"),
    ("zoo.stats", "count_macs", "zoo.kit"),
    ("zoo.adapt", "transfer_weights", "zoo.weights.adapt"),
    ("zoo.weights", "import_weights", "zoo.weights.pretrained"),
    ("zoo.tuning", "read_hparams", "zoo.tuning.search"),
    ("zoo.registry", "Registrar", "zoo.kit"),
    ("zoo.exporting", "ExportResult", "zoo.exporting.exporter"),
])
def test_an_old_documented_path_still_imports_with_a_warning_naming_the_new_one(old, name, new):
    import importlib

    module = importlib.import_module(old)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = getattr(module, name)
    assert value is getattr(importlib.import_module(new), name)
    messages = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]
    assert messages == [f"{old}.{name} is deprecated: import {name} from {new}"]


def test_every_moved_module_and_name_resolves():
    import importlib

    from zoo import deprecations

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for old, new in deprecations.MOVED_MODULES.items():
            assert importlib.import_module(old).__doc__.endswith(f"{new}.")
            importlib.import_module(new)
        for package, (module, names) in deprecations.MOVED_NAMES.items():
            for name in names:
                home = deprecations.MOVED_ELSEWHERE.get(f"{package}.{name}", module)
                assert getattr(importlib.import_module(package), name) is getattr(importlib.import_module(home), name)
        for qualified, module in deprecations.MOVED_ELSEWHERE.items():
            old, _, name = qualified.rpartition(".")
            assert getattr(importlib.import_module(old), name) is getattr(
                importlib.import_module(module), deprecations.RENAMED.get(qualified, name))


def test_zoo_train_stays_the_training_function_after_the_old_module_is_imported():
    result = run_python("""
        import warnings
        import zoo
        from zoo.train import fit          # the old module zoo/train.py, bound over zoo.train by the import
        from zoo.training.driver import fit as new_fit, train
        assert fit is new_fit and callable(zoo.train)
        assert zoo.train.__call__ is not None and zoo.identity.locate("lenet5.mnist5k").architecture == "lenet5"
        print("ok")
    """)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


SQUEEZENET = '''
    """A third-party plugin written from the docs of 2026-12-01 (its imports are the old paths)."""
    import zoo

    FIRE = ((16, 64), (16, 64), (32, 128))


    def build(*, input_shape, **head):
        import keras
        from zoo.validation import check_range, classifier
        from zoo.heads import check_head, global_pool

        check_head(**{k: v for k, v in head.items() if k != "dropout"}, dropout=head.get("dropout", 0.0))
        check_range("dropout", head.get("dropout", 0.0), 0.0, 1.0)
        inputs = keras.Input(input_shape, name="image")
        x = keras.layers.Conv2D(32, 3, strides=2, activation="relu", name="conv1")(inputs)
        for i, (squeeze, expand) in enumerate(FIRE):
            s = keras.layers.Conv2D(squeeze, 1, activation="relu", name=f"fire{i}_squeeze")(x)
            e1 = keras.layers.Conv2D(expand, 1, activation="relu", name=f"fire{i}_expand1x1")(s)
            e3 = keras.layers.Conv2D(expand, 3, padding="same", activation="relu", name=f"fire{i}_expand3x3")(s)
            x = keras.layers.Concatenate(name=f"fire{i}_concat")([e1, e3])
        x = global_pool(x, "avg")
        outputs = classifier(x, head["num_classes"], head.get("dropout", 0.0), head["classifier_activation"])
        return keras.Model(inputs, outputs, name="squeezenet_mini")


    @zoo.hookimpl
    def zoo_register_architectures(registry):
        registry.add(zoo.Architecture(
            name="squeezenet_mini", family="squeezenet", build="squeeze_plugin:build",
            defaults={"classifier_activation": "softmax", "dropout": 0.0, "features": False},
            input_shape=(32, 32, 3), num_classes=10, first_conv="conv1"))
'''

WEIGHT_TOOL = '''
    from zoo.download import file_hash

    def digest(path):
        return file_hash(path)
'''


def test_a_plugin_written_against_last_weeks_api_still_builds(tmp_path):
    """The SqueezeNet plugin of the issue: old imports build a model, each warning once with the new path."""
    root = make_plugin(tmp_path / "site", "squeeze-plugin", {"squeeze": "squeeze_plugin"},
                       {"squeeze_plugin": SQUEEZENET, "squeeze_tool": WEIGHT_TOOL})
    result = run_python("""
        import warnings
        warnings.simplefilter("always", DeprecationWarning)
        import numpy as np
        import zoo
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DeprecationWarning)
            model = zoo.get("squeezenet_mini", num_classes=4)
            import squeeze_tool
            model.save_weights("m.weights.h5")
            digest = squeeze_tool.digest("m.weights.h5")
        assert model(np.zeros((1, 32, 32, 3), "float32")).shape == (1, 4) and len(digest) == 64
        for line in sorted({str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)
                            and str(w.message).startswith("zoo.")}):
            print(line)
    """, pythonpath=[str(root)], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines() == [
        "zoo.download.file_hash is deprecated: import file_hash from zoo.kit",
        "zoo.heads.check_head is deprecated: import check_head from zoo.layers.heads",
        "zoo.heads.global_pool is deprecated: import global_pool from zoo.layers.heads",
        "zoo.validation.check_range is deprecated: import check_range from zoo.kit",
        "zoo.validation.classifier is deprecated: import classifier from zoo.layers.heads",
    ]


# --- one resolved request -----------------------------------------------------------------------------------


@pytest.mark.parametrize("door, names", [
    (["get", "lenet5"], {"lenet5": 1}),
    (["get", "lenet5.mnist5k"], {"lenet5.mnist5k": 1}),
    (["train", "lenet5", "--data", "digits", "--epochs", "1", "--run-dir", "RUN"], {"lenet5": 1}),
    (["train", "lenet5", "--data", "digits", "--epochs", "1", "--pretrained", "lenet5.mnist5k", "--run-dir", "RUN"],
     {"lenet5": 1, "lenet5.mnist5k": 1}),
    (["evaluate", "lenet5.mnist5k", "--data", "digits"], {"lenet5.mnist5k": 1}),
    (["predict", "lenet5.mnist5k", "IMAGE"], {"lenet5.mnist5k": 1}),
    (["export", "lenet5.mnist5k", "--format", "onnx", "--output", "OUT/m.onnx"], {"lenet5.mnist5k": 1}),
])
def test_each_door_looks_each_name_up_once(door, names, tmp_path, monkeypatch):
    """The registry resolves each name a door is given once; the records are passed down from there."""
    import collections

    import numpy as np
    from PIL import Image

    import zoo
    from zoo.cli import main
    from zoo.registry.store import Registry

    Image.fromarray((np.arange(28 * 28) % 255).astype("uint8").reshape(28, 28)).save(tmp_path / "digit.png")
    looked_up = collections.Counter()
    resolve = Registry.resolve

    def counting(self, name):
        looked_up[name] += 1
        return resolve(self, name)

    monkeypatch.setattr(Registry, "resolve", counting)
    if door[0] == "get":
        zoo.get(door[1], pretrained=door[1] != "lenet5", num_classes=3)
    else:
        args = [str(tmp_path / "run") if a == "RUN" else str(tmp_path / "digit.png") if a == "IMAGE"
                else str(tmp_path / "out" / "m.onnx") if a == "OUT/m.onnx" else a for a in door]
        assert main(args) == 0
    assert dict(looked_up) == names
