"""What a weight tag records: :class:`WeightTag`."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Mapping

from zoo.errors import CatalogError

HASH_ALGORITHMS = ("sha256", "md5")
# A PyTorch checkpoint (.pth, .safetensors) of torchvision or timm, converted into the zoo model on first use.
CHECKPOINT_FORMATS = ("torchvision", "timm")
# `.weights.h5` written by Keras 3, the legacy HDF5 layout of keras.applications, or a checkpoint.
FORMATS = ("keras", "h5", *CHECKPOINT_FORMATS)
MIN_HASH_PREFIX = 8  # torch.hub checks the first 8 or more hex digits of a file's sha256, named in the file


@dataclass(frozen=True)
class WeightTag:
    """Pretrained weights for one architecture, named ``architecture.tag``.

    Example::

        registry.add_weights(zoo.WeightTag(
            architecture="resnet50", tag="acme", file_name="resnet50_acme.weights.h5",
            urls=("https://models.acme.internal/resnet50_acme.weights.h5",),
            hash="9f86d08...", num_classes=12,
        ))
    """

    architecture: str
    tag: str
    file_name: str
    urls: tuple[str, ...] = ()
    hash: str | None = None  # the file's digest, or its first digits (torch.hub's `name-<sha256 prefix>.pth`)
    hash_algorithm: str = "sha256"
    format: str = "keras"
    include_top: bool = True
    headless: str | None = None  # tag of the same weights without the classifier
    default: bool = False
    num_classes: int | None = None
    class_names: str | tuple[str, ...] | None = None  # a list, or the name of a shipped list ("imagenet")
    input_shape: tuple[int, ...] | None = None
    preprocessing: Mapping[str, Any] = field(default_factory=dict)
    arguments: Mapping[str, Any] = field(default_factory=dict)  # build arguments the weights need
    license: str = ""
    source: str = ""
    metrics: Mapping[str, Any] = field(default_factory=dict)
    recipe: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The full tag name, ``architecture.tag``."""
        return f"{self.architecture}.{self.tag}"

    def __post_init__(self):
        if self.hash_algorithm not in HASH_ALGORITHMS:
            raise ValueError(f"{self.name}: hash_algorithm={self.hash_algorithm!r} must be one of {HASH_ALGORITHMS}")
        if self.format not in FORMATS:
            raise ValueError(f"{self.name}: format={self.format!r} must be one of {FORMATS}")
        if self.hash is not None and (len(self.hash) < MIN_HASH_PREFIX
                                      or not all(c in "0123456789abcdef" for c in self.hash)):
            raise ValueError(f"{self.name}: hash={self.hash!r} must be a hex digest in lower case, or its "
                             f"first {MIN_HASH_PREFIX} or more digits")
        for name in ("urls", "input_shape"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, tuple(value))
        if isinstance(self.class_names, list):
            object.__setattr__(self, "class_names", tuple(self.class_names))
        if self.preprocessing:
            from zoo.preprocessing import preprocessing_values

            preprocessing_values(self.preprocessing)  # raises ValueError naming a bad field or mode

    @classmethod
    def from_dict(cls, name: str, entry: Mapping[str, Any], where: str) -> "WeightTag":
        """Build a tag from a catalog entry, with errors that name the file, entry and field."""
        architecture, dot, tag = name.partition(".")
        if not dot or not architecture or not tag:
            raise CatalogError(f"{where}: weights entry {name!r} must be named 'architecture.tag'")
        if not isinstance(entry, Mapping):
            raise CatalogError(f"{where}: weights[{name!r}] must be a mapping, got {type(entry).__name__}")
        known = {f.name for f in fields(cls)} - {"architecture", "tag"}
        for key in entry:
            if key not in known:
                raise CatalogError(
                    f"{where}: weights[{name!r}]: unknown field {key!r}; allowed: {', '.join(sorted(known))}"
                )
        if "file_name" not in entry:
            raise CatalogError(f"{where}: weights[{name!r}]: field 'file_name' is required")
        types = {
            "file_name": str, "urls": list, "hash": str, "hash_algorithm": str, "format": str,
            "include_top": bool, "headless": str, "default": bool, "num_classes": int,
            "class_names": (str, list), "input_shape": list, "preprocessing": dict, "arguments": dict,
            "license": str, "source": str, "metrics": dict, "recipe": dict,
        }
        for key, value in entry.items():
            if value is not None and not isinstance(value, types[key]):
                raise CatalogError(
                    f"{where}: weights[{name!r}]: field {key!r} must be {_type_names(types[key])}, "
                    f"got {type(value).__name__} {value!r}"
                )
        try:
            return cls(architecture=architecture, tag=tag, **entry)
        except ValueError as error:
            raise CatalogError(f"{where}: weights[{name!r}]: {error}") from None


def _type_names(types) -> str:
    types = types if isinstance(types, tuple) else (types,)
    return " or ".join({"str": "a string", "list": "a list", "dict": "a mapping", "bool": "true/false",
                        "int": "an integer"}[t.__name__] for t in types)
