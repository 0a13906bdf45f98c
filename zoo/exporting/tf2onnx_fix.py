"""Workarounds for two tf2onnx faults that make large models need more memory than a machine has.

**Superseded copies kept while optimizing.**

The bug (tf2onnx 1.17 with protobuf's upb runtime, the one TensorFlow 2.21 installs): after each of
its graph optimizers (a dozen, run until nothing changes, so some 36 runs) tf2onnx rewrites every
node's ``NodeProto`` from its attributes (``Node.update_proto``: ``del op.attribute[:]`` then
``op.attribute.extend(...)``). upb allocates a message's fields in an arena that only grows, and
appending the node's attribute messages fuses their arena with the ``NodeProto``'s, so the deleted
copies stay allocated as long as the node's proto or any of its attributes lives: each run keeps
one more copy of every constant, the weights included. A 28M-parameter ConvNeXt-T (106 MiB of
weights) grew by 3.1 GiB while it was optimized; ConvNeXt-L and EfficientNetV2-L went past 24 GiB
and were killed.

:func:`free_superseded_protos` wraps tf2onnx's optimizers so that after each run every node gets a
fresh ``NodeProto`` and fresh attributes holding only their current fields (the old ones, and their
arena, are freed): ConvNeXt-T's optimization then grows by 0.8 GiB, the graph's live size. The ONNX
graph is the same (the same operators in the same order, the same initializers).
:func:`zoo.exporting.exporter.write_onnx` calls it before each conversion; it wraps once.

**A large-model mode that cannot be used.** tf2onnx's ordinary conversion freezes the graph with every
weight copied into it several times (some 20 times the weights at its peak, even with the fix above:
ConvNeXt-XL would need 31 GiB). Its ``large_model=True`` mode keeps the weights out of the graph while it
freezes and converts (7 times the weights), but it writes a zip of external tensors rather than an
``.onnx`` file, and it fails under NumPy 2 (``np.product`` in ``tf2onnx/graph.py``, line 105, where it
moves the tensors out). :func:`convert_without_weight_copies` runs the steps of that mode and makes an
ordinary model with the tensors inside; the exporter uses it for a model whose ordinary conversion would
not fit in memory.

``tests/test_export.py`` fails when tf2onnx or upb change the behaviours worked around here; then this
module can go. It is the only module of the zoo that reaches into tf2onnx's internals.
"""

from __future__ import annotations

WRAPPED = "_zoo_frees_superseded_protos"  # marks a wrapped optimizer factory


def free_superseded_protos() -> None:
    """Make each of tf2onnx's graph optimizers leave every node a fresh ``NodeProto`` (see the module's text)."""
    from tf2onnx import optimizer

    registered = optimizer._get_optimizers()
    for name, factory in list(registered.items()):
        if not getattr(factory, WRAPPED, False):
            registered[name] = _freeing(factory)


def _freeing(factory):
    """``factory`` (an optimizer class), whose instances refresh the graph's node protos after optimizing."""

    class Freeing(factory):
        def optimize(self, graph, iteration):
            graph = super().optimize(graph, iteration)
            _refresh(graph)
            return graph

    Freeing.__name__ = Freeing.__qualname__ = factory.__name__
    setattr(Freeing, WRAPPED, True)
    return Freeing


def _refresh(graph) -> None:
    """Give every node of ``graph`` and of its subgraphs copies of its ``NodeProto`` and attributes in new arenas."""
    for node in graph.get_nodes():
        node._op = _copy(node._op)
        node._attr = {name: _copy(attribute) for name, attribute in node._attr.items()}
        for body in (node.get_body_graphs() or {}).values():
            _refresh(body)


def _copy(message):
    """``message`` copied into a new message of its own (and so a new arena)."""
    fresh = type(message)()
    fresh.CopyFrom(message)
    return fresh


def convert_without_weight_copies(function, input_signature: list, opset: int):
    """The ONNX model of ``function`` made by tf2onnx's large-model steps, with its tensors inside.

    What ``tf2onnx.convert.from_function(function, input_signature, opset=opset)`` returns, converted by
    way of ``large_model=True`` (see the module's text): the weights are kept out of the graph while it is
    frozen, converted and optimized. The model must stay under protobuf's 2 GiB.
    """
    import tensorflow as tf
    from tf2onnx import optimizer, tf_loader
    from tf2onnx.convert import tensor_names_from_structed
    from tf2onnx.tf_utils import compress_graph_def
    from tf2onnx.tfonnx import process_tf_graph

    concrete = function.get_concrete_function(*input_signature)
    inputs = [tensor.name for tensor in concrete.inputs if tensor.dtype != tf.dtypes.resource]
    outputs = [tensor.name for tensor in concrete.outputs if tensor.dtype != tf.dtypes.resource]
    renamed = tensor_names_from_structed(concrete, inputs, outputs)
    with tf.device("/cpu:0"):
        frozen = tf_loader.from_function(concrete, inputs, outputs, large_model=True)
        with tf.Graph().as_default() as graph:
            values = compress_graph_def(frozen)  # the weights, out of the graph
            tf.import_graph_def(frozen, name="")
            del frozen
            converted = process_tf_graph(graph, continue_on_error=True, opset=opset, input_names=inputs,
                                         output_names=outputs, const_node_values=values, tensors_to_rename=renamed)
        del values
        # as tf2onnx's large-model mode does: an optimizer that fails is an error (a copy of the graph to
        # fall back on would be one more copy of the weights)
        converted = optimizer.optimize_graph(converted, catch_errors=False)
        return converted.make_model(f"converted from {concrete.name}")
