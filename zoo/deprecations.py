"""Old import paths that keep working: each moved module or name, where it went, and the warning that says so.

A plugin written against an earlier layout (``from zoo.validation import classifier``,
``from zoo.download import file_hash``, ``zoo.identity.locate(...)``) still imports and runs; the
first use of each old name raises a ``DeprecationWarning`` that names the new path. The tables
below are the whole record: a module that moved is in :data:`MOVED_MODULES` (an import hook makes
its old name an alias of the new module), a name whose module became a package of the same name
is in :data:`MOVED_NAMES`. The documented plugin API is :mod:`zoo`, :mod:`zoo.kit` and
:mod:`zoo.layers`; a warning points there when the name is part of it.

Example::

    >>> from zoo.validation import classifier
    DeprecationWarning: zoo.validation.classifier is deprecated: import it from zoo.layers.heads
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import warnings

# old module -> its new module; names listed in MOVED_ELSEWHERE went to another one
MOVED_MODULES = {
    "zoo.adapt": "zoo.weights.adapt",
    "zoo.architecture": "zoo.records.architecture",
    "zoo.arguments": "zoo.registry.arguments",
    "zoo.cache": "zoo.weights.cache",
    "zoo.cards": "zoo.registry.cards",
    "zoo.catalog": "zoo.registry.catalog",
    "zoo.convert": "zoo.weights.convert",
    "zoo.distributed": "zoo.training.distributed",
    "zoo.download": "zoo.files",
    "zoo.evaluation": "zoo.inference.evaluation",
    "zoo.family_hooks": "zoo.registry.host",
    "zoo.fields": "zoo.records.fields",
    "zoo.heads": "zoo.layers.heads",
    "zoo.hookspecs": "zoo.registry.hookspecs",
    "zoo.hypermodels": "zoo.tuning.hypermodel",
    "zoo.identity": "zoo.records.identity",
    "zoo.images": "zoo.datasets.images",
    "zoo.inputs": "zoo.datasets.pipeline",
    "zoo.models": "zoo.weights.models",
    "zoo.optimizers": "zoo.training.optimizers",
    "zoo.phases": "zoo.training.phases",
    "zoo.pixels": "zoo.records.preprocessing",
    "zoo.plugins": "zoo.registry.loader",
    "zoo.recipes": "zoo.records.recipes",
    "zoo.runs": "zoo.training.runs",
    "zoo.runtimes": "zoo.exporting.runtimes",
    "zoo.scaffold": "zoo.kit.scaffold",
    "zoo.stats": "zoo.kit.stats",
    "zoo.tags": "zoo.records.tags",
    "zoo.testing": "zoo.kit.conformance",
    "zoo.text": "zoo.layers.text",
    "zoo.train": "zoo.training.driver",
    "zoo.validation": "zoo.checks",
}
MOVED_ELSEWHERE = {  # "old module.name" -> the new module of that name
    "zoo.validation.classifier": "zoo.layers.heads",
    "zoo.validation.check_head": "zoo.layers.heads",
    "zoo.validation.check_positive_int": "zoo.checks",
    "zoo.identity.locate": "zoo.registry.request",
    "zoo.weights.WEIGHT_SUFFIXES": "zoo.weights.io",
    "zoo.weights.WeightsMismatchError": "zoo.weights.io",
    "zoo.weights.file_format": "zoo.weights.io",
    "zoo.weights.load_weights": "zoo.weights.io",
    "zoo.weights.mismatch": "zoo.weights.io",
    "zoo.runs.save_weights": "zoo.weights.io",
    "zoo.runs.load_weights": "zoo.weights.io",
    "zoo.runs.cache_saving_skipsets": "zoo.weights.keras_fix",
}
RENAMED = {"zoo.validation.check_positive_int": "check_integer"}  # "old module.name" -> its new name
# old module that is now a package of the same name -> (the module its names went to, the names)
MOVED_NAMES = {
    "zoo.weights": ("zoo.weights.pretrained", (
        "WEIGHT_SUFFIXES", "WeightsMismatchError", "build", "build_pretrained", "card_metadata", "check_request",
        "class_names", "converted_name", "decode_predictions", "file_format", "file_identity", "import_weights",
        "load_weights", "loaded_format", "mismatch", "plan", "preprocessing", "pretrained_identity", "select_tag",
        "tag_for", "weights_file")),
    "zoo.tuning": ("zoo.tuning.search", (
        "TUNERS", "ArchitectureSkippedWarning", "TuningResult", "check_model_args", "check_saved_search",
        "format_trials", "input_shapes", "match_architectures", "ranked_trials", "read_hparams",
        "search_card", "select_architectures", "tune", "write_best")),
    "zoo.registry": ("zoo.registry.store", ("USER_CATALOGS", "PluginInfo", "Registrar", "Registry")),
    "zoo.exporting": ("zoo.exporting.exporter", (
        "FORMATS", "QUANTIZATIONS", "RUNTIMES", "CheckResult", "ExportResult", "export", "labels_file")),
}
PLUGIN_API = ("zoo.kit",)  # where a moved name is recommended from, when it is there


def _warn(old: str, module: str, name: str) -> None:
    for public in PLUGIN_API:
        if name in getattr(importlib.import_module(public), "__all__", ()):
            module = public
    warnings.warn(f"{old} is deprecated: import {name} from {module}", DeprecationWarning, stacklevel=3)


def _resolve(old_module: str, name: str):
    """The object an old ``module.name`` now is, with the warning that names its new home."""
    qualified = f"{old_module}.{name}"
    module = MOVED_ELSEWHERE.get(qualified, MOVED_MODULES.get(old_module))
    if module is None:
        module = MOVED_NAMES[old_module][0]
    new_name = RENAMED.get(qualified, name)
    value = getattr(importlib.import_module(module), new_name)  # AttributeError: it never existed
    _warn(qualified, module, new_name)
    return value


class MovedModule(types.ModuleType):
    """The old name of a moved module: every attribute is looked up in the new one, with a warning.

    Calling it calls the new module's function of the module's own name, so that ``zoo.train``
    stays the training function after ``import zoo.train`` bound the old module's name over it.
    """

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _resolve(self.__name__, name)

    def __call__(self, *args, **kwargs):
        function = getattr(importlib.import_module(MOVED_MODULES[self.__name__]), self.__name__.rpartition(".")[2])
        return function(*args, **kwargs)


class MovedModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Makes ``import zoo.validation`` (and every old module of :data:`MOVED_MODULES`) give a :class:`MovedModule`."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname in MOVED_MODULES:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=False)
        return None

    def create_module(self, spec):
        return MovedModule(spec.name, f"Deprecated: moved to {MOVED_MODULES[spec.name]}.")

    def exec_module(self, module):
        pass


def install() -> None:
    """Put the finder on ``sys.meta_path`` (once; ``import zoo`` does it)."""
    if not any(isinstance(finder, MovedModuleFinder) for finder in sys.meta_path):
        sys.meta_path.append(MovedModuleFinder())


def moved_attribute(package: str, name: str):
    """A package's ``__getattr__`` for its old names: ``zoo.identity`` (an old module of ``zoo``) or
    ``zoo.weights.import_weights`` (a name of the old module the package replaced)."""
    if package == "zoo" and f"zoo.{name}" in MOVED_MODULES:
        return importlib.import_module(f"zoo.{name}")
    if package in MOVED_NAMES and name in MOVED_NAMES[package][1]:
        return _resolve(package, name)
    raise AttributeError(f"module {package!r} has no attribute {name!r}")
