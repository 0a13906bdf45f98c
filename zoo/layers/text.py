"""Text preprocessing on tensorflow-text: :class:`Vectorizer`, and word vectors for embeddings.

The :class:`Vectorizer` turns raw strings into padded token ids inside the
TensorFlow graph, so it runs in a ``tf.data`` map, inside a model, and in an
exported SavedModel that answers raw strings. Its vocabulary is saved with the
model: in the ``.keras`` file, in a ``.weights.h5`` file and in ``model.export``.

Token ids follow Keras' ``StringLookup`` layout::

    0                               padding
    1 .. num_oov_buckets            hashed out-of-vocabulary buckets
    num_oov_buckets + 1 ..          the vocabulary, most frequent token first

so an embedding for it has ``vocabulary_size = 1 + num_oov_buckets + max_tokens`` rows,
whether or not the vocabulary is full.

Input text that is not valid UTF-8 is not an error: each invalid byte becomes
U+FFFD (the replacement character), which is then an ordinary token.

This module imports TensorFlow and tensorflow-text; only the TensorFlow backend runs it.

Example::

    >>> vectorizer = zoo.layers.text.Vectorizer(max_tokens=20000, sequence_length=56)
    >>> vectorizer.adapt(["A gripping film.", "Dull and far too long."])
    >>> vectorizer(["a gripping, beautifully shot film"])   # (1, 56) int64 ids
"""

from __future__ import annotations

import collections
import os
from pathlib import Path
from typing import Iterable

import keras
import numpy as np
import tensorflow as tf
import tensorflow_text as tf_text

from zoo.checks import check_choice, check_integer

TOKENIZERS = ("unicode_script", "whitespace")
REPLACEMENT_CHARACTER = 0xFFFD  # what each byte of invalid UTF-8 becomes


def read_vocabulary(vocabulary) -> list[str]:
    """A vocabulary as a list of tokens: from a list, or a text file with one token per line.

    Example::

        >>> zoo.layers.text.read_vocabulary("vocab.txt")[:3]
        ['the', ',', '.']
    """
    if isinstance(vocabulary, (str, os.PathLike)):
        path = Path(vocabulary)
        if not path.is_file():
            raise FileNotFoundError(f"vocabulary={str(vocabulary)!r}: no such file (one token per line expected)")
        tokens = path.read_text(encoding="utf-8").splitlines()
    else:
        tokens = [t.decode("utf-8") if isinstance(t, bytes) else t for t in vocabulary]
    bad = [t for t in tokens if not isinstance(t, str) or not t or any(c.isspace() for c in t)]
    if bad:
        raise ValueError(f"vocabulary token {bad[0]!r} is not allowed: tokens are non-empty strings without spaces")
    return tokens


def as_bytes(texts) -> np.ndarray:
    """Python strings as a UTF-8 ``bytes`` array, for a string tensor.

    Bytes that were not UTF-8 where the strings came from (``sys.argv``, file
    names: Python keeps them as surrogate escapes) get their original value
    back, so that the :class:`Vectorizer` replaces them with U+FFFD instead of
    TensorFlow refusing the string.

    Example::

        >>> zoo.layers.text.as_bytes(["caf\\udce9", b"ok"])
        array([b'caf\\xe9', b'ok'], dtype=object)
    """
    array = np.asarray(texts, dtype=object)
    flat = [t.encode("utf-8", "surrogateescape") if isinstance(t, str) else t for t in array.reshape(-1)]
    return np.array(flat + [b""], dtype=object)[:-1].reshape(array.shape)  # the sentinel keeps dtype=object


