"""What a weight tag records: :class:`WeightTag`."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Mapping

import re

from zoo.errors import CatalogError
from zoo.files import HASH_ALGORITHMS, check_name, check_url
from zoo.pixels import preprocessing_values

HEX_DIGITS = {"sha256": 64, "md5": 32}
FORMATS = ("keras", "h5")  # `.weights.h5` written by Keras 3, or the legacy HDF5 layout of keras.applications


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
    hash: str | None = None  # hex digest, any case (compared in lower case)
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
    size: int | None = None  # bytes, when known: a download of another size is refused

    @property
    def name(self) -> str:
        """The full tag name, ``architecture.tag``."""
        return f"{self.architecture}.{self.tag}"

    def __post_init__(self):
        check_name("file_name", self.file_name)
        if self.hash_algorithm not in HASH_ALGORITHMS:
            raise ValueError(f"{self.name}: hash_algorithm={self.hash_algorithm!r} must be one of {HASH_ALGORITHMS}")
        if self.hash is not None:
            digits = HEX_DIGITS[self.hash_algorithm]
            if not isinstance(self.hash, str) or not re.fullmatch(f"[0-9a-fA-F]{{{digits}}}", self.hash):
                raise ValueError(f"hash={self.hash!r} is not allowed: a {self.hash_algorithm} hash is {digits} "
                                 "hex digits")
            object.__setattr__(self, "hash", self.hash.lower())
        if self.size is not None and (isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 1):
            raise ValueError(f"size={self.size!r} is not allowed: it must be the file's size in bytes, a positive integer")
        if self.format not in FORMATS:
            raise ValueError(f"{self.name}: format={self.format!r} must be one of {FORMATS}")
        for name in ("urls", "input_shape"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, tuple(value))
        for url in self.urls:
            check_url(url, hashed=self.hash is not None)
        if isinstance(self.class_names, list):
            object.__setattr__(self, "class_names", tuple(self.class_names))
        if self.preprocessing:
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
            "license": str, "source": str, "metrics": dict, "recipe": dict, "size": int,
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
