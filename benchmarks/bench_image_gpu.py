"""Zoo image models on one GPU (Keras JAX backend, bf16) beside timm and keras.applications, in one call.

For each model, four processes, one after another: the anchors ``timm_train.py`` (PyTorch eager,
autocast bf16, channels_last), ``timm_compiled.py`` (the same under ``torch.compile``, training only: what
a PyTorch user gets with one line) and ``keras_train.py`` (keras.applications, ``mixed_bfloat16``,
``jit_compile=True``) from ``../shared/bench/gpu``, run as they are (timm by its own names: ``TIMM_NAMES``),
then the zoo model measured by
this file with ``keras_train.py``'s exact settings: synthetic 224x224 data already on the device,
batch ``BS`` (256), SGD 0.1 with momentum 0.9, five untimed steps, then ``STEPS`` (30) timed
``train_on_batch`` calls and ``STEPS`` timed ``predict_on_batch`` calls. Prints images/s and the
ratios zoo / keras.applications, zoo / timm eager and zoo / timm compiled; ``--write`` puts the table, the
card's name and the library versions in ``docs/benchmarks.md`` (between this benchmark's markers).
``--from-logs LOG...`` reads the RESULT lines of earlier runs instead of measuring (with ``--card`` and
``--date`` saying where and when), to write what was recorded.

The issue's target: resnet50 training at least 1.0x keras.applications and at least 1.15x timm.

On the device machine (no TensorFlow there; keras, namex and optree travel as wheels in ``.whl``,
the anchors as a copy in ``.bench``, both listed in ``.git/info/exclude`` and named in ``carry``)::

    python3 -m pip install -q --no-index --no-deps --target /tmp/site .whl/*.whl && \\
    python3 -m pip install -q --no-index --no-deps --no-build-isolation --target /tmp/site . && \\
    PYTHONPATH=/tmp/site KERAS_BACKEND=jax PYTHONUNBUFFERED=1 \\
    python3 benchmarks/bench_image_gpu.py --anchors .bench/gpu --write --out $OUT

Run with ``--zoo NAME`` it measures only the zoo model, in this process (what the runner starts).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from report import write_section

# how the docs site draws the recorded table (benchmarks/report.py, docs/generate.py): the anchors beside the zoo
PLOT = {"label": ["model", "mode"],
        "bars": ["keras.applications img/s", "timm eager img/s", "timm compiled img/s", "zoo img/s"],
        "unit": "images/s", "note": "keras.applications and timm, eager and compiled (the anchors), beside the zoo's "
                                    "model."}
MODELS = ("resnet50", "densenet121", "mobilenetv2", "vgg16")  # the models keras_train.py knows
TIMM_NAMES = {"mobilenetv2": "mobilenetv2_100"}  # timm's name where it differs from the zoo's
ANCHORS = {"keras": "keras.applications", "timm": "timm eager", "compiled": "timm compiled"}
IMPLEMENTATIONS = {"zoo": "zoo", "keras.applications": "keras", "timm": "timm", "timm-compiled": "compiled"}
TARGET = {"keras": 1.0, "timm": 1.15}  # resnet50 training, zoo / anchor
RESULT = re.compile(r"^RESULT (?P<impl>[\w.-]+)/(?P<name>\w+) .*?bs=(?P<batch>\d+): train (?P<train>[\d.]+) img/s"
                    r"(?:, infer (?P<infer>[\d.]+) img/s)?", re.MULTILINE)


def measure_zoo(name: str) -> None:
    """Train and inference images/s of ``zoo.get(name)`` with keras_train.py's settings; prints one RESULT line."""
    import keras
    import numpy as np

    import zoo

    batch, steps = int(os.environ.get("BS", 256)), int(os.environ.get("STEPS", 30))
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    model = zoo.get(name, num_classes=1000)
    model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9), loss="sparse_categorical_crossentropy",
                  jit_compile=True)
    x = np.random.rand(batch, 224, 224, 3).astype("float32")
    y = np.random.randint(0, 1000, (batch,))
    if keras.backend.backend() == "jax":
        import jax

        x, y = jax.device_put(x), jax.device_put(y)
    start = time.perf_counter()
    model.train_on_batch(x, y)
    first = time.perf_counter() - start
    for _ in range(5):
        model.train_on_batch(x, y)
    start = time.perf_counter()
    for _ in range(steps):
        loss = model.train_on_batch(x, y)
    np.asarray(keras.ops.convert_to_numpy(loss))
    train = steps * batch / (time.perf_counter() - start)
    model.predict_on_batch(x)
    model.predict_on_batch(x)
    start = time.perf_counter()
    for _ in range(steps):
        out = model.predict_on_batch(x)
    np.asarray(keras.ops.convert_to_numpy(out))
    infer = steps * batch / (time.perf_counter() - start)
    print(f"RESULT zoo/{name} {keras.backend.backend()} bf16 bs={batch}: train {train:.0f} img/s, "
          f"infer {infer:.0f} img/s (first step {first:.1f}s)", flush=True)


