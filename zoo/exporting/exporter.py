"""Exporting a model to deploy: a SavedModel, ONNX or LiteRT file with the model's preprocessing inside.

An export starts from what a client has and answers what it wants to know:

- ``saved_model``: ``serving_default`` takes a batch of encoded images (``tf.string``: JPEG, PNG,
  BMP, GIF's first frame), decodes each (:func:`zoo.datasets.images.decode`), fits it to the model's input
  (:func:`zoo.datasets.pipeline.fit_example`), applies the identity's preprocessing (:func:`zoo.datasets.pipeline.preprocess`),
  runs the model and returns ``probabilities`` (float32 ``[N, C]``) and the top ``labels`` (class
  names) and their ``scores``; a second signature, ``pixels``, takes uint8 ``[N, H, W, C]``. A text
  model's ``serving_default`` takes sentences (``tf.string``). TensorFlow Serving serves it as is.
- ``onnx`` and ``litert``: uint8 ``[N, H, W, C]`` pixels (float32 pixels in 0..255 with
  ``input="float"``), preprocessing inside, ``probabilities`` out. The class names are written
  beside the file (``NAME.labels.txt``) and, for ONNX, into the model's metadata (``labels``).

So an export computes what ``zoo.get`` + ``zoo.preprocessing`` compute, and what ``zoo predict``
answers. ``check=True`` proves it: the artifact runs in its own runtime, in a fresh process that
imports neither Keras nor the zoo (:mod:`zoo.exporting.runtimes`), on the same inputs as the Keras model.

Writing is atomic: everything is made in a temporary folder beside the output and renamed into
place at the end; nothing is left behind when anything fails. The converters (tf2onnx, the LiteRT
converter, onnxruntime's quantizer) come with the ``export`` extra: ``pip install 'keras-zoo[export]'``.

Example::

    >>> result = zoo.export("lenet5.mnist5k", format="onnx", output="lenet5.onnx", check="mnist5k")
    >>> result.check.max_difference < 1e-4
    True
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zoo.checks import check_choice
from zoo.datasets import LOADERS
from zoo.datasets import pipeline as inputs
from zoo.datasets.pipeline import example_size, model_input_shape
from zoo.datasets.sources import as_dataset
from zoo.errors import ExportCheckError, ExportError
from zoo.exporting.tf2onnx_fix import convert_without_weight_copies, free_superseded_protos
from zoo.files import check_replaceable, make_directory, move_into_place, storage
from zoo.inference.evaluation import read_inputs
from zoo.records.identity import ModelIdentity
from zoo.registry.loader import get_registry
from zoo.registry.request import locate
from zoo.weights.io import variable_bytes
from zoo.weights.pretrained import build

FORMATS = ("saved_model", "onnx", "litert")
INPUTS = ("bytes", "uint8", "float")  # encoded images (SavedModel only), uint8 pixels, float32 pixels in 0..255
QUANTIZATIONS = ("int8",)
RUNTIMES = {"saved_model": "tensorflow", "onnx": "onnxruntime", "litert": "ai_edge_litert"}
EXTRA = "pip install 'keras-zoo[export]'"
# What tf2onnx takes at its peak per byte of weights, measured with tf2onnx_fix in place, rounded up. Its
# ordinary conversion: ConvNeXt-B 20.6 (6.7 GiB for 334 MiB of weights), ConvNeXt-L 22.3 (16.4 GiB for
# 754 MiB). Its large-model steps (tf2onnx_fix.convert_without_weight_copies): ConvNeXt-B 7.2 (2.4 GiB).
ONNX_MEMORY_PER_WEIGHT_BYTE = {"ordinary": 24, "large-model": 10}
OPSET = 17  # ONNX opset: onnxruntime 1.17 and later run it
TOP = 5  # labels and scores per example in a SavedModel's answer
TOLERANCE = 1e-4  # max absolute difference of probabilities, float exports against Keras
INT8_AGREEMENT = 0.97  # share of top-1 classes an int8 export must keep, on real check data
CHECK_EXAMPLES = 200
CALIBRATION_EXAMPLES = 200  # representative examples for int8 (the issue: 100 to 500)
MIN_CALIBRATION = 100
RUNTIME_SCRIPT = Path(__file__).with_name("runtimes.py")
FORMAT_NAMES = {"saved_model": "SavedModel", "onnx": "ONNX", "litert": "LiteRT"}
EXAMPLE_OUTPUTS = {"saved_model": "exports/lenet5", "onnx": "lenet5.onnx", "litert": "lenet5.tflite"}


@dataclass(frozen=True)
class CheckResult:
    """How an export compares with its Keras model, run in its own runtime.

    :param runtime: the runtime and its version (``"onnxruntime 1.32.0"``).
    :param data: the inputs compared on, in words (``"200 mnist5k test examples"``).
    :param examples: how many.
    :param max_difference: the largest absolute difference of probabilities.
    :param top1_agreement: the share of examples whose top class is the Keras model's.
    :param disagreements: examples whose top class differs although the Keras model's top two
        are further apart than the tolerance (a float export must have none).
    :param passed: whether the export meets its bar (float: ``max_difference <= 1e-4`` and no
        disagreement; int8: ``top1_agreement >= 0.97``).
    """

    runtime: str
    data: str
    examples: int
    max_difference: float
    top1_agreement: float
    disagreements: int
    passed: bool

    def summary(self) -> str:
        """The check in one line."""
        return (f"{self.runtime} on {self.data}: max |difference| of probabilities {self.max_difference:.2e}, "
                f"top-1 identical for {self.top1_agreement:.1%}")


@dataclass(frozen=True)
class ExportResult:
    """What :func:`export` wrote.

    :param path: the artifact (a SavedModel directory, an ``.onnx`` or ``.tflite`` file).
    :param labels: the class names file (inside a SavedModel, beside the other formats).
    :param format: ``"saved_model"``, ``"onnx"`` or ``"litert"``.
    :param input: what the artifact takes: ``"bytes"``, ``"uint8"``, ``"float"``, ``"text"`` or ``"ids"``.
    :param quantize: ``"int8"`` or None.
    :param size: the artifact's size in bytes.
    :param identity: the identity of the model exported.
    :param check: the comparison with Keras when asked for, else None.
    """

    path: Path
    labels: Path
    format: str
    input: str
    quantize: str | None
    size: int
    identity: ModelIdentity
    check: CheckResult | None = None


def export(model, *, format: str, output, input: str | None = None, quantize: str | None = None,
           calibration=None, check=False, force: bool = False, weights=None, verbose: bool = False) -> ExportResult:
    """Export a model with its preprocessing inside, for TensorFlow Serving, ONNX Runtime or LiteRT.

    :param model: what :func:`zoo.registry.request.locate` takes (a weight tag ``"lenet5.mnist5k"``, a run
        directory written by ``zoo train`` or its ``card.json``, an architecture with ``weights``),
        or a :class:`zoo.records.identity.ModelIdentity`.
    :param format: ``"saved_model"``, ``"onnx"`` or ``"litert"``.
    :param output: the SavedModel directory or the ``.onnx`` / ``.tflite`` file to write.
    :param input: what an image model's export takes: ``"bytes"`` (encoded images; SavedModel only,
        its default), ``"uint8"`` pixels (the default for ONNX and LiteRT) or ``"float"`` pixels in
        0..255. Text models take what the model takes (sentences, or token ids).
    :param quantize: ``"int8"``: full-integer post-training quantization (ONNX, LiteRT).
    :param calibration: the representative data for ``quantize``: a built-in dataset name or a
        folder (its training split; 200 examples, at least 100).
    :param check: compare the export, run in its own runtime in a fresh process, with the Keras
        model: True (on the calibration data's test split, else the model's own dataset, else
        synthetic inputs), or a dataset name or folder to compare on (its test split).
    :param force: replace an existing output, when it is an export of this format (a SavedModel folder,
        an ONNX or LiteRT file) and its class-names file; never another file or folder.
    :param weights: a weights file for an architecture ``model``.
    :param verbose: let the converters' own logs through.
    :return: an :class:`ExportResult`.
    :raises ExportError: the model cannot be exported as asked (the reason in one line).
    :raises ExportCheckError: the export does not compute what the Keras model computes.

    Example::

        >>> zoo.export("resnet20.fashion_mnist", format="litert", output="resnet20.tflite",
        ...            quantize="int8", calibration="fashion_mnist", check=True).check.top1_agreement
        0.995
    """
    check_choice("format", format, FORMATS)
    if input is not None:
        check_choice("input", input, INPUTS)
    if quantize is not None:
        check_choice("quantize", quantize, QUANTIZATIONS)
        if format == "saved_model":
            raise ValueError("quantize='int8' is not allowed with format='saved_model': quantize an onnx or a "
                             "litert export")
        if calibration is None:
            raise ValueError("quantize='int8' needs calibration data: pass calibration=DATA (--calibration), a "
                             "built-in dataset such as mnist5k or a folder of images, 100 to 500 examples")
    elif calibration is not None:
        raise ValueError(f"calibration={str(calibration)!r} is only used with quantize='int8'")
    output = check_output(output, format, force)
    identity = model if isinstance(model, ModelIdentity) else locate(model, weights)
    _check_input(identity, format, input)
    labels_path, labels_text = labels_file(output, format), "".join(f"{name}\n" for name in identity.labels())
    if format != "saved_model" and (labels_path.exists() or labels_path.is_symlink()):
        if not force and labels_path.is_file() \
                and labels_path.read_text(encoding="utf-8", errors="replace") != labels_text:
            raise FileExistsError(f"{str(labels_path)!r} exists with other class names than {identity.name}'s: pass "
                                  "force=True (--force) to replace it, or another output name")
        check_replaceable(labels_path, force=True, recognise=Path.is_file, what="a class-names file",
                          name="class-names file")

    with _quiet(verbose):
        require(format, quantize=quantize, check=bool(check))

        keras_model, identity = build(identity)
        kind = input_kind(keras_model, format, input)
        examples = None if calibration is None else \
            examples_of(calibration, keras_model, identity, splits=("train", "validation", "test"),
                        count=CALIBRATION_EXAMPLES, minimum=MIN_CALIBRATION, purpose="calibration")[0]
        made = [folder for folder in output.parents if not folder.exists()]  # removed again on failure
        make_directory(output.parent, "the output's folder")
        with storage(output.parent, "write the export in"):
            staging = Path(tempfile.mkdtemp(dir=output.parent, prefix=f".{output.name}.export-"))
        try:
            artifact = staging / output.name
            writers = {"saved_model": write_saved_model, "onnx": write_onnx, "litert": write_litert}
            with storage(output, "write the export to"):  # a full disk: one line, nothing left behind
                writers[format](keras_model, identity, kind, artifact, staging=staging, quantize=quantize,
                                examples=examples)
                labels = artifact / labels_path.name if format == "saved_model" else staging / labels_path.name
                labels.write_text(labels_text, encoding="utf-8")
            result = None
            if check:
                data = check if not isinstance(check, bool) else calibration if calibration is not None \
                    else _own_dataset(identity)
                result = compare(artifact, format, kind, keras_model, identity, data, quantized=bool(quantize))
                if not result.passed:
                    raise ExportCheckError(_failure(identity, format, quantize, result))
            if format != "saved_model":
                move_into_place(labels, labels_path, what="write the class names to")
            move_into_place(artifact, output, what="write the export to")
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            for folder in made:
                with contextlib.suppress(OSError):
                    folder.rmdir()
            raise
        shutil.rmtree(staging, ignore_errors=True)
    return ExportResult(path=output, labels=labels_path, format=format, input=kind, quantize=quantize,
                        size=artifact_size(output), identity=identity, check=result)


def _own_dataset(identity: ModelIdentity):
    """The data a model was trained on, when it is still at hand: a built-in dataset or an existing folder."""

    data = identity.dataset
    return data if data is not None and (data in LOADERS or Path(data).is_dir()) else None


def labels_file(output: Path, format: str) -> Path:
    """Where an export's class names go, one a line: ``labels.txt`` inside a SavedModel, ``NAME.labels.txt``
    beside ``NAME.onnx`` or ``NAME.tflite`` (the two exports of one model share it)."""
    if format == "saved_model":
        return output / "labels.txt"
    return output.with_name(f"{output.stem}.labels.txt")


def artifact_size(path: Path) -> int:
    """The bytes of a file, or of every file under a directory."""
    path = Path(path)
    if path.is_dir():
        return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return path.stat().st_size


def require(format: str, *, quantize: str | None = None, check: bool = False) -> None:
    """Raise :class:`ExportError` naming the extra when a converter or runtime the export needs is missing."""
    import importlib

    needed = ["tf2onnx", "onnx"] if format == "onnx" else []
    if format == "onnx" and (quantize or check):
        needed.append("onnxruntime")
    missing = [name for name in needed if not _importable(importlib, name)]
    if missing:
        raise ExportError(f"format={format!r} needs {', '.join(missing)}, which is not installed: {EXTRA}")


def _importable(importlib, name: str) -> bool:
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True


def _check_input(identity: ModelIdentity, format: str, input: str | None) -> None:
    """Refuse an input the format or the model cannot take, before anything is built."""

    task = get_registry().architectures[identity.architecture].task
    if task != "image-classification":
        if input not in (None, "bytes"):
            raise ValueError(f"input={input!r} is not allowed: {identity.name} is a {task} model, which takes "
                             "text (or token ids): leave input out")
    elif input == "bytes" and format != "saved_model":
        raise ValueError(f"input='bytes' is not allowed with format={format!r}: only a SavedModel decodes images; "
                         "use input='uint8' or 'float' (decode on the client) or format='saved_model'")


def input_kind(model, format: str, input: str | None) -> str:
    """What the export takes: ``"bytes"``, ``"uint8"``, ``"float"`` for images; ``"text"`` or ``"ids"``."""
    shape = tuple(model.inputs[0].shape[1:])
    if len(shape) != 3:
        return "text" if model.inputs[0].dtype == "string" else "ids"
    return input or ("bytes" if format == "saved_model" else "uint8")


# --- the graphs ----------------------------------------------------------------------------------


def input_spec(model, identity: ModelIdentity, kind: str):
    """The ``tf.TensorSpec`` of what the export takes."""
    import tensorflow as tf


    shape = model_input_shape(model)
    if kind == "bytes":
        return tf.TensorSpec([None], tf.string, name="image_bytes")
    if kind in ("uint8", "float"):
        size = example_size(shape, identity.preprocessing)
        return tf.TensorSpec([None, *size, shape[-1]], tf.uint8 if kind == "uint8" else tf.float32, name="images")
    if kind == "text":
        return tf.TensorSpec([None], tf.string, name="texts")
    return tf.TensorSpec([None, *shape], model.inputs[0].dtype, name="token_ids")


def probabilities(model, identity: ModelIdentity, kind: str):
    """The export's computation: a function of its input to the model's float32 probabilities."""
    import tensorflow as tf


    shape, spec = inputs.model_input_shape(model), identity.preprocessing

    def run(x):
        if kind == "bytes":
            x = inputs.preprocess(decode_batch(x, shape, spec), shape, spec)
        elif kind in ("uint8", "float"):
            x = inputs.preprocess(x, shape, spec, pixels=True)
        return tf.cast(model(x, training=False), tf.float32)

    return run


def decode_batch(encoded, shape: tuple, preprocessing: dict):
    """A ``tf.string`` batch of encoded images as uint8 pixels at the size :func:`zoo.datasets.pipeline.fit_example` gives.

    Each image is decoded by :func:`zoo.datasets.images.decode` and fitted by :func:`zoo.datasets.pipeline.fit_example`,
    as ``zoo predict`` does. An image that cannot be decoded fails the whole request with an
    ``InvalidArgumentError`` naming its index (``image_bytes[2] ...``); the serving process goes on.
    """
    import tensorflow as tf

    from zoo.datasets import images

    size = (*inputs.example_size(shape, preprocessing), shape[-1])
    count = tf.shape(encoded)[0]

    def fit(index, data):
        image = inputs.fit_example(images.decode(data, shape[-1]), shape, preprocessing)
        return index, tf.ensure_shape(image, size)

    decoded = tf.data.Dataset.from_tensor_slices((tf.range(count), encoded)).map(fit).ignore_errors()
    nothing = tf.data.Dataset.from_tensors((tf.zeros([0], tf.int32), tf.zeros([0, *size], tf.uint8)))
    index, batch = decoded.batch(tf.cast(tf.maximum(count, 1), tf.int64)).concatenate(nothing).take(1) \
        .get_single_element()
    found = tf.reduce_any(tf.equal(tf.range(count)[:, None], index[None, :]), axis=1)
    first_bad = tf.argmin(tf.concat([tf.cast(found, tf.int32), [0]], 0), output_type=tf.int32)  # an empty batch too
    message = tf.strings.format("image_bytes[{}] cannot be decoded: it is not a JPEG, PNG, BMP or GIF image, or it "
                                "is truncated or corrupt", first_bad)
    with tf.control_dependencies([tf.debugging.Assert(tf.reduce_all(found), [message])]):
        return tf.identity(batch)


def answer(probabilities, labels: list[str]) -> dict:
    """A SavedModel's outputs: ``probabilities``, and the top ``labels`` (class names) and ``scores``."""
    import tensorflow as tf

    scores, indices = tf.math.top_k(probabilities, k=min(TOP, len(labels)))
    return {"probabilities": probabilities, "labels": tf.gather(tf.constant(labels), indices), "scores": scores}


