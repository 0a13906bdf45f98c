"""Pretrained weights: choosing a tag, checking a request against it, building the model it fits.

:func:`build_pretrained` is what ``zoo.get(..., pretrained=...)`` calls:

- ``pretrained=True`` uses the architecture's default tag (or, when the
  architecture's own arguments are given, the one tag trained with them:
  ``zoo.get("mobilenet", alpha=0.5, input_shape=(160, 160, 3), pretrained=True)``);
- ``pretrained="imagenet"`` or ``zoo.get("resnet50.imagenet", pretrained=True)`` picks a tag;
- ``pretrained="/path/to/file.weights.h5"`` loads a local file: into the model its ``card.json``
  describes when ``zoo train`` wrote one beside it, else into the model as built.

Every door that loads weights goes through :func:`build`: it takes the weights'
:class:`zoo.records.identity.ModelIdentity`, refuses arguments that contradict it before
anything is downloaded, builds the model, fetches the file (:func:`zoo.weights.cache.fetch`)
and loads it, adapting the head and the input channels (:func:`zoo.weights.adapt.transfer_weights`)
when those were asked to differ. :func:`preprocessing` and :func:`decode_predictions`
say what a tag's weights expect of their input and what their outputs mean.

A tag whose file is a PyTorch checkpoint (``format: torchvision`` or ``timm``) is converted
once by :mod:`zoo.weights.convert`, into the cache, which later calls read (:func:`weights_file`).
:func:`import_weights` registers a local file as a tag: a Keras file as it is, or a PyTorch
checkpoint converted (``source="torchvision"``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from zoo.checks import check_integer
from zoo.files import atomic_output, check_name, confined, file_hash, make_directory, storage
from zoo.records import identity as identities
from zoo.records import preprocessing as pixels
from zoo.records.architecture import HEAD_ARGUMENTS, Architecture
from zoo.records.identity import ModelIdentity
from zoo.records.tags import CHECKPOINT_FORMATS, WeightTag
from zoo.registry.arguments import build_arguments
from zoo.registry.catalog import read_catalog, update_user_catalog, user_catalog
from zoo.registry.loader import get_registry
from zoo.weights.adapt import transfer_weights
from zoo.weights.cache import cache_dir, fetch
from zoo.weights.convert import CHECKPOINT_SUFFIXES, convert_checkpoint, converter, is_checkpoint
from zoo.weights.io import WEIGHT_SUFFIXES, file_format, load_weights

SHAPE_ARGUMENTS = identities.SHAPE_ARGUMENTS  # may always differ from the weights': zoo.weights.adapt fits them
# What an imported PyTorch checkpoint of ImageNet expects, as torchvision and timm state it: RGB in [0, 1]
# normalised by ImageNet's mean and std, the image resized to 256 and center-cropped to 224.
CHECKPOINT_PREPROCESSING = {"mode": "torch", "resize": [256, 256], "crop": [224, 224]}


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

    Arguments that do not change what weights mean (dropout, the classifier's activation) do not
    count. When none is given and no tag was trained with the defaults, the default tag is used.

    Example::

        >>> select_tag(registry.architectures["mobilenet"], {"alpha": 0.5, "input_shape": (160, 160, 3)}).name
        'mobilenet.imagenet_050_160'
    """
    registry = get_registry()
    tags = [t for t in registry.tags_for(arch.name) if t.include_top or not registry.is_headless_twin(t)]
    if not tags:
        raise ValueError(f"pretrained=True is not possible for {arch.name}: it has no weight tags "
                         f"(`zoo list --pretrained` lists the architectures that have)")
    given = {k: v for k, v in requested.items() if k in arch.defaults and not arch.is_free(k)}
    wanted = {k: given.get(k, v) for k, v in arch.defaults.items() if not arch.is_free(k)}

    def trained_with(t: WeightTag) -> bool:
        arguments = identities.from_tag(t, arch).arguments
        return all(_same(arguments[k], v) for k, v in wanted.items())

    fitting = [t for t in tags if trained_with(t)] or ([] if given else tags)
    if not fitting:
        raise ValueError(
            f"no weights of {arch.name} were trained with {_kwargs(given)}; its tags: "
            + ", ".join(f"{t.name} ({_kwargs(_own(t, arch)) or 'defaults'})" for t in tags)
        )
    size = requested.get("input_shape")
    return min(fitting, key=lambda t: (
        size is not None and t.input_shape is not None and tuple(size[:-1]) != tuple(t.input_shape[:-1]),
        not t.default,
        t.input_shape is not None and tuple(t.input_shape) != arch.input_shape,  # else the default size
        tags.index(t),  # registry order: of several defaults, the user's
    ))


