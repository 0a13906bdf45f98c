"""Saving and loading weights files: :func:`save_weights`, :func:`load_weights`, and the checks before any use.

Every weights file the zoo reads goes through :func:`load_weights`: a tag's file (downloaded,
shipped or found in a mirror), a converted PyTorch checkpoint, an imported file, a run's
``best.weights.h5`` and its resumable checkpoint. Before a single value reaches the model it
checks, in this order:

1. that the file is there and its name says a weights format (``.weights.h5``, legacy ``.h5``);
2. its hash, when one is recorded (a run's ``card.json`` and checkpoint ``state.json``; a tag's
   file is proven by its hash when it is fetched, :func:`zoo.weights.cache.fetch`);
3. every stored array: float values finite (no NaN, no infinity), and a layer's weights neither
   of other shapes than the model's nor integers where the model has floats;
4. then loads it; a file that still does not fit is one line naming the first layer that differs.

A PyTorch checkpoint's tensors get the same value checks as they are converted
(:func:`check_values`, called by :mod:`zoo.weights.convert`). :func:`save_weights` writes
atomically (:func:`zoo.files.atomic_output`) and returns the file's sha256 for the record
that will name it. The one Keras workaround on this path is :mod:`zoo.weights.keras_fix`.

Example::

    >>> digest = save_weights(model, Path("runs/x/best.weights.h5"))
    >>> load_weights(model, Path("runs/x/best.weights.h5"), what="run x's best weights", hash=digest)
"""

from __future__ import annotations

import errno
import math
import shutil
import warnings
from pathlib import Path

from zoo.files import atomic_output, file_hash, make_directory, same_hash, storage
from zoo.weights.keras_fix import cache_saving_skipsets

WEIGHT_SUFFIXES = {".weights.h5": "keras", ".h5": "h5", ".hdf5": "h5"}  # longest first
CHECKPOINT_SUFFIXES = (".pth", ".pt", ".safetensors")  # PyTorch checkpoints, converted by zoo.weights.convert
HDF5_OVERHEAD = 4096  # bytes of HDF5 structure per stored array (groups, attributes), and for the file, at most


class WeightsMismatchError(ValueError):
    """A weights file cannot be used: it is not the file recorded for it (its hash), holds values that are not
    weights (NaN, integers where floats belong), or does not fit the model; the message names the first problem."""


def file_format(path) -> str:
    """``"keras"`` for a Keras 3 ``.weights.h5`` file, ``"h5"`` for the legacy HDF5 layout (``.h5``)."""
    name = str(path)
    for suffix, kind in WEIGHT_SUFFIXES.items():
        if name.endswith(suffix):
            return kind
    checkpoint = (f"; {Path(name).name} is a PyTorch checkpoint: import it with source='torchvision' or 'timm' "
                  "(zoo weights import FILE --as NAME.TAG --from torchvision)") \
        if Path(name).suffix in CHECKPOINT_SUFFIXES else ""
    raise ValueError(
        f"weights file {name!r} is not allowed: its name must end in {', '.join(WEIGHT_SUFFIXES)} "
        f"(Keras 3 `.weights.h5`, or the legacy HDF5 layout of keras.applications){checkpoint}"
    )


def save_weights(model, path: Path, *, with_optimizer: bool = False) -> str:
    """Save ``model``'s weights (and optionally its optimizer state) to ``path`` atomically; its sha256.

    A full disk or a read-only directory is a one-line :class:`zoo.errors.StorageError` naming the
    path (and the free space); the file that was there stays intact.
    """
    import keras

    cache_saving_skipsets()
    optimizer = getattr(model, "optimizer", None)  # None before the model is compiled
    skip = None if with_optimizer or optimizer is None else [optimizer]
    variables = list(model.weights) + (list(optimizer.variables) if optimizer is not None and not skip else [])
    check_room(path, variable_bytes(variables) + HDF5_OVERHEAD * (len(variables) + 1), what="save weights to")
    with atomic_output(path, what="save weights to") as tmp, storage(path, "save weights to"):
        keras.saving.save_weights(model, str(tmp), objects_to_skip=skip)
        return file_hash(tmp)