@keras.saving.register_keras_serializable(package="zoo")
class Vectorizer(keras.layers.Layer):
    """Raw strings to padded token ids: NFKC + case folding, tokenizing, vocabulary lookup.

    :param max_tokens: the largest vocabulary ``adapt`` keeps (the most frequent tokens).
    :param sequence_length: ids per text; longer texts are truncated, shorter ones padded with 0.
    :param tokenizer: ``"unicode_script"`` (splits on whitespace and script changes, so punctuation
        and each script are tokens of their own) or ``"whitespace"``.
    :param min_count: ``adapt`` keeps only tokens seen at least this often.
    :param num_oov_buckets: out-of-vocabulary tokens are hashed into this many ids.
    :param vocabulary: a list of tokens or a file with one per line, most frequent first; None to ``adapt``.

    Example::

        >>> vectorizer = zoo.layers.text.Vectorizer(max_tokens=100, sequence_length=8)
        >>> vectorizer.adapt(["the film", "the end"])
        >>> vectorizer.get_vocabulary()
        ['the', 'end', 'film']
        >>> vectorizer(["The FILM!"]).numpy()
        array([[2, 4, 1, 0, 0, 0, 0, 0]])
    """

    def __init__(self, max_tokens: int = 20000, sequence_length: int = 56, *, tokenizer: str = "unicode_script",
                 min_count: int = 1, num_oov_buckets: int = 1, vocabulary=None, **kwargs):
        kwargs.setdefault("dtype", "int64")
        super().__init__(**kwargs)
        check_integer("max_tokens", max_tokens)
        check_integer("sequence_length", sequence_length)
        check_integer("min_count", min_count)
        check_integer("num_oov_buckets", num_oov_buckets)
        check_choice("tokenizer", tokenizer, TOKENIZERS)
        self.max_tokens = max_tokens
        self.sequence_length = sequence_length
        self.tokenizer = tokenizer
        self.min_count = min_count
        self.num_oov_buckets = num_oov_buckets
        self._tokenize = (tf_text.UnicodeScriptTokenizer() if tokenizer == "unicode_script"
                          else tf_text.WhitespaceTokenizer()).tokenize
        self._given_vocabulary = vocabulary is not None
        with tf.init_scope():  # one table for the layer's life: traced functions keep seeing its contents
            self._table = tf.lookup.experimental.MutableHashTable(tf.string, tf.int64, default_value=-1)
        self.set_vocabulary([] if vocabulary is None else vocabulary)
        self.built = True

    @property
    def vocabulary_size(self) -> int:
        """How many ids the output can hold: padding, OOV buckets and ``max_tokens`` (an embedding's rows)."""
        return 1 + self.num_oov_buckets + self.max_tokens

    @property
    def is_adapted(self) -> bool:
        """Whether the vocabulary has been set or adapted (False: every token is out of vocabulary)."""
        return bool(self._vocabulary)

    def get_vocabulary(self) -> list[str]:
        """The vocabulary, most frequent token first (token ``i`` has id ``num_oov_buckets + 1 + i``)."""
        return list(self._vocabulary)

    def token_id(self, token: str) -> int:
        """The id of an in-vocabulary token (KeyError otherwise)."""
        return self.num_oov_buckets + 1 + self._vocabulary.index(token)

    def set_vocabulary(self, vocabulary) -> None:
        """Use ``vocabulary`` (a list of tokens or a file with one per line, most frequent first)."""
        tokens = read_vocabulary(vocabulary)
        if len(tokens) > self.max_tokens:
            raise ValueError(
                f"the vocabulary has {len(tokens)} tokens, more than max_tokens={self.max_tokens}; "
                f"pass max_tokens={len(tokens)} or a shorter vocabulary"
            )
        if len(set(tokens)) != len(tokens):
            duplicate = next(t for t, n in collections.Counter(tokens).items() if n > 1)
            raise ValueError(f"the vocabulary lists token {duplicate!r} twice")
        self._vocabulary = tokens
        first = self.num_oov_buckets + 1
        with tf.init_scope():
            self._table.remove(self._table.export()[0])
            if tokens:
                self._table.insert(tf.constant(tokens, tf.string),
                                   tf.range(first, first + len(tokens), dtype=tf.int64))

    def tokenize(self, texts):
        """Normalize and split ``texts`` (a string tensor of any batch shape) into a ragged tensor of tokens."""
        texts = tf.convert_to_tensor(texts, dtype=tf.string)
        if texts.shape.rank == 2:  # (batch, 1), as Keras' TextVectorization takes
            texts = tf.squeeze(texts, axis=-1)
        texts = tf.strings.unicode_transcode(texts, "UTF-8", "UTF-8", errors="replace",
                                             replacement_char=REPLACEMENT_CHARACTER)
        texts = tf_text.case_fold_utf8(tf_text.normalize_utf8(texts, "NFKC"))
        return self._tokenize(texts)

    def adapt(self, data, batch_size: int = 1024) -> None:
        """Build the vocabulary from ``data``: strings, an array of them, or a ``tf.data.Dataset``.

        A dataset of ``(text, label)`` pairs is read for its texts. Tokens are
        kept in order of frequency (ties by token), at most ``max_tokens``,
        each seen at least ``min_count`` times.
        """
        if isinstance(data, tf.data.Dataset):
            if isinstance(data.element_spec, tuple):
                data = data.map(lambda text, *_: text)
            if data.element_spec.shape.rank == 0:
                data = data.batch(batch_size)
        else:
            texts = as_bytes(data).reshape(-1)
            data = tf.data.Dataset.from_tensor_slices(tf.constant(texts if texts.size else [], tf.string))
            data = data.batch(batch_size)
        counts = collections.Counter()
        for batch in data.map(self.tokenize):
            counts.update(batch.flat_values.numpy().tolist())
        ranked = sorted((item for item in counts.items() if item[1] >= self.min_count), key=lambda kv: (-kv[1], kv[0]))
        self.set_vocabulary([token.decode("utf-8") for token, _ in ranked[: self.max_tokens]])

    def __call__(self, texts, *args, **kwargs):
        if isinstance(texts, (str, bytes)):
            texts = [texts]  # a batch of one
        if isinstance(texts, (list, tuple, np.ndarray)):  # Keras would read a list as several inputs
            texts = tf.constant(as_bytes(texts), dtype=tf.string)
        return super().__call__(texts, *args, **kwargs)

    def call(self, texts):
        tokens = self.tokenize(texts)
        ids = tf.ragged.map_flat_values(self._lookup, tokens)
        return ids.to_tensor(default_value=0, shape=[None, self.sequence_length])

    def _lookup(self, tokens):
        ids = self._table.lookup(tokens)
        oov = tf.strings.to_hash_bucket_fast(tokens, self.num_oov_buckets) + 1
        return tf.where(ids < 0, oov, ids)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.sequence_length)

    def compute_output_spec(self, inputs):
        return keras.KerasTensor((inputs.shape[0], self.sequence_length), dtype="int64")

    # === Saving: the vocabulary travels in the weights (.keras and .weights.h5) and in the config ===

    def save_own_variables(self, store):
        store["vocabulary"] = np.frombuffer("\n".join(self._vocabulary).encode("utf-8"), dtype=np.uint8)

    def load_own_variables(self, store):
        if "vocabulary" not in store:
            return
        stored = bytes(np.asarray(store["vocabulary"], dtype=np.uint8)).decode("utf-8")
        stored = stored.split("\n") if stored else []
        if self._given_vocabulary and stored != self._vocabulary:
            raise ValueError(
                f"the vocabulary given has {len(self._vocabulary)} tokens but the weights were trained with "
                f"another vocabulary of {len(stored)} tokens; leave vocabulary unset to use the weights' own"
            )
        self.set_vocabulary(stored)

    def get_config(self):
        return {
            **super().get_config(),
            "max_tokens": self.max_tokens,
            "sequence_length": self.sequence_length,
            "tokenizer": self.tokenizer,
            "min_count": self.min_count,
            "num_oov_buckets": self.num_oov_buckets,
            "vocabulary": self.get_vocabulary() or None,
        }

    @classmethod
    def from_config(cls, config):
        """Rebuild from a saved config; a vocabulary given as a file name is refused in Keras' safe mode.

        A ``.keras`` file's config could otherwise make loading it read any local file: Keras loads in
        safe mode unless the caller passes ``safe_mode=False`` (trusting the file).
        """
        from keras.src.saving.serialization_lib import in_safe_mode

        vocabulary = config.get("vocabulary")
        if isinstance(vocabulary, (str, os.PathLike)) and in_safe_mode() is not False:
            raise ValueError(f"the Vectorizer's saved config names the file {str(vocabulary)!r} as its vocabulary: "
                             "loading it would read that file. Saved models list their vocabulary; if you trust "
                             "this one, load it with keras.saving.load_model(..., safe_mode=False)")
        return cls(**config)


