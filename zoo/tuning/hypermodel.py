"""The zoo's KerasTuner hypermodel (this module is ``zoo.tuning.hypermodel``; the function is ``zoo.hypermodel``).

:func:`zoo.hypermodel` returns a :class:`ZooHyperModel`, a
``keras_tuner.HyperModel`` that any KerasTuner tuner accepts. Its space is

- ``architecture``: a Choice among the matched architectures (one value when one matched);
- ``<architecture>/<argument>``: the architecture's build arguments, from the plugin's
  ``zoo_hyperparameters`` hook, under ``hp.conditional_scope("architecture", [name])``; a name the
  space returns that is a recipe field and not a build argument (``mixup_alpha``, ``ema_decay``)
  sets the trial's recipe, and the recipe's ``stochastic_depth`` becomes the architecture's argument for it;
- ``<architecture>/train/<field>``: the recipe's lr, weight decay, label smoothing, batch size
  and optimizer, around the values of the family's ``zoo_training_recipe`` (``tune_training=True``);
- ``<architecture>/finetune/<field>``: with ``pretrained``, the epochs and learning rate of the
  frozen-backbone phase (``head_epochs``, ``head_lr``) and of the unfrozen phase (``epochs``, ``lr``).

This module imports KerasTuner and Keras; ``import zoo`` does not import it.
"""

from __future__ import annotations

import contextlib
import tempfile
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import keras
import keras_tuner

from zoo.datasets.dataset import Dataset
from zoo.datasets.sources import as_dataset, from_arrays
from zoo.records.architecture import Architecture
from zoo.records.recipes import TrainingRecipe
from zoo.registry.arguments import shape_for
from zoo.registry.loader import get_registry
from zoo.registry.request import resolve
from zoo.training.driver import dtype_policy, fit, plan_request, recipe_for, resolve_precision, with_stochastic_depth
from zoo.training.phases import finetune_fields
from zoo.training.runs import RunMismatchError
from zoo.weights.models import get

FIT_ARGUMENTS = ("x", "y", "validation_data", "validation_split", "batch_size", "epochs", "initial_epoch",
                 "callbacks", "verbose", "shuffle")  # what a tuner may pass to fit; the recipe decides the rest
RUN_DIR = "run"  # each trial's run directory, inside its trial directory: checkpoints, best weights, card
# (a tuner's executions_per_trial > 1: run/ for the first execution, run-2/, run-3/ ... for the others)

ARCHITECTURE = "architecture"  # the name of the first hyperparameter
RECIPE_FIELDS = frozenset(field.name for field in fields(TrainingRecipe))


# --- the search spaces, as data -------------------------------------------------------------------


