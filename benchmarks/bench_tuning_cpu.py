"""Overhead of zoo.hypermodel over a hand-written KerasTuner ``build(hp)``/``fit`` for the same model (CPU).

Both search the same space (LeNet-5's activation, subsampling, widths and dropout, plus the recipe's lr,
weight decay, label smoothing, batch size and optimizer) with the same RandomSearch seed, on the same
``digits`` arrays (8x8 upsampled to LeNet's 32x32, already scaled), with the same training (the LeNet
recipe, Adam and a cosine schedule, without its augmentation, which the hand-written one does not do).
The zoo's trials train through ``zoo.training.driver.fit``, the driver ``zoo train`` uses: a checkpoint with
optimizer state every epoch, the best weights, a CSV log and a run card per trial are part of what
is measured. Each search runs in a fresh process (the same imports on both sides, not timed):
TensorFlow keeps some of every trial's graphs, so a process that has already searched trains more
slowly, whichever hypermodel it ran. Rounds run the two searches in alternating order (ABBA); the
result is the median over rounds of the per-round ratio zoo / hand-written, by wall and by CPU time,
and the median time of ``build(hp)`` alone. ``--write`` puts the table, with the machine, in
``docs/benchmarks.md``.

Run: ``python benchmarks/bench_tuning_cpu.py [--trials 8 --epochs 2 --rounds 10] [--write]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from report import machine, write_section

# how the docs site draws the recorded table (benchmarks/report.py, docs/generate.py): the anchor beside the zoo
PLOT = {"label": ["hypermodel"], "bars": ["CPU s / trial (median)", "wall s / trial (median)"],
        "unit": "seconds per trial (lower is faster)",
        "note": "A hand-written KerasTuner `build(hp)` (the anchor) beside `zoo.hypermodel`."}


def digits_arrays():
    import zoo

    data = zoo.datasets.load("digits")
    def prepare(split):
        x, y = split
        return np.kron(x.astype("float32") / 255.0, np.ones((1, 4, 4, 1), "float32")), y
    return prepare(data.train), prepare(data.validation)


def hand_written(steps_per_epoch: int, epochs: int):
    """The same space and training written directly against KerasTuner and Keras."""
    import keras
    import keras_tuner as kt

    from zoo_plugins.lenet import RECIPE
    from zoo_plugins.nets.lenet import build_lenet

    class HandWritten(kt.HyperModel):
        def build(self, hp):
            hp.Choice("architecture", ["lenet5"])
            arguments = dict(
                activation=hp.Choice("activation", ["tanh", "relu"], default="tanh"),
                subsampling=hp.Choice("subsampling", ["avg", "max"], default="avg"),
                filters=(hp.Int("filters_c1", 4, 16, step=2, default=6), hp.Int("filters_c3", 8, 32, step=8, default=16)),
                units=(hp.Int("units_f5", 60, 240, step=60, default=120), hp.Int("units_f6", 42, 168, step=42, default=84)),
                dropout=hp.Float("dropout", 0.0, 0.5, step=0.1, default=0.0),
            )
            lr = hp.Float("lr", RECIPE.lr / 10, RECIPE.lr * 10, sampling="log", default=RECIPE.lr)
            weight_decay = hp.Choice("weight_decay", [0.0, 1e-5, 1e-4, 1e-3], default=0.0)
            smoothing = hp.Choice("label_smoothing", [0.0, 0.1], default=0.0)
            hp.Choice("batch_size", [32, 64, 128], default=RECIPE.batch_size)
            optimizer = hp.Choice("optimizer", ["adam", "sgd"], default="adam")
            model = build_lenet(num_classes=10, input_shape=(32, 32, 1), include_top=True, pooling=None,
                                classifier_activation="softmax", **arguments)
            schedule = keras.optimizers.schedules.CosineDecay(lr, decay_steps=steps_per_epoch(hp) * epochs)
            opt = keras.optimizers.Adam(schedule, weight_decay=weight_decay or None) if optimizer == "adam" else \
                keras.optimizers.SGD(schedule, momentum=0.9, weight_decay=weight_decay or None)
            loss = keras.losses.CategoricalCrossentropy(label_smoothing=smoothing) if smoothing else \
                "sparse_categorical_crossentropy"
            model.compile(optimizer=opt, loss=loss, metrics=["accuracy"])
            return model

        def fit(self, hp, model, x, y, validation_data, **kwargs):
            if hp["label_smoothing"]:
                y = keras.utils.to_categorical(y, 10)
                validation_data = (validation_data[0], keras.utils.to_categorical(validation_data[1], 10))
            return model.fit(x, y, validation_data=validation_data, batch_size=hp["batch_size"], **kwargs)

    return HandWritten()


def search(hypermodel, train, validation, *, trials: int, epochs: int) -> tuple[float, float, list[dict]]:
    """Wall and CPU seconds per trial of a seeded RandomSearch, and the values it tried (names unprefixed)."""
    import keras_tuner as kt

    with tempfile.TemporaryDirectory() as directory:
        tuner = kt.RandomSearch(hypermodel, objective="val_accuracy", max_trials=trials, seed=7,
                                directory=directory, project_name="bench", overwrite=True)
        started, cpu = time.perf_counter(), time.process_time()
        tuner.search(*train, validation_data=validation, epochs=epochs, verbose=0)
        seconds, cpu = (time.perf_counter() - started) / trials, (time.process_time() - cpu) / trials
        tried = [{name.rsplit("/", 1)[-1]: value for name, value in trial.hyperparameters.values.items()}
                 for trial in tuner.oracle.trials.values()]
        return seconds, cpu, tried


def build_seconds(hypermodel, repeats: int = 20) -> float:
    """Median seconds of ``build(hp)`` with default values."""
    import keras
    import keras_tuner as kt

    times = []
    for _ in range(repeats):
        keras.backend.clear_session()
        hp = kt.HyperParameters()
        started = time.perf_counter()
        hypermodel.build(hp)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def hypermodels(train, epochs: int) -> dict:
    """The two hypermodels, by the name the table gives them."""
    import zoo

    zoo_hm = zoo.hypermodel("lenet5", num_classes=10, input_shape=(32, 32, 1))
    zoo_hm.recipes["lenet5"] = zoo_hm.recipes["lenet5"].override(augmentation=())  # as the hand-written one
    hand_hm = hand_written(lambda hp: -(-len(train[1]) // hp["batch_size"]), epochs)
    return {"hand-written build(hp)": hand_hm, "zoo.hypermodel": zoo_hm}


def one_search(name: str, trials: int, epochs: int) -> None:
    """Run one search in this process; print its wall and CPU seconds per trial and the values tried, as JSON."""
    train, validation = digits_arrays()
    seconds, cpu_seconds, tried = search(hypermodels(train, epochs)[name], train, validation, trials=trials,
                                         epochs=epochs)
    print(json.dumps({"wall": seconds, "cpu": cpu_seconds, "tried": tried}))


def search_in_fresh_process(name: str, trials: int, epochs: int) -> dict:
    """:func:`one_search` in a new Python process."""
    done = subprocess.run([sys.executable, __file__, "--one", name, "--trials", str(trials), "--epochs", str(epochs)],
                          capture_output=True, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    if done.returncode:
        raise SystemExit(f"the {name} search failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--write", action="store_true", help="write the results into docs/benchmarks.md")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: one search in this process
    args = parser.parse_args()
    if args.one:
        return one_search(args.one, args.trials, args.epochs)

    about = machine()
    print(about, flush=True)
    train, validation = digits_arrays()
    names = hypermodels(train, args.epochs)
    wall, cpu, tried = ({name: [] for name in names} for _ in range(3))
    for number in range(args.rounds):
        order = list(names) if number % 2 == 0 else list(names)[::-1]  # ABBA: neither always runs first
        for name in order:
            result = search_in_fresh_process(name, args.trials, args.epochs)
            wall[name].append(result["wall"])
            cpu[name].append(result["cpu"])
            tried[name] = result["tried"]
            print(f"round {number + 1} {name}: {result['wall']:.2f} s wall, {result['cpu']:.2f} s CPU per trial",
                  flush=True)
    builds = {name: build_seconds(hm) for name, hm in names.items()}
    base = "hand-written build(hp)"
    same = tried[base] == tried["zoo.hypermodel"]
    lines = [f"digits ({len(train[1])} train / {len(validation[1])} validation, 32x32x1), RandomSearch seed 7, "
             f"{args.trials} trials x {args.epochs} epochs, {args.rounds} rounds in ABBA order; same values tried: "
             f"{'yes' if same else 'NO'}", "",
             "| hypermodel | wall s / trial (median) | CPU s / trial (median) | overhead, wall (median ratio) "
             "| overhead, CPU (median ratio) | wall s / trial, every round | build(hp) ms |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for name in names:
        wall_ratio = statistics.median(z / h for z, h in zip(wall[name], wall[base]))
        cpu_ratio = statistics.median(z / h for z, h in zip(cpu[name], cpu[base]))
        lines.append(f"| {name} | {statistics.median(wall[name]):.2f} | {statistics.median(cpu[name]):.2f} | "
                     f"{(wall_ratio - 1) * 100:+.1f}% | {(cpu_ratio - 1) * 100:+.1f}% | "
                     f"{', '.join(f'{t:.2f}' for t in wall[name])} | {builds[name] * 1000:.0f} |")
    report = "\n".join(lines)
    print(report)
    if args.write:
        end_load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
        write_section("bench_tuning_cpu", f"""## Tuning: `zoo.hypermodel` against a hand-written KerasTuner hypermodel (`benchmarks/bench_tuning_cpu.py`)

Machine: {about}; load average {end_load} at the end. Run on {time.strftime('%Y-%m-%d', time.gmtime())}:
`python benchmarks/bench_tuning_cpu.py --trials {args.trials} --epochs {args.epochs} --rounds {args.rounds} --write`.

The overhead of `zoo.hypermodel("lenet5", ...)` over a hand-written KerasTuner `build(hp)`/`fit` of the
same space (LeNet-5's activation, subsampling, widths, dropout and the recipe's lr, weight decay, label
smoothing, batch size, optimizer) and the same training (the LeNet recipe: Adam, cosine schedule, no
augmentation on either side). Both run a RandomSearch with seed 7 on the same `digits` arrays and try the
same hyperparameter values (checked), each search in a fresh process. Each zoo trial trains through `zoo.training.driver.fit`, the driver of
`zoo train`, so its run directory (a checkpoint with optimizer state every epoch, the best weights, a CSV
log, the run's card) is part of what is measured. Target: overhead under 5%.

{report}
""", plot=PLOT)


if __name__ == "__main__":
    main()
