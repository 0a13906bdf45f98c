"""PyTorch checkpoints into zoo models: :func:`read_checkpoint` and :func:`convert_checkpoint`.

A checkpoint is a ``state_dict`` saved by ``torch.save`` (``.pth``, ``.pt``: read with
``torch.load(weights_only=True)``, so torch must be installed) or by safetensors
(``.safetensors``: read with the ``safetensors`` package and NumPy, no torch needed). Of
a full training checkpoint the state dict is the entry ``state_dict``, ``model`` or
``model_ema``, the first there is; a ``module.`` prefix (``DataParallel``) is stripped.

Which tensor goes where is the architecture's data, :attr:`zoo.Architecture.converters`:
for a source (``"torchvision"``, ``"timm"``), a function naming the PyTorch module of each
Keras layer, and the build arguments of the source's layout. How a tensor is laid out
depends only on the kind of Keras layer, the same for every family:

- ``Conv2D``: ``weight`` (out, in, h, w) -> kernel (h, w, in, out), and ``bias``;
- ``DepthwiseConv2D``: ``weight`` (channels x multiplier, 1, h, w) -> kernel (h, w, channels, multiplier);
- ``Dense``: ``weight`` (out, in) -> kernel (in, out), and ``bias``; when the Dense layer is fed
  by ``Flatten``, the rows are reordered too: PyTorch flattens (channels, height, width),
  Keras (height, width, channels);
- ``BatchNormalization``: ``weight``, ``bias``, ``running_mean``, ``running_var``
  (``num_batches_tracked`` is ignored); ``LayerNormalization``: ``weight``, ``bias``;
- a tensor whose shape is the Keras one with axes of size 1 added or dropped at the end takes
  that shape: a ``Linear`` weight into a 1x1 ``Conv2D`` (MobileNetV3's head), a ``(channels, 1, 1)``
  parameter into a vector (torchvision's ConvNeXt layer scale).

The layers of a nested model (keras.applications' ConvNeXt keeps its stem in a ``Sequential``)
are placed one by one, by their own names. Where a module's tensors are not named ``weight`` and
``bias``, the naming function gives the layer ``{Keras weight name: tensor name}`` instead of a module.

Every tensor must find its place and every weight its tensor; the first tensor whose shape
differs is an error naming it and both shapes, and a tensor of integers or of values that are
not finite is refused (:func:`zoo.weights.io.check_values`). Nothing here imports TensorFlow, Keras or
torch until a checkpoint is read or converted.
"""

from __future__ import annotations

import pickle
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from zoo.records.architecture import Architecture, load_reference
from zoo.registry.arguments import build_arguments
from zoo.registry.loader import get_registry
from zoo.weights.io import CHECKPOINT_SUFFIXES, check_values, save_weights

STATE_DICT_KEYS = ("state_dict", "model", "model_ema")  # where a training checkpoint keeps the weights
IGNORED = ("num_batches_tracked", "n_averaged")  # counters of BatchNorm2d and of an EMA's AveragedModel
TORCH_NAMES = {"kernel": "weight", "bias": "bias", "gamma": "weight", "beta": "bias",
               "moving_mean": "running_mean", "moving_variance": "running_var"}  # Keras weight -> tensor


@dataclass(frozen=True)
class Checkpoint:
    """The tensors of a checkpoint as float32 NumPy arrays, by state-dict key."""

    tensors: dict[str, Any]
    entry: str | None = None  # the entry of a training checkpoint they came from ("model"), if any


@dataclass(frozen=True)
class Conversion:
    """What :func:`convert_checkpoint` did: the build arguments the weights need and where they came from."""

    source: str
    arguments: dict[str, Any]  # the layout's build arguments, then the caller's
    entry: str | None
    tensors: int


def is_checkpoint(path) -> bool:
    """Whether ``path`` is named as a PyTorch checkpoint (``.pth``, ``.pt``, ``.safetensors``).

    Example::

        >>> is_checkpoint("resnet18-f37072fd.pth"), is_checkpoint("resnet18.weights.h5")
        (True, False)
    """
    return Path(path).suffix in CHECKPOINT_SUFFIXES


