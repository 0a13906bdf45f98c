"""Cost of in-graph tensorflow-text preprocessing in TextCNN: raw strings vs pre-tokenized ids (CPU).

Two models with identical weights and the shipped tag's size (``embedding_dim=128``,
``max_tokens=8000``, Kim's 3/4/5 x 100 filters): one takes raw strings through
a :class:`zoo.layers.text.Vectorizer` inside the model, the other takes the token ids
that the same vectorizer produced once, ahead of time. Both read the
``rotten_tomatoes`` training sentences from in-memory ``tf.data`` batches.

- inference: ``model.predict`` over every sentence, batch 256;
- training: one epoch of ``model.fit`` over every sentence (Adam, batch 50 as in the TextCNN recipe).

Each figure is the best of ``--repeats`` rounds, the two models alternating within a round to spread
the noise of a shared CPU. Each model first runs one untimed prediction pass and one untimed epoch (tracing, first-call costs).

Run: ``TF_CPP_MIN_LOG_LEVEL=3 python benchmarks/bench_textcnn_cpu.py [--repeats 3]``
"""

from __future__ import annotations

import argparse
import os
import time

ARGUMENTS = dict(num_classes=2, embedding_dim=128, max_tokens=8000)


def models(texts):
    """The string model (adapted on ``texts``) and an ids model with the same weights."""
    import zoo

    strings = zoo.get("textcnn", include_preprocessing=True, **ARGUMENTS)
    strings.get_layer("vectorizer").adapt(texts)
    ids = zoo.get("textcnn", **ARGUMENTS)
    ids.set_weights(strings.get_weights())
    for model in (strings, ids):
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return strings, ids


def seconds(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    import tensorflow as tf

    import zoo

    data = zoo.datasets.load("rotten_tomatoes")
    texts, labels = data.train
    strings, ids = models(texts)
    token_ids = strings.get_layer("vectorizer")(tf.constant(texts.astype(str))).numpy().astype("int32")
    n = len(texts)

    def batches(x, batch_size):
        return tf.data.Dataset.from_tensor_slices((x, labels)).batch(batch_size).cache()

    feeds = {"strings": (strings, batches(texts.astype(str), 256), batches(texts.astype(str), 50)),
             "token ids": (ids, batches(token_ids, 256), batches(token_ids, 50))}
    for _, predict_ds, train_ds in feeds.values():  # fill the caches
        for _ in predict_ds.concatenate(train_ds):
            pass

    inference = {name: [] for name in feeds}
    training = {name: [] for name in feeds}
    for model, predict_ds, train_ds in feeds.values():  # warm-up: tracing and first-call costs
        model.predict(predict_ds, verbose=0)
        model.fit(train_ds, epochs=1, verbose=0)
    for _ in range(args.repeats):
        for name, (model, predict_ds, train_ds) in feeds.items():
            inference[name].append(seconds(lambda: model.predict(predict_ds, verbose=0)))
            training[name].append(seconds(lambda: model.fit(train_ds, epochs=1, verbose=0)))
    results = {name: (n / min(inference[name]), n / min(training[name])) for name in feeds}
    vectorizer = strings.get_layer("vectorizer")
    tokenize = tf.function(lambda x: vectorizer(x), autograph=False)
    text_batches = feeds["strings"][1].map(lambda x, y: x)
    alone = min(seconds(lambda: [tokenize(x) for x in text_batches]) for _ in range(args.repeats + 1))

    print(f"textcnn (embedding_dim=128, max_tokens=8000), {n} rotten_tomatoes sentences, "
          f"TensorFlow {tf.__version__}, {os.cpu_count()} CPUs")
    print(f"{'input':<12} {'inference sentences/s':>22} {'training sentences/s':>21}")
    for name, (inference_rate, training_rate) in results.items():
        print(f"{name:<12} {inference_rate:>22,.0f} {training_rate:>21,.0f}")
    ratio_inference = results["strings"][0] / results["token ids"][0]
    ratio_training = results["strings"][1] / results["token ids"][1]
    print(f"strings / ids: inference {ratio_inference:.2f}, training {ratio_training:.2f} "
          f"(preprocessing costs {1 - ratio_inference:.0%} of inference throughput)")
    print(f"the Vectorizer alone (batch 256): {n / alone:,.0f} sentences/s, "
          f"{alone / (alone + n / results['token ids'][0]):.0%} of a strings-model inference pass")


if __name__ == "__main__":
    main()
