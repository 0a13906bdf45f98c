"""The ``zoo`` command line.

Each subcommand lives in its own module of this package with a
``register(subparsers)`` function that adds its parser and sets ``run``.
User errors (unknown names, bad arguments, bad catalog files, files that
cannot be read or written) end with a one-line message and exit status 2,
never a traceback. Anything else is one line naming the part that failed (a
plugin, else the zoo's module; :mod:`zoo.cli.failure`) and exit status 1; the
traceback is shown with ``ZOO_DEBUG=1``. A reader that stops reading (``zoo
list | head``) ends the command quietly.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import sys

import zoo
from zoo.cli import failure
from zoo.cli.native_log import filtered_native_stderr
from zoo.errors import CatalogError, DownloadError, PluginError, SearchFailedError, StorageError, UnknownNameError

COMMANDS = ("listing", "plugins", "weights", "train", "tune", "export", "explain")  # modules of zoo.cli, in --help's order
EXIT_STATUSES = ("Exit status: 0 done; 1 something failed that is not your mistake (one line naming the part, a "
                 "plugin or a module of the zoo; ZOO_DEBUG=1 shows the traceback), or a check failed; 2 a mistake in "
                 "what was asked (an unknown name, a bad argument, a file that cannot be read or written): one line "
                 "saying what and what to do; 130 interrupted; 141 the reader of the output stopped reading.")
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
    parser = CommandParser(prog="zoo", description="keras-zoo: list, inspect, build, train, tune and export models.",
                           epilog=EXIT_STATUSES)
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
            status = args.run(args) or 0
            sys.stdout.flush()  # a closed pipe is found here, not at exit
            return status
        except BrokenPipeError:
            _silence_stdout()
            return 141  # as a process killed by SIGPIPE
        except USER_ERRORS as error:
            print(f"zoo {args.command}: error: {error}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print(f"zoo {args.command}: interrupted", file=sys.stderr)
            return 130
        except Exception as error:
            if failure.debugging():
                raise
            print(f"zoo {args.command}: error: {failure.describe(error)}", file=sys.stderr)
            return 1


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so that the interpreter's last flush does not fail on the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
