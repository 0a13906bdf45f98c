"""Parameter and multiply-accumulate (MAC) counts of built models, and the data files that hold them.

:func:`count_macs` is the one place that counts MACs, from the layers of a built
Keras model. ``zoo stats --plugin NAME --write`` (:func:`write_stats`) builds every
architecture of a plugin at its default input size and writes the counts into
``model_stats.json`` in the plugin's own package, which ``zoo list`` and ``zoo info``
read without importing TensorFlow (the built-in plugins' file is
``zoo_plugins/model_stats.json``).

Example::

    >>> model = zoo.get("resnet50")
    >>> count_macs(model) / 1e9
    3.858
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import zoo
from zoo.files import atomic_json
from zoo.registry.loader import STATS_FILE, get_registry, plugin_directory


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


    model = zoo.get(name)
    stats = {"params": int(model.count_params()), "macs": int(count_macs(model))}
    del model
    keras.backend.clear_session()
    return stats


def write_stats(plugin: str, names=None) -> Path:
    """Count the architectures a plugin registered (``names``: some of them) and write them into its
    package's ``model_stats.json``, which ``zoo list`` and ``zoo info`` read without TensorFlow.

    :param plugin: the plugin's entry-point name (``zoo plugins`` lists them).
    :return: the file written.
    :raises ValueError: no such plugin, a plugin that is a single module (it needs a package for its
        data file), or a name it did not register.

    Example::

        >>> write_stats("alexnet")
        PosixPath('.../site-packages/zoo_alexnet/model_stats.json')
    """

    registry = get_registry()
    info = next((p for p in registry.plugins if p.name == plugin), None)
    if info is None:
        raise ValueError(f"plugin={plugin!r} is not a loaded plugin; loaded: "
                         f"{', '.join(p.name for p in registry.plugins) or 'none'} (zoo plugins)")
    directory = plugin_directory(info)
    if directory is None:
        raise ValueError(f"plugin {plugin!r} ({info.value}) is a single module: make it a package so that its "
                         f"{STATS_FILE} has a place beside its code")
    owned = [name for name, owner in registry.owners.items() if owner.name == plugin]
    unknown = sorted(set(names or ()) - set(owned))
    if unknown:
        raise ValueError(f"{unknown[0]!r} is not an architecture of plugin {plugin!r}; it has {', '.join(owned)}")
    path = directory / STATS_FILE
    stats = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    stats = {name: value for name, value in stats.items() if name in registry.architectures}
    for name in sorted(names or owned):
        stats[name] = model_stats(name)
        print(f"{name:24s} {stats[name]['params']:>12,d} params {stats[name]['macs'] / 1e9:8.3f} GMACs", flush=True)
    atomic_json(path, dict(sorted(stats.items())))
    return path
