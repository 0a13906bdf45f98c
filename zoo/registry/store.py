"""The registry: every architecture, alias and weight tag the plugins registered, and the registrar they use.

:class:`Registry` holds the records and answers lookups; :class:`Registrar` is what a
plugin's registration hooks receive. Loading the plugins into the process-wide registry
is :mod:`zoo.registry.loader`'s (``get_registry()``). Nothing here imports
TensorFlow or Keras.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from zoo.errors import CatalogError, DuplicateArchitectureError, UnknownModelError
from zoo.records.architecture import Architecture, Family
from zoo.records.tags import CHECKPOINT_FORMATS, WeightTag
from zoo.registry.catalog import read_catalog

USER_CATALOGS = "user catalog"  # who registered the tags of ZOO_REGISTRY files and $ZOO_HOME/registry.yaml
DIGITS = re.compile(r"(\d+)")


def natural_order(name: str) -> tuple:
    """The key that sorts names as people read them, numbers by value (as timm's ``list_models``).

    Example::

        >>> sorted(["resnet101", "resnet18", "resnet50"], key=natural_order)
        ['resnet18', 'resnet50', 'resnet101']
    """
    return tuple(int(part) if part.isdigit() else part for part in DIGITS.split(name))


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
    """Architectures, aliases and weight tags, keyed by name, and who registered each."""

    def __init__(self):
        self.architectures: dict[str, Architecture] = {}
        self.owners: dict[str, PluginInfo] = {}
        self.aliases: dict[str, str] = {}
        self.alias_owners: dict[str, PluginInfo] = {}
        self.weights: dict[str, WeightTag] = {}
        self.weight_owners: dict[str, str] = {}  # tag -> the plugin (or user catalog) that registered it
        self.overridden: set[str] = set()  # architectures a plugin replaced with override=True
        self.plugins: list[PluginInfo] = []
        self.manager = None  # the pluggy.PluginManager, for the training and tuning hooks
        self.restriction: str | None = None  # how ZOO_LOAD_PLUGINS / ZOO_DISABLE_PLUGINS narrowed the plugins

    # --- lookups -------------------------------------------------------------------------------

    def resolve(self, name: str) -> tuple[Architecture, str | None]:
        """Split ``"arch.tag"`` and return the architecture and the tag (or None). An architecture's name is
        also found in another case (``"ResNet50"``, keras.applications' spelling); a tag's is exact.

        Raises :class:`zoo.UnknownModelError` with close matches for an unknown name.
        """
        if not isinstance(name, str) or not name:
            raise ValueError(f"name={name!r} must be a non-empty string such as 'resnet50' or 'resnet50.imagenet'")
        base, _, tag = name.partition(".")
        base = self.aliases.get(base, base)
        if base not in self.architectures:  # keras.applications' spelling: EfficientNetB0 is efficientnetb0
            folded = {key.lower(): key for key in self.architectures if key.lower() == base.lower()}
            base = self.aliases.get(base.lower(), folded.get(base.lower(), base))
        if base not in self.architectures:
            raise UnknownModelError(name, sorted([*self.architectures, *self.aliases, *self.weights]),
                                    hint=self.restriction)
        if tag and f"{base}.{tag}" not in self.weights:
            raise UnknownModelError(f"{base}.{tag}", sorted(self.weights), "weight tag")
        return self.architectures[base], tag or None

    def names(self, pattern: str = "*", *, task: str | None = None, pretrained: bool | None = None) -> list[str]:
        """Architecture names matching an fnmatch ``pattern`` and the filters, in natural order
        (:func:`natural_order`: resnet18 before resnet101)."""
        with_weights = {tag.architecture for tag in self.weights.values()}
        return sorted(
            (name for name, arch in self.architectures.items()
             if fnmatch.fnmatchcase(name, pattern)
             and (task is None or arch.task == task)
             and (pretrained is None or (name in with_weights) == pretrained)),
            key=natural_order)

    def tags_for(self, architecture: str) -> list[WeightTag]:
        """The weight tags of one architecture, the default first.

        Of several default tags the one registered last wins, so a default in the user's catalog
        (``ZOO_REGISTRY``, ``$ZOO_HOME/registry.yaml``) overrides the shipped one.
        """
        order = {name: i for i, name in enumerate(self.weights)}
        tags = [t for t in self.weights.values() if t.architecture == architecture]
        return sorted(tags, key=lambda t: (not t.default, -order[t.name] if t.default else 0, t.tag))

    def headless_twin(self, tag: WeightTag) -> WeightTag | None:
        """The tag of ``tag``'s weights without the classifier: the one naming it ``headless_of``, or its ``headless``."""
        for other in self.tags_for(tag.architecture):
            if other.headless_of and _full_name(other.headless_of, other.architecture) == tag.name:
                return other
        if tag.headless:
            return self.weights.get(_full_name(tag.headless, tag.architecture))
        return None

    def is_headless_twin(self, tag: WeightTag) -> bool:
        """Whether ``tag`` is the headless twin of another registered tag."""
        return any(self.headless_twin(other) is tag for other in self.tags_for(tag.architecture) if other is not tag)


def _full_name(name: str, architecture: str) -> str:
    return name if "." in name else f"{architecture}.{name}"


class Registrar:
    """The object a plugin's registration hooks receive; it records which plugin added what.

    A plugin's additions are staged and committed only if its hook returns without error, so a
    failing plugin leaves nothing half-registered.
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
        """Register an architecture; ``override=True`` replaces one of the same name, with everything it brought
        (its stats, metrics, card and weight tags, unless this plugin registers tags for it again)."""
        if not isinstance(architecture, Architecture):
            raise TypeError(f"registry.add() takes a zoo.Architecture, got {type(architecture).__name__}")
        self._staged.append(("arch", architecture, override))

    def add_family(self, family: Family, *, override: bool = False) -> None:
        """Register every variant of a family (:class:`zoo.Family`): one call per family."""
        if not isinstance(family, Family):
            raise TypeError(f"registry.add_family() takes a zoo.Family, got {type(family).__name__}")
        for architecture in family.architectures():
            self.add(architecture, override=override)

    def add_weights(self, tag: WeightTag, *, from_user_catalog: bool = False) -> None:
        """Register a weight tag for an architecture (of this plugin or any other).

        After an architecture was replaced with ``override=True``, only the overriding plugin's tags for it
        are kept (the others were made for the architecture it replaced), and the tags of the user's own
        catalog files, which the core's catalog registers with ``from_user_catalog=True``.
        """
        if not isinstance(tag, WeightTag):
            raise TypeError(f"registry.add_weights() takes a zoo.WeightTag, got {type(tag).__name__}")
        self._staged.append(("weights", tag, from_user_catalog))

    def add_alias(self, alias: str, target: str) -> None:
        """Make ``alias`` another name for the architecture ``target`` (a name taken is an error naming both sides)."""
        self._staged.append(("alias", (alias, target), False))

    def add_catalog(self, path: str | os.PathLike, section: str | None = None) -> None:
        """Register the aliases, model cards and weight tags of a catalog file, or of one top-level ``section``
        of it (schema: :mod:`zoo.registry.catalog`): a plugin's weights as data, beside its family table.

        Example (a plugin's ``zoo_register_weights``)::

            registry.add_catalog(Path(__file__).with_name("weights.yaml"))
        """
        data = read_catalog(Path(path), section)
        for alias, target in (data.get("aliases") or {}).items():
            self.add_alias(alias, target)
        for name, card in (data.get("models") or {}).items():
            self.add_card(name, card)
        for tag in data["weights"]:
            self.add_weights(tag)

    def add_card(self, architecture: str, card: dict) -> None:
        """Amend an architecture's model card: its ``paper``, ``description``, ``license`` or ``metrics`` (merged)."""
        self._staged.append(("card", (architecture, card), True))

    def commit(self) -> None:
        """Check, then apply, the staged additions (called by the loader after the hook returned).

        A tag whose file is a PyTorch checkpoint (``format: torchvision``) gets the build arguments
        of its architecture's layout for that source (:attr:`zoo.Architecture.converters`).
        """
        registry = self._registry
        names = set(registry.architectures)
        aliases = dict(registry.aliases)
        architectures = {**registry.architectures, **{item.name: item for kind, item, _ in self._staged
                                                      if kind == "arch"}}
        for kind, item, flag in self._staged:  # flag: override=True for an architecture, a user catalog's tag
            if kind == "arch":
                if item.name in names and not flag:
                    first = registry.owners.get(item.name, self._plugin)
                    raise DuplicateArchitectureError(
                        f"architecture {item.name!r} is registered by plugin {first.name!r} "
                        f"({first.distribution}) and again by plugin {self._plugin.name!r} "
                        f"({self._plugin.distribution}); pass override=True to replace it on purpose"
                    )
                names.add(item.name)
            elif kind == "alias":
                alias, target = item
                if alias in names or (alias in aliases and aliases[alias] != target):
                    other = f"architecture {alias!r}" if alias in names else f"an alias of {aliases[alias]!r}"
                    owner = registry.owners.get(alias) or registry.alias_owners.get(alias)
                    raise DuplicateArchitectureError(
                        f"alias {alias!r} for {target!r} (plugin {self._plugin.name!r}) is already {other}"
                        + (f" (plugin {owner.name!r})" if owner else "")
                    )
                aliases[alias] = target
            elif kind == "weights" and item.architecture not in names:
                raise UnknownModelError(item.architecture, sorted(names), "architecture")
            elif kind == "weights" and item.format in CHECKPOINT_FORMATS \
                    and (flag or self._may_add_weights(item.architecture)) \
                    and item.format not in architectures[item.architecture].converters:
                raise CatalogError(f"weights {item.name}: format={item.format!r} is not allowed: "
                                   f"{item.architecture} converts no {item.format} checkpoints")
        for kind, item, flag in self._staged:
            if kind == "arch":
                if item.name in registry.architectures:
                    self._forget(item.name)
                registry.architectures[item.name] = item
                registry.owners[item.name] = self._plugin
                self._plugin.architectures.append(item.name)
            elif kind == "weights":
                if not (flag or self._may_add_weights(item.architecture)):
                    continue
                if item.format in CHECKPOINT_FORMATS:
                    _, layout = architectures[item.architecture].converters[item.format]
                    item = replace(item, arguments={**layout, **item.arguments})
                registry.weights[item.name] = item
                registry.weight_owners[item.name] = USER_CATALOGS if flag else self._plugin.name
                self._plugin.weights.append(item.name)
            elif kind == "alias":
                registry.aliases[item[0]] = item[1]
                registry.alias_owners[item[0]] = self._plugin
            else:
                name, card = item
                arch = registry.architectures[name]
                registry.architectures[name] = replace(
                    arch, **{k: v for k, v in card.items() if k != "metrics"},
                    metrics={**arch.metrics, **(card.get("metrics") or {})})
        self._staged.clear()

    def _forget(self, name: str) -> None:
        """An architecture replaced by ``override=True``: drop what its old owner brought with it."""
        registry = self._registry
        previous = registry.owners[name]
        if name in previous.architectures:
            previous.architectures.remove(name)
        registry.overridden.add(name)
        for tag in [t for t in registry.weights.values() if t.architecture == name]:
            del registry.weights[tag.name]
            registry.weight_owners.pop(tag.name, None)

    def _may_add_weights(self, architecture: str) -> bool:
        """Whether this plugin's tags for ``architecture`` are kept: always, unless another plugin replaced it."""
        registry = self._registry
        return architecture not in registry.overridden or registry.owners[architecture].name == self._plugin.name
