"""The core's answers to the training and tuning hooks, read from an architecture's own data.

An :class:`zoo.Architecture` carries its ``recipe`` and ``search_space``; these
implementations of ``zoo_training_recipe`` and ``zoo_hyperparameters`` answer with
them. They run last (``trylast``), so any plugin that implements the hooks answers
first: that is how a plugin overrides another family's recipe or space.
"""

from __future__ import annotations

from zoo.registry.hookspecs import hookimpl


@hookimpl(trylast=True)
def zoo_training_recipe(architecture):
    """The architecture's ``recipe`` (None when it has none: the core then uses ``zoo.TrainingRecipe()``)."""
    return architecture.recipe


@hookimpl(trylast=True)
def zoo_hyperparameters(architecture, hp):
    """The build arguments the architecture's ``search_space`` chooses on ``hp`` (None when it has none)."""
    return architecture.space(hp)
