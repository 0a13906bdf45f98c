"""The registry: plugin loading, the records the plugins registered, catalogs, model cards and build
arguments.

Internal: the plugin API is :mod:`zoo`, :mod:`zoo.kit` and :mod:`zoo.layers`. The names of the old
``zoo/registry.py`` module still resolve here, with a ``DeprecationWarning`` (:mod:`zoo.deprecations`).
"""


def __getattr__(name):
    from zoo.deprecations import moved_attribute

    return moved_attribute(__name__, name)
