"""The Keras workaround (zoo/weights/keras_fix.py) still applies: these fail when Keras fixes or changes the bug."""

import keras
from keras.src.backend.common import global_state
from keras.src.saving import saving_lib

from zoo.weights.keras_fix import SAVEABLE_KINDS, cache_saving_skipsets


def test_keras_still_caches_its_skip_sets_under_a_key_it_never_reads():
    """The bug: get_attr_skipset stores under saving_attr_skipset_KIND and reads saving_attr_skiplist_KIND.

    When this fails, Keras has fixed or changed the cache: drop or update zoo/weights/keras_fix.py."""
    keras.backend.clear_session()
    first = saving_lib.get_attr_skipset("Layer")
    assert global_state.get_global_attribute("saving_attr_skipset_Layer") is first  # where Keras stores it
    assert global_state.get_global_attribute("saving_attr_skiplist_Layer") is None  # where it looks: a miss
    assert saving_lib.get_attr_skipset("Layer") is not first  # so every call builds the set again


def test_the_workaround_makes_keras_reuse_one_set_per_kind():
    keras.backend.clear_session()
    cache_saving_skipsets()
    for kind in SAVEABLE_KINDS:
        cached = global_state.get_global_attribute(f"saving_attr_skiplist_{kind}")
        assert cached is not None and saving_lib.get_attr_skipset(kind) is cached, kind


def test_weights_saved_with_the_workaround_load_into_a_fresh_model(tmp_path):
    from zoo.training.runs import load_weights, save_weights

    import zoo

    model = zoo.get("lenet5")
    model.compile("sgd", "sparse_categorical_crossentropy")
    save_weights(model, tmp_path / "w.weights.h5")
    keras.backend.clear_session()
    again = zoo.get("lenet5")
    again.compile("sgd", "sparse_categorical_crossentropy")
    load_weights(again, tmp_path / "w.weights.h5")
    for a, b in zip(model.get_weights(), again.get_weights()):
        assert (a == b).all()
