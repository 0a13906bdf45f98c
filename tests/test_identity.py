"""A model's identity travels with it: every door applies a tag's (or a run's) preprocessing, resize and
class names, and contradictions are errors (issue 11's findings, one regression test each).

The central fixture is ``lenet5.scaled``: the shipped ``lenet5.mnist5k`` file with its first kernel divided by
100, registered with ``preprocessing: {scale: 100/255}``. It is the same function as the shipped tag, so every
door must reach the shipped accuracy (97.6% on the 1,000 held-out mnist5k digits); a door that feeds it
``/255`` pixels scores about 10%.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

import zoo
import zoo.registry.loader
import zoo.registry.request
from conftest import ROOT, run_zoo, shipped_weights
from zoo.records.identity import ModelIdentity

SHIPPED_ACCURACY = 0.976
DATA = ROOT / "tests" / "data"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def scaled_files(tmp_path_factory):
    """The scaled LeNet file in a mirror directory, and a catalog registering it."""
    root = tmp_path_factory.mktemp("scaled")
    model = zoo.get("lenet5", input_shape=(28, 28, 1))
    model.load_weights(ROOT / "plugins" / "weights" / "lenet5_mnist5k.weights.h5")
    kernel, bias = model.get_layer("conv1").get_weights()
    model.get_layer("conv1").set_weights([kernel / 100.0, bias])
    mirror = root / "mirror"
    mirror.mkdir()
    path = mirror / "lenet5_scaled.weights.h5"
    model.save_weights(path)
    catalog = root / "catalog.yaml"
    catalog.write_text(yaml.safe_dump({"weights": {"lenet5.scaled": {
        "file_name": path.name, "hash": sha256(path), "num_classes": 10,
        "class_names": [str(i) for i in range(10)], "input_shape": [28, 28, 1],
        "preprocessing": {"scale": 100 / 255}, "source": "test: lenet5.mnist5k with conv1's kernel / 100",
    }}}))
    return {"ZOO_REGISTRY": str(catalog), "ZOO_WEIGHTS_PATH": str(mirror), "ZOO_OFFLINE": "1"}


@pytest.fixture
def scaled(scaled_files, monkeypatch):
    for key, value in scaled_files.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(zoo.registry.loader, "_registry", None)
    return scaled_files


@pytest.fixture(scope="module")
def digit_pngs(tmp_path_factory):
    """Ten held-out mnist5k digits as PNG files, and their labels."""
    from PIL import Image

    x, y = zoo.datasets.load("mnist5k", split="test")
    root = tmp_path_factory.mktemp("pngs")
    paths = []
    for i in range(10):
        path = root / f"digit{i}.png"
        Image.fromarray(x[i, :, :, 0]).save(path)
        paths.append(str(path))
    return paths, y[:10]


def accuracy(model, prep, x, y) -> float:
    probabilities = model.predict(prep(x.astype("float32")), verbose=0)
    return float(np.mean(np.argmax(probabilities, -1) == y))


def predicted(stdout: str) -> list[str]:
    """The top label of each line ``FILE: LABEL p%, ...`` that ``zoo predict`` prints."""
    return [line.split(": ", 1)[1].split(" ")[0] for line in stdout.strip().splitlines()]


# --- every door gives the same answers -----------------------------------------------------------


def test_python_door_reaches_the_shipped_accuracy(scaled):
    x, y = zoo.datasets.load("mnist5k", split="test")
    model = zoo.get("lenet5.scaled", pretrained=True)
    assert accuracy(model, zoo.preprocessing("lenet5.scaled"), x, y) == pytest.approx(SHIPPED_ACCURACY, abs=1e-3)


@pytest.mark.slow
def test_cli_evaluate_and_predict_apply_the_tags_preprocessing(scaled, digit_pngs):
    result = run_zoo("evaluate", "lenet5.scaled", "--data", "mnist5k", env=scaled)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("test accuracy: 97.60%, top-5 ") and "(1000 examples of mnist5k)" in result.stdout

    paths, labels = digit_pngs
    result = run_zoo("predict", "lenet5.scaled", *paths, "--top", "1", env=scaled)
    assert result.returncode == 0, result.stderr
    model = zoo.get("lenet5.scaled", pretrained=True)
    x, _ = zoo.datasets.load("mnist5k", split="test")
    expected = np.argmax(model.predict(zoo.preprocessing("lenet5.scaled")(x[:10].astype("float32")), verbose=0), -1)
    assert predicted(result.stdout) == [str(i) for i in expected]
    assert np.mean(expected == labels) >= 0.9


@pytest.mark.slow
def test_fine_tuning_a_tag_keeps_its_preprocessing_and_the_run_is_a_door(scaled, digit_pngs, tmp_path):
    run_dir = tmp_path / "run"
    result = run_zoo("train", "lenet5.scaled", "--data", "mnist5k", "--epochs", "1", "--lr", "1e-7",
                     "--set", "augmentation=[]", "--run-dir", str(run_dir), env=scaled)
    assert result.returncode == 0, result.stderr
    tuned = float(result.stdout.split("test accuracy: ")[1].split("%")[0]) / 100
    assert tuned == pytest.approx(SHIPPED_ACCURACY, abs=0.01)  # a learning rate of 1e-7 changes nothing much
    card = json.loads((run_dir / "card.json").read_text())
    assert card["preprocessing"] == {"scale": 100 / 255} and card["pretrained"] == "lenet5.scaled"
    assert card["arguments"]["activation"] == "tanh" and card["dataset"] == "mnist5k"

    for door in ([str(run_dir)], [str(run_dir / "card.json")], ["lenet5", "--weights", str(run_dir / "best.weights.h5")]):
        evaluated = run_zoo("evaluate", *door, "--data", "mnist5k", env=scaled)
        assert evaluated.returncode == 0, evaluated.stderr
        assert f"test accuracy: {tuned:.2%}" in evaluated.stdout

    paths, _ = digit_pngs
    result = run_zoo("predict", str(run_dir), *paths, "--top", "1", env=scaled)
    assert result.returncode == 0, result.stderr
    model, identity = zoo.weights.pretrained.build(zoo.registry.request.locate(run_dir))
    x, _ = zoo.datasets.load("mnist5k", split="test")
    expected = np.argmax(model.predict(zoo.preprocessing(identity)(x[:10].astype("float32")), verbose=0), -1)
    assert predicted(result.stdout) == [str(i) for i in expected]


def test_prediction_resizes_images_as_training_does(tmp_path):
    """An 8x8 digit file into the 32x32 lenet5: the same pixels as the input pipeline makes of the array."""
    from PIL import Image

    from zoo.datasets import pipeline as inputs
    from zoo.inference.evaluation import read_inputs

    x, y = zoo.datasets.load("digits", split="test")
    path = tmp_path / "digit.png"
    Image.fromarray(x[0, :, :, 0]).save(path)
    model = zoo.get("lenet5")
    identity = ModelIdentity(architecture="lenet5", arguments={}, num_classes=10, input_shape=(32, 32, 1),
                             preprocessing={"scale": 1 / 255})
    from_file = np.asarray(read_inputs([str(path)], model, identity))
    batch = next(iter(inputs.pipeline((x[:1], y[:1]), model, batch_size=1, preprocessing=identity.preprocessing)))
    np.testing.assert_array_equal(from_file, np.asarray(batch[0]))


@pytest.mark.slow
def test_predict_with_an_imagenet_tag_prints_imagenet_names(tmp_path, monkeypatch):
    """A 1000-class tag with ``class_names: imagenet`` (random MobileNet weights at 32x32): names, not indices."""
    from PIL import Image

    from zoo.records.identity import imagenet_classes

    model = zoo.get("mobilenet", alpha=0.25, input_shape=(32, 32, 3))
    path = tmp_path / "mobilenet_test.weights.h5"
    model.save_weights(path)
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(yaml.safe_dump({"weights": {"mobilenet.test": {
        "file_name": path.name, "hash": sha256(path), "num_classes": 1000, "class_names": "imagenet",
        "input_shape": [32, 32, 3], "arguments": {"alpha": 0.25}, "preprocessing": {"mode": "tf"}}}}))
    image = tmp_path / "photo.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (40, 50, 3), dtype=np.uint8)).save(image)
    result = run_zoo("predict", "mobilenet.test", str(image), "--top", "3",
                     env={"ZOO_REGISTRY": str(catalog), "ZOO_WEIGHTS_PATH": str(tmp_path), "ZOO_OFFLINE": "1"})
    assert result.returncode == 0, result.stderr
    names = {name for _, name in imagenet_classes()}
    shown = [part.strip().rsplit(" ", 1)[0] for part in result.stdout.split(": ", 1)[1].split(",")]
    assert len(shown) == 3 and all(name in names for name in shown), result.stdout


# --- the identity is recorded, with its arguments effective -------------------------------------


@pytest.fixture
def mobilenet_tag(tmp_path, monkeypatch):
    """``mobilenet.imagenet_025_128`` (alpha 0.25) from a file the test makes, as keras.applications publishes."""
    import keras

    from test_weights import write_legacy_h5

    keras.utils.set_random_seed(3)
    reference = keras.applications.MobileNet(weights=None, alpha=0.25, input_shape=(128, 128, 3))
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    shipped = shipped_weights()["mobilenet.imagenet_025_128"]
    path = mirror / shipped["file_name"]
    write_legacy_h5(reference, path)
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(yaml.safe_dump({"weights": {"mobilenet.imagenet_025_128": {
        **shipped, "hash": hashlib.md5(path.read_bytes()).hexdigest(), "hash_algorithm": "md5", "urls": []}}}))
    env = {"ZOO_REGISTRY": str(catalog), "ZOO_WEIGHTS_PATH": str(mirror), "ZOO_OFFLINE": "1"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(zoo.registry.loader, "_registry", None)
    return env


def tiny_color_folder(root: Path, n: int = 6) -> Path:
    from PIL import Image

    rng = np.random.default_rng(0)
    for label in ("a", "b"):
        (root / label).mkdir(parents=True)
        for i in range(n):
            Image.fromarray(rng.integers(0, 255, (24, 20, 3), dtype=np.uint8)).save(root / label / f"{i}.png")
    return root


@pytest.mark.slow
def test_a_fine_tuned_mobilenet_card_keeps_alpha_and_evaluates(mobilenet_tag, tmp_path):
    data = tiny_color_folder(tmp_path / "photos")
    run_dir = tmp_path / "run"
    result = zoo.train("mobilenet.imagenet_025_128", str(data), epochs=1, batch_size=4, run_dir=run_dir, verbose=0)
    card = json.loads(result.card.read_text())
    assert card["arguments"]["alpha"] == 0.25 and card["arguments"]["depth_multiplier"] == 1
    assert card["pretrained"] == "mobilenet.imagenet_025_128" and card["preprocessing"] == {"mode": "tf"}
    assert card["input_shape"] == [128, 128, 3] and card["class_names"] == ["a", "b"]
    evaluated = run_zoo("evaluate", "mobilenet", "--weights", str(result.weights), "--data", str(data),
                        "--split", "validation", env=mobilenet_tag)
    assert evaluated.returncode == 0, evaluated.stderr
    assert "validation accuracy: " in evaluated.stdout


@pytest.mark.slow
def test_a_card_written_before_identity_version_2_still_works(tmp_path, monkeypatch):
    """tests/data/card_v1.json was written by `zoo train lenet5 --data digits --arg activation=relu` before
    cards recorded effective arguments; it is read with today's defaults."""
    run_dir = tmp_path / "old"
    run_dir.mkdir()
    model = zoo.get("lenet5", activation="relu")
    model.save_weights(run_dir / "best.weights.h5")
    card = json.loads((DATA / "card_v1.json").read_text())
    card["hash"] = sha256(run_dir / "best.weights.h5")
    (run_dir / "card.json").write_text(json.dumps(card))
    shutil.copy(DATA / "run_v1.json", run_dir / "run.json")

    identity = zoo.registry.request.locate(run_dir)
    assert identity.arguments["activation"] == "relu" and identity.arguments["subsampling"] == "avg"
    assert identity.num_classes == 10 and identity.input_shape == (32, 32, 1)
    assert identity.preprocessing == {"scale": 1 / 255} and identity.pretrained is None
    loaded = zoo.get("lenet5", pretrained=str(run_dir / "best.weights.h5"))
    assert loaded.get_layer("conv1").activation.__name__ == "relu"
    result = run_zoo("evaluate", str(run_dir), "--data", "digits")
    assert result.returncode == 0 and "test accuracy: " in result.stdout, result.stderr
    tag = zoo.weights.pretrained.import_weights(run_dir / "best.weights.h5", "lenet5.old")
    assert tag.arguments["activation"] == "relu" and tag.arguments["units"] == [120, 84]  # effective, stored
    assert zoo.get("lenet5.old", pretrained=True).get_layer("conv1").activation.__name__ == "relu"
    # the old run.json recorded only architecture and dataset: resuming the same model there is allowed
    from zoo.training.runs import Run
    from zoo.registry.request import resolve
    from zoo.training.driver import plan_request

    digits = zoo.datasets.load("digits")
    Run(run_dir).start(plan_request(resolve("lenet5"), digits, model_args={"activation": "relu"}).identity, resume=True)


