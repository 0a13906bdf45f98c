"""The conformance kit: what a plugin's test suite checks of each architecture, in one line.

Example (a plugin's own tests, as ``zoo new-plugin`` writes them)::

    from zoo.kit.conformance import check_architecture

    def test_alexnet():
        check_architecture("alexnet", width=0.25)

:func:`check_architecture` builds the architecture at its smallest input and checks what a
user relies on: a forward pass, the config and ``.keras`` round trips, the same forward pass
under the JAX backend (in a subprocess, when JAX is installed), loading its own weights into
another head and another number of input channels (``zoo.weights.adapt``, at the layers the architecture
names), ``features=True`` when it declares it and its declared stages (each stage's layer, channels
and reduction, as the built model has them; ``out_indices``), its recipe and search space resolving to a model,
and the files of its weight tags that are on this machine loading. The built-in plugins' tests
call it for every architecture.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

import zoo
from zoo.records.identity import ModelIdentity
from zoo.registry.loader import get_registry
from zoo.training.driver import recipe_for
from zoo.weights.cache import local_copy
from zoo.weights.pretrained import build


def small_input_shape(name: str) -> tuple:
    """The smallest input shape the architecture accepts, for fast tests."""

    arch, _ = get_registry().resolve(name)
    if arch.task != "image-classification" or not arch.any_input_size:
        return arch.input_shape
    size = max(arch.min_input_size or 32, 1)
    return (size, size, arch.input_shape[-1])


def sample_input(model, batch: int = 2, seed: int = 0):
    """Random input of the right shape and dtype for ``model`` (integers for token ids, text for strings)."""
    rng = np.random.default_rng(seed)
    shape = (batch, *model.input_shape[1:])
    dtype = str(model.inputs[0].dtype)
    if "string" in dtype:
        return np.array(["a small test sentence"] * batch)
    if "int" in dtype:
        return rng.integers(0, 2, size=shape).astype(dtype)
    return rng.random(shape, dtype=np.float32)


def _outputs(model, x):
    import keras

    return keras.ops.convert_to_numpy(model(x, training=False))


def check_architecture(name: str, num_classes: int = 3, *, jax: bool | None = None, **kwargs) -> dict:
    """Build ``name`` at a small size and check what a user relies on; returns a report of what was checked.

    :param name: the architecture.
    :param num_classes: the classifier's size for the checks.
    :param jax: run the forward pass under ``KERAS_BACKEND=jax`` too (in a subprocess); None: when JAX is
        installed and this process is not already on that backend.
    :param kwargs: build arguments for a small, fast model (``width=0.25``).
    :return: ``{"model": ..., "checked": [...], "tags": {tag: "loaded" | "not on this machine"}}``.
    :raises AssertionError: naming the check that failed and why.
    """
    import keras


    arch, _ = get_registry().resolve(name)
    kwargs.setdefault("input_shape", small_input_shape(name))
    checked = []
    model = zoo.get(name, num_classes=num_classes, **kwargs)
    x = sample_input(model)
    y = _outputs(model, x)
    assert y.shape == (len(x), num_classes), f"{name}: output shape {y.shape}, expected {(len(x), num_classes)}"
    assert np.all(np.isfinite(y)), f"{name}: non-finite outputs"
    checked.append("forward pass")

    clone = model.__class__.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(_outputs(clone, x), y, rtol=1e-5, atol=1e-6, err_msg=f"{name}: config round trip")
    checked.append("get_config/from_config")

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, f"{name}.keras")
        model.save(path)
        loaded = keras.saving.load_model(path)
        np.testing.assert_allclose(_outputs(loaded, x), y, rtol=1e-5, atol=1e-6, err_msg=f"{name}: .keras round trip")
        checked.append(".keras round trip")
        checked += _check_adaptation(arch, model, num_classes, kwargs, Path(tmp))

    if jax is None:
        jax = importlib.util.find_spec("jax") is not None and keras.backend.backend() != "jax"
    if jax:
        refusal = _check_jax(name, num_classes, kwargs)
        checked.append("JAX backend forward pass" if refusal is None else f"JAX backend: refused ({refusal})")
    if arch.supports_features:
        features = zoo.get(name, include_top=False, features=True, **kwargs)
        maps = features(sample_input(features), training=False)
        assert isinstance(maps, (list, tuple)) and len(maps) >= 2, f"{name}: features=True gave {type(maps)}"
        sizes = [tuple(m.shape[1:3]) for m in maps]
        assert sizes == sorted(sizes, reverse=True), f"{name}: feature maps not shallowest first: {sizes}"
        checked.append("features=True")
    checked += _check_stages(arch)
    checked += _check_recipe_and_space(arch, num_classes, kwargs)
    tags = _check_tags(arch)
    return {"model": model, "checked": checked, "tags": tags}


STAGE_SPAN = 64  # pixels added to the input to measure reductions: a multiple of every reduction up to 64


def _check_stages(arch) -> list[str]:
    """The declared stages are what ``features=True`` returns at the default arguments: the output of each
    stage's layer, with its channels; each reduction measured as ``STAGE_SPAN`` over how much the map grows
    when the input grows by ``STAGE_SPAN`` pixels (exact, whatever the padding of 'valid' convolutions)."""
    if not arch.stages:
        assert not arch.supports_features, (f"{arch.name}: features=True is an argument but no stages are declared: "
                                            "give zoo.Architecture(stages=((layer, channels, reduction), ...))")
        return []
    size = max(arch.min_input_size or 32, 32) if arch.any_input_size else arch.input_shape[0]
    heights = []
    for height in (size, size + STAGE_SPAN) if arch.any_input_size else (size,):
        model = zoo.get(arch.name, include_top=False, features=True, input_shape=(height, height, arch.input_shape[-1]))
        assert len(model.outputs) == len(arch.stages), \
            f"{arch.name}: {len(arch.stages)} stages declared, features=True gives {len(model.outputs)} maps"
        for stage, output in zip(arch.stages, model.outputs):
            layer = next((layer for layer in model.layers if layer.name == stage.layer), None)
            assert layer is not None and layer.output is output, \
                f"{arch.name}: stage {stage.layer!r} is not the layer whose output features=True gives"
            assert output.shape[-1] == stage.channels, \
                f"{arch.name}: stage {stage.layer!r} has {output.shape[-1]} channels, {stage.channels} declared"
        heights.append([output.shape[1] for output in model.outputs])
    for index, stage in enumerate(arch.stages):
        if len(heights) == 2:
            measured = STAGE_SPAN / (heights[1][index] - heights[0][index])
        else:
            measured = size / heights[0][index]
        close = measured == stage.reduction if len(heights) == 2 else abs(measured / stage.reduction - 1) < 0.5
        assert close, f"{arch.name}: stage {stage.layer!r} has reduction {measured:g}, {stage.reduction} declared"
    checked = ["stages"]
    if "out_indices" in arch.defaults:
        last = len(arch.stages) - 1
        model = zoo.get(arch.name, include_top=False, features=True, out_indices=(last,),
                        input_shape=(size, size, arch.input_shape[-1]))
        assert len(model.outputs) == 1 and model.outputs[0].shape[-1] == arch.stages[last].channels, \
            f"{arch.name}: out_indices=({last},) gives {model.outputs}"
        checked.append("out_indices")
    return checked


def _check_adaptation(arch, model, num_classes: int, kwargs: dict, tmp: Path) -> list[str]:
    """The model's own weights into another head (and, with a first convolution named, other channels)."""

    path = tmp / "own.weights.h5"
    model.save_weights(path)
    shape = tuple(kwargs["input_shape"])  # (a text model on raw strings takes (), its identity its token length)
    arguments = {k: v for k, v in {**arch.defaults, **kwargs}.items() if k in arch.defaults}
    identity = ModelIdentity(architecture=arch.name, arguments=arguments, num_classes=num_classes, input_shape=shape,
                             weights=path)
    checked = []
    if arch.task != "image-classification":
        adapted, _ = build(identity, {"num_classes": num_classes + 1})
        assert adapted.output_shape[-1] == num_classes + 1
        return ["another head"]
    adapted, _ = build(identity, {"num_classes": num_classes + 1})
    assert adapted.output_shape[-1] == num_classes + 1, f"{arch.name}: head not adapted"
    checked.append("another head")
    if arch.first_conv is not None:
        channels = 1 if shape[-1] != 1 else 3
        adapted, _ = build(identity, {"num_classes": num_classes + 1, "in_channels": channels})
        assert adapted.input_shape[-1] == channels, f"{arch.name}: input channels not adapted"
        checked.append("other input channels")
    return checked