def saved_model(model, endpoints: dict, path: Path) -> None:
    """Write ``{signature name: (function, input spec)}`` as a SavedModel, ``model``'s variables tracked."""
    import keras

    archive = keras.export.ExportArchive()
    archive.track(model)
    for name, (function, spec) in endpoints.items():
        archive.add_endpoint(name, function, input_signature=[spec])
    archive.write_out(str(path), verbose=False)


def write_saved_model(model, identity: ModelIdentity, kind: str, path: Path, **_) -> None:
    """The SavedModel: ``serving_default`` on ``kind``, and ``pixels`` on uint8 images for image models."""
    labels = identity.labels()
    kinds = {"serving_default": kind}
    if kind in ("bytes", "uint8", "float"):
        kinds["pixels"] = "uint8"

    def endpoint(kind):
        import tensorflow as tf

        run = probabilities(model, identity, kind)

        def serve(x):  # an empty request is answered, not run (a convolution fails on an empty batch)
            return answer(tf.cond(tf.shape(x)[0] > 0, lambda: run(x), lambda: tf.zeros([0, len(labels)])), labels)

        return serve, input_spec(model, identity, kind)

    saved_model(model, {name: endpoint(k) for name, k in kinds.items()}, path)


def write_onnx(model, identity: ModelIdentity, kind: str, path: Path, *, staging: Path, quantize=None,
               examples=None) -> None:
    """The ONNX file (tf2onnx), ``probabilities`` out, the class names and identity in its metadata."""
    import onnx
    import tensorflow as tf
    import tf2onnx

    route = onnx_route(identity.name, variable_bytes(model.weights), available_memory())
    free_superseded_protos()
    run, spec = probabilities(model, identity, kind), input_spec(model, identity, kind)
    function = tf.function(lambda x: {"probabilities": run(x)}, input_signature=[spec])
    try:
        if route == "ordinary":
            proto, _ = tf2onnx.convert.from_function(function, input_signature=[spec], opset=OPSET)
        else:
            proto = convert_without_weight_copies(function, [spec], OPSET)
    except Exception as error:  # tf2onnx raises many types; the reason goes on one line
        raise ExportError(f"{identity.name} cannot be exported to onnx: tf2onnx failed: {_first_line(error)}") \
            from None
    unknown = sorted({node.op_type for node in _nodes(proto.graph) if not onnx.defs.has(node.op_type, node.domain)})
    if unknown:
        raise ExportError(f"{identity.name} cannot be exported to onnx: tf2onnx has no ONNX operator for "
                          f"{', '.join(unknown)}; export format='saved_model' instead, which keeps every TensorFlow op")
    if quantize:
        float_path = staging / "float.onnx"
        onnx.save(proto, float_path)
        quantize_onnx(float_path, path, spec.name, examples, kind)
        proto = onnx.load(path)
    onnx.helper.set_model_props(proto, {"labels": json.dumps(identity.labels()),
                                        "zoo.identity": json.dumps(identity.to_dict()),
                                        "zoo.input": kind, "zoo.quantize": quantize or "none"})
    onnx.save(proto, path)


