"""zoo.hypermodel and zoo.tune: search spaces from the plugins, recipes, outputs, bad input.

Data: scikit-learn's 8x8 digits, upsampled to 24x24 and padded to 28x28x1 (LeNet's smallest input).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import zoo
from conftest import ROOT, make_plugin, run_python, run_zoo

SHAPE = (28, 28, 1)


def digits(n: int = 200):
    """(x, y): the first ``n`` scikit-learn digits as 28x28x1 float32 images in [0, 1]."""
    from sklearn.datasets import load_digits

    data = load_digits()
    x = np.kron(data.images[:n], np.ones((3, 3)))[..., None] / 16.0
    return np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0))).astype("float32"), data.target[:n]


def test_import_zoo_does_not_import_keras_tuner():
    result = run_python("""
        import sys, zoo
        zoo.hypermodel, zoo.tune
        from zoo.cli import build_parser
        build_parser()
        print(sorted(m for m in ("keras_tuner", "keras", "tensorflow") if m in sys.modules))
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_empty_hp_builds_the_default_variant_with_prefixed_names():
    import keras_tuner as kt

    hp = kt.HyperParameters()
    model = zoo.hypermodel("lenet5", num_classes=10, input_shape=SHAPE).build(hp)
    default = zoo.get("lenet5", num_classes=10, input_shape=SHAPE)
    assert model.count_params() == default.count_params()
    assert [layer.__class__ for layer in model.layers] == [layer.__class__ for layer in default.layers]
    assert set(hp.values) == {
        "architecture",
        *(f"lenet5/{name}" for name in ("activation", "subsampling", "filters_c1", "filters_c3", "units_f5",
                                        "units_f6", "dropout")),
        *(f"lenet5/train/{name}" for name in ("lr", "weight_decay", "label_smoothing", "batch_size", "optimizer")),
    }
    from zoo.training.driver import recipe_for

    recipe = recipe_for(zoo.registry.loader.get_registry().architectures["lenet5"])  # the family's recipe
    assert hp["lenet5/train/lr"] == recipe.lr and hp["lenet5/train/batch_size"] == recipe.batch_size
    assert model.optimizer.__class__.__name__.lower() == recipe.optimizer


def test_values_reach_the_model_and_the_compiled_recipe():
    import keras_tuner as kt

    hp = kt.HyperParameters()
    hp.values.update({"architecture": "lenet5", "lenet5/activation": "relu", "lenet5/filters_c1": 8,
                      "lenet5/subsampling": "max", "lenet5/train/optimizer": "sgd", "lenet5/train/lr": 0.005,
                      "lenet5/train/label_smoothing": 0.1})
    model = zoo.hypermodel("lenet5", num_classes=3, input_shape=SHAPE).build(hp)
    assert model.get_layer("conv1").filters == 8
    assert model.get_layer("conv1").activation.__name__ == "relu"
    assert model.get_layer("pool1").__class__.__name__ == "MaxPooling2D"
    assert model.output_shape == (None, 3)
    assert model.optimizer.__class__.__name__ == "SGD"
    assert np.isclose(float(model.optimizer.learning_rate), 0.005)
    assert model.optimizer.momentum == 0.9  # SGD chosen over an Adam recipe gets momentum


def test_model_args_are_fixed_over_the_space():
    import keras_tuner as kt

    hp = kt.HyperParameters()
    model = zoo.hypermodel("lenet5", num_classes=10, input_shape=SHAPE, model_args={"activation": "relu"}).build(hp)
    assert hp["lenet5/activation"] == "tanh" and model.get_layer("conv1").activation.__name__ == "relu"
    with pytest.raises(ValueError, match="depth=3 is not an argument of lenet5"):
        zoo.hypermodel("lenet5", num_classes=10, input_shape=SHAPE, model_args={"depth": 3})


