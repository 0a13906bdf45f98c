"""The registry: every architecture, alias and weight tag the plugins registered.

The registry is built lazily, once, the first time it is used
(:func:`get_registry`). Building it loads the plugins (:mod:`zoo.plugins`)
and runs their registration hooks; nothing here imports TensorFlow or Keras.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import threading
from dataclasses import dataclass, field

from zoo.architecture import Architecture
from zoo.errors import CatalogError, DuplicateArchitectureError, UnknownModelError
from zoo.tags import CHECKPOINT_FORMATS, WeightTag


@dataclass
class PluginInfo:
    """One loaded (or failed) plugin: what ``zoo plugins`` shows."""

    name: str  # the entry point's name
    value: str  # the entry point's target, ``module`` or ``module:object``
    distribution: str = ""
    version: str = ""
    architectures: list[str] = field(default_factory=list)
    weights: list[str] = field(default_factory=list)
    error: str | None = None


class Registry:
    """Architectures, aliases, model cards and weight tags, keyed by name."""

    def __init__(self):
        self.architectures: dict[str, Architecture] = {}
        self.owners: dict[str, PluginInfo] = {}
        self.aliases: dict[str, str] = {}
        self.cards: dict[str, dict] = {}
        self.weights: dict[str, WeightTag] = {}
        self.plugins: list[PluginInfo] = []
        self.manager = None  # the pluggy.PluginManager, for the training and tuning hooks

    # --- lookups -------------------------------------------------------------------------------

    def resolve(self, name: str) -> tuple[Architecture, str | None]:
        """Split ``"arch.tag"`` and return the architecture and the tag (or None).

        Raises :class:`zoo.UnknownModelError` with close matches for an unknown name.
        """
        if not isinstance(name, str) or not name:
            raise ValueError(f"name={name!r} must be a non-empty string such as 'resnet50' or 'resnet50.imagenet'")
        base, _, tag = name.partition(".")
        base = self.aliases.get(base, base)
        if base not in self.architectures:
            raise UnknownModelError(name, sorted([*self.architectures, *self.aliases, *self.weights]))
        if tag and f"{base}.{tag}" not in self.weights:
            raise UnknownModelError(f"{base}.{tag}", sorted(self.weights), "weight tag")
        return self.architectures[base], tag or None

    def names(self, pattern: str = "*", *, task: str | None = None, pretrained: bool | None = None) -> list[str]:
        """Sorted architecture names matching an fnmatch ``pattern`` and the filters."""
        with_weights = {tag.architecture for tag in self.weights.values()}
        return sorted(
            name for name, arch in self.architectures.items()
            if fnmatch.fnmatchcase(name, pattern)
            and (task is None or arch.task == task)
            and (pretrained is None or (name in with_weights) == pretrained)
        )

    def tags_for(self, architecture: str) -> list[WeightTag]:
        """The weight tags of one architecture, the default first.

        Of several default tags the one registered last wins, so a default in the user's catalog
        (``ZOO_REGISTRY``, ``$ZOO_HOME/registry.yaml``) overrides the shipped one.
        """
        order = {name: i for i, name in enumerate(self.weights)}
        tags = [t for t in self.weights.values() if t.architecture == architecture]
        return sorted(tags, key=lambda t: (not t.default, -order[t.name] if t.default else 0, t.tag))


class Registrar:
    """The object a plugin's registration hooks receive; it records which plugin added what.

    A plugin's additions are staged and committed only if its hook returns
    without error, so a failing plugin leaves nothing half-registered.
    """

    def __init__(self, registry: Registry, plugin: PluginInfo):
        self._registry = registry
        self._plugin = plugin
        self._staged: list = []

    def registered(self, name: str) -> bool:
        """Whether an architecture of this name is registered (by any plugin, so far)."""
        return name in self._registry.architectures or any(
            kind == "arch" and item.name == name for kind, item, _ in self._staged
        )

    def add(self, architecture: Architecture, *, override: bool = False) -> None:
        """Register an architecture; ``override=True`` replaces one of the same name."""
        if not isinstance(architecture, Architecture):
            raise TypeError(f"registry.add() takes a zoo.Architecture, got {type(architecture).__name__}")
        self._staged.append(("arch", architecture, override))

    def add_weights(self, tag: WeightTag) -> None:
        """Register a weight tag for an architecture (of this plugin or any other)."""
        if not isinstance(tag, WeightTag):
            raise TypeError(f"registry.add_weights() takes a zoo.WeightTag, got {type(tag).__name__}")
        self._staged.append(("weights", tag, True))

    def add_alias(self, alias: str, target: str) -> None:
        """Make ``alias`` another name for the architecture ``target``."""
        self._staged.append(("alias", (alias, target), True))

    def add_card(self, architecture: str, card: dict) -> None:
        """Attach model-card fields (paper, reference metrics) to an architecture."""
        self._staged.append(("card", (architecture, card), True))

    def commit(self) -> None:
        """Check, then apply, the staged additions (called by the loader after the hook returned).

        A tag whose file is a PyTorch checkpoint (``format: torchvision``) gets the build arguments
        of its architecture's layout for that source (:attr:`zoo.Architecture.converters`).
        """
        registry = self._registry
        names = set(registry.architectures)
        staged = {item.name: item for kind, item, _ in self._staged if kind == "arch"}
        architectures = {**registry.architectures, **staged}
        for kind, item, override in self._staged:
            if kind == "arch":
                if item.name in names and not override:
                    first = self._registry.owners.get(item.name, self._plugin)
                    raise DuplicateArchitectureError(
                        f"architecture {item.name!r} is registered by plugin {first.name!r} "
                        f"({first.distribution}) and again by plugin {self._plugin.name!r} "
                        f"({self._plugin.distribution}); pass override=True to replace it on purpose"
                    )
                names.add(item.name)
            elif kind == "weights" and item.architecture not in names:
                raise UnknownModelError(item.architecture, sorted(names), "architecture")
            elif kind == "weights" and item.format in CHECKPOINT_FORMATS \
                    and item.format not in architectures[item.architecture].converters:
                raise CatalogError(f"weights {item.name}: format={item.format!r} is not allowed: "
                                   f"{item.architecture} converts no {item.format} checkpoints")
        for kind, item, _ in self._staged:
            if kind == "arch":
                registry.architectures[item.name] = item
                registry.owners[item.name] = self._plugin
                self._plugin.architectures.append(item.name)
            elif kind == "weights":
                if item.format in CHECKPOINT_FORMATS:
                    _, layout = architectures[item.architecture].converters[item.format]
                    item = dataclasses.replace(item, arguments={**layout, **item.arguments})
                registry.weights[item.name] = item
                self._plugin.weights.append(item.name)
            elif kind == "alias":
                registry.aliases[item[0]] = item[1]
            else:
                registry.cards.setdefault(item[0], {}).update(item[1])
        self._staged.clear()


_registry: Registry | None = None
_lock = threading.Lock()


def get_registry() -> Registry:
    """The process-wide registry, loading the plugins on first use."""
    global _registry
    with _lock:
        if _registry is None:
            from zoo.plugins import load_registry

            _registry = load_registry()
        return _registry
