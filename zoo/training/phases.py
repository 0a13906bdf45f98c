"""Training in phases: the classifier head alone first, backbone frozen, then every layer.

A recipe with ``head_epochs`` fine-tunes as Keras' transfer-learning guide and timm's
fine-tuning scripts do: ``head_epochs`` epochs in which only the head learns (at ``head_lr``),
then the remaining epochs with every layer training (at ``lr``), each phase with a fresh
optimizer whose schedule spans that phase. ``zoo.train`` and ``zoo.hypermodel`` both train
through :func:`phases`.
"""

from __future__ import annotations

from dataclasses import dataclass

from zoo.records.recipes import TrainingRecipe


@dataclass(frozen=True)
class Phase:
    """Epochs ``start`` to ``until`` (exclusive) of a run, trained with ``recipe`` (its epochs: the phase's length).

    ``backbone_trainable`` is False for the head phase, True for the phase after it, and None when the
    recipe has no head phase (the layers' ``trainable`` flags are left as they are).
    """

    start: int
    until: int
    backbone_trainable: bool | None
    recipe: TrainingRecipe


def phases(recipe: TrainingRecipe) -> list[Phase]:
    """The phases of ``recipe``: one, or with ``head_epochs`` the head phase and then the rest.

    Example::

        >>> [(p.start, p.until, p.backbone_trainable, p.recipe.lr)
        ...  for p in phases(TrainingRecipe(epochs=5, lr=1e-4, head_epochs=2, head_lr=1e-2))]
        [(0, 2, False, 0.01), (2, 5, True, 0.0001)]
    """
    if not recipe.head_epochs:
        return [Phase(0, recipe.epochs, None, recipe)]
    head = recipe.override(lr=recipe.head_lr or recipe.lr, epochs=recipe.head_epochs, head_epochs=0)
    result = [Phase(0, recipe.head_epochs, False, head)]
    if recipe.epochs > recipe.head_epochs:
        rest = recipe.override(epochs=recipe.epochs - recipe.head_epochs, head_epochs=0)
        result.append(Phase(recipe.head_epochs, recipe.epochs, True, rest))
    return result


def finetune_fields(finetune: dict, epochs: int | None = None) -> dict:
    """Recipe fields for a search's tuned phases (``best.json``'s ``finetune``), ``epochs`` in all (default: both).

    Example::

        >>> finetune_fields({"head_epochs": 2, "head_lr": 0.005, "epochs": 3, "lr": 0.0001})
        {'epochs': 5, 'head_epochs': 2, 'head_lr': 0.005, 'lr': 0.0001}
    """
    total = epochs or finetune["head_epochs"] + finetune["epochs"]
    return {"epochs": total, "head_epochs": min(finetune["head_epochs"], total), "head_lr": finetune["head_lr"],
            "lr": finetune["lr"]}


def set_backbone_trainable(model, trainable: bool, classifier: tuple[str, ...]) -> None:
    """Freeze (or unfreeze) every layer but the classifier head: the layers ``classifier`` names (the
    architecture's, ``zoo.Architecture.classifier``), or the last layer of a model that has none of them."""
    names = {layer.name for layer in model.layers}
    head = set(classifier) & names or {model.layers[-1].name}
    for layer in model.layers:
        layer.trainable = trainable or layer.name in head
