"""Training throughput: ``zoo.train`` against a plain ``model.fit`` on in-memory NumPy arrays.

Same model (built by ``zoo.get``), same data, same batch size, same optimizer (the
architecture's recipe); images per second of training, first epoch (tracing) left
out, median of the other epochs, best of interleaved rounds. Prints a Markdown table for docs/benchmarks.md.

    TF_CPP_MIN_LOG_LEVEL=3 .venv/bin/python benchmarks/bench_train_cpu.py [--epochs 3] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time

import numpy as np

CASES = (  # name, input shape, examples, batch size
    ("lenet5", (28, 28, 1), 8192, 64),
    ("resnet20", (32, 32, 3), 2048, 128),
)


class Timer:
    """Epoch durations of a plain fit (the zoo logs its own as ``epoch_time``)."""

    def __new__(cls):
        import keras

        class _Timer(keras.callbacks.Callback):
            times: list = []

            def on_epoch_begin(self, epoch, logs=None):
                self.started = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                self.times.append(time.perf_counter() - self.started)

        timer = _Timer()
        timer.times = []
        return timer


def plain_fit(name, x, y, batch_size, epochs):
    import keras

    import zoo
    from zoo.training.optimizers import make_loss, make_optimizer
    from zoo.training.driver import resolve_recipe
    from zoo.registry.loader import get_registry

    keras.utils.set_random_seed(0)
    recipe = resolve_recipe(get_registry().resolve(name)[0], batch_size=batch_size, epochs=epochs, augmentation=())
    model = zoo.get(name, num_classes=10, input_shape=x.shape[1:])
    model.compile(optimizer=make_optimizer(recipe, len(x) // batch_size), loss=make_loss(recipe), metrics=["accuracy"])
    timer = Timer()
    model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=0, callbacks=[timer])
    return len(x) / statistics.median(timer.times[1:])


def zoo_train(name, x, y, batch_size, epochs):
    import zoo
    from zoo.datasets import Dataset

    data = Dataset(name="bench", task="image-classification", class_names=[str(i) for i in range(10)],
                   input_shape=x.shape[1:], train=(x, y))
    with tempfile.TemporaryDirectory() as run_dir:
        result = zoo.train(name, data, epochs=epochs, batch_size=batch_size, run_dir=run_dir, verbose=0,
                           augmentation=())
    return len(x) / statistics.median(result.history["epoch_time"][1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    import tensorflow as tf

    rows = []
    for name, shape, n, batch_size in CASES:
        rng = np.random.default_rng(0)
        x = rng.random((n, *shape), dtype=np.float32)
        y = rng.integers(0, 10, n)
        plain, ours = 0.0, 0.0
        for _ in range(args.rounds):  # interleaved, best of each: the CPU is shared, noise only slows a run down
            plain = max(plain, plain_fit(name, x, y, batch_size, args.epochs))
            ours = max(ours, zoo_train(name, x, y, batch_size, args.epochs))
        rows.append(f"| {name} | {shape} | {n} | {batch_size} | {plain:,.0f} | {ours:,.0f} | {ours / plain:.2f} |")
        print(rows[-1], flush=True)
    print(f"\n{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, TensorFlow {tf.__version__}, "
          f"{args.epochs} epochs, median of epochs 2..{args.epochs}, best of {args.rounds} interleaved rounds\n")
    print("| model | input | images | batch | model.fit img/s | zoo.train img/s | ratio |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
