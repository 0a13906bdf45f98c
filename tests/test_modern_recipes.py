"""Modern recipe fields (issue 25): RandAugment, MixUp and CutMix, random erasing, a moving average of the
weights and stochastic depth, from Keras' own layers and optimizer options, on tiny data."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import zoo
from conftest import run_zoo
from zoo.registry.loader import get_registry
from zoo.training.driver import with_stochastic_depth
from zoo.weights.io import load_weights


def tiny_images(n=96, size=28, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % classes
    x = rng.integers(0, 60, size=(n, size, size, 1)).astype(np.uint8)
    x[np.arange(n), (4 + 6 * y) % size] += 180  # a class-dependent bright row: learnable in a few steps
    return x, y


# --- the fields and their checks -----------------------------------------------------------------

@pytest.mark.parametrize("field, value, allowed", [
    ("randaugment_ops", 12, "from 0 to 11"),
    ("randaugment_ops", 1.5, "from 0 to 11"),
    ("randaugment_magnitude", 0, r"\(0.0, 1.0\]"),
    ("mixup_alpha", -0.1, r"\[0.0, inf\)"),
    ("cutmix_alpha", float("nan"), "finite"),
    ("mix_prob", 1.5, r"\[0.0, 1.0\]"),
    ("mix_switch_prob", -1, r"\[0.0, 1.0\]"),
    ("erasing_prob", 2, r"\[0.0, 1.0\]"),
    ("erasing_area", [0.4, 0.1], "0 < low <= high < 1"),
    ("erasing_area", [0.1], "0 < low <= high < 1"),
    ("erasing_area", 0.3, "a list of two fractions"),
    ("ema_decay", 1.0, r"\(0.0, 1.0\)"),
    ("stochastic_depth", 1.0, r"\[0.0, 1.0\)"),
])
def test_each_field_refuses_a_bad_value_in_one_line_naming_it(field, value, allowed):
    with pytest.raises(ValueError, match=rf"^{re.escape(f'{field}={value!r}')} is not allowed: .*{allowed}") as caught:
        zoo.TrainingRecipe(**{field: value})
    assert "\n" not in str(caught.value)


def test_the_cli_sets_the_fields_and_exits_2_on_a_bad_one(tmp_path):
    bad = run_zoo("train", "lenet5", "--data", "digits", "--set", "mixup_alpha=-1", "--run-dir", str(tmp_path / "r"))
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.strip().splitlines() == [
        "zoo train: error: mixup_alpha=-1 is not allowed: it must be a finite number in [0.0, inf) (0 turns MixUp off)"]
    assert not (tmp_path / "r").exists()


def test_stochastic_depth_becomes_the_architectures_own_argument():
    registry = get_registry()
    convnext, lenet = registry.architectures["convnext_tiny"], registry.architectures["lenet5"]
    recipe = zoo.TrainingRecipe(stochastic_depth=0.3)
    assert with_stochastic_depth(convnext, recipe, None) == {"drop_path_rate": 0.3}
    assert with_stochastic_depth(convnext, recipe, {"drop_path_rate": 0.2}) == {"drop_path_rate": 0.2}  # named wins
    assert with_stochastic_depth(lenet, zoo.TrainingRecipe(), {"units": [8, 4]}) == {"units": [8, 4]}
    with pytest.raises(ValueError, match=r"^stochastic_depth=0.3 is not allowed: lenet5's blocks have none; "
                                         r"architectures with stochastic depth: convnext_base, "):
        with_stochastic_depth(lenet, recipe, None)
    with pytest.raises(ValueError, match="drop_path_rate.*must be one of its free_arguments"):
        zoo.Architecture(name="x", family="x", build="m:f", defaults={"drop_path_rate": 0.0},
                         stochastic_depth="drop_path_rate")


def test_the_families_state_their_papers_recipes_with_the_fields():
    architectures = get_registry().architectures
    tiny, small, xlarge = (architectures[f"convnext_{v}"].recipe for v in ("tiny", "small", "xlarge"))
    assert (tiny.randaugment_ops, tiny.randaugment_magnitude, tiny.mixup_alpha, tiny.cutmix_alpha, tiny.erasing_prob,
            tiny.ema_decay, tiny.label_smoothing) == (2, 0.9, 0.8, 1.0, 0.25, 0.9999, 0.1)
    assert (tiny.stochastic_depth, small.stochastic_depth, xlarge.stochastic_depth) == (0.1, 0.4, None)
    for name in ("efficientnetb0", "efficientnetb7", "efficientnetv2s"):
        recipe = architectures[name].recipe
        assert (recipe.stochastic_depth, recipe.ema_decay) == (0.2, 0.9999), name
        assert architectures[name].stochastic_depth == "drop_connect_rate"
    assert architectures["efficientnetv2s"].recipe.randaugment_ops == 2
    assert architectures["mobilenetv3large"].recipe.ema_decay == 0.9999
    assert architectures["mobilenetv3large"].stochastic_depth is None


# --- the augmentation ------------------------------------------------------------------------------

def augmentation(**fields):
    from zoo.datasets.augment import Augmentation

    return Augmentation(zoo.TrainingRecipe(**fields), (28, 28, 1), seed=3)


def pixels(n=16):
    import tensorflow as tf

    return tf.constant(tiny_images(n)[0].astype("float32"))


def test_randaugment_and_erasing_change_pixels_within_their_range():
    x = pixels()
    for fields in ({"randaugment_ops": 2, "randaugment_magnitude": 1.0}, {"erasing_prob": 1.0}):
        out = augmentation(**fields).images(x).numpy()
        assert out.shape == x.shape and out.min() >= 0 and out.max() <= 255, fields
        changed = np.abs(out - x.numpy()).reshape(len(out), -1).max(axis=1) > 0
        assert changed.mean() >= 0.5, fields
    erased = augmentation(erasing_prob=1.0, erasing_area=(0.1, 0.1)).images(x).numpy()
    fraction = (erased != x.numpy()).reshape(len(erased), -1).mean(axis=1)
    assert 0.02 < np.median(fraction) < 0.2  # about a tenth of each image


def test_randaugment_computes_only_the_drawn_operations_and_gives_keras_images():
    import keras
    import tensorflow as tf

    from zoo.datasets.augment import DrawnOperations

    x = tiny_images(24)[0].astype("float32")
    for ops, magnitude in ((2, 0.5), (3, 1.0)):
        keras_layer = keras.layers.RandAugment((0, 255), num_ops=ops, factor=magnitude, seed=3)
        drawn = DrawnOperations(keras.layers.RandAugment((0, 255), num_ops=ops, factor=magnitude, seed=3))
        batches = tf.data.Dataset.from_tensor_slices(x).batch(4)
        theirs = np.concatenate(list(batches.map(lambda b: keras_layer(b, training=True)).as_numpy_iterator()))
        ours = np.concatenate(list(batches.map(drawn).as_numpy_iterator()))
        assert not np.array_equal(ours, x)
        np.testing.assert_array_equal(ours, theirs)


def test_mixup_and_cutmix_mix_images_and_labels_as_the_probabilities_say():
    import tensorflow as tf

    x, y = pixels(), tf.one_hot(np.arange(16) % 3, 3)
    for fields in ({"mixup_alpha": 1.0}, {"cutmix_alpha": 1.0}, {"mixup_alpha": 1.0, "cutmix_alpha": 1.0}):
        augment = augmentation(**fields)
        images, labels = augment.mix(x, y)
        assert np.allclose(labels.numpy().sum(axis=1), 1.0), fields
        assert (labels.numpy().max(axis=1) < 1).any(), fields  # soft labels: the batch was mixed
        assert not np.array_equal(images.numpy(), x.numpy()), fields
    assert augmentation(mixup_alpha=1.0, mix_prob=0.0).chooser is None  # never mixed: no draws, no one-hot needed
    images, labels = augmentation(mixup_alpha=1.0, cutmix_alpha=1.0, mix_prob=0.5).mix(x, y)
    assert labels.shape == (16, 3)
    switch = augmentation(mixup_alpha=1.0, cutmix_alpha=1.0, mix_switch_prob=1.0)  # always CutMix: pasted pixels
    images, _ = switch.mix(x, y)
    assert np.isin(images.numpy(), x.numpy()).all()  # CutMix pastes pixels that exist; MixUp would blend them


def test_the_state_read_and_put_back_gives_the_same_draws():
    x, augment = pixels(), augmentation(augmentation=("flip", "crop"), randaugment_ops=2, erasing_prob=0.5,
                                        mixup_alpha=0.4, cutmix_alpha=1.0)
    import tensorflow as tf

    y = tf.one_hot(np.arange(16) % 3, 3)
    augment.images(x)  # draws move the generators on
    saved = augment.state()
    first = [t.numpy() for t in augment.mix(augment.images(x), y)]
    assert augment.state() != saved
    assert augment.restore(saved) and augment.state() == saved
    again = [t.numpy() for t in augment.mix(augment.images(x), y)]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not augment.restore(saved[:-1])  # another recipe's state is left alone


# --- training with them ----------------------------------------------------------------------------

MODERN = dict(augmentation=("translate",), randaugment_ops=2, erasing_prob=0.25, mixup_alpha=0.2, cutmix_alpha=1.0,
              ema_decay=0.99999)


def test_a_run_resumes_the_average_and_the_augmentation_where_it_stopped(tmp_path):
    """Two epochs in one go, and one epoch then a resumed second, end with the same augmentation state, and
    with the same averaged weights: with a decay of 0.99999 the average stays at the weights after the
    first step, which a resumed run keeps only if the optimizer's average was restored."""
    data = tiny_images()
    whole = zoo.train("lenet5", data, epochs=2, batch_size=16, run_dir=tmp_path / "whole", verbose=0, **MODERN)
    zoo.train("lenet5", data, epochs=1, batch_size=16, run_dir=tmp_path / "split", verbose=0, **MODERN)
    split = zoo.train("lenet5", data, epochs=2, batch_size=16, run_dir=tmp_path / "split", verbose=0, **MODERN)
    assert split.epochs_run == 1
    states = [json.loads((tmp_path / run / "checkpoint" / "state.json").read_text()) for run in ("whole", "split")]
    assert states[0]["epoch"] == states[1]["epoch"] == 2
    assert states[0]["augmentation"] == states[1]["augmentation"] and len(states[0]["augmentation"]) >= 5

    trained = zoo.get("lenet5", num_classes=3, input_shape=(28, 28, 1))  # the last epoch's own weights
    load_weights(trained, tmp_path / "whole" / "checkpoint" / states[0]["weights"], what="the last checkpoint")
    averaged = [whole.model.get_weights(), split.model.get_weights()]  # the runs' best: averaged weights
    moved = max(np.abs(a - b).max() for a, b in zip(averaged[0], trained.get_weights()))
    apart = max(np.abs(a - b).max() for a, b in zip(*averaged))
    assert moved > 1e-2 and apart < moved / 20, (moved, apart)
    assert whole.metrics["val_accuracy"] != pytest.approx(0.0)


