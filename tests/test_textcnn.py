"""TextCNN (Kim 2014): the variants, their arguments, word vectors, bad input, hooks, and the JAX backend."""

from __future__ import annotations

import os

import numpy as np
import pytest

import zoo
from zoo.registry.loader import get_registry
from zoo.kit.conformance import check_architecture

VARIANTS = ["textcnn_rand", "textcnn_static", "textcnn_nonstatic", "textcnn_multichannel"]
TINY = dict(embedding_dim=8, num_filters=4, max_tokens=30, input_shape=(12,))


def test_registered_with_alias_card_and_text_task():
    assert zoo.list("textcnn*") == sorted(VARIANTS)
    assert zoo.list(task="text-classification") == sorted(VARIANTS)
    card = zoo.info("textcnn")
    assert card.name == "textcnn_rand" and card.task == "text-classification" and "textcnn" in card.aliases
    assert card.arguments["filter_sizes"] == (3, 4, 5) and card.arguments["num_filters"] == 100
    assert card.metrics["mr_accuracy"]["value"] == 76.1


@pytest.mark.parametrize("name", VARIANTS)
def test_variants_build_and_round_trip(name):
    model = check_architecture(name, **TINY)["model"]
    frozen = [layer.name for layer in model.layers if layer.name.startswith("embedding") and not layer.trainable]
    assert frozen == {"textcnn_rand": [], "textcnn_nonstatic": [], "textcnn_static": ["embedding"],
                      "textcnn_multichannel": ["embedding_frozen"]}[name]


def test_kim_architecture_at_paper_size():
    model = zoo.get("textcnn", max_tokens=100)
    assert [model.get_layer(f"conv_{k}").kernel.shape for k in (3, 4, 5)] == [(3, 300, 100), (4, 300, 100),
                                                                               (5, 300, 100)]
    assert model.get_layer("features").output.shape == (None, 300)
    assert model.get_layer("head_dropout").rate == 0.5
    assert model.get_layer("predictions").kernel_constraint.max_value == 3.0
    assert model.get_layer("embedding").input_dim == 1 + 1 + 100
    features = zoo.get("textcnn", include_top=False, **TINY)
    assert features.output.shape == (None, 3 * 4)


def test_string_input_with_preprocessing_round_trips():
    model = check_architecture("textcnn", include_preprocessing=True, vocabulary=["a", "small", "film"], **TINY)["model"]
    assert model.inputs[0].dtype == "string"
    texts = np.array(["", "a small film " * 1000, "¡ünïcödé!"], dtype=object)  # empty, very long, non-Latin
    predictions = model.predict(texts, verbose=0)
    assert predictions.shape == (3, 3) and np.allclose(predictions.sum(axis=1), 1.0, atol=1e-5)


def test_max_norm_keeps_classifier_weight_vectors_within_three():
    import keras

    model = zoo.get("textcnn", dropout=0.0, **TINY)
    model.compile(keras.optimizers.SGD(1e3), "sparse_categorical_crossentropy")
    x = np.random.default_rng(0).integers(0, 32, (16, 12)).astype("int32")
    model.fit(x, np.arange(16) % 2, epochs=1, verbose=0)
    norms = np.linalg.norm(model.get_layer("predictions").kernel.numpy(), axis=0)
    assert np.all(norms <= 3.0 + 1e-4)


@pytest.mark.parametrize("arguments, message", [
    (dict(filter_sizes=(3, 20)), r"filter_sizes=\(3, 20\) is not allowed with sequence_length=12"),
    (dict(filter_sizes=()), r"filter_sizes=\(\)"),
    (dict(filter_sizes=(3, 3)), "each window size once"),
    (dict(channels=("static",)), r"channels=\('static',\)"),
    (dict(pooling="avg"), "pooling='avg'"),
    (dict(vocab_size=10, include_preprocessing=True), "vocab_size=10 does not match the vectorizer's 32 ids"),
    (dict(embeddings=np.zeros((5, 8))), r"embeddings of shape \(5, 8\) do not fit: .* \(32, 8\)"),
    (dict(embeddings="vectors.txt"), "pass vocabulary="),
    (dict(dropout=1.5), "dropout=1.5"),
])
def test_bad_arguments_are_value_errors(arguments, message):
    with pytest.raises(ValueError, match=message):
        zoo.get("textcnn", **{**TINY, **arguments})


