"""What a plugin registers: :class:`Architecture`."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Union

TASKS = ("image-classification", "text-classification")

BuildFn = Callable[..., Any]
# source -> ("module:function" naming each Keras layer's PyTorch module, build arguments of that layout)
Converters = Mapping[str, tuple[str, Mapping[str, Any]]]


def load_reference(reference: str):
    """The object a lazy ``"module:function"`` reference names, importing its module.

    Example::

        >>> load_reference("zoo_plugins.nets.lenet:build_lenet")
        <function build_lenet at 0x...>
    """
    module, _, attr = reference.partition(":")
    return getattr(importlib.import_module(module), attr)


@dataclass(frozen=True)
class Architecture:
    """An architecture a plugin offers: its name, how to build it and what it accepts.

    Registration is data only; ``build`` may be a lazy ``"module:function"``
    reference so that registering never imports TensorFlow or Keras.

    The core calls ``build(num_classes=..., input_shape=..., include_top=...,
    pooling=..., **arguments)`` where ``arguments`` are ``defaults`` updated by
    what the user passed. Any argument not in ``defaults`` is refused.

    ``converters`` says which PyTorch checkpoints convert into the architecture
    (:mod:`zoo.convert`): for each source (``"torchvision"``, ``"timm"``), a lazy
    ``"module:function"`` that takes the build arguments and returns
    ``{Keras layer name: PyTorch module name}``, and the build arguments of the
    source's layout (``{"bn_epsilon": 1e-5}``), which must be in ``defaults``.

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
    paper: str = ""
    description: str = ""
    converters: Converters = field(default_factory=dict)

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
        converters = {}
        for source, spec in dict(self.converters).items():
            names, layout = spec if isinstance(spec, (tuple, list)) and len(spec) == 2 else (None, None)
            if not (isinstance(names, str) and ":" in names and isinstance(layout, Mapping)):
                raise ValueError(f"Architecture {self.name!r}: converters[{source!r}]={spec!r} must be "
                                 "('module:function', {build arguments of the layout})")
            unknown = sorted(set(layout) - set(self.defaults))
            if unknown:
                raise ValueError(f"Architecture {self.name!r}: converters[{source!r}] sets {unknown[0]}, "
                                 f"which is not in its defaults: {', '.join(sorted(self.defaults))}")
            converters[source] = (names, dict(layout))
        object.__setattr__(self, "converters", converters)

    def build_fn(self) -> BuildFn:
        """The build callable, importing a lazy ``"module:function"`` reference on first use."""
        return self.build if callable(self.build) else load_reference(self.build)
