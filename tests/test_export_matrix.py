"""The export conformance matrix (benchmarks/export_matrix.py): one architecture per family, and all of them (slow)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT

SCRIPT = ROOT / "benchmarks" / "export_matrix.py"


def run_matrix(tmp_path, *args) -> list[dict]:
    results = tmp_path / "matrix.json"
    done = subprocess.run([sys.executable, str(SCRIPT), *args, "--results", str(results)], capture_output=True,
                          text=True, env={**os.environ, "ZOO_OFFLINE": "1", "TF_CPP_MIN_LOG_LEVEL": "3"},
                          timeout=3600 * 3)
    assert results.is_file(), done.stderr[-3000:]
    rows = json.loads(results.read_text())
    failed = [(row["architecture"], format, cell["reason"]) for row in rows
              for format, cell in row["formats"].items() if cell["status"] == "fail"]
    assert not failed, failed
    assert done.returncode == 0, done.stderr[-3000:]
    return rows


def check_rows(rows: list[dict]) -> None:
    """Every architecture passes SavedModel, and ONNX unless it needs more memory than there is, within 1e-4;
    LiteRT passes or says why it cannot."""
    for row in rows:
        for format in ("saved_model", "onnx"):
            cell = row["formats"][format]
            short = format == "onnx" and cell["status"] == "impossible" and "GiB is available" in cell["reason"]
            assert cell["status"] == "pass" or short, (row["architecture"], format, cell)
        for cell in row["formats"].values():
            if cell["status"] == "pass":
                assert cell["max_difference"] <= 1e-4 and cell["size"] > 0
            else:
                assert cell["reason"].startswith(f"{row['architecture']} cannot be exported to ")


@pytest.mark.exhaustive
@pytest.mark.slow  # every family in every format, each in its own runtime: about 15 minutes on 2 cores
def test_one_architecture_per_family(tmp_path):
    from zoo.registry.loader import get_registry

    rows = run_matrix(tmp_path, "--one-per-family")
    families = {arch.family for arch in get_registry().architectures.values()}
    assert {row["family"] for row in rows} == families
    check_rows(rows)
    assert all(row["formats"]["litert"]["status"] == "pass" for row in rows)  # the converter has every op here
    lenet = next(row for row in rows if row["architecture"] == "lenet5")
    assert lenet["input_shape"] == [28, 28, 1] and lenet["formats"]["saved_model"]["input"] == "bytes"


@pytest.mark.slow
@pytest.mark.matrix
def test_every_architecture(tmp_path):
    from zoo.registry.loader import get_registry

    rows = run_matrix(tmp_path)
    assert [row["architecture"] for row in rows] and len(rows) == len(get_registry().architectures)
    check_rows(rows)


def matrix_module():
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import export_matrix
    finally:
        sys.path.remove(str(SCRIPT.parent))
    return export_matrix


def test_a_saturated_random_model_gets_the_batch_norm_statistics_of_the_inputs():
    """Random weights that make probabilities one-hot are normalized layer by layer; healthy ones are left alone."""
    import keras
    import numpy as np

    from zoo.exporting.exporter import synthetic_examples
    from zoo.records.identity import DEFAULT_PREPROCESSING

    export_matrix = matrix_module()
    keras.utils.set_random_seed(0)
    layers = [keras.Input((8, 8, 3)), keras.layers.Flatten()]
    for _ in range(6):  # each block multiplies the activations' scale by about 14: 1e7 after six
        layers += [keras.layers.Dense(48, kernel_initializer=keras.initializers.RandomNormal(stddev=2.0)),
                   keras.layers.BatchNormalization()]
    deep = keras.Sequential([*layers, keras.layers.Dense(10, activation="softmax")])
    shallow = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    shallow_weights = [w.copy() for w in shallow.get_weights()]
    x = synthetic_examples(deep)[0].astype("float32") / 255  # the check's images, preprocessed (scale 1/255)

    assert deep.predict(x, verbose=0).max(axis=1).mean() > export_matrix.SATURATED
    assert export_matrix.calibrate_if_saturated(deep, DEFAULT_PREPROCESSING)
    calibrated = deep.predict(x, verbose=0)
    assert calibrated.max(axis=1).mean() < 0.9 and len(set(calibrated.argmax(axis=1))) > 3
    assert not export_matrix.calibrate_if_saturated(shallow, DEFAULT_PREPROCESSING)
    assert all(np.array_equal(a, b) for a, b in zip(shallow.get_weights(), shallow_weights))


def test_a_continued_matrix_keeps_the_recorded_rows_as_they_were():
    """--continue carries the recorded rows over: their table lines and verdicts read back unchanged."""
    export_matrix = matrix_module()
    recorded = json.loads((ROOT / "benchmarks" / "results" / "export_matrix.json").read_text())["tables"][0]
    rows, date = export_matrix.recorded_rows()
    assert date and [row["architecture"] for row in rows] == [row[0] for row in recorded["rows"]]
    lines = export_matrix.table(rows).splitlines()[2:]
    assert lines == ["| " + " | ".join(str(cell) for cell in row) + " |" for row in recorded["rows"]]
    passes = sum(cell.startswith("pass") for row in recorded["rows"] for cell in row[3:])
    verdicts = [v for row in rows for v in export_matrix.verdicts(row).values()]
    assert sum(status == "pass" for status, _ in verdicts) == passes
    assert all(difference <= 1e-4 for status, difference in verdicts if status == "pass")
    new = {"architecture": "x", "family": "f", "input_shape": [8, 8, 3], "formats": {
        f: {"status": "pass", "max_difference": 2e-7, "size": 10**6, "input": "uint8", "runtime": "r 1"}
        for f in export_matrix.FORMATS}}
    saved_model = sum(row[3].startswith("pass") for row in recorded["rows"])
    assert export_matrix.summary([*rows, new]).startswith(
        f"{len(rows) + 1} architectures: saved_model {saved_model + 1}/{len(rows) + 1} pass")
