"""A recipe's optimizer, learning-rate schedule and loss, as Keras objects."""

from __future__ import annotations

import keras

from zoo.records.recipes import TrainingRecipe


@keras.saving.register_keras_serializable(package="zoo")
class RecipeSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warmup, then constant, cosine or step decay, over ``total_steps`` optimizer steps.

    Example::

        >>> schedule = RecipeSchedule(0.1, total_steps=1000, kind="step", boundaries=(0.5, 0.75), factor=0.1)
        >>> float(schedule(600))
        0.01
    """

    def __init__(self, lr, total_steps, kind="constant", warmup_steps=0, boundaries=(0.5, 0.75), factor=0.1):
        self.lr, self.total_steps, self.kind = float(lr), int(max(total_steps, 1)), kind
        self.warmup_steps, self.boundaries, self.factor = int(warmup_steps), tuple(boundaries), float(factor)

    def __call__(self, step):
        ops = keras.ops
        step = ops.cast(step, "float32")
        lr = ops.convert_to_tensor(self.lr, "float32")
        if self.kind == "cosine":
            span = max(self.total_steps - self.warmup_steps, 1)
            progress = ops.clip((step - self.warmup_steps) / span, 0.0, 1.0)
            lr = lr * 0.5 * (1.0 + ops.cos(3.141592653589793 * progress))
        elif self.kind == "step":
            for boundary in self.boundaries:
                lr = ops.where(step >= boundary * self.total_steps, lr * self.factor, lr)
        if self.warmup_steps:
            lr = ops.where(step < self.warmup_steps, self.lr * (step + 1.0) / self.warmup_steps, lr)
        return lr

    def get_config(self):
        return {"lr": self.lr, "total_steps": self.total_steps, "kind": self.kind, "warmup_steps": self.warmup_steps,
                "boundaries": self.boundaries, "factor": self.factor}


def make_optimizer(recipe: TrainingRecipe, steps_per_epoch: int):
    """The recipe's optimizer with its schedule, weight decay, clipping and moving average of the weights
    (``ema_decay``: Keras' ``use_ema``; :func:`zoo.training.runs.averaged_weights` swaps them in).

    Example::

        >>> make_optimizer(zoo.TrainingRecipe(optimizer="sgd", lr=0.1, momentum=0.9), steps_per_epoch=100)
    """
    lr = recipe.lr
    if recipe.schedule != "constant" or recipe.warmup_epochs:
        lr = RecipeSchedule(recipe.lr, recipe.epochs * steps_per_epoch, recipe.schedule,
                            recipe.warmup_epochs * steps_per_epoch, recipe.step_boundaries, recipe.step_factor)
    common = {"learning_rate": lr, "weight_decay": recipe.weight_decay or None, "clipnorm": recipe.clipnorm}
    if recipe.ema_decay is not None:
        common.update(use_ema=True, ema_momentum=recipe.ema_decay)
    optimizers = {
        "sgd": lambda: keras.optimizers.SGD(momentum=recipe.momentum, nesterov=recipe.extra.get("nesterov", False),
                                            **common),
        "adam": lambda: keras.optimizers.Adam(**common),
        "adamw": lambda: keras.optimizers.AdamW(**{**common, "weight_decay": recipe.weight_decay}),
        "rmsprop": lambda: keras.optimizers.RMSprop(momentum=recipe.momentum, **common),
        "adadelta": lambda: keras.optimizers.Adadelta(**common),
    }
    return optimizers[recipe.optimizer]()


def make_loss(recipe: TrainingRecipe):
    """The recipe's loss; label smoothing, MixUp and CutMix switch to one-hot labels (the pipeline one-hot
    encodes them)."""
    if recipe.label_smoothing or recipe.mixes:
        if recipe.loss != "sparse_categorical_crossentropy":
            field, value = ("label_smoothing", recipe.label_smoothing) if recipe.label_smoothing else \
                ("mixup_alpha", recipe.mixup_alpha) if recipe.mixup_alpha else ("cutmix_alpha", recipe.cutmix_alpha)
            raise ValueError(f"{field}={value!r} needs loss='sparse_categorical_crossentropy', "
                             f"got loss={recipe.loss!r}")
        return keras.losses.CategoricalCrossentropy(label_smoothing=recipe.label_smoothing)
    return keras.losses.get(recipe.loss)
