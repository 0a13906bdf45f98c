"""What a door is asked for, resolved once: a name, a run or a weights file, to its architecture and identity.

Every door (``zoo.get``, ``zoo train``, ``zoo evaluate``, ``zoo predict``, ``zoo export``) resolves
the name it is given here, once, and passes the records down: nothing below asks the registry
for the same name again.
"""

from __future__ import annotations

from pathlib import Path

from zoo.records.identity import (CARD_NAME, DEFAULT_PREPROCESSING, ModelIdentity, card_path, from_card, from_tag,
                                  read_card)
from zoo.registry.loader import get_registry


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
    card = card_path(spec) if (Path(text).exists() and ("/" in text or Path(text).suffix or Path(text).is_dir())) \
        else None
    if card is not None:
        if weights is not None:
            raise ValueError(f"{text} is a run: pass either it or NAME --weights FILE, not both")
        data = read_card(card)
        arch, _ = registry.resolve(data["architecture"])
        return from_card(data, arch, str(card))
    if Path(text).is_dir():
        raise ValueError(f"{text} is a directory without a {CARD_NAME}: not a run directory written by zoo train")
    arch, tag = registry.resolve(text)
    if weights is not None:
        path = Path(weights).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"--weights {str(weights)!r}: no such file")
        beside = card_path(path)
        if beside is not None:
            recorded = from_card(read_card(beside), arch, str(beside))
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