def test_validation_and_the_best_weights_use_the_averaged_weights(tmp_path):
    data = tiny_images()
    result = zoo.train("lenet5", data, epochs=2, batch_size=16, run_dir=tmp_path / "r", verbose=0, lr=3e-3,
                       ema_decay=0.5)
    plain = zoo.train("lenet5", data, epochs=2, batch_size=16, run_dir=tmp_path / "p", verbose=0, lr=3e-3)
    card = json.loads((tmp_path / "r" / "card.json").read_text())
    assert card["recipe"]["ema_decay"] == 0.5
    best = zoo.get("lenet5", pretrained=str(result.weights), num_classes=3, input_shape=(28, 28, 1))
    for a, b in zip(best.get_weights(), result.model.get_weights()):
        np.testing.assert_array_equal(a, b)
    # same seed, same data, same steps: what differs is the average, which the run's best weights are
    differs = max(np.abs(a - b).max() for a, b in zip(result.model.get_weights(), plain.model.get_weights()))
    assert differs > 1e-4


def test_pixel_augmentations_refuse_preprocessed_floats(tmp_path):
    x, y = tiny_images()
    with pytest.raises(ValueError, match=r"^randaugment_ops=2 is not allowed on arrays: it changes pixel values"):
        zoo.train("lenet5", (x.astype("float32") / 255, y), epochs=1, run_dir=tmp_path / "r", verbose=0,
                  randaugment_ops=2)