def rates(match: re.Match) -> dict[str, float]:
    """A RESULT line's images/s: ``{"train": ..., "infer": ...}`` (a compiled anchor measures training only)."""
    return {mode: float(match[mode]) for mode in ("train", "infer") if match[mode]}


def run(command: list[str], log, timeout: float) -> dict[str, float]:
    """Run one measuring process; its RESULT line as ``{"train": ..., "infer": ...}`` (empty if it printed none)."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        log.write(f"$ {' '.join(command)}\ntimed out after {timeout:.0f} s\n")
        print(f"no result from {' '.join(command)}: timed out after {timeout:.0f} s", flush=True)
        return {}
    log.write(f"$ {' '.join(command)}\n{done.stdout}{done.stderr}\n")
    match = RESULT.search(done.stdout)
    if not match:
        print(f"no result from {' '.join(command)} (exit {done.returncode}):\n{done.stderr[-2000:]}", flush=True)
        return {}
    print(match.group(0), flush=True)
    return rates(match)


def from_logs(paths: list[Path], batch: str) -> dict[str, dict[str, dict[str, float]]]:
    """The results recorded in earlier runs' logs (their RESULT lines at batch ``batch``), as :func:`main` measures
    them: ``{model: {"zoo" | "keras" | "timm" | "compiled": {"train": ..., "infer": ...}}}``; timm's names are
    read back as the zoo's."""
    zoo_names = {timm: zoo for zoo, timm in TIMM_NAMES.items()}
    results: dict[str, dict[str, dict[str, float]]] = {}
    for path in paths:
        for match in RESULT.finditer(path.read_text()):
            if match["batch"] == batch and match["impl"] in IMPLEMENTATIONS:
                name = zoo_names.get(match["name"], match["name"])
                results.setdefault(name, {}).setdefault(IMPLEMENTATIONS[match["impl"]], rates(match))
    return {name: {impl: found.get(impl, {}) for impl in ("zoo", *ANCHORS)} for name, found in results.items()}


CARD = """
import importlib
parts = []
try:
    import jax
    parts.append(jax.devices()[0].device_kind)
except Exception as error:
    parts.append(f"no JAX device ({error})")
for name in ("keras", "jax", "torch", "timm"):
    try:
        parts.append(f"{name} {importlib.import_module(name).__version__}")
    except ImportError:
        parts.append(f"{name} missing")
print("; ".join(parts))
"""


def card() -> str:
    """The accelerator JAX sees and the library versions, for the report."""
    return subprocess.run([sys.executable, "-c", CARD], capture_output=True, text=True).stdout.strip()


def table(results) -> str:
    """The results as a Markdown table: images/s of the zoo and each anchor, and the zoo's ratio to each."""
    header = ["model", "mode", "zoo img/s", *(f"{label} img/s" for label in ANCHORS.values()),
              *(f"zoo / {label}" for label in ANCHORS.values())]
    rows = ["| " + " | ".join(header) + " |", "|---|---|" + "---:|" * (len(header) - 2)]
    for name, found in results.items():
        for mode in ("train", "infer"):
            zoo = found["zoo"].get(mode, float("nan"))
            anchors = [found[impl].get(mode, float("nan")) for impl in ANCHORS]
            if all(value != value for value in [zoo, *anchors]):  # nothing measured in this mode
                continue
            cells = [name, "training" if mode == "train" else "inference", f"{zoo:,.0f}",
                     *(f"{value:,.0f}" if value == value else "-" for value in anchors),
                     *(f"{zoo / value:.3f}" if value == value and zoo == zoo else "-" for value in anchors)]
            rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def verdict(results) -> str:
    """Whether resnet50 training met the issue's targets, and how it stands to timm compiled (no target)."""
    found = results.get("resnet50")
    if not found:
        return "resnet50 was not measured."
    ratios = {impl: found["zoo"].get("train", float("nan")) / found[impl].get("train", float("nan"))
              for impl in ANCHORS}
    met = all(ratios[impl] >= TARGET[impl] for impl in TARGET)
    return (f"resnet50 training: {ratios['keras']:.3f}x keras.applications (target {TARGET['keras']}), "
            f"{ratios['timm']:.3f}x timm eager (target {TARGET['timm']}): {'met' if met else '**not met**'}; "
            f"{ratios['compiled']:.3f}x timm under `torch.compile`.")