# --- contradictions are errors, before anything is downloaded -------------------------------------


@pytest.mark.parametrize("kwargs, message", [
    ({"activation": "relu"}, "activation='relu' is not allowed with weights lenet5.test, which were trained with "
                             "activation='tanh'"),
    ({"subsampling": "max"}, "subsampling='max' is not allowed with weights lenet5.test, which were trained with "
                             "subsampling='avg'"),
    ({"num_classes": 0}, "num_classes=0 is not allowed: it must be a positive integer"),
    ({"activation": "gelu"}, "activation='gelu' is not allowed"),
    ({"filters": (8, 16)}, "filters=(8, 16) is not allowed with weights lenet5.test"),
])
def test_contradicting_arguments_fail_before_any_download(lenet_tag, server, kwargs, message):
    """``lenet5.test`` has no ``arguments`` field: it is compared with the architecture's defaults."""
    with pytest.raises(ValueError) as error:
        zoo.get("lenet5.test", pretrained=True, **kwargs)
    assert message in str(error.value)
    assert sum(server.requests.values()) == 0


def test_arguments_that_do_not_change_the_weights_may_differ(lenet_tag, server):
    model = zoo.get("lenet5.test", pretrained=True, dropout=0.3, classifier_activation=None, num_classes=4)
    assert model.get_layer("head_dropout").rate == 0.3 and model.output_shape == (None, 4)
    with pytest.raises(ValueError, match="no weights of lenet5 were trained with activation='relu'"):
        zoo.get("lenet5", pretrained=True, activation="relu")


