"""What a plugin registers: :class:`Architecture`, and :class:`Family`, a table of variants of one.

An architecture carries what the core needs to know about it, as data: how to
build it and what it accepts, which of its layers are the first convolution and
the classifier (for :mod:`zoo.weights.adapt` and fine-tuning in phases), its feature
stages (:class:`Stage`: timm's ``feature_info``), its training recipe, its tuning
search space, its reference metrics and its model card. A family registers all
its variants in one call: ``registry.add_family(FAMILY)``.

Every field has its meaning in the dataclass (``docs/generate.py`` writes the API
reference's tables from it).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping, Union

from zoo.records.fields import documented
from zoo.records.recipes import TrainingRecipe

TASKS = ("image-classification", "text-classification")
# Arguments of every image architecture that do not change what its weights mean: a model built with
# other values than a weight tag's still fits the tag's file.
HEAD_ARGUMENTS = ("dropout", "classifier_activation", "features", "out_indices")
CLASSIFIER = ("predictions", "head_dropout")  # the layers zoo.layers.heads.classifier makes

BuildFn = Callable[..., Any]
# source -> ("module:function" naming each Keras layer's PyTorch module, build arguments of that layout)
Converters = Mapping[str, tuple[str, Mapping[str, Any]]]


def load_reference(reference: str):
    """The object a lazy ``"module:function"`` reference names, importing its module.

    Example::

        >>> load_reference("zoo_plugins.nets.lenet:build_lenet")
        <function build_lenet at 0x...>
    """
    module, _, attr = reference.partition(":")
    return getattr(importlib.import_module(module), attr)


@dataclass(frozen=True)
class Stage:
    """One feature stage of an image architecture: the layer that ends it, its channels, its reduction.

    ``reduction`` is the stage's stride relative to the input (4: a 224x224 image gives a 56x56 map,
    up to the padding of 'valid' convolutions). ``zoo.get(name, include_top=False, features=True)``
    returns the stages' outputs, shallowest first; ``out_indices`` picks some by position.
    An architecture declares them for its default arguments (the conformance kit checks them).

    Example::

        >>> zoo.info("resnet50").stages[0]
        {'layer': 'conv2_block3_out', 'channels': 256, 'reduction': 4}
    """

    layer: str = documented("the name of the layer whose output ends the stage (`conv2_block3_out`)")
    channels: int = documented("its channels at the architecture's default arguments")
    reduction: int = documented("its stride relative to the input (1, 2, 4, ... 32)")

    def __post_init__(self):
        if not isinstance(self.layer, str) or not self.layer:
            raise ValueError(f"Stage layer={self.layer!r} must be a layer name")
        for name in ("channels", "reduction"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"Stage {self.layer!r}: {name}={value!r} must be a positive integer")


def as_stages(stages, where: str) -> tuple[Stage, ...]:
    """``stages`` (:class:`Stage` records or ``(layer, channels, reduction)`` tuples) as Stage records, checked:
    distinct layers, reductions that never fall."""
    records = []
    for stage in stages:
        if not isinstance(stage, Stage):
            if not (isinstance(stage, (tuple, list)) and len(stage) == 3):
                raise ValueError(f"{where}: stage {stage!r} must be a Stage or (layer name, channels, reduction)")
            stage = Stage(*stage)
        records.append(stage)
    layers = [s.layer for s in records]
    if len(set(layers)) != len(layers):
        raise ValueError(f"{where}: stages name layer {next(n for n in layers if layers.count(n) > 1)!r} twice")
    reductions = [s.reduction for s in records]
    if reductions != sorted(reductions):
        raise ValueError(f"{where}: stages {layers} have reductions {reductions}: list them shallowest first")
    return tuple(records)


@dataclass(frozen=True)
class Architecture:
    """An architecture a plugin offers: its name, how to build it, what it accepts and what it is.

    Registration is data only; ``build`` (and ``search_space``) may be lazy ``"module:function"``
    references so that registering never imports TensorFlow or Keras.

    The core calls ``build(num_classes=..., input_shape=..., include_top=..., pooling=...,
    **arguments)``, where ``arguments`` are ``defaults`` updated by what the user passed (an
    argument not in ``defaults`` is refused) and ``input_shape`` already has ``in_channels`` folded
    in. The classifier ends in ``classifier_activation`` (softmax by default: probabilities; None:
    logits).

    ``converters`` says which PyTorch checkpoints convert into the architecture
    (:mod:`zoo.weights.convert`): for each source (``"torchvision"``, ``"timm"``), a lazy
    ``"module:function"`` that takes the build arguments and returns
    ``{Keras layer name: PyTorch module name}``, and the build arguments of the
    source's layout (``{"bn_epsilon": 1e-5}``), which must be in ``defaults``.

    Example::

        registry.add(zoo.Architecture(
            name="lenet5", family="lenet", build="zoo_plugins.nets.lenet:build_lenet",
            defaults={"activation": "tanh", "subsampling": "avg"}, input_shape=(32, 32, 1),
            min_input_size=28, num_classes=10, first_conv="conv1",
        ))
    """

    name: str = documented("the registered name, lower-case letters, digits and underscores (`resnet50`)")
    family: str = documented("the family it belongs to (`resnet`): its variants share a builder and a recipe")
    build: Union[BuildFn, str] = documented("the builder: a callable, or a lazy `\"module:function\"` reference, "
                                      "imported when a model is built")
    task: str = documented(f"one of {', '.join(TASKS)}", default="image-classification")
    defaults: Mapping[str, Any] = documented("the architecture's own build arguments and their defaults; only these "
                                       "may be passed (`zoo.get(name, **arguments)`)", default_factory=dict)
    input_shape: tuple = documented("the default input shape, channels last, no batch axis", default=(224, 224, 3))
    min_input_size: int | None = documented("the smallest height and width it takes (None: any)", default=32)
    num_classes: int = documented("the default number of classes", default=1000)
    stages: tuple = documented("its feature stages, shallowest first: `Stage` records or (layer name, channels, "
                               "reduction) tuples, at its default arguments; image architectures with "
                               "`features` in defaults declare them", default=())
    supports_features: bool | None = documented("whether `features=True` gives the feature map of every stage; "
                                          "None: whether `features` is in `defaults` (it must be, to be True)",
                                          default=None)
    any_input_size: bool = documented("whether it is built at any input size down to `min_input_size` "
                                "(False: only `input_shape`'s)", default=True)
    free_arguments: tuple[str, ...] = documented("arguments besides dropout, classifier_activation and features that "
                                           "do not change what weights mean, so they may differ from a tag's",
                                           default=())
    initializer_arguments: tuple[str, ...] = documented("arguments that only set initial values (pretrained word "
                                                  "vectors): free, and a run's card records their default",
                                                  default=())
    first_conv: str | None = documented("the layer whose kernel `zoo.weights.adapt` fits to another number of input channels "
                                  "(timm's `first_conv`); None: in_channels other than the weights' is refused",
                                  default=None)
    classifier: tuple[str, ...] = documented("the classifier head's layers (timm's `classifier`): fresh when "
                                       "num_classes differs from the weights', and the only ones training in "
                                       "a fine-tuning head phase", default=CLASSIFIER)
    recipe: TrainingRecipe | None = documented("how it trains (the `zoo_training_recipe` hook answers with it unless "
                                         "a plugin answers first); None: `zoo.TrainingRecipe()`", default=None)
    search_space: Union[Callable, str, None] = documented("its tuning search space: `space(hp, architecture)` "
                                                    "returning build arguments, or `\"module:function\"`; the "
                                                    "`zoo_hyperparameters` hook answers with it", default=None)
    metrics: Mapping[str, Any] = documented("published reference metrics, `{metric: {value: ..., source: ...}}`",
                                      default_factory=dict)
    paper: str = documented("the paper it comes from", default="")
    description: str = documented("one sentence on what it is", default="")
    license: str = documented("the license of the architecture's code or definition, if it has its own", default="")
    converters: Converters = documented("the PyTorch checkpoints that convert into it (`zoo weights import --from`): "
                                        "source -> (`\"module:function\"` giving each Keras layer's PyTorch module, "
                                        "the build arguments of that source's layout)", default_factory=dict)
    stochastic_depth: str | None = documented("the build argument that sets the stochastic-depth rate of its blocks "
                                              "(`drop_path_rate`), which a recipe's `stochastic_depth` sets; None: "
                                              "its blocks have none", default=None)

    def __post_init__(self):
        if not self.name or not self.name.replace("_", "").isalnum() or self.name != self.name.lower():
            raise ValueError(
                f"Architecture name={self.name!r} must be lower-case letters, digits and underscores"
            )
        if self.task not in TASKS:
            raise ValueError(f"Architecture {self.name!r}: task={self.task!r} must be one of {TASKS}")
        for name in ("build", "search_space"):
            value = getattr(self, name)
            if not (callable(value) or (isinstance(value, str) and ":" in value)
                    or (name == "search_space" and value is None)):
                raise ValueError(
                    f"Architecture {self.name!r}: {name}={value!r} must be a callable or 'module:function'"
                )
        object.__setattr__(self, "defaults", dict(self.defaults))
        object.__setattr__(self, "input_shape", tuple(self.input_shape))
        object.__setattr__(self, "metrics", dict(self.metrics))
        for name in ("free_arguments", "initializer_arguments"):
            names = tuple(getattr(self, name))
            unknown = [n for n in names if n not in self.defaults]
            if unknown:
                raise ValueError(f"Architecture {self.name!r}: {name} names {unknown[0]!r}, which is not in defaults")
            object.__setattr__(self, name, names)
        if self.stochastic_depth is not None and self.stochastic_depth not in self.free_arguments:
            raise ValueError(f"Architecture {self.name!r}: stochastic_depth={self.stochastic_depth!r} must be one of "
                             f"its free_arguments {self.free_arguments} (a rate of training, not of the weights)")
        object.__setattr__(self, "classifier", tuple(self.classifier))
        object.__setattr__(self, "stages", as_stages(self.stages, f"Architecture {self.name!r}"))
        declared = "features" in self.defaults
        if self.stages and (not declared or self.task != "image-classification"):
            raise ValueError(f"Architecture {self.name!r}: stages are declared but 'features' is not in defaults "
                             "(or it is not an image architecture): the stages are what features=True returns")
        if self.supports_features is None:
            object.__setattr__(self, "supports_features", declared)
        elif bool(self.supports_features) != declared:
            raise ValueError(f"Architecture {self.name!r}: supports_features={self.supports_features!r} but "
                             f"'features' is {'' if declared else 'not '}in defaults: features=True is an "
                             "argument the builder takes; put it in defaults (and leave supports_features out)")
        if self.recipe is not None and not isinstance(self.recipe, TrainingRecipe):
            raise ValueError(f"Architecture {self.name!r}: recipe={self.recipe!r} must be a zoo.TrainingRecipe")
        converters = {}
        for source, spec in dict(self.converters).items():
            names, layout = spec if isinstance(spec, (tuple, list)) and len(spec) == 2 else (None, None)
            if not (isinstance(names, str) and ":" in names and isinstance(layout, Mapping)):
                raise ValueError(f"Architecture {self.name!r}: converters[{source!r}]={spec!r} must be "
                                 "('module:function', {build arguments of the layout})")
            unknown = sorted(set(layout) - set(self.defaults))
            if unknown:
                raise ValueError(f"Architecture {self.name!r}: converters[{source!r}] sets {unknown[0]}, "
                                 f"which is not in its defaults: {', '.join(sorted(self.defaults))}")
            converters[source] = (names, dict(layout))
        object.__setattr__(self, "converters", converters)

    def is_free(self, argument: str) -> bool:
        """Whether ``argument`` may differ from a weight tag's (it does not change what the weights mean)."""
        return argument in HEAD_ARGUMENTS or argument in self.free_arguments or argument in self.initializer_arguments

    def build_fn(self) -> BuildFn:
        """The build callable, importing a lazy ``"module:function"`` reference on first use."""
        return _resolve(self.build)

    def space(self, hp) -> dict | None:
        """The build arguments its search space chooses on ``hp`` (None when it has no search space)."""
        if self.search_space is None:
            return None
        return _resolve(self.search_space)(hp, self)


