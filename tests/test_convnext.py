"""ConvNeXt (``convnext_tiny`` ... ``convnext_xlarge``) is keras.applications' ConvNeXt, converts torchvision's
checkpoints, and works at every door.

Layer for layer: the same layer classes in the same order (the stem and the downsampling blocks
nested ``Sequential`` models, as there), the same names (keras.applications leaves only the
headless model's last LayerNorm to Keras' counters), the same parameter count, and with
keras.applications' random weights the same outputs (the loading of keras' weight files is
tests/test_keras_applications_compat.py's). torchvision's ConvNeXt, with random weights, LayerNorms
and layer scales, converts into it: logits, the headless output (keras.applications' LayerNorm on
the last map) and every stage within 1e-4 of torch's. Then the doors: stochastic depth while
training only, feature maps at strides 4 to 32, other input channels, the conformance kit (with
the JAX forward pass), an ONNX export checked in onnxruntime.
"""

import re

import keras
import numpy as np
import pytest

from conftest import image_dependent_weights

import zoo
from zoo.kit.conformance import check_architecture, sample_input

APPS = {"convnext_tiny": keras.applications.ConvNeXtTiny, "convnext_small": keras.applications.ConvNeXtSmall,
        "convnext_base": keras.applications.ConvNeXtBase, "convnext_large": keras.applications.ConvNeXtLarge,
        "convnext_xlarge": keras.applications.ConvNeXtXLarge}
UNNAMED = re.compile(r"(input_layer|layer_normalization|global_average_pooling2d|global_max_pooling2d)(_\d+)?")
EXHAUSTIVE = [pytest.mark.slow, pytest.mark.exhaustive]
TORCH_TOLERANCE = 1e-4
# torchvision's ConvNeXts; the default run converts the smallest, -m exhaustive all four.
TORCH_CASES = {"convnext_tiny": [], "convnext_small": EXHAUSTIVE, "convnext_base": EXHAUSTIVE,
               "convnext_large": EXHAUSTIVE}


def outputs(model, x):
    out = model(x, training=False)
    return [keras.ops.convert_to_numpy(o) for o in out] if isinstance(out, (list, tuple)) \
        else keras.ops.convert_to_numpy(out)


@pytest.mark.parametrize("name, include_top", [
    pytest.param(name, top, id=f"{name}-{'top' if top else 'notop'}",
                 marks=[] if name == "convnext_tiny" else EXHAUSTIVE)
    for name in APPS for top in (True, False)])
def test_layer_for_layer_keras_applications(name, include_top):
    shape = (32, 32, 3)
    reference = APPS[name](weights=None, include_top=include_top, input_shape=shape, pooling=None)
    model = zoo.get(name, include_top=include_top, input_shape=shape)
    # the residual sums: keras.applications' are anonymous operations, the zoo's are named Add layers (stages end there)
    ours = [(type(layer).__name__, layer.name) for layer in model.layers
            if not (isinstance(layer, keras.layers.Add) and layer.name.endswith("_add"))]
    theirs = [(type(layer).__name__, layer.name) for layer in reference.layers]
    assert [kind for kind, _ in ours] == [kind for kind, _ in theirs]
    assert [(a, b) for (_, a), (_, b) in zip(ours, theirs) if a != b and not UNNAMED.fullmatch(b)] == []
    nested = [layer for layer in model.layers if isinstance(layer, keras.Sequential)]
    assert [[inner.name for inner in layer.layers] for layer in nested] == \
        [[inner.name for inner in layer.layers] for layer in reference.layers if isinstance(layer, keras.Sequential)]
    assert model.count_params() == reference.count_params()
    rng = np.random.default_rng(0)
    reference.set_weights([w + rng.uniform(0.0, 0.05, w.shape).astype(w.dtype) for w in reference.get_weights()])
    model.set_weights(reference.get_weights())
    x = np.random.default_rng(1).uniform(0, 255, (2, *shape)).astype(np.float32)
    expected = outputs(reference, x)  # headless: a feature map, compared to 1e-5 of its largest value
    atol = 1e-5 * (1.0 if include_top else max(1.0, float(np.abs(expected).max())))
    np.testing.assert_allclose(outputs(model, x), expected, rtol=1e-5, atol=atol)


