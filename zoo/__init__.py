"""keras-zoo: a Keras 3 model zoo built around plugins.

Importing ``zoo`` is cheap: TensorFlow and Keras are imported only by the
functions that build, load or train models.

Example::

    >>> import zoo
    >>> zoo.list("resnet*")
    >>> model = zoo.get("resnet50", num_classes=10, input_shape=(64, 64, 3))
    >>> zoo.export("lenet5.mnist5k", format="onnx", output="lenet5.onnx", check=True)
"""

from zoo import deprecations
from zoo.errors import (CatalogError, DownloadError, DuplicateArchitectureError, ExportCheckError, ExportError,
                        PluginError, SearchFailedError, StorageError, UnknownDatasetError, UnknownModelError,
                        UnknownNameError, ZooWarning, show_zoo_warnings_on_one_line)
from zoo.records.architecture import Architecture, Family
from zoo.records.identity import ModelIdentity
from zoo.records.recipes import TrainingRecipe
from zoo.records.tags import WeightTag
from zoo.registry.cards import ModelCard, info
from zoo.registry.cards import list_models as list
from zoo.registry.hookspecs import hookimpl

__version__ = "0.1.0"

show_zoo_warnings_on_one_line()

__all__ = [
    "Architecture",
    "CatalogError",
    "DownloadError",
    "DuplicateArchitectureError",
    "ExportCheckError",
    "ExportError",
    "Family",
    "ModelCard",
    "ModelIdentity",
    "PluginError",
    "SearchFailedError",
    "StorageError",
    "TrainResult",
    "TrainingRecipe",
    "UnknownDatasetError",
    "UnknownModelError",
    "UnknownNameError",
    "ZooWarning",
    "WeightTag",
    "decode_predictions",
    "explain",
    "export",
    "get",
    "hookimpl",
    "hypermodel",
    "info",
    "list",
    "preprocessing",
    "train",
    "tune",
]

# The rest of the API, imported on first use: `import zoo` loads no building, training, tuning or export code.
LAZY = {
    "TrainResult": "zoo.training.driver",
    "decode_predictions": "zoo.weights.pretrained",
    "explain": "zoo.insight.explanation",
    "export": "zoo.exporting.exporter",
    "get": "zoo.weights.models",
    "hypermodel": "zoo.tuning.search",
    "preprocessing": "zoo.weights.pretrained",
    "train": "zoo.training.driver",
    "tune": "zoo.tuning.search",
}
_SUBMODULES = ("datasets", "kit", "layers", "weights")  # packages reached as attributes (zoo.datasets.load(...))

deprecations.install()


def __getattr__(name):
    import importlib

    if name in LAZY:
        value = getattr(importlib.import_module(LAZY[name]), name)
        globals()[name] = value  # once: later lookups find it without this function
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"zoo.{name}")
    return deprecations.moved_attribute(__name__, name)


def __dir__():
    return sorted({*globals(), *__all__})
