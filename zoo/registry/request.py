"""What a door is asked for, resolved once: a name, a run or a weights file, to its architecture and identity.

Every door (``zoo.get``, ``zoo train``, ``zoo evaluate``, ``zoo predict``, ``zoo export``) resolves
the name it is given here, once, and passes the records down: nothing below asks the registry
for the same name again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from zoo.records.architecture import Architecture
from zoo.records.identity import CARD_NAME, DEFAULT_PREPROCESSING, ModelIdentity, card_at, from_card, from_tag
from zoo.registry.loader import get_registry


@dataclass(frozen=True)
class Request:
    """What a door was asked for, resolved once; the door fills in the rest and passes it down.

    :ivar architecture: the architecture the name resolved to.
    :ivar tag: the weight tag the name named (``"mnist5k"`` of ``"lenet5.mnist5k"``), or None.
    :ivar start: the identity of the weights the model starts from (None: fresh weights).
    :ivar identity: the identity of the model the door builds: its effective arguments, input shape, classes
        and preprocessing (None until the door has planned it).
    """

    architecture: Architecture
    tag: str | None = None
    start: ModelIdentity | None = None
    identity: ModelIdentity | None = None

    @property
    def arguments(self) -> dict:
        """The effective build arguments of the planned model."""
        return dict(self.identity.arguments)

    @property
    def input_shape(self) -> tuple:
        """The input shape of the planned model."""
        return self.identity.input_shape

    def planned(self, identity: ModelIdentity, start: ModelIdentity | None = None) -> "Request":
        """This request with the model it builds worked out (and the weights it starts from)."""
        return replace(self, identity=identity, start=start)


def resolve(name: str) -> Request:
    """The one look-up of a name in the registry: ``"resnet50"``, an alias, or ``"architecture.tag"``.

    Example::

        >>> resolve("lenet5.mnist5k").tag
        'mnist5k'
    """
    architecture, tag = get_registry().resolve(name)
    return Request(architecture, tag)


def locate(spec, weights=None) -> ModelIdentity:
    """The identity of what a door is given: a tag, an architecture and its weights file, or a run.

    :param spec: ``"architecture.tag"``; an architecture (its default tag, or with ``weights``);
        a run directory; a ``card.json``; or a weights file with its run's ``card.json`` beside it.
    :param weights: a weights file for an architecture ``spec`` (read with its ``card.json`` when
        ``zoo train`` wrote one beside it).
    :raises ValueError: the card names another architecture than ``spec``, or is not a card.

    Example::

        >>> locate("lenet5.mnist5k").preprocessing
        {'scale': 0.00392156862745098}
        >>> locate("runs/lenet5-mnist5k").dataset
        'mnist5k'
    """
    registry = get_registry()
    text = str(spec)
    found = card_at(spec) if (Path(text).exists() and ("/" in text or Path(text).suffix or Path(text).is_dir())) \
        else None
    if found is not None:
        if weights is not None:
            raise ValueError(f"{text} is a run: pass either it or NAME --weights FILE, not both")
        card, data = found
        arch, _ = registry.resolve(data["architecture"])
        return from_card(data, arch, str(card))
    if Path(text).is_dir():
        raise ValueError(f"{text} is a directory without a {CARD_NAME}: not a run directory written by zoo train")
    arch, tag = registry.resolve(text)
    if weights is not None:
        path = Path(weights).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"--weights {str(weights)!r}: no such file")
        found = card_at(path)
        if found is not None:
            beside, card = found
            recorded = from_card(card, arch, str(beside))
            if recorded.architecture != arch.name:
                raise ValueError(f"{path} was trained as {recorded.architecture!r} (its {beside}), not {arch.name!r}")
            return recorded.replace(weights=path)
        if tag:  # the tag's model, with another file of weights
            return from_tag(registry.weights[f"{arch.name}.{tag}"], arch).replace(tag=None, hash=None, weights=path)
        # no card: the zoo's convention for its own runs, uint8 pixels scaled to 0..1
        return ModelIdentity(architecture=arch.name, arguments=dict(arch.defaults), num_classes=arch.num_classes,
                             input_shape=arch.input_shape, weights=path,
                             preprocessing=DEFAULT_PREPROCESSING if arch.task == "image-classification" else {})
    if tag is None:
        tags = registry.tags_for(arch.name)
        raise ValueError(f"{text!r} is an architecture without weights: pass --weights FILE, a run directory, or a "
                         f"weight tag such as {', '.join(t.name for t in tags) or 'ARCH.TAG'}")
    return from_tag(registry.weights[f"{arch.name}.{tag}"], arch)