def test_sequence_length_argument_wins_over_the_default_input_shape():
    model = zoo.get("textcnn", sequence_length=9, embedding_dim=4, num_filters=2, max_tokens=10)
    assert model.inputs[0].shape == (None, 9)


def test_word_vectors_file_fills_the_static_and_multichannel_embeddings(tmp_path):
    import keras

    vectors = tmp_path / "vectors.txt"
    vectors.write_text("2 8\nfilm " + " ".join(["0.5"] * 8) + "\nfine " + " ".join(["-0.5"] * 8) + "\n")
    model = zoo.get("textcnn_multichannel", embeddings=str(vectors), vocabulary=["film", "fine", "dull"],
                    include_preprocessing=True, **TINY)
    frozen, trainable = model.get_layer("embedding_frozen"), model.get_layer("embedding_trainable")
    film = model.get_layer("vectorizer").token_id("film")
    np.testing.assert_array_equal(frozen.embeddings.numpy()[film], [0.5] * 8)
    np.testing.assert_array_equal(trainable.embeddings.numpy()[film], [0.5] * 8)
    before = frozen.embeddings.numpy().copy(), trainable.embeddings.numpy().copy()
    model.compile(keras.optimizers.Adam(0.1), "sparse_categorical_crossentropy")
    model.fit(np.array(["film fine", "dull film"], dtype=object), np.array([1, 0]), epochs=1, verbose=0)
    np.testing.assert_array_equal(frozen.embeddings.numpy(), before[0])  # static channel: unchanged
    assert not np.allclose(trainable.embeddings.numpy(), before[1])  # non-static channel: fine-tuned


def test_training_recipe_and_search_space_hooks():
    import keras_tuner

    registry = get_registry()
    recipe = registry.manager.hook.zoo_training_recipe(architecture=registry.architectures["textcnn_static"])
    assert recipe.optimizer == "adam" and recipe.batch_size == 50 and recipe.early_stopping_patience == 2
    hp = keras_tuner.HyperParameters()
    space = registry.manager.hook.zoo_hyperparameters(architecture=registry.architectures["textcnn_rand"], hp=hp)
    assert space == {"embedding_dim": 300, "filter_sizes": (3, 4, 5), "num_filters": 100, "dropout": 0.5}
    lenet = registry.architectures["lenet5"]  # each architecture's own data answers, not another family's
    assert registry.manager.hook.zoo_training_recipe(architecture=lenet) == lenet.recipe != recipe


@pytest.mark.slow
def test_zoo_train_on_a_folder_of_text_files_adapts_the_vectorizer(tmp_path):
    words = {"fresh": "gripping moving superb", "rotten": "dull tedious lifeless"}
    for label, vocabulary in words.items():
        (tmp_path / "data" / label).mkdir(parents=True)
        for i in range(12):
            (tmp_path / "data" / label / f"{i}.txt").write_text(f"{vocabulary.split()[i % 3]} film {i}")
    result = zoo.train("textcnn", tmp_path / "data", epochs=1, batch_size=8, run_dir=tmp_path / "run", verbose=0,
                       model_args=dict(include_preprocessing=True, embedding_dim=8, num_filters=4, max_tokens=50))
    vocabulary = result.model.get_layer("vectorizer").get_vocabulary()
    assert "film" in vocabulary and "gripping" in vocabulary
    assert result.weights.is_file() and result.model.inputs[0].dtype == "string"


@pytest.mark.jax
def test_model_runs_under_jax():
    import keras

    assert keras.backend.backend() == "jax", "run with KERAS_BACKEND=jax"
    for name in VARIANTS:
        model = check_architecture(name, **TINY)["model"]
    with pytest.raises(ValueError, match="include_preprocessing=True needs the TensorFlow backend .* not .jax."):
        zoo.get("textcnn", include_preprocessing=True, **TINY)
    assert os.environ.get("KERAS_BACKEND") == "jax" and model is not None
