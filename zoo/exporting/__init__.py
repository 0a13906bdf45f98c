"""Export: SavedModel, ONNX and LiteRT with the preprocessing inside, checked in each runtime.

Internal: the plugin API is :mod:`zoo`, :mod:`zoo.kit` and :mod:`zoo.layers`. The names of the old
``zoo/exporting.py`` module still resolve here, with a ``DeprecationWarning`` (:mod:`zoo.deprecations`).
"""


def __getattr__(name):
    from zoo.deprecations import moved_attribute

    return moved_attribute(__name__, name)
