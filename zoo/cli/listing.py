"""``zoo list`` and ``zoo info``: the catalog, without importing TensorFlow or Keras."""

from __future__ import annotations

import json

from zoo.architecture import TASKS
from zoo.cards import info, list_models, load_stats
from zoo.cli.table import format_table, human_count
from zoo.registry import get_registry

MAX_TAGS = 3  # `zoo list` shows the first few weight tags; `zoo info` and `zoo weights list` show all


def register(subparsers) -> None:
    parser = subparsers.add_parser("list", help="list architectures (a table: name, family, task, params, weights)")
    parser.add_argument("pattern", nargs="?", default="*", help="fnmatch pattern, e.g. 'resnet*'")
    parser.add_argument("--task", choices=TASKS)
    parser.add_argument("--pretrained", action="store_true", help="only architectures with weight tags")
    parser.set_defaults(run=run_list)

    parser = subparsers.add_parser("info", help="show an architecture's model card")
    parser.add_argument("name", help="architecture, alias or architecture.tag")
    parser.add_argument("--json", action="store_true", help="print the card as JSON")
    parser.set_defaults(run=run_info)


def run_list(args) -> int:
    registry = get_registry()
    stats = load_stats()
    names = list_models(args.pattern, task=args.task, pretrained=True if args.pretrained else None)
    if not names:
        print(f"no architecture matches {args.pattern!r}")
        return 0
    rows = []
    for name in names:
        arch = registry.architectures[name]
        tags = [t.tag for t in registry.tags_for(name)]
        shown = ", ".join(tags[:MAX_TAGS]) + (f" (+{len(tags) - MAX_TAGS} more)" if len(tags) > MAX_TAGS else "")
        rows.append([name, arch.family, arch.task, human_count(stats.get(name, {}).get("params")), shown or "-"])
    print(format_table(["name", "family", "task", "params", "weights"], rows))
    return 0


def run_info(args) -> int:
    card = info(args.name)
    if args.json:
        print(json.dumps(card.to_dict(), indent=2, default=str))
        return 0
    fields = [
        ("name", card.name),
        ("family", card.family),
        ("task", card.task),
        ("plugin", f"{card.plugin} ({card.distribution} {card.version})".strip()),
        ("input shape", f"{card.input_shape} (minimum size {card.min_input_size})"),
        ("classes", card.num_classes),
        ("parameters", f"{card.parameter_count:,}" if card.parameter_count else "-"),
        ("GMACs", f"{card.macs / 1e9:.3f}" if card.macs else "-"),
        ("arguments", ", ".join(f"{k}={v!r}" for k, v in card.arguments.items()) or "-"),
        ("weights", ", ".join(card.weight_tags) or "-"),
        ("default weights", card.default_tag or "-"),
        ("aliases", ", ".join(card.aliases) or "-"),
        ("paper", card.paper or "-"),
    ]
    for metric, value in card.metrics.items():
        fields.append((metric, value))
    width = max(len(key) for key, _ in fields)
    for key, value in fields:
        print(f"{key.ljust(width)}  {value}")
    if card.description:
        print(f"\n{card.description}")
    return 0
