"""The zoo's KerasTuner hypermodel (this module is ``zoo.hypermodels``; the function is ``zoo.hypermodel``).

:func:`zoo.hypermodel` returns a :class:`ZooHyperModel`, a
``keras_tuner.HyperModel`` that any KerasTuner tuner accepts. Its space is

- ``architecture``: a Choice among the matched architectures (one value when one matched);
- ``<architecture>/<argument>``: the architecture's build arguments, from the plugin's
  ``zoo_hyperparameters`` hook, under ``hp.conditional_scope("architecture", [name])``;
- ``<architecture>/train/<field>``: the recipe's lr, weight decay, label smoothing, batch size
  and optimizer, around the values of the family's ``zoo_training_recipe`` (``tune_training=True``);
- ``<architecture>/finetune/<field>``: with ``pretrained``, the epochs and learning rate of the
  frozen-backbone phase (``head_epochs``, ``head_lr``) and of the unfrozen phase (``epochs``, ``lr``).

This module imports KerasTuner and Keras; ``import zoo`` does not import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import keras
import keras_tuner
import numpy as np

from zoo.architecture import Architecture
from zoo.datasets import Dataset
from zoo.phases import finetune_fields, phases, set_backbone_trainable
from zoo.recipes import TrainingRecipe
from zoo.registry import get_registry
from zoo.train import recipe_for
from zoo.tuning import shape_for

ARCHITECTURE = "architecture"  # the name of the first hyperparameter


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
    """Compile ``model`` as ``zoo.train`` does: the recipe's optimizer and schedule, loss and metrics.

    With ``label_smoothing`` the loss takes one-hot labels (:func:`one_hot_labels`).
    """
    from zoo.optimizers import make_loss, make_optimizer

    model.compile(optimizer=make_optimizer(recipe, steps_per_epoch), loss=make_loss(recipe),
                  metrics=list(recipe.metrics))
    return model


def constant(recipe: TrainingRecipe) -> TrainingRecipe:
    """The recipe without its schedule and warmup (to compile before the number of steps is known)."""
    return recipe.override(schedule="constant", warmup_epochs=0)


def one_hot_labels(args: tuple, kwargs: dict, num_classes: int) -> tuple[tuple, dict]:
    """``fit``'s arguments with integer label arrays (``y`` and ``validation_data``'s) made one-hot."""
    def encode(y):
        y = np.asarray(y)
        return keras.utils.to_categorical(y, num_classes) if y.ndim == 1 or y.shape[-1] == 1 else y

    args, kwargs = list(args), dict(kwargs)
    if len(args) > 1:
        args[1] = encode(args[1])
    elif kwargs.get("y") is not None:
        kwargs["y"] = encode(kwargs["y"])
    validation = kwargs.get("validation_data")
    if isinstance(validation, (tuple, list)) and len(validation) >= 2:
        kwargs["validation_data"] = (validation[0], encode(validation[1]), *validation[2:])
    return tuple(args), kwargs


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
                    recipe = self.recipes[name]
                    if self.tune_training:
                        with hp.name_scope("train"):
                            recipe = training_space(hp, recipe, tune_lr=not self.pretrained)
                    finetune = None
                    if self.pretrained:
                        with hp.name_scope("finetune"):
                            finetune = finetune_space(hp, recipe)
                plan = TrialPlan(name, arguments, recipe, finetune)
        return plan

    def build(self, hp):
        import zoo

        plan = self.plan(hp)
        model = zoo.get(plan.architecture, pretrained=self.pretrained or False, num_classes=self.num_classes,
                        input_shape=self.input_shapes[plan.architecture], **plan.arguments)
        recipe = plan.recipe if plan.finetune is None else plan.recipe.override(lr=plan.finetune["head_lr"])
        return compile_model(model, constant(recipe))  # fit compiles the schedule, knowing the steps

    def fit(self, hp, model, *args, **kwargs):
        """Train as the recipe says; with ``pretrained``, head first (backbone frozen), then everything.

        ``epochs`` in ``kwargs`` (Hyperband passes it) is the total budget; otherwise the recipe's
        epochs, or with ``pretrained`` the tuned epochs of the two phases.
        """
        plan = self.plan(hp.copy())
        recipe = plan.recipe
        x = args[0] if args else kwargs.get("x")
        if isinstance(x, Dataset):
            args, kwargs, steps = self._pipelines(x, model, recipe, kwargs)
        else:
            if _is_array(x):  # a tuned batch size wins over the caller's
                kwargs["batch_size"] = recipe.batch_size if self.tune_training else kwargs.get("batch_size",
                                                                                                recipe.batch_size)
            if recipe.label_smoothing:
                args, kwargs = one_hot_labels(args, kwargs, int(model.outputs[0].shape[-1]))
            steps = _steps(x, kwargs)
        if plan.finetune is None:
            epochs = kwargs.pop("epochs", recipe.epochs)
            if steps and (recipe.schedule != "constant" or recipe.warmup_epochs):
                compile_model(model, recipe.override(epochs=epochs), steps_per_epoch=steps)
            return model.fit(*args, epochs=epochs, **kwargs)
        return self._fine_tune(plan, model, steps, args, kwargs)

    def _pipelines(self, data: Dataset, model, recipe: TrainingRecipe, kwargs: dict) -> tuple[tuple, dict, int]:
        """(fit args, fit kwargs, steps per epoch) for a ``zoo.datasets.Dataset``: ``zoo.train``'s input pipeline."""
        from zoo import inputs
        from zoo.train import adapt_text_layers, steps_in

        kwargs = {k: v for k, v in kwargs.items() if k not in ("x", "y", "batch_size", "validation_split")}
        if data.task == "text-classification":
            adapt_text_layers(model, data)
        shape = inputs.model_input_shape(model)
        image = data.task == "image-classification" and len(shape) == 3
        augment = inputs.augmentation(recipe.augmentation, shape, self.seed) if image else None
        common = dict(model=model, batch_size=recipe.batch_size, seed=self.seed, batched=data.batched,
                      num_classes=int(model.outputs[0].shape[-1]) if recipe.label_smoothing else None)
        train = inputs.pipeline(data.train, training=True, augment=augment, where="train", **common)
        if data.validation is not None and "validation_data" not in kwargs:
            kwargs["validation_data"] = inputs.pipeline(data.validation, where="validation", **common)
        kwargs.setdefault("shuffle", False)  # the pipeline shuffles
        return (train,), kwargs, steps_in(data.train, recipe.batch_size, data.batched)

    def _fine_tune(self, plan: TrialPlan, model, steps, args, kwargs):
        """The two phases of :mod:`zoo.phases`, within the epochs budget; one History of both."""
        initial_epoch = kwargs.pop("initial_epoch", 0)
        total = kwargs.pop("epochs", plan.finetune["head_epochs"] + plan.finetune["epochs"])
        recipe = plan.recipe.override(**finetune_fields(plan.finetune, total))
        history = keras.callbacks.History()
        history.history, history.epoch = {}, []
        for phase in phases(recipe):
            if initial_epoch >= phase.until:
                continue
            set_backbone_trainable(model, phase.backbone_trainable)
            compile_model(model, phase.recipe if steps else constant(phase.recipe), steps_per_epoch=steps or 1)
            fitted = model.fit(*args, epochs=phase.until, initial_epoch=initial_epoch, **kwargs)
            for key, values in fitted.history.items():
                history.history.setdefault(key, []).extend(values)
            history.epoch += fitted.epoch
            initial_epoch = phase.until
        return history

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


def _is_array(x) -> bool:
    return hasattr(x, "shape") and hasattr(x, "__len__")


def _steps(x, kwargs) -> int | None:
    if not _is_array(x):
        return None
    size = len(x) * (1 - kwargs.get("validation_split", 0.0))
    return max(int(-(-size // kwargs.get("batch_size", 32))), 1)


def reported_metrics(hypermodel: ZooHyperModel, *, validation: bool) -> set[str]:
    """The metric names every architecture's training reports (``val_`` ones with validation data)."""
    common = None
    for recipe in hypermodel.recipes.values():
        names = {"loss", *(m if isinstance(m, str) else getattr(m, "name", str(m)) for m in recipe.metrics)}
        common = names if common is None else common & names
    return common | {f"val_{name}" for name in common} if validation else common