def onnx_route(name: str, weights: int, available: int | None) -> str:
    """How to convert a model with ``weights`` bytes of weights to ONNX with ``available`` bytes of memory.

    ``"ordinary"``: tf2onnx's own conversion, when it fits (or the memory is not known);
    ``"large-model"``: its large-model steps (:func:`zoo.exporting.tf2onnx_fix.convert_without_weight_copies`),
    which take a third of the memory.

    :raises ExportError: neither fits (the conversion would be killed by the out-of-memory killer halfway).
    """
    for route, factor in ONNX_MEMORY_PER_WEIGHT_BYTE.items():
        if available is None or weights * factor <= available:
            return route
    needed = weights * min(ONNX_MEMORY_PER_WEIGHT_BYTE.values())
    raise ExportError(f"{name} cannot be exported to onnx here: tf2onnx needs about {needed / 2**30:.0f} GiB of "
                      f"memory for its {weights / 2**30:.1f} GiB of weights and {available / 2**30:.0f} GiB is "
                      "available; export format='saved_model' or 'litert' (they need a few times the weights), or "
                      "convert on a machine with more memory")


CGROUP_MEMORY = (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),  # cgroup v2
                 ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"))  # v1


def available_memory() -> int | None:
    """The bytes of memory this process can still take (Linux: MemAvailable, within its cgroup's limit), or None."""
    try:
        meminfo = Path("/proc/meminfo").read_text()
        available = int(re.search(r"^MemAvailable:\s+(\d+) kB", meminfo, re.M).group(1)) * 1024
    except (OSError, AttributeError):
        return None
    for limit_file, usage_file in CGROUP_MEMORY:
        try:
            limit, used = Path(limit_file).read_text().strip(), int(Path(usage_file).read_text())
        except (OSError, ValueError):
            continue
        if limit.isdigit():  # "max" (v2) or a number near 2**63 (v1) when there is no limit
            available = min(available, int(limit) - used)
        break
    return available


