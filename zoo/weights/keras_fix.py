"""A workaround for a Keras bug that makes every weights save and load rebuild throw-away objects.

The bug (Keras 3.15, ``keras/src/saving/saving_lib.py``, ``get_attr_skipset``): saving and
loading walk every layer, optimizer and metric with a set of attribute names to skip, taken
from the ``dir()`` of a freshly built reference object of its kind (a ``Layer``, an
``Optimizer``, a ``Metric``, a ``Functional`` model...). The set is meant to be cached in
Keras' global state, but ``get_attr_skipset`` looks it up under
``saving_attr_skiplist_<KIND>`` and stores it under ``saving_attr_skipset_<KIND>``, so the
cache never hits: every save and every load builds those reference objects again for each
object it walks. Storing the sets under the key Keras reads makes saving a LeNet checkpoint
about 40% faster (24 to 15 ms).

:func:`cache_saving_skipsets` is called by :mod:`zoo.weights.io` before each save and load:
``keras.backend.clear_session`` empties Keras' global state (a tuner clears it every trial),
and once the sets are there it costs a few dictionary lookups. ``tests/test_weights_io.py``
fails when Keras fixes or changes the behaviour patched here; then this module can go.
This is the only module of the zoo that reaches into ``keras.src``.
"""

from __future__ import annotations

SAVEABLE_KINDS = ("Operation", "Layer", "Functional", "Sequential", "Metric", "Optimizer", "Loss")
READ_KEY = "saving_attr_skiplist_{kind}"  # where get_attr_skipset looks (it writes saving_attr_skipset_{kind})


def cache_saving_skipsets() -> None:
    """Put Keras' attribute skip sets where ``saving_lib.get_attr_skipset`` reads them (see the module's text)."""
    from keras.src.backend.common import global_state
    from keras.src.saving import saving_lib

    for kind in SAVEABLE_KINDS:
        key = READ_KEY.format(kind=kind)
        if global_state.get_global_attribute(key) is None:
            global_state.set_global_attribute(key, saving_lib.get_attr_skipset(kind))