def _own(tag: WeightTag, arch: Architecture) -> dict:
    """A tag's arguments that differ from the architecture's defaults (what to tell a user about it)."""
    return {k: v for k, v in tag.arguments.items() if not _same(v, arch.defaults.get(k))}


def _same(a, b) -> bool:
    return identities._plain(a) == identities._plain(b)


def _kwargs(arguments: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in arguments.items())


# --- the identity of what ``pretrained`` names ----------------------------------------------------


def pretrained_identity(arch: Architecture, tag: str | None, pretrained, requested: dict) -> ModelIdentity:
    """The identity of the weights ``zoo.get(arch[.tag], pretrained=..., **requested)`` asks for."""
    registry = get_registry()
    if isinstance(pretrained, os.PathLike) or (isinstance(pretrained, str) and (
            os.sep in pretrained or pretrained.endswith(tuple(WEIGHT_SUFFIXES)))):
        return file_identity(arch, Path(pretrained).expanduser(), requested)
    if isinstance(pretrained, str):
        named, wanted = registry.resolve(pretrained if "." in pretrained else f"{arch.name}.{pretrained}")
        if named.name != arch.name or (tag and wanted != tag):
            raise ValueError(f"pretrained={pretrained!r} contradicts the model asked for, "
                             f"{arch.name}{'.' + tag if tag else ''}")
        tag = wanted
    elif pretrained is not True:
        raise ValueError(f"pretrained={pretrained!r} is not allowed: use True, a tag name or a weights file path")
    chosen = registry.weights[f"{arch.name}.{tag}"] if tag else select_tag(arch, requested)
    return identities.from_tag(chosen, arch)


def file_identity(arch: Architecture, path: Path, requested: dict) -> ModelIdentity:
    """The identity of a local weights file: its ``card.json`` when ``zoo train`` wrote one, else the model asked for."""
    if not path.is_file():
        raise FileNotFoundError(f"pretrained={str(path)!r}: no such weights file")
    file_format(path)
    found = identities.card_at(path)
    if found is not None:
        recorded = identities.from_card(found[1], arch, str(found[0]))
        if recorded.architecture == arch.name:
            return recorded.replace(weights=path)
    args = build_arguments(arch, **requested)
    return ModelIdentity(architecture=arch.name, arguments={k: args[k] for k in arch.defaults},
                         num_classes=args["num_classes"], input_shape=args["input_shape"],
                         include_top=args["include_top"], weights=path)


def check_request(identity: ModelIdentity, arch: Architecture, requested: dict) -> None:
    """Refuse build arguments that contradict the weights, before anything is downloaded.

    The head and the input (``num_classes``, ``input_shape``, ``in_channels``, ``include_top``,
    ``pooling``) may differ: :mod:`zoo.weights.adapt` fits them. So may the arguments that do not change
    what weights mean (:meth:`zoo.Architecture.is_free`). Any other argument must equal the tag's.
    """
    if requested.get("num_classes") is not None:
        check_integer("num_classes", requested["num_classes"])
    for key, value in requested.items():
        if key in SHAPE_ARGUMENTS or key not in arch.defaults or arch.is_free(key):
            continue
        if not _same(value, identity.arguments.get(key)):
            raise ValueError(
                f"{key}={value!r} is not allowed with weights {identity.name}, which were trained with "
                f"{key}={identity.arguments.get(key)!r}: leave {key} out to build the model the weights fit, "
                f"or train {arch.name} with {key}={value!r} from scratch (pretrained=False)"
            )


# --- building ------------------------------------------------------------------------------------


def build_pretrained(arch: Architecture, tag: str | None, pretrained, requested: dict[str, Any]):
    """Build ``arch`` as ``requested`` and load pretrained weights into it (called by :func:`zoo.get`).

    :param arch: the architecture.
    :param tag: the tag named in ``zoo.get``'s name (``"imagenet"`` in ``"resnet50.imagenet"``), or None.
    :param pretrained: True, a tag name, or a local weights file path.
    :param requested: the user's arguments; None for a head or input argument means "not given".
    :return: a ``keras.Model`` with the weights loaded.

    Example::

        >>> model = zoo.get("resnet50", pretrained=True, num_classes=10, in_channels=1)
    """
    model, _ = build(pretrained_identity(arch, tag, pretrained, requested), requested)
    return model


