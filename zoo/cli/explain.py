"""``zoo explain``: class activation maps, attributions, filters, feature maps and text evidence.

Writes ``NAME.<method>.png`` and ``NAME.<method>.npy`` for each input into ``--out`` (text:
``NAME.evidence.html``) and prints the paths; text evidence is also shown in the terminal, in
colour only when standard output is one.
"""

from __future__ import annotations

import sys

from zoo.insight import METHODS


def register(subparsers) -> None:
    parser = subparsers.add_parser("explain", help="see inside a model: Grad-CAM, integrated gradients, filters, "
                                                   "feature maps, text evidence")
    parser.add_argument("name", metavar="MODEL",
                        help="a weight tag (lenet5.mnist5k), a run directory or its card.json, "
                             "or an architecture with --weights")
    parser.add_argument("inputs", nargs="*", metavar="INPUT", help="image files, or texts (one argument per text); "
                                                                   "none for --method filters")
    parser.add_argument("--method", choices=METHODS, help="default: gradcam for images, evidence for text")
    parser.add_argument("--stage", help="a stage's position in `zoo info MODEL` (default: the last) or a layer name")
    parser.add_argument("--class", dest="target", action="append", metavar="CLASS",
                        help="explain this class (a name or an index; repeat for several) instead of the top ones")
    parser.add_argument("--top", type=int, default=1, help="explain the model's N most likely classes (default 1)")
    parser.add_argument("--weights", help="a .weights.h5 file (from zoo train: its card.json is read too)")
    parser.add_argument("--out", default=".", help="directory for NAME.<method>.png and .npy (default: here)")
    parser.set_defaults(run=run_explain)


def run_explain(args) -> int:
    from zoo.insight.explanation import explain
    from zoo.insight.rendering import terminal_text

    stage = int(args.stage) if args.stage is not None and args.stage.lstrip("-").isdigit() else args.stage
    target = None if args.target is None else args.target[0] if len(args.target) == 1 else args.target
    found = explain(args.name, args.inputs, method=args.method, stage=stage, target=target, top=args.top,
                    weights=args.weights, out=args.out)
    if found[0].method == "evidence":
        colour = sys.stdout.isatty()
        for item in found:
            print(f"{item.name}: {item.labels[0]} ({item.probabilities[0]:.1%}): "
                  f"{terminal_text(item.tokens, item.values if item.values.ndim == 1 else item.values[0], colour=colour)}")
            for ngram in item.ngrams[:3]:
                print(f"  {ngram.score:+.3f}  {ngram.text}")
    for item in found:
        summary = ", ".join(f"{label} {p:.1%}" for label, p in zip(item.labels, item.probabilities))
        for path in item.files:
            print(f"{path}" + (f"  ({summary})" if summary and path.suffix != ".npy" else ""))
    return 0
