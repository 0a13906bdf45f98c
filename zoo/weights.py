"""Pretrained weights: choosing a tag, building the model it fits, and importing your own files.

:func:`build_pretrained` is what ``zoo.get(..., pretrained=...)`` calls:

- ``pretrained=True`` uses the architecture's default tag (or, when the
  architecture's own arguments are given, the one tag trained with them:
  ``zoo.get("mobilenet", alpha=0.5, input_shape=(160, 160, 3), pretrained=True)``);
- ``pretrained="imagenet"`` or ``zoo.get("resnet50.imagenet", pretrained=True)`` picks a tag;
- ``pretrained="/path/to/file.weights.h5"`` loads a local file into the model as built.

The file is found or downloaded by :func:`zoo.cache.fetch`; a tag whose file is a
PyTorch checkpoint (``format: torchvision``) is converted once by :mod:`zoo.convert`,
into the cache, which later calls read (:func:`weights_file`). With
``include_top=False`` the tag's headless file is used when it has one. A
different ``num_classes`` or ``in_channels`` is handled by
:func:`zoo.adapt.transfer_weights`.

:func:`import_weights` registers a local file as a tag: a Keras file as it is, or a
PyTorch checkpoint converted (``source="torchvision"``).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from zoo.architecture import Architecture
from zoo.cache import cache_dir, fetch, user_catalog
from zoo.convert import CHECKPOINT_SUFFIXES, convert_checkpoint, is_checkpoint
from zoo.download import file_hash
from zoo.registry import get_registry
from zoo.tags import CHECKPOINT_FORMATS, WeightTag

WEIGHT_SUFFIXES = {".weights.h5": "keras", ".h5": "h5", ".hdf5": "h5"}  # longest first
# What an imported PyTorch checkpoint of ImageNet expects, as torchvision and timm state it: RGB in [0, 1]
# normalised by ImageNet's mean and std, the image resized to 256 and center-cropped to 224.
CHECKPOINT_TAG = {"preprocessing": {"mode": "torch", "resize": [256, 256], "crop": [224, 224]}}


def file_format(path) -> str:
    """``"keras"`` for a Keras 3 ``.weights.h5`` file, ``"h5"`` for the legacy HDF5 layout (``.h5``)."""
    name = str(path)
    for suffix, kind in WEIGHT_SUFFIXES.items():
        if name.endswith(suffix):
            return kind
    checkpoint = (f"; {Path(name).name} is a PyTorch checkpoint: import it with source='torchvision' or 'timm' "
                  "(zoo weights import FILE --as NAME.TAG --from torchvision)") if is_checkpoint(name) else ""
    raise ValueError(
        f"weights file {name!r} is not allowed: its name must end in {', '.join(WEIGHT_SUFFIXES)} "
        f"(Keras 3 `.weights.h5`, or the legacy HDF5 layout of keras.applications){checkpoint}"
    )


# --- choosing a tag ------------------------------------------------------------------------------


def tag_for(name: str) -> WeightTag:
    """The weight tag ``"architecture.tag"``, or an architecture's default tag.

    Example::

        >>> tag_for("resnet50").name
        'resnet50.imagenet'
    """
    registry = get_registry()
    arch, tag = registry.resolve(name)
    return registry.weights[f"{arch.name}.{tag}"] if tag else select_tag(arch, {})


def select_tag(arch: Architecture, requested: dict) -> WeightTag:
    """The tag ``pretrained=True`` means: trained with the architecture arguments in ``requested``
    (the defaults for those not given), at the requested input size if there is one, the default first.

    Example::

        >>> select_tag(registry.architectures["mobilenet"], {"alpha": 0.5, "input_shape": (160, 160, 3)}).name
        'mobilenet.imagenet_050_160'
    """
    registry = get_registry()
    tags = [t for t in registry.tags_for(arch.name) if t.include_top or not _is_headless_of_another(t)]
    if not tags:
        raise ValueError(f"pretrained=True is not possible for {arch.name}: it has no weight tags "
                         f"(`zoo list --pretrained` lists the architectures that have)")
    # Only the arguments some tag records matter (alpha: yes; dropout, features: no).
    relevant = set().union(*(t.arguments for t in tags)) & set(arch.defaults)
    given = {k: v for k, v in requested.items() if k in relevant and v is not None}
    effective = {k: given.get(k, arch.defaults[k]) for k in relevant}  # mobilenet at 160x160: alpha=1.0

    def trained_with(t: WeightTag) -> bool:
        return all(_same(t.arguments.get(k, arch.defaults[k]), v) for k, v in effective.items())

    # Tags trained with the arguments asked for (defaults included); if the user asked for none and no
    # tag was trained with the defaults, any tag (the default one first).
    fitting = [t for t in tags if trained_with(t)] or ([] if given else tags)
    if not fitting:
        raise ValueError(
            f"no weights of {arch.name} were trained with {_kwargs(given)}; its tags: "
            + ", ".join(f"{t.name} ({_kwargs(t.arguments) or 'defaults'})" for t in tags)
        )
    size = requested.get("input_shape")
    return min(fitting, key=lambda t: (
        size is not None and t.input_shape is not None and tuple(size[:-1]) != tuple(t.input_shape[:-1]),
        not t.default,
        t.input_shape is not None and tuple(t.input_shape) != arch.input_shape,  # else the default size
        tags.index(t),  # registry order: of several defaults, the user's
    ))


def _is_headless_of_another(tag: WeightTag) -> bool:
    return any(_headless_name(other) == tag.name for other in get_registry().tags_for(tag.architecture))


def _headless_name(tag: WeightTag) -> str | None:
    if not tag.headless:
        return None
    return tag.headless if "." in tag.headless else f"{tag.architecture}.{tag.headless}"


def _same(a, b) -> bool:
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return list(a) == list(b)
    return a == b


def _kwargs(arguments: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in arguments.items())


def _resolve(arch: Architecture, tag: str | None, pretrained) -> WeightTag | Path:
    registry = get_registry()
    if isinstance(pretrained, os.PathLike) or (isinstance(pretrained, str) and (
            os.sep in pretrained or pretrained.endswith(tuple(WEIGHT_SUFFIXES)))):
        path = Path(pretrained).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"pretrained={str(pretrained)!r}: no such weights file")
        file_format(path)
        return path
    if isinstance(pretrained, str):
        named, wanted = registry.resolve(pretrained if "." in pretrained else f"{arch.name}.{pretrained}")
        if named.name != arch.name or (tag and wanted != tag):
            raise ValueError(f"pretrained={pretrained!r} contradicts the model asked for, "
                             f"{arch.name}{'.' + tag if tag else ''}")
        tag = wanted
    elif pretrained is not True:
        raise ValueError(f"pretrained={pretrained!r} is not allowed: use True, a tag name or a weights file path")
    return registry.weights[f"{arch.name}.{tag}"] if tag else None


# --- building ------------------------------------------------------------------------------------


def build_pretrained(arch: Architecture, tag: str | None, pretrained, requested: dict[str, Any]):
    """Build ``arch`` as ``requested`` and load pretrained weights into it (called by :func:`zoo.get`).

    :param arch: the architecture.
    :param tag: the tag named in ``zoo.get``'s name (``"imagenet"`` in ``"resnet50.imagenet"``), or None.
    :param pretrained: True, a tag name, or a local weights file path.
    :param requested: the user's arguments; None means "not given".
    :return: a ``keras.Model`` with the weights loaded.

    Example::

        >>> model = zoo.get("resnet50", pretrained=True, num_classes=10, in_channels=1)
    """
    from zoo.models import build_arguments

    chosen = _resolve(arch, tag, pretrained)
    if isinstance(chosen, Path):
        model = arch.build_fn()(**build_arguments(arch, **requested))
        model.load_weights(str(chosen))
        return model
    weights = chosen or select_tag(arch, requested)
    for key, value in weights.arguments.items():
        if requested.get(key) is not None and not _same(requested[key], value):
            raise ValueError(f"{key}={requested[key]!r} is not allowed with weights {weights.name}, "
                             f"which were trained with {key}={value!r}")
    include_top = requested.get("include_top", True)
    headless = _headless_name(weights)
    file_tag = get_registry().weights[headless] if headless and not include_top else weights
    path = weights_file(file_tag)

    trained_shape = weights.input_shape or arch.input_shape
    target = build_arguments(arch, **{
        **requested,
        **{k: v for k, v in weights.arguments.items() if requested.get(k) is None},
        "num_classes": requested.get("num_classes") or weights.num_classes,
        "input_shape": requested.get("input_shape") or trained_shape,
    })
    source = dict(
        target,
        num_classes=weights.num_classes or arch.num_classes,
        include_top=file_tag.include_top,
        input_shape=_source_shape(arch, target, trained_shape, file_tag.include_top),
    )
    if file_tag.include_top and source.get("features"):
        source["features"] = False  # the stage feature maps come from a model without its top
    build = arch.build_fn()
    if source == target:
        model = build(**target)
        _load(model, path, file_tag)
        return model
    from zoo.adapt import transfer_weights

    donor = build(**source)
    _load(donor, path, file_tag)
    model = build(**target)
    transfer_weights(donor, model, name=weights.name)
    return model


def _source_shape(arch: Architecture, target: dict, trained_shape: tuple, include_top: bool) -> tuple:
    """The input shape of the model the file fits: the trained channels; the trained size for a top
    (a flattening classifier fixes the size), else the target's size."""
    if arch.task != "image-classification":
        return target["input_shape"]
    spatial = target["input_shape"][:-1]
    if include_top and not target["include_top"]:
        spatial = tuple(trained_shape[:-1])
    return (*spatial, trained_shape[-1])


