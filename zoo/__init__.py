"""keras-zoo: a Keras 3 model zoo built around plugins.

Importing ``zoo`` is cheap: TensorFlow and Keras are imported only by the
functions that build, load or train models.

Example::

    >>> import zoo
    >>> zoo.list("resnet*")
    >>> model = zoo.get("resnet50", num_classes=10, input_shape=(64, 64, 3))
    >>> zoo.export("lenet5.mnist5k", format="onnx", output="lenet5.onnx", check=True)
"""

from zoo.records.architecture import Architecture, Family
from zoo.registry.cards import ModelCard, info
from zoo.registry.cards import list_models as list
from zoo.errors import (CatalogError, DownloadError, DuplicateArchitectureError, ExportCheckError, ExportError,
                        PluginError, SearchFailedError, StorageError, UnknownDatasetError, UnknownModelError,
                        UnknownNameError, ZooWarning, show_zoo_warnings_on_one_line)
from zoo.registry.hookspecs import hookimpl
from zoo.records.identity import ModelIdentity
from zoo.weights.models import get
from zoo.records.recipes import TrainingRecipe
from zoo.records.tags import WeightTag
from zoo.training.driver import TrainResult, train
from zoo.tuning.search import hypermodel, tune
from zoo.weights.pretrained import decode_predictions, preprocessing

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

_SUBMODULES = ("datasets", "identity", "testing", "text", "weights")  # imported on first attribute access


def __getattr__(name):
    if name == "export":  # zoo.exporting.exporter.export, imported on first use (it is not a module: zoo.exporting is)
        from zoo.exporting.exporter import export

        return export
    if name == "explain":  # zoo.insight.explanation.explain, imported on first use
        from zoo.insight.explanation import explain

        return explain
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f"zoo.{name}")
    raise AttributeError(f"module 'zoo' has no attribute {name!r}")
