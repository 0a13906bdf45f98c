"""``zoo new-plugin NAME``: a ready plugin package that installs with pip and passes its own tests.

:func:`write_plugin` writes ``NAME/`` with a ``pyproject.toml`` naming the entry point, a family
module using every hook (build, pretrained weights, training, tuning), its Keras builder, a weights
file shipped inside the package (random weights, so that the tag works offline from the start),
the ``model_stats.json`` that ``zoo list`` reads, a test that calls the conformance kit
(:func:`zoo.kit.conformance.check_architecture`), and a README.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from zoo.files import atomic_write, confined, file_hash, make_directory
from zoo.kit.stats import count_macs
from zoo.registry.loader import get_registry
from zoo.weights.io import save_weights

NAME = re.compile(r"^[a-z][a-z0-9_]*$")

PYPROJECT = '''\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "zoo-{name}"
version = "0.1.0"
description = "{title}: a keras-zoo plugin."
requires-python = ">=3.10"
dependencies = ["keras-zoo"]

# The one line that makes `pip install` enough: keras-zoo finds the plugin through this entry point.
[project.entry-points.keras_zoo]
{name} = "zoo_{name}"

[tool.setuptools]
packages = ["zoo_{name}"]

[tool.setuptools.package-data]
zoo_{name} = ["model_stats.json", "weights/*"]
'''

MODULE = '''\
"""{title}: a keras-zoo plugin, written by `zoo new-plugin {name}`.

Registration is data and never imports TensorFlow or Keras: the network is in
:mod:`zoo_{name}.net`, imported only when a model is built. Every hook keras-zoo
offers is implemented below; docs/plugins.md of keras-zoo documents each.
"""

import zoo

FAMILY = zoo.Family(
    base=zoo.Architecture(
        name="{name}",
        family="{name}",
        build="zoo_{name}.net:build",
        defaults={{"width": 16, "dropout": 0.0, "classifier_activation": "softmax", "features": False,
                  "out_indices": None}},
        input_shape=(32, 32, 3),
        min_input_size=16,
        num_classes=10,
        first_conv="conv1",  # zoo.weights.adapt fits its kernel to another number of input channels
        stages=(("conv1", 16, 1), ("conv2", 32, 2)),  # what features=True returns: layer, channels, reduction
        classifier=("predictions", "head_dropout"),  # fresh for another num_classes; alone in a head phase
        paper="",
        description="{title}: two 3x3 convolutions, global average pooling, a dense classifier.",
    ),
    variants={{"{name}": {{}}, "{name}_wide": {{"width": 32}}}},
    stages={{"{name}_wide": (("conv1", 32, 1), ("conv2", 64, 2))}},  # where a variant's stages differ
    metrics={{"{name}": {{"cifar10_top1": {{"value": 10.0, "source": "chance: replace with your measurement"}}}}}},
)


@zoo.hookimpl
def zoo_register_architectures(registry):
    """The build hook: one call registers every variant of the family."""
    registry.add_family(FAMILY)


@zoo.hookimpl
def zoo_register_weights(registry):
    """The pretrained-weights hook: a tag whose file ships inside this package (found offline)."""
    registry.add_weights(zoo.WeightTag(
        architecture="{name}", tag="random", file_name="{name}_random.weights.h5", package="zoo_{name}.weights",
        hash="{hash}", num_classes=10, input_shape=(32, 32, 3), class_names=tuple(str(i) for i in range(10)),
        preprocessing={{"scale": 1 / 255}}, license="Apache-2.0",
        source="random initial weights written by `zoo new-plugin {name}` (replace with trained ones)",
    ))


@zoo.hookimpl
def zoo_training_recipe(architecture):
    """The training hook: this family's recipe (an Architecture may also carry it as its `recipe` field)."""
    if architecture.family != "{name}":
        return None
    return zoo.TrainingRecipe(optimizer="adam", lr=1e-3, schedule="cosine", epochs=20, batch_size=64,
                              augmentation=("flip",))


@zoo.hookimpl
def zoo_hyperparameters(architecture, hp):
    """The tuning hook: the search space (an Architecture may also carry it as its `search_space` field)."""
    if architecture.family != "{name}":
        return None
    return {{"width": hp.Choice("width", [8, 16, 32], default=architecture.defaults["width"]),
            "dropout": hp.Float("dropout", 0.0, 0.5, step=0.1, default=0.0)}}
'''

NET = '''\
"""The {title} network as a Keras functional model."""

import keras
from keras import layers

from zoo.layers.heads import check_head, image_model


def build(*, input_shape, width, **head):
    """Two 3x3 convolutions (the second with stride 2), then the head.

    :param width: filters of the convolutions.
    :param head: num_classes, include_top, pooling, dropout, classifier_activation, features, out_indices
        (zoo.layers.heads).
    """
    check_head(**head)
    if isinstance(width, bool) or not isinstance(width, int) or width < 1:
        raise ValueError(f"width={{width!r}} is not allowed: it must be a positive integer")
    inputs = keras.Input(shape=input_shape, name="image")
    x = layers.Conv2D(width, 3, padding="same", activation="relu", name="conv1")(inputs)
    stage1 = x
    x = layers.Conv2D(2 * width, 3, strides=2, padding="same", activation="relu", name="conv2")(x)
    return image_model(inputs, x, [stage1, x], name="{name}", **head)
