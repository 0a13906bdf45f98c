"""The zoo's image models are keras.applications' models: same parameters, and its weights load into them.

For every variant keras.applications also has, with ``include_top`` true and
false: the parameter count equals keras.applications' (``weights=None``), and
the weights of a keras.applications model, saved both with ``save_weights``
(``.weights.h5``) and in the legacy HDF5 layout of the published ImageNet
files (loaded by ``load_weights`` on ``.h5``, by layer order), give the same
outputs in the zoo model to 1e-5 (a headless model's feature map: to 1e-5 of its largest value).
Inputs are small to keep the test fast; the largest variants run with ``-m slow``.
"""

import h5py
import keras
import numpy as np
import pytest
from keras.src.legacy.saving.legacy_h5_format import save_weights_to_hdf5_group

import zoo

APPS = keras.applications
SLOW = pytest.mark.slow

# zoo name: (keras.applications constructor, input size used by the test)
PAIRS = {
    "vgg16": (APPS.VGG16, 32),
    "vgg19": (APPS.VGG19, 32),
    "resnet50": (APPS.ResNet50, 32),
    "resnet101": (APPS.ResNet101, 32),
    "resnet152": (APPS.ResNet152, 32),
    "resnet50v2": (APPS.ResNet50V2, 32),
    "resnet101v2": (APPS.ResNet101V2, 32),
    "resnet152v2": (APPS.ResNet152V2, 32),
    "densenet121": (APPS.DenseNet121, 32),
    "densenet169": (APPS.DenseNet169, 32),
    "densenet201": (APPS.DenseNet201, 32),
    "mobilenet": (APPS.MobileNet, 32),
    "mobilenetv2": (APPS.MobileNetV2, 32),
    "xception": (APPS.Xception, 71),
    "mobilenetv3small": (APPS.MobileNetV3Small, 32),
    "mobilenetv3large": (APPS.MobileNetV3Large, 32),
    "convnext_tiny": (APPS.ConvNeXtTiny, 32),
    "convnext_small": (APPS.ConvNeXtSmall, 32),
    "convnext_base": (APPS.ConvNeXtBase, 32),
    "convnext_large": (APPS.ConvNeXtLarge, 32),
    "convnext_xlarge": (APPS.ConvNeXtXLarge, 32),
}
# The default run checks every family, with and without the top; the rest runs with -m slow.
FAST = {("vgg16", True), ("vgg16", False), ("resnet50", True), ("resnet50", False), ("resnet50v2", True),
        ("densenet121", False), ("mobilenet", True), ("mobilenet", False), ("mobilenetv2", False),
        ("xception", True), ("mobilenetv3small", True), ("mobilenetv3large", False), ("convnext_tiny", True),
        ("convnext_tiny", False)}
CASES = [pytest.param(name, top, id=f"{name}-{'top' if top else 'notop'}",
                      marks=[] if (name, top) in FAST else [SLOW])
         for name in PAIRS for top in (True, False)]


def randomize(model, seed=0):
    """Move every weight away from its initial value (batch-norm statistics included), keeping variances positive."""
    rng = np.random.default_rng(seed)
    model.set_weights([w + rng.uniform(0.0, 0.05, w.shape).astype(w.dtype) for w in model.get_weights()])


def outputs(model, x):
    return keras.ops.convert_to_numpy(model(x, training=False))


@pytest.mark.parametrize("name, include_top", CASES)
def test_weights_from_keras_applications(name, include_top, tmp_path):
    constructor, size = PAIRS[name]
    shape = (size, size, 3)
    reference = constructor(weights=None, include_top=include_top, input_shape=shape)
    model = zoo.get(name, include_top=include_top, input_shape=shape)
    assert model.count_params() == reference.count_params()

    randomize(reference)
    x = np.random.default_rng(1).random((2, *shape), dtype=np.float32)
    expected = outputs(reference, x)

    # probabilities within 1e-5; a headless model's feature map within 1e-5 of its largest value (ConvNeXt
    # computes keras' grouped depthwise convolutions and GELU with other float32 operations: zoo.layers.portable)
    atol = 1e-5 * (1.0 if include_top else max(1.0, float(np.abs(expected).max())))
    reference.save_weights(tmp_path / "reference.weights.h5")
    model.load_weights(tmp_path / "reference.weights.h5")
    np.testing.assert_allclose(outputs(model, x), expected, rtol=1e-5, atol=atol)

    randomize(model, seed=2)  # forget what was loaded, then load the published files' layout
    with h5py.File(tmp_path / "reference.h5", "w") as f:
        save_weights_to_hdf5_group(f, reference)
    model.load_weights(tmp_path / "reference.h5")
    np.testing.assert_allclose(outputs(model, x), expected, rtol=1e-5, atol=atol)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PAIRS))
def test_parameter_count_at_default_size(name):
    constructor, _ = PAIRS[name]
    assert zoo.get(name).count_params() == constructor(weights=None).count_params()