def test_stochastic_depth_drops_only_while_training():
    model = zoo.get("convnext_tiny", num_classes=3, input_shape=(32, 32, 3), drop_path_rate=0.5,
                    layer_scale_init_value=1.0, classifier_activation=None)  # branches that count
    rates = [layer.rate for layer in model.layers if type(layer).__name__ == "StochasticDepth"]
    assert len(rates) == 17 and rates[-1] == 0.5  # the first block's rate is 0: an identity, as in keras
    x = sample_input(model)
    np.testing.assert_allclose(outputs(model, x), outputs(model, x))
    trained = [keras.ops.convert_to_numpy(model(x, training=True)) for _ in range(3)]
    assert not all(np.allclose(trained[0], t) for t in trained[1:])


def test_features_at_strides_4_to_32_and_other_doors():
    model = zoo.get("convnext_tiny", include_top=False, features=True, input_shape=(64, 64, 3))
    assert [m.shape[1:] for m in outputs(model, sample_input(model))] == \
        [(16, 16, 96), (8, 8, 192), (4, 4, 384), (2, 2, 768)]
    grayscale = zoo.get("convnext_tiny", in_channels=1, input_shape=(32, 32, 3), include_top=False, pooling="avg")
    assert grayscale.input_shape[-1] == 1 and grayscale.output_shape == (None, 768)
    arch = zoo.registry.loader.get_registry().architectures["convnext_small"]
    assert (arch.first_conv, arch.classifier) == ("convnext_small_stem", ("convnext_small_head_dense",
                                                                         "convnext_small_head_dropout"))


def test_conformance_kit_with_the_jax_forward_pass():
    report = check_architecture("convnext_tiny", num_classes=3, input_shape=(32, 32, 3), jax=True)
    assert {"forward pass", ".keras round trip", "other input channels", "JAX backend forward pass",
            "features=True", "search space"} <= set(report["checked"])


@pytest.mark.jax
def test_forward_pass_under_jax():
    assert keras.backend.backend() == "jax"
    model = zoo.get("convnext_tiny", num_classes=5, input_shape=(32, 32, 3))
    y = model.predict(sample_input(model), verbose=0)
    assert y.shape == (2, 5) and np.allclose(y.sum(axis=1), 1.0, atol=1e-5)


@pytest.mark.slow  # about 90 s: ConvNeXt-T's 28M parameters through tf2onnx and the LiteRT converter
def test_onnx_and_litert_exports_check(tmp_path):
    """keras.applications' ConvNeXt exports to neither (a grouped convolution compiled by XLA, erfc, captured
    normalisation constants); the zoo's computes the same with operations that do (zoo.layers.portable)."""
    from zoo.records.identity import ModelIdentity

    pytest.importorskip("tf2onnx")
    weights = tmp_path / "convnext_tiny.weights.h5"
    image_dependent_weights(zoo.get("convnext_tiny", num_classes=10, input_shape=(32, 32, 3)), {}, weights)
    identity = ModelIdentity(architecture="convnext_tiny", arguments=dict(zoo.info("convnext_tiny").arguments),
                             num_classes=10, input_shape=(32, 32, 3), weights=weights, preprocessing={})
    for format, suffix in (("onnx", ".onnx"), ("litert", ".tflite")):
        result = zoo.export(identity, format=format, output=tmp_path / f"m{suffix}", check=True)
        assert result.check.passed and result.check.max_difference <= 1e-4, format


@pytest.mark.parametrize("arguments, message", [
    ({"depths": (3, 3, 9)}, "ConvNeXt has four stages"),
    ({"widths": (96, 192, 384, 0)}, "widths=.* is not allowed: it must be four positive integers"),
    ({"drop_path_rate": 1.0}, r"drop_path_rate=1.0 is not allowed: it must be in \[0, 1\)"),
    ({"layer_scale_init_value": 0}, "layer_scale_init_value=0 is not allowed"),
])
def test_bad_arguments_say_what_is_allowed(arguments, message):
    with pytest.raises(ValueError, match=message):
        zoo.get("convnext_tiny", input_shape=(32, 32, 3), **arguments)


# --- torchvision's checkpoints --------------------------------------------------------------------------