def _nodes(graph):
    """Every node of an ONNX graph, those of its subgraphs (If, Loop) included."""
    for node in graph.node:
        yield node
        for attribute in node.attribute:
            for sub in [attribute.g, *attribute.graphs] if attribute.HasField("g") else attribute.graphs:
                yield from _nodes(sub)


def quantize_onnx(source: Path, path: Path, input_name: str, examples, kind: str) -> None:
    """onnxruntime's static quantization: int8 weights (per channel), uint8 activations, QDQ format."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Examples(CalibrationDataReader):
        def __init__(self):
            self.rest = iter(_as_input(examples, kind))

        def get_next(self):
            example = next(self.rest, None)
            return None if example is None else {input_name: example[None]}

    prepared = source.with_name("prepared.onnx")
    quant_pre_process(str(source), str(prepared), skip_symbolic_shape=True)
    quantize_static(str(prepared), str(path), Examples(), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)


def write_litert(model, identity: ModelIdentity, kind: str, path: Path, *, staging: Path, quantize=None,
                 examples=None) -> None:
    """The LiteRT flatbuffer, converted from a SavedModel of the export's one signature."""
    import tensorflow as tf

    run, spec = probabilities(model, identity, kind), input_spec(model, identity, kind)
    source = staging / "litert_source"
    saved_model(model, {"serving_default": (lambda x: {"probabilities": run(x)}, spec)}, source)
    converter = tf.lite.TFLiteConverter.from_saved_model(str(source))
    if quantize:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: ({spec.name: x[None]} for x in _as_input(examples, kind))
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    try:
        with warnings.catch_warnings():  # the calibrator runs tf.lite.Interpreter, which warns that it is deprecated
            warnings.filterwarnings("ignore", message=r"\s*Warning: tf.lite.Interpreter is deprecated")
            flatbuffer = converter.convert()
    except Exception as error:  # ConverterError, and the calibrator's RuntimeErrors
        raise ExportError(f"{identity.name} cannot be exported to litert: {_converter_reason(error)}") from None
    finally:
        shutil.rmtree(source, ignore_errors=True)
    path.write_bytes(flatbuffer)


