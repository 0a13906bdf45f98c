"""Training recipes: the defaults a family trains with, as data.

A plugin returns a :class:`TrainingRecipe` from its ``zoo_training_recipe``
hook; users override any field per call (``zoo.train(..., lr=0.01)``) or from
the command line, and the resolved recipe is written next to the run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop", "adadelta")
SCHEDULES = ("constant", "cosine", "step")
AUGMENTATIONS = ("flip", "crop", "translate")


@dataclass(frozen=True)
class TrainingRecipe:
    """How to train an architecture: optimizer, schedule, regularization, loss, data handling.

    Example::

        TrainingRecipe(optimizer="sgd", lr=0.1, momentum=0.9, schedule="step",
                       step_boundaries=(0.5, 0.75), weight_decay=1e-4, epochs=164, batch_size=128,
                       augmentation=("flip", "crop"))
    """

    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.0  # sgd / rmsprop
    weight_decay: float = 0.0
    schedule: str = "constant"
    warmup_epochs: int = 0
    step_boundaries: tuple[float, ...] = (0.5, 0.75)  # fractions of training, for schedule="step"
    step_factor: float = 0.1
    label_smoothing: float = 0.0
    loss: str = "sparse_categorical_crossentropy"
    metrics: tuple[str, ...] = ("accuracy",)
    batch_size: int = 64
    epochs: int = 10
    augmentation: tuple[str, ...] = ()  # Keras preprocessing layers for images: flip, crop, translate
    early_stopping_patience: int | None = None  # epochs without val_loss improvement; None: off
    clipnorm: float | None = None
    head_epochs: int = 0  # first epochs with the backbone frozen, only the classifier head training (fine-tuning)
    head_lr: float | None = None  # learning rate of those epochs (None: lr)
    extra: dict[str, Any] = field(default_factory=dict)  # anything a plugin's own recipe needs

    def __post_init__(self):
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer={self.optimizer!r} is not allowed: use one of {OPTIMIZERS}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule={self.schedule!r} is not allowed: use one of {SCHEDULES}")
        for name in ("lr", "batch_size", "epochs"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"{name}={value!r} is not allowed: it must be a positive number")
        if isinstance(self.head_epochs, bool) or not isinstance(self.head_epochs, int) \
                or not 0 <= self.head_epochs <= self.epochs:
            raise ValueError(f"head_epochs={self.head_epochs!r} is not allowed: it must be an integer from 0 to "
                             f"epochs ({self.epochs}), the epochs of the frozen-backbone phase within the total")
        if self.head_lr is not None and (isinstance(self.head_lr, bool) or not isinstance(self.head_lr, (int, float))
                                         or self.head_lr <= 0):
            raise ValueError(f"head_lr={self.head_lr!r} is not allowed: it must be a positive number, or None for lr")
        for item in self.augmentation:
            if item not in AUGMENTATIONS:
                raise ValueError(f"augmentation={self.augmentation!r} is not allowed: items are {AUGMENTATIONS}")
        for name in ("step_boundaries", "metrics", "augmentation"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

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
