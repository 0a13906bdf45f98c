"""``zoo list`` and ``zoo info``: the catalog, without importing TensorFlow or Keras."""

from __future__ import annotations

import json
import textwrap

from zoo.records.architecture import TASKS
from zoo.registry.cards import gmacs, info, input_description, list_models, load_stats
from zoo.registry.loader import get_registry
from zoo.tables import format_table, human_count, terminal_width
from zoo.weights.cache import local_copy

MAX_TAGS = 3  # `zoo list` shows the first few weight tags; `zoo info` and `zoo weights list` show all


def register(subparsers) -> None:
    parser = subparsers.add_parser("list", help="list architectures (a table: name, family, task, params, weights)")
    parser.add_argument("pattern", nargs="?", default="*", help="fnmatch pattern, e.g. 'resnet*'")
    parser.add_argument("--task", choices=TASKS)
    parser.add_argument("--pretrained", action="store_true", help="only architectures with weight tags")
    parser.add_argument("--features", action="store_true",
                        help="only architectures with feature stages, and a column of their channels and reductions")
    parser.set_defaults(run=run_list)

    parser = subparsers.add_parser("info", help="show an architecture's model card")
    parser.add_argument("name", help="architecture, alias or architecture.tag")
    parser.add_argument("--json", action="store_true", help="print the card as JSON")
    parser.set_defaults(run=run_info)


def run_list(args) -> int:
    registry = get_registry()
    names = list_models(args.pattern, task=args.task, pretrained=True if args.pretrained else None,
                        features=True if args.features else None)
    if not names:
        print(f"no architecture matches {args.pattern!r}" + (" and has feature stages" if args.features else ""))
        return 0
    rows = []
    for name in names:
        arch = registry.architectures[name]
        tags = [t.tag for t in registry.tags_for(name)]
        shown = ", ".join(tags[:MAX_TAGS]) + (f" (+{len(tags) - MAX_TAGS} more)" if len(tags) > MAX_TAGS else "")
        row = [name, arch.family, arch.task, human_count(load_stats(name).get("params")), shown or "-"]
        rows.append(row + [" ".join(f"{stage.channels}/{stage.reduction}" for stage in arch.stages)]
                    if args.features else row)
    print(format_table(["name", "family", "task", "params", "weights"] + (["stages (channels/reduction)"]
                                                                        if args.features else []), rows))
    return 0


def stages_text(stages: list[dict]) -> str:
    """A card's feature stages, a line each: position, layer, channels/reduction (``0 conv2_block3_out 256/4``)."""
    return "\n".join(f"{index} {stage['layer']} {stage['channels']}/{stage['reduction']}"
                     for index, stage in enumerate(stages)) or "-"


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
        ("input shape", input_description(card.name)),
        ("classes", card.num_classes),
        ("parameters", f"{card.parameter_count:,}" if card.parameter_count else "-"),
        ("GMACs", gmacs(card.macs)),
        ("arguments", ", ".join(f"{k}={v!r}" for k, v in card.arguments.items()) or "-"),
        ("weights", ", ".join(card.weight_tags) or "-"),
        ("default weights", card.default_tag or "-"),
        ("aliases", ", ".join(card.aliases) or "-"),
        ("features", "features=True gives the feature map of every stage" if card.features else "-"),
        ("stages", stages_text(card.stages)),
        ("paper", card.paper or "-"),
        ("license", card.license or "-"),
    ]
    for metric, value in card.metrics.items():
        if isinstance(value, dict) and "value" in value:
            value = f"{value['value']}" + (f" ({value['source']})" if value.get("source") else "")
        fields.append((metric, value))
    print_fields(fields)
    if card.description:
        print("\n" + textwrap.fill(card.description, terminal_width()))
    if card.weights:
        print(f"\nweights {card.weights.name}")
        print_fields(weight_fields(card.weights))
    return 0


def weight_fields(tag) -> list[tuple[str, object]]:
    """What ``zoo info architecture.tag`` shows of the tag: its file, hash, origin, data and metrics."""

    copy = local_copy(tag)
    return [
        ("file", f"{tag.file_name} ({tag.format})"),
        (tag.hash_algorithm, tag.hash or "- (none recorded)"),
        ("urls", "\n".join(tag.urls) or "- (shipped or imported)"),
        ("local copy", copy or "-"),
        ("classes", tag.num_classes or "-"),
        ("input shape", "x".join(map(str, tag.input_shape)) if tag.input_shape else "-"),
        ("head", _head(tag)),
        ("arguments", ", ".join(f"{k}={v!r}" for k, v in tag.arguments.items()) or "-"),
        ("preprocessing", ", ".join(f"{k}={v!r}" for k, v in tag.preprocessing.items()) or "-"),
        ("license", tag.license or "-"),
        ("source", tag.source or "-"),
        *((f"metric {key}", value) for key, value in tag.metrics.items()),
    ]


def _head(tag) -> str:
    """``top``, ``top (no top: TAG)`` or ``no top (of TAG)``: whether the file has the classifier, and its twin."""
    registry = get_registry()
    if not tag.include_top:
        return f"no top (of {tag.architecture}.{tag.headless_of})" if tag.headless_of else "no top"
    twin = registry.headless_twin(tag)
    return f"top (no top: {twin.name})" if twin is not None else "top"


def print_fields(fields) -> None:
    """Print ``(key, value)`` pairs as two aligned columns; a value's further lines stay in its column."""
    width = max(len(key) for key, _ in fields)
    for key, value in fields:
        first, *rest = str(value).split("\n")
        print(f"{key.ljust(width)}  {first}")
        for line in rest:
            print(f"{' ' * width}  {line}")
