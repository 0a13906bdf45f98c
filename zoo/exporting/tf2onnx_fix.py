"""A workaround for tf2onnx keeping every superseded copy of a model's weights while it optimizes.

The bug (tf2onnx 1.17 with protobuf's upb runtime, the one TensorFlow 2.21 installs): after each of
its graph optimizers (a dozen, run until nothing changes, so some 36 runs) tf2onnx rewrites every
node's ``NodeProto`` from its attributes (``Node.update_proto``: ``del op.attribute[:]`` then
``op.attribute.extend(...)``). upb allocates a message's fields in an arena that only grows, and
appending the node's attribute messages fuses their arena with the ``NodeProto``'s, so the deleted
copies stay allocated as long as the node's proto or any of its attributes lives: each run keeps
one more copy of every constant, the weights included. A 28M-parameter ConvNeXt-T (106 MiB of weights) grew by
3.1 GiB while it was optimized; ConvNeXt-L and EfficientNetV2-L went past 24 GiB and were killed.

:func:`free_superseded_protos` wraps tf2onnx's optimizers so that after each run every node gets a
fresh ``NodeProto`` and fresh attributes holding only their current fields (the old ones, and
their arena, are freed):
ConvNeXt-T's optimization then grows by 0.8 GiB, the graph's live size. The ONNX file is the same
byte for byte. :func:`zoo.exporting.exporter.write_onnx` calls it before each conversion; it wraps
once. ``tests/test_export.py`` fails when tf2onnx or upb change the behaviour worked around here;
then this module can go. It is the only module of the zoo that reaches into tf2onnx's internals.
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
