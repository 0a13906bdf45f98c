"""The training driver: :func:`train` (``zoo train``) and :func:`fit`, the one training loop of the zoo.

:func:`train` works out the :class:`zoo.records.identity.ModelIdentity` of the model to train
(architecture, effective arguments, input shape, classes, preprocessing, the tag it
starts from) before anything is built, checks it against a run directory it resumes,
builds the model, then calls :func:`fit`. :func:`fit` is also what every tuning trial
runs (:mod:`zoo.tuning.hypermodel`): the recipe's phases, schedule and early stopping, the
input pipeline (:mod:`zoo.datasets.pipeline`), a checkpoint every epoch in the run directory
(:mod:`zoo.training.runs`) so that the same call resumes after a crash, the best weights, the
test metrics, ``curves.png`` and the run's card.
"""

from __future__ import annotations

import contextlib
import platform
import sys
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from zoo.checks import check_choice
from zoo.datasets import pipeline as inputs
from zoo.datasets.augment import Augmentation, pixel_augmentations
from zoo.datasets.pipeline import model_input_shape
from zoo.datasets.sources import as_dataset, check_labels
from zoo.files import atomic_json, confined, file_hash, storage
from zoo.plots import curves
from zoo.records.architecture import CLASSIFIER
from zoo.records.identity import (CARD_VERSION, DEFAULT_PREPROCESSING, ModelIdentity, effective_arguments,
                                  recorded_arguments)
from zoo.records.recipes import TrainingRecipe
from zoo.registry.arguments import build_arguments
from zoo.registry.loader import get_registry
from zoo.registry.request import Request, resolve
from zoo.training.distributed import STRATEGIES, fit_multi_worker, is_multi_worker, make_strategy, worker_index
from zoo.training.phases import phases, set_backbone_trainable
from zoo.weights.io import load_weights, save_weights
from zoo.weights.models import build_fresh
from zoo.weights.pretrained import build, plan, pretrained_identity

PRECISIONS = ("auto", "float32", "mixed_float16", "mixed_bfloat16")
MAX_STEPS_PER_EXECUTION = 32  # steps run per call into the compiled graph; fewer Python round trips


@dataclass
class TrainResult:
    """What :func:`train` returns: the trained model, its history and test metrics, and where it all is."""

    model: Any
    history: dict[str, list[float]]
    metrics: dict[str, float]
    run_dir: Path
    weights: Path
    card: Path
    recipe: TrainingRecipe
    identity: ModelIdentity
    epochs_run: int = 0  # epochs trained by this call (fewer than recipe.epochs after a resume)


def recipe_for(architecture) -> TrainingRecipe:
    """The architecture's recipe from the ``zoo_training_recipe`` hook, or the default recipe."""
    if architecture is None:
        return TrainingRecipe()
    recipe = get_registry().manager.hook.zoo_training_recipe(architecture=architecture)
    return recipe if recipe is not None else TrainingRecipe()


def resolve_recipe(architecture, recipe=None, **overrides) -> TrainingRecipe:
    """The recipe a run uses: ``recipe`` (a TrainingRecipe or a dict of fields) or the architecture's,
    with ``overrides`` applied (None values ignored, unknown fields a ValueError)."""
    if recipe is None:
        recipe = recipe_for(architecture)
    elif isinstance(recipe, dict):
        recipe = recipe_for(architecture).override(**recipe)
    elif not isinstance(recipe, TrainingRecipe):
        raise ValueError(f"recipe of type {type(recipe).__name__} is not allowed: pass a zoo.TrainingRecipe or a dict")
    return recipe.override(**overrides)


BFLOAT16_CAPABILITY = (8, 0)  # NVIDIA Ampere (A100) and later (H100, H200) compute bfloat16 natively


def auto_precision(capability: tuple[int, int] | None) -> str:
    """What ``precision="auto"`` trains in on a device: ``float32`` without a GPU (``capability`` None),
    ``mixed_bfloat16`` on a GPU of compute capability 8.0 or later (float32's range, no loss scaling),
    ``mixed_float16`` on older GPUs.

    Example::

        >>> auto_precision(None), auto_precision((7, 0)), auto_precision((9, 0))
        ('float32', 'mixed_float16', 'mixed_bfloat16')
    """
    if capability is None:
        return "float32"
    return "mixed_bfloat16" if tuple(capability) >= BFLOAT16_CAPABILITY else "mixed_float16"


