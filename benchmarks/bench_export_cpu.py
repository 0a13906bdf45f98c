"""Exported models on this CPU: Keras against the SavedModel, ONNX Runtime and LiteRT (float and int8).

For resnet50 and mobilenetv2 at 224x224 and resnet20 at 32x32 (random weights, the zoo's
``/255`` preprocessing), in one process: Keras ``predict_on_batch`` on arrays already preprocessed
(the baseline); the SavedModel from ``zoo export`` fed the same images JPEG-encoded (decoding, resizing
and preprocessing in its graph); the ONNX export in ONNX Runtime and the LiteRT export in ai-edge-litert's
interpreter, float and int8 (calibrated on 200 ``digits`` images), fed uint8 pixels, preprocessing inside;
and, as the anchor of the ONNX targets, the keras.applications model of the same architecture converted
bare (Keras' own ``model.export(format="onnx")``, no preprocessing, fed the preprocessed arrays).
After ``--warmup`` untimed calls each, ``--rounds`` rounds call each runtime once, back to back, in an order
that rotates every round; images/s is the median over rounds, a ratio the median over rounds of Keras' time
/ the runtime's time in the same round (above 1: faster than Keras). Batch 16, and batch 1 for latency.
With ``--write`` the tables go to docs/benchmarks.md.

Run: ``TF_CPP_MIN_LOG_LEVEL=3 python benchmarks/bench_export_cpu.py [--rounds 10] [--warmup 3] [--write]``
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from bench_image_cpu import machine
from report import write_section

# how the docs site draws the recorded table (benchmarks/report.py, docs/generate.py): Keras beside each runtime
PLOT = {"label": ["model", "runtime"], "bars": ["batch 16 img/s"], "unit": "images/s at batch 16",
        "note": "Keras' `predict_on_batch` (the anchor) beside each runtime of the exported model."}
MODELS = {"resnet50": (224, 224, 3), "mobilenetv2": (224, 224, 3), "resnet20": (32, 32, 3)}
TARGETS = {"savedmodel": 0.9, "onnx": {"resnet50": 1.4, "mobilenetv2": 1.7}}
RUNTIMES = ("keras", "savedmodel", "onnx", "onnx_bare", "onnx_int8", "litert", "litert_int8")
NAMES = {"keras": "Keras predict_on_batch (preprocessed arrays)", "savedmodel": "SavedModel (JPEG bytes)",
         "onnx": "ONNX Runtime", "onnx_bare": "ONNX Runtime, keras.applications converted bare (preprocessed arrays)",
         "onnx_int8": "ONNX Runtime int8", "litert": "LiteRT", "litert_int8": "LiteRT int8"}
BARE = {"resnet50": "ResNet50", "mobilenetv2": "MobileNetV2"}  # keras.applications' model of the architecture


def exports(name: str, shape: tuple, tmp: Path):
    """The Keras model and its identity (random weights), and the four exports of it."""
    import zoo
    from zoo.records.identity import DEFAULT_PREPROCESSING, ModelIdentity
    from zoo.weights.pretrained import build

    model = zoo.get(name, input_shape=shape)
    weights = tmp / f"{name}.weights.h5"
    model.save_weights(weights)
    identity = ModelIdentity(architecture=name, arguments=zoo.info(name).arguments, num_classes=model.output.shape[-1],
                             input_shape=shape, weights=weights, preprocessing=DEFAULT_PREPROCESSING)
    paths = {"savedmodel": (tmp / name, {"format": "saved_model"}),
             "onnx": (tmp / f"{name}.onnx", {"format": "onnx"}),
             "onnx_int8": (tmp / f"{name}_int8.onnx", {"format": "onnx", "quantize": "int8", "calibration": "digits"}),
             "litert": (tmp / f"{name}.tflite", {"format": "litert"}),
             "litert_int8": (tmp / f"{name}_int8.tflite",
                             {"format": "litert", "quantize": "int8", "calibration": "digits"})}
    sizes = {}
    for key, (path, options) in paths.items():
        sizes[key] = zoo.export(identity, output=path, **options).size
    if name in BARE:  # the anchor: keras.applications' model converted by Keras alone (called once first)
        import keras

        anchor = getattr(keras.applications, BARE[name])(weights=None, input_shape=shape)
        anchor.predict_on_batch(np.zeros((1, *shape), "float32"))
        bare = tmp / f"{name}_bare.onnx"
        anchor.export(str(bare), format="onnx", verbose=False)
        paths["onnx_bare"], sizes["onnx_bare"] = (bare, {}), bare.stat().st_size
    model, _ = build(identity)
    return model, identity, {key: path for key, (path, _) in paths.items()}, sizes


def callers(model, identity, paths: dict, images: np.ndarray):
    """One function per runtime that runs a batch of ``images`` (uint8) the way that runtime takes it."""
    import onnxruntime
    import tensorflow as tf
    from ai_edge_litert.interpreter import Interpreter

    from zoo.datasets import pipeline as inputs

    arrays = np.asarray(inputs.preprocess(tf.constant(images), identity.input_shape, identity.preprocessing))
    encoded = tf.constant([tf.io.encode_jpeg(image, quality=90).numpy() for image in images])
    serve = tf.saved_model.load(str(paths["savedmodel"])).signatures["serving_default"]
    sessions = {key: onnxruntime.InferenceSession(str(paths[key]), providers=["CPUExecutionProvider"])
                for key in ("onnx", "onnx_int8")}
    runners = {key: Interpreter(model_path=str(paths[key]), num_threads=os.cpu_count()).get_signature_runner()
               for key in ("litert", "litert_int8")}
    calls = {
        "keras": lambda: model.predict_on_batch(arrays),
        "savedmodel": lambda: serve(image_bytes=encoded)["probabilities"].numpy(),
        **{key: (lambda s=s: s.run(["probabilities"], {"images": images})[0]) for key, s in sessions.items()},
        **{key: (lambda r=r: r(images=images)["probabilities"]) for key, r in runners.items()},
    }
    if "onnx_bare" in paths:
        bare = onnxruntime.InferenceSession(str(paths["onnx_bare"]), providers=["CPUExecutionProvider"])
        feed = {bare.get_inputs()[0].name: arrays}
        calls["onnx_bare"] = lambda: bare.run(None, feed)[0]
    return calls


def rounds(calls: dict, count: int, warmup: int) -> dict[str, list[float]]:
    """Seconds per call of each runtime: ``warmup`` untimed calls, then ``count`` rotating rounds of one each."""
    for _ in range(warmup):
        for call in calls.values():
            call()
    names, times = list(calls), {key: [] for key in calls}
    for round_ in range(count):
        for key in names[round_ % len(names):] + names[:round_ % len(names)]:
            started = time.perf_counter()
            calls[key]()
            times[key].append(time.perf_counter() - started)
    return times


def smooth_images(count: int, shape: tuple, seed: int = 0) -> np.ndarray:
    """Images with photo-like smoothness (random 8x8 colours, resized up), so that JPEG sizes are realistic."""
    import tensorflow as tf

    small = np.random.default_rng(seed).integers(0, 256, (count, 8, 8, shape[-1])).astype("float32")
    return tf.cast(tf.image.resize(small, shape[:2]), tf.uint8).numpy()


def table(results: dict) -> str:
    lines = ["| model | runtime | file | batch 16 img/s | × Keras (batch 16) | batch 1 latency ms | × Keras (batch 1) |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for name, result in results.items():
        for key in [key for key in RUNTIMES if key in result["times"][16]]:
            batch, single = result["times"][16][key], result["times"][1][key]
            ratio16 = np.median(np.array(result["times"][16]["keras"]) / np.array(batch))
            ratio1 = np.median(np.array(result["times"][1]["keras"]) / np.array(single))
            size = f"{result['sizes'][key] / 1e6:.1f} MB" if key in result["sizes"] else "-"
            lines.append(f"| {name} | {NAMES[key]} | {size} | {16 / np.median(batch):.1f} | {ratio16:.2f} | "
                         f"{1000 * np.median(single):.1f} | {ratio1:.2f} |")
    return "\n".join(lines)


def verdicts(results: dict) -> list[str]:
    found = []
    for name, result in results.items():
        times = result["times"][16]

        def ratio(key, base="keras"):
            return float(np.median(np.array(times[base]) / np.array(times[key])))

        found.append(f"{name}: SavedModel from JPEG bytes {ratio('savedmodel'):.2f}x Keras (target 0.9: "
                     f"{'met' if ratio('savedmodel') >= TARGETS['savedmodel'] else '**not met**'})")
        if name in TARGETS["onnx"]:
            target = TARGETS["onnx"][name]
            found.append(f"{name}: ONNX Runtime {ratio('onnx'):.2f}x Keras (target {target}: "
                         f"{'met' if ratio('onnx') >= target else '**not met**'}); the bare keras.applications "
                         f"conversion {ratio('onnx_bare'):.2f}x Keras on this machine, so the preprocessing inside "
                         f"runs at {ratio('onnx', 'onnx_bare'):.2f}x the bare conversion's speed")
        for runtime in ("onnx", "litert"):
            gain = ratio(f"{runtime}_int8", runtime)
            found.append(f"{name}: {NAMES[runtime]} int8 {gain:.2f}x its float (target above 1: "
                         f"{'met' if gain > 1 else '**not met**'})")
    return found


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=10, help="timed rounds (the median counts)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed calls per runtime first")
    parser.add_argument("--models", nargs="*", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--write", action="store_true", help="write the results to docs/benchmarks.md")
    args = parser.parse_args(argv)

    import keras

    about = machine()
    print(about, flush=True)
    results = {}
    with tempfile.TemporaryDirectory(prefix="zoo-bench-export-") as tmp:
        for name in args.models:
            shape = MODELS[name]
            model, identity, paths, sizes = exports(name, shape, Path(tmp))
            times = {batch: rounds(callers(model, identity, paths, smooth_images(batch, shape)), args.rounds,
                                   args.warmup) for batch in (16, 1)}
            results[name] = {"times": times, "sizes": sizes}
            keras.backend.clear_session()
            print(table({name: results[name]}), flush=True)
    print(table(results))
    print("\n".join(verdicts(results)))
    end_load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    if args.write:
        bullets = "\n".join(f"- {line}" for line in verdicts(results))
        write_section("bench_export_cpu", f"""## Exported models on CPU (`benchmarks/bench_export_cpu.py`)

Machine: {about}; load average {end_load} at the end. Run on {time.strftime('%Y-%m-%d', time.gmtime())}.

Random weights, the zoo's `/255` preprocessing; resnet50 and mobilenetv2 at 224x224x3 (1000 classes), resnet20
at 32x32x3 (10 classes). Keras runs `predict_on_batch` on arrays already preprocessed; the SavedModel written by
`zoo export` takes the same images JPEG-encoded and decodes, resizes and preprocesses them in its graph; ONNX
Runtime (`zoo export --format onnx`) and LiteRT (ai-edge-litert's interpreter, {os.cpu_count()} threads) take
uint8 pixels with the preprocessing inside; int8 is `--quantize int8 --calibration digits`. The anchor of
the ONNX targets is keras.applications' model of the same architecture converted bare by Keras
(`model.export(format="onnx")`, float input, no preprocessing), run on the preprocessed arrays. {args.warmup}
untimed calls each, then {args.rounds} rounds that call every runtime once in a rotating order; images/s and
latency are medians over rounds, a ratio the median over rounds of Keras' time / the runtime's in the same round.

{bullets}

{table(results)}
""", plot=PLOT)


if __name__ == "__main__":
    main()