def torch_convnext(name, seed=0):
    """torchvision's ConvNeXt with random weights, in eval mode: random biases, LayerNorm scales and shifts,
    and layer scales of 0.2 to 0.5 (torchvision starts them at 1e-6, where a wrong block could not show)."""
    import torch
    import torchvision

    torch.manual_seed(seed)
    model = getattr(torchvision.models, name)(weights=None).eval()
    generator = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for module_name, parameter in model.named_parameters():
            if module_name.endswith("layer_scale"):
                parameter.uniform_(0.2, 0.5, generator=generator)
            elif module_name.endswith("bias"):
                parameter.uniform_(-0.05, 0.05, generator=generator)
        for module in model.modules():
            if isinstance(module, torch.nn.LayerNorm):
                module.weight.uniform_(0.5, 1.5, generator=generator)
    return model


@pytest.mark.parametrize("name", [pytest.param(name, marks=marks) for name, marks in TORCH_CASES.items()])
def test_torchvision_checkpoint_gives_torchs_outputs(name, tmp_path, monkeypatch):
    import torch

    import zoo.registry.loader
    from test_torch_parity import images, max_difference, save_both
    from zoo.weights.pretrained import import_weights

    monkeypatch.setattr(zoo.registry.loader, "_registry", None)
    model = torch_convnext(name)
    pth, safetensors = save_both(model, tmp_path, name)
    x = images(64)
    tag = import_weights(pth, f"{name}.pth", source="torchvision", input_shape=x.shape[1:])
    assert tag.arguments["include_preprocessing"] is False and tag.preprocessing["mode"] == "torch"
    twin = import_weights(safetensors, f"{name}.st", source="torchvision", input_shape=x.shape[1:])
    with torch.no_grad():
        inputs = torch.from_numpy(x.transpose(0, 3, 1, 2).copy())
        maps, stages = inputs, []
        for index, module in enumerate(model.features):
            maps = module(maps)
            if index % 2:
                stages.append(maps.numpy().transpose(0, 2, 3, 1))
        headless = model.classifier[0](maps).numpy().transpose(0, 2, 3, 1)  # keras' LayerNorm on the last map
        logits = model(inputs).numpy()
    differences = {}
    for tag_name in (tag.name, twin.name):
        ours = zoo.get(tag_name, pretrained=True, classifier_activation=None, input_shape=x.shape[1:])
        differences[f"{tag_name} logits"] = max_difference(outputs(ours, x), logits)
    trunk = zoo.get(tag.name, pretrained=True, include_top=False, input_shape=x.shape[1:])
    differences["include_top=False"] = max_difference(outputs(trunk, x), headless, relative=True)
    features = zoo.get(tag.name, pretrained=True, include_top=False, features=True, input_shape=x.shape[1:])
    for index, (ours, theirs) in enumerate(zip(outputs(features, x), stages, strict=True)):
        differences[f"stage {index + 1}"] = max_difference(ours, theirs, relative=True)
    print(f"{name}: max |zoo - torch| " + ", ".join(f"{k} {v:.1e}" for k, v in differences.items()))
    assert max(differences.values()) <= TORCH_TOLERANCE, differences
    assert np.abs(logits[0] - logits[1]).max() > 0.05  # the logits depend on the image


def test_weight_tags_take_raw_pixels_and_stochastic_depth_is_free():
    from zoo.registry.loader import get_registry
    from zoo.weights.pretrained import check_request, pretrained_identity

    registry = get_registry()
    for name in APPS:
        tag = registry.weights[f"{name}.imagenet"]
        assert tag.default and tag.preprocessing == {} and tag.hash_algorithm == "sha256" and len(tag.hash) == 64
        assert not registry.weights[f"{name}.imagenet_notop"].include_top
    arch = registry.architectures["convnext_tiny"]
    identity = pretrained_identity(arch, None, True, {})
    check_request(identity, arch, {"drop_path_rate": 0.1, "num_classes": 10})  # fine-tuning with stochastic depth
    with pytest.raises(ValueError, match="include_preprocessing=False is not allowed with weights"):
        check_request(identity, arch, {"include_preprocessing": False})
    assert "convnext_xlarge.tv_in1k" not in registry.weights  # torchvision has no xlarge; timm has
    assert set(registry.architectures["convnext_xlarge"].converters) == {"timm"}