def gpu_capability(backend: str) -> tuple[int, int] | None:
    """The compute capability of the first GPU the Keras ``backend`` sees (asking that backend's own library,
    so that JAX never starts TensorFlow), or None without one."""
    if backend == "jax":
        import jax

        gpus = [d for d in jax.devices() if d.platform == "gpu"]
        if not gpus:
            return None
        major, _, minor = str(getattr(gpus[0], "compute_capability", "0.0")).partition(".")  # "9.0" on an H100
        return int(major), int(minor or 0)
    if backend == "torch":
        import torch

        return tuple(torch.cuda.get_device_capability(0)) if torch.cuda.is_available() else None
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return None
    return tuple(tf.config.experimental.get_device_details(gpus[0]).get("compute_capability") or (0, 0))


def resolve_precision(precision: str) -> str:
    """``"auto"`` is :func:`auto_precision` of the GPU the Keras backend sees; any other choice is itself."""
    check_choice("precision", precision, PRECISIONS)
    if precision != "auto":
        return precision
    import keras

    return auto_precision(gpu_capability(keras.backend.backend()))


@contextlib.contextmanager
def dtype_policy(name: str):
    """Build models under the Keras dtype policy ``name``, restoring the previous one after."""
    import keras

    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def fit_input_shape(architecture, data_shape: tuple) -> tuple:
    """The input shape to build an image model with for data of ``data_shape``: the data's own size
    when the architecture takes it, else the architecture's default size; always the data's channels."""
    if len(data_shape) != 3:
        raise ValueError(f"data has examples of shape {tuple(data_shape)}: {architecture.name} takes images of "
                         f"(height, width, channels), e.g. {architecture.input_shape}")
    height, width, channels = data_shape
    minimum = architecture.min_input_size or 1
    if architecture.any_input_size and None not in (height, width) and min(height, width) >= minimum:
        return (height, width, channels)
    return (*architecture.input_shape[:2], channels)


def uint8_images(dataset) -> bool:
    """Whether the dataset's images are uint8 pixels (the pipeline then applies the model's preprocessing)."""
    train = dataset.train
    dtype = train[0].dtype if isinstance(train, tuple) else train.element_spec[0].dtype
    return getattr(dtype, "name", str(dtype)) == "uint8"


def takes_raw_pixels(architecture, arguments: dict) -> bool:
    """Whether an image model rescales its own pixels (keras.applications' ``include_preprocessing=True``:
    EfficientNet, EfficientNetV2, MobileNetV3, ConvNeXt), so that 0..255 pixels go in as they are."""
    return architecture.task == "image-classification" and bool(arguments.get("include_preprocessing"))


def plan_request(request: Request, dataset, *, pretrained=False, model_args: dict | None = None) -> Request:
    """The request of ``zoo.train(name, dataset, ...)`` with the identity of the model it trains (and of the
    weights it starts from), worked out before anything is built.

    From scratch: the architecture's defaults updated by ``model_args``, the data's classes and
    (when the architecture takes it) size, and the pipeline's ``/255`` for uint8 images. From
    weights (``name`` a tag, or ``pretrained``): the weights' identity with the data's classes, its
    preprocessing, and ``pretrained`` naming the tag; arguments contradicting the weights are a
    ValueError here, before anything is downloaded.
    """

    architecture, tag = request.architecture, request.tag
    kwargs = dict(model_args or {})
    kwargs.setdefault("num_classes", dataset.num_classes)
    image_data = dataset.task == "image-classification"
    if architecture.task == "text-classification" and "include_preprocessing" in architecture.defaults \
            and dataset.task == "text-classification" and dataset.input_shape == ():
        kwargs.setdefault("include_preprocessing", True)  # raw strings: the model brings its vectorizer
    pixels = image_data and uint8_images(dataset)  # scaled to 0..1, unless the model takes raw pixels
    source = f"zoo train {architecture.name}{'.' + tag if tag else ''} --data {dataset.name}"
    if pretrained or tag:
        start = pretrained_identity(architecture, tag, pretrained or True, kwargs)
        _, built = plan(start, kwargs)
        return request.planned(start=start, identity=built.replace(
            arguments=recorded_arguments(architecture, built.arguments), class_names=tuple(dataset.class_names),
            dataset=dataset.name, source=source, preprocessing=built.preprocessing if pixels else {},
            tag=None, weights=None, hash=None, pretrained=start.tag or str(start.weights)))
    if architecture.task == "image-classification" and not {"input_shape", "in_channels"} & set(kwargs):
        kwargs["input_shape"] = fit_input_shape(architecture, dataset.input_shape)
    args = build_arguments(architecture, **kwargs)
    return request.planned(ModelIdentity(
        architecture=architecture.name,
        arguments=recorded_arguments(architecture, effective_arguments(
            architecture, {k: args[k] for k in architecture.defaults}, "model_args")),
        num_classes=args["num_classes"], input_shape=args["input_shape"], include_top=args["include_top"],
        class_names=tuple(dataset.class_names),
        preprocessing=DEFAULT_PREPROCESSING if pixels and not takes_raw_pixels(architecture, args) else {},
        dataset=dataset.name, source=source,
    ))


