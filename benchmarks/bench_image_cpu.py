"""Zoo image models against keras.applications on this CPU: inference and training-step images/s.

For resnet50, densenet121, mobilenetv2, vgg16 and xception, in one run: the zoo
model, the keras.applications model (``weights=None``) and a second
keras.applications model as a control, same input (batch 16, 224x224x3,
float32), same optimizer (SGD) and loss. Per mode (inference, train step) each
model runs ``--warmup`` untimed steps, then ``--repeats`` rounds of one step per
model, back to back, in an order that rotates each round. The ratio is the
median over rounds of keras.applications' step time / the zoo's step time in
the same round; the control ratio (keras.applications / its twin) shows the
noise floor of the run. With ``--write`` the table and the machine's
description go to ``docs/benchmarks.md`` (between this benchmark's markers,
leaving other sections alone).

Run: ``TF_CPP_MIN_LOG_LEVEL=3 python benchmarks/bench_image_cpu.py [--repeats 8] [--warmup 3] [--write]"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from report import machine, write_section

BATCH, SIZE = 16, 224
# how the docs site draws the recorded table (benchmarks/report.py, docs/generate.py): the anchor beside the zoo
PLOT = {"label": ["model", "mode"], "bars": ["keras.applications img/s", "zoo img/s"], "unit": "images/s",
        "note": "Median images/s of each step, keras.applications (the anchor) beside the zoo's model."}
MODELS = {"resnet50": "ResNet50", "densenet121": "DenseNet121", "mobilenetv2": "MobileNetV2", "vgg16": "VGG16",
          "xception": "Xception"}
TARGET = 0.97


def build_models(name):
    """The zoo model, the keras.applications model, and a second keras.applications model as control.

    The control is the same model as ``keras``, so the ratio keras / control shows how far two
    identical models differ on this machine in this run: the noise floor the zoo's ratio is read against.
    """
    import keras

    import zoo

    shape = (SIZE, SIZE, 3)
    apps = getattr(keras.applications, MODELS[name])
    models = {"zoo": zoo.get(name, input_shape=shape), "keras": apps(weights=None, input_shape=shape),
              "control": apps(weights=None, input_shape=shape)}
    for model in models.values():
        model.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9), loss="sparse_categorical_crossentropy")
    return models


def step_times(models, x, y, repeats, warmup):
    """Seconds per step of each model, inference and training, in ``repeats`` rounds of one step each.

    Returns ``{(impl, mode): [(wall seconds, CPU seconds of this process), ...]}``, one entry per
    round; CPU time counts only the work this process did, so other processes disturb it less.

    ``warmup`` untimed steps per model and mode come first: on this CPU the first few calls are
    several times slower than the later ones (tracing, then oneDNN's first runs). In each round
    every model runs one step, back to back, and the order rotates from round to round, so that
    a change in the machine's load, or an advantage of going first, falls on all of them alike.
    """
    steps = {"infer": lambda model: model.predict_on_batch(x), "train": lambda model: model.train_on_batch(x, y)}
    names = list(models)
    times = {}
    for mode, step in steps.items():
        for _ in range(warmup):
            for model in models.values():
                step(model)
        for round_ in range(repeats):
            for impl in names[round_ % len(names):] + names[:round_ % len(names)]:
                wall, cpu = time.perf_counter(), time.process_time()
                step(models[impl])
                times.setdefault((impl, mode), []).append(
                    (time.perf_counter() - wall, time.process_time() - cpu))
    return times


def paired_ratio(times, impl, base, mode, clock):
    """Median over rounds of base's step time / impl's step time (above 1: ``impl`` is faster).

    Pairing the two models' steps of the same round cancels most of the load that changes between rounds.
    """
    return float(np.median([theirs[clock] / ours[clock]
                            for ours, theirs in zip(times[impl, mode], times[base, mode])]))


def table(results) -> str:
    """Markdown table: median images/s, then the paired ratios zoo / keras.applications and control."""
    rows = ["| model | mode | zoo img/s | keras.applications img/s | ratio | ratio (CPU time) | "
            "control ratio | control ratio (CPU time) |",
            "|---|---|---:|---:|---:|---:|---:|---:|"]
    for name, times in results.items():
        for mode in ("infer", "train"):
            rate = {impl: BATCH / np.median([wall for wall, _ in times[impl, mode]]) for impl in ("zoo", "keras")}
            ratios = [paired_ratio(times, impl, "keras", mode, clock) for impl in ("zoo", "control") for clock in (0, 1)]
            rows.append(f"| {name} | {'inference' if mode == 'infer' else 'train step'} | {rate['zoo']:.2f} | "
                        f"{rate['keras']:.2f} | " + " | ".join(f"{r:.3f}" for r in ratios) + " |")
    return "\n".join(rows)


def summary(results) -> str:
    """One sentence: the lowest zoo ratio against the target, and the spread of the control ratios."""
    zoo = {(name, mode): paired_ratio(times, "zoo", "keras", mode, 0)
           for name, times in results.items() for mode in ("infer", "train")}
    control = [paired_ratio(times, "control", "keras", mode, 0) for times in results.values() for mode in ("infer", "train")]
    (name, mode), lowest = min(zoo.items(), key=lambda item: item[1])
    verdict = "met" if lowest >= TARGET else "**not met**"
    return (f"Lowest zoo ratio: {lowest:.3f} ({name}, {'inference' if mode == 'infer' else 'train step'}); "
            f"target every ratio at least {TARGET}: {verdict}. Control ratios ranged from "
            f"{min(control):.3f} to {max(control):.3f}.")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=8, help="timed rounds (the median counts)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps per model and mode first")
    parser.add_argument("--models", nargs="*", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--write", action="store_true", help="write the results to docs/benchmarks.md")
    args = parser.parse_args(argv)

    import keras

    about = machine()
    print(about, flush=True)
    rng = np.random.default_rng(0)
    x = rng.random((BATCH, SIZE, SIZE, 3), dtype=np.float32)
    y = rng.integers(0, 1000, BATCH)
    results = {}
    for name in args.models:
        results[name] = step_times(build_models(name), x, y, args.repeats, args.warmup)
        keras.backend.clear_session()
        print(table({name: results[name]}).splitlines()[-2:], flush=True)
    print(table(results))
    print(summary(results))
    end_load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if args.write:
        write_section("bench_image_cpu", f"""## Image models on CPU: zoo vs keras.applications (`benchmarks/bench_image_cpu.py`)

Machine: {about}; load average {end_load} at the end (the benchmark itself keeps {cores} cores busy).
Run on {time.strftime('%Y-%m-%d', time.gmtime())}.

Batch {BATCH}, {SIZE}x{SIZE}x3 random images, `weights=None`, SGD; inference is one
`predict_on_batch`, a train step one `train_on_batch`; {args.warmup} untimed warm-up steps per model,
then {args.repeats} rounds in which the zoo model, the keras.applications model and a second
keras.applications model (the control) each run one step, back to back, in an order that rotates
every round. Images/s is the median over rounds (wall time). A ratio is the median over rounds of
keras.applications' step time / the other model's step time in the same round (above 1: faster than
keras.applications), by wall time and by this process's CPU time. The control ratio compares
keras.applications with an identical copy of itself: how far two equal models differ in this run.

{summary(results)}

{table(results)}

GPU: `benchmarks/bench_image_gpu.py` runs the GPU comparison (Keras JAX backend, bf16, batch 256,
against timm eager and keras.applications with the scripts in `../shared/bench/gpu`, in one call)
and writes its own section; until a session with a GPU has run it, no GPU numbers are reported here.
""", plot=PLOT)


if __name__ == "__main__":
    main()