def variable_bytes(variables) -> int:
    """The bytes the values of Keras ``variables`` take (a model's ``weights``)."""
    import numpy as np

    return sum(math.prod(v.shape) * np.dtype(str(v.dtype)).itemsize for v in variables)


def check_room(path: Path, size: int, *, what: str) -> None:
    """A one-line :class:`zoo.errors.StorageError` before writing ``size`` bytes beside ``path`` when the disk has
    less free space, or the process a smaller file-size limit (``ulimit -f``): HDF5 cannot stop cleanly when a
    write fails in the middle of a file (it crashes the process as it exits), so it must not start one."""
    import resource

    with storage(path, what):
        make_directory(Path(path).parent, "the directory")
        free = shutil.disk_usage(Path(path).parent).free
        if free < size:
            raise OSError(errno.ENOSPC, "No space left on device")
        limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
        if limit != resource.RLIM_INFINITY and limit < size:
            raise OSError(errno.EFBIG, "File too large")


def load_weights(model, path, *, what: str, expected_format: str | None = None, hash: str | None = None,
                 hash_algorithm: str = "sha256", with_optimizer: bool = False) -> None:
    """Check ``path`` (see the module's text), then load it into ``model``.

    :param what: what the weights are, for messages (``"weights lenet5.mnist5k"``).
    :param expected_format: the format the file's record says (``"keras"``, ``"h5"``), if any.
    :param hash: the hex digest recorded for the file, if any: another file is refused.
    :param with_optimizer: restore the optimizer's state too (a run's checkpoint).
    :raises FileNotFoundError: there is no such file.
    :raises WeightsMismatchError: it is not the recorded file, holds no usable weights, or does not fit.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{what} ({path}): " + ("it is a directory, not a file" if path.is_dir() else
                                                         "no such file"))
    kind = file_format(path)
    if expected_format is not None and kind != expected_format:
        raise ValueError(f"{what}: file {path.name} is in the {kind!r} format, "
                         f"but the tag says format={expected_format!r}")
    if hash is not None:
        with storage(path, "read"):
            actual = file_hash(path, hash_algorithm)
        if not same_hash(actual, hash):
            raise WeightsMismatchError(f"{what} ({path}) are not the file recorded for them: {hash_algorithm} "
                                       f"{actual}, recorded {hash.lower()}; the file was changed or replaced since")
    try:
        stored = stored_weights(path)
    except OSError as error:
        raise WeightsMismatchError(f"{what} ({path}) cannot be read: it is not a weights file "
                                   f"(HDF5 could not read it: {_first_line(error)})") from None
    except ValueError as error:
        raise WeightsMismatchError(f"{what} ({path}): {error}") from None
    problem = _bad_dtype(model, stored)
    if problem:
        raise WeightsMismatchError(f"{what} ({path}) do not load into {model.name}: {problem}")
    cache_saving_skipsets()
    optimizer = getattr(model, "optimizer", None)
    try:
        with warnings.catch_warnings():  # Keras warns about layers it skips; a mismatch is reported below instead
            warnings.filterwarnings("ignore", message="Skipping")
            if kind != "keras":
                model.load_weights(str(path))
            elif with_optimizer:
                if optimizer is not None and not optimizer.built:
                    optimizer.build(model.trainable_variables)
                model.load_weights(str(path))
            else:
                model.load_weights(str(path), objects_to_skip=[optimizer] if optimizer is not None else None)
    except (ValueError, OSError, KeyError, TypeError) as error:
        raise WeightsMismatchError(f"{what} ({path}) do not load into {model.name}: "
                                   f"{mismatch(model, stored) or _first_line(error)}") from None


def check_values(where: str, name: str, array) -> None:
    """Refuse an array that cannot be a float weight: integers (or booleans) stored for it, or values that are
    not finite. Called for every stored weight before it is used (HDF5 datasets, checkpoint tensors).

    Example::

        >>> check_values("model.safetensors", "fc.weight", np.array([[1, 2]]))
        ValueError: model.safetensors: fc.weight holds int64 values, not floating-point weights
    """
    import numpy as np

    array = np.asarray(array)
    prefix = f"{where}: " if where else ""
    if array.dtype.kind not in "fc":
        raise ValueError(f"{prefix}{name} holds {array.dtype} values, not floating-point weights")
    if array.size and not np.all(np.isfinite(array)):
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        raise ValueError(f"{prefix}{name} holds {bad} value(s) that are not finite (NaN or infinity) of "
                         f"{array.size}: no answer computed from them could mean anything")


def stored_weights(path: Path) -> dict[str, list[tuple[tuple, str]]] | None:
    """``{layer name: [(shape, dtype) of each weight]}`` of a weights file, Keras 3 or legacy HDF5 layout (None if
    neither), after checking that every float array in it is finite.

    :raises OSError: HDF5 cannot read the file.
    :raises ValueError: an array holds NaN or infinity.
    """
    import h5py
    import numpy as np

    def check(name, item):
        if isinstance(item, h5py.Dataset) and item.dtype.kind == "f" and item.size:
            values = item[()]
            if not np.all(np.isfinite(values)):
                layer = item.parent.attrs.get("name")  # a Keras 3 file names the layer on its vars group
                check_values("", f"layer {layer!r} weight {item.name.rsplit('/', 1)[-1]} ({name})"
                             if layer is not None else name, values)

    with h5py.File(path, "r") as f:
        f.visititems(check)
        if "layers" in f:  # Keras 3: layers/<key>/vars/<i>, the layer's name in the vars group's attributes
            found = {}
            for group in f["layers"].values():
                if "vars" in group and "name" in group["vars"].attrs:
                    variables = group["vars"]  # weights are numbered; other keys are a layer's own state
                    numbers = sorted(int(key) for key in variables if key.isdigit())
                    found[variables.attrs["name"]] = [(tuple(variables[str(i)].shape), variables[str(i)].dtype.str)
                                                      for i in numbers]
            return found
        if "layer_names" in f.attrs:  # keras.applications' legacy layout
            names = [n.decode() if isinstance(n, bytes) else n for n in f.attrs["layer_names"]]
            return {name: [(tuple(f[name][w].shape), f[name][w].dtype.str) for w in (
                        v.decode() if isinstance(v, bytes) else v for v in f[name].attrs.get("weight_names", []))]
                    for name in names}
    return None


def _bad_dtype(model, stored) -> str | None:
    """The first weight of ``model`` that is a float in the model but stored as integers, in words; or None.

    Only layers whose stored weights pair one to one with the model's (same count, same shapes) are compared."""
    import numpy as np

    for layer in model.layers:
        weights = stored.get(layer.name) if stored else None
        if not weights or len(weights) != len(layer.weights):
            continue
        for variable, (shape, dtype) in zip(layer.weights, weights):
            if tuple(variable.shape) != shape:
                break
            if np.dtype(str(variable.dtype)).kind == "f" and np.dtype(dtype).kind not in "fc":
                return (f"weight {variable.path!r} is stored as {np.dtype(dtype)} values, not floating-point "
                        "weights: the file was not written from a model of this architecture")
    return None