def build_model(request: Request, model_args: dict | None = None):
    """The model of a planned request: with the weights it starts from (``request.start``), or fresh."""
    identity = request.identity
    kwargs = {**identity.arguments, **(model_args or {}), "num_classes": identity.num_classes,
              "input_shape": identity.input_shape, "include_top": identity.include_top}
    kwargs.pop("in_channels", None)
    if request.start is None:
        return build_fresh(request.architecture, kwargs)
    model, _ = build(request.start, kwargs)
    return model


def adapt_text_layers(model, dataset) -> None:
    """Build the vocabulary of every not-yet-adapted text layer of ``model`` from the training texts."""
    layers = [layer for layer in model._flatten_layers() if hasattr(layer, "adapt") and hasattr(layer, "get_vocabulary")]
    for layer in layers:
        if [token for token in layer.get_vocabulary() if token not in ("", "[UNK]")]:
            continue
        train = dataset.train
        layer.adapt(train[0] if isinstance(train, tuple) else train)


def check_classes(dataset) -> None:
    """Training data must have two classes or more: with one, every answer is right and nothing is learned."""
    if dataset.num_classes < 2:
        names = ", ".join(str(c) for c in dataset.class_names) or "none"
        raise ValueError(f"data {dataset.name!r} has {dataset.num_classes} class ({names}): a classifier is "
                         "trained to tell classes apart, so it needs 2 or more (a folder: one subfolder per class)")


def check_labels_fit(dataset, model) -> None:
    """Every label must be a class of the model's classifier."""

    outputs = model.outputs[0].shape[-1]
    for part in ("train", "validation", "test"):
        split = getattr(dataset, part)
        if isinstance(split, tuple):
            check_labels(split[1], outputs, where=f"data ({part}) labels")
    if dataset.num_classes > outputs:
        raise ValueError(f"data has {dataset.num_classes} classes but the model's classifier has {outputs}: "
                         f"build it with num_classes={dataset.num_classes}")


