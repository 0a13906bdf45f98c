"""Exceptions raised by keras-zoo."""

from __future__ import annotations

import difflib


HINTS = {"dataset": "zoo.datasets.list() names the built-in datasets; a directory must exist",
         "weight tag": "`zoo weights list` shows the registered tags"}


class UnknownModelError(KeyError, ValueError):
    """A model name (or weight tag) that no plugin registered.

    The message lists up to three close matches.

    Example::

        >>> zoo.get("resnet5")
        UnknownModelError: unknown model 'resnet5'; did you mean resnet50, resnet56, resnet18?
    """

    def __init__(self, name: str, known: list[str], kind: str = "model"):
        self.name = name
        self.suggestions = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
        message = f"unknown {kind} {name!r}"
        if self.suggestions:
            message += f"; did you mean {', '.join(self.suggestions)}?"
        else:
            message += "; " + HINTS.get(kind, "`zoo list` shows what is registered")
        super().__init__(message)

    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0]


class DuplicateArchitectureError(ValueError):
    """Two plugins registered the same architecture name without ``override=True``."""


class PluginError(RuntimeError):
    """A plugin failed to import or register (raised only with ``ZOO_STRICT_PLUGINS=1``)."""


class CatalogError(ValueError):
    """A catalog file (``registry.yaml`` or a ``ZOO_REGISTRY`` file) does not match the schema."""


class SearchFailedError(RuntimeError):
    """A tuning search ended with no completed trial; the message gives the first trial's error."""


class ExportError(ValueError):
    """A model cannot be exported as asked: an op the format's converter lacks, or a converter not installed."""


class ExportCheckError(RuntimeError):
    """An export, run in its own runtime, does not compute what its Keras model computes (the numbers in one line)."""
