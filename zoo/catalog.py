"""The catalog: ``registry.yaml`` and the user's ``ZOO_REGISTRY`` files, read as data.

A catalog file has three optional sections::

    aliases:                      # another name -> architecture
      textcnn: textcnn_rand
    models:                       # model-card fields, merged into zoo.info()
      resnet50: {paper: "...", metrics: {imagenet_top1: {value: 74.9, source: "..."}}}
    weights:                      # weight tags, see zoo.WeightTag
      resnet50.imagenet: {file_name: ..., urls: [...], hash: ..., ...}

The core registers it through its own ``zoo_register_weights`` implementation.
Entries of the shipped catalog whose architecture is not loaded (a disabled
plugin) are left out; in a user's file they are an error.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from zoo.errors import CatalogError
from zoo.hookspecs import hookimpl
from zoo.tags import WeightTag

SHIPPED = Path(__file__).with_name("registry.yaml")
SECTIONS = ("aliases", "models", "weights")
CARD_FIELDS = ("paper", "url", "metrics", "license", "notes")


def catalog_paths() -> list[Path]:
    """The shipped catalog, the user's ``$ZOO_HOME/registry.yaml`` (written by ``zoo weights import``)
    if it exists, then each file named in ``ZOO_REGISTRY`` (``os.pathsep``-separated)."""
    from zoo.cache import user_catalog

    extra = [Path(p) for p in os.environ.get("ZOO_REGISTRY", "").split(os.pathsep) if p]
    return [SHIPPED, *[p for p in [user_catalog()] if p.is_file()], *extra]


def read_catalog(path: Path) -> dict[str, Any]:
    """Read and validate one catalog file; errors name the file, the entry and the field."""
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise CatalogError(f"{path}: catalog file not found (named by ZOO_REGISTRY?)") from None
    except yaml.YAMLError as error:
        raise CatalogError(f"{path}: not valid YAML: {error}") from None
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
    data["weights"] = [
        WeightTag.from_dict(name, entry, str(path)) for name, entry in (data.get("weights") or {}).items()
    ]
    return data


@hookimpl
def zoo_register_weights(registry):
    """Register the aliases, model cards and weight tags of every catalog file."""
    from zoo.cache import user_catalog

    for path in catalog_paths():
        shipped = path == SHIPPED or path == user_catalog()  # entries for a disabled plugin are skipped
        data = read_catalog(path)
        for alias, target in (data.get("aliases") or {}).items():
            if registry.registered(target):
                registry.add_alias(alias, target)
            elif not shipped:
                raise CatalogError(f"{path}: aliases[{alias!r}]: architecture {target!r} is not registered")
        for name, card in (data.get("models") or {}).items():
            if registry.registered(name) or not shipped:
                registry.add_card(name, card)
        for tag in data["weights"]:
            if registry.registered(tag.architecture) or not shipped:
                registry.add_weights(tag)