def read_checkpoint(path) -> Checkpoint:
    """The tensors of a ``.pth``/``.pt`` (needs torch) or ``.safetensors`` (needs no torch) checkpoint.

    :raises ValueError: in one line: a name that is no checkpoint's, torch missing for a ``.pth``, a
        pickle ``torch.load(weights_only=True)`` refuses, a truncated or corrupt file, no state dict.

    Example::

        >>> read_checkpoint("resnet18-f37072fd.pth").tensors["fc.weight"].shape
        (1000, 512)
    """
    path = Path(path)
    if path.suffix == ".safetensors":
        checkpoint = Checkpoint(_read_safetensors(path))
    elif path.suffix in (".pth", ".pt"):
        checkpoint = _read_torch(path)
    else:
        raise ValueError(f"{path.name}: a PyTorch checkpoint's name must end in {', '.join(CHECKPOINT_SUFFIXES)}")
    tensors = {key.removeprefix("module."): value for key, value in checkpoint.tensors.items()}
    return Checkpoint(tensors, checkpoint.entry)


def _read_safetensors(path: Path) -> dict:
    import numpy as np
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    try:
        tensors = load_file(str(path))
    except SafetensorError as error:
        raise ValueError(f"{path}: not a readable safetensors file (truncated or corrupt: {error})") from None
    except TypeError as error:  # NumPy has no bfloat16
        raise ValueError(f"{path}: {error}; convert the file to float32 first") from None
    return {key: value.astype(np.float32) if value.dtype.kind == "f" else value for key, value in tensors.items()}


def _read_torch(path: Path) -> Checkpoint:
    try:
        import torch
    except ImportError:
        raise ValueError(f"{path.name}: reading a {path.suffix} checkpoint needs the package 'torch', which is "
                         "not installed: pip install torch, or pass the weights as a .safetensors file") from None
    try:
        with warnings.catch_warnings():  # torch warns about legacy pickle protocols before refusing; the refusal says it
            warnings.simplefilter("ignore", UserWarning)
            loaded = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        why = next((line[line.index("Unsupported"):].strip() for line in str(error).splitlines()
                    if "Unsupported" in line), "Weights only load failed")
        raise ValueError(f"{path}: torch.load(weights_only=True) refuses this file, which holds Python objects "
                         f"besides tensors ({why.split('. Please')[0]}); load it only if you trust it, and "
                         "save its state_dict with torch.save(model.state_dict(), ...)") from None
    except (RuntimeError, EOFError, OSError) as error:
        why = "the file is empty" if path.stat().st_size == 0 else _first_line(error)
        raise ValueError(f"{path}: not a readable PyTorch checkpoint (truncated or corrupt: {why})") from None
    state, entry = _state_dict(loaded, torch.Tensor, path)
    return Checkpoint({key: value.detach().float().numpy() if value.is_floating_point() else value.numpy()
                       for key, value in state.items()}, entry)


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def _state_dict(loaded, tensor_type, path: Path) -> tuple[Mapping, str | None]:
    """The state dict itself, or the first of :data:`STATE_DICT_KEYS` of a training checkpoint that is one."""
    def is_state_dict(value) -> bool:
        return isinstance(value, Mapping) and bool(value) and all(isinstance(v, tensor_type) for v in value.values())

    if is_state_dict(loaded):
        return loaded, None
    if isinstance(loaded, Mapping):
        for key in STATE_DICT_KEYS:
            if is_state_dict(loaded.get(key)):
                return loaded[key], key
        entries = ", ".join(repr(k) for k in list(loaded)[:8])
        raise ValueError(f"{path}: holds no state_dict: neither it nor its entry {' or '.join(STATE_DICT_KEYS)} "
                         f"maps names to tensors; its entries: {entries}")
    raise ValueError(f"{path}: holds a {type(loaded).__name__}, not a state_dict (names mapped to tensors)")


# --- the architecture's side ----------------------------------------------------------------------


