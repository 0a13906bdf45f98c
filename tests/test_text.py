"""zoo.text: the tensorflow-text Vectorizer and the word-vectors loader, on tiny real inputs."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import run_python

tf = pytest.importorskip("tensorflow")
pytest.importorskip("tensorflow_text")
keras = pytest.importorskip("keras")

from zoo.layers.text import Vectorizer, load_vectors  # noqa: E402


def ids(vectorizer, texts):
    return vectorizer(tf.constant(texts)).numpy().tolist()


def test_normalizes_case_folds_and_splits_punctuation_and_scripts():
    vectorizer = Vectorizer(max_tokens=10, sequence_length=12)
    tokens = vectorizer.tokenize(tf.constant(["ＧＲＩＰＰＩＮＧ, ﬁne film! 東京タワー"])).to_list()[0]
    assert [t.decode() for t in tokens] == ["gripping", ",", "fine", "film", "!", "東京", "タワ", "ー"]
    whitespace = Vectorizer(max_tokens=10, tokenizer="whitespace")
    assert [t.decode() for t in whitespace.tokenize(tf.constant(["Fine, FILM!"])).to_list()[0]] == ["fine,", "film!"]


def test_adapt_keeps_frequency_order_max_tokens_and_min_count():
    texts = ["b a c", "a b", "a d", "e"]
    vectorizer = Vectorizer(max_tokens=3, sequence_length=4)
    vectorizer.adapt(texts)
    assert vectorizer.get_vocabulary() == ["a", "b", "c"]  # a:3, b:2, then c/d/e tie, sorted
    frequent = Vectorizer(max_tokens=10, min_count=2)
    frequent.adapt(tf.data.Dataset.from_tensor_slices((texts, [0, 1, 0, 1])))  # (text, label) pairs
    assert frequent.get_vocabulary() == ["a", "b"]
    assert frequent.is_adapted and not Vectorizer().is_adapted


def test_ids_padding_truncation_and_hashed_oov_buckets():
    vectorizer = Vectorizer(max_tokens=5, sequence_length=4, num_oov_buckets=3, vocabulary=["a", "b"])
    assert vectorizer.vocabulary_size == 1 + 3 + 5
    (short, empty, long) = ids(vectorizer, ["b a", "", "a " * 10_000])
    assert short == [5, 4, 0, 0] and empty == [0, 0, 0, 0] and long == [4, 4, 4, 4]
    unknown = ids(vectorizer, ["zebra yak xylophone wombat"])[0]
    assert all(1 <= i <= 3 for i in unknown)
    assert ids(vectorizer, ["zebra"])[0][0] == unknown[0]  # hashing is deterministic


def test_invalid_utf8_becomes_replacement_characters():
    vectorizer = Vectorizer(max_tokens=5, sequence_length=3)
    vectorizer.adapt([b"bad \xff\xfe bytes"])
    assert "\ufffd\ufffd" in vectorizer.get_vocabulary()
    assert ids(vectorizer, [b"\xff\xfe"])[0][0] == vectorizer.token_id("\ufffd\ufffd")


def test_bad_arguments_and_vocabularies(tmp_path):
    with pytest.raises(ValueError, match="tokenizer='spacy'"):
        Vectorizer(tokenizer="spacy")
    with pytest.raises(ValueError, match="3 tokens, more than max_tokens=2"):
        Vectorizer(max_tokens=2, vocabulary=["a", "b", "c"])
    with pytest.raises(ValueError, match="twice"):
        Vectorizer(vocabulary=["a", "a"])
    with pytest.raises(FileNotFoundError, match="missing.txt"):
        Vectorizer(vocabulary=str(tmp_path / "missing.txt"))
    (tmp_path / "vocab.txt").write_text("film\nfine\n", encoding="utf-8")
    assert Vectorizer(vocabulary=tmp_path / "vocab.txt").get_vocabulary() == ["film", "fine"]


def test_works_in_tf_data_map():
    vectorizer = Vectorizer(max_tokens=5, sequence_length=3, vocabulary=["a", "b"])
    ds = tf.data.Dataset.from_tensor_slices((["a b", "b"], [0, 1])).batch(2).map(lambda x, y: (vectorizer(x), y))
    x, _ = next(iter(ds))
    assert x.numpy().tolist() == [[2, 3, 0], [3, 0, 0]]


def tiny_model(vectorizer):
    inputs = keras.Input(shape=(), dtype="string")
    x = keras.layers.Embedding(vectorizer.vocabulary_size, 4, name="embedding")(vectorizer(inputs))
    outputs = keras.layers.Dense(2, name="predictions")(keras.layers.GlobalMaxPooling1D()(x))
    return keras.Model(inputs, outputs)


TEXTS = np.array(["the film", "the end is near", "an unknown word"], dtype=object)


@pytest.mark.slow
def test_vocabulary_survives_keras_file_weights_file_and_export(tmp_path):
    vectorizer = Vectorizer(max_tokens=20, sequence_length=6, name="vectorizer")
    vectorizer.adapt(["the film", "the end", "a film"])
    model = tiny_model(vectorizer)
    expected = model.predict(TEXTS, verbose=0)

    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(loaded.predict(TEXTS, verbose=0), expected, rtol=1e-6)

    model.save_weights(tmp_path / "model.weights.h5")
    fresh = tiny_model(Vectorizer(max_tokens=20, sequence_length=6, name="vectorizer"))
    fresh.load_weights(tmp_path / "model.weights.h5")
    assert fresh.get_layer("vectorizer").get_vocabulary() == vectorizer.get_vocabulary()
    np.testing.assert_allclose(fresh.predict(TEXTS, verbose=0), expected, rtol=1e-6)

    model.export(str(tmp_path / "saved"), verbose=False)
    result = run_python(f"""
        import sys
        import tensorflow as tf, tensorflow_text  # noqa: F401  (registers its ops)
        served = tf.saved_model.load({str(tmp_path / "saved")!r})
        print(served.serve(tf.constant({TEXTS.tolist()!r})).numpy().tolist())
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("zoo", "zoo_plugins")))
    """)
    assert result.returncode == 0, result.stderr[-2000:]
    served, modules = result.stdout.strip().splitlines()[-2:]
    np.testing.assert_allclose(np.array(eval(served)), expected, rtol=1e-5)
    assert modules == "[]"


def test_weights_with_another_vocabulary_is_an_error_naming_both_sizes(tmp_path):
    trained = Vectorizer(max_tokens=20, sequence_length=6, vocabulary=["the", "film", "end"], name="vectorizer")
    tiny_model(trained).save_weights(tmp_path / "model.weights.h5")
    mine = tiny_model(Vectorizer(max_tokens=20, sequence_length=6, vocabulary=["a", "b"], name="vectorizer"))
    with pytest.raises(ValueError, match="vocabulary given has 2 tokens .* vocabulary of 3 tokens"):
        mine.load_weights(tmp_path / "model.weights.h5")


def test_config_round_trip_keeps_the_vocabulary():
    vectorizer = Vectorizer(max_tokens=20, sequence_length=5, tokenizer="whitespace", vocabulary=["a", "b"])
    clone = Vectorizer.from_config(vectorizer.get_config())
    assert clone.get_vocabulary() == ["a", "b"] and clone.tokenizer == "whitespace"
    assert ids(clone, ["b a c"]) == ids(vectorizer, ["b a c"])


def write_vectors(path, header: bool):
    lines = ["Film 1.0 2.0", "film 5.0 6.0", "FINE 3.0 4.0", "unused 7.0 8.0"]
    path.write_text(("4 2\n" if header else "") + "\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("header", [True, False], ids=["word2vec", "glove"])
def test_load_vectors_rows_follow_the_vectorizer_ids(tmp_path, header):
    path = write_vectors(tmp_path / "vectors.txt", header)
    matrix = load_vectors(path, ["film", "fine", "missing"], num_oov_buckets=1, max_tokens=5)
    assert matrix.shape == (1 + 1 + 5, 2) and matrix.dtype == np.float32
    np.testing.assert_array_equal(matrix[0], [0, 0])  # padding
    np.testing.assert_array_equal(matrix[2], [5, 6])  # the exact match wins over the lower-cased "Film"
    np.testing.assert_array_equal(matrix[3], [3, 4])  # "FINE", lower-cased
    bound = np.sqrt(3 * np.var([5, 6, 3, 4]))  # Kim: uniform in [-a, a] with the variance of the loaded vectors
    for row in (1, 4, 5, 6):  # OOV bucket, the missing word, unused rows
        assert np.all(np.abs(matrix[row]) <= bound) and np.any(matrix[row] != 0)


def test_load_vectors_errors(tmp_path):
    path = tmp_path / "vectors.txt"
    path.write_text("a 1.0 2.0\nb 1.0\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"vectors.txt:2: the vector of 'b' has 1 values, expected 2"):
        load_vectors(path, ["a", "b"])
    with pytest.raises(FileNotFoundError, match="nothing.txt"):
        load_vectors(tmp_path / "nothing.txt", ["a"])


def test_a_new_vocabulary_reaches_functions_traced_before():
    vectorizer = Vectorizer(max_tokens=10, sequence_length=3, name="vectorizer")
    inputs = keras.Input(shape=(), dtype="string")
    model = keras.Model(inputs, vectorizer(inputs))
    texts = np.array(["a b", "c"], dtype=object)
    assert model.predict(texts, verbose=0).tolist() == [[1, 1, 0], [1, 0, 0]]  # all out of vocabulary
    vectorizer.adapt(["a b c"])
    assert model.predict(texts, verbose=0).tolist() == [[2, 3, 0], [4, 0, 0]]
