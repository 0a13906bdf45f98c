"""The words and n-grams that decided a TextCNN's prediction (Kim 2014's max-over-time pooling, read back).

Each filter of a window size ``k`` fires hardest at one position of the text: max-over-time
pooling keeps that value and nothing else, so the ``k`` words there are the filter's whole
evidence. Its contribution to a class is that value times the classifier's weight for the class,
less the weight's mean over the classes (what moves the softmax). An n-gram's score is the sum of
the contributions of the filters that picked it; a word's, the share of the n-grams over it.
No gradient is involved: the scores add up to the class's logit minus the mean logit, bias aside.

The model must be such a network: ``Conv1D`` layers each ending in ``GlobalMaxPooling1D``, their
outputs concatenated (in order) into the ``Dense`` classifier. Its input is token ids, or raw
strings through a layer with a ``tokenize`` method (:class:`zoo.layers.text.Vectorizer`).

Example::

    >>> found = text_evidence(model, ["a gripping, beautifully shot film"], classes=[1])
    >>> found[0].ngrams[0]
    Ngram(start=2, length=3, score=1.27, text='beautifully shot film')
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Ngram:
    """Consecutive tokens one or more filters picked, and their summed contribution to the class."""

    start: int
    length: int
    score: float
    text: str


@dataclass(frozen=True)
class Evidence:
    """What decided one text: its tokens, each token's score and the n-grams, highest score first."""

    tokens: tuple[str, ...]
    scores: np.ndarray
    ngrams: tuple[Ngram, ...]


def max_over_time(model):
    """``(windows, classifier)``: each ``(Conv1D, GlobalMaxPooling1D)`` pair in the classifier's feature order,
    and the ``Dense`` classifier. A ValueError for any other model."""
    import keras

    pools = [layer for layer in model.layers if isinstance(layer, keras.layers.GlobalMaxPooling1D)]
    convs = {id(layer.output): layer for layer in model.layers if isinstance(layer, keras.layers.Conv1D)}
    windows = [(convs.get(id(pool.input)), pool) for pool in pools]
    classifier = model.layers[-1]
    if not windows or any(conv is None for conv, _ in windows) or not isinstance(classifier, keras.layers.Dense):
        raise ValueError(f"model {model.name!r} is not a max-over-time text CNN (Conv1D layers each ending in "
                         "GlobalMaxPooling1D, then a Dense classifier): text evidence needs one")
    concatenations = [layer for layer in model.layers if isinstance(layer, keras.layers.Concatenate)
                      and {id(t) for t in layer.input} == {id(pool.output) for _, pool in windows}]
    if concatenations:  # the classifier's features in the order they were concatenated
        order = [id(t) for t in concatenations[0].input]
        windows.sort(key=lambda pair: order.index(id(pair[1].output)))
    return windows, classifier


def tokens_of(model, texts, token_ids: np.ndarray) -> list[list[str]]:
    """The tokens of each text as the model's tokenizer split them, one per token id that is not padding
    (a model on token ids: ``#id``)."""
    tokenizers = [layer for layer in model.layers if hasattr(layer, "tokenize")]
    if not tokenizers:
        return [[f"#{i}" for i in row if i != 0] for row in token_ids]
    ragged = tokenizers[0].tokenize([str(text) for text in texts]).to_list()
    return [[t.decode("utf-8", "replace") for t in row][: int(np.count_nonzero(ids))]
            for row, ids in zip(ragged, token_ids)]


def text_evidence(model, texts, classes) -> list[Evidence]:
    """The evidence of each text for its class.

    :param model: a max-over-time text CNN (:func:`max_over_time`), on raw strings or on token ids.
    :param texts: its input batch (strings, or token ids).
    :param classes: one class index per text.
    """
    import keras

    windows, classifier = max_over_time(model)
    ids_layer = next((layer for layer in model.layers if hasattr(layer, "tokenize")), None)
    id_output = ids_layer.output if ids_layer is not None else model.inputs[0]
    probe = keras.Model(model.inputs[0], [id_output] + [conv.output for conv, _ in windows])
    inputs = np.asarray(texts, dtype=object) if ids_layer is not None else np.asarray(texts)
    token_ids, *activations = [keras.ops.convert_to_numpy(t) for t in probe(inputs, training=False)]
    kernel = np.asarray(classifier.get_weights()[0], dtype="float32")
    relative = kernel - kernel.mean(axis=1, keepdims=True)  # a feature's pull towards each class, against the rest
    tokens = tokens_of(model, texts, token_ids)
    found = []
    for n, target in enumerate(np.asarray(classes, dtype=int)):
        scores, offset = {}, 0
        for (conv, _), maps in zip(windows, activations):
            width, filters = conv.kernel_size[0], maps.shape[-1]
            positions = maps[n].argmax(axis=0)
            contributions = maps[n].max(axis=0) * relative[offset:offset + filters, target]
            for position, value in zip(positions, contributions):
                scores[(int(position), width)] = scores.get((int(position), width), 0.0) + float(value)
            offset += filters
        words = tokens[n]
        per_token = np.zeros(len(words), dtype="float32")
        ngrams = []
        for (start, width), score in scores.items():
            end = min(start + width, len(words))
            if start >= end:  # a window over padding only
                continue
            per_token[start:end] += score / width
            ngrams.append(Ngram(start, end - start, score, " ".join(words[start:end])))
        ngrams.sort(key=lambda g: -g.score)
        found.append(Evidence(tuple(words), per_token, tuple(ngrams)))
    return found
