"""Model cards: what :func:`zoo.info` and ``zoo info`` tell about an architecture."""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from zoo.records.tags import WeightTag
from zoo.registry.loader import STATS_FILE, get_registry, plugin_directory


@dataclass(frozen=True)
class ModelCard:
    """Everything the zoo knows about an architecture without building it.

    ``weights`` is the weight tag the name asked for (``zoo.info("resnet50.imagenet")``), else None.
    ``stages`` are its feature stages, ``{"layer", "channels", "reduction"}`` each, shallowest first
    (what ``zoo.get(name, include_top=False, features=True, out_indices=...)`` picks from).
    """

    name: str
    family: str
    task: str
    plugin: str
    distribution: str
    version: str
    input_shape: tuple
    min_input_size: int | None
    num_classes: int
    arguments: dict[str, Any]
    weight_tags: list[str]
    default_tag: str | None
    parameter_count: int | None
    macs: int | None
    aliases: list[str] = field(default_factory=list)
    paper: str = ""
    description: str = ""
    license: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)
    features: bool = False
    stages: list[dict[str, Any]] = field(default_factory=list)
    weights: WeightTag | None = None

    def to_dict(self) -> dict[str, Any]:
        """The card as plain data (for JSON and YAML)."""
        return asdict(self)


def stats_file(architecture: str) -> Path | None:
    """The ``model_stats.json`` of the plugin that registered ``architecture`` (``zoo stats`` writes it), if any."""
    directory = plugin_directory(get_registry().owners[architecture])
    return directory / STATS_FILE if directory is not None else None


@functools.lru_cache(maxsize=None)
def _read_stats(path: Path, mtime: float) -> dict[str, dict[str, int]]:
    return json.loads(path.read_text(encoding="utf-8"))


def load_stats(architecture: str) -> dict[str, int]:
    """``{"params": ..., "macs": ...}`` of an architecture at its default input size, from its plugin's data
    file (computed by ``zoo stats``), or empty when the plugin ships none. Imports neither TensorFlow nor Keras."""
    path = stats_file(architecture)
    if path is None or not path.is_file():
        return {}
    return _read_stats(path, path.stat().st_mtime).get(architecture, {})


def license_of(registry, architecture: str) -> str:
    """The architecture's own license, or else its weight tags' (each once, ``; ``-joined), or ``""``: what the
    card, ``zoo info`` and the site's catalog show."""
    arch = registry.architectures[architecture]
    return arch.license or "; ".join(dict.fromkeys(t.license for t in registry.tags_for(architecture) if t.license))


def gmacs(macs: int | None) -> str:
    """Multiply-accumulates in billions, to four significant digits (``0.0004165``, ``3.858``), or ``"-"``."""
    return f"{macs / 1e9:.4g}" if macs else "-"


def input_description(architecture: str) -> str:
    """The default input of an architecture, with its minimum size and, where they differ, its default weights'.

    Example::

        >>> input_description("lenet5")
        '32x32x1 (minimum size 28); its weights lenet5.mnist5k take 28x28x1'
    """
    registry = get_registry()
    arch = registry.architectures[architecture]
    text = "x".join(map(str, arch.input_shape)) + f" (minimum size {arch.min_input_size})"
    tags = registry.tags_for(architecture)
    if tags and tags[0].input_shape and tuple(tags[0].input_shape) != tuple(arch.input_shape):
        text += f"; its weights {tags[0].name} take {'x'.join(map(str, tags[0].input_shape))}"
    return text


def info(name: str) -> ModelCard:
    """The model card of an architecture (a name, an alias or ``architecture.tag``).

    With a tag, the card's ``weights`` is that tag's record: file, hash, URLs, classes,
    preprocessing, license, source and metrics.

    Example::

        >>> card = zoo.info("resnet50")
        >>> card.parameter_count, card.weight_tags
        (25636712, ['resnet50.imagenet', 'resnet50.imagenet_notop'])
        >>> zoo.info("lenet5.mnist5k").weights.metrics
        {'accuracy': 0.976, ...}
    """
    registry = get_registry()
    arch, tag = registry.resolve(name)
    owner = registry.owners[arch.name]
    tags = registry.tags_for(arch.name)
    stats = load_stats(arch.name)
    return ModelCard(
        name=arch.name,
        family=arch.family,
        task=arch.task,
        plugin=owner.name,
        distribution=owner.distribution,
        version=owner.version,
        input_shape=arch.input_shape,
        min_input_size=arch.min_input_size,
        num_classes=arch.num_classes,
        arguments=dict(arch.defaults),
        weight_tags=[t.name for t in tags],
        default_tag=next((t.name for t in tags if t.default), tags[0].name if tags else None),
        parameter_count=stats.get("params"),
        macs=stats.get("macs"),
        aliases=sorted(a for a, target in registry.aliases.items() if target == arch.name),
        paper=arch.paper,
        description=arch.description,
        license=license_of(registry, arch.name),
        metrics=dict(arch.metrics),
        features=bool(arch.supports_features),
        stages=[asdict(stage) for stage in arch.stages],
        weights=registry.weights[f"{arch.name}.{tag}"] if tag else None,
    )


def list_models(pattern: str = "*", *, task: str | None = None, pretrained: bool | None = None,
                features: bool | None = None) -> list[str]:
    """Names of the registered architectures matching an fnmatch pattern, in natural order (resnet18 before
    resnet101).

    :param features: True: only those that declare feature stages (``features=True``, ``out_indices``);
        False: only those that do not.

    Example::

        >>> zoo.list("resnet*", pretrained=True)
        ['resnet18', 'resnet20', 'resnet34', 'resnet50', 'resnet50v2', 'resnet101', 'resnet101v2', 'resnet152', ...]
        >>> zoo.list("lenet*", features=True)
        ['lenet5']
    """
    registry = get_registry()
    names = registry.names(pattern, task=task, pretrained=pretrained)
    if features is None:
        return names
    return [name for name in names if bool(registry.architectures[name].stages) == features]