@pytest.mark.jax
def test_the_modern_fields_train_under_jax(tmp_path):
    data = tiny_images()
    result = zoo.train("lenet5", data, epochs=2, batch_size=16, run_dir=tmp_path / "r", verbose=0, **MODERN)
    state = json.loads((tmp_path / "r" / "checkpoint" / "state.json").read_text())
    assert result.epochs_run == 2 and len(state["augmentation"]) >= 5
    again = zoo.train("lenet5", data, epochs=3, batch_size=16, run_dir=tmp_path / "r", verbose=0, **MODERN)
    assert again.epochs_run == 1


def test_a_search_space_may_choose_recipe_fields_beside_build_arguments():
    import dataclasses

    import keras_tuner

    from zoo.tuning.hypermodel import ZooHyperModel

    def space(hp, architecture):
        return {"dropout": hp.Choice("dropout", [0.0, 0.2]), "mixup_alpha": hp.Choice("mixup_alpha", [0.2, 0.4],
                                                                                        default=0.4),
                "ema_decay": hp.Fixed("ema_decay", 0.999)}

    convnext = dataclasses.replace(get_registry().architectures["convnext_tiny"], search_space=space)
    plan = ZooHyperModel([convnext], num_classes=3, input_shape=(32, 32, 3), tune_training=False).plan(
        keras_tuner.HyperParameters())
    assert (plan.recipe.mixup_alpha, plan.recipe.ema_decay, plan.recipe.cutmix_alpha) == (0.4, 0.999, 1.0)
    assert plan.arguments == {"dropout": 0.0, "drop_path_rate": 0.1}  # the recipe's stochastic depth, as built