def test_shipped_tag_with_relu_is_refused_naming_both_values(monkeypatch):
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    with pytest.raises(ValueError, match="activation='relu' is not allowed with weights lenet5.mnist5k, which were "
                                         "trained with activation='tanh'"):
        zoo.get("lenet5.mnist5k", pretrained=True, activation="relu")
    fashion = zoo.get("lenet5", pretrained=True, activation="relu", subsampling="max")  # the tag trained so
    assert fashion.get_layer("pool1").__class__.__name__ == "MaxPooling2D"


@pytest.mark.slow
def test_a_weights_file_that_does_not_fit_is_one_line(tmp_path):
    other = zoo.get("lenet5", filters=(8, 16))
    path = tmp_path / "other.weights.h5"
    other.save_weights(path)
    result = run_zoo("evaluate", "lenet5", "--weights", str(path), "--data", "digits")
    assert result.returncode == 2
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in result.stderr
    assert str(path) in line and "layer 'conv1' (Conv2D) has weight shapes [(5, 5, 1, 6), (6,)] in the model but " \
                                  "[(5, 5, 1, 8), (8,)] in the file" in line
    garbage = tmp_path / "garbage.weights.h5"
    garbage.write_bytes(b"not hdf5" * 100)
    result = run_zoo("evaluate", "lenet5", "--weights", str(garbage), "--data", "digits")
    assert result.returncode == 2 and "not a weights file" in result.stderr and "Traceback" not in result.stderr


