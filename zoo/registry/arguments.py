"""The build arguments of an architecture: checked, with every default filled in.

:func:`build_arguments` is the one place that turns what a caller asked for
(``num_classes``, ``input_shape``, ``in_channels``, ``include_top``, ``pooling``
and the architecture's own arguments) into the keyword arguments of the
plugin's build function, refusing anything that cannot work with a
``ValueError`` that names the argument, the value and what is allowed.
Nothing here imports TensorFlow or Keras.
"""

from __future__ import annotations

import math
from typing import Any

from zoo.checks import check_integer
from zoo.records.architecture import Architecture

POOLINGS = (None, "avg", "max")


def resolve_input_shape(arch: Architecture, input_shape, in_channels) -> tuple:
    """The input shape to build with: the default, the user's, and ``in_channels`` merged and checked."""
    shape = arch.input_shape if input_shape is None else input_shape
    if not isinstance(shape, (tuple, list)) or len(shape) != len(arch.input_shape):
        raise ValueError(
            f"input_shape={input_shape!r} is not allowed for {arch.name}: it takes a tuple of "
            f"{len(arch.input_shape)} dimensions like {arch.input_shape}"
        )
    shape = tuple(shape)
    if arch.task == "image-classification":
        if in_channels is not None:
            check_integer("in_channels", in_channels)
            shape = (*shape[:-1], in_channels)
        *spatial, channels = shape
        check_integer("input_shape channels", channels)
        if any(size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1)
               for size in spatial):
            raise ValueError(f"input_shape={input_shape!r} is not allowed for {arch.name}: height and width must be "
                             f"positive integers (or None), like {arch.input_shape}")
        if not arch.any_input_size and input_shape is not None and tuple(spatial) != arch.input_shape[:-1]:
            raise ValueError(
                f"input_shape={input_shape!r} is not allowed for {arch.name}: it only takes "
                f"{arch.input_shape[:-1]} images"
            )
        for size in spatial:
            if size is not None and arch.min_input_size and size < arch.min_input_size:
                raise ValueError(
                    f"input_shape={input_shape!r} is too small for {arch.name}: height and width must be "
                    f"at least {arch.min_input_size}"
                )
    elif in_channels is not None:
        raise ValueError(f"in_channels={in_channels!r} is not allowed: {arch.name} is a {arch.task} model")
    return shape


def kind_of(value) -> str:
    """What values an argument whose default is ``value`` takes, in words: ``"a list of integers"``."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)) and value:
        return f"a list of {kind_of(value[0]).removeprefix('a ').removeprefix('an ')}s"
    return type(value).__name__


def _fits(value, default) -> bool:
    """Whether ``value`` has the type of the architecture's ``default`` (ints for a number, lists for tuples)."""
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if isinstance(default, str):
        return isinstance(value, str)
    if isinstance(default, (list, tuple)):
        return isinstance(value, (list, tuple)) and all(_fits(v, default[0]) for v in value) if default else \
            isinstance(value, (list, tuple))
    return True


def check_type(arch: Architecture, name: str, value) -> None:
    """An architecture argument must have its default's type: a ValueError naming it, the value and the type.

    ``None`` is a value where the default is None, a string or a number (the builders' "off": a
    classifier without activation, no norm constraint); where the default is an integer, a flag or a
    list, it is not.

    Example::

        >>> check_type(registry.architectures["lenet5"], "filters", "abc")
        ValueError: filters='abc' is not allowed for lenet5: it must be a list of integers, like (6, 16)
    """
    default = arch.defaults[name]
    if default is None or (value is None and isinstance(default, (str, float))):
        return
    if value is None or not _fits(value, default):
        raise ValueError(f"{name}={value!r} is not allowed for {arch.name}: it must be {kind_of(default)}, "
                         f"like {default!r}")


def build_arguments(arch: Architecture, *, num_classes=None, input_shape=None, in_channels=None,
                    include_top=True, pooling=None, **arch_kwargs) -> dict[str, Any]:
    """The complete, checked keyword arguments for ``arch``'s build function."""
    unknown = sorted(set(arch_kwargs) - set(arch.defaults))
    if unknown:
        allowed = ", ".join(sorted(arch.defaults)) or "none"
        raise ValueError(
            f"{unknown[0]}={arch_kwargs[unknown[0]]!r} is not an argument of {arch.name}; "
            f"its arguments are num_classes, input_shape, in_channels, include_top, pooling and: {allowed}"
        )
    for name, value in arch_kwargs.items():
        check_type(arch, name, value)
    num_classes = arch.num_classes if num_classes is None else num_classes
    check_integer("num_classes", num_classes)
    if pooling not in POOLINGS:
        raise ValueError(f"pooling={pooling!r} is not allowed: use one of {POOLINGS}")
    if not isinstance(include_top, bool):
        raise ValueError(f"include_top={include_top!r} is not allowed: use True or False")
    return {
        **arch.defaults,
        **arch_kwargs,
        "num_classes": num_classes,
        "input_shape": resolve_input_shape(arch, input_shape, in_channels),
        "include_top": include_top,
        "pooling": pooling,
    }


def shape_for(input_shape, name: str):
    """The input shape of architecture ``name`` from one shape (or None) or a dict of them."""
    shape = input_shape.get(name) if isinstance(input_shape, dict) else input_shape
    return None if shape is None else tuple(shape)
