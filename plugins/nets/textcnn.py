"""TextCNN (Kim 2014) as a Keras functional model.

Embedding channels, parallel 1-D convolutions with ReLU, max-over-time
pooling, concatenation, dropout and a dense classifier whose weight vectors
are kept to an L2 norm of at most 3. Only Keras layers, so the model runs on
any backend; with ``include_preprocessing=True`` a :class:`zoo.layers.text.Vectorizer`
(TensorFlow only) in front takes raw strings.
"""

import keras
import numpy as np
from keras import layers

from zoo.kit import check_choice, check_range
from zoo.layers.heads import CLASSIFIER_ACTIVATIONS

CHANNELS = ("trainable", "frozen")  # a fine-tuned or a fixed embedding channel


def _check_positive(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name}={value!r} is not allowed: it must be a positive integer")


def _vectorizer(vocabulary, max_tokens, sequence_length, tokenizer, min_count, num_oov_buckets):
    needs = "include_preprocessing=True needs the TensorFlow backend and tensorflow-text"
    if keras.backend.backend() != "tensorflow":
        raise ValueError(f"{needs}, not {keras.backend.backend()!r}: pass include_preprocessing=False "
                         "and feed token ids (from a zoo.layers.text.Vectorizer in a tf.data pipeline)")
    try:
        from zoo.layers.text import Vectorizer
    except ImportError as error:
        raise ValueError(f"{needs} ({error}): pass include_preprocessing=False and feed token ids") from None
    return Vectorizer(max_tokens, sequence_length, tokenizer=tokenizer, min_count=min_count,
                      num_oov_buckets=num_oov_buckets, vocabulary=vocabulary, name="vectorizer")


def _embedding_matrix(embeddings, vocabulary, vocab_size, embedding_dim, num_oov_buckets):
    """The initial embedding matrix from ``embeddings`` (an array or a word-vectors file), or None."""
    if embeddings is None:
        return None
    if isinstance(embeddings, (str, bytes)) or hasattr(embeddings, "__fspath__"):
        if vocabulary is None:
            raise ValueError(
                f"embeddings={str(embeddings)!r} is a word-vectors file: pass vocabulary= (a list or file of "
                "tokens, e.g. Vectorizer.get_vocabulary() after adapt) so that its words find their rows"
            )
        from zoo.layers.text import load_vectors, read_vocabulary

        embeddings = load_vectors(embeddings, read_vocabulary(vocabulary), num_oov_buckets=num_oov_buckets,
                                  max_tokens=vocab_size - 1 - num_oov_buckets, embedding_dim=embedding_dim)
    matrix = np.asarray(embeddings, dtype="float32")
    if matrix.shape != (vocab_size, embedding_dim):
        raise ValueError(
            f"embeddings of shape {matrix.shape} do not fit: the model needs (vocab_size, embedding_dim) = "
            f"{(vocab_size, embedding_dim)}"
        )
    return matrix


def build_textcnn(*, num_classes, input_shape, include_top, pooling, vocab_size, embedding_dim, sequence_length,
                  filter_sizes, num_filters, dropout, max_norm, channels, embeddings, include_preprocessing,
                  vocabulary, max_tokens, min_count, num_oov_buckets, tokenizer, classifier_activation):
    """TextCNN: embeddings, convolutions of each of ``filter_sizes`` over time, max-over-time, classifier.

    ``sequence_length`` (None: ``input_shape[0]``) is the number of token ids
    per text. ``vocab_size`` (None: ``1 + num_oov_buckets + max_tokens``, what
    a :class:`zoo.layers.text.Vectorizer` with those settings produces) is the
    embedding's number of rows. ``include_top=False`` gives the concatenated,
    max-over-time pooled features.
    """
    sequence_length = input_shape[0] if sequence_length is None else sequence_length
    _check_positive("sequence_length", sequence_length)
    _check_positive("embedding_dim", embedding_dim)
    _check_positive("num_filters", num_filters)
    _check_positive("max_tokens", max_tokens)
    _check_positive("num_oov_buckets", num_oov_buckets)
    if not filter_sizes or not isinstance(filter_sizes, (list, tuple)):
        raise ValueError(f"filter_sizes={filter_sizes!r} is not allowed: give window sizes such as (3, 4, 5)")
    for size in filter_sizes:
        _check_positive("filter_sizes item", size)
    if len(set(filter_sizes)) != len(filter_sizes):
        raise ValueError(f"filter_sizes={tuple(filter_sizes)!r} is not allowed: each window size once "
                         "(raise num_filters for more feature maps)")
    if max(filter_sizes) > sequence_length:
        raise ValueError(
            f"filter_sizes={tuple(filter_sizes)!r} is not allowed with sequence_length={sequence_length}: "
            f"each window must be at most sequence_length tokens"
        )
    if not channels or not isinstance(channels, (list, tuple)) or any(c not in CHANNELS for c in channels):
        raise ValueError(f"channels={channels!r} is not allowed: give a tuple of {CHANNELS} items")
    check_range("dropout", dropout, 0.0, 1.0)
    check_choice("classifier_activation", classifier_activation, CLASSIFIER_ACTIVATIONS)
    check_choice("pooling", pooling, (None, "max"))  # max-over-time is the model's own pooling
    derived_vocab_size = 1 + num_oov_buckets + max_tokens
    if vocab_size is None:
        vocab_size = derived_vocab_size
    _check_positive("vocab_size", vocab_size)
    if include_preprocessing and vocab_size != derived_vocab_size:
        raise ValueError(
            f"vocab_size={vocab_size} does not match the vectorizer's {derived_vocab_size} ids "
            f"(1 + num_oov_buckets={num_oov_buckets} + max_tokens={max_tokens}); leave vocab_size unset"
        )
    initial = _embedding_matrix(embeddings, vocabulary, vocab_size, embedding_dim, num_oov_buckets)

    # === Functional Model ===
    if include_preprocessing:
        inputs = keras.Input(shape=(), dtype="string", name="text")
        token_ids = _vectorizer(vocabulary, max_tokens, sequence_length, tokenizer, min_count,
                                num_oov_buckets)(inputs)
    else:
        inputs = keras.Input(shape=(sequence_length,), dtype="int32", name="token_ids")
        token_ids = inputs
    embedded = []
    for channel in channels:
        embedding = layers.Embedding(vocab_size, embedding_dim, trainable=channel == "trainable",
                                     embeddings_initializer=keras.initializers.RandomUniform(-0.25, 0.25),
                                     name="embedding" if len(channels) == 1 else f"embedding_{channel}")
        embedded.append(embedding(token_ids))
        if initial is not None:
            embedding.set_weights([initial])
    # Kim's channels each have their own filter weights, summed: a convolution over the stacked vectors.
    x = embedded[0] if len(embedded) == 1 else layers.Concatenate(name="channels")(embedded)
    features = []
    for size in filter_sizes:
        y = layers.Conv1D(num_filters, size, activation="relu", name=f"conv_{size}")(x)
        features.append(layers.GlobalMaxPooling1D(name=f"pool_{size}")(y))
    x = features[0] if len(features) == 1 else layers.Concatenate(name="features")(features)
    if include_top:
        if dropout:
            x = layers.Dropout(dropout, name="head_dropout")(x)
        constraint = keras.constraints.MaxNorm(max_norm) if max_norm else None
        x = layers.Dense(num_classes, activation=classifier_activation, kernel_constraint=constraint,
                         dtype="float32", name="predictions")(x)
    return keras.Model(inputs, x, name="textcnn")
