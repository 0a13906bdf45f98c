"""Plugin discovery: entry points in the ``keras_zoo`` group, loaded once, failures contained.

Environment variables:

- ``ZOO_DISABLE_PLUGINS=name1,name2``: skip these entry points.
- ``ZOO_LOAD_PLUGINS=name1,name2``: load only these (an empty value loads none).
- ``ZOO_STRICT_PLUGINS=1``: a plugin that fails to import or register is an error,
  not a warning.

The built-in plugins (distribution ``keras-zoo``) load first, then third-party
plugins ordered by distribution and entry-point name, so a third-party plugin
that reuses a built-in name is the one refused.
"""

from __future__ import annotations

import importlib.util
import os
import threading
import warnings
from importlib.metadata import entry_points
from pathlib import Path

import pluggy

from zoo.errors import PluginError, ZooWarning
from zoo.registry import catalog, hookspecs
from zoo.registry import host as family_hooks
from zoo.registry.store import PluginInfo, Registrar, Registry

GROUP = "keras_zoo"
BUILTIN_DISTRIBUTION = "keras-zoo"
STATS_FILE = "model_stats.json"  # parameters and GMACs of a plugin's architectures, in its package (zoo.kit.stats)


class PluginWarning(ZooWarning):
    """A plugin failed to import or register and was skipped."""


def package_directory(package: str) -> Path | None:
    """The directory of an importable package (regular or namespace), or None (not found, or a plain module)."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def plugin_directory(plugin: PluginInfo) -> Path | None:
    """The directory of the package a plugin's entry point lives in (its top-level package), or None for a
    plugin that is a single module: where its data files (``model_stats.json``) go."""
    return package_directory(plugin.value.partition(":")[0].split(".")[0])


def plugin_manager() -> pluggy.PluginManager:
    """A plugin manager with keras-zoo's hook specifications."""
    manager = pluggy.PluginManager(GROUP)
    manager.add_hookspecs(hookspecs)
    return manager


def _env_names(variable: str) -> set[str] | None:
    value = os.environ.get(variable)
    if value is None:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


def _selected_entry_points(registry: Registry):
    """The entry points to load, built-in first; unknown names in the variables are a warning (strict: an error)."""
    only = _env_names("ZOO_LOAD_PLUGINS")
    disabled = _env_names("ZOO_DISABLE_PLUGINS") or set()
    available = {ep.name for ep in entry_points(group=GROUP)}
    for variable, names in (("ZOO_LOAD_PLUGINS", only or set()), ("ZOO_DISABLE_PLUGINS", disabled)):
        unknown = sorted(names - available)
        if unknown:
            message = (f"keras-zoo: {variable} names {', '.join(map(repr, unknown))}, which "
                       f"{'is no entry point' if len(unknown) == 1 else 'are no entry points'} of the "
                       f"{GROUP!r} group; the entry points are: {', '.join(sorted(available)) or 'none'}")
            if _strict():
                raise PluginError(message)
            warnings.warn(message, PluginWarning, stacklevel=4)
    if only is not None or disabled:
        loaded = sorted((only if only is not None else available) - disabled & available)
        registry.restriction = (f"plugin loading is restricted ({'ZOO_LOAD_PLUGINS=' + ','.join(sorted(only)) if only is not None else ''}"
                                f"{'; ' if only is not None and disabled else ''}"
                                f"{'ZOO_DISABLE_PLUGINS=' + ','.join(sorted(disabled)) if disabled else ''}): "
                                f"loaded {', '.join(loaded) or 'none'} of {', '.join(sorted(available))}")
    found = []
    for ep in entry_points(group=GROUP):
        if ep.name in disabled or (only is not None and ep.name not in only):
            continue
        dist = ep.dist.metadata["Name"] if ep.dist else ""
        found.append((dist != BUILTIN_DISTRIBUTION, dist, ep.name, ep))
    found.sort(key=lambda item: item[:3])
    unique = {}
    for *_, ep in found:  # an editable install can list the same entry point twice
        unique.setdefault((ep.name, ep.value), ep)
    return list(unique.values())


def _strict() -> bool:
    return os.environ.get("ZOO_STRICT_PLUGINS", "") not in ("", "0")


def _fail(manager: pluggy.PluginManager, info: PluginInfo, stage: str, error: BaseException) -> None:
    if manager.get_plugin(info.name) is not None:
        manager.unregister(name=info.name)
    info.error = f"{stage} failed: {type(error).__name__}: {error}"
    message = f"keras-zoo: plugin {info.name!r} ({info.distribution or 'unknown distribution'}) {info.error}"
    if _strict():
        raise PluginError(message) from error
    warnings.warn(message + "; skipped (set ZOO_STRICT_PLUGINS=1 to make this an error)", PluginWarning, stacklevel=4)


def load_registry() -> Registry:
    """Import the selected plugins and run their registration hooks into a new :class:`Registry`."""
    registry = Registry()
    manager = plugin_manager()
    manager.register(family_hooks, name="zoo.registry.host")
    for ep in _selected_entry_points(registry):
        info = PluginInfo(
            name=ep.name,
            value=ep.value,
            distribution=ep.dist.metadata["Name"] if ep.dist else "",
            version=ep.dist.version if ep.dist else "",
        )
        registry.plugins.append(info)
        try:
            manager.register(ep.load(), name=ep.name)
        except Exception as error:  # a broken plugin must not take the others down
            _fail(manager, info, "import", error)
    manager.register(catalog, name="zoo.registry.catalog")  # registered last: the user's tags come after the plugins'
    infos = {info.name: info for info in registry.plugins}
    infos["zoo.registry.catalog"] = PluginInfo(name="zoo.registry.catalog", value="zoo.registry.catalog", distribution=BUILTIN_DISTRIBUTION)
    for hook in (manager.hook.zoo_register_architectures, manager.hook.zoo_register_weights):
        for impl in hook.get_hookimpls():  # registration order
            info = infos[impl.plugin_name]
            if info.error:
                continue
            registrar = Registrar(registry, info)
            try:
                impl.function(registry=registrar)
                registrar.commit()
            except Exception as error:
                if info.name == "zoo.registry.catalog":  # the user's own catalog files: their errors are theirs to see
                    raise
                _fail(manager, info, hook.name, error)
    registry.manager = manager
    return registry


_registry: Registry | None = None
_lock = threading.Lock()


def get_registry() -> Registry:
    """The process-wide registry, loading the plugins on first use.

    Example::

        >>> get_registry().architectures["lenet5"].family
        'lenet'
    """
    global _registry
    with _lock:
        if _registry is None:
            _registry = load_registry()
        return _registry
