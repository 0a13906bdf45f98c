"""Parameter and multiply-accumulate (MAC) counts of built models, and the files generated from them.

:func:`count_macs` is the one place that counts MACs, from the layers of a
built Keras model. ``python -m zoo.stats --write`` builds every registered
architecture at its default input size and regenerates ``zoo/model_stats.json``
(read by ``zoo.info``) and the table in ``docs/models.md``.

Example::

    >>> model = zoo.get("resnet50")
    >>> count_macs(model) / 1e9
    3.858
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from zoo.cards import STATS_FILE

MODELS_DOC = Path(__file__).resolve().parents[1] / "docs" / "models.md"


def _size(shape) -> int:
    return math.prod(int(d) for d in shape if d is not None)


def layer_macs(layer, input_shape, output_shape) -> int:
    """MACs of one call of ``layer`` on one example (batch dimension excluded).

    Counted: convolutions (standard, depthwise, separable, transposed), dense and
    einsum-dense layers, recurrent layers and multi-head attention. Everything
    else (normalization, activations, pooling, additions) counts 0, as is usual.
    """
    from keras import layers

    out_positions = _size(output_shape[1:-1])
    if isinstance(layer, layers.SeparableConv2D) or isinstance(layer, layers.SeparableConv1D):
        channels = input_shape[-1] * layer.depth_multiplier
        return out_positions * channels * (_size(layer.kernel_size) + layer.filters)
    if isinstance(layer, (layers.DepthwiseConv1D, layers.DepthwiseConv2D)):
        return out_positions * input_shape[-1] * layer.depth_multiplier * _size(layer.kernel_size)
    if isinstance(layer, (layers.Conv1DTranspose, layers.Conv2DTranspose, layers.Conv3DTranspose)):
        return _size(input_shape[1:-1]) * input_shape[-1] * _size(layer.kernel_size) * layer.filters
    if isinstance(layer, (layers.Conv1D, layers.Conv2D, layers.Conv3D)):
        groups = getattr(layer, "groups", 1)
        return out_positions * layer.filters * _size(layer.kernel_size) * input_shape[-1] // groups
    if isinstance(layer, layers.Dense):
        return _size(output_shape[1:]) * input_shape[-1]
    if isinstance(layer, layers.EinsumDense):
        return _size(output_shape[1:]) * _size(layer.kernel.shape) // _size(output_shape[-1:])
    if isinstance(layer, (layers.LSTM, layers.GRU, layers.SimpleRNN)):
        gates = {layers.LSTM: 4, layers.GRU: 3}.get(type(layer), 1)
        steps = input_shape[1] or 1
        return steps * gates * (input_shape[-1] + layer.units) * layer.units
    if isinstance(layer, layers.Bidirectional):
        return 2 * layer_macs(layer.forward_layer, input_shape, output_shape[:-1] + (output_shape[-1] // 2,))
    if isinstance(layer, layers.MultiHeadAttention):
        return _attention_macs(layer, input_shape)
    return 0


def _attention_macs(layer, query_shape) -> int:
    """Self-attention MACs: the q, k, v and output projections, and the two attention products."""
    length, width = query_shape[1] or 1, query_shape[-1]
    heads, key_dim = layer.num_heads, layer.key_dim
    value_dim = layer.value_dim or key_dim
    projections = length * width * heads * (2 * key_dim + 2 * value_dim)
    return projections + length * length * heads * (key_dim + value_dim)


def _calls(model):
    """(layer, input shape, output shape) for every layer call in ``model``, nested models included."""
    import keras

    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _calls(layer)
            continue
        for node in layer._inbound_nodes:
            if not node.input_tensors or not node.outputs:
                continue
            yield layer, tuple(node.input_tensors[0].shape), tuple(node.outputs[0].shape)


def count_macs(model) -> int:
    """Multiply-accumulates of one forward pass of one example through a built Keras model.

    Example::

        >>> count_macs(zoo.get("mobilenetv2")) / 1e9
        0.30
    """
    return sum(layer_macs(layer, inputs, outputs) for layer, inputs, outputs in _calls(model))


def model_stats(name: str) -> dict[str, int]:
    """``{"params": ..., "macs": ...}`` of a registered architecture built at its default input size."""
    import keras

    import zoo

    model = zoo.get(name)
    stats = {"params": int(model.count_params()), "macs": int(count_macs(model))}
    del model
    keras.backend.clear_session()
    return stats


def _reference(card: dict) -> str:
    """The first reference metric of a model card, with its source, for the models table."""
    for metric, entry in (card.get("metrics") or {}).items():
        if isinstance(entry, dict) and "value" in entry:
            source = f" ({entry['source']})" if entry.get("source") else ""
            return f"{metric}: {entry['value']}{source}"
    return ""


def models_table(stats: dict[str, dict[str, int]]) -> str:
    """The markdown table of ``docs/models.md``: family, variant, input, params, GMACs, reference accuracy."""
    from zoo.registry import get_registry

    registry = get_registry()
    rows = ["| Family | Variant | Input | Params | GMACs | Reference accuracy (source) |",
            "|---|---|---|---:|---:|---|"]
    for name in sorted(registry.architectures, key=lambda n: (registry.architectures[n].family, n)):
        arch = registry.architectures[name]
        entry = stats.get(name)
        params = f"{entry['params']:,}" if entry else "n/a"
        gmacs = f"{entry['macs'] / 1e9:.4g}" if entry else "n/a"
        shape = "x".join(str(d) for d in arch.input_shape)
        rows.append(f"| {arch.family} | {name} | {shape} | {params} | {gmacs} | "
                    f"{_reference(registry.cards.get(name, {}))} |")
    return "\n".join(rows) + "\n"


DOC_HEADER = """# Models