def load_vectors(path, vocabulary: Iterable[str], *, num_oov_buckets: int = 1, max_tokens: int | None = None,
                 embedding_dim: int | None = None, seed: int = 0) -> np.ndarray:
    """An embedding matrix for a vocabulary from word vectors in word2vec or GloVe text format.

    The file has one ``word value value ...`` line per word (word2vec's first
    ``count dim`` line is skipped). Rows follow the :class:`Vectorizer` ids:
    padding (zeros), OOV buckets, then the vocabulary. A token is looked up as
    is, then lower-cased. As in Kim (2014), tokens missing from the file, the
    OOV buckets and unused rows are drawn uniformly from ``[-a, a]``, with ``a``
    chosen so their variance equals that of the loaded vectors.

    :param path: the vectors file.
    :param vocabulary: the tokens, most frequent first (``vectorizer.get_vocabulary()``).
    :param max_tokens: the vectorizer's ``max_tokens`` (rows); the vocabulary's length if None.
    :param embedding_dim: the expected vector size; taken from the file if None.
    :return: a float32 matrix of shape ``(1 + num_oov_buckets + max_tokens, dim)``.

    Example::

        >>> matrix = zoo.layers.text.load_vectors("glove.6B.300d.txt", vectorizer.get_vocabulary(), max_tokens=20000)
        >>> model = zoo.get("textcnn_static", embeddings=matrix, embedding_dim=300, max_tokens=20000)
    """
    vocabulary = list(vocabulary)
    max_tokens = len(vocabulary) if max_tokens is None else max_tokens
    if len(vocabulary) > max_tokens:
        raise ValueError(f"the vocabulary has {len(vocabulary)} tokens, more than max_tokens={max_tokens}")
    first = 1 + num_oov_buckets
    rows = {token: first + i for i, token in enumerate(vocabulary)}
    found: dict[int, np.ndarray] = {}
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"embeddings={str(path)!r}: no such word-vectors file")
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, 1):
            parts = line.rstrip().split(" ")
            if number == 1 and len(parts) == 2 and all(p.isdigit() for p in parts):
                continue  # word2vec header: count dim
            if len(parts) < 2:
                continue
            word, values = parts[0], parts[1:]
            if embedding_dim is None:
                embedding_dim = len(values)
            if len(values) != embedding_dim:
                raise ValueError(
                    f"{path}:{number}: the vector of {word!r} has {len(values)} values, expected {embedding_dim}"
                )
            row = rows.get(word)
            if row is None:  # a lower-cased match, unless the token had one already
                row = rows.get(word.lower())
                if row is None or row in found:
                    continue
            found[row] = np.asarray(values, dtype=np.float32)
    if embedding_dim is None:
        raise ValueError(f"embeddings={str(path)!r}: no vectors found in the file")
    loaded = np.stack(list(found.values())) if found else np.zeros((0, embedding_dim), np.float32)
    bound = float(np.sqrt(3.0 * loaded.var())) if loaded.size else 0.25  # Kim's a = 0.25 with no vectors
    matrix = np.random.default_rng(seed).uniform(-bound, bound, (first + max_tokens, embedding_dim))
    matrix[0] = 0.0
    for row, vector in found.items():
        matrix[row] = vector
    return matrix.astype(np.float32)