def test_tune_training_false_keeps_the_recipe():
    import keras_tuner as kt

    hp = kt.HyperParameters()
    zoo.hypermodel("lenet5", num_classes=10, input_shape=SHAPE, tune_training=False).build(hp)
    assert not [name for name in hp.values if "/train/" in name]


def test_bad_input(tmp_path):
    x, y = digits(200)
    with pytest.raises(ValueError, match=r"pattern 'nomatch\*' matches no architecture; the registered ones are: .*lenet5"):
        zoo.hypermodel("nomatch*", num_classes=10, input_shape=SHAPE)
    with pytest.raises(zoo.UnknownModelError, match="lenet5"):
        zoo.hypermodel("lenet4", num_classes=10, input_shape=SHAPE)
    with pytest.raises(ValueError, match=r"no architecture matched by 'lenet\*' can take .*lenet5 .*at least 28"):
        zoo.hypermodel("lenet*", num_classes=10, input_shape=(16, 16, 1))
    with pytest.raises(ValueError, match="max_trials=0 is not allowed"):
        zoo.tune("lenet5", (x, y), max_trials=0, directory=tmp_path)
    with pytest.raises(ValueError, match="tuner='grid' is not allowed"):
        zoo.tune("lenet5", (x, y), tuner="grid", max_trials=1, directory=tmp_path)
    with pytest.raises(ValueError, match="objective='val_f1' is not reported by the models: they report "
                                         "accuracy, loss, val_accuracy, val_loss"):
        zoo.tune("lenet5", (x, y), max_trials=1, objective="val_f1", directory=tmp_path)
    with pytest.raises(ValueError, match="distributed=True needs the environment variables"):
        zoo.tune("lenet5", (x, y), max_trials=1, distributed=True, directory=tmp_path)
    assert not list(tmp_path.iterdir())  # nothing ran


@pytest.mark.slow
def test_tune_writes_best_model_hyperparameters_and_card(tmp_path, capsys):
    import keras

    result = zoo.tune("lenet5", "digits", tuner="random", max_trials=2, epochs=1, directory=tmp_path,
                      project_name="p", seed=0, verbose=0)
    out = capsys.readouterr().out
    assert "rank  trial  architecture  val_accuracy  hyperparameters" in out
    assert len(result.trials) == 2 and result.trials[0]["score"] >= result.trials[1]["score"]
    assert result.path == tmp_path / "p" / "best"

    best = json.loads((result.path / "best.json").read_text())
    assert best == json.loads(json.dumps(result.best))
    assert best["architecture"] == "lenet5" and best["objective"]["name"] == "val_accuracy"
    assert set(best["arguments"]) == {"activation", "subsampling", "filters", "units", "dropout"}
    zoo.TrainingRecipe().override(**best["recipe"])  # the recipe part is valid overrides
    rebuilt = zoo.get(best["architecture"], num_classes=best["num_classes"], input_shape=tuple(best["input_shape"]),
                      **best["arguments"])

    model = keras.saving.load_model(result.path / "model.keras")
    assert model.count_params() == rebuilt.count_params()
    assert model.input_shape == (None, 32, 32, 1) == (None, *best["input_shape"])  # 8x8 digits resized, as zoo.train does
    assert model.predict(np.zeros((4, 32, 32, 1)), verbose=0).shape == (4, 10)
    card = (result.path / "model_card.md").read_text()
    assert "# lenet5, tuned on digits" in card and "val_accuracy" in card


PLUGIN = """
    import zoo

    @zoo.hookimpl
    def zoo_register_architectures(registry):
        for name, size in (("tinymlp", None), ("bigonly", 64)):
            registry.add(zoo.Architecture(name=name, family="tinymlp", build="tinymlp_net:build",
                                          defaults={"units": 16, "activation": "relu"}, input_shape=(28, 28, 1),
                                          min_input_size=size, num_classes=10))

    @zoo.hookimpl
    def zoo_training_recipe(architecture):
        if architecture.family == "tinymlp":
            return zoo.TrainingRecipe(lr=0.01, batch_size=16)

    @zoo.hookimpl
    def zoo_hyperparameters(architecture, hp):
        if architecture.family == "tinymlp":
            return {"units": hp.Int("units", 8, 32, step=8, default=16)}
"""