# --- resuming another model is an error naming what differs -------------------------------------


@pytest.mark.slow
def test_resuming_a_run_with_other_arguments_exits_2_naming_both_values(tmp_path):
    run_dir = tmp_path / "run"
    common = ["train", "lenet5", "--data", "digits", "--epochs", "1", "--run-dir", str(run_dir)]
    first = run_zoo(*common)
    assert first.returncode == 0, first.stderr
    weights = (run_dir / "best.weights.h5").read_bytes()
    second = run_zoo(*common, "--arg", "activation=relu")
    assert second.returncode == 2, second.stderr
    line = second.stderr.strip()
    assert "\n" not in line and "Traceback" not in second.stderr
    assert "arguments.activation='tanh', not 'relu'" in line and "--no-resume" in line and "--run-dir" in line
    assert (run_dir / "best.weights.h5").read_bytes() == weights  # the first run's weights are untouched
    fresh = run_zoo(*common, "--arg", "activation=relu", "--no-resume")
    assert fresh.returncode == 0, fresh.stderr
    assert json.loads((run_dir / "card.json").read_text())["arguments"]["activation"] == "relu"


@pytest.mark.parametrize("change, field", [
    ({"pretrained": "lenet5.mnist5k"}, "pretrained"),
    ({"dataset": "mnist5k"}, "dataset"),
    ({"input_shape": (28, 28, 1)}, "input_shape"),
    ({"preprocessing": {"scale": 100 / 255}}, "preprocessing"),
    ({"num_classes": 3}, "num_classes"),
])
def test_every_identity_field_of_a_run_is_checked_on_resume(tmp_path, change, field):
    from zoo.training.runs import Run, RunMismatchError

    recorded = ModelIdentity(architecture="lenet5", arguments=dict(zoo.info("lenet5").arguments), num_classes=10,
                             input_shape=(32, 32, 1), preprocessing={"scale": 1 / 255}, dataset="digits")
    run = Run(tmp_path / "run")
    run.start(recorded, resume=True)
    run.start(recorded.replace(**change), resume=True)  # no finished epoch: nothing to resume, the record replaced
    run.start(recorded, resume=True)
    run.checkpoint.mkdir()
    run.state.write_text('{"epoch": 1, "weights": "epoch-1.weights.h5"}')  # as a finished epoch leaves it
    with pytest.raises(RunMismatchError, match=f"holds a run with {field}="):
        run.start(recorded.replace(**change), resume=True)
    run.start(recorded, resume=True)  # the same model resumes
    run.start(recorded.replace(**change), resume=False)  # or start over