def _check_jax(name: str, num_classes: int, kwargs: dict) -> str | None:
    """The forward pass under ``KERAS_BACKEND=jax`` in a subprocess; the builder's ValueError if it refuses the
    backend (a model that needs TensorFlow, such as one with a text vectorizer inside, says so clearly)."""
    code = (f"import json, sys, numpy as np, zoo, keras\n"
            f"kwargs = json.loads({json.dumps(json.dumps(kwargs, default=list))})\n"
            f"kwargs = {{k: tuple(v) if isinstance(v, list) else v for k, v in kwargs.items()}}\n"
            f"from zoo.kit.conformance import sample_input\n"
            f"try:\n"
            f"    model = zoo.get({name!r}, num_classes={num_classes}, **kwargs)\n"
            f"except ValueError as error:\n"
            f"    print(error); sys.exit(3)\n"
            f"y = keras.ops.convert_to_numpy(model(sample_input(model), training=False))\n"
            f"assert y.shape[-1] == {num_classes} and np.all(np.isfinite(y)), y\n")
    env = dict(os.environ, KERAS_BACKEND="jax", TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    if result.returncode == 3:
        return result.stdout.strip().splitlines()[-1]
    assert result.returncode == 0, f"{name}: the forward pass fails under KERAS_BACKEND=jax:\n{result.stderr[-2000:]}"
    return None


def _check_recipe_and_space(arch, num_classes: int, kwargs: dict) -> list[str]:
    """The recipe hook's answer is a TrainingRecipe; the search space's defaults build a model."""
    import keras_tuner as kt


    recipe = recipe_for(arch)
    assert isinstance(recipe, zoo.TrainingRecipe), f"{arch.name}: the recipe is {recipe!r}"
    hp = kt.HyperParameters()
    model = zoo.hypermodel(arch.name, num_classes=num_classes, input_shape=kwargs["input_shape"],
                           model_args={k: v for k, v in kwargs.items() if k != "input_shape"}).build(hp)
    assert model.output_shape[-1] == num_classes, f"{arch.name}: the search space's defaults build {model.output_shape}"
    return ["recipe", "search space"]


def _check_tags(arch) -> dict[str, str]:
    """Each weight tag whose file is on this machine (a plugin's package, a mirror, the cache) loads. Under
    another backend than TensorFlow, a tag whose model the builder refuses there with a ValueError (a text
    model with its vectorizer inside) is reported as refused, as the JAX forward pass is."""
    import keras


    report = {}
    for tag in get_registry().tags_for(arch.name):
        if local_copy(tag) is None:
            report[tag.name] = "not on this machine"
            continue
        try:
            model = zoo.get(tag.name, pretrained=True, include_top=tag.include_top)
        except ValueError as error:
            if keras.backend.backend() == "tensorflow":
                raise
            report[tag.name] = f"refused on the {keras.backend.backend()} backend ({str(error).splitlines()[0]})"
            continue
        assert model is not None
        report[tag.name] = "loaded"
    return report