NET = """
    import keras

    def build(*, num_classes, input_shape, include_top, pooling, units, activation):
        inputs = keras.Input(input_shape)
        x = keras.layers.Dense(units, activation=activation)(keras.layers.Flatten()(inputs))
        return keras.Model(inputs, keras.layers.Dense(num_classes, activation="softmax", name="predictions")(x))
"""


@pytest.mark.slow
def test_third_party_space_and_architecture_search(tmp_path):
    root = make_plugin(tmp_path / "site", "zoo-tinymlp", {"tinymlp": "tinymlp_plugin"},
                       {"tinymlp_plugin": PLUGIN, "tinymlp_net": NET})
    code = f"""
        import warnings
        from test_tuning import digits
        import keras_tuner as kt, zoo

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            hm = zoo.hypermodel(["lenet5", "tiny*", "bigonly"], num_classes=10, input_shape=(28, 28, 1))
        print("WARN", [str(w.message) for w in caught if "left out" in str(w.message)])
        print("ARCHS", list(hm.architectures))
        hp = kt.HyperParameters()
        hp.values["architecture"] = "tinymlp"
        hm.build(hp)
        print("TINY", hp.values["tinymlp/units"], hp.values["tinymlp/train/lr"], hp.values["tinymlp/train/batch_size"])
        result = zoo.tune(["lenet5", "tinymlp"], digits(200), tuner="random", max_trials=4, epochs=1,
                          directory={str(tmp_path / "run")!r}, seed=3, verbose=0)
        for trial in result.tuner.oracle.trials.values():
            print("TRIAL", trial.hyperparameters.values["architecture"], sorted(trial.hyperparameters.values))
    """
    result = run_python(code, pythonpath=[root, ROOT / "tests"])
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    warn = next(line for line in lines if line.startswith("WARN"))
    assert "bigonly" in warn and "at least 64" in warn and "tinymlp (" not in warn
    assert "ARCHS ['lenet5', 'tinymlp']" in lines
    assert "TINY 16 0.01 16" in lines
    trials = [line.split(" ", 2)[1:] for line in lines if line.startswith("TRIAL")]
    assert len(trials) == 4
    for arch, names in trials:  # only the chosen architecture's parameters are active and recorded
        names = eval(names)
        assert {name.split("/")[0] for name in names} == {"architecture", arch}


def test_fine_tuning_trains_the_head_then_everything_at_the_tuned_rates(tmp_path):
    import keras
    import keras_tuner as kt

    weights = tmp_path / "lenet5_digits.weights.h5"
    zoo.get("lenet5", num_classes=10, input_shape=(32, 32, 1)).save_weights(weights)
    hm = zoo.hypermodel("lenet5", num_classes=10, input_shape=(32, 32, 1), pretrained=str(weights))
    hp = kt.HyperParameters()
    hp.values.update({"lenet5/finetune/head_epochs": 1, "lenet5/finetune/epochs": 1,
                      "lenet5/finetune/head_lr": 0.005, "lenet5/finetune/lr": 0.0002})
    model = hm.build(hp)
    assert not [name for name in hp.values if name.startswith("lenet5/") and "/" not in name[7:]]  # arguments fixed
    loaded = zoo.get("lenet5", num_classes=10, input_shape=(32, 32, 1), pretrained=str(weights))
    conv1 = loaded.get_layer("conv1").get_weights()[0]
    np.testing.assert_array_equal(model.get_layer("conv1").get_weights()[0], conv1)

    seen = []

    class Watch(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            seen.append(("lr", epoch, round(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)), 6)))

        def on_epoch_end(self, epoch, logs=None):
            changed = not np.array_equal(self.model.get_layer("conv1").get_weights()[0], conv1)
            seen.append(("conv1 changed", epoch, changed))

    history = hm.fit(hp, model, zoo.datasets.load("digits"), callbacks=[Watch()], verbose=0)
    assert seen == [("lr", 0, 0.005), ("conv1 changed", 0, False), ("lr", 1, 0.0002), ("conv1 changed", 1, True)]
    assert len(history.history["val_accuracy"]) == 2 and history.epoch == [0, 1]
    assert all(layer.trainable for layer in model.layers)


