"""``zoo plugins``, ``zoo new-plugin`` and ``zoo stats``: what loaded, a new plugin package, a plugin's stats."""

from __future__ import annotations

import warnings

from zoo.errors import UnknownNameError
from zoo.registry.loader import get_registry
from zoo.tables import format_table, terminal_width


def register(subparsers) -> None:
    parser = subparsers.add_parser("plugins", help="list plugins: entry point, distribution, version, architectures")
    parser.set_defaults(run=run_plugins)

    parser = subparsers.add_parser(
        "new-plugin", help="write a ready plugin package (every hook, shipped weights, a conformance test)",
        description="Write NAME/ with a pyproject.toml, the plugin module (every hook), its Keras builder, a weights "
                    "file shipped in the package, model_stats.json, a test calling zoo.kit.conformance's kit and a README. "
                    "`pip install NAME/` and `zoo list` shows it.")
    parser.add_argument("name", help="the plugin's name: lower-case letters, digits, underscores")
    parser.add_argument("--output", default=".", help="the directory to write NAME/ in (default: here)")
    parser.add_argument("--force", action="store_true", help="write over an existing NAME/")
    parser.set_defaults(run=run_new_plugin)

    parser = subparsers.add_parser(
        "stats", help="count parameters and GMACs of a plugin's architectures (--write: into its package)",
        description="Build each architecture at its default input size and count its parameters and multiply-"
                    "accumulates. With --write the counts go to model_stats.json in the plugin's own package, "
                    "which zoo list and zoo info read without importing TensorFlow.")
    parser.add_argument("names", nargs="*", help="architectures (default: all of --plugin's)")
    parser.add_argument("--plugin", help="the plugin whose architectures to count (an entry-point name)")
    parser.add_argument("--write", action="store_true", help="write the counts into the plugin's model_stats.json")
    parser.set_defaults(run=run_stats)


def run_plugins(args) -> int:
    with warnings.catch_warnings():  # failures are shown in the table instead
        warnings.simplefilter("ignore")
        registry = get_registry()
    rows = [
        [p.name, p.distribution or "-", p.version or "-",
         ", ".join(p.architectures) or "-", f"ERROR: {p.error}" if p.error else "ok"]
        for p in registry.plugins
    ]
    print(format_table(["entry point", "distribution", "version", "architectures", "status"], rows,
                       width=terminal_width()))
    return 0


def run_new_plugin(args) -> int:
    from zoo.kit.scaffold import write_plugin

    root = write_plugin(args.name, args.output, force=args.force)
    print(f"wrote {root}: pip install {root}, then zoo list {args.name}* and python -m pytest {root / 'tests'}")
    return 0


def run_stats(args) -> int:
    from zoo.kit.stats import model_stats, write_stats

    registry = get_registry()
    if args.plugin is not None and args.plugin not in {p.name for p in registry.plugins}:
        raise UnknownNameError(args.plugin, [p.name for p in registry.plugins], "plugin")
    if args.write:
        plugin = args.plugin or _owner(registry, args.names)
        print(f"wrote {write_stats(plugin, args.names or None)}")
        return 0
    names = args.names or sorted(n for n, p in registry.owners.items() if args.plugin in (None, p.name))
    for name in names:
        stats = model_stats(registry.resolve(name)[0].name)
        print(f"{name:24s} {stats['params']:>12,d} params {stats['macs'] / 1e9:8.3f} GMACs")
    return 0


def _owner(registry, names: list[str]) -> str:
    """The one plugin that owns ``names`` (for ``--write`` without ``--plugin``)."""
    owners = {registry.owners[registry.resolve(name)[0].name].name for name in names}
    if len(owners) != 1:
        raise ValueError("--write needs --plugin NAME (or architectures of one plugin): the counts go into that "
                         f"plugin's package; {'no architecture given' if not owners else 'these belong to ' + ', '.join(sorted(owners))}")
    return owners.pop()