def weights_file(tag: WeightTag) -> Path:
    """The Keras weights file of ``tag``, found or downloaded by :func:`zoo.cache.fetch`.

    A tag whose file is a PyTorch checkpoint (``format: torchvision``) is converted the first
    time, into the cache (``$ZOO_HOME/weights/<tag>.<hash prefix>.weights.h5``); later calls
    read the converted file, offline too, and fetch nothing.

    Example::

        >>> weights_file(tag_for("resnet50.tv2_in1k"))
        PosixPath('/home/me/.cache/keras-zoo/weights/resnet50.tv2_in1k.11ad3fa6.weights.h5')
    """
    if tag.format not in CHECKPOINT_FORMATS:
        return fetch(tag)
    from filelock import FileLock

    converted = cache_dir() / converted_name(tag)
    if converted.is_file():
        return converted
    converted.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(converted) + ".lock"):  # several processes convert once
        if not converted.is_file():
            checkpoint = fetch(tag)
            partial = converted.with_name(f".{os.getpid()}.{converted.name}")  # keeps the suffix Keras writes
            try:
                convert_checkpoint(checkpoint, get_registry().architectures[tag.architecture], tag.format, partial,
                                   num_classes=tag.num_classes, input_shape=tag.input_shape, arguments=tag.arguments)
                os.replace(partial, converted)
            except ValueError as error:
                raise ValueError(f"weights {tag.name}: {error}") from None
            finally:
                partial.unlink(missing_ok=True)
    return converted