def plan(identity: ModelIdentity, requested: dict[str, Any] | None = None) -> tuple[dict, ModelIdentity]:
    """What :func:`build` will make of ``identity`` changed as ``requested``, checked, without building.

    :return: ``(the build function's arguments, the identity of the model it builds)``.
    :raises ValueError: an argument contradicts the weights (:func:`check_request`) or is invalid.
    """
    arch = get_registry().architectures[identity.architecture]
    # None means "not given" for the head and input arguments; an architecture argument given as None is a value
    requested = {k: v for k, v in (requested or {}).items() if v is not None or k in arch.defaults}
    check_request(identity, arch, requested)
    free = {k: v for k, v in requested.items() if k in arch.defaults}
    target = build_arguments(arch, **{
        **identity.arguments, **free,
        "num_classes": requested.get("num_classes", identity.num_classes),
        "input_shape": requested.get("input_shape", identity.input_shape),
        "in_channels": requested.get("in_channels"),
        "include_top": requested.get("include_top", True),
        "pooling": requested.get("pooling"),
    })
    if arch.task == "image-classification" and target["input_shape"][-1] != identity.input_shape[-1] \
            and arch.first_conv is None:
        raise ValueError(f"in_channels={target['input_shape'][-1]} is not allowed with weights {identity.name}, "
                         f"which take {identity.input_shape[-1]} channels: {arch.name} names no first_conv "
                         "(zoo.Architecture.first_conv) whose kernel could be adapted")
    return target, _built_identity(identity, arch, target)


def build(identity: ModelIdentity, requested: dict[str, Any] | None = None):
    """The model ``identity`` describes, with its weights, changed as ``requested``; and its new identity.

    ``requested`` may change the head and the input (another ``num_classes``, ``in_channels``,
    input size, ``include_top``, ``pooling``) and the arguments that do not change what weights
    mean; anything else that differs from ``identity`` is a ValueError (:func:`check_request`),
    raised, like every invalid argument, before the weights are fetched.

    :return: ``(model, identity of the model built)``; its ``pretrained`` names the tag it started from.

    Example::

        >>> model, built = build(zoo.registry.request.locate("lenet5.mnist5k"), {"num_classes": 3})
        >>> built.num_classes, built.pretrained
        (3, 'lenet5.mnist5k')
    """
    target, built = plan(identity, requested)
    arch = get_registry().architectures[identity.architecture]
    build_fn = arch.build_fn()
    model = build_fn(**target)  # every argument is checked before anything is downloaded

    include_top = target["include_top"]
    file_tag, path = _weights_file(identity, include_top)
    file_has_top = file_tag.include_top if file_tag is not None else identity.include_top
    source = dict(target, num_classes=identity.num_classes, include_top=file_has_top,
                  input_shape=_source_shape(arch, target, identity.input_shape, file_has_top))
    what = f"weights {file_tag.name}" if file_tag is not None else "weights"
    expected_format = loaded_format(file_tag) if file_tag is not None else None
    # a tag's file was proven by its hash when fetched; a local file (a run's) by the hash its card records
    recorded = dict(hash=identity.hash, hash_algorithm=identity.hash_algorithm) if file_tag is None else {}
    if source == target:
        load_weights(model, path, what=what, expected_format=expected_format, **recorded)
    else:

        # the donor only carries the file's weights, so its head is the file's (features=True has no top)
        donor = build_fn(**{**source, **{k: identity.arguments[k] for k in HEAD_ARGUMENTS
                                         if k in source and k in identity.arguments}})
        load_weights(donor, path, what=what, expected_format=expected_format, **recorded)
        transfer_weights(donor, model, first_conv=arch.first_conv, classifier=arch.classifier, name=identity.name)
    return model, built