def _converter_reason(error: BaseException) -> str:
    """The LiteRT converter's reason on one line: the TensorFlow ops it has no LiteRT op for, else its first line."""
    text = str(error)
    ops = sorted(set(re.findall(r"'tf\.(\w+)' op is neither a custom op nor a flex op", text)))
    if ops:
        return (f"the LiteRT converter has no builtin op for {', '.join(ops)}; "
                "export format='saved_model' instead, which keeps every TensorFlow op")
    return f"the LiteRT converter failed: {_first_line(error)}"


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def _as_input(examples, kind: str):
    """Examples (uint8 images or sentences) as the export's input dtype."""
    if kind == "float":
        return examples.astype("float32")
    if kind == "text":
        from zoo.layers.text import as_bytes

        return as_bytes(examples)
    return examples


# --- data for calibrating and checking ------------------------------------------------------------


def examples_of(data, model, identity: ModelIdentity, *, splits: tuple, count: int, minimum: int = 1,
                purpose: str = "check", seed: int = 0):
    """Up to ``count`` examples of a dataset, as an export takes them: uint8 images at the export's size, or texts.

    :param data: a built-in dataset name or a folder (what :func:`zoo.datasets.load` takes).
    :param splits: the splits to take them from, the first that the dataset has.
    :return: ``(examples, labels, description)``; the examples are a seeded random sample.
    """
    import tensorflow as tf

    from zoo.datasets import images

    dataset = as_dataset(data)
    available = [split for split in splits if getattr(dataset, split) is not None]
    if not available:
        raise ValueError(f"{purpose} data {str(data)!r} has none of the splits {splits}")
    name = available[0]
    part = getattr(dataset, name)
    if isinstance(part, tuple):
        x, y = part
    else:
        pairs = list((part.unbatch() if dataset.batched else part).as_numpy_iterator())
        x, y = [p[0] for p in pairs], np.array([p[1] for p in pairs])
    if len(x) < minimum:
        raise ValueError(f"{purpose} data {str(data)!r} has {len(x)} examples in its {name} split: "
                         f"{minimum} at least are needed")
    pick = np.sort(np.random.default_rng(seed).choice(len(x), min(count, len(x)), replace=False))
    y = np.asarray(y)[pick]
    shape = inputs.model_input_shape(model)
    if len(shape) != 3:
        if dataset.task != "text-classification":
            raise ValueError(f"{purpose} data {str(data)!r} holds images, but {identity.name} takes text")
        texts = [x[i].decode("utf-8", "replace") if isinstance(x[i], bytes) else str(x[i]) for i in pick]
        return np.array(texts, dtype=object), y, f"{len(pick)} {dataset.name} {name} examples"
    if dataset.task != "image-classification":
        raise ValueError(f"{purpose} data {str(data)!r} holds text, but {identity.name} takes images")
    fitted = []
    for i in pick:
        image = tf.convert_to_tensor(x[i])
        if image.dtype != tf.uint8:
            raise ValueError(f"{purpose} data {str(data)!r} holds {image.dtype.name} images: uint8 pixels are needed")
        fitted.append(inputs.fit_example(images.match_channels(image, shape[-1]), shape, identity.preprocessing))
    return np.stack([np.asarray(f) for f in fitted]), y, f"{len(pick)} {dataset.name} {name} examples"


