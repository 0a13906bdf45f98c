"""Whether the maps of ``zoo.explain`` mean something, and what Grad-CAM costs.

**Deletion** (Petsiuk et al. 2018): for each held-out image, the pixels a map ranks highest are set to
the baseline (0 in the model's input: black), a growing fraction at a time, and the probability of the
class the model predicted is read again; the same with pixels chosen at random. A map that finds what
the model uses makes the probability fall faster: its curve's area (the mean probability over 0 to 50%
removed) is lower than random's. Ties in a map (Grad-CAM's zeros) are broken at random.

**Sanity check** (Adebayo et al. 2018): the maps of the trained model against those of the same
architecture with freshly initialised weights, for the same images and classes: their Spearman rank
correlation must be low (under 0.5), or the map shows the image rather than the model.

**Text**: for each held-out Rotten Tomatoes sentence, the n-gram the evidence ranks first is removed,
and, apart, a random n-gram of the same length; the probability of the predicted class is read again.
The top n-gram must lower it more, on average.

**Speed**: one Grad-CAM map of resnet50 on a 224x224 image against one forward and backward pass of
the whole model (the gradient of the top logit with respect to the input); median of ``--repeats``.

Run: ``python benchmarks/bench_explain_cpu.py [--images 200] [--json PATH] [--write]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

TAGS = {"lenet5.mnist5k": "mnist5k", "resnet20.fashion_mnist": "fashion_mnist"}
TEXT_TAG, TEXT_DATA = "textcnn_rand.rotten_tomatoes", "rotten_tomatoes"
METHODS = ("gradcam", "integrated_gradients")
FRACTIONS = np.linspace(0.0, 0.5, 11)  # 0%, 5%, ... 50% of the pixels removed


def probabilities(model, x, classes) -> np.ndarray:
    import keras

    return keras.ops.convert_to_numpy(model.predict(x, batch_size=256, verbose=0))[np.arange(len(x)), classes]


def deletion_curve(model, x, classes, maps, rng) -> np.ndarray:
    """The mean probability of each image's class with the top ``FRACTIONS`` of its map's pixels set to 0."""
    count, height, width, _ = x.shape
    order = np.argsort(-(maps.reshape(count, -1) + 1e-9 * rng.random((count, height * width))), axis=1)
    curve = []
    for fraction in FRACTIONS:
        removed = x.copy().reshape(count, height * width, -1)
        cut = int(round(fraction * height * width))
        np.put_along_axis(removed, order[:, :cut, None], 0.0, axis=1)
        curve.append(float(probabilities(model, removed.reshape(x.shape), classes).mean()))
    return np.array(curve)


def area(curve: np.ndarray) -> float:
    """The curve's mean over 0 to 50% removed (trapezoids): lower is a faster fall."""
    return float(np.trapezoid(curve, FRACTIONS) / (FRACTIONS[-1] - FRACTIONS[0]))


def maps_for(model, x, classes, method: str, identity) -> np.ndarray:
    """Each image's map for its own class (``zoo.explain`` takes one target per call: one call per class)."""
    import zoo

    maps = np.zeros(x.shape[:3], dtype="float32")
    for target in np.unique(classes):
        chosen = np.flatnonzero(classes == target)
        for index, item in zip(chosen, zoo.explain(model, x[chosen], method=method, target=int(target),
                                                   identity=identity)):
            maps[index] = item.values
    return maps


def evaluate_tag(tag: str, dataset: str, images: int, seed: int = 0) -> dict:
    """Deletion curves and sanity-check correlations of Grad-CAM and integrated gradients on one tag."""
    import tensorflow as tf
    from scipy.stats import spearmanr

    import zoo
    from zoo.datasets.pipeline import model_input_shape, preprocess
    from zoo.inference.evaluation import load_model

    model, identity = load_model(tag)
    pixels = zoo.datasets.load(dataset).test[0][:images]
    x = np.asarray(preprocess(tf.constant(pixels), model_input_shape(model), identity.preprocessing), "float32")
    rng = np.random.default_rng(seed)
    classes = np.argmax(model.predict(x, batch_size=256, verbose=0), axis=-1)
    maps = {method: maps_for(model, x, classes, method, identity) for method in METHODS}
    curves = {method: deletion_curve(model, x, classes, values, rng) for method, values in maps.items()}
    curves["random"] = deletion_curve(model, x, classes, rng.random(x.shape[:3]), rng)
    fresh = zoo.get(identity.architecture, num_classes=identity.num_classes, input_shape=identity.input_shape,
                    **identity.arguments)
    sanity = {}
    for method, values in maps.items():
        again = maps_for(fresh, x, classes, method, identity)
        correlations = [spearmanr(a.ravel(), b.ravel()).statistic for a, b in zip(values, again)]
        sanity[method] = float(np.nanmean(correlations))
    return {"tag": tag, "images": int(len(x)), "fractions": FRACTIONS.tolist(),
            "curves": {name: curve.tolist() for name, curve in curves.items()},
            "areas": {name: area(curve) for name, curve in curves.items()},
            "at_10_percent": {name: float(curve[2]) for name, curve in curves.items()},
            "sanity_spearman": sanity}


def without(tokens: tuple, start: int, length: int) -> str:
    """The text of ``tokens`` with ``length`` of them removed from ``start`` on (the tokenizer splits it the same)."""
    return " ".join(tokens[:start] + tokens[start + length:])


