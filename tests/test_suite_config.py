"""The default test run's report: skip reasons, the slowest tests, and only named foreign warnings filtered."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = '''
import warnings
import pytest

def test_skipped():
    pytest.skip("needs a GPU")

def test_warns():
    for module in ("keras.src.backend.tensorflow.core", "keras_tuner.src.engine.oracle", "zoo.weights.models",
                   "some_other_library"):
        message = {"keras.src.backend.tensorflow.core": "__array__ implementation doesn't accept a copy keyword, so",
                   "keras_tuner.src.engine.oracle": "currentThread() is deprecated, use current_thread() instead"
                   }.get(module, f"{module} is deprecated")
        warnings.warn_explicit(message, DeprecationWarning, f"{module.replace('.', '/')}.py", 1, module=module)
'''


def test_the_default_run_reports_skips_and_durations_and_filters_only_named_foreign_warnings(tmp_path):
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "-rs" in config["addopts"] and "--durations=15" in config["addopts"]
    for entry in config["filterwarnings"]:
        action, message, category, module = entry.split(":")[:4]
        assert action == "ignore" and message and category == "DeprecationWarning" and module
        assert not module.startswith("zoo"), entry  # the zoo's own warnings are never filtered
    (tmp_path / "test_sample.py").write_text(textwrap.dedent(SAMPLE))
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-c", str(ROOT / "pyproject.toml"),
                           "--rootdir", str(tmp_path), str(tmp_path / "test_sample.py")],
                          capture_output=True, text=True, timeout=300)
    assert "1 passed, 1 skipped" in done.stdout, done.stdout[-3000:]
    assert "SKIPPED [1]" in done.stdout and "needs a GPU" in done.stdout
    assert "slowest 15 durations" in done.stdout
    assert "zoo.weights.models is deprecated" in done.stdout and "some_other_library is deprecated" in done.stdout
    assert "copy keyword" not in done.stdout and "currentThread" not in done.stdout