def converter(arch: Architecture, source: str) -> tuple[str, dict]:
    """The naming function (a lazy ``"module:function"``) and the layout's build arguments that convert
    ``source`` checkpoints into ``arch``.

    :raises ValueError: an unknown source, or an architecture that source does not convert into
        (the message lists what is supported).

    Example::

        >>> converter(get_registry().architectures["densenet121"], "timm")
        ('zoo_plugins.nets.densenet:torch_module_names', {'bn_epsilon': 1e-05})
    """
    architectures = get_registry().architectures.values()
    sources = sorted({s for a in architectures for s in a.converters})
    if source not in sources:
        raise ValueError(f"source={source!r} is not allowed: use one of {tuple(sources)}")
    if source not in arch.converters:
        supported = sorted(a.name for a in architectures if source in a.converters)
        raise ValueError(f"{arch.name} cannot be converted from {source} checkpoints; the zoo converts "
                         f"{source} checkpoints of: {', '.join(supported)}")
    names, layout = arch.converters[source]
    return names, dict(layout)


def convert_checkpoint(path, arch: Architecture, source: str, destination, *, num_classes: int | None = None,
                       input_shape: tuple | None = None, arguments: Mapping | None = None) -> Conversion:
    """Convert a PyTorch checkpoint into ``arch``'s Keras weights, written to ``destination`` (``.weights.h5``).

    The model is built with its defaults, the source's layout (``arch.converters[source]``) and
    ``arguments``, with the classifier; every tensor of the checkpoint is placed (see the module's text).

    :param path: a ``.pth``/``.pt`` or ``.safetensors`` state dict (or training checkpoint).
    :param arch: the architecture the checkpoint is of.
    :param source: where its layout and names come from: ``"torchvision"`` or ``"timm"``.
    :param num_classes: classes of its classifier (the architecture's default if None).
    :param input_shape: the input shape to build at (the architecture's default if None).
    :param arguments: build arguments besides the layout's (``{"fc_units": 512}``).
    :return: a :class:`Conversion`; its ``arguments`` are the build arguments the weights need.
    :raises ValueError: the checkpoint cannot be read, a tensor is missing, left over or of another shape.

    Example::

        >>> convert_checkpoint("resnet50-11ad3fa6.pth", registry.architectures["resnet50"], "torchvision",
        ...                    "resnet50.tv2.weights.h5").arguments
        {'bottleneck_stride': '3x3', 'use_bias': False, 'bn_epsilon': 1e-05}
    """
    names, layout = converter(arch, source)
    needed = {**layout, **(arguments or {})}
    built = build_arguments(arch, num_classes=num_classes, input_shape=input_shape, include_top=True, **needed)
    checkpoint = read_checkpoint(path)  # before Keras is imported: a file that cannot be read fails fast
    model = arch.build_fn()(**built)
    place_tensors(model, checkpoint.tensors, load_reference(names)(built),
                  where=f"{Path(path).name} ({source} {arch.name})")
    save_weights(model, Path(destination))
    return Conversion(source=source, arguments=needed, entry=checkpoint.entry, tensors=len(checkpoint.tensors))