def _weights_file(identity: ModelIdentity, include_top: bool) -> tuple[WeightTag | None, Path]:
    """(the tag whose file is loaded, its local path): the headless twin's for a model without its top."""
    if identity.weights is not None:
        return None, identity.weights
    registry = get_registry()
    tag = registry.weights[identity.tag]
    headless = registry.headless_twin(tag)
    if headless is not None and not include_top:
        tag = headless
    return tag, weights_file(tag)


def _built_identity(identity: ModelIdentity, arch: Architecture, target: dict) -> ModelIdentity:
    """The identity of the model :func:`build` made from ``identity``'s weights with ``target``'s arguments."""
    same_classes = target["num_classes"] == identity.num_classes
    channels_changed = arch.task == "image-classification" and target["input_shape"][-1] != identity.input_shape[-1]
    unchanged = (same_classes and target["include_top"] == identity.include_top and not channels_changed
                 and tuple(target["input_shape"]) == tuple(identity.input_shape))
    return identity.replace(
        arguments={k: target[k] for k in arch.defaults},
        num_classes=target["num_classes"],
        input_shape=tuple(target["input_shape"]),
        include_top=target["include_top"],
        class_names=identity.class_names if same_classes else None,
        preprocessing=pixels.for_channels(identity.preprocessing, target["input_shape"][-1])
        if channels_changed else identity.preprocessing,
        tag=identity.tag if unchanged else None,
        weights=identity.weights if unchanged else None,
        hash=identity.hash if unchanged else None,
        pretrained=identity.pretrained if unchanged else (identity.tag or str(identity.weights)),
    )


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
    """The Keras weights file of ``tag``, found or downloaded by :func:`zoo.weights.cache.fetch`.

    A tag whose file is a PyTorch checkpoint (``format: torchvision``) is converted the first
    time, into the cache (``$ZOO_HOME/weights/<tag>.<hash prefix>.weights.h5``, written
    atomically, under a lock so that concurrent processes convert once); later calls read the
    converted file, offline too, and fetch nothing.

    Example::

        >>> weights_file(tag_for("resnet50.tv2_in1k"))
        PosixPath('/home/me/.cache/keras-zoo/weights/resnet50.tv2_in1k.11ad3fa6.weights.h5')
    """
    if tag.format not in CHECKPOINT_FORMATS:
        return fetch(tag)
    from filelock import FileLock

    converted = confined(cache_dir(), converted_name(tag), f"weights {tag.name}: the converted file's name")
    if converted.is_file():
        return converted
    make_directory(converted.parent, "the weights cache")
    with storage(converted, "convert weights into"), FileLock(str(converted) + ".lock"):
        if not converted.is_file():
            checkpoint = fetch(tag)
            arch = get_registry().architectures[tag.architecture]
            with atomic_output(converted, what="write the converted weights to") as partial:
                try:
                    convert_checkpoint(checkpoint, arch, tag.format, partial, num_classes=tag.num_classes,
                                       input_shape=tag.input_shape, arguments=tag.arguments)
                except ValueError as error:
                    raise ValueError(f"weights {tag.name}: {error}") from None
    return converted


def converted_name(tag: WeightTag) -> str:
    """The name in the cache of a checkpoint tag's converted file, which changes with the checkpoint's hash.

    Example::

        >>> converted_name(tag_for("resnet18.tv_in1k"))
        'resnet18.tv_in1k.f37072fd.weights.h5'
    """
    return f"{tag.name}.{tag.hash[:8]}.weights.h5"


def loaded_format(tag: WeightTag) -> str:
    """The format of the file :func:`weights_file` gives for ``tag``: a converted checkpoint is a Keras file."""
    return "keras" if tag.format in CHECKPOINT_FORMATS else tag.format


# --- what weights expect and what their outputs mean ----------------------------------------------


def _identity(tag) -> ModelIdentity:
    if isinstance(tag, ModelIdentity):
        return tag
    registry = get_registry()
    if isinstance(tag, WeightTag):
        return identities.from_tag(tag, registry.architectures[tag.architecture])
    chosen = tag_for(tag)
    return identities.from_tag(chosen, registry.architectures[chosen.architecture])


def preprocessing(tag):
    """The preprocessing the weights of ``tag`` expect, as a Keras layer.

    Use it inside a model or in a ``tf.data`` map (with any backend); it takes images with
    values in [0, 255] and channels last.

    :param tag: ``"architecture.tag"``, an architecture (its default tag), a :class:`zoo.WeightTag`
        or a :class:`zoo.records.identity.ModelIdentity`.
    :return: a ``keras.layers.Layer``.

    Example::

        >>> prep = zoo.preprocessing("resnet50.imagenet")
        >>> dataset = dataset.map(lambda x, y: (prep(x), y))
    """
    return pixels.layer(_identity(tag).preprocessing)