def evaluate_text(sentences: int | None, seed: int = 0) -> dict:
    """Removing each held-out sentence's top n-gram against removing a random n-gram of the same length."""
    import zoo
    from zoo.inference.evaluation import load_model

    model, identity = load_model(TEXT_TAG)
    texts = [str(t) for t in zoo.datasets.load(TEXT_DATA).test[0][:sentences]]
    found = zoo.explain(model, texts, method="evidence", identity=identity)
    rng = np.random.default_rng(seed)
    kept, top, random, classes = [], [], [], []
    for text, item in zip(texts, found):
        if not item.ngrams or len(item.tokens) <= item.ngrams[0].length:
            continue  # nothing would be left
        best = item.ngrams[0]
        start = int(rng.integers(0, len(item.tokens) - best.length + 1))
        kept.append(text)
        top.append(without(item.tokens, best.start, best.length))
        random.append(without(item.tokens, start, best.length))
        classes.append(item.classes[0])
    classes = np.array(classes)
    base, after_top, after_random = (probabilities(model, np.array(batch, dtype=object), classes)
                                     for batch in (kept, top, random))
    return {"tag": TEXT_TAG, "sentences": len(kept), "probability": float(base.mean()),
            "without_top_ngram": float(after_top.mean()), "without_random_ngram": float(after_random.mean())}


def speed(repeats: int) -> dict:
    """Seconds of one Grad-CAM map of resnet50 (224x224) and of one forward and backward pass."""
    import zoo
    from zoo.insight.cams import grad_cam
    from zoo.insight.gradients import class_gradients, logits_model

    model = zoo.get("resnet50")
    x = np.random.default_rng(0).random((1, 224, 224, 3), dtype=np.float32)
    logits = logits_model(model)
    timings = {"forward and backward": lambda: class_gradients(logits, x, [0]),
               "grad-cam": lambda: grad_cam(model, x, "conv5_block3_out", [0])}
    seconds = {name: [] for name in timings}
    for name, run in timings.items():
        run()  # warm-up: tracing, first allocations
    for number in range(repeats):
        for name in (list(timings) if number % 2 == 0 else list(timings)[::-1]):
            started = time.perf_counter()
            timings[name]()
            seconds[name].append(time.perf_counter() - started)
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    return {"seconds": medians, "ratio": medians["grad-cam"] / medians["forward and backward"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--tags", nargs="*", default=list(TAGS))
    parser.add_argument("--sentences", type=int, default=None, help="held-out sentences (default: all 1,275; 0: skip)")
    parser.add_argument("--repeats", type=int, default=5, help="timed Grad-CAM and forward-backward rounds (0: skip)")
    parser.add_argument("--json", help="write the results as JSON to this file")
    parser.add_argument("--write", action="store_true", help="write the section of docs/benchmarks.md")
    args = parser.parse_args()
    results = {"tags": [evaluate_tag(tag, TAGS[tag], args.images) for tag in args.tags]}
    if args.sentences != 0:
        results["text"] = evaluate_text(args.sentences)
    if args.repeats:
        results["speed"] = speed(args.repeats)
    print(json.dumps(results, indent=1))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=1)
    if args.write:
        write(results, args)


def write(results: dict, args) -> None:
    from report import machine, write_section

    rows = [f"| `{r['tag']}` | {r['images']} | " + " | ".join(
        f"{r['areas'][m]:.3f}" for m in (*METHODS, "random")) + " | " + " | ".join(
        f"{r['at_10_percent'][m]:.3f}" for m in (*METHODS, "random")) + " | " + " | ".join(
        f"{r['sanity_spearman'][m]:.2f}" for m in METHODS) + " |" for r in results["tags"]]
    speed_text = ""
    if "speed" in results:
        s = results["speed"]
        speed_text = (f"\nresnet50, one 224x224 image: Grad-CAM {s['seconds']['grad-cam']:.3f} s, one forward and "
                      f"backward pass {s['seconds']['forward and backward']:.3f} s: **{s['ratio']:.2f}x** "
                      "(target: at most 2x).\n")
    text_text = ""
    if "text" in results:
        t = results["text"]
        text_text = (f"\n`{t['tag']}` on {t['sentences']} held-out Rotten Tomatoes sentences: the predicted class's "
                     f"probability is {t['probability']:.3f} on average, {t['without_top_ngram']:.3f} without the "
                     f"top-ranked n-gram, {t['without_random_ngram']:.3f} without a random n-gram of the same length.\n")
    write_section("bench_explain_cpu", f"""## What the maps of `zoo explain` mean (`benchmarks/bench_explain_cpu.py`)

Machine: {machine()}. Run on {time.strftime('%Y-%m-%d', time.gmtime())}:
`python benchmarks/bench_explain_cpu.py --images {args.images} --write`. The first {args.images} test images of each
tag's dataset; deletion areas are the mean probability of the predicted class over 0 to 50% of the pixels
removed (lower: the map found what the model uses), the 10% columns that probability with 10% removed;
sanity is the Spearman correlation of each map with the map of a freshly initialised model (low: the map
depends on the weights).

| tag | images | area Grad-CAM | area integrated gradients | area random | 10% Grad-CAM | 10% integrated gradients | 10% random | sanity Grad-CAM | sanity integrated gradients |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
{chr(10).join(rows)}
{text_text}{speed_text}""")


if __name__ == "__main__":
    main()