def test_cli_bad_input_is_one_line_and_exit_2(tmp_path):
    result = run_zoo("tune", "nomatch*", "--data", "digits", "--directory", str(tmp_path))
    assert result.returncode == 2 and "zoo tune: error: pattern 'nomatch*' matches no architecture" in result.stderr
    result = run_zoo("tune", "lenet5", "--data", "digits", "--max-trials", "0")
    assert result.returncode == 2 and "max_trials=0 is not allowed" in result.stderr
    result = run_zoo("tune", "lenet5", "--data", "digits", "--distributed")
    assert result.returncode == 2 and "missing: KERASTUNER_TUNER_ID" in result.stderr
    result = run_zoo("train", "lenet5", "--data", "digits", "--hparams", str(tmp_path / "best.json"))
    assert result.returncode == 2 and "no such file" in result.stderr
    (tmp_path / "best.json").write_text(json.dumps({"architecture": "resnet18", "arguments": {}, "recipe": {}}))
    result = run_zoo("train", "lenet5", "--data", "digits", "--hparams", str(tmp_path / "best.json"))
    assert result.returncode == 2 and "was tuned for 'resnet18', not 'lenet5'" in result.stderr
    assert "Traceback" not in result.stderr


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


@pytest.mark.parametrize("name", zoo.list())
def test_every_search_space_defaults_to_the_default_variant(name):
    """A hook called with an empty ``hp`` returns only the architecture's arguments, at their defaults."""
    import keras_tuner as kt

    registry = zoo.registry.loader.get_registry()
    arch = registry.architectures[name]
    hp = kt.HyperParameters()
    with hp.name_scope(name):
        arguments = registry.manager.hook.zoo_hyperparameters(architecture=arch, hp=hp) or {}
    assert set(arguments) <= set(arch.defaults), f"{name}: not arguments of the architecture"
    assert {k: _plain(v) for k, v in arguments.items()} == {k: _plain(arch.defaults[k]) for k in arguments}
    assert all(key.startswith(f"{name}/") for key in hp.values)


def test_each_execution_of_a_trial_is_a_run_of_its_own(tmp_path):
    """executions_per_trial=2: the second execution trains in run-2/ instead of resuming the first's finished run."""
    import keras_tuner as kt

    x, y = digits(120)
    hypermodel = zoo.hypermodel("lenet5", num_classes=10, input_shape=SHAPE, tune_training=False)
    tuner = kt.RandomSearch(hypermodel, objective="val_accuracy", max_trials=1, executions_per_trial=2, seed=1,
                            directory=tmp_path, project_name="p")
    tuner.search(x[:96], y[:96], validation_data=(x[96:], y[96:]), epochs=1, verbose=0)
    (trial,) = tuner.oracle.trials.values()
    trial_dir = tmp_path / "p" / f"trial_{trial.trial_id}"
    cards = [json.loads((trial_dir / name / "card.json").read_text()) for name in ("run", "run-2")]
    assert [card["epochs"] for card in cards] == [1, 1]
    assert [card["seed"] for card in cards] == [0, 1]
    assert cards[0]["hash"] != cards[1]["hash"]  # two trainings, not one resumed
    for name in ("run", "run-2"):
        assert len((trial_dir / name / "log.csv").read_text().splitlines()) == 2  # header + the one epoch
