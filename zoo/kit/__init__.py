"""The plugin author's kit: everything a plugin may import from keras-zoo besides :mod:`zoo` and :mod:`zoo.layers`.

The plugin API, in full (anything else under ``zoo`` is internal and may move):

- :mod:`zoo`: the records (``Architecture``, ``Family``, ``WeightTag``, ``TrainingRecipe``,
  ``ModelIdentity``), ``hookimpl``, the errors, and the user API (``get``, ``info``, ``list``, ...);
- :mod:`zoo.kit` (this module): the registrar a registration hook receives (``Registrar``), the
  argument checks, the conformance check, file hashing, MAC counting and random weights whose outputs
  depend on the input (``calibrate_batch_norms``, ``scale_logits``: for export and parity tests);
- :mod:`zoo.layers`: the Keras building blocks of builders (``zoo.layers.heads``: ``check_head``,
  ``image_model``, ``classifier``, ``global_pool``; ``zoo.layers.drop``: ``StochasticDepth``;
  ``zoo.layers.sizing``; ``zoo.layers.text``).

A name that moves keeps working from its old path with a ``DeprecationWarning`` (:mod:`zoo.deprecations`).
Names are imported on first use, so importing the kit in a registration module costs nothing.

Example (a plugin's builder and its test)::

    from zoo.kit import check_choice, check_range
    from zoo.layers.heads import check_head, image_model

    from zoo.kit import check_architecture
    check_architecture("squeezenet1_1")
"""

import importlib

EXPORTS = {
    "Registrar": "zoo.registry.store",
    "calibrate_batch_norms": "zoo.kit.calibration",
    "check_architecture": "zoo.kit.conformance",
    "check_choice": "zoo.checks",
    "check_integer": "zoo.checks",
    "check_number": "zoo.checks",
    "check_range": "zoo.checks",
    "check_sequence": "zoo.checks",
    "count_macs": "zoo.kit.stats",
    "file_hash": "zoo.files.hashing",
    "scale_logits": "zoo.kit.calibration",
}
__all__ = sorted(EXPORTS)


def __getattr__(name):
    if name not in EXPORTS:
        raise AttributeError(f"module 'zoo.kit' has no attribute {name!r}; the kit has: {', '.join(__all__)}")
    value = getattr(importlib.import_module(EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *__all__})
