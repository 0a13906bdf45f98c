"""Zoo image models on one GPU (Keras JAX backend, bf16) beside timm and keras.applications, in one call.

For each model, three processes, one after another: the anchors ``timm_train.py`` (PyTorch eager,
autocast bf16, channels_last) and ``keras_train.py`` (keras.applications, ``mixed_bfloat16``,
``jit_compile=True``) from ``../shared/bench/gpu``, run as they are, then the zoo model measured by
this file with ``keras_train.py``'s exact settings: synthetic 224x224 data already on the device,
batch ``BS`` (256), SGD 0.1 with momentum 0.9, five untimed steps, then ``STEPS`` (30) timed
``train_on_batch`` calls and ``STEPS`` timed ``predict_on_batch`` calls. Prints images/s and the
ratios zoo / keras.applications and zoo / timm; ``--write`` puts the table, the card's name and the
library versions in ``docs/benchmarks.md`` (between this benchmark's markers).

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

# how the docs site draws the recorded table (benchmarks/report.py, zoo.reference): the anchors beside the zoo
PLOT = {"label": ["model", "mode"], "bars": ["keras.applications img/s", "timm img/s", "zoo img/s"],
        "unit": "images/s", "note": "keras.applications and timm (the anchors) beside the zoo's model."}
MODELS = ("resnet50", "densenet121", "mobilenetv2", "vgg16")  # the models keras_train.py knows
TARGET = {"keras": 1.0, "timm": 1.15}  # resnet50 training, zoo / anchor
RESULT = re.compile(r"^RESULT (?P<impl>[\w.]+)/(?P<name>\w+) .*train (?P<train>[\d.]+) img/s, infer (?P<infer>[\d.]+) img/s",
                    re.MULTILINE)


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
    return {"train": float(match["train"]), "infer": float(match["infer"])}


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
    rows = ["| model | mode | zoo img/s | keras.applications img/s | timm img/s | zoo / keras.applications | zoo / timm |",
            "|---|---|---:|---:|---:|---:|---:|"]
    for name, rates in results.items():
        for mode in ("train", "infer"):
            zoo, keras, timm = (rates[impl].get(mode, float("nan")) for impl in ("zoo", "keras", "timm"))
            rows.append(f"| {name} | {'training' if mode == 'train' else 'inference'} | {zoo:.0f} | {keras:.0f} | "
                        f"{timm:.0f} | {zoo / keras:.3f} | {zoo / timm:.3f} |")
    return "\n".join(rows)


def verdict(results) -> str:
    """Whether resnet50 training met the issue's targets."""
    rates = results.get("resnet50")
    if not rates:
        return "resnet50 was not measured."
    ratios = {impl: rates["zoo"].get("train", float("nan")) / rates[impl].get("train", float("nan")) for impl in TARGET}
    met = all(ratios[impl] >= TARGET[impl] for impl in TARGET)
    return (f"resnet50 training: {ratios['keras']:.3f}x keras.applications (target {TARGET['keras']}), "
            f"{ratios['timm']:.3f}x timm eager (target {TARGET['timm']}): {'met' if met else '**not met**'}.")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--zoo", metavar="NAME", help="measure only the zoo model NAME, in this process")
    parser.add_argument("--models", nargs="*", default=list(MODELS[:3]), choices=MODELS)
    parser.add_argument("--timeout", type=float, default=240, help="seconds each measuring process may take")
    parser.add_argument("--anchors", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "bench" / "gpu",
                        help="folder holding timm_train.py and keras_train.py")
    parser.add_argument("--out", type=Path, default=Path("."), help="folder for the full log (bench_image_gpu.log)")
    parser.add_argument("--write", action="store_true", help="write the results to docs/benchmarks.md")
    args = parser.parse_args(argv)
    if args.zoo:
        measure_zoo(args.zoo)
        return

    about = card()
    print(about, flush=True)
    results = {}
    with open(args.out / "bench_image_gpu.log", "w") as log:
        for name in args.models:
            results[name] = {
                "timm": run([sys.executable, str(args.anchors / "timm_train.py"), name], log, args.timeout),
                "keras": run([sys.executable, str(args.anchors / "keras_train.py"), name], log, args.timeout),
                "zoo": run([sys.executable, __file__, "--zoo", name], log, args.timeout)}
    print(table(results))
    print(verdict(results))
    if args.write:
        batch, steps = os.environ.get("BS", "256"), os.environ.get("STEPS", "30")
        write_section("bench_image_gpu", f"""## Image models on GPU: zoo vs keras.applications and timm (`benchmarks/bench_image_gpu.py`)

Card and libraries: {about}. Run on {time.strftime('%Y-%m-%d', time.gmtime())}.

Synthetic 224x224x3 data on the device, batch {batch}, {steps} timed steps after warm-up, bf16. The zoo
model and keras.applications run on the Keras JAX backend with `mixed_bfloat16` and
`jit_compile=True` (`../shared/bench/gpu/keras_train.py`'s settings, repeated for the zoo model);
timm runs in PyTorch eager with bf16 autocast and channels_last (`timm_train.py`). Each measurement
is its own process, all in the same call.

{verdict(results)}

{table(results)}
""", plot=PLOT)


if __name__ == "__main__":
    main()