'''

TEST = '''\
"""The plugin's own tests: keras-zoo's conformance kit, one line per architecture."""

import pytest

import zoo
from zoo.kit import check_architecture


@pytest.mark.parametrize("name", ["{name}", "{name}_wide"])
def test_conformance(name):
    report = check_architecture(name)
    assert report["tags"].get("{name}.random", "loaded") == "loaded"


def test_the_shipped_weights_load_offline(monkeypatch):
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    model = zoo.get("{name}.random", pretrained=True, num_classes=3)
    assert model.output_shape == (None, 3)
    assert zoo.info("{name}").parameter_count  # from the package's model_stats.json
'''

README = '''\
# zoo-{name}

{title}, a [keras-zoo](https://pypi.org/project/keras-zoo/) plugin written by `zoo new-plugin {name}`.

```console
$ pip install .          # keras-zoo finds the plugin through its entry point
$ zoo list {name}*
$ zoo info {name}.random
$ python -m pytest tests  # the conformance kit: zoo.kit.conformance.check_architecture
```

- `zoo_{name}/__init__.py`: the family (defaults, first convolution, classifier, variants, metrics) and
  every hook: architectures, weights, training recipe, search space.
- `zoo_{name}/net.py`: the Keras builder (`zoo.layers.heads` makes the classifier, pooling and feature maps).
- `zoo_{name}/weights/`: weight files shipped with the package (`package: zoo_{name}.weights` in the tag):
  found offline. The file here holds random initial weights; train real ones with
  `zoo train {name} --data DATA`, copy `best.weights.h5` here and update the tag's hash.
- `zoo_{name}/model_stats.json`: parameters and GMACs, written by `zoo stats --plugin {name} --write`.
'''


def write_plugin(name: str, directory=".", *, force: bool = False) -> Path:
    """Write the package ``zoo-NAME`` into ``directory/NAME`` and return its path.

    :param name: the plugin's and its first architecture's name: lower-case letters, digits, underscores.
    :param directory: where the package's folder goes.
    :param force: write over an existing folder.
    :raises ValueError: a bad name, an existing folder without ``force``, or a name already registered.

    Example::

        >>> write_plugin("tinynet", "/tmp")
        PosixPath('/tmp/tinynet')
    """
    if not isinstance(name, str) or not NAME.match(name):
        raise ValueError(f"name={name!r} is not allowed: use lower-case letters, digits and underscores, "
                         "starting with a letter (it becomes the entry point, zoo_NAME and the architecture)")

    if name in get_registry().architectures:
        raise ValueError(f"name={name!r} is not allowed: an architecture of that name is already registered "
                         f"(plugin {get_registry().owners[name].name!r}); choose another")
    root = confined(Path(directory), name, "name")  # a name too long for a file name is refused here
    confined(root, f"zoo_{name}", "name")
    if root.exists() and not force:
        raise ValueError(f"{root} exists: choose another directory or name, or pass force=True (--force)")
    title = name.replace("_", " ").title()
    package = root / f"zoo_{name}"
    make_directory(package / "weights", "the plugin's package")
    make_directory(root / "tests", "the plugin's tests")
    atomic_write(package / "net.py", NET.format(name=name, title=title))
    digest, stats = _weights_and_stats(name, package)
    files = {
        root / "pyproject.toml": PYPROJECT, root / "README.md": README, package / "__init__.py": MODULE,
        root / "tests" / f"test_{name}.py": TEST,
    }
    for path, template in files.items():
        atomic_write(path, template.format(name=name, title=title, hash=digest))
    atomic_write(package / "model_stats.json", json.dumps(stats, indent=1) + "\n")
    return root


def _weights_and_stats(name: str, package: Path) -> tuple[str, dict]:
    """Build the written network (from its file: the package is not installed yet), save random weights into
    the package, count each variant's parameters and MACs."""
    import importlib.util

    import keras


    spec = importlib.util.spec_from_file_location(f"zoo_{name}_net", package / "net.py")
    net = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(net)
    keras.utils.set_random_seed(0)
    path = package / "weights" / f"{name}_random.weights.h5"
    stats = {}
    for variant, width in ((name, 16), (f"{name}_wide", 32)):
        model = net.build(input_shape=(32, 32, 3), width=width, num_classes=10, include_top=True, pooling=None,
                          dropout=0.0, classifier_activation="softmax", features=False, out_indices=None)
        stats[variant] = {"params": int(model.count_params()), "macs": int(count_macs(model))}
        if variant == name:
            save_weights(model, path)
    return file_hash(path), stats
