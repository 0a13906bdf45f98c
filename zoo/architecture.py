"""What a plugin registers: :class:`Architecture`."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Union

TASKS = ("image-classification", "text-classification")
# Arguments of every image architecture that do not change what its weights mean: a model built with
# other values than a weight tag's still fits the tag's file.
HEAD_ARGUMENTS = ("dropout", "classifier_activation", "features")

BuildFn = Callable[..., Any]


@dataclass(frozen=True)
class Architecture:
    """An architecture a plugin offers: its name, how to build it and what it accepts.

    Registration is data only; ``build`` may be a lazy ``"module:function"``
    reference so that registering never imports TensorFlow or Keras.

    The core calls ``build(num_classes=..., input_shape=..., include_top=...,
    pooling=..., **arguments)`` where ``arguments`` are ``defaults`` updated by
    what the user passed. Any argument not in ``defaults`` is refused.

    ``free_arguments`` name the arguments (besides :data:`HEAD_ARGUMENTS`) that do not change
    what the weights mean, so they may differ from a weight tag's; every other argument given
    with pretrained weights must equal the tag's. ``initializer_arguments`` only set initial
    values (pretrained word vectors, a vocabulary): a model card records their default, since
    the weights file holds what they became.

    Example::

        registry.add(zoo.Architecture(
            name="lenet5", family="lenet", build="zoo_plugins.nets.lenet:build_lenet",
            defaults={"activation": "tanh", "pooling_type": "avg"},
            input_shape=(32, 32, 1), min_input_size=28, num_classes=10,
        ))
    """

    name: str
    family: str
    build: Union[BuildFn, str]
    task: str = "image-classification"
    defaults: Mapping[str, Any] = field(default_factory=dict)
    input_shape: tuple = (224, 224, 3)
    min_input_size: int | None = 32
    num_classes: int = 1000
    supports_features: bool = False
    any_input_size: bool = True
    free_arguments: tuple[str, ...] = ()
    initializer_arguments: tuple[str, ...] = ()
    paper: str = ""
    description: str = ""

    def __post_init__(self):
        if not self.name or not self.name.replace("_", "").isalnum() or self.name != self.name.lower():
            raise ValueError(
                f"Architecture name={self.name!r} must be lower-case letters, digits and underscores"
            )
        if self.task not in TASKS:
            raise ValueError(f"Architecture {self.name!r}: task={self.task!r} must be one of {TASKS}")
        if not (callable(self.build) or (isinstance(self.build, str) and ":" in self.build)):
            raise ValueError(
                f"Architecture {self.name!r}: build={self.build!r} must be a callable or 'module:function'"
            )
        object.__setattr__(self, "defaults", dict(self.defaults))
        object.__setattr__(self, "input_shape", tuple(self.input_shape))
        for name in ("free_arguments", "initializer_arguments"):
            names = tuple(getattr(self, name))
            unknown = [n for n in names if n not in self.defaults]
            if unknown:
                raise ValueError(f"Architecture {self.name!r}: {name} names {unknown[0]!r}, which is not in defaults")
            object.__setattr__(self, name, names)

    def is_free(self, argument: str) -> bool:
        """Whether ``argument`` may differ from a weight tag's (it does not change what the weights mean)."""
        return argument in HEAD_ARGUMENTS or argument in self.free_arguments or argument in self.initializer_arguments

    def build_fn(self) -> BuildFn:
        """The build callable, importing a lazy ``"module:function"`` reference on first use."""
        if callable(self.build):
            return self.build
        module, _, attr = self.build.partition(":")
        return getattr(importlib.import_module(module), attr)
