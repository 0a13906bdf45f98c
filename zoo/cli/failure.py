"""What the command line says when something fails that is not the user's mistake: one line naming the part.

:func:`describe` turns an unexpected exception into one line that names where it came from —
the plugin whose code raised it (a third-party builder, a hook), else the module of the zoo —
and the error itself. The traceback is shown only with ``ZOO_DEBUG=1`` (:func:`debugging`).
"""

from __future__ import annotations

import os
import sys

DEBUG_VARIABLE = "ZOO_DEBUG"


def debugging() -> bool:
    """Whether ``ZOO_DEBUG`` asks for tracebacks (``1``, ``true``, ``yes``, ``on``)."""
    return os.environ.get(DEBUG_VARIABLE, "").strip().lower() in ("1", "true", "yes", "on")


def describe(error: BaseException) -> str:
    """One line: the failing part (a plugin, else a module of the zoo, else the library), the error type and
    the first line of its message.

    Example::

        >>> describe(error)
        "plugin 'acme' failed (in zoo_acme.net.build): RuntimeError: out of filters; ZOO_DEBUG=1 shows the traceback"
    """
    frames = []
    traceback = error.__traceback__
    while traceback is not None:
        frames.append(traceback.tb_frame)
        traceback = traceback.tb_next
    where = ""
    modules = [(frame.f_globals.get("__name__", ""), frame.f_code.co_name) for frame in frames]
    owners = _plugin_modules()
    for module, function in reversed(modules):  # the innermost frame of a plugin, else of the zoo
        plugin = next((name for prefix, name in owners if module == prefix or module.startswith(prefix + ".")), None)
        if plugin is not None:
            where = f"plugin {plugin!r} failed (in {module}.{function})"
            break
    else:
        zoo_frames = [(m, f) for m, f in modules if m == "zoo" or m.startswith("zoo.")]
        if zoo_frames:
            module, function = zoo_frames[-1]
            where = f"internal error in {module}.{function}"
        else:
            where = "internal error"
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    message = f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
    return f"{where}: {message}; {DEBUG_VARIABLE}=1 shows the traceback"


def _plugin_modules() -> list[tuple[str, str]]:
    """``(module, plugin name)`` for each plugin's own module and the modules of its architectures' builders,
    longest module first; empty when no registry is loaded (an error handler never loads one)."""
    loader = sys.modules.get("zoo.registry.loader")
    registry = getattr(loader, "_registry", None)
    if registry is None:
        return []
    found = {}
    for plugin in registry.plugins:
        found[plugin.value.partition(":")[0]] = plugin.name
    for name, plugin in registry.owners.items():
        build = getattr(registry.architectures.get(name), "build", None)
        if isinstance(build, str):
            found.setdefault(build.partition(":")[0], plugin.name)
    return sorted(found.items(), key=lambda item: -len(item[0]))
