"""zoo.weights.io, the one place that saves and loads weights, and zoo.weights.keras_fix, its Keras workaround."""

from __future__ import annotations

import pytest


def test_the_keras_bug_that_keras_fix_works_around_is_still_there():
    """Keras 3.15 caches its saving skip sets under a key it never reads; keras_fix stores them where it reads.

    When the first assertion fails, Keras has fixed (or changed) ``get_attr_skipset``: remove
    ``zoo/weights/keras_fix.py`` and its call in ``zoo/weights/io.py``.
    """
    import keras
    from keras.src.backend.common import global_state
    from keras.src.saving import saving_lib

    from zoo.weights.keras_fix import READ_KEY, cache_saving_skipsets

    keras.backend.clear_session()
    assert saving_lib.get_attr_skipset("Layer") is not saving_lib.get_attr_skipset("Layer")  # built on every call
    assert global_state.get_global_attribute("saving_attr_skipset_Layer") is not None  # stored under another key
    assert global_state.get_global_attribute(READ_KEY.format(kind="Layer")) is None
    cache_saving_skipsets()
    assert saving_lib.get_attr_skipset("Layer") is saving_lib.get_attr_skipset("Layer")
    assert saving_lib.get_attr_skipset("Optimizer") is saving_lib.get_attr_skipset("Optimizer")


def test_save_returns_the_hash_that_load_then_requires(tmp_path):
    import keras
    import numpy as np

    from zoo.files import file_hash
    from zoo.weights.io import WeightsMismatchError, load_weights, save_weights

    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2, name="fc")(inputs))
    path = tmp_path / "m.weights.h5"
    digest = save_weights(model, path)
    assert digest == file_hash(path) and [p.name for p in tmp_path.iterdir()] == ["m.weights.h5"]
    load_weights(model, path, what="the test's weights", hash=digest)
    with pytest.raises(WeightsMismatchError, match=r"the test's weights \(.*m.weights.h5\) are not the file recorded"):
        load_weights(model, path, what="the test's weights", hash="0" * 64)
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_weights(model, tmp_path / "gone.weights.h5", what="the test's weights")
    model.get_layer("fc").kernel.assign(np.full((3, 2), np.inf, np.float32))
    save_weights(model, path)
    with pytest.raises(WeightsMismatchError, match=r"layer 'fc' weight 0 \(layers/dense/vars/0\) holds 6 value"):
        load_weights(model, path, what="the test's weights")


def test_a_weight_tag_refuses_a_class_count_or_input_shape_that_cannot_be():
    from zoo.records.tags import WeightTag

    for field, value, message in (("num_classes", 0, "num_classes=0 is not allowed"),
                                  ("input_shape", (-28, 28, 1), r"input_shape=\(-28, 28, 1\) is not allowed"),
                                  ("tag", "x/../../ESCAPED", "tag='x/../../ESCAPED' is not allowed")):
        with pytest.raises(ValueError, match=message):
            WeightTag(**{"architecture": "lenet5", "tag": "mine", "file_name": "f.weights.h5", field: value})
