"""Catalog files, read as data: a plugin's weight tags, aliases and cards, and the user's own files.

A catalog file (or one top-level section of it, as the built-in plugins keep theirs in the
repository's ``registry.yaml``) has these optional sections::

    aliases:                      # another name -> architecture
      textcnn: textcnn_rand
    models:                       # model-card fields, merged into zoo.info()
      resnet50: {paper: "...", metrics: {imagenet_top1: {value: 74.9, source: "..."}}}
    weights:                      # weight tags, see zoo.WeightTag
      resnet50.imagenet: {file_name: ..., urls: [...], hash: ..., ...}
    hashes:                       # the user catalog only: sha256 pinned for files published without a hash
      mobilenet.imagenet: {file_name: mobilenet_1_0_224_tf.h5, sha256: ...}

A plugin registers its own file with :meth:`zoo.registry.store.Registrar.add_catalog` from its
``zoo_register_weights`` hook. The core registers only the user's files, through its own implementation
of that hook, after every plugin's: ``$ZOO_HOME/registry.yaml`` (written by ``zoo weights import``; its
entries for an architecture that is not loaded are left out) and each ``ZOO_REGISTRY`` file (where such
an entry is an error).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from zoo.errors import CatalogError
from zoo.files import atomic_write, make_directory, storage, zoo_home
from zoo.records.tags import WeightTag
from zoo.registry.hookspecs import hookimpl

SECTIONS = ("aliases", "models", "weights", "hashes")
CARD_FIELDS = ("paper", "description", "license", "metrics")  # what a models: entry may amend on an Architecture
OWN_FIELDS = ("file_name", "urls", "hash", "hash_algorithm", "size", "package")  # a headless tag's own file
SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


def user_catalog() -> Path:
    """The user's own catalog file, written by ``zoo weights import``: ``$ZOO_HOME/registry.yaml``."""
    return zoo_home() / "registry.yaml"


def update_user_catalog(section: str, name: str, entry: dict, *, what: str) -> None:
    """Set ``name`` in ``section`` of the user's catalog to ``entry``: the one writer of that file, under a lock,
    atomically (``zoo weights import`` adds its tags there, the cache pins the hashes of files published without
    one). ``what`` names the action in an error (``"register the tag in"``)."""
    import yaml
    from filelock import FileLock

    catalog = user_catalog()
    make_directory(catalog.parent, "the zoo's directory")
    with storage(catalog, what), FileLock(str(catalog) + ".lock"):
        data = (yaml.safe_load(catalog.read_text(encoding="utf-8")) if catalog.exists() else None) or {}
        data.setdefault(section, {})[name] = entry
        atomic_write(catalog, yaml.safe_dump(data, sort_keys=False))


def catalog_paths() -> list[Path]:
    """The user's catalog files: ``$ZOO_HOME/registry.yaml`` (written by ``zoo weights import``) if it
    exists, then each file named in ``ZOO_REGISTRY`` (``os.pathsep``-separated)."""
    extra = [Path(p) for p in os.environ.get("ZOO_REGISTRY", "").split(os.pathsep) if p]
    return [*[p for p in [user_catalog()] if p.is_file()], *extra]


def read_pins() -> dict[str, dict[str, str]]:
    """The sha256 pinned in the user catalog for files published without a hash: ``{tag: {file_name, sha256}}``."""
    path = user_catalog()
    return read_catalog(path).get("hashes") or {} if path.is_file() else {}


_documents: dict[tuple, Any] = {}


def _yaml_error() -> type:
    import yaml

    return yaml.YAMLError


def _document(path: Path):
    """The parsed YAML of a catalog file, read once per version of the file (the built-in plugins each register a
    section of one file)."""
    import yaml

    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _documents:
        # libyaml's parser where PyYAML has it: the same documents, read about ten times faster
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        _documents[key] = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}
    return _documents[key]