def converted_name(tag: WeightTag) -> str:
    """The name in the cache of a checkpoint tag's converted file, which changes with the checkpoint's hash.

    Example::

        >>> converted_name(tag_for("resnet18.tv_in1k"))
        'resnet18.tv_in1k.f37072fd.weights.h5'
    """
    return f"{tag.name}.{tag.hash[:8]}.weights.h5" if tag.hash else f"{tag.name}.weights.h5"


def _load(model, path: Path, tag: WeightTag) -> None:
    """Load ``path`` into ``model``; errors name the tag and the file."""
    expected = file_format(path)
    stated = "keras" if tag.format in CHECKPOINT_FORMATS else tag.format  # converted into a Keras file
    if expected != stated:
        raise ValueError(f"weights {tag.name}: file {path.name} is in the {expected!r} format, "
                         f"but the tag says format={tag.format!r}")
    try:
        model.load_weights(str(path))
    except ValueError as error:
        raise ValueError(f"weights {tag.name} ({path}) do not load into {model.name}: {error}") from None


# --- importing a local file ----------------------------------------------------------------------


def import_weights(path, name_tag: str, *, source: str | None = None, arch: str | None = None,
                   check: bool = True, **metadata) -> WeightTag:
    """Register a local weights file as the tag ``name_tag``: put into the cache with its sha256,
    and written to the user catalog ``$ZOO_HOME/registry.yaml``.

    A PyTorch checkpoint is converted into a Keras ``.weights.h5`` first (:mod:`zoo.convert`), and
    the tag records the build arguments of the source's layout, the source's preprocessing (ImageNet
    mean and std on RGB in [0, 1], resize 256, center crop 224), the ImageNet class names for 1000
    classes, and where it came from. A failed conversion leaves no file and no tag behind.

    :param path: a ``.weights.h5`` (Keras 3) or legacy ``.h5`` file; with ``source``, a ``.pth``,
        ``.pt`` or ``.safetensors`` checkpoint.
    :param name_tag: ``"architecture.tag"``, e.g. ``"lenet5.mine"``.
    :param source: whose layout a checkpoint has: ``"torchvision"`` or ``"timm"``.
    :param arch: the architecture the file is of (default: the one ``name_tag`` names, which it must be).
    :param check: build the model from the new tag and load the file, before registering it (a
        converted checkpoint is always checked: converting builds the model).
    :param metadata: any other :class:`zoo.WeightTag` field: ``num_classes``, ``class_names``,
        ``input_shape``, ``arguments``, ``preprocessing``, ``metrics``, ``recipe``, ``source``,
        ``license``, ``default``. Fields not given are taken from the ``card.json`` that
        ``zoo.train`` writes beside the file, when its hash matches.
    :return: the registered :class:`zoo.WeightTag`.

    Example::

        >>> zoo.weights.import_weights("runs/lenet5/best.weights.h5", "lenet5.mine", num_classes=10,
        ...                            metrics={"test_accuracy": 0.981})
        >>> zoo.weights.import_weights("resnet50-11ad3fa6.pth", "resnet50.tv2", source="torchvision")
        >>> model = zoo.get("resnet50.tv2", pretrained=True)
    """
    import yaml
    from filelock import FileLock

    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such weights file")
    architecture, dot, tag = name_tag.partition(".")
    if not dot or not architecture or not tag or "." in tag:
        raise ValueError(f"--as {name_tag!r} is not allowed: name the weights 'architecture.tag', e.g. 'lenet5.mine'")
    registry = get_registry()
    target, _ = registry.resolve(architecture)
    if arch is not None and registry.resolve(arch)[0] is not target:
        raise ValueError(f"arch={arch!r} is not allowed with {name_tag!r}: the tag's architecture is "
                         f"{target.name}, the one its weights are built into")
    if source is None:
        metadata = {**card_metadata(path), **metadata}
        fmt = file_format(path)
        suffix = next(s for s, k in WEIGHT_SUFFIXES.items() if str(path).endswith(s))
        entry = {"format": fmt, "source": f"imported from {path.resolve()}", **metadata}
    elif not is_checkpoint(path):
        raise ValueError(f"source={source!r} converts PyTorch checkpoints; {path.name} is not one: its name must "
                         f"end in {', '.join(CHECKPOINT_SUFFIXES)}")
    else:
        suffix = ".weights.h5"
        num_classes = metadata.get("num_classes") or target.num_classes
        entry = {"format": "keras", **CHECKPOINT_TAG, "num_classes": num_classes,
                 "input_shape": list(target.input_shape), "source": f"converted from the {source} checkpoint "
                 f"{path.resolve()} (sha256 {file_hash(path)})", **metadata}
        if num_classes == 1000:
            entry.setdefault("class_names", "imagenet")
    name = f"{target.name}.{tag}"
    entry = _plain({"file_name": f"{name}{suffix}", "hash": None, **entry})
    WeightTag.from_dict(name, entry, "import_weights")  # the fields are checked before any work

    destination = cache_dir() / entry["file_name"]
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f".{os.getpid()}.{destination.name}")  # keeps the suffix Keras reads
    try:
        if source is None:
            shutil.copyfile(path, partial)
        else:
            conversion = convert_checkpoint(path, target, source, partial, num_classes=entry["num_classes"],
                                            input_shape=entry["input_shape"], arguments=entry.get("arguments"))
            entry["arguments"] = _plain(conversion.arguments)
            if conversion.entry and "source" not in metadata:
                entry["source"] += f", its {conversion.entry!r} entry"
        entry["hash"] = file_hash(partial)
        new = WeightTag.from_dict(name, entry, "import_weights")
        if check and source is None:
            _load(target.build_fn()(**build_arguments_for(target, new)), partial, new)
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)

    catalog = user_catalog()
    with FileLock(str(catalog) + ".lock"):
        data = (yaml.safe_load(catalog.read_text(encoding="utf-8")) if catalog.exists() else None) or {}
        data.setdefault("weights", {})[new.name] = entry
        partial = catalog.with_name(f".{catalog.name}.{os.getpid()}.part")
        partial.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        os.replace(partial, catalog)
    registry.weights[new.name] = new  # the running process sees it at once
    return new


