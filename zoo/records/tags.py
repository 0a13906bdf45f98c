"""What a weight tag records: :class:`WeightTag`."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any, Mapping

from zoo.errors import CatalogError
from zoo.files import HASH_ALGORITHMS, check_name, check_url
from zoo.files.hashing import MIN_PREFIX
from zoo.records.fields import documented
from zoo.records.preprocessing import preprocessing_values

HEX_DIGITS = {"sha256": 64, "md5": 32}
# A PyTorch checkpoint (.pth, .safetensors) of torchvision or timm, converted into the zoo model on first use.
CHECKPOINT_FORMATS = ("torchvision", "timm")
# `.weights.h5` written by Keras 3, the legacy HDF5 layout of keras.applications, or a checkpoint.
FORMATS = ("keras", "h5", *CHECKPOINT_FORMATS)


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

    architecture: str = documented("the architecture the weights are for (`resnet50`)")
    tag: str = documented("the tag's own name (`imagenet`); the full name is `architecture.tag`")
    file_name: str = documented("the file's name in every mirror and in the cache: a plain name, no path; "
                                "`.weights.h5` for Keras 3 files, `.h5` for the legacy HDF5 layout")
    urls: tuple[str, ...] = documented("mirrors, tried in order: `https`, `file`, or `http` for a file with a "
                                       "hash", default=())
    hash: str | None = documented("the publisher's hex digest (any case), or the first 8 or more digits of a "
                                  "sha256 (torch.hub's `name-<prefix>.pth`); None: the file is read whole before "
                                  "it is accepted, and its sha256 pinned", default=None)
    hash_algorithm: str = documented("`sha256`, or `md5` as keras.applications publishes", default="sha256")
    format: str = documented("`keras` (Keras 3 `save_weights`), `h5` (keras.applications' legacy layout), or a "
                             "PyTorch checkpoint of `torchvision` or `timm`, converted once into the cache",
                             default="keras")
    include_top: bool = documented("whether the file holds the classifier", default=True)
    headless: str | None = documented("the tag of the same weights without the classifier, which "
                                      "`include_top=False` loads (a headless tag names its twin with "
                                      "`headless_of` instead)", default=None)
    headless_of: str | None = documented("on a headless tag: the tag it is the headless twin of; in a catalog "
                                         "file it inherits every other field of that tag", default=None)
    default: bool = documented("the tag `pretrained=True` uses (a user catalog's default overrides the shipped "
                               "one)", default=False)
    num_classes: int | None = documented("the classes the weights were trained for (None: the architecture's)",
                                         default=None)
    class_names: str | tuple[str, ...] | None = documented("their names in output order, or `imagenet` (the "
                                                           "shipped ImageNet list)", default=None)
    input_shape: tuple[int, ...] | None = documented("the input shape they were trained at (None: the "
                                                     "architecture's)", default=None)
    preprocessing: Mapping[str, Any] = documented("what is done to 0..255 pixels before the model sees them "
                                                  "(`{mode: caffe}`, `{scale: ..., mean: ..., std: ...}`, "
                                                  "`resize`, `crop`)", default_factory=dict)
    arguments: Mapping[str, Any] = documented("the architecture arguments the weights need; those not given are "
                                              "the architecture's defaults", default_factory=dict)
    license: str = documented("the weights' license", default="")
    source: str = documented("where the weights come from (a URL, a paper, the `zoo train` command)", default="")
    metrics: Mapping[str, Any] = documented("measured metrics, each with its source", default_factory=dict)
    recipe: Mapping[str, Any] = documented("how they were trained", default_factory=dict)
    size: int | None = documented("the file's size in bytes, when known: a download of another size is refused",
                                  default=None)
    package: str | None = documented("a Python package (a plugin's own, e.g. `zoo_alexnet.weights`) whose "
                                     "directory holds `file_name`: searched first, offline too", default=None)

    @property
    def name(self) -> str:
        """The full tag name, ``architecture.tag``."""
        return f"{self.architecture}.{self.tag}"

    def __post_init__(self):
        check_name("architecture", self.architecture)
        check_name("tag", self.tag)  # the tag's name names files too (a converted checkpoint in the cache)
        check_name("file_name", self.file_name)
        if self.hash_algorithm not in HASH_ALGORITHMS:
            raise ValueError(f"{self.name}: hash_algorithm={self.hash_algorithm!r} must be one of {HASH_ALGORITHMS}")
        if self.hash is not None:
            digits = HEX_DIGITS[self.hash_algorithm]
            fewest = MIN_PREFIX if self.hash_algorithm == "sha256" else digits
            if not isinstance(self.hash, str) or not re.fullmatch(f"[0-9a-fA-F]{{{fewest},{digits}}}", self.hash):
                allowed = (f"{digits} hex digits, or its first {fewest} or more" if fewest < digits
                           else f"{digits} hex digits")
                raise ValueError(f"hash={self.hash!r} is not allowed: a {self.hash_algorithm} hash is {allowed}")
            object.__setattr__(self, "hash", self.hash.lower())
        if self.num_classes is not None and (isinstance(self.num_classes, bool) or not isinstance(self.num_classes, int)
                                             or self.num_classes < 1):
            raise ValueError(f"num_classes={self.num_classes!r} is not allowed: it must be a positive integer")
        if self.input_shape is not None and (not isinstance(self.input_shape, (list, tuple)) or not self.input_shape
                                             or any(isinstance(d, bool) or not isinstance(d, int) or d < 1
                                                    for d in self.input_shape)):
            raise ValueError(f"input_shape={self.input_shape!r} is not allowed: it must be a list of positive "
                             "integers, e.g. [28, 28, 1]")
        if self.size is not None and (isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 1):
            raise ValueError(f"size={self.size!r} is not allowed: it must be the file's size in bytes, a positive integer")
        if self.format not in FORMATS:
            raise ValueError(f"{self.name}: format={self.format!r} must be one of {FORMATS}")
        if self.format in CHECKPOINT_FORMATS and self.hash is None:
            raise ValueError(f"{self.name}: format={self.format!r} needs a hash (torch.hub's sha256 prefix in the "
                             "file name is enough): a PyTorch checkpoint has no structure to check it by")
        if self.package is not None and not re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*", self.package):
            raise ValueError(f"package={self.package!r} is not allowed: it must be a dotted Python package name, "
                             "e.g. 'zoo_alexnet.weights'")
        for name in ("headless", "headless_of"):
            value = getattr(self, name)
            if value is not None and not re.fullmatch(r"\w+(\.\w+)?", value):
                raise ValueError(f"{name}={value!r} is not allowed: it must name a tag, 'tag' or 'architecture.tag'")
        if self.headless_of is not None and self.include_top:
            raise ValueError(f"headless_of={self.headless_of!r} is not allowed with include_top=True: a headless "
                             "tag has no classifier")
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
            "include_top": bool, "headless": str, "headless_of": str, "default": bool, "num_classes": int,
            "class_names": (str, list), "input_shape": list, "preprocessing": dict, "arguments": dict,
            "license": str, "source": str, "metrics": dict, "recipe": dict, "size": int, "package": str,
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