def other_batches(paths: list[Path], batch: str) -> str:
    """A sentence for the zoo's RESULT lines at other batch sizes than ``batch`` in the logs, or ``""``."""
    lines = [m for path in paths for m in RESULT.finditer(path.read_text()) if m["impl"] == "zoo" and m["batch"] != batch]
    return " ".join(f"At batch {m['batch']} the zoo's {m['name']} trained at {float(m['train']):,.0f} images/s"
                    + (f" and inferred at {float(m['infer']):,.0f}." if m["infer"] else ".") for m in lines)


def section(results, about: str, date: str, batch: str, steps: str, more: str = "") -> str:
    """This benchmark's section of docs/benchmarks.md."""
    return f"""## Image models on GPU: zoo vs keras.applications and timm (`benchmarks/bench_image_gpu.py`)

Card and libraries: {about}. Run on {date}.

Synthetic 224x224x3 data on the device, batch {batch}, {steps} timed steps after warm-up, bf16, SGD 0.1 with
momentum 0.9. The zoo model and keras.applications run on the Keras JAX backend with `mixed_bfloat16` and
`jit_compile=True` (`../shared/bench/gpu/keras_train.py`'s settings, repeated for the zoo model); timm runs in
PyTorch with bf16 autocast and channels_last, eagerly (`timm_train.py`) and under `torch.compile`
(`timm_compiled.py`, training only; its first step compiles for about a minute). timm's MobileNetV2 is
`{TIMM_NAMES['mobilenetv2']}`. Each measurement is its own process. A `-` was not measured.

{verdict(results)} {more}

{table(results)}
"""


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--zoo", metavar="NAME", help="measure only the zoo model NAME, in this process")
    parser.add_argument("--models", nargs="*", default=list(MODELS[:3]), choices=MODELS)
    parser.add_argument("--timeout", type=float, default=240, help="seconds each measuring process may take")
    parser.add_argument("--anchors", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "bench" / "gpu",
                        help="folder holding timm_train.py, timm_compiled.py and keras_train.py")
    parser.add_argument("--out", type=Path, default=Path("."), help="folder for the full log (bench_image_gpu.log)")
    parser.add_argument("--write", action="store_true", help="write the results to docs/benchmarks.md")
    parser.add_argument("--from-logs", nargs="+", type=Path, metavar="LOG",
                        help="read earlier runs' RESULT lines instead of measuring")
    parser.add_argument("--card", help="with --from-logs: the card and libraries the logs were measured with")
    parser.add_argument("--date", help="with --from-logs: the day they were measured (YYYY-MM-DD)")
    args = parser.parse_args(argv)
    if args.zoo:
        measure_zoo(args.zoo)
        return
    batch, steps = os.environ.get("BS", "256"), os.environ.get("STEPS", "30")
    if args.from_logs:
        if not (args.card and args.date):
            parser.error("--from-logs needs --card and --date: where and when the logs were measured")
        about, date, results = args.card, args.date, from_logs(args.from_logs, batch)
        more = (other_batches(args.from_logs, batch) + " Written from the logs "
                + ", ".join(f"`{path.name}`" for path in args.from_logs) + " (`--from-logs`).").strip()
    else:
        about, date, more = card(), time.strftime("%Y-%m-%d", time.gmtime()), ""
        print(about, flush=True)
        results = {}
        with open(args.out / "bench_image_gpu.log", "w") as log:
            for name in args.models:
                timm = str(TIMM_NAMES.get(name, name))
                results[name] = {
                    "timm": run([sys.executable, str(args.anchors / "timm_train.py"), timm], log, args.timeout),
                    "compiled": run([sys.executable, str(args.anchors / "timm_compiled.py"), timm], log,
                                    args.timeout),
                    "keras": run([sys.executable, str(args.anchors / "keras_train.py"), name], log, args.timeout),
                    "zoo": run([sys.executable, __file__, "--zoo", name], log, args.timeout)}
    print(table(results))
    print(verdict(results), more)
    if args.write:
        write_section("bench_image_gpu", section(results, about, date, batch, steps, more), plot=PLOT, date=date)


if __name__ == "__main__":
    main()