# --- one training driver -------------------------------------------------------------------------


def test_a_tuning_trial_trains_through_zoo_train_fit_early_stopping_included(tmp_path):
    """A recipe whose learning rate changes nothing (1e-30) and early stopping after one epoch without
    improvement: the trial stops after two of its five epochs, and leaves a run directory with a card."""
    import keras_tuner as kt

    from zoo.records.recipes import TrainingRecipe

    x, y = zoo.datasets.load("digits", split="train")
    hypermodel = zoo.hypermodel("lenet5", num_classes=10, input_shape=(32, 32, 1), tune_training=False)
    hypermodel.recipes["lenet5"] = TrainingRecipe(optimizer="sgd", lr=1e-30, epochs=5, batch_size=64,
                                                  early_stopping_patience=1)
    tuner = kt.RandomSearch(hypermodel, objective="val_accuracy", max_trials=1, directory=tmp_path,
                            project_name="p", seed=0)
    tuner.search(x[:600], y[:600], validation_data=(x[600:800], y[600:800]), verbose=0)
    trial = next(iter(tuner.oracle.trials.values()))
    run_dir = tmp_path / "p" / f"trial_{trial.trial_id}" / "run"
    card = json.loads((run_dir / "card.json").read_text())
    assert card["epochs"] == 2 and card["recipe"]["early_stopping_patience"] == 1
    assert card["architecture"] == "lenet5" and card["preprocessing"] == {"scale": 1 / 255}
    assert [row.split(",")[0] for row in (run_dir / "log.csv").read_text().splitlines()[1:]] == ["0", "1"]
    assert (run_dir / "checkpoint" / "state.json").is_file() and trial.status == "COMPLETED"
