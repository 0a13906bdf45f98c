"""Fine-tuning in phases: the recipe's head_epochs and head_lr, the frozen backbone, resuming across phases."""

from __future__ import annotations

import json

import numpy as np
import pytest

import zoo
import zoo.registry.loader
from zoo.training.phases import Phase, finetune_fields, phases, set_backbone_trainable
from zoo.records.recipes import TrainingRecipe
from zoo.tuning.search import read_hparams


def test_a_recipe_without_head_epochs_is_one_phase_that_leaves_the_layers_alone():
    recipe = TrainingRecipe(epochs=4)
    assert phases(recipe) == [Phase(0, 4, None, recipe)]


def test_head_epochs_make_a_frozen_phase_then_the_rest_each_with_its_own_length_and_rate():
    head, rest = phases(TrainingRecipe(epochs=5, lr=1e-4, head_epochs=2, head_lr=1e-2, schedule="cosine"))
    assert (head.start, head.until, head.backbone_trainable) == (0, 2, False)
    assert (head.recipe.epochs, head.recipe.lr, head.recipe.head_epochs) == (2, 1e-2, 0)
    assert (rest.start, rest.until, rest.backbone_trainable) == (2, 5, True)
    assert (rest.recipe.epochs, rest.recipe.lr, rest.recipe.schedule) == (3, 1e-4, "cosine")
    only_head, = phases(TrainingRecipe(epochs=2, lr=1e-4, head_epochs=2))
    assert (only_head.until, only_head.recipe.lr) == (2, 1e-4)  # no head_lr: lr


@pytest.mark.parametrize("fields, message", [
    ({"epochs": 2, "head_epochs": 3}, "head_epochs=3 is not allowed: it must be an integer from 0 to 2"),
    ({"head_epochs": -1}, "head_epochs=-1 is not allowed"),
    ({"head_epochs": 1.5}, "head_epochs=1.5 is not allowed"),
    ({"head_lr": 0}, "head_lr=0 is not allowed: it must be a finite number in (0.0, inf) (a positive number, or None for lr)"),
])
def test_bad_phase_fields_are_value_errors(fields, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        TrainingRecipe(**fields)


def test_a_searchs_tuned_phases_become_recipe_fields(tmp_path):
    tuned = {"head_epochs": 2, "head_lr": 0.005, "epochs": 3, "lr": 0.0001}
    assert finetune_fields(tuned) == {"epochs": 5, "head_epochs": 2, "head_lr": 0.005, "lr": 0.0001}
    assert finetune_fields(tuned, epochs=1)["head_epochs"] == 1  # a smaller budget cuts the head phase
    best = tmp_path / "best.json"
    best.write_text(json.dumps({"architecture": "lenet5", "arguments": {}, "recipe": {"batch_size": 32},
                                "pretrained": "mnist5k", "finetune": tuned}))
    hparams = read_hparams(best, "lenet5")
    assert hparams["recipe"] == {"batch_size": 32, "epochs": 5, "head_epochs": 2, "head_lr": 0.005, "lr": 0.0001}
    assert hparams["pretrained"] == "mnist5k"


@pytest.mark.parametrize("name, kwargs", [
    ("lenet5", {}),
    ("vgg11", {"input_shape": (32, 32, 3), "dropout": 0.5}),
    ("resnet20", {}),
    ("densenet_bc_100_k12", {}),
    ("mobilenet", {"input_shape": (32, 32, 3), "alpha": 0.25}),
    ("mobilenetv2", {"input_shape": (32, 32, 3), "alpha": 0.35}),
    ("xception", {"input_shape": (71, 71, 3)}),
    ("textcnn_rand", {"vocab_size": 50, "sequence_length": 8, "embedding_dim": 4}),
])
def test_a_frozen_backbone_leaves_exactly_the_classifier_training(name, kwargs):
    model = zoo.get(name, num_classes=7, **kwargs)
    classifier = zoo.registry.loader.get_registry().resolve(name)[0].classifier
    set_backbone_trainable(model, False, classifier)
    trainable = model.trainable_weights
    assert len(trainable) == 2 and trainable[0].shape[-1] == 7 and tuple(trainable[1].shape) == (7,), \
        [w.path for w in trainable]
    set_backbone_trainable(model, True, classifier)
    assert all(layer.trainable for layer in model.layers)


def test_train_head_phase_then_resume_into_the_full_phase(tmp_path):
    data = zoo.datasets.load("digits").test  # 8x8 digits, resized for the 28x28 model of lenet5.mnist5k
    pretrained = zoo.get("lenet5.mnist5k", pretrained=True)
    start = {w.path: np.array(w.numpy()) for w in pretrained.weights}
    common = dict(run_dir=tmp_path / "run", verbose=0, head_epochs=1, head_lr=1e-2, lr=1e-4, batch_size=32)

    head = zoo.train("lenet5.mnist5k", data, epochs=1, **common)
    changed = {w.path for w in head.model.weights if not np.array_equal(w.numpy(), start[w.path])}
    assert changed == {"predictions/kernel", "predictions/bias"}  # the backbone stayed as pretrained

    full = zoo.train("lenet5.mnist5k", data, epochs=2, **common)  # resumes at the start of the second phase
    assert full.epochs_run == 1
    changed = {w.path for w in full.model.weights if not np.array_equal(w.numpy(), start[w.path])}
    assert {"conv1/kernel", "predictions/kernel"} <= changed
    assert all(layer.trainable for layer in full.model.layers)
    rows = (tmp_path / "run" / "log.csv").read_text().splitlines()[1:]
    assert [row.split(",")[0] for row in rows] == ["0", "1"]
    recipe = json.loads((tmp_path / "run" / "recipe.json").read_text())
    assert (recipe["head_epochs"], recipe["head_lr"], recipe["lr"], recipe["epochs"]) == (1, 1e-2, 1e-4, 2)