def _resolve(reference):
    return reference if callable(reference) else load_reference(reference)


@dataclass(frozen=True)
class Family:
    """A family of architectures as a timm family file has them: one base architecture, a table of variants.

    ``base`` is an :class:`Architecture` with everything the variants share (builder, defaults,
    input, first convolution, classifier, recipe, search space, paper, description); each entry of
    ``variants`` is a variant's name and the build arguments it changes; ``metrics`` gives each
    variant's published metrics, ``{variant: {metric: {value: ..., source: ...}}}``.
    ``stages`` gives the feature stages of the variants whose stages differ from the base's.
    ``registry.add_family(family)`` registers one architecture per variant.

    Example::

        RESNET = zoo.Family(
            base=zoo.Architecture(name="resnet50", family="resnet", build=BUILD, defaults=DEFAULTS,
                                  first_conv="conv1_conv", recipe=RECIPE, search_space=space),
            variants={"resnet18": {"block": "basic", "depths": (2, 2, 2, 2)}, "resnet50": {}},
            metrics={"resnet50": {"imagenet_top1": {"value": 74.9, "source": KERAS_DOCS}}},
        )
    """

    base: Architecture = documented("what every variant shares (its name is the default variant's)")
    variants: Mapping[str, Mapping[str, Any]] = documented("variant name -> the build arguments it changes")
    metrics: Mapping[str, Mapping[str, Any]] = documented("variant name -> its published metrics", default_factory=dict)
    stages: Mapping[str, tuple] = documented("variant name -> its feature stages, where they differ from the "
                                             "base's (other layer names or channels)", default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.base, Architecture):
            raise ValueError(f"Family base={self.base!r} must be a zoo.Architecture")
        for name, arguments in self.variants.items():
            unknown = sorted(set(arguments) - set(self.base.defaults))
            if unknown:
                raise ValueError(f"Family {self.base.family!r}: variant {name!r} sets {unknown[0]!r}, which is not "
                                 f"an argument in the base's defaults ({', '.join(sorted(self.base.defaults))})")
        for field_name in ("metrics", "stages"):
            unknown = sorted(set(getattr(self, field_name)) - set(self.variants))
            if unknown:
                raise ValueError(f"Family {self.base.family!r}: {field_name} for {unknown[0]!r}, which is not a variant")

    def architectures(self) -> list[Architecture]:
        """One architecture per variant, in the table's order."""
        return [replace(self.base, name=name, defaults={**self.base.defaults, **arguments},
                        metrics={**self.base.metrics, **self.metrics.get(name, {})},
                        stages=self.stages.get(name, self.base.stages))
                for name, arguments in self.variants.items()]