def synthetic_examples(model, count: int = 32, seed: int = 0):
    """Inputs to compare on when no data is named: random pixels, sentences or token ids."""

    rng = np.random.default_rng(seed)
    shape = inputs.model_input_shape(model)
    if len(shape) == 3:
        example = (*inputs.example_size(shape, None), shape[-1])
        return rng.integers(0, 256, (count, *example), dtype=np.uint8), "32 synthetic images"
    if model.inputs[0].dtype == "string":
        words = ["a", "gripping", "film", "dull", "and", "far", "too", "long", "café", "naïve", "😀", "!"]
        texts = [" ".join(rng.choice(words, rng.integers(1, 12))) for _ in range(count)]
        return np.array(texts, dtype=object), "32 synthetic sentences"
    rows = next((layer.input_dim for layer in model.layers if hasattr(layer, "input_dim")), 2)
    return rng.integers(0, rows, (count, *shape)).astype(model.inputs[0].dtype), "32 synthetic token-id rows"


def compare(artifact: Path, format: str, kind: str, model, identity: ModelIdentity, data=None, *,
            quantized: bool = False) -> CheckResult:
    """Run ``artifact`` in its own runtime (a fresh process, :mod:`zoo.exporting.runtimes`) and compare it with
    ``model`` fed the same inputs through the zoo's preprocessing.

    Encoded images are compared with what ``zoo predict`` computes for the same files (a PNG per
    example, and a JPEG, another size and the other channel count besides); pixels with the
    model fed :func:`zoo.datasets.pipeline.preprocess` of the same pixels.

    :param data: a dataset name or folder to compare on (its test split), or None for synthetic inputs.
    """
    if data is not None:
        examples, _, description = examples_of(data, model, identity, splits=("test", "validation", "train"),
                                               count=CHECK_EXAMPLES)
    else:
        examples, description = synthetic_examples(model)
    with tempfile.TemporaryDirectory(prefix="zoo-export-check-") as tmp:
        tmp = Path(tmp)
        feed, expected = reference(model, identity, kind, examples, tmp)
        if format == "saved_model" and kind in ("bytes", "float"):
            feed["pixels"] = examples
        results = run_in_runtime(format, artifact, feed, tmp)
    got = results["probabilities"]
    if got.shape != expected.shape:
        raise ExportCheckError(f"the {format} export answers probabilities of shape {got.shape} where the Keras "
                               f"model answers {expected.shape}")
    difference = float(np.max(np.abs(got - expected))) if got.size else 0.0
    if "pixels_probabilities" in results:
        pixels = predict_pixels(model, identity, examples)
        difference = max(difference, float(np.max(np.abs(results["pixels_probabilities"] - pixels))))
    top = np.sort(expected, axis=1)
    clear = (top[:, -1] - top[:, -2]) > 2 * TOLERANCE if expected.shape[1] > 1 else np.ones(len(top), bool)
    same = got.argmax(1) == expected.argmax(1)
    if "labels" in results:
        names = np.array(identity.labels())
        same &= results["labels"][:, 0] == names[expected.argmax(1)]
    agreement = float(np.mean(same)) if len(same) else 1.0
    disagreements = int(np.sum(~same & clear))
    passed = agreement >= INT8_AGREEMENT if quantized else (difference <= TOLERANCE and disagreements == 0)
    return CheckResult(runtime=str(results["runtime"]), data=f"{description} ({len(got)} inputs)"
                       if len(got) != len(examples) else description, examples=len(got),
                       max_difference=difference, top1_agreement=agreement, disagreements=disagreements,
                       passed=passed)


