"""int8 exports of the shipped weight tags: accuracy, size and throughput before and after, into docs/export.md.

For each shipped tag and each of ONNX and LiteRT: ``zoo.export`` float, and int8 calibrated on 200
examples of the tag's training data; both run in their own runtime (a fresh process without Keras or
the zoo, ``zoo/runtimes.py``) on the whole held-out or official test split, in batches of 64. Accuracy
is against the test labels; throughput is test examples over the seconds the runtime spent in its calls
(2 shared cores: read the figures against each other, not as absolute speeds). The Keras accuracy on
the same examples is shown beside them. A format the tag cannot be exported to shows the reason.

Run: ``python benchmarks/export_quantization.py [--tags lenet5.mnist5k] [--write]``
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from report import write_section

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "export.md"
# The shipped tags and the data they were trained and tested on.
TAGS = {"lenet5.mnist5k": "mnist5k", "lenet5.fashion_mnist": "fashion_mnist",
        "resnet20.fashion_mnist": "fashion_mnist", "textcnn_rand.rotten_tomatoes": "rotten_tomatoes"}
FORMATS = {"onnx": ".onnx", "litert": ".tflite"}


def measure(tag: str, data: str, tmp: Path) -> dict:
    """Keras accuracy, then per format the float and int8 exports' accuracy, size and throughput."""
    import keras

    import zoo
    from zoo.errors import ExportError
    from zoo.exporting.exporter import examples_of, input_kind, reference, run_in_runtime
    from zoo.records.identity import locate
    from zoo.weights.pretrained import build

    model, identity = build(locate(tag))
    x, y, description = examples_of(data, model, identity, splits=("test",), count=10**9)
    keras_accuracy = None
    row = {"tag": tag, "data": description, "formats": {}}
    for format, suffix in FORMATS.items():
        cells = {}
        for quantize in (None, "int8"):
            output = tmp / f"{tag}{'.int8' if quantize else ''}{suffix}"
            try:
                result = zoo.export(tag, format=format, output=output, quantize=quantize,
                                    calibration=data if quantize else None)
            except ExportError as error:
                cells = {"reason": str(error)}
                break
            kind = input_kind(model, format, None)
            feed, expected = reference(model, identity, kind, x, tmp)
            if keras_accuracy is None:
                keras_accuracy = float(np.mean(expected.argmax(1) == y))
            results = run_in_runtime(format, output, feed, tmp)
            cells["int8" if quantize else "float"] = {
                "accuracy": float(np.mean(results["probabilities"].argmax(1) == y)), "size": result.size,
                "throughput": len(y) / float(np.sum(results["seconds"])), "runtime": results["runtime"]}
        row["formats"][format] = cells
        print(tag, format, json.dumps(cells), file=sys.stderr, flush=True)
    if keras_accuracy is None:  # no format could be exported: Keras alone, through the zoo's preprocessing
        feed, expected = reference(model, identity, input_kind(model, "saved_model", None), x, tmp)
        keras_accuracy = float(np.mean(expected.argmax(1) == y))
    row["keras_accuracy"] = keras_accuracy
    keras.backend.clear_session()
    return row


def table(rows: list[dict]) -> str:
    lines = ["| tag | test data | format | Keras accuracy | accuracy float → int8 | drop (points) | "
             "size float → int8 | throughput float → int8 (examples/s) |",
             "|---|---|---|---:|---:|---:|---:|---:|"]
    for row in rows:
        for format, cells in row["formats"].items():
            head = f"| {row['tag']} | {row['data']} | {format} | {row['keras_accuracy']:.2%} |"
            if "reason" in cells:
                reason = cells["reason"].split(": ", 1)[1] if ": " in cells["reason"] else cells["reason"]
                lines.append(f"{head} not possible: {reason} | | | |")
                continue
            f, q = cells["float"], cells["int8"]
            lines.append(f"{head} {f['accuracy']:.2%} → {q['accuracy']:.2%} | "
                         f"{100 * (f['accuracy'] - q['accuracy']):.2f} | "
                         f"{f['size'] / 1e3:,.0f} kB → {q['size'] / 1e3:,.0f} kB | "
                         f"{f['throughput']:,.0f} → {q['throughput']:,.0f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tags", nargs="*", default=list(TAGS), choices=list(TAGS))
    parser.add_argument("--write", action="store_true", help="write the table into docs/export.md")
    args = parser.parse_args(argv)
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="zoo-export-quantization-") as tmp:
        rows = [measure(tag, TAGS[tag], Path(tmp)) for tag in args.tags]
    print(table(rows))
    image_drops = [100 * (c["float"]["accuracy"] - c["int8"]["accuracy"]) for r in rows
                   for c in r["formats"].values() if "float" in c]
    verdict = (f"The largest accuracy drop is {max(image_drops):.2f} points (target: at most 1 for the image tags)."
               if image_drops else "")
    runtimes = sorted({c[k]["runtime"] for r in rows for c in r["formats"].values() for k in ("float", "int8")
                       if k in c})
    if args.write:
        import os
        import platform

        write_section("export_quantization", f"""## int8: the shipped tags before and after (`benchmarks/export_quantization.py`)

Each shipped tag exported float and int8 (`--quantize int8 --calibration DATA`, 200 training examples), both run
in their own runtime ({', '.join(runtimes)}) in a fresh process on the whole test split, batches of 64.
Throughput is test examples per second of runtime calls, one pass each, on {os.cpu_count()} shared cores (load
average {', '.join(f'{v:.1f}' for v in os.getloadavg())} at the end): compare float with int8, not with other
machines. {verdict}

{table(rows)}

Run {time.strftime('%Y-%m-%d', time.gmtime())} in {(time.time() - started) / 60:.0f} minutes, Python
{platform.python_version()}: `python benchmarks/export_quantization.py --write`.
""", doc=DOC)
    return 0


if __name__ == "__main__":
    sys.exit(main())