def class_names(tag) -> list[str]:
    """The class names of a tag in output order (``class_names: imagenet`` names the shipped ImageNet list)."""
    identity = _identity(tag)
    if identity.class_names is None:
        raise ValueError(f"weights {identity.name} record no class names (field class_names in the catalog)")
    if isinstance(identity.class_names, str) and identity.class_names != "imagenet":
        raise ValueError(f"weights {identity.name}: class_names={identity.class_names!r} is not allowed: "
                         "use 'imagenet' or a list of names")
    return identity.labels()


def decode_predictions(preds, tag, top: int = 5) -> list[list[tuple]]:
    """The ``top`` classes of each prediction in a batch, as ``(class id, name, score)``, best first.

    The class id is the WordNet id for ImageNet (as keras.applications'
    ``decode_predictions``) and the class index otherwise.

    Example::

        >>> zoo.decode_predictions(model.predict(images), "resnet50.imagenet", top=3)[0]
        [('n02123045', 'tabby', 0.61), ('n02123159', 'tiger_cat', 0.22), ('n02124075', 'Egyptian_cat', 0.1)]
    """
    import numpy as np

    identity = _identity(tag)
    names = class_names(identity)
    check_integer("top", top)
    preds = np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != len(names):
        raise ValueError(f"preds of shape {preds.shape} is not allowed: {identity.name} has {len(names)} classes, "
                         f"so pass a batch of shape (samples, {len(names)})")
    ids = [wnid for wnid, _ in identities.imagenet_classes()] if identity.class_names == "imagenet" \
        else list(range(len(names)))
    results = []
    for row in preds:
        best = np.argsort(row)[::-1][:top]
        results.append([(ids[i], names[i], float(row[i])) for i in best])
    return results


# --- importing a local file ----------------------------------------------------------------------