def mismatch(model, stored) -> str | None:
    """The first layer of ``model`` whose weights the file lacks or holds with other shapes, in words; or None."""
    if stored is None:
        return None
    weighted = [layer for layer in model.layers if layer.weights]
    for layer in weighted:
        shapes = [tuple(w.shape) for w in layer.weights]
        if layer.name not in stored:
            return f"the file has no weights for layer {layer.name!r} ({type(layer).__name__}, shapes {shapes})"
        stored_shapes = [shape for shape, _ in stored[layer.name]]
        if stored_shapes != shapes:
            return (f"layer {layer.name!r} ({type(layer).__name__}) has weight shapes {shapes} in the model "
                    f"but {stored_shapes} in the file")
    extra = [name for name, weights in stored.items() if weights and name not in {layer.name for layer in weighted}]
    if extra:
        return f"the file has weights for layer {extra[0]!r}, which the model does not have"
    return None


def _first_line(error: BaseException) -> str:
    """The reason in an error's message, on one line: for Keras' "A total of N objects could not be
    loaded" the example error it gives, without the arrays it prints after it."""
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    if not lines:
        return type(error).__name__
    for index, line in enumerate(lines[:-1]):
        if "Example error message for object" in line:
            return lines[index + 1].split(" Target variable:")[0].split(" value=[")[0]
    return lines[0]
