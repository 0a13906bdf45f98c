"""Overhead of zoo.hypermodel over a hand-written KerasTuner ``build(hp)`` for the same model (CPU).

Both search the same space (LeNet-5's activation, subsampling, widths and dropout, plus the recipe's lr,
weight decay, label smoothing, batch size and optimizer) with the same RandomSearch seed, on the same
``digits`` arrays (8x8 upsampled to LeNet's 32x32), with the same training (the LeNet recipe: Adam and a
cosine schedule). Rounds alternate hand-written and zoo searches to spread the noise of a shared CPU; the result is
the best round's CPU and wall seconds per trial (the minimum, as ``timeit`` reports, is the least
disturbed by other processes), and the median time of ``build(hp)`` alone. Arrays passed to
``search`` are fed as given by both (no augmentation), so the difference is the hypermodel's own work:
registry lookup, the plugin's hook, the recipe, and compiling the schedule once the steps are known.

Run: ``TF_CPP_MIN_LOG_LEVEL=3 python benchmarks/bench_tuning_cpu.py [--trials 4 --epochs 2 --rounds 3]``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import numpy as np


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import zoo

    train, validation = digits_arrays()
    zoo_hm = zoo.hypermodel("lenet5", num_classes=10, input_shape=(32, 32, 1))
    hand_hm = hand_written(lambda hp: -(-len(train[1]) // hp["batch_size"]), args.epochs)
    names = {"hand-written build(hp)": hand_hm, "zoo.hypermodel": zoo_hm}
    wall, cpu, tried = ({name: [] for name in names} for _ in range(3))
    for _ in range(args.rounds):
        for name, hm in names.items():
            seconds, cpu_seconds, tried[name] = search(hm, train, validation, trials=args.trials, epochs=args.epochs)
            wall[name].append(seconds)
            cpu[name].append(cpu_seconds)
    builds = {name: build_seconds(hm) for name, hm in names.items()}
    base_cpu, base_wall = min(cpu["hand-written build(hp)"]), min(wall["hand-written build(hp)"])
    print(f"digits ({len(train[1])} train / {len(validation[1])} validation, 32x32x1), RandomSearch seed 7, "
          f"{args.trials} trials x {args.epochs} epochs, {args.rounds} alternating rounds; same values tried: "
          f"{'yes' if tried['hand-written build(hp)'] == tried['zoo.hypermodel'] else 'NO'}")
    print("| hypermodel | CPU s / trial (best round) | overhead (CPU) | wall s / trial (best round) | overhead (wall) "
          "| wall s / trial, every round | build(hp) ms |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name in names:
        rounds = ", ".join(f"{t:.2f}" for t in wall[name])
        print(f"| {name} | {min(cpu[name]):.2f} | {(min(cpu[name]) / base_cpu - 1) * 100:+.1f}% | "
              f"{min(wall[name]):.2f} | {(min(wall[name]) / base_wall - 1) * 100:+.1f}% | {rounds} | "
              f"{builds[name] * 1000:.0f} |")


if __name__ == "__main__":
    main()
