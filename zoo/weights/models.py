"""Building models: :func:`get` validates the arguments, then calls the plugin's build function."""

from __future__ import annotations

from zoo.records.architecture import Architecture
from zoo.registry.arguments import build_arguments
from zoo.registry.request import resolve
from zoo.weights.pretrained import build_pretrained


def get(name: str, *, pretrained=False, num_classes=None, input_shape=None, in_channels=None,
        include_top=True, pooling=None, **arch_kwargs):
    """Build a registered architecture as a ``keras.Model``.

    :param name: an architecture (``"resnet50"``), an alias, or ``"architecture.tag"``.
    :param pretrained: False; True for the default weight tag; a tag name; or a local weights file.
    :param num_classes: classifier size (the architecture's default if None; with weights, the tag's).
    :param input_shape: e.g. ``(32, 32, 3)``; height and width down to the architecture's minimum.
    :param in_channels: number of input channels (1 for grayscale), overriding ``input_shape``'s.
    :param include_top: keep the classifier.
    :param pooling: ``None``, ``"avg"`` or ``"max"`` on the last feature map when ``include_top=False``.
    :param arch_kwargs: the architecture's own arguments (``zoo.info(name).arguments`` lists them).
        With pretrained weights, an argument that changes what the weights mean must equal the
        tag's (a ValueError otherwise, before anything is downloaded).
    :return: a ``keras.Model``.

    Example::

        >>> model = zoo.get("resnet50", num_classes=10, input_shape=(64, 64, 3))
        >>> model = zoo.get("lenet5", activation="relu")
        >>> model = zoo.get("lenet5.mnist5k", pretrained=True, num_classes=3)  # a new head on MNIST weights
    """
    request = resolve(name)
    requested = dict(num_classes=num_classes, input_shape=input_shape, in_channels=in_channels,
                     include_top=include_top, pooling=pooling, **arch_kwargs)
    if pretrained:
        return build_pretrained(request.architecture, request.tag, pretrained, requested)
    return build_fresh(request.architecture, requested)


def build_fresh(arch: Architecture, requested: dict):
    """``arch`` built with fresh weights: the requested arguments checked and completed, then the plugin's builder."""
    return arch.build_fn()(**build_arguments(arch, **requested))