Generated by `python -m zoo.stats --write` from the registered architectures; do not edit by hand.

Parameters are Keras' `count_params()` (batch-norm moving statistics included, as keras.applications
counts them) and MACs are multiply-accumulates of one forward pass of one image at the default input
size, both counted by `zoo.stats` from the built model. The reference accuracy is the published
number for the architecture (paper, keras.applications or torchvision documentation), given with its
source; it is not a measurement of weights shipped by the zoo unless the source says so.

"""


def write(names=None) -> dict[str, dict[str, int]]:
    """Recompute the stats of ``names`` (all registered architectures if None) and rewrite both files."""
    from zoo.registry import get_registry

    stats = json.loads(STATS_FILE.read_text()) if STATS_FILE.exists() else {}
    registered = set(get_registry().architectures)
    stats = {name: value for name, value in stats.items() if name in registered}
    for name in sorted(registered if names is None else names):
        try:
            stats[name] = model_stats(name)
        except Exception as error:  # one architecture that fails to build keeps its previous entry
            print(f"{name:24s} not counted: {type(error).__name__}: {error}", flush=True)
            continue
        print(f"{name:24s} {stats[name]['params']:>12,d} params {stats[name]['macs'] / 1e9:8.3f} GMACs", flush=True)
    STATS_FILE.write_text(json.dumps(dict(sorted(stats.items())), indent=1) + "\n")
    MODELS_DOC.parent.mkdir(exist_ok=True)
    MODELS_DOC.write_text(DOC_HEADER + models_table(stats))
    return stats


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m zoo.stats", description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help="architectures to count (default: all)")
    parser.add_argument("--write", action="store_true",
                        help=f"update {STATS_FILE.name} and docs/{MODELS_DOC.name} with the counts")
    parser.add_argument("--doc-only", action="store_true",
                        help=f"with --write: rewrite docs/{MODELS_DOC.name} from {STATS_FILE.name}, building nothing")
    args = parser.parse_args(argv)
    if args.write:
        write([] if args.doc_only else args.names or None)
        return 0
    from zoo.registry import get_registry

    for name in args.names or sorted(get_registry().architectures):
        stats = model_stats(name)
        print(f"{name:24s} {stats['params']:>12,d} params {stats['macs'] / 1e9:8.3f} GMACs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
