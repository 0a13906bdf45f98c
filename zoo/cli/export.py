"""``zoo export``: a model as a SavedModel, ONNX or LiteRT file with its preprocessing inside, checked."""

from __future__ import annotations

import sys

from zoo.errors import ExportCheckError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "export", help="a deployable model (SavedModel, ONNX, LiteRT) that takes images or text, preprocessing inside")
    parser.add_argument("name", metavar="MODEL",
                        help="a weight tag (lenet5.mnist5k), a run directory or its card.json, "
                             "or an architecture with --weights")
    parser.add_argument("--format", required=True, help="saved_model, onnx or litert")
    parser.add_argument("--output", required=True, metavar="PATH",
                        help="the SavedModel directory, or the .onnx / .tflite file (class names go beside it)")
    parser.add_argument("--input", help="what an image model's export takes: bytes (encoded images; the SavedModel "
                                        "default), uint8 pixels (the ONNX and LiteRT default) or float pixels 0..255")
    parser.add_argument("--quantize", help="int8: full-integer post-training quantization (onnx, litert)")
    parser.add_argument("--calibration", metavar="DATA",
                        help="representative data for --quantize: a built-in dataset or a folder (200 examples)")
    parser.add_argument("--check", nargs="?", const=True, default=False, metavar="DATA",
                        help="run the export in its own runtime and compare it with the Keras model; on DATA's test "
                             "split when given (a built-in dataset or a folder), else on the calibration data, "
                             "the model's own dataset or synthetic inputs")
    parser.add_argument("--weights", help="a .weights.h5 file (from zoo train: its card.json is read too)")
    parser.add_argument("--force", action="store_true",
                        help="replace an existing output when it is an earlier export of this format (a SavedModel "
                             "folder, an .onnx or .tflite file) and its class-names file; never another file or "
                             "folder")
    parser.add_argument("--verbose", action="store_true", help="show the converters' own logs")
    parser.set_defaults(run=run_export)


def run_export(args) -> int:
    from zoo.exporting.exporter import export

    try:
        result = export(args.name, format=args.format, output=args.output, input=args.input, quantize=args.quantize,
                        calibration=args.calibration, check=args.check, force=args.force, weights=args.weights,
                        verbose=args.verbose)
    except ExportCheckError as error:
        print(f"zoo export: check failed: {error}", file=sys.stderr)
        return 1
    quantized = f", {result.quantize}" if result.quantize else ""
    print(f"wrote {result.path} ({result.format}{quantized}, {_megabytes(result.size)}, takes {result.input})")
    print(f"labels: {result.labels}")
    if result.check is not None:
        print(f"check passed: {result.check.summary()}")
    return 0


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e5 else f"{size / 1e3:.1f} kB"