def import_weights(path, name_tag: str, *, source: str | None = None, arch: str | None = None,
                   check: bool = True, **metadata) -> WeightTag:
    """Register a local weights file as the tag ``name_tag``: put into the cache with its sha256,
    and written to the user catalog ``$ZOO_HOME/registry.yaml``.

    A PyTorch checkpoint is converted into a Keras ``.weights.h5`` first (:mod:`zoo.weights.convert`), and
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
        ``zoo.train`` writes beside the file, when its hash matches. The tag records the
        effective arguments (every default filled in).
    :return: the registered :class:`zoo.WeightTag`.

    Example::

        >>> zoo.weights.pretrained.import_weights("runs/lenet5/best.weights.h5", "lenet5.mine", num_classes=10,
        ...                            metrics={"test_accuracy": 0.981})
        >>> zoo.weights.pretrained.import_weights("resnet50-11ad3fa6.pth", "resnet50.tv2", source="torchvision")
        >>> model = zoo.get("resnet50.tv2", pretrained=True)
    """
    path = _import_source(Path(path).expanduser())
    architecture, dot, tag = name_tag.partition(".")
    if not dot or not architecture or not tag or "." in tag:
        raise ValueError(f"name_tag={name_tag!r} is not allowed: name the weights 'architecture.tag', "
                         "e.g. 'lenet5.mine'")
    check_name("name_tag", tag)
    registry = get_registry()
    target, _ = registry.resolve(architecture)
    if arch is not None and registry.resolve(arch)[0] is not target:
        raise ValueError(f"arch={arch!r} is not allowed with {name_tag!r}: the tag's architecture is "
                         f"{target.name}, the one its weights are built into")
    name = f"{target.name}.{tag}"
    if name in registry.weights and name not in (read_catalog(user_catalog()).get("weights") or {}
                                                 if user_catalog().is_file() else {}):
        raise ValueError(f"name_tag={name_tag!r} is not allowed: {name} is a tag that keras-zoo or a plugin ships, "
                         f"which an import must not replace; choose another tag name, e.g. {target.name}.mine")
    if source is None:
        metadata = {**card_metadata(path, target), **metadata}
        arguments = metadata.get("arguments") or {}
        entry = {"format": file_format(path), "source": f"imported from {path.resolve()}", **metadata}
        suffix = next(s for s in WEIGHT_SUFFIXES if str(path).endswith(s))
    elif not is_checkpoint(path):
        raise ValueError(f"source={source!r} converts PyTorch checkpoints; {path.name} is not one: its name must "
                         f"end in {', '.join(CHECKPOINT_SUFFIXES)}")
    else:
        _, layout = converter(target, source)  # an unknown source or architecture fails before any work
        arguments = {**layout, **(metadata.get("arguments") or {})}
        num_classes = target.num_classes if metadata.get("num_classes") is None else metadata["num_classes"]
        entry = {"format": "keras", "preprocessing": CHECKPOINT_PREPROCESSING, "num_classes": num_classes,
                 "input_shape": list(target.input_shape), "source": f"converted from the {source} checkpoint "
                 f"{path.resolve()} (sha256 {file_hash(path)})", **metadata}
        if num_classes == 1000:
            entry.setdefault("class_names", "imagenet")
        suffix = ".weights.h5"
    entry["arguments"] = identities.effective_arguments(target, arguments, name_tag)
    entry = _plain({"file_name": f"{name}{suffix}", "hash": None, **entry})
    planned = WeightTag.from_dict(name, entry, "import_weights")  # every field is checked before any work
    build_arguments(target, **identities.from_tag(planned, target).build_arguments())  # and fits the architecture
    if check and source is None:  # the user's own file, named as such in any error
        model = target.build_fn()(**identities.from_tag(planned, target).build_arguments())
        load_weights(model, path, what=f"weights {name}", expected_format=planned.format)

    destination = confined(cache_dir(), entry["file_name"], "file_name")
    make_directory(destination.parent, "the weights cache")
    with atomic_output(destination, what="import weights into") as partial:
        with storage(destination, "import weights into"):
            if source is None:
                shutil.copyfile(path, partial)
            else:
                conversion = convert_checkpoint(path, target, source, partial, num_classes=entry["num_classes"],
                                                input_shape=entry["input_shape"], arguments=entry["arguments"])
                if conversion.entry and "source" not in metadata:
                    entry["source"] += f", its {conversion.entry!r} entry"
        entry["hash"] = file_hash(partial)
        new = WeightTag.from_dict(name, entry, "import_weights")

    update_user_catalog("weights", new.name, entry, what="register the tag in")
    registry.weights[new.name] = new  # the running process sees it at once
    return new


def _import_source(path: Path) -> Path:
    """The file ``zoo weights import`` is given: a weights file, or a run directory's weights (its card names them)."""
    if path.is_dir():
        found = identities.card_at(path)
        recorded = found[1].get("file_name") if found is not None else None
        if not recorded:
            raise ValueError(f"{path} is a directory, not a weights file: pass the .weights.h5 file, or a run "
                             f"directory written by zoo train (with its {identities.CARD_NAME})")
        path = path / recorded
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such weights file")
    return path


def card_metadata(path: Path, arch: Architecture) -> dict:
    """Tag fields from the ``card.json`` that ``zoo.train`` writes beside its weights, if it describes this file.

    The card's hash must match the file, so a card left over from another run is never used.
    """
    found = identities.card_at(path)
    if found is None:
        return {}
    card_file, card = found
    if (card.get("hash") or "").lower() != file_hash(path):
        return {}
    recorded = identities.from_card(card, arch, str(card_file))
    found = {
        "num_classes": recorded.num_classes,
        "class_names": list(recorded.class_names) if isinstance(recorded.class_names, tuple) else recorded.class_names,
        "input_shape": list(recorded.input_shape),
        "include_top": recorded.include_top,
        "arguments": dict(recorded.arguments),
        "preprocessing": dict(recorded.preprocessing),
        "metrics": card.get("metrics"),
        "recipe": card.get("recipe"),
        "source": f"zoo train {card.get('architecture')} --data {card.get('dataset')} (seed {card.get('seed')})"
        + (f", fine-tuned from {recorded.pretrained}" if recorded.pretrained else ""),
    }
    return {key: value for key, value in found.items() if value not in (None, {}, [])}


def _plain(value):
    """``value`` with tuples as lists and NumPy scalars as Python numbers, for YAML."""
    return identities._plain(value)
