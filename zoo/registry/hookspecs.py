"""The hooks a keras-zoo plugin implements.

A plugin is a module named by an entry point in the ``keras_zoo`` group. It
implements any of the hooks below with ``@zoo.hookimpl``. Registration hooks
only describe: they must not import TensorFlow or Keras (build functions do
that when a model is actually built).

Hook signatures only ever gain arguments; a plugin may declare any subset of
a hook's arguments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from zoo.records.architecture import Architecture
    from zoo.registry.store import Registrar

hookspec = pluggy.HookspecMarker("keras_zoo")


@hookspec
def zoo_register_architectures(registry: Registrar) -> None:
    """Register the plugin's architectures (the **build** hook).

    Called once, when the registry is first used; every implementation runs.

    :param registry: call ``registry.add_family(zoo.Family(...))`` once per family, or
        ``registry.add(zoo.Architecture(...))`` once per architecture (``override=True`` replaces one
        of the same name, with everything it brought).
    :return: nothing.
    """


@hookspec
def zoo_register_weights(registry: Registrar) -> None:
    """Register pretrained weight tags (the **pretrained-weights** hook).

    Called once, after every plugin has registered its architectures; every
    implementation runs. Any plugin may add tags to any architecture. The
    core's own implementation runs after every plugin's and adds only the
    user's tags: ``$ZOO_HOME/registry.yaml`` and the files named by ``ZOO_REGISTRY``.

    :param registry: call ``registry.add_weights(zoo.WeightTag(...))`` once per tag, or
        ``registry.add_catalog(path, section)`` for the tags, aliases and cards of a catalog file.
    :return: nothing.
    """


@hookspec(firstresult=True)
def zoo_training_recipe(architecture: Architecture) -> Any:
    """Return the default training recipe for ``architecture`` (the **training** hook).

    Stops at the first non-None result. When no plugin answers, the core answers with the
    architecture's own ``recipe`` (its implementation runs last); a plugin marked
    ``tryfirst=True`` answers before the owning plugin's, to override it.

    :param architecture: the registered :class:`zoo.Architecture`.
    :return: a ``zoo.TrainingRecipe``, or None to let another plugin answer.
    """


@hookspec(firstresult=True)
def zoo_hyperparameters(architecture: Architecture, hp: Any) -> dict | None:
    """Define the tuning search space of ``architecture`` (the **tuning** hook).

    Stops at the first non-None result. Called with a KerasTuner
    ``HyperParameters`` object; the implementation calls ``hp.Choice``,
    ``hp.Int``, ``hp.Float`` ... and returns the build arguments they give.
    With no values set, the defaults must build the default variant. When no
    plugin answers, the core answers with the architecture's own ``search_space``.

    :param architecture: the registered :class:`zoo.Architecture`.
    :param hp: a ``keras_tuner.HyperParameters``, already scoped to the architecture.
    :return: a dict of build arguments for ``zoo.get``, or None to let another plugin answer.
    """

hookimpl = pluggy.HookimplMarker("keras_zoo")
"""Marks a plugin's hook implementations: ``@zoo.hookimpl``."""
