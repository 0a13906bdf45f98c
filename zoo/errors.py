"""Exceptions raised by keras-zoo."""

from __future__ import annotations

import difflib
import sys
import warnings

HINTS = {"dataset": "zoo.datasets.list() names the built-in datasets; a directory must exist",
         "weight tag": "`zoo weights list` shows the registered tags",
         "class": "the model's classes are listed by `zoo info` for a tag, or in its run's card.json",
         "stage": "`zoo info NAME` lists the stages; a layer of the model may be named too",
         "plugin": "`zoo plugins` lists the loaded plugins"}


class UnknownNameError(KeyError, ValueError):
    """A name that nothing registered; the message lists up to three close matches (a KeyError and a ValueError)."""

    def __init__(self, name: str, known: list[str], kind: str = "model", hint: str | None = None):
        self.name = name
        self.suggestions = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
        message = f"unknown {kind} {name!r}"
        if self.suggestions:
            message += f"; did you mean {', '.join(self.suggestions)}?"
        else:
            message += "; " + HINTS.get(kind, "`zoo list` shows what is registered")
        if hint:
            message += f" ({hint})"
        super().__init__(message)

    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0]


class UnknownModelError(UnknownNameError):
    """A model name (or weight tag) that no plugin registered.

    Example::

        >>> zoo.get("resnet5")
        UnknownModelError: unknown model 'resnet5'; did you mean resnet50, resnet56, resnet18?
    """


class UnknownDatasetError(UnknownNameError):
    """A dataset name that is neither a built-in dataset nor an existing directory.

    Example::

        >>> zoo.datasets.load("mnist5")
        UnknownDatasetError: unknown dataset 'mnist5'; did you mean mnist5k, mnist?
    """


class DuplicateArchitectureError(ValueError):
    """Two plugins registered the same architecture name without ``override=True``."""


class PluginError(RuntimeError):
    """A plugin failed to import or register (raised only with ``ZOO_STRICT_PLUGINS=1``)."""


class CatalogError(ValueError):
    """A catalog file (``registry.yaml`` or a ``ZOO_REGISTRY`` file) does not match the schema."""


class SearchFailedError(RuntimeError):
    """A tuning search ended with no completed trial; the message gives the first trial's error."""


class DownloadError(OSError):
    """No mirror gave the file complete and with the expected hash; the message lists each URL and what went wrong."""


class StorageError(OSError):
    """A file or directory could not be read or written: permissions, a read-only or full disk, a path that
    is a file. The message is one line naming the path, the action and the reason (and the free space)."""


class ZooWarning(UserWarning):
    """A warning of keras-zoo's own (a plugin skipped, an architecture left out of a search).

    It is shown as one line, its message (which starts with ``keras-zoo:``), without Python's
    ``file:line`` and source line; filter it like any warning.
    """


def show_zoo_warnings_on_one_line() -> None:
    """Make Python show :class:`ZooWarning` s as their message alone; other warnings as before (once per process)."""
    original = warnings.showwarning
    if getattr(original, "shows_zoo_warnings", False):
        return

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, ZooWarning):
            stream = file if file is not None else sys.stderr
            if stream is not None:
                try:
                    stream.write(f"{message}\n")
                except OSError:
                    pass
            return
        original(message, category, filename, lineno, file, line)

    show.shows_zoo_warnings = True
    warnings.showwarning = show


class ExportError(ValueError):
    """A model cannot be exported as asked: an op the format's converter lacks, or a converter not installed."""


class ExportCheckError(RuntimeError):
    """An export, run in its own runtime, does not compute what its Keras model computes (the numbers in one line)."""
