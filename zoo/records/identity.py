"""What a model is: :class:`ModelIdentity`, the one record of a model's identity.

A model's identity is everything needed to rebuild it exactly and to feed it
what it was trained on: the architecture, its build arguments with every
default filled in, the input shape, the classes and their names, the
preprocessing its pixels go through, its weights file and hash, and where it
came from. Every producer writes one (a weight tag is read as one, ``zoo
train`` writes one into its run's ``card.json``, ``zoo weights import`` and
``zoo tune`` too) and every door reads and checks it (``zoo.get(...,
pretrained=...)``, ``zoo evaluate``, ``zoo predict``, fine-tuning, resuming a
run, exporting). timm's ``pretrained_cfg`` and keras-hub's presets are the
anchors.

Arguments are stored **effective**: the architecture's defaults at the time the
weights were made are written out, so a later change of a default cannot
change what a file means. Records written before that (older cards, catalog
tags without ``arguments``) are read with today's defaults.

Nothing here imports TensorFlow or Keras.

Example::

    >>> identity = zoo.registry.request.locate("lenet5.mnist5k")
    >>> identity.arguments["activation"], identity.preprocessing
    ('tanh', {'scale': 0.00392156862745098})
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from zoo.files import confined
from zoo.records.preprocessing import preprocessing_values, same_preprocessing

if TYPE_CHECKING:
    from zoo.records.architecture import Architecture
    from zoo.records.tags import WeightTag

IMAGENET_CLASS_INDEX = Path(__file__).parents[1] / "weights" / "imagenet_class_index.json"  # keras.applications' file
CARD_NAME = "card.json"  # a run's model card, beside its weights
CARD_VERSION = 2  # cards of version 2 store effective arguments and the fields below
DEFAULT_PREPROCESSING = {"scale": 1 / 255}  # what zoo train does to uint8 pixels when training from scratch
# What a resumed run must share with the run in its directory (the rest may change: epochs, learning rate, ...).
RUN_FIELDS = ("architecture", "arguments", "num_classes", "input_shape", "include_top", "preprocessing",
              "pretrained", "dataset")


@dataclass(frozen=True)
class ModelIdentity:
    """A model's identity: what to build, what its weights are, what its inputs and outputs mean.

    :param architecture: the registered architecture (``"lenet5"``).
    :param arguments: the architecture's own build arguments, every default filled in.
    :param num_classes: the classifier's size.
    :param input_shape: the input shape the model is built with (no batch axis).
    :param include_top: whether the weights include the classifier.
    :param class_names: the class names in output order, ``"imagenet"`` (the shipped ImageNet
        list), or None when unknown (the class indices are shown instead).
    :param preprocessing: what is done to 0..255 pixels before the model sees them (a weight
        tag's ``preprocessing`` field, see :mod:`zoo.records.preprocessing`); empty: nothing.
    :param tag: the weight tag these weights are (``"lenet5.mnist5k"``), if any.
    :param weights: a local weights file (a run's ``best.weights.h5``), if any.
    :param hash: the weights file's hex digest, if known.
    :param hash_algorithm: ``"sha256"`` or ``"md5"``.
    :param pretrained: the weight tag training started from (fine-tuning), if any.
    :param dataset: the data the weights were trained on, if known.
    :param source: provenance in words.

    Example::

        >>> identity = zoo.registry.request.locate("runs/lenet5-mnist5k")
        >>> model, _ = zoo.weights.pretrained.build(identity)
    """

    architecture: str
    arguments: Mapping[str, Any]
    num_classes: int
    input_shape: tuple
    include_top: bool = True
    class_names: tuple[str, ...] | str | None = None
    preprocessing: Mapping[str, Any] = field(default_factory=dict)
    tag: str | None = None
    weights: Path | None = None
    hash: str | None = None
    hash_algorithm: str = "sha256"
    pretrained: str | None = None
    dataset: str | None = None
    source: str = ""

    def __post_init__(self):
        object.__setattr__(self, "arguments", {k: _frozen(v) for k, v in dict(self.arguments).items()})
        object.__setattr__(self, "input_shape", tuple(self.input_shape))
        if isinstance(self.class_names, (list, tuple)):
            object.__setattr__(self, "class_names", tuple(str(name) for name in self.class_names))
        object.__setattr__(self, "preprocessing", dict(self.preprocessing or {}))
        preprocessing_values(self.preprocessing)  # a ValueError naming a bad field or mode
        if isinstance(self.num_classes, bool) or not isinstance(self.num_classes, int) or self.num_classes < 1:
            raise ValueError(f"num_classes={self.num_classes!r} is not allowed: it must be a positive integer")
        if self.weights is not None:
            object.__setattr__(self, "weights", Path(self.weights))
        if self.hash is not None:
            object.__setattr__(self, "hash", self.hash.lower())

    @property
    def name(self) -> str:
        """The tag's name, else the weights file, else the architecture: what messages call the model."""
        return self.tag or (str(self.weights) if self.weights else self.architecture)

    def build_arguments(self) -> dict[str, Any]:
        """The keyword arguments of the architecture's build function for exactly this model."""
        return {**self.arguments, "num_classes": self.num_classes, "input_shape": tuple(self.input_shape),
                "include_top": self.include_top, "pooling": None}

    def labels(self) -> list[str]:
        """The class names in output order (``"imagenet"`` resolved; class indices when unknown)."""
        if self.class_names == "imagenet":
            return [name for _, name in imagenet_classes()]
        if isinstance(self.class_names, tuple) and len(self.class_names) == self.num_classes:
            return list(self.class_names)
        return [str(i) for i in range(self.num_classes)]

    def differences(self, other: "ModelIdentity", fields=RUN_FIELDS) -> list[tuple[str, Any, Any]]:
        """``(field, this value, other value)`` for each of ``fields`` on which the two differ.

        Example::

            >>> recorded.differences(requested)
            [('arguments.activation', 'tanh', 'relu')]
        """
        found = []
        mine, theirs = self.to_dict(), other.to_dict()
        for name in fields:
            a, b = mine.get(name), theirs.get(name)
            if name == "arguments":
                for key in sorted(set(a) | set(b)):
                    if _plain(a.get(key)) != _plain(b.get(key)):
                        found.append((f"arguments.{key}", a.get(key), b.get(key)))
            elif name == "preprocessing":
                if not same_preprocessing(a, b):
                    found.append((name, a, b))
            elif _plain(a) != _plain(b):
                found.append((name, a, b))
        return found

    def replace(self, **changes) -> "ModelIdentity":
        """A copy with some fields changed."""
        return replace(self, **changes)

    def to_dict(self, relative_to: Path | None = None) -> dict[str, Any]:
        """The identity as JSON-able data, fields named as in a weight tag (``weights`` as ``file_name``).

        :param relative_to: write the weights file relative to this directory (a run's own files).
        """
        data = {k: _plain(v) for k, v in asdict(self).items() if k != "weights"}
        weights = self.weights
        if weights is not None and relative_to is not None:
            try:
                weights = weights.resolve().relative_to(Path(relative_to).resolve())
            except ValueError:
                pass
        data["file_name"] = str(weights) if weights is not None else None
        return data


def effective_arguments(arch: "Architecture", given: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The architecture's defaults updated by ``given``; an argument it does not have is a ValueError."""
    unknown = sorted(set(given) - set(arch.defaults))
    if unknown:
        raise ValueError(f"{where}: {unknown[0]}={given[unknown[0]]!r} is not an argument of {arch.name}; "
                         f"its arguments are {', '.join(sorted(arch.defaults)) or 'none'}")
    return {**arch.defaults, **given}


def recorded_arguments(arch: "Architecture", arguments: Mapping[str, Any]) -> dict[str, Any]:
    """What a model card records of a model's arguments: all of them, but the initializer arguments
    (pretrained vectors, a vocabulary) at their default, since the weights file holds what they became."""
    return {k: (arch.defaults[k] if k in arch.initializer_arguments else v) for k, v in arguments.items()}


def from_tag(tag: "WeightTag", arch: "Architecture") -> ModelIdentity:
    """The identity of a weight tag's file (a tag without ``arguments`` means the defaults).

    Example::

        >>> from_tag(registry.weights["mobilenet.imagenet_050_160"], registry.architectures["mobilenet"]).arguments["alpha"]
        0.5
    """
    return ModelIdentity(
        architecture=arch.name,
        arguments=effective_arguments(arch, tag.arguments, f"weights {tag.name}"),
        num_classes=tag.num_classes or arch.num_classes,
        input_shape=tuple(tag.input_shape or arch.input_shape),
        include_top=tag.include_top,
        class_names=tag.class_names,
        preprocessing=tag.preprocessing,
        tag=tag.name,
        hash=tag.hash,
        hash_algorithm=tag.hash_algorithm,
        source=tag.source,
    )


SHAPE_ARGUMENTS = ("num_classes", "input_shape", "in_channels", "include_top", "pooling")


def from_card(card: Mapping[str, Any], arch: "Architecture", where: str) -> ModelIdentity:
    """The identity a model card records (``card.json`` of a run, of any version).

    Cards older than version 2 recorded only the arguments a user gave, mixed with
    ``num_classes`` and ``input_shape``: they are read with today's defaults.
    """
    if not isinstance(card, Mapping):
        raise ValueError(f"{where} is not a model card: it holds {type(card).__name__}, not a mapping")
    arguments = dict(card.get("arguments") or {})
    for name in SHAPE_ARGUMENTS:
        arguments.pop(name, None)
    input_shape = card.get("input_shape") or arch.input_shape
    num_classes = card.get("num_classes") or arch.num_classes
    weights = card.get("file_name")
    if not weights and not card.get("tag"):
        raise ValueError(f"{where} names no weights: neither a weights file (file_name) nor a weight tag (tag); "
                         "it is not a card written by zoo train")
    if weights:
        weights = confined(Path(where).parent, weights, f"{where}: file_name")  # a file of the run, never outside
    try:
        return ModelIdentity(
            architecture=arch.name,
            arguments=effective_arguments(arch, arguments, where),
            num_classes=num_classes,
            input_shape=tuple(input_shape),
            include_top=bool(card.get("include_top", True)),
            class_names=card.get("class_names"),
            preprocessing=card.get("preprocessing") or {},
            tag=card.get("tag"),
            weights=weights or None,
            hash=card.get("hash"),
            hash_algorithm=card.get("hash_algorithm") or "sha256",
            pretrained=card.get("pretrained") or None,
            dataset=card.get("dataset"),
            source=card.get("source") or "",
        )
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where}: {error}") from None


def _read_card(path: Path) -> dict[str, Any]:
    """A model card's JSON; a clear ValueError when it is not one."""
    try:
        card = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not a model card: not valid JSON ({error})") from None
    if not isinstance(card, dict) or "architecture" not in card:
        raise ValueError(f"{path} is not a model card written by zoo train: it has no 'architecture'")
    return card


def _card_path(location) -> Path | None:
    """The card a location names: a ``card.json``, a run directory holding one, or a weights file beside one."""
    path = Path(location)
    if path.name == CARD_NAME and path.is_file():
        return path
    if path.is_dir():
        return path / CARD_NAME if (path / CARD_NAME).is_file() else None
    beside = path.with_name(CARD_NAME)
    if path.is_file() and beside.is_file():
        try:
            if json.loads(beside.read_text(encoding="utf-8")).get("file_name") == path.name:
                return beside
        except (json.JSONDecodeError, AttributeError):
            return None
    return None


def card_at(location) -> tuple[Path, dict[str, Any]] | None:
    """The model card that describes ``location`` (a ``card.json``, a run directory holding one, or a weights file
    with one beside it that names it), read and checked: ``(its path, its content)``; None when there is none.
    The one reading of a card.

    Example::

        >>> path, card = card_at("runs/lenet5-mnist5k")
        >>> card["architecture"], card["dataset"]
        ('lenet5', 'mnist5k')
    """
    path = _card_path(location)
    return None if path is None else (path, _read_card(path))


@functools.cache
def imagenet_classes() -> tuple[tuple[str, str], ...]:
    """The 1000 ImageNet classes as ``(wordnet id, name)``, in keras.applications' order."""
    index = json.loads(IMAGENET_CLASS_INDEX.read_text(encoding="utf-8"))
    return tuple(tuple(index[str(i)]) for i in range(len(index)))


def _frozen(value):
    """JSON lists back as tuples, as the architectures' defaults are written."""
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


def _plain(value):
    """Tuples as lists, NumPy scalars as Python numbers, recursively: how a record is compared and stored."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value.item() if hasattr(value, "item") and not isinstance(value, (str, bytes)) else value
