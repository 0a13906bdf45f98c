"""The export conformance matrix: every registered architecture through every format, into docs/export.md.

Each architecture is built as its default variant at the smallest input it allows (10 classes, so
that probabilities are large enough for a difference to show; random weights, saved to a weights
file), then exported by ``zoo.export`` to each format with ``check=True``: the artifact runs in its
own runtime, in a fresh process without Keras or the zoo, on 32 synthetic inputs (for the SavedModel,
their PNG files and a JPEG, a larger image and the other channel count besides), against the Keras
model fed the same inputs through the zoo's preprocessing. A cell is the check's verdict, the max
absolute difference of probabilities and the file size; or the reason the export is impossible,
which is the one-line error ``zoo export`` gives.

Each architecture runs in its own process; a converter that crashes it (or the out-of-memory killer) fails that
format alone, and the formats after it run in a fresh process.
A script rather than ``zoo export --matrix``: like the benchmarks, it writes a section of the docs
and is run by hand or by the slow test, never by users.

``--continue`` keeps the rows of the last recorded matrix (``benchmarks/results/export_matrix.json``) and
runs only the architectures it does not have, so that a long run that was stopped can be finished.

Run: ``python benchmarks/export_matrix.py [--architectures lenet5 resnet20 | --one-per-family] [--continue] [--write]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from report import RESULTS, write_section

from zoo.kit.calibration import STD

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "export.md"
FORMATS = ("saved_model", "onnx", "litert")
SUFFIXES = {"saved_model": "", "onnx": ".onnx", "litert": ".tflite"}
NUM_CLASSES = 10
SATURATED = 0.99  # a mean top probability over this: the random model's probabilities are one-hot


def smallest_shape(arch) -> tuple:
    """The smallest input the architecture allows (its default for text models)."""
    if arch.task != "image-classification" or not arch.min_input_size:
        return tuple(arch.input_shape)
    return (arch.min_input_size, arch.min_input_size, arch.input_shape[-1])


def one_per_family(registry) -> list[str]:
    """The smallest architecture (fewest parameters at its default size) of each family."""
    from zoo.registry.cards import load_stats

    best = {}
    for name, arch in registry.architectures.items():
        params = load_stats(name).get("params", float("inf"))
        if arch.family not in best or params < best[arch.family][1]:
            best[arch.family] = (name, params)
    return sorted(name for name, _ in best.values())


def run_architecture(name: str, tmp: Path, formats: list[str], results: Path) -> None:
    """One row: the architecture exported to ``formats`` and checked (run in a worker process); the row is
    written to ``results`` after each format, so that what was done survives a crash in the next."""
    import zoo
    from zoo.errors import ExportCheckError, ExportError
    from zoo.records.identity import DEFAULT_PREPROCESSING, ModelIdentity
    from zoo.registry.loader import get_registry

    arch = get_registry().architectures[name]
    shape = smallest_shape(arch)
    weights = tmp / f"{name}.weights.h5"
    preprocessing = DEFAULT_PREPROCESSING if arch.task == "image-classification" else {}
    model = zoo.get(name, input_shape=shape, num_classes=NUM_CLASSES)
    calibrated = arch.task == "image-classification" and calibrate_if_saturated(model, preprocessing)
    model.save_weights(weights)
    identity = ModelIdentity(architecture=name, arguments=arch.defaults, num_classes=NUM_CLASSES, input_shape=shape,
                             weights=weights, source="random weights (export matrix)", preprocessing=preprocessing)
    row = {"architecture": name, "family": arch.family, "input_shape": list(shape), "formats": {}}
    if calibrated:
        row["batch_norm_from_inputs"] = True
    for format in formats:
        started = time.perf_counter()
        try:
            result = zoo.export(identity, format=format, output=tmp / f"{name}{SUFFIXES[format]}", check=True)
            cell = {"status": "pass", "input": result.input, "size": result.size,
                    "max_difference": result.check.max_difference, "runtime": result.check.runtime}
        except ExportError as error:
            cell = {"status": "impossible", "reason": str(error)}
        except ExportCheckError as error:
            cell = {"status": "fail", "reason": str(error)}
        cell["seconds"] = round(time.perf_counter() - started, 1)
        row["formats"][format] = cell
        results.write_text(json.dumps(row))
        print(f"{name} {format}: {json.dumps(cell)}", file=sys.stderr, flush=True)


def calibrate_if_saturated(model, preprocessing: dict) -> bool:
    """Give a random model whose probabilities are saturated the batch-norm statistics of the check's inputs.

    Random weights make a deep network's activations grow block after block (EfficientNetV2-L's reach 1e9 at
    32x32), so that its probabilities are one-hot and a comparison of them tests float32 rounding alone. When
    the mean top probability on the check's 32 synthetic images is over :data:`SATURATED`, its batch norms get
    the statistics of their inputs on these images (preprocessed as the check does) by
    :func:`zoo.kit.calibrate_batch_norms`. Returns whether it did.
    """
    import tensorflow as tf

    from zoo.datasets.pipeline import model_input_shape, preprocess
    from zoo.exporting.exporter import synthetic_examples
    from zoo.kit import calibrate_batch_norms

    examples, _ = synthetic_examples(model)
    x = preprocess(tf.constant(examples), model_input_shape(model), preprocessing)
    if float(np.max(model.predict(x, verbose=0), axis=1).mean()) <= SATURATED:
        return False
    calibrate_batch_norms(model, x)
    return True


def run_row(registry, name: str, tmp: Path) -> dict:
    """One architecture's row, from worker processes: one for every format, and after a crash one for the rest."""
    arch = registry.architectures[name]
    row = {"architecture": name, "family": arch.family, "input_shape": list(smallest_shape(arch)), "formats": {}}
    out = tmp / f"{name}.json"
    while remaining := [f for f in FORMATS if f not in row["formats"]]:
        out.unlink(missing_ok=True)
        done = subprocess.run([sys.executable, __file__, "--worker", name, "--formats", *remaining,
                               "--results", str(out)],
                              env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"), stdout=subprocess.DEVNULL)
        if out.exists():
            written = json.loads(out.read_text())
            row["formats"].update(written["formats"])
            if written.get("batch_norm_from_inputs"):
                row["batch_norm_from_inputs"] = True
        if done.returncode != 0:
            crashed = next(f for f in FORMATS if f not in row["formats"])
            row["formats"][crashed] = {"status": "fail", "reason": crash_reason(done.returncode)}
    return row


def crash_reason(status: int) -> str:
    """Why a worker process ended without its row: a signal (SIGKILL is what the out-of-memory killer sends)."""
    if status == -9:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        return f"the export's process was killed (SIGKILL, as by the out-of-memory killer: {memory:.0f} GiB here)"
    return f"the export's process ended with status {status}"


def recorded_rows() -> tuple[list[dict], str | None]:
    """The rows of the last recorded matrix, as their table cells (``cells``), and the date it was run."""
    path = RESULTS / "export_matrix.json"
    if not path.exists():
        return [], None
    recorded = json.loads(path.read_text())
    rows = [{"architecture": row[0], "family": row[1], "input": row[2], "cells": dict(zip(FORMATS, row[3:]))}
            for row in recorded["tables"][0]["rows"]]
    return rows, recorded["date"]


def cell_text(cell: dict, name: str) -> str:
    if cell["status"] == "pass":
        return f"pass, {cell['max_difference']:.1e}, {cell['size'] / 1e6:.2f} MB"
    reason = cell["reason"].replace(f"{name} ", "", 1) if cell["reason"].startswith(name) else cell["reason"]
    return f"**{cell['status']}**: {reason}"


def table(rows: list[dict]) -> str:
    lines = ["| architecture | family | input | " + " | ".join(FORMATS) + " |",
             "|---|---|---|" + "---|" * len(FORMATS)]
    for row in rows:
        if "cells" in row:  # carried over from the recorded matrix (--continue)
            lines.append(f"| {row['architecture']} | {row['family']} | {row['input']} | "
                         + " | ".join(row["cells"][f] for f in FORMATS) + " |")
            continue
        shape = "x".join(str(d) for d in row["input_shape"])
        kinds = {c.get("input") for c in row["formats"].values() if c.get("input")}
        calibrated = "; batch-norm statistics from the inputs" if row.get("batch_norm_from_inputs") else ""
        lines.append(f"| {row['architecture']} | {row['family']} | {shape} ({', '.join(sorted(kinds))}{calibrated}) | "
                     + " | ".join(cell_text(row["formats"][f], row["architecture"]) for f in FORMATS) + " |")
    return "\n".join(lines)


def verdicts(row: dict) -> dict[str, tuple[str, float | None]]:
    """Each format's status and, for a pass, its max difference; a carried-over row's read from its cells."""
    if "cells" not in row:
        return {f: (c["status"], c.get("max_difference")) for f, c in row["formats"].items()}
    found = {}
    for format, text in row["cells"].items():
        status = "pass" if text.startswith("pass") else text.split("**")[1]
        found[format] = (status, float(text.split(", ")[1]) if status == "pass" else None)
    return found


def summary(rows: list[dict]) -> str:
    cells = [verdicts(r) for r in rows]
    counts = {f: sum(c[f][0] == "pass" for c in cells) for f in FORMATS}
    worst = max((d for c in cells for status, d in c.values() if status == "pass"), default=0.0)
    runtimes = sorted({c["runtime"] for r in rows for c in r.get("formats", {}).values() if c.get("runtime")})
    return (f"{len(rows)} architectures: " + ", ".join(f"{f} {counts[f]}/{len(rows)} pass" for f in FORMATS)
            + f"; the largest difference of probabilities {worst:.1e} (bar: 1e-4). Runtimes: {', '.join(runtimes)}.")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--architectures", nargs="*", help="these only (default: every registered architecture)")
    parser.add_argument("--one-per-family", action="store_true", help="the smallest architecture of each family")
    parser.add_argument("--results", help="write the rows as JSON to this file")
    parser.add_argument("--continue", dest="carry_on", action="store_true",
                        help="keep the recorded matrix's rows and run only the architectures it lacks")
    parser.add_argument("--write", action="store_true", help="write the matrix into docs/export.md")
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # one architecture, in its own process
    parser.add_argument("--formats", nargs="+", default=list(FORMATS), help=argparse.SUPPRESS)  # the worker's
    args = parser.parse_args(argv)

    if args.worker:
        with tempfile.TemporaryDirectory(prefix="zoo-export-matrix-") as tmp:
            run_architecture(args.worker, Path(tmp), args.formats, Path(args.results))
        return 0

    from zoo.registry.loader import get_registry

    registry = get_registry()
    names = args.architectures or (one_per_family(registry) if args.one_per_family else by_size(registry))
    kept, since = recorded_rows() if args.carry_on else ([], None)
    kept = [row for row in kept if row["architecture"] in names]
    rows, started = list(kept), time.time()
    with tempfile.TemporaryDirectory(prefix="zoo-export-matrix-") as tmp:
        for name in [n for n in names if n not in {row["architecture"] for row in kept}]:
            rows.append(run_row(registry, name, Path(tmp)))
            if args.results:  # after each architecture, so that a long run that is stopped keeps its rows
                Path(args.results).write_text(json.dumps(rows, indent=1))
            if args.write:
                write(rows, names, (time.time() - started) / 60, carried=(len(kept), since))
    print(table(rows))
    print(summary(rows))
    return 0 if all(status != "fail" for r in rows for status, _ in verdicts(r).values()) else 1


def by_size(registry) -> list[str]:
    """Every architecture, the smallest (fewest parameters) first."""
    from zoo.registry.cards import load_stats

    return sorted(registry.architectures, key=lambda name: (load_stats(name).get("params", 0), name))


def write(rows: list[dict], names: list[str], minutes: float, carried: tuple[int, str | None] = (0, None)) -> None:
    """The matrix section of docs/export.md: the rows done so far, and the architectures not yet run.

    ``carried``: how many of the rows were kept from the recorded matrix (``--continue``), and its date.
    """
    import tensorflow as tf
    import tf2onnx

    missing = [name for name in names if name not in {row["architecture"] for row in rows}]
    pending = f"\n\nNot run yet: {', '.join(missing)}." if missing else ""
    write_section("export_matrix", f"""## Conformance matrix (`benchmarks/export_matrix.py`)

Every registered architecture, its default variant at the smallest input it allows, 10 classes, random
weights, exported with `zoo.export(..., check=True)` to each format: **pass** means that the artifact,
run in its own runtime in a fresh process without Keras or the zoo, gives the probabilities of the Keras
model fed the same inputs through the zoo's preprocessing within 1e-4 (the figure is the largest absolute
difference) with the same top-1 class; the size is the artifact's. Inputs: 32 synthetic images (for the
SavedModel: their PNG files, plus a JPEG, a larger image and one of the other channel count, decoded in the
graph) or token-id rows. Where the random model's probabilities are one-hot on these images (a deep
network's random activations grow block after block: a comparison would test rounding alone), its
batch-norm statistics are first set, layer by layer, from the images, so that each scales its input to a
standard deviation of 1/{round(1 / STD)} (at 1 such a network is chaotic and rounding still decides; the input
column says where this was done). A reason is the one-line error `zoo export` gives for that format.

{summary(rows)}{pending}

{table(rows)}

{run_line(rows, minutes, carried)} with TensorFlow {tf.__version__}, tf2onnx {tf2onnx.__version__},
NumPy {np.__version__}: `python benchmarks/export_matrix.py {'--continue ' if carried[0] else ''}--write`.
""", doc=DOC)


def run_line(rows: list[dict], minutes: float, carried: tuple[int, str | None]) -> str:
    """When the matrix was run, and for how long; a continued one names both runs."""
    today = time.strftime('%Y-%m-%d', time.gmtime())
    count, since = carried
    if not count:
        return f"Run {today} ({minutes:.0f} minutes on 2 shared cores)"
    return (f"The first {count} rows were run {since}; the other {len(rows) - count} were added {today} "
            f"({minutes:.0f} minutes on 2 shared cores, `--continue`)")


if __name__ == "__main__":
    sys.exit(main())
