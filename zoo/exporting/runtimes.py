"""Running an exported model in its own runtime, in a process that imports neither Keras nor the zoo.

``zoo.export(..., check=True)`` runs this file as a script in a fresh interpreter
(``python -I zoo/runtimes.py ...``: isolated, so nothing beside it is importable), the
way a deployment would load the artifact:

- ``saved_model``: TensorFlow's ``tf.saved_model.load`` (with tensorflow-text's op libraries, when installed) and the ``serving_default``
  signature (and ``pixels``, when the feed has pixels for it);
- ``onnx``: ``onnxruntime.InferenceSession`` on the CPU;
- ``litert``: ai-edge-litert's ``Interpreter`` (TensorFlow's ``tf.lite.Interpreter`` where
  ai-edge-litert is not installed) and its ``serving_default`` signature runner.

It imports only NumPy and the runtime. Keras and the zoo cannot be imported in it at all, as in
a deployment that has only the runtime (TensorFlow itself looks for Keras when it is imported,
and finds none here); its results say whether any of them got imported anyway. Usage::

    python -I zoo/runtimes.py FORMAT ARTIFACT FEED.npz RESULTS.npz [--batch N]

``FEED.npz`` holds ``inputs`` (an array), or ``strings`` and ``lengths`` (encoded images or
UTF-8 sentences, concatenated); and optionally ``pixels`` (uint8 images for a SavedModel's
``pixels`` signature). ``RESULTS.npz`` gets ``probabilities`` (and the SavedModel's top
``labels``, ``pixels_probabilities``), ``seconds`` (one per batch run), ``runtime`` and ``imported``.
"""

from __future__ import annotations

import argparse
import importlib.abc
import importlib.machinery
import os
import sys
import time

import numpy as np

FORBIDDEN = ("keras", "zoo", "zoo_plugins")  # what a deployment does not have


class Deployment(importlib.abc.MetaPathFinder):
    """Makes the :data:`FORBIDDEN` packages unimportable: found without an origin (what TensorFlow takes for
    "not installed"), and an ImportError when imported."""

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in FORBIDDEN:
            return importlib.machinery.ModuleSpec(name, None)
        return None


def feed_inputs(feed) -> np.ndarray:
    """The feed's inputs: its array, or its strings as an object array of bytes."""
    if "inputs" in feed:
        return feed["inputs"]
    data, ends = feed["strings"].tobytes(), np.cumsum(feed["lengths"])
    return np.array([data[end - length:end] for end, length in zip(ends, feed["lengths"])] + [b""],
                    dtype=object)[:-1]


def batches(inputs, size):
    for start in range(0, len(inputs), size):
        yield inputs[start:start + size]


def timed(function, inputs, size):
    """``function`` over ``inputs`` in batches: the outputs of each batch, and the seconds each took
    (after one untimed call on the first batch: a runtime's first call allocates and plans)."""
    if len(inputs):
        function(inputs[:size])
    outputs, seconds = [], []
    for batch in batches(inputs, size):
        started = time.perf_counter()
        outputs.append(function(batch))
        seconds.append(time.perf_counter() - started)
    return outputs, seconds


def load_text_ops(tf) -> None:
    """Register tensorflow-text's op libraries, as a server loads custom ops (its Python package needs Keras)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("tensorflow_text")
    if spec is not None and spec.origin:
        for library in sorted((Path(spec.origin).parent / "python" / "ops").glob("_*.so")):
            tf.load_op_library(str(library))


def run_saved_model(path, feed, size):
    import tensorflow as tf

    load_text_ops(tf)
    loaded = tf.saved_model.load(path)
    results = {"runtime": f"tensorflow {tf.__version__}"}

    def signature(name):
        function = loaded.signatures[name]
        (argument,) = function.structured_input_signature[1]
        return lambda batch: {k: v.numpy() for k, v in function(**{argument: tf.constant(batch)}).items()}

    outputs, results["seconds"] = timed(signature("serving_default"), feed_inputs(feed), size)
    results["probabilities"] = np.concatenate([o["probabilities"] for o in outputs])
    results["labels"] = np.concatenate([o["labels"] for o in outputs]).astype(str)
    if "pixels" in feed:
        outputs, _ = timed(signature("pixels"), feed["pixels"], size)
        results["pixels_probabilities"] = np.concatenate([o["probabilities"] for o in outputs])
    return results


def run_onnx(path, feed, size):
    import onnxruntime

    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    outputs, seconds = timed(lambda batch: session.run(["probabilities"], {name: batch})[0], feed_inputs(feed), size)
    return {"runtime": f"onnxruntime {onnxruntime.__version__}", "seconds": seconds,
            "probabilities": np.concatenate(outputs)}


def run_litert(path, feed, size):
    try:
        from ai_edge_litert import __version__ as version
        from ai_edge_litert.interpreter import Interpreter

        runtime = f"ai-edge-litert {version}"
    except ImportError:
        import tensorflow as tf

        Interpreter, runtime = tf.lite.Interpreter, f"tf.lite.Interpreter (tensorflow {tf.__version__})"
    interpreter = Interpreter(model_path=path, num_threads=os.cpu_count())
    runner = interpreter.get_signature_runner("serving_default")
    (name,) = runner.get_input_details()
    outputs, seconds = timed(lambda batch: runner(**{name: batch})["probabilities"], feed_inputs(feed), size)
    return {"runtime": runtime, "seconds": seconds, "probabilities": np.concatenate(outputs)}


RUNNERS = {"saved_model": run_saved_model, "onnx": run_onnx, "litert": run_litert}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Run an exported model in its own runtime.")
    parser.add_argument("format", choices=sorted(RUNNERS))
    parser.add_argument("artifact")
    parser.add_argument("feed")
    parser.add_argument("results")
    parser.add_argument("--batch", type=int, default=64, help="examples per call (default 64)")
    args = parser.parse_args(argv)
    sys.meta_path.insert(0, Deployment())
    with np.load(args.feed) as feed:
        results = RUNNERS[args.format](args.artifact, dict(feed), args.batch)
    results["imported"] = np.array(sorted(m for m in FORBIDDEN if m in sys.modules), dtype=str)
    np.savez(args.results, **results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
