"""The ``zoo`` command line.

Each subcommand lives in its own module of this package with a
``register(subparsers)`` function that adds its parser and sets ``run``.
User errors (unknown names, bad arguments, bad catalog files) end with a
one-line message and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import sys

import zoo
from zoo.cli.native_log import filtered_native_stderr
from zoo.errors import CatalogError, DownloadError, PluginError, SearchFailedError, StorageError, UnknownNameError

COMMANDS = ("listing", "plugins", "weights", "train", "tune", "export", "explain")  # modules of zoo.cli, in --help's order
USER_ERRORS = (UnknownNameError, ValueError, CatalogError, PluginError, FileNotFoundError, FileExistsError,
               SearchFailedError, DownloadError, StorageError)


class CommandParser(argparse.ArgumentParser):
    """An argument parser that keeps the table of every command made under it: ``parser.commands``, the parsers
    of ``zoo``, ``zoo list``, ..., ``zoo weights import`` in the order they were added (the CLI reference reads it)."""

    def __init__(self, *args, commands: list | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.commands = [] if commands is None else commands
        self.commands.append(self)

    def add_subparsers(self, **kwargs):
        return super().add_subparsers(parser_class=functools.partial(CommandParser, commands=self.commands), **kwargs)


def build_parser() -> CommandParser:
    """The ``zoo`` argument parser with every subcommand."""
    parser = CommandParser(prog="zoo", description="keras-zoo: list, inspect, build, train, tune and export models.")
    parser.add_argument("--version", action="version", version=f"keras-zoo {zoo.__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        importlib.import_module(f"zoo.cli.{module}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``zoo`` command; returns the exit status."""
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