def card_metadata(path: Path) -> dict:
    """Tag fields from the ``card.json`` that ``zoo.train`` writes beside its weights, if it describes this file.

    The card's hash must match the file, so a card left over from another run is never used.
    """
    card_path = path.with_name("card.json")
    if not card_path.is_file():
        return {}
    card = json.loads(card_path.read_text(encoding="utf-8"))
    if card.get("hash") != file_hash(path):
        return {}
    arguments = {k: v for k, v in card.get("arguments", {}).items()
                 if k not in ("num_classes", "input_shape", "in_channels")}
    found = {
        "num_classes": card.get("num_classes"),
        "class_names": card.get("class_names"),
        "input_shape": card.get("input_shape") or None,
        "arguments": arguments,
        "preprocessing": card.get("preprocessing"),
        "metrics": card.get("metrics"),
        "recipe": card.get("recipe"),
        "source": f"zoo train {card.get('architecture')} --data {card.get('dataset')} (seed {card.get('seed')})",
    }
    return {key: value for key, value in found.items() if value not in (None, {}, [])}


def _plain(value):
    """``value`` with tuples as lists and NumPy scalars as Python numbers, for YAML."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value.item() if hasattr(value, "item") and not isinstance(value, (str, bytes)) else value


def build_arguments_for(arch: Architecture, tag: WeightTag) -> dict:
    """The build arguments of the model a tag's file fits exactly."""
    from zoo.models import build_arguments

    return build_arguments(arch, num_classes=tag.num_classes, input_shape=tag.input_shape,
                           include_top=tag.include_top, **tag.arguments)