def read_catalog(path: Path, section: str | None = None) -> dict[str, Any]:
    """Read and validate one catalog file, or its top-level ``section``; errors name the file, the entry and the
    field. The weight tags come back as :class:`zoo.WeightTag` records (``data["weights"]``).

    Example::

        >>> read_catalog(Path("registry.yaml"), "lenet")["weights"][0].name
        'lenet5.mnist5k'
    """
    try:
        data = _document(Path(path))
    except FileNotFoundError:
        raise CatalogError(f"{path}: catalog file not found (named by ZOO_REGISTRY?)") from None
    except IsADirectoryError:
        raise CatalogError(f"{path}: is a directory, not a catalog file (ZOO_REGISTRY names files, "
                           f"separated by {os.pathsep!r})") from None
    except (OSError, UnicodeDecodeError) as error:
        raise CatalogError(f"{path}: cannot read the catalog file: {getattr(error, 'strerror', None) or error}") \
            from None
    except _yaml_error() as error:
        raise CatalogError(f"{path}: not valid YAML: {' '.join(str(error).split())}") from None
    if section is not None:
        if not isinstance(data, dict) or not isinstance(data.get(section), dict):
            raise CatalogError(f"{path}: has no section {section!r}")
        path, data = f"{path} [{section}]", data[section]
    if isinstance(data, dict):
        data = dict(data)  # a copy: its sections are replaced below, and the parsed file is shared
    if not isinstance(data, dict):
        raise CatalogError(f"{path}: must be a mapping with sections {', '.join(SECTIONS)}")
    for section in data:
        if section not in SECTIONS:
            raise CatalogError(f"{path}: unknown section {section!r}; allowed: {', '.join(SECTIONS)}")
        if not isinstance(data[section] or {}, dict):
            raise CatalogError(f"{path}: section {section!r} must be a mapping")
    for alias, target in (data.get("aliases") or {}).items():
        if not isinstance(target, str):
            raise CatalogError(f"{path}: aliases[{alias!r}] must name an architecture, got {target!r}")
    for name, card in (data.get("models") or {}).items():
        if not isinstance(card, dict):
            raise CatalogError(f"{path}: models[{name!r}] must be a mapping")
        for key in card:
            if key not in CARD_FIELDS:
                raise CatalogError(
                    f"{path}: models[{name!r}]: unknown field {key!r}; allowed: {', '.join(CARD_FIELDS)}"
                )
    for name, pin in (data.get("hashes") or {}).items():
        if not isinstance(pin, dict) or not isinstance(pin.get("file_name"), str) \
                or not SHA256.match(str(pin.get("sha256", ""))):
            raise CatalogError(f"{path}: hashes[{name!r}] must be {{file_name: NAME, sha256: 64 hex digits}}, "
                               f"got {pin!r}")
        pin["sha256"] = pin["sha256"].lower()
    entries = data.get("weights") or {}
    data["weights"] = [WeightTag.from_dict(name, inherit_from_full_twin(name, entry, entries, path), str(path))
                       for name, entry in entries.items()]
    return data


def inherit_from_full_twin(name: str, entry, entries: dict, path) -> dict:
    """A headless tag's entry with what it inherits: every field of the tag ``headless_of`` names, but the
    file's own (``file_name``, ``urls``, ``hash``, ...), ``default`` and ``headless``; then ``include_top: false``."""
    if not isinstance(entry, dict) or not entry.get("headless_of"):
        return entry
    architecture = name.partition(".")[0]
    twin_name = entry["headless_of"] if "." in entry["headless_of"] else f"{architecture}.{entry['headless_of']}"
    twin = entries.get(twin_name)
    if not isinstance(twin, dict):
        raise CatalogError(f"{path}: weights[{name!r}]: headless_of={entry['headless_of']!r} names no tag of this "
                           f"file; its tags of {architecture}: "
                           + ", ".join(n for n in entries if n.startswith(architecture + ".")))
    inherited = {k: v for k, v in twin.items() if k not in (*OWN_FIELDS, "default", "headless", "headless_of")}
    return {**inherited, **entry, "include_top": False}


@hookimpl
def zoo_register_weights(registry):
    """Register the aliases, model cards and weight tags of the user's catalog files (after every plugin's)."""
    for path in catalog_paths():
        own = path == user_catalog()  # written by zoo weights import: entries of a plugin not loaded are left out
        data = read_catalog(path)
        for alias, target in (data.get("aliases") or {}).items():
            if registry.registered(target):
                registry.add_alias(alias, target)
            elif not own:
                raise CatalogError(f"{path}: aliases[{alias!r}]: architecture {target!r} is not registered")
        for name, card in (data.get("models") or {}).items():
            if registry.registered(name) or not own:
                registry.add_card(name, card)
        for tag in data["weights"]:
            if registry.registered(tag.architecture) or not own:
                registry.add_weights(tag, from_user_catalog=True)
