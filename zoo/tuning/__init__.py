"""Hyperparameter search: ``zoo.tune`` (:mod:`zoo.tuning.search`) and the KerasTuner hypermodel it drives.

Internal: the plugin API is :mod:`zoo`, :mod:`zoo.kit` and :mod:`zoo.layers`. The names of the old
``zoo/tuning.py`` module still resolve here, with a ``DeprecationWarning`` (:mod:`zoo.deprecations`).
"""


def __getattr__(name):
    from zoo.deprecations import moved_attribute

    return moved_attribute(__name__, name)
