"""zoo.train end to end on tiny data: run directory, resume, recipes, errors, and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

import zoo
from zoo.cli import main
from zoo.cli.train import key_values
from zoo.files import file_hash as sha256
from zoo.training.driver import resolve_recipe


def tiny_images(n=48, size=28, channels=1, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % classes
    x = rng.integers(0, 60, size=(n, size, size, channels)).astype(np.uint8)
    x[np.arange(n), (4 + 6 * y) % size] += 180  # a class-dependent bright row: learnable in a few steps
    return x, y


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("run") / "lenet"
    result = zoo.train("lenet5", tiny_images(), epochs=2, batch_size=16, run_dir=run_dir, verbose=0, lr=3e-3,
                       label_smoothing=0.1, schedule="step", warmup_epochs=1, augmentation=("flip", "crop", "translate"))
    return run_dir, result


def test_run_directory_holds_everything(first_run):
    run_dir, result = first_run
    assert result.run_dir == run_dir and result.epochs_run == 2
    for name in ("best.weights.h5", "card.json", "recipe.json", "run.json", "log.csv", "curves.png",
                 "checkpoint/state.json"):
        assert (run_dir / name).is_file(), name
    assert list((run_dir / "tensorboard").rglob("events.out.tfevents.*"))
    card = json.loads((run_dir / "card.json").read_text())
    assert card["hash"] == sha256(result.weights) and card["hash_algorithm"] == "sha256"
    assert card["architecture"] == "lenet5" and card["num_classes"] == 3
    assert card["arguments"] == {"activation": "tanh", "subsampling": "avg", "filters": [6, 16], "units": [120, 84],
                                 "dropout": 0.0, "classifier_activation": "softmax", "features": False,
                                 "out_indices": None}  # effective: defaults filled in
    assert card["preprocessing"] == {"scale": 1 / 255} and card["card_version"] == 2
    assert card["recipe"]["lr"] == 3e-3 and card["recipe"]["optimizer"] == "adam"  # LeNet's recipe, overridden
    assert card["seed"] == 0 and card["split"]["method"] == "stratified" and card["versions"]["keras"]
    assert set(card["metrics"]) == {"val_accuracy", "val_loss"}  # arrays have no test split: validation is used
    assert json.loads((run_dir / "recipe.json").read_text())["label_smoothing"] == 0.1
    assert (run_dir / "curves.png").read_bytes()[:4] == b"\x89PNG"
    assert len(result.history["loss"]) == 2 and "val_accuracy" in result.history


def test_weights_load_back_with_zoo_get(first_run):  # (before the resume below changes them)
    run_dir, result = first_run
    card = json.loads((run_dir / "card.json").read_text())
    model = zoo.get("lenet5", pretrained=str(result.weights), num_classes=3, input_shape=tuple(card["input_shape"]))
    for a, b in zip(model.get_weights(), result.model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_the_returned_model_holds_the_best_epochs_weights_not_the_last(tmp_path):
    result = zoo.train("lenet5", tiny_images(), epochs=3, batch_size=16, run_dir=tmp_path / "run", verbose=0,
                       lr=0.5, optimizer="sgd", augmentation=())
    state = json.loads((tmp_path / "run" / "checkpoint" / "state.json").read_text())
    assert state["best"]["epoch"] < state["epoch"] == 3  # validation accuracy peaked early
    best = zoo.get("lenet5", pretrained=str(result.weights), num_classes=3, input_shape=(28, 28, 1))
    for a, b in zip(best.get_weights(), result.model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_same_call_resumes_and_trains_only_the_missing_epochs(first_run):
    run_dir, _ = first_run
    result = zoo.train("lenet5", tiny_images(), epochs=3, batch_size=16, run_dir=run_dir, verbose=0, lr=3e-3,
                       label_smoothing=0.1, schedule="step", warmup_epochs=1, augmentation=("flip", "crop", "translate"))
    assert result.epochs_run == 1
    rows = (run_dir / "log.csv").read_text().splitlines()[1:]
    assert [row.split(",")[0] for row in rows] == ["0", "1", "2"]
    with pytest.raises(ValueError, match="architecture='lenet5'"):  # another model in the same run directory
        zoo.train("resnet20", tiny_images(size=32, channels=3), epochs=1, run_dir=run_dir, verbose=0)


def test_small_images_are_resized_to_what_the_model_takes(tmp_path):
    x, y = tiny_images(n=30, size=8)
    result = zoo.train("lenet5", (x, y), epochs=1, batch_size=16, run_dir=tmp_path / "r", verbose=0)
    assert result.model.input_shape == (None, 32, 32, 1)  # LeNet's minimum is 28: its default size is used


def test_tf_data_input(tmp_path):
    import tensorflow as tf

    x, y = tiny_images(n=32)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)
    result = zoo.train("lenet5", dataset, epochs=1, run_dir=tmp_path / "r", verbose=0)
    assert result.model.outputs[0].shape[-1] == 3 and result.history["loss"]


@pytest.mark.parametrize("data, kwargs, message", [
    ((np.zeros((20, 784), np.uint8), np.arange(20) % 2), {}, "lenet5 takes images of \\(height, width, channels\\)"),
    ((np.zeros((20, 28, 28, 2), np.uint8), np.arange(20) % 2), {"model_args": {"in_channels": 3}},
     "has 2 channels but the model takes 3"),
    (tiny_images(n=20), {"model_args": {"num_classes": 2}}, "label 2 outside \\[0, 2\\)"),
])
def test_bad_data_fails_before_training(tmp_path, data, kwargs, message):
    with pytest.raises(ValueError, match=message):
        zoo.train("lenet5", data, epochs=1, run_dir=tmp_path / "r", verbose=0, **kwargs)
    assert not (tmp_path / "r" / "checkpoint").exists()


def test_recipe_comes_from_the_plugin_and_takes_overrides():
    lenet = zoo.info("lenet5")
    from zoo.registry.loader import get_registry

    arch, _ = get_registry().resolve(lenet.name)
    assert resolve_recipe(arch).optimizer == "adam"
    assert resolve_recipe(arch, lr=0.5, epochs=None).lr == 0.5
    assert resolve_recipe(arch, {"optimizer": "sgd"}).optimizer == "sgd"
    assert resolve_recipe(None) == zoo.TrainingRecipe()
    with pytest.raises(ValueError, match="not a recipe field"):
        resolve_recipe(arch, learning_rate=0.1)
    with pytest.raises(ValueError, match="precision='fp8'"):
        zoo.train("lenet5", tiny_images(), precision="fp8")
    with pytest.raises(ValueError, match="strategy='tpu'"):
        zoo.train("lenet5", tiny_images(), strategy="tpu")


def test_cli_values_are_typed():
    assert key_values(["lr=0.1", "augmentation=[flip, crop]", "batch-size=8"], "--set") == {
        "lr": 0.1, "augmentation": ["flip", "crop"], "batch_size": 8}
    with pytest.raises(ValueError, match="--set NAME=VALUE"):
        key_values(["lr"], "--set")


def test_cli_train_evaluate_predict(tmp_path, capsys):
    from PIL import Image

    run_dir = tmp_path / "cli"
    assert main(["train", "lenet5", "--data", "digits", "--epochs", "1", "--run-dir", str(run_dir),
                 "--set", "batch_size=128"]) == 0
    out = capsys.readouterr().out
    assert "test accuracy: " in out and f"weights saved to {run_dir / 'best.weights.h5'}" in out
    assert "nothing was trained" not in out
    assert main(["train", "lenet5", "--data", "digits", "--epochs", "1", "--run-dir", str(run_dir),
                 "--set", "batch_size=128"]) == 0  # again: the run is complete, so it is only evaluated, and says so
    again = capsys.readouterr().out
    assert f"{run_dir} had already finished its 1-epoch run: nothing was trained" in again.splitlines()[0]
    assert again.splitlines()[1] == out.splitlines()[-3]  # the same test accuracy
    weights = str(run_dir / "best.weights.h5")
    plot = tmp_path / "confusion.png"
    assert main(["evaluate", "lenet5", "--weights", weights, "--data", "digits", "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "test accuracy: " in out and "359 examples of digits" in out and plot.read_bytes()[:4] == b"\x89PNG"
    image = tmp_path / "digit.png"
    Image.fromarray(zoo.datasets.load("digits").test[0][0, :, :, 0]).save(image)
    assert main(["predict", "lenet5", "--weights", weights, str(image), "--top", "2"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"{image}: ") and line.count("%") == 2
    assert main(["predict", "lenet5", str(image)]) == 2  # no weights: a one-line error
    assert "pass --weights FILE" in capsys.readouterr().err


def test_mirrored_strategy_trains_with_model_fit(tmp_path):
    result = zoo.train("lenet5", tiny_images(n=32), epochs=1, batch_size=16, run_dir=tmp_path / "r",
                       strategy="mirrored", verbose=0)
    card = json.loads(result.card.read_text())
    assert card["strategy"] == "mirrored" and card["precision"] == "float32" and result.history["loss"]


def test_fine_tune_a_shipped_tag_on_other_data(tmp_path):
    x, y = zoo.datasets.load("digits").test  # 8x8 digits into the 28x28 model of lenet5.mnist5k: resized
    result = zoo.train("lenet5.mnist5k", (x, y), epochs=1, run_dir=tmp_path / "r", verbose=0, lr=1e-4)
    assert result.model.input_shape == (None, 28, 28, 1)
    assert json.loads(result.card.read_text())["architecture"] == "lenet5"
    assert result.metrics["val_accuracy"] > 0.3  # pretrained on MNIST: far above chance at once


def test_the_progress_bar_counts_within_the_epoch_and_leaves_out_the_log_only_metrics(capfd):
    """6 steps run 4 at a time: Keras reports the second execution as ending at step 8 (keras-team/keras#20861);
    the zoo's bar stops at 6/6 and its epoch line has no ``epoch_time`` (which the run's log.csv keeps)."""
    import re
    import time

    import keras

    from zoo.training.progress import Progress

    class Slow(keras.callbacks.Callback):  # past Progbar's 0.05 s between updates, so that each one is printed
        def __init__(self):
            super().__init__()
            self.ends = []

        def on_train_batch_end(self, batch, logs=None):
            self.ends.append(batch)
            time.sleep(0.06)

    class Timed(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["epoch_time"] = 0.5

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse", steps_per_execution=4)
    slow = Slow()
    model.fit(np.zeros((6, 2)), np.zeros((6, 1)), batch_size=1, epochs=1, verbose=1,
              callbacks=[slow, Timed(), Progress()])
    assert slow.ends == [3, 7]  # Keras still counts past the epoch: when this fails, Progress's clamp can go
    out = capfd.readouterr().out
    counts = [int(n) for n in re.findall(r"(\d+)/6(?!\d)", out)]
    assert counts and max(counts) == 6 and "epoch_time" not in out and "loss" in out


def test_auto_precision_follows_the_device():
    from zoo.training.driver import auto_precision

    assert auto_precision(None) == "float32"
    assert auto_precision((7, 5)) == auto_precision((6, 1)) == "mixed_float16"  # Turing, Pascal
    assert auto_precision((8, 0)) == auto_precision((8, 6)) == auto_precision((9, 0)) == "mixed_bfloat16"  # A100, H100


def test_auto_precision_under_jax_asks_jax_not_tensorflow():
    from conftest import run_python

    result = run_python("""
        import sys
        from zoo.training.driver import resolve_precision
        print(resolve_precision("auto"), "tensorflow" in sys.modules)
    """, env={"KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["float32", "False"]


def test_evaluate_takes_a_folder_as_test_data_several_tags_and_writes_results(tmp_path, capsys):
    """A folder of digits given only to evaluate is all test data; a pattern evaluates every matching tag;
    --results writes CSV or JSON; a folder of some classes is matched to the model's classes by name."""
    import csv

    from PIL import Image

    x, y = zoo.datasets.load("mnist5k").test

    def folder(name, digits, each):
        for digit in digits:
            (tmp_path / name / str(digit)).mkdir(parents=True)
            for i in np.flatnonzero(y == digit)[:each]:
                Image.fromarray(x[i, :, :, 0]).save(tmp_path / name / str(digit) / f"{i}.png")
        return str(tmp_path / name)

    handwritten = folder("handwritten", range(10), 4)
    results = tmp_path / "results.csv"
    # fashion_mnist's classes are not the digits: that model is refused in one line, the others are evaluated
    assert main(["evaluate", "lenet5.*", "--data", handwritten, "--results", str(results)]) == 2
    out, err = capsys.readouterr()
    assert err.startswith("zoo evaluate: lenet5.fashion_mnist: error: data 'handwritten' has 10 classes")
    lines = out.splitlines()
    assert lines[0].startswith("lenet5.mnist5k  test accuracy: ") and ", top-5 " in lines[0]
    assert "(40 examples of handwritten)" in lines[0]
    rows = list(csv.DictReader(results.open()))
    assert [row["model"] for row in rows] == ["lenet5.mnist5k"]
    mnist = rows[0]
    assert mnist["examples"] == "40" and float(mnist["top1"]) >= 80 and float(mnist["top5"]) >= float(mnist["top1"])
    some = folder("some", (3, 7, 9), 10)  # sub-folders 3, 7 and 9 are the model's classes 3, 7 and 9
    assert main(["evaluate", "lenet5.mnist5k", "--data", some, "--results", str(tmp_path / "r.json")]) == 0
    assert capsys.readouterr().out.startswith("test accuracy: ")
    assert json.loads((tmp_path / "r.json").read_text())[0]["top1"] >= 80
    assert main(["evaluate", "lenet5.fashion_mnist", "--data", some]) == 2  # 3 of its 10 classes, named otherwise
    assert "lenet5.fashion_mnist has 10 (t-shirt/top, trouser, pullover, dress, coat, ...): its labels would be " \
        "compared with the model's outputs by index" in capsys.readouterr().err
    assert main(["evaluate", "lenet5.mnist5k", "--data", some, "--results", str(tmp_path / "r.txt")]) == 2
    assert "results='" in capsys.readouterr().err and not (tmp_path / "r.txt").exists()
    assert main(["evaluate", "nothing*", "--data", some]) == 2
    assert "matches no weight tag" in capsys.readouterr().err
