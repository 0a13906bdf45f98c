"""Issue 23's families against keras.applications on this CPU: inference and training-step images/s at batch 16.

For mobilenetv3large and convnext_tiny (and efficientnetb0 when the zoo has it), in one run: the
zoo model, the keras.applications model (``weights=None``) and a second keras.applications model
as a control, the same random 224x224x3 batch, the same optimizer (SGD) and loss. The measuring is
``bench_image_cpu.py``'s, imported, not rewritten: ``--warmup`` untimed steps per model and mode,
then ``--repeats`` rounds of one step per model, back to back, in an order that rotates each round;
a ratio is the median over rounds of keras.applications' step time / the zoo's in the same round.
With ``--write`` the table goes to ``docs/benchmarks.md`` (between this benchmark's markers).

Run: ``TF_CPP_MIN_LOG_LEVEL=3 python benchmarks/bench_new_families_cpu.py [--repeats 8] [--warmup 3] [--write]``
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from bench_image_cpu import BATCH, PLOT, SIZE, TARGET, step_times, summary, table
from report import machine, write_section

# zoo name -> keras.applications constructor; efficientnetb0 joins when a plugin registers it
MODELS = {"mobilenetv3large": "MobileNetV3Large", "convnext_tiny": "ConvNeXtTiny", "efficientnetb0": "EfficientNetB0"}


def available() -> list[str]:
    """The models of :data:`MODELS` that the zoo registers on this branch."""
    from zoo.registry.loader import get_registry

    return [name for name in MODELS if name in get_registry().architectures]


def build_models(name):
    """The zoo model, the keras.applications model, and a second keras.applications model (the control)."""
    import keras

    import zoo

    shape = (SIZE, SIZE, 3)
    apps = getattr(keras.applications, MODELS[name])
    models = {"zoo": zoo.get(name, input_shape=shape), "keras": apps(weights=None, input_shape=shape),
              "control": apps(weights=None, input_shape=shape)}
    for model in models.values():
        model.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9), loss="sparse_categorical_crossentropy")
    return models


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=8, help="timed rounds (the median counts)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps per model and mode first")
    parser.add_argument("--models", nargs="*", default=None, choices=list(MODELS),
                        help="default: those the zoo registers")
    parser.add_argument("--write", action="store_true", help="write the results to docs/benchmarks.md")
    args = parser.parse_args(argv)

    import keras

    names = args.models or available()
    missing = [name for name in MODELS if name not in names]
    about = machine()
    print(about, flush=True)
    rng = np.random.default_rng(0)
    x = rng.random((BATCH, SIZE, SIZE, 3), dtype=np.float32) * 255  # raw pixels: both models rescale inside
    y = rng.integers(0, 1000, BATCH)
    results = {}
    for name in names:
        results[name] = step_times(build_models(name), x, y, args.repeats, args.warmup)
        keras.backend.clear_session()
        print(table({name: results[name]}).splitlines()[-2:], flush=True)
    print(table(results))
    print(summary(results))
    end_load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    not_run = f" Not run: {', '.join(missing)} (not registered on this branch)." if missing else ""
    if args.repeats < 5:
        not_run += (" A short run on a shared machine: read each ratio against the control's, whose spread is the"
                    " noise of the run.")
    if args.write:
        write_section("bench_new_families_cpu", f"""## Issue 23's families on CPU: zoo vs keras.applications (`benchmarks/bench_new_families_cpu.py`)

Machine: {about}; load average {end_load} at the end (the benchmark itself keeps {cores} cores busy).
Run on {time.strftime('%Y-%m-%d', time.gmtime())}, {args.repeats} rounds after {args.warmup} warm-up steps per model and mode.{not_run}

Batch {BATCH}, {SIZE}x{SIZE}x3 random pixels in [0, 255] (both models preprocess inside), `weights=None`,
SGD; inference is one `predict_on_batch`, a train step one `train_on_batch`. Measured as
`bench_image_cpu.py` measures: in each round the zoo model, the keras.applications model and a second
keras.applications model (the control) run one step each, back to back, in an order that rotates every
round. Images/s is the median over rounds (wall time); a ratio is the median over rounds of
keras.applications' step time / the other model's in the same round (above 1: faster than
keras.applications), by wall time and by this process's CPU time; the control ratio is the noise floor.
ConvNeXt's ratio is not noise: keras.applications writes its 7x7 depthwise convolutions as grouped
`Conv2D`s, which TensorFlow's CPU runs through XLA; the zoo's same layers compute them as depthwise
convolutions (`zoo.layers.portable`, which also lets ConvNeXt export to ONNX and LiteRT).

{summary(results)}

{table(results)}
""", plot=PLOT)


if __name__ == "__main__":
    main()
