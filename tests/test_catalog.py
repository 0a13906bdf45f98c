"""The catalog files: schema errors name file, entry and field; user files add aliases and cards."""

from pathlib import Path

import pytest

from conftest import run_python
from zoo.registry.catalog import read_catalog
from zoo.errors import CatalogError


@pytest.mark.parametrize(
    "text, message",
    [
        ("bogus: {}\n", "unknown section 'bogus'"),
        ("weights:\n  lenet5: {file_name: a.h5}\n", "must be named 'architecture.tag'"),
        ("weights:\n  lenet5.x: {urls: [a]}\n", "weights['lenet5.x']: field 'file_name' is required"),
        ("weights:\n  lenet5.x: {file_name: a.h5, urls: 3}\n", "weights['lenet5.x']: field 'urls' must be a list"),
        ("weights:\n  lenet5.x: {file_name: a.h5, colour: red}\n", "weights['lenet5.x']: unknown field 'colour'"),
        ("weights:\n  lenet5.x: {file_name: a.h5, format: onnx}\n", "format='onnx' must be one of"),
        ("weights:\n  lenet5.x: {file_name: a.h5, hash: abc}\n", "hash='abc' is not allowed: a sha256 hash is 64 hex digits, or its first 8 or more"),
        ("models:\n  lenet5: {pages: 3}\n", "models['lenet5']: unknown field 'pages'"),
        ("aliases:\n  le: [1]\n", "aliases['le'] must name an architecture"),
    ],
)
def test_schema_errors_name_file_entry_and_field(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(CatalogError) as error:
        read_catalog(path)
    assert str(path) in str(error.value) and message in str(error.value)


def test_shipped_catalog_is_valid_and_complete():
    """Each built-in plugin registers its own section of registry.yaml: every tag, alias and owner as the file says."""
    import yaml

    from zoo.registry.loader import get_registry

    path = Path(__file__).parents[1] / "registry.yaml"
    registry = get_registry()
    sections = yaml.safe_load(path.read_text())
    assert set(sections) == {p.name for p in registry.plugins if p.distribution == "keras-zoo"}
    for plugin in sections:
        data = read_catalog(path, plugin)
        for tag in data["weights"]:
            assert registry.owners[tag.architecture].name == plugin, f"{tag.name}: not {plugin}'s architecture"
            assert registry.weight_owners[tag.name] == plugin and registry.weights[tag.name].hash == tag.hash
        for alias, target in (data.get("aliases") or {}).items():
            assert registry.aliases[alias] == target and registry.alias_owners[alias].name == plugin


def test_disabling_a_builtin_plugin_drops_its_architectures_and_tags(monkeypatch):
    import zoo.registry.loader as loader

    monkeypatch.setenv("ZOO_DISABLE_PLUGINS", "mobilenetv2")
    registry = loader.load_registry()
    assert "mobilenetv2" not in registry.architectures and "mobilenet_v2" not in registry.aliases
    assert not [name for name in registry.weights if name.startswith("mobilenetv2.")]
    assert "mobilenet.imagenet" in registry.weights  # the other MobileNet is its own plugin


def test_the_core_registers_only_the_users_catalogs():
    import inspect

    import zoo.registry.catalog as catalog

    assert "registry.yaml" not in inspect.getsource(catalog.catalog_paths).replace("$ZOO_HOME/registry.yaml", "")
    assert not any(path.name == "registry.yaml" and path.parent.name != "" and "zoo_plugins" in str(path)
                   for path in catalog.catalog_paths())


def test_user_catalog_adds_alias_and_card(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("aliases:\n  lecun: lenet5\nmodels:\n  lenet5: {paper: 'Our notes'}\n")
    result = run_python("import zoo; c = zoo.info('lecun'); print(c.name, c.aliases, c.paper)",
                        env={"ZOO_REGISTRY": str(path)})
    assert result.stdout.strip() == "lenet5 ['lecun'] Our notes", result.stderr


def test_user_catalog_errors_surface(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("aliases:\n  x: nosuchnet\n")
    result = run_python("import zoo; zoo.list()", env={"ZOO_REGISTRY": str(path)})
    assert result.returncode != 0 and "architecture 'nosuchnet' is not registered" in result.stderr
