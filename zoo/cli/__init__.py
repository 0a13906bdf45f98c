"""The ``zoo`` command line.

Each subcommand lives in its own module of this package with a
``register(subparsers)`` function that adds its parser and sets ``run``.
User errors (unknown names, bad arguments, bad catalog files) end with a
one-line message and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from zoo.errors import CatalogError, DownloadError, PluginError, SearchFailedError, StorageError, UnknownNameError

COMMANDS = ("listing", "plugins", "weights", "train", "tune", "export", "explain")  # modules of zoo.cli, in --help's order
USER_ERRORS = (UnknownNameError, ValueError, CatalogError, PluginError, FileNotFoundError, FileExistsError,
               SearchFailedError, DownloadError, StorageError)


def build_parser() -> argparse.ArgumentParser:
    """The ``zoo`` argument parser with every subcommand."""
    from zoo import __version__

    parser = argparse.ArgumentParser(prog="zoo", description="keras-zoo: list, inspect, build, train, tune and export models.")
    parser.add_argument("--version", action="version", version=f"keras-zoo {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        importlib.import_module(f"zoo.cli.{module}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``zoo`` command; returns the exit status."""
    from zoo.cli.native_log import filtered_native_stderr

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's start-up chatter, before it loads
    args = build_parser().parse_args(argv)
    with filtered_native_stderr():
        try:
            return args.run(args) or 0
        except USER_ERRORS as error:
            print(f"zoo {args.command}: error: {error}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print(f"zoo {args.command}: interrupted", file=sys.stderr)
            return 130


if __name__ == "__main__":
    sys.exit(main())