def reference(model, identity: ModelIdentity, kind: str, examples, tmp: Path):
    """``(feed for the runtime, the Keras model's probabilities)`` for ``examples`` given as ``kind``."""
    if kind == "bytes":
        import tensorflow as tf

        from zoo.datasets import images

        channels = examples.shape[-1]
        files = [(f"{i}.png", tf.io.encode_png(x)) for i, x in enumerate(examples)]
        first = examples[0]
        other = images.match_channels(tf.constant(first), 1 if channels == 3 else 3)
        larger = images.resize(tf.constant(first), (first.shape[0] * 3 // 2, first.shape[1] * 3 // 2 + 1))
        files += [("jpeg.jpg", tf.io.encode_jpeg(tf.constant(first))), ("other_channels.png", tf.io.encode_png(other)),
                  ("larger.png", tf.io.encode_png(larger))]
        paths = []
        for name, data in files:
            (tmp / name).write_bytes(data.numpy())
            paths.append(str(tmp / name))
        expected = model.predict(read_inputs(paths, model, identity), batch_size=64, verbose=0)
        return strings_feed([Path(p).read_bytes() for p in paths]), np.asarray(expected, np.float32)
    if kind == "text":

        expected = model.predict(read_inputs(list(examples), model, identity), batch_size=64, verbose=0)
        return strings_feed(list(_as_input(examples, "text"))), np.asarray(expected, np.float32)
    if kind == "ids":
        return {"inputs": examples}, np.asarray(model.predict(examples, batch_size=64, verbose=0), np.float32)
    return {"inputs": _as_input(examples, kind)}, predict_pixels(model, identity, examples)


def strings_feed(strings: list[bytes]) -> dict:
    """Byte strings as :mod:`zoo.exporting.runtimes` reads them: concatenated, with their lengths."""
    return {"strings": np.frombuffer(b"".join(strings), np.uint8), "lengths": np.array([len(b) for b in strings], np.int64)}


def predict_pixels(model, identity: ModelIdentity, examples):
    """The Keras model's probabilities for uint8 ``examples`` through :func:`zoo.datasets.pipeline.preprocess`."""
    import tensorflow as tf


    shape = inputs.model_input_shape(model)
    x = inputs.preprocess(tf.constant(examples), shape, identity.preprocessing)
    return np.asarray(model.predict(x, batch_size=64, verbose=0), np.float32)


def run_in_runtime(format: str, artifact: Path, feed: dict, tmp: Path, *, batch: int = 64) -> dict:
    """Run :mod:`zoo.exporting.runtimes` on ``feed`` in a fresh, isolated interpreter; its results.

    :raises ExportError: the runtime is not installed (naming the extra).
    :raises ExportCheckError: the artifact does not load or run there, or Keras or the zoo got imported.
    """
    feed_path, results_path = tmp / "feed.npz", tmp / "results.npz"
    np.savez(feed_path, **feed)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run([sys.executable, "-I", str(RUNTIME_SCRIPT), format, str(artifact), str(feed_path),
                           str(results_path), "--batch", str(batch)], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        last = lines[-1] if lines else f"exit status {done.returncode}"
        if "ModuleNotFoundError" in last and format != "litert":
            raise ExportError(f"checking a {format} export needs {RUNTIMES[format]}, which is not installed: {EXTRA}")
        raise ExportCheckError(f"the {format} export does not run in {RUNTIMES[format]}: {last}")
    with np.load(results_path) as loaded:
        results = {key: loaded[key] for key in loaded.files}
    if results["imported"].size:
        raise ExportCheckError(f"the {format} runtime check imported {', '.join(results['imported'])}")
    results["runtime"] = str(results["runtime"])
    return results


def _failure(identity: ModelIdentity, format: str, quantize, result: CheckResult) -> str:
    bar = f"top-1 identical for at least {INT8_AGREEMENT:.0%}" if quantize else \
        f"max |difference| <= {TOLERANCE:g} and the same top-1 class"
    return (f"the {format}{' int8' if quantize else ''} export of {identity.name} does not compute what the Keras "
            f"model computes ({bar} needed): {result.summary()}")


# --- writing -------------------------------------------------------------------------------------


def check_output(output, format: str, force: bool) -> Path:
    """``output`` as a path, checked before any work: it names a file or folder, and what is there may be
    replaced only with ``force`` and only when it is an export of ``format`` (:func:`is_export`)."""
    text = str(output)
    path = Path(output).expanduser()
    if not text.strip() or path.name in ("", ".", ".."):
        raise ValueError(f"output={text!r} is not allowed: name the {'folder' if format == 'saved_model' else 'file'} "
                         f"to write, e.g. {EXAMPLE_OUTPUTS[format]}")
    check_replaceable(path, force=force, recognise=lambda p: is_export(p, format),
                      what=f"{'a' if format == 'saved_model' else 'an'} {FORMAT_NAMES[format]} export")
    return path


def is_export(path: Path, format: str) -> bool:
    """Whether ``path`` holds what an export of ``format`` writes: a SavedModel folder (its ``saved_model.pb``),
    an ONNX file (a ModelProto, which begins with its ``ir_version``) or a LiteRT flatbuffer (``TFL3``)."""
    path = Path(path)
    if format == "saved_model":
        return path.is_dir() and any((path / name).is_file() for name in ("saved_model.pb", "saved_model.pbtxt"))
    if not path.is_file():
        return False
    with open(path, "rb") as f:
        head = f.read(8)
    return head[:1] == b"\x08" if format == "onnx" else head[4:8] == b"TFL3"


@contextlib.contextmanager
def _quiet(verbose: bool):
    """Keep what TensorFlow, tf2onnx and the LiteRT converter print (C++ logs included) off the terminal."""
    if verbose:
        yield
        return
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with tempfile.TemporaryFile() as log, open(os.dup(log.fileno()), "w", encoding="utf-8") as text:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        # Python's streams may not be descriptors 1 and 2 (the CLI's filtered stderr), and logging handlers
        # keep the stream they were made with (tf2onnx logs its failures with tracebacks): quiet both.
        logging.disable(logging.CRITICAL)
        try:
            with contextlib.redirect_stdout(text), contextlib.redirect_stderr(text):
                yield
        finally:
            logging.disable(logging.NOTSET)
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
