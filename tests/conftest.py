"""Shared fixtures: a clean zoo environment and a way to run the zoo in a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
# Before any test imports TensorFlow: torch's CUDA build crashes (in triton, which torch._dynamo imports)
# when torchvision or timm is imported after TensorFlow. tests/test_torch_parity.py uses both.
import timm  # noqa: F401, E402
import torchvision  # noqa: F401, E402

ROOT = Path(__file__).resolve().parents[1]
ZOO_VARIABLES = ("ZOO_LOAD_PLUGINS", "ZOO_DISABLE_PLUGINS", "ZOO_STRICT_PLUGINS", "ZOO_REGISTRY",
                 "ZOO_HOME", "ZOO_OFFLINE", "ZOO_WEIGHTS_PATH", "ZOO_DATA_PATH")


@pytest.fixture(autouse=True)
def zoo_home(tmp_path, monkeypatch):
    """Every test gets its own empty ZOO_HOME and none of the user's other ZOO_* settings."""
    for name in ZOO_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "zoo_home"
    monkeypatch.setenv("ZOO_HOME", str(home))
    return home


@pytest.fixture(autouse=True)
def fresh_keras_session():
    """Each test starts Keras' global state afresh, so hundreds of built models don't slow later tests."""
    yield
    if "keras" in sys.modules:
        sys.modules["keras"].backend.clear_session()


def run_python(code: str, *, env: dict | None = None, pythonpath: list | None = None, timeout: int = 300):
    """Run ``code`` in a fresh Python process with this interpreter; returns the CompletedProcess."""
    full_env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    if pythonpath:
        full_env["PYTHONPATH"] = os.pathsep.join(str(p) for p in pythonpath)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=full_env, capture_output=True,
                          text=True, timeout=timeout)


def run_zoo(*args: str, env: dict | None = None, pythonpath: list | None = None, timeout: int = 300):
    """Run the ``zoo`` command line in a fresh process; returns the CompletedProcess."""
    return run_python(f"import sys; from zoo.cli import main; sys.exit(main({list(args)!r}))",
                      env=env, pythonpath=pythonpath, timeout=timeout)


def make_plugin(root: Path, distribution: str, entry_points: dict, modules: dict) -> Path:
    """Write a real distribution with ``keras_zoo`` entry points under ``root`` (put it on PYTHONPATH).

    ``importlib.metadata`` finds the ``.dist-info`` there exactly as it finds an installed package.
    """
    root.mkdir(parents=True, exist_ok=True)
    info = root / f"{distribution.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 1.0\n")
    lines = "\n".join(f"{name} = {value}" for name, value in entry_points.items())
    (info / "entry_points.txt").write_text(f"[keras_zoo]\n{lines}\n")
    for module, source in modules.items():
        (root / f"{module}.py").write_text(textwrap.dedent(source))
    return root
