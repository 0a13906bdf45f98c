"""The example third-party plugin, installed for real with pip into this environment."""

import subprocess
import sys

import pytest

from conftest import ROOT, run_python, run_zoo

EXAMPLE = ROOT / "examples" / "zoo-plugin-example"


def pip(*args):
    return subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def installed_example(tmp_path):
    build = tmp_path / "src"
    subprocess.run(["cp", "-r", str(EXAMPLE), str(build)], check=True)  # keep build outputs out of the repo
    result = pip("install", "--no-deps", "--no-build-isolation", "--no-index", str(build))
    assert result.returncode == 0, result.stderr
    yield
    pip("uninstall", "-y", "zoo-plugin-example")


def test_example_plugin_appears_after_pip_install(installed_example):
    result = run_python("""
        import zoo
        assert "alexnet" in zoo.list(), zoo.list()
        card = zoo.info("alexnet")
        model = zoo.get("alexnet", num_classes=7, input_shape=(63, 63, 3))
        print(card.distribution, card.plugin, model.output_shape)
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["zoo-plugin-example", "alexnet", "(None,", "7)"]
    plugins = run_zoo("plugins")
    assert any(line.split()[:4] == ["alexnet", "zoo-plugin-example", "1.0.0", "alexnet"]
               for line in plugins.stdout.splitlines())


@pytest.mark.slow
def test_example_plugin_passes_the_plugin_author_checks(installed_example):
    result = run_python("""
        from zoo.kit.conformance import check_architecture
        check_architecture("alexnet", width=0.25)
        print("ok")
    """)
    assert result.stdout.strip() == "ok", result.stderr


def test_example_plugin_gone_after_uninstall(installed_example):
    pip("uninstall", "-y", "zoo-plugin-example")
    result = run_python("import zoo; print('alexnet' in zoo.list())")
    assert result.stdout.strip() == "False", result.stderr