def place_tensors(model, tensors: Mapping[str, Any], names: Mapping[str, str | tuple], *, where: str) -> None:
    """Assign every weight of ``model`` from ``tensors``: layer ``L``'s from the module ``names[L]`` (or the
    first of several names found), laid out for Keras by the layer's kind.

    :raises ValueError: a tensor missing, left over, or of a shape other than the layer needs (naming both).

    Example::

        >>> model = zoo.get("resnet18")
        >>> place_tensors(model, read_checkpoint("resnet18-f37072fd.pth").tensors,
        ...               {"conv1_conv": "conv1", "conv1_bn": "bn1", ...}, where="resnet18-f37072fd.pth")
    """
    import keras

    flattened = {id(layer.output): tuple(layer.input.shape[1:]) for layer in model.layers
                 if isinstance(layer, keras.layers.Flatten)}
    used, missing = set(), []
    for layer in _leaf_layers(model):
        if not layer.weights:
            continue
        module = names.get(layer.name)
        if module is None:
            raise ValueError(f"{where}: the converter names no PyTorch module for layer {layer.name!r}")
        depthwise = isinstance(layer, keras.layers.DepthwiseConv2D)
        flat = flattened.get(id(layer.input)) if isinstance(layer, keras.layers.Dense) else None
        for variable in layer.weights:
            if isinstance(module, Mapping):
                keys = [module[variable.name]] if variable.name in module else []
            elif variable.name in TORCH_NAMES:
                keys = [f"{m}.{TORCH_NAMES[variable.name]}" for m in ((module,) if isinstance(module, str) else module)]
            else:
                keys = []
            if not keys:
                raise ValueError(f"{where}: layer {layer.name!r} ({type(layer).__name__}) has a weight "
                                 f"{variable.name!r} the converter names no tensor for; converted by their kind are "
                                 "those of Conv2D, DepthwiseConv2D, Dense, BatchNormalization and LayerNormalization")
            key = next((k for k in keys if k in tensors), None)
            if key is None:
                missing.append(f"{keys[0]} (for {variable.path})")
                continue
            shape = tuple(variable.shape)
            expected = torch_shape(shape, depthwise)
            tensor = tensors[key]
            if tuple(tensor.shape) != expected and _strip_ones(tensor.shape) == _strip_ones(expected):
                tensor = tensor.reshape(expected)  # a Linear into a 1x1 convolution, (channels, 1, 1) into a vector
            if tuple(tensor.shape) != expected:
                raise ValueError(f"{where}: tensor {key} has shape {tuple(tensor.shape)}, but {variable.path} "
                                 f"needs {expected}: is the checkpoint of another architecture or depth?")
            check_values(where, key, tensor)  # integers where floats belong, NaN: never converted
            variable.assign(to_keras(tensor, shape, depthwise, flat))
            used.add(key)
    if missing:
        raise ValueError(f"{where}: the checkpoint has no tensor {missing[0]}"
                         + (f" and {len(missing) - 1} more missing" if len(missing) > 1 else "")
                         + ": is it of another architecture or depth?")
    unused = sorted(k for k in tensors if k not in used and k.rsplit(".", 1)[-1] not in IGNORED)
    if unused:
        more = f" and {len(unused) - 3} more" if len(unused) > 3 else ""
        raise ValueError(f"{where}: tensor(s) {', '.join(unused[:3])}{more} of the checkpoint have no place in "
                         "the model: is it of another architecture or depth?")


def _leaf_layers(model):
    """The model's layers, those of a nested model (a ``Sequential`` inside) in its place."""
    import keras

    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _leaf_layers(layer)
        else:
            yield layer


def _strip_ones(shape) -> tuple:
    """``shape`` without its trailing axes of size 1."""
    shape = tuple(shape)
    while shape and shape[-1] == 1:
        shape = shape[:-1]
    return shape


def torch_shape(shape: tuple, depthwise: bool = False) -> tuple:
    """The PyTorch shape of a Keras weight of ``shape``: a kernel (h, w, in, out) is (out, in, h, w).

    Example::

        >>> torch_shape((3, 3, 64, 128)), torch_shape((3, 3, 32, 1), depthwise=True), torch_shape((512, 10))
        ((128, 64, 3, 3), (32, 1, 3, 3), (10, 512))
    """
    if len(shape) == 4:
        h, w, c, m = shape
        return (c * m, 1, h, w) if depthwise else (m, c, h, w)
    return tuple(reversed(shape))  # a Dense kernel (in, out) is (out, in); a vector is itself


def to_keras(tensor, shape: tuple, depthwise: bool = False, flattened: tuple | None = None):
    """A PyTorch tensor laid out as the Keras weight of ``shape`` (the inverse of :func:`torch_shape`).

    ``flattened`` is the (height, width, channels) feature map a Dense layer's input flattens.

    Example::

        >>> to_keras(np.zeros((128, 64, 3, 3)), (3, 3, 64, 128)).shape
        (3, 3, 64, 128)
        >>> to_keras(np.zeros((4096, 25088)), (25088, 4096), flattened=(7, 7, 512)).shape  # VGG's fc1
        (25088, 4096)
    """
    if len(shape) == 4:
        h, w, c, m = shape
        return tensor.reshape(c, m, h, w).transpose(2, 3, 0, 1) if depthwise else tensor.transpose(2, 3, 1, 0)
    if len(shape) == 2 and flattened is not None:
        h, w, c = flattened
        return tensor.reshape(-1, c, h, w).transpose(2, 3, 1, 0).reshape(h * w * c, -1)
    return tensor.T if len(shape) == 2 else tensor
