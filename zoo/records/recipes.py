"""Training recipes: the defaults a family trains with, as data.

A plugin returns a :class:`TrainingRecipe` from its ``zoo_training_recipe``
hook; users override any field per call (``zoo.train(..., lr=0.01)``) or from
the command line, and the resolved recipe is written next to the run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from zoo.checks import check_choice, check_integer, check_number, check_sequence
from zoo.records.fields import documented

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop", "adadelta")
SCHEDULES = ("constant", "cosine", "step")
AUGMENTATIONS = ("flip", "crop", "translate")
RANDAUGMENT_OPS = 11  # the operations keras.layers.RandAugment chooses from



@dataclass(frozen=True)
class TrainingRecipe:
    """How to train an architecture: optimizer, schedule, regularization, loss, data handling.

    Example::

        TrainingRecipe(optimizer="sgd", lr=0.1, momentum=0.9, schedule="step",
                       step_boundaries=(0.5, 0.75), weight_decay=1e-4, epochs=164, batch_size=128,
                       augmentation=("flip", "crop"))
    """

    optimizer: str = documented(f"one of {', '.join(OPTIMIZERS)}", default="adam")
    lr: float = documented("the learning rate (at its peak, with a schedule), a finite positive number", default=1e-3)
    momentum: float = documented("momentum of sgd and rmsprop, in [0, 1)", default=0.0)
    weight_decay: float = documented("decoupled weight decay, >= 0", default=0.0)
    schedule: str = documented(f"the learning-rate schedule: one of {', '.join(SCHEDULES)}", default="constant")
    warmup_epochs: int = documented("epochs of linear warmup before the schedule, >= 0", default=0)
    step_boundaries: tuple[float, ...] = documented("for `schedule=step`: increasing fractions of training where "
                                                    "the rate drops", default=(0.5, 0.75))
    step_factor: float = documented("for `schedule=step`: what the rate is multiplied by at each boundary, in (0, 1]",
                                    default=0.1)
    label_smoothing: float = documented("label smoothing of the cross-entropy, in [0, 1)", default=0.0)
    loss: str = documented("the Keras loss", default="sparse_categorical_crossentropy")
    metrics: tuple[str, ...] = documented("the Keras metrics reported each epoch", default=("accuracy",))
    batch_size: int = documented("the global batch size, a positive integer", default=64)
    epochs: int = documented("the epochs of the whole run, a positive integer", default=10)
    augmentation: tuple[str, ...] = documented(f"image augmentation, items of {', '.join(AUGMENTATIONS)} (Keras "
                                               "preprocessing layers on the training batches)", default=())
    early_stopping_patience: int | None = documented("epochs without an improvement of the validation loss before "
                                                     "the run stops; None: no early stopping", default=None)
    clipnorm: float | None = documented("the gradient norm to clip to, > 0; None: no clipping", default=None)
    head_epochs: int = documented("fine-tuning: the first epochs with the backbone frozen, only the classifier "
                                  "training (from 0 to epochs)", default=0)
    head_lr: float | None = documented("the learning rate of those epochs (None: lr)", default=None)
    randaugment_ops: int = documented("RandAugment (Cubuk et al. 2020, `keras.layers.RandAugment`): the operations "
                                      "applied to each image, 0 to 14; 0: no RandAugment", default=0)
    randaugment_magnitude: float = documented("RandAugment's magnitude, in (0, 1] (timm's m9 is 0.9)", default=0.5)
    mixup_alpha: float = documented("MixUp (Zhang et al. 2018, `keras.layers.MixUp`): the Beta distribution's alpha "
                                    "of the mixing weight, >= 0; 0: no MixUp", default=0.0)
    cutmix_alpha: float = documented("CutMix (Yun et al. 2019, `keras.layers.CutMix`): the Beta distribution's alpha "
                                     "of the pasted area, >= 0; 0: no CutMix", default=0.0)
    mix_prob: float = documented("the probability that a training batch is mixed (MixUp or CutMix), in [0, 1]",
                                 default=1.0)
    mix_switch_prob: float = documented("with both MixUp and CutMix on, the probability that a mixed batch uses "
                                        "CutMix, in [0, 1]", default=0.5)
    erasing_prob: float = documented("random erasing (Zhong et al. 2017, `keras.layers.RandomErasing`): the "
                                     "probability that an image gets an erased rectangle, in [0, 1]; 0: none",
                                     default=0.0)
    erasing_area: tuple[float, float] = documented("random erasing: the range of the erased area, as fractions of "
                                                   "the image, 0 < low <= high < 1", default=(0.02, 1 / 3))
    ema_decay: float | None = documented("an exponential moving average of the weights (the optimizer's `use_ema`): "
                                         "its decay, in (0, 1); validation, the best weights and the test use the "
                                         "averaged weights; None: no average", default=None)
    stochastic_depth: float | None = documented("stochastic depth (Huang et al. 2016): the rate of the architecture's "
                                                "blocks, in [0, 1), for architectures that declare the argument "
                                                "(`Architecture.stochastic_depth`); None: the build's own", default=None)
    extra: dict[str, Any] = documented("anything a plugin's own recipe needs (`nesterov: true` for sgd)",
                                       default_factory=dict)

    def __post_init__(self):
        """Refuse values that cannot work, naming the field, the value and what is allowed."""
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_choice("schedule", self.schedule, SCHEDULES)
        check_number("lr", self.lr, low=0.0, low_open=True)
        check_integer("batch_size", self.batch_size, low=1)
        check_integer("epochs", self.epochs, low=1)
        check_number("momentum", self.momentum, low=0.0, high=1.0, high_open=True)
        check_number("weight_decay", self.weight_decay, low=0.0)
        check_integer("warmup_epochs", self.warmup_epochs, low=0, why="epochs of linear warmup")
        check_number("step_factor", self.step_factor, low=0.0, high=1.0, low_open=True)
        check_number("label_smoothing", self.label_smoothing, low=0.0, high=1.0, high_open=True)
        if not isinstance(self.loss, str) or not self.loss:
            raise ValueError(f"loss={self.loss!r} is not allowed: it must be the name of a Keras loss")
        boundaries = check_sequence("step_boundaries", self.step_boundaries, "fractions of training such as [0.5, 0.75]")
        if not all(isinstance(b, (int, float)) and not isinstance(b, bool) and 0 < b < 1 for b in boundaries) \
                or list(boundaries) != sorted(boundaries):
            raise ValueError(f"step_boundaries={self.step_boundaries!r} is not allowed: it must be a list of "
                             "increasing fractions of training between 0 and 1, such as [0.5, 0.75]")
        metrics = check_sequence("metrics", self.metrics, "metric names such as ['accuracy']")
        if not all(isinstance(m, str) and m for m in metrics):
            raise ValueError(f"metrics={self.metrics!r} is not allowed: it must be a list of metric names")
        augmentation = check_sequence("augmentation", self.augmentation, f"items of {AUGMENTATIONS}")
        for item in augmentation:
            if item not in AUGMENTATIONS:
                raise ValueError(f"augmentation={self.augmentation!r} is not allowed: items are {AUGMENTATIONS}")
        if self.early_stopping_patience is not None:
            check_integer("early_stopping_patience", self.early_stopping_patience, low=1,
                     why="epochs without improvement, or None for no early stopping")
        if self.clipnorm is not None:
            check_number("clipnorm", self.clipnorm, low=0.0, low_open=True, why="a gradient norm, or None for no clipping")
        check_integer("head_epochs", self.head_epochs, low=0, high=self.epochs,
                 why=f"the epochs of the frozen-backbone phase within the total (epochs={self.epochs})")
        if self.head_lr is not None:
            check_number("head_lr", self.head_lr, low=0.0, low_open=True, why="a positive number, or None for lr")
        check_integer("randaugment_ops", self.randaugment_ops, low=0, high=RANDAUGMENT_OPS,
                      why="operations per image; 0 turns RandAugment off")
        check_number("randaugment_magnitude", self.randaugment_magnitude, low=0.0, high=1.0, low_open=True)
        check_number("mixup_alpha", self.mixup_alpha, low=0.0, why="0 turns MixUp off")
        check_number("cutmix_alpha", self.cutmix_alpha, low=0.0, why="0 turns CutMix off")
        check_number("mix_prob", self.mix_prob, low=0.0, high=1.0)
        check_number("mix_switch_prob", self.mix_switch_prob, low=0.0, high=1.0)
        check_number("erasing_prob", self.erasing_prob, low=0.0, high=1.0)
        area = check_sequence("erasing_area", self.erasing_area, "two fractions of the image such as [0.02, 0.33]")
        if len(area) != 2 or not all(isinstance(a, (int, float)) and not isinstance(a, bool) and 0 < a < 1
                                     for a in area) or area[0] > area[1]:
            raise ValueError(f"erasing_area={self.erasing_area!r} is not allowed: it must be [low, high], fractions "
                             "of the image with 0 < low <= high < 1, such as [0.02, 0.33]")
        if self.ema_decay is not None:
            check_number("ema_decay", self.ema_decay, low=0.0, high=1.0, low_open=True, high_open=True,
                         why="such as 0.9999, or None for no average")
        if self.stochastic_depth is not None:
            check_number("stochastic_depth", self.stochastic_depth, low=0.0, high=1.0, high_open=True,
                         why="the rate of the deepest block, or None for the build's own")
        if not isinstance(self.extra, dict):
            raise ValueError(f"extra={self.extra!r} is not allowed: it must be a mapping")
        for name, value in (("step_boundaries", boundaries), ("metrics", metrics), ("augmentation", augmentation),
                            ("erasing_area", area)):
            object.__setattr__(self, name, tuple(value))

    def override(self, **changes: Any) -> "TrainingRecipe":
        """A copy with some fields changed; None values are ignored, unknown names are a ValueError."""
        known = {f.name for f in fields(self)}
        for name in changes:
            if name not in known:
                raise ValueError(f"{name}={changes[name]!r} is not a recipe field; fields: {', '.join(sorted(known))}")
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def to_dict(self) -> dict[str, Any]:
        """The recipe as plain data (written as ``recipe.json`` next to a run)."""
        return asdict(self)

    @property
    def mixes(self) -> bool:
        """Whether training batches are mixed (MixUp or CutMix), which takes one-hot labels."""
        return self.mix_prob > 0 and (self.mixup_alpha > 0 or self.cutmix_alpha > 0)
