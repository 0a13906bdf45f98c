"""Plugin discovery through real entry points: broken plugins, duplicates, selection variables."""

import json

from conftest import make_plugin, run_python, run_zoo

GOOD = """
import zoo

@zoo.hookimpl
def zoo_register_architectures(registry):
    registry.add(zoo.Architecture(name="tinynet", family="tiny", build="tiny_net:build",
                                  input_shape=(8, 8, 1), min_input_size=4, num_classes=2))
"""

BROKEN_IMPORT = "raise RuntimeError('boom at import')\n"

BROKEN_REGISTRATION = """
import zoo

@zoo.hookimpl
def zoo_register_architectures(registry):
    registry.add(zoo.Architecture(name="halfway", family="x", build="x:y"))
    raise RuntimeError("boom at registration")
"""

DUPLICATE = """
import zoo

@zoo.hookimpl
def zoo_register_architectures(registry):
    registry.add(zoo.Architecture(name="lenet5", family="copy", build="x:y"))
"""

OVERRIDE = """
import zoo

@zoo.hookimpl
def zoo_register_architectures(registry):
    registry.add(zoo.Architecture(name="lenet5", family="mine", build="x:y"), override=True)
"""

LIST = "import json, zoo, warnings; warnings.simplefilter('always'); print(json.dumps(zoo.list()))"


def names(result):
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_third_party_plugin_is_discovered(tmp_path):
    root = make_plugin(tmp_path / "site", "tiny-plugin", {"tiny": "tiny_plugin"}, {"tiny_plugin": GOOD})
    result = run_python(LIST, pythonpath=[root])
    assert result.returncode == 0, result.stderr
    assert {"lenet5", "tinynet"} <= set(names(result))


def test_broken_plugin_is_skipped_with_a_warning_naming_it(tmp_path):
    root = make_plugin(tmp_path / "site", "broken-dist", {"broken": "broken_plugin", "tiny": "tiny_plugin"},
                       {"broken_plugin": BROKEN_IMPORT, "tiny_plugin": GOOD})
    result = run_python(LIST, pythonpath=[root])
    assert result.returncode == 0, result.stderr
    assert {"lenet5", "tinynet"} <= set(names(result))
    assert "'broken' (broken-dist) import failed: RuntimeError: boom at import" in result.stderr


def test_failed_registration_leaves_nothing_behind(tmp_path):
    root = make_plugin(tmp_path / "site", "half-dist", {"half": "half_plugin"}, {"half_plugin": BROKEN_REGISTRATION})
    result = run_python(LIST, pythonpath=[root])
    assert result.returncode == 0, result.stderr
    assert "halfway" not in names(result)
    assert "boom at registration" in result.stderr


def test_strict_mode_turns_a_broken_plugin_into_an_error(tmp_path):
    root = make_plugin(tmp_path / "site", "broken-dist", {"broken": "broken_plugin"}, {"broken_plugin": BROKEN_IMPORT})
    result = run_python(LIST, pythonpath=[root], env={"ZOO_STRICT_PLUGINS": "1"})
    assert result.returncode != 0
    assert "PluginError" in result.stderr and "'broken' (broken-dist)" in result.stderr


def test_duplicate_name_is_an_error_naming_both_plugins(tmp_path):
    root = make_plugin(tmp_path / "site", "dup-dist", {"dup": "dup_plugin"}, {"dup_plugin": DUPLICATE})
    result = run_python("import zoo; print(zoo.info('lenet5').family)", pythonpath=[root],
                        env={"ZOO_STRICT_PLUGINS": "1"})
    assert result.returncode != 0
    assert "DuplicateArchitectureError" in result.stderr
    assert "plugin 'lenet' (keras-zoo)" in result.stderr and "plugin 'dup' (dup-dist)" in result.stderr
    relaxed = run_python("import zoo; print(zoo.info('lenet5').family)", pythonpath=[root])
    assert relaxed.stdout.strip() == "lenet", "the built-in keeps its name; the duplicate is refused"
    assert "DuplicateArchitectureError" in relaxed.stderr


def test_override_replaces_on_purpose(tmp_path):
    root = make_plugin(tmp_path / "site", "over-dist", {"over": "over_plugin"}, {"over_plugin": OVERRIDE})
    result = run_python("import zoo; print(zoo.info('lenet5').family, zoo.info('lenet5').plugin)", pythonpath=[root])
    assert result.stdout.split() == ["mine", "over"], result.stderr


def test_disable_and_load_only_variables(tmp_path):
    root = make_plugin(tmp_path / "site", "tiny-plugin", {"tiny": "tiny_plugin"}, {"tiny_plugin": GOOD})
    disabled = names(run_python(LIST, pythonpath=[root], env={"ZOO_DISABLE_PLUGINS": "tiny,lenet"}))
    assert "tinynet" not in disabled and "lenet5" not in disabled
    only = names(run_python(LIST, pythonpath=[root], env={"ZOO_LOAD_PLUGINS": "tiny"}))
    assert only == ["tinynet"]
    assert names(run_python(LIST, pythonpath=[root], env={"ZOO_LOAD_PLUGINS": ""})) == []


def test_plugins_command_reports_load_errors(tmp_path):
    root = make_plugin(tmp_path / "site", "broken-dist", {"broken": "broken_plugin", "tiny": "tiny_plugin"},
                       {"broken_plugin": BROKEN_IMPORT, "tiny_plugin": GOOD})
    result = run_zoo("plugins", pythonpath=[root])
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines()[1:]}
    assert "keras-zoo" in lines["lenet"] and "lenet5" in lines["lenet"]
    assert "broken-dist" in lines["tiny"] and "tinynet" in lines["tiny"] and lines["tiny"].endswith("ok")
    assert "ERROR: import failed: RuntimeError: boom at import" in lines["broken"]


def test_listing_never_imports_tensorflow_or_keras():
    code = """
    import sys, zoo
    zoo.list(); zoo.info("lenet5"); zoo.info("resnet50.imagenet"); zoo.list(pretrained=True)
    from zoo.cli import main
    for args in (["list"], ["info", "lenet5"], ["info", "lenet5.mnist5k"], ["plugins"]):
        main(args)
    print("HEAVY", [m for m in ("tensorflow", "keras", "keras_tuner", "jax") if m in sys.modules])
    """
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "HEAVY []"
