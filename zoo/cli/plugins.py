"""``zoo plugins``: which plugins loaded, from where, and what failed."""

from __future__ import annotations

import warnings

from zoo.cli.table import format_table
from zoo.registry import get_registry


def register(subparsers) -> None:
    parser = subparsers.add_parser("plugins", help="list plugins: entry point, distribution, version, architectures")
    parser.set_defaults(run=run_plugins)


def run_plugins(args) -> int:
    with warnings.catch_warnings():  # failures are shown in the table instead
        warnings.simplefilter("ignore")
        registry = get_registry()
    rows = [
        [p.name, p.distribution or "-", p.version or "-",
         ", ".join(p.architectures) or "-", f"ERROR: {p.error}" if p.error else "ok"]
        for p in registry.plugins
    ]
    print(format_table(["entry point", "distribution", "version", "architectures", "status"], rows))
    return 0