def training_space(hp, recipe: TrainingRecipe, *, tune_lr: bool = True) -> TrainingRecipe:
    """Declare the recipe's tunable fields on ``hp`` (already scoped) and return the recipe they give.

    The defaults are the recipe's own values, so an empty ``hp`` trains with the recipe.
    ``tune_lr=False`` leaves the learning rate out (fine-tuning tunes one per phase instead).
    """
    values = {
        "lr": hp.Float("lr", recipe.lr / 10, recipe.lr * 10, sampling="log", default=recipe.lr) if tune_lr else None,
        "weight_decay": hp.Choice("weight_decay", sorted({0.0, 1e-5, 1e-4, 1e-3, float(recipe.weight_decay)}),
                                  default=float(recipe.weight_decay)),
        "label_smoothing": hp.Choice("label_smoothing", sorted({0.0, 0.1, float(recipe.label_smoothing)}),
                                     default=float(recipe.label_smoothing)),
        "batch_size": hp.Choice("batch_size", sorted({max(recipe.batch_size // 2, 1), recipe.batch_size,
                                                      recipe.batch_size * 2}), default=recipe.batch_size),
        "optimizer": hp.Choice("optimizer", list(dict.fromkeys([recipe.optimizer, "adam", "sgd"])),
                               default=recipe.optimizer),
    }
    if values["optimizer"] == "sgd" and recipe.optimizer != "sgd" and not recipe.momentum:
        values["momentum"] = 0.9  # plain SGD without momentum is rarely what a search should try
    return recipe.override(**{k: v for k, v in values.items() if v is not None})


def finetune_space(hp, recipe: TrainingRecipe) -> dict[str, Any]:
    """Declare the two fine-tuning phases on ``hp`` (already scoped): epochs and lr of each."""
    return {
        "head_epochs": hp.Int("head_epochs", 1, 5, default=2),
        "head_lr": hp.Float("head_lr", 1e-4, 1e-2, sampling="log", default=min(max(recipe.lr, 1e-4), 1e-2)),
        "epochs": hp.Int("epochs", 1, 10, default=3),
        "lr": hp.Float("lr", 1e-6, 1e-3, sampling="log", default=1e-4),
    }


# --- compiling from a recipe ----------------------------------------------------------------------


def compile_model(model, recipe: TrainingRecipe, *, steps_per_epoch: int = 1):
    """Compile ``model`` with the recipe's optimizer, loss and metrics (``zoo.training.driver.fit`` compiles it again,
    knowing the steps, for each phase)."""
    from zoo.training.optimizers import make_loss, make_optimizer

    model.compile(optimizer=make_optimizer(recipe, steps_per_epoch), loss=make_loss(recipe),
                  metrics=list(recipe.metrics))
    return model


def constant(recipe: TrainingRecipe) -> TrainingRecipe:
    """The recipe without its schedule and warmup (to compile before the number of steps is known)."""
    return recipe.override(schedule="constant", warmup_epochs=0)


# --- the hypermodel -------------------------------------------------------------------------------


@dataclass
class TrialPlan:
    """What one set of hyperparameter values means: the model to build and how to train it."""

    architecture: str
    arguments: dict[str, Any]
    recipe: TrainingRecipe
    finetune: dict[str, Any] | None


class ZooHyperModel(keras_tuner.HyperModel):
    """A KerasTuner hypermodel over one or several registered architectures (see :func:`zoo.hypermodel`)."""

    def __init__(self, architectures: list[Architecture], *, num_classes, input_shape, pretrained=None,
                 tune_training=True, model_args=None, seed=0, name=None, tunable=True):
        super().__init__(name=name, tunable=tunable)
        self.architectures = {arch.name: arch for arch in architectures}
        self.num_classes = num_classes
        self.input_shapes = {arch.name: shape_for(input_shape, arch.name) for arch in architectures}
        self.seed = seed
        self.pretrained = pretrained
        self.model_args = dict(model_args or {})  # fixed build arguments, for the architectures that take them
        self.tune_training = tune_training
        self.recipes = {arch.name: recipe_for(arch) for arch in architectures}
        self.executions: dict[str, int] = {}  # trial id -> fit calls for it in this process (executions_per_trial)

    def plan(self, hp) -> TrialPlan:
        """Declare the whole space on ``hp`` and return what its values say to build and train.

        Only the chosen architecture's hook runs; the others' conditional scopes are opened
        empty, which is how KerasTuner discovers them (it rebuilds with each one chosen).
        """
        chosen = hp.Choice(ARCHITECTURE, list(self.architectures))
        plan = None
        for name, arch in self.architectures.items():
            with hp.conditional_scope(ARCHITECTURE, [name]):
                if name != chosen:
                    continue
                with hp.name_scope(name):
                    arguments = {}
                    if not self.pretrained:  # pretrained weights fix the architecture's arguments
                        space = get_registry().manager.hook.zoo_hyperparameters(architecture=arch, hp=hp)
                        arguments = dict(space or {})
                    arguments.update({k: v for k, v in self.model_args.items() if k in arch.defaults})
                    chosen_fields = {k: arguments.pop(k) for k in list(arguments)
                                     if k in RECIPE_FIELDS and k not in arch.defaults}
                    recipe = self.recipes[name].override(**chosen_fields)
                    if self.tune_training:
                        with hp.name_scope("train"):
                            recipe = training_space(hp, recipe, tune_lr=not self.pretrained)
                    finetune = None
                    if self.pretrained:
                        with hp.name_scope("finetune"):
                            finetune = finetune_space(hp, recipe)
                plan = TrialPlan(name, with_stochastic_depth(arch, recipe, arguments), recipe, finetune)
        return plan

    def build(self, hp):
        plan = self.plan(hp)
        with dtype_policy(resolve_precision("auto")):  # as zoo.train builds: mixed precision on a GPU
            model = get(plan.architecture, pretrained=self.pretrained or False,
                            **self._build_arguments(plan))
        recipe = plan.recipe if plan.finetune is None else plan.recipe.override(lr=plan.finetune["head_lr"])
        return compile_model(model, constant(recipe))  # fit compiles the schedule, knowing the steps

    def fit(self, hp, model, *args, **kwargs):
        """Train a trial's model with :func:`zoo.training.driver.fit`, exactly as ``zoo.train`` trains.

        The recipe is the trial's (phases, schedule, early stopping, precision, checkpoints); with
        ``pretrained``, the head first (backbone frozen), then everything. ``epochs`` (Hyperband
        passes it) is the total budget; otherwise the recipe's, or with ``pretrained`` the tuned
        epochs of the two phases. Each trial trains in ``run/`` inside its trial directory, so a
        trial interrupted by a crash resumes there, and leaves a run's ``card.json``. A tuner's
        ``executions_per_trial`` trains each execution in its own run directory (``run-2/``, ...),
        shuffled with its own seed (``seed + execution - 1``), so that executions are independent runs.

        :return: the ``keras.callbacks.History`` of the run, every epoch of it.
        """
        plan = self.plan(hp.copy())
        unknown = sorted(set(kwargs) - set(FIT_ARGUMENTS))
        if unknown:
            raise ValueError(f"{unknown[0]}={kwargs[unknown[0]]!r} is not an argument the zoo's hypermodel takes in "
                             f"fit; it takes {', '.join(FIT_ARGUMENTS)} (the recipe decides the rest)")
        dataset = self.fit_dataset(args, kwargs)
        epochs = kwargs.get("epochs")
        if plan.finetune is None:
            recipe = plan.recipe.override(epochs=epochs)
        else:
            recipe = plan.recipe.override(**finetune_fields(plan.finetune, epochs))
        identity = plan_request(resolve(plan.architecture), dataset, pretrained=self.pretrained or False,
                                model_args=self._build_arguments(plan)).identity
        callbacks = list(kwargs.get("callbacks") or [])
        with self._run(callbacks) as (run, execution):
            try:
                run.start(identity, resume=True)
                resume = True
            except RunMismatchError:  # a search resumed after a crash gave the unfinished trial's number new
                run.start(identity, resume=False)  # values: what is there was never a result; start over
                resume = False
            result = fit(model, dataset, recipe, run, identity=identity, seed=self.seed + execution - 1,
                         verbose=kwargs.get("verbose", "auto"), callbacks=callbacks,
                         precision=resolve_precision("auto"), initial_epoch=kwargs.get("initial_epoch", 0),
                         resume=resume, tensorboard=False, evaluate=False, plots=False)
        history = keras.callbacks.History()
        history.history = result.history
        history.epoch = list(range(len(next(iter(result.history.values()), []))))
        return history

    def _build_arguments(self, plan: "TrialPlan") -> dict[str, Any]:
        return {"num_classes": self.num_classes, "input_shape": self.input_shapes[plan.architecture], **plan.arguments}

    @staticmethod
    def fit_dataset(args: tuple, kwargs: dict) -> Dataset:
        """What the tuner passed to fit, as a ``zoo.datasets.Dataset`` (arrays, validation data, tf.data)."""

        x = args[0] if args else kwargs.get("x")
        if isinstance(x, Dataset):
            return x
        y = args[1] if len(args) > 1 else kwargs.get("y")
        validation = kwargs.get("validation_data")
        if y is None:
            dataset = as_dataset(x)
        else:
            dataset = from_arrays(x, y, validation_fraction=kwargs.get("validation_split") or None) \
                if validation is None else from_arrays(x, y, validation_fraction=0.0)
        if validation is not None:
            dataset.validation = (validation[0], validation[1]) if isinstance(validation, (tuple, list)) else validation
        return dataset

    @contextlib.contextmanager
    def _run(self, callbacks: list):
        """The trial's run directory in KerasTuner's trial directory, and which execution of the trial this is:
        ``run/`` for the first, ``run-N/`` for the Nth (a temporary directory outside a tuner).

        Executions are counted in this process: a search resumed after a crash runs an unfinished
        trial's executions again from the first, which then find their finished runs and resume them.
        """
        from zoo.training.runs import Run

        reporter = next((cb for cb in callbacks if hasattr(cb, "tuner") and hasattr(cb, "trial")), None)
        if reporter is not None:
            trial_id = reporter.trial.trial_id
            execution = self.executions[trial_id] = self.executions.get(trial_id, 0) + 1
            name = RUN_DIR if execution == 1 else f"{RUN_DIR}-{execution}"
            yield Run(Path(reporter.tuner.get_trial_dir(trial_id)) / name), execution
            return
        with tempfile.TemporaryDirectory(prefix="zoo-trial-") as directory:
            yield Run(Path(directory) / RUN_DIR), 1

    def describe(self, values: dict[str, Any]) -> dict[str, Any]:
        """best.json's content for a trial's hyperparameter values (see docs/tuning.md)."""
        hp = keras_tuner.HyperParameters()
        hp.values.update(values)
        plan = self.plan(hp)
        model_shape = self.input_shapes[plan.architecture]
        base = self.recipes[plan.architecture].to_dict()
        recipe = {k: v for k, v in plan.recipe.to_dict().items() if v != base[k]}
        result = {"architecture": plan.architecture, "arguments": plan.arguments, "recipe": recipe,
                  "num_classes": self.num_classes, "input_shape": list(model_shape) if model_shape else None,
                  "pretrained": self.pretrained}
        if plan.finetune is not None:
            result["finetune"] = plan.finetune
        return result


def reported_metrics(hypermodel: ZooHyperModel, *, validation: bool) -> set[str]:
    """The metric names every architecture's training reports (``val_`` ones with validation data)."""
    common = None
    for recipe in hypermodel.recipes.values():
        names = {"loss", *(m if isinstance(m, str) else getattr(m, "name", str(m)) for m in recipe.metrics)}
        common = names if common is None else common & names
    return common | {f"val_{name}" for name in common} if validation else common