def steps_in(split, batch_size: int, batched: bool) -> int:
    """Batches per epoch in one split."""
    if isinstance(split, tuple):
        return max(1, -(-len(split[1]) // batch_size))
    count = int(split.cardinality())
    if count < 0:
        count = sum(1 for _ in split)
    return max(1, count if batched else -(-count // batch_size))


def library_versions() -> dict[str, str]:
    """Versions of what produced a set of weights, for the run's card."""
    import keras
    import numpy

    versions = {"python": platform.python_version(), "keras-zoo": version("keras-zoo"), "keras": keras.__version__,
                "backend": keras.backend.backend(), "numpy": numpy.__version__}
    if "tensorflow" in sys.modules:
        versions["tensorflow"] = sys.modules["tensorflow"].__version__
    return versions


def run_callbacks(run, recipe: TrainingRecipe, *, validation: bool, best: dict, initial_epoch: int,
                  tensorboard: bool, augmentation=None):
    """The callbacks of every run: epoch timing, checkpoint and best weights (averaged ones with
    ``ema_decay``; ``augmentation``'s state in the checkpoint), CSV (and TensorBoard) logs, early stopping
    when the recipe asks for it, and the progress bar. Best weights follow ``val_accuracy`` (or a loss)."""
    import keras

    from zoo.training.progress import Progress
    from zoo.training.runs import EpochTimer, RunCheckpoint

    monitor, mode = ("val_loss", "min") if validation else ("loss", "min")
    if validation and "accuracy" in recipe.metrics:
        monitor, mode = "val_accuracy", "max"
    callbacks = [EpochTimer(), RunCheckpoint(run, monitor, mode, best, averaged=recipe.ema_decay is not None,
                                             augmentation=augmentation),
                 keras.callbacks.CSVLogger(str(run.log), append=initial_epoch > 0)]
    if tensorboard:
        callbacks.append(keras.callbacks.TensorBoard(str(run.tensorboard), write_graph=False))
    if recipe.early_stopping_patience:
        callbacks.append(keras.callbacks.EarlyStopping("val_loss" if validation else "loss",
                                                       patience=recipe.early_stopping_patience))
    return callbacks + [Progress()]


def evaluate_plainly(model, dataset, recipe: TrainingRecipe, multi_worker: bool) -> dict[str, float]:
    """``model.evaluate`` on ``dataset``; under the multi-worker strategy, where Keras cannot evaluate either,
    on an undistributed copy of the model."""
    from zoo.training.optimizers import make_loss

    if multi_worker:
        copy = model.__class__.from_config(model.get_config())
        copy.set_weights(model.get_weights())
        copy.compile(loss=make_loss(recipe), metrics=list(recipe.metrics))
        model = copy
    scores = model.evaluate(dataset, return_dict=True, verbose=0)
    return {key: round(float(value), 6) for key, value in scores.items()}


def run_card(run, identity: ModelIdentity, dataset, recipe: TrainingRecipe, *, metrics: dict, seed: int,
             precision: str, strategy, seconds: float) -> dict:
    """The run's card: the identity of its best weights (``card.json``), then how they were trained."""
    state = run.read_state()
    weights = identity.replace(weights=run.best, hash=file_hash(run.best), hash_algorithm="sha256")
    return {
        "card_version": CARD_VERSION,
        **weights.to_dict(relative_to=run.path),
        "split": dataset.split,
        "recipe": recipe.to_dict(),
        "seed": seed,
        "precision": precision,
        "strategy": strategy,
        "epochs": state.get("epoch", 0),
        "best": state.get("best", {}),
        "metrics": metrics,
        "train_seconds_this_call": round(seconds, 1),
        "versions": library_versions(),
    }


def train(model_or_name, data, *, recipe=None, epochs=None, batch_size=None, run_dir=None, resume=True,
          strategy=None, precision="auto", pretrained=False, model_args=None, seed=0, verbose="auto",
          **overrides) -> TrainResult:
    """Train a registered architecture (or a ``keras.Model``) on ``data``.

    :param model_or_name: an architecture name (``"lenet5"``), ``"arch.tag"`` to fine-tune pretrained
        weights, or a ``keras.Model`` (used as built).
    :param data: a built-in dataset name (``zoo.datasets.list()``), a directory with one subfolder of
        images or text files per class, ``(x, y)`` NumPy arrays, a ``tf.data.Dataset`` of ``(x, y)``
        batches, or a ``zoo.datasets.Dataset``.
    :param recipe: a ``zoo.TrainingRecipe`` or a dict of its fields (default: the architecture's).
    :param epochs: total epochs (a resumed run trains up to this many).
    :param batch_size: global batch size (split over the replicas of a strategy).
    :param run_dir: where the checkpoint, best weights, logs and card go (default ``runs/NAME-DATASET``).
    :param resume: continue from the run directory's last finished epoch; False starts over. A run
        directory holding another model (arguments, weights it started from, data, input shape,
        preprocessing) is an error naming what differs.
    :param strategy: None, ``"mirrored"`` (all local GPUs) or ``"multi_worker"`` (configured by ``TF_CONFIG``).
    :param precision: ``"auto"`` (``mixed_bfloat16`` on Ampere and later GPUs, ``mixed_float16`` on older
        ones, ``float32`` on CPU: :func:`auto_precision`), ``"float32"``, ``"mixed_float16"`` or
        ``"mixed_bfloat16"``.
    :param pretrained: start from weights: True, a tag or a weights file (as in ``zoo.get``).
    :param model_args: more build arguments for ``zoo.get`` (``{"activation": "relu"}``).
    :param seed: seeds weights initialization and shuffling.
    :param verbose: ``"auto"``: a progress bar in a terminal, one line per epoch otherwise; 0, 1 or 2.
    :param overrides: any recipe field (``lr=0.01``, ``optimizer="sgd"``, ``label_smoothing=0.1``).
    :return: a :class:`TrainResult`.

    Example::

        >>> result = zoo.train("lenet5", "mnist5k", epochs=10)
        >>> result.metrics["test_accuracy"], result.weights
        (0.981, PosixPath('runs/lenet5-mnist5k/best.weights.h5'))
    """

    # the arguments are checked before TensorFlow starts, so that a mistake is a quick one-line error
    named = isinstance(model_or_name, str)
    request = resolve(model_or_name) if named else None  # the one look-up of the name
    recipe = resolve_recipe(request.architecture if named else None, recipe, epochs=epochs, batch_size=batch_size, **overrides)
    model_args = with_stochastic_depth(request.architecture if named else None, recipe, model_args)
    check_choice("precision", precision, PRECISIONS)
    check_choice("strategy", strategy, STRATEGIES)
    strategy_obj = make_strategy(strategy)  # first: a multi-worker strategy must exist before other TF work
    import keras

    from zoo.training.runs import Run

    keras.utils.set_random_seed(seed)
    dataset = as_dataset(data, seed=seed)
    check_classes(dataset)
    policy = resolve_precision(precision)
    multi_worker = is_multi_worker(strategy_obj)
    rank = worker_index() if multi_worker else 0
    if named:
        request = plan_request(request, dataset, pretrained=pretrained, model_args=model_args)
        identity = request.identity
    else:
        identity = model_identity(model_or_name, dataset)

    run = Run(Path(run_dir) if run_dir else confined(Path("runs"), f"{identity.architecture}-{dataset.name}",
                                                     "the run's name (ARCHITECTURE-DATASET)"))
    if rank:  # other workers keep their own files next to the chief's
        run = Run(run.path / f"worker-{rank}")
    with run.lock():  # held from the first file written to the card: a second process stops at once
        run.start(identity, resume=resume)
        with dtype_policy(policy), (strategy_obj.scope() if strategy_obj else contextlib.nullcontext()):
            model = build_model(request, model_args) if named else model_or_name
        return fit(model, dataset, recipe, run, identity=identity, seed=seed, verbose=verbose, strategy=strategy_obj,
                   strategy_name=strategy, precision=policy, resume=resume, tensorboard=not rank)


def with_stochastic_depth(architecture, recipe: TrainingRecipe, model_args: dict | None) -> dict | None:
    """``model_args`` with the recipe's ``stochastic_depth`` as the architecture's argument for it
    (``Architecture.stochastic_depth``: ``drop_path_rate`` for ConvNeXt), unless they give that argument
    themselves (what a caller names wins over a recipe); a ValueError where the architecture has none."""
    if recipe.stochastic_depth is None:
        return model_args
    argument = architecture.stochastic_depth if architecture is not None else None
    if argument is None:
        what = f"{architecture.name}'s blocks have none" if architecture is not None else \
            "a keras.Model given as built has its own"
        having = sorted(name for name, arch in get_registry().architectures.items() if arch.stochastic_depth)
        raise ValueError(f"stochastic_depth={recipe.stochastic_depth!r} is not allowed: {what}; architectures with "
                         f"stochastic depth: {', '.join(having[:6])}{', ...' if len(having) > 6 else ''}")
    return {argument: recipe.stochastic_depth, **(model_args or {})}


def model_identity(model, dataset) -> ModelIdentity:
    """The identity of a ``keras.Model`` given to :func:`train` as built: its name stands for the architecture."""

    pixels = dataset.task == "image-classification" and uint8_images(dataset)
    return ModelIdentity(architecture=model.name, arguments={}, num_classes=int(model.outputs[0].shape[-1]),
                         input_shape=model_input_shape(model), class_names=tuple(dataset.class_names),
                         preprocessing=DEFAULT_PREPROCESSING if pixels else {}, dataset=dataset.name,
                         source=f"zoo.train(keras.Model {model.name!r}) on {dataset.name}")


def fit(model, dataset, recipe: TrainingRecipe, run, *, identity: ModelIdentity, seed: int = 0, verbose="auto",
        callbacks=(), strategy=None, strategy_name=None, precision: str = "float32", resume: bool = True,
        initial_epoch: int = 0, tensorboard: bool = True, evaluate: bool = True, plots: bool = True) -> TrainResult:
    """Train a built ``model`` on ``dataset`` as ``recipe`` says, in the run directory ``run``: the one training loop.

    :param identity: the model's identity; the pipeline applies its preprocessing and the card records it.
    :param callbacks: more Keras callbacks (a tuner's), called after the run's own each epoch.
    :param strategy: the ``tf.distribute`` strategy the model was built under, or None.
    :param precision: the Keras dtype policy the model was built under (for the optimizer).
    :param resume: continue from the run's checkpoint when it has one.
    :param initial_epoch: where a run without a checkpoint starts (a tuner continuing a trial).
    :param tensorboard: write TensorBoard logs; ``evaluate``: score the test split; ``plots``: ``curves.png``.
    :return: a :class:`TrainResult`; ``card.json`` in ``run`` records the identity and the training.
    :raises zoo.training.runs.RunBusyError: another process is training in ``run``.
    """
    with run.lock():
        return _fit(model, dataset, recipe, run, identity=identity, seed=seed, verbose=verbose, callbacks=callbacks,
                    strategy=strategy, strategy_name=strategy_name, precision=precision, resume=resume,
                    initial_epoch=initial_epoch, tensorboard=tensorboard, evaluate=evaluate, plots=plots)


def _fit(model, dataset, recipe: TrainingRecipe, run, *, identity: ModelIdentity, seed, verbose, callbacks, strategy,
         strategy_name, precision: str, resume: bool, initial_epoch: int, tensorboard: bool, evaluate: bool,
         plots: bool) -> TrainResult:
    """:func:`fit`'s work, in the locked run directory."""
    from zoo.training.optimizers import make_loss, make_optimizer
    multi_worker = is_multi_worker(strategy)
    atomic_json(run.recipe, recipe.to_dict())

    def scope():
        return strategy.scope() if strategy else contextlib.nullcontext()

    check_labels_fit(dataset, model)
    if dataset.task == "text-classification":
        adapt_text_layers(model, dataset)
    steps_per_epoch = steps_in(dataset.train, recipe.batch_size, dataset.batched)
    if multi_worker and isinstance(dataset.train, tuple):
        steps_per_epoch = max(1, len(dataset.train[1]) // recipe.batch_size)

    registered = get_registry().architectures.get(identity.architecture)
    classifier = registered.classifier if registered is not None else CLASSIFIER

    def compile_phase(phase):
        """Freeze or unfreeze the backbone as the phase says; a fresh optimizer whose schedule spans the phase."""
        if phase.backbone_trainable is not None:
            set_backbone_trainable(model, phase.backbone_trainable, classifier)
        model.compile(optimizer=make_optimizer(phase.recipe, steps_per_epoch), loss=make_loss(recipe),
                      metrics=list(recipe.metrics), steps_per_execution=min(MAX_STEPS_PER_EXECUTION, steps_per_epoch))

    start = run.read_state().get("epoch", 0) if resume else 0
    start = start or initial_epoch
    plan = phases(recipe)
    todo = [phase for phase in plan if phase.until > start] or plan[-1:]
    with dtype_policy(precision), scope():
        compile_phase(todo[0])
        # mid-phase, the optimizer's state (its step, its moments) resumes too; at a phase's start it is fresh
        restored, best = run.restore(model, with_optimizer=start > todo[0].start) if resume else (0, {})
    start = restored or start

    # label smoothing, MixUp and CutMix take one-hot labels
    one_hot = int(model.outputs[0].shape[-1]) if recipe.label_smoothing or recipe.mixes else None
    model_shape = inputs.model_input_shape(model)
    image_model = dataset.task == "image-classification" and len(model_shape) == 3
    pixel_fields = pixel_augmentations(recipe) if image_model and not uint8_images(dataset) else []
    if pixel_fields:
        raise ValueError(f"{pixel_fields[0]}={getattr(recipe, pixel_fields[0])!r} is not allowed on {dataset.name}: it "
                         "changes pixel values (uint8, 0..255), and float images are taken as preprocessed")
    augment = Augmentation(recipe, model_shape, seed) if image_model else None
    common = dict(model=model, batch_size=recipe.batch_size, seed=seed, num_classes=one_hot, batched=dataset.batched,
                  preprocessing=identity.preprocessing)
    train_ds = inputs.pipeline(dataset.train, training=True, augment=augment, drop_remainder=multi_worker,
                               where="train", **common)
    val_ds = inputs.pipeline(dataset.validation, where="validation", **common) if dataset.validation is not None \
        else None
    test_split = dataset.test if dataset.test is not None else dataset.validation
    test_ds = inputs.pipeline(test_split, where="test", **common) if evaluate and test_split is not None else None
    if restored and augment:  # the pipeline is built (its layers traced): their generators go on where they were
        augment.restore(run.read_state().get("augmentation"))

    verbose = (1 if sys.stdout.isatty() else 2) if verbose == "auto" else verbose

    started = time.time()
    for number, phase in enumerate(todo):
        if number:  # the first phase was compiled before the checkpoint was restored
            with dtype_policy(precision), scope():
                compile_phase(phase)
        first_epoch = max(start, phase.start)
        phase_callbacks = run_callbacks(run, recipe, validation=val_ds is not None, best=best,
                                        initial_epoch=first_epoch, tensorboard=tensorboard,
                                        augmentation=augment) + list(callbacks)
        with storage(run.path, "write the run's files in"):  # a full disk: one line, the last checkpoint kept
            if multi_worker:
                fit_multi_worker(model, strategy, train_ds.repeat(), val_ds, epochs=phase.until,
                                 initial_epoch=first_epoch, steps_per_epoch=steps_per_epoch,
                                 global_batch_size=recipe.batch_size, callbacks=phase_callbacks, verbose=verbose)
            else:
                model.fit(train_ds, validation_data=val_ds, epochs=phase.until, initial_epoch=first_epoch,
                          callbacks=phase_callbacks, verbose=verbose, shuffle=False)  # the pipeline shuffles
        best = run.read_state().get("best", best)
        if model.stop_training:  # early stopping ends the run, not only the phase
            break


    finished = run.read_state().get("epoch", 0)
    if not run.best.exists():
        save_weights(model, run.best)
    elif recipe.ema_decay is not None or not (finished > start and best.get("epoch") == finished):
        # unless the last epoch trained was the best and the model holds it (not so with averaged weights)
        load_weights(model, run.best, what=f"the best weights of run {run.path}", hash=best.get("sha256"))
    metrics = {}
    if test_ds is not None:
        prefix = "test_" if dataset.test is not None else "val_"
        metrics = {f"{prefix}{k}": v for k, v in evaluate_plainly(model, test_ds, recipe, multi_worker).items()}
    elif best.get("monitor"):
        metrics = {best["monitor"]: round(float(best["value"]), 6)}
    history = run.history()
    card = run_card(run, identity, dataset, recipe, metrics=metrics, seed=seed, precision=precision,
                    strategy=strategy_name, seconds=time.time() - started)
    atomic_json(run.card, card)
    if plots and history:

        curves(history, run.curves, title=f"{identity.architecture} on {dataset.name}")
    return TrainResult(model=model, history=history, metrics=metrics, run_dir=run.path, weights=run.best,
                       card=run.card, recipe=recipe, identity=identity.replace(weights=run.best, hash=card["hash"]),
                       epochs_run=max(0, card["epochs"] - start))
