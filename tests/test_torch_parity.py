"""PyTorch checkpoints converted into zoo models give torch's outputs (zoo.convert, zoo.weights).

For every covered family and source a torch model is built with random weights
(torchvision ``weights=None`` / timm ``pretrained=False``, seeded, ``eval()``), its
batch norms randomized too (scale, shift, and running statistics of their own, so that
a wrong batch-norm mapping cannot pass; see :func:`torch_model`), and its LayerNorms and
layer scales (timm's ConvNeXt). Its ``state_dict``
is saved as ``.pth`` and as ``.safetensors`` and both are imported. On the same random
images the zoo model's logits (``include_top=True``) differ from torch's by at most
1e-4 (float32); its last feature map (``include_top=False``) and stage feature maps
(``features=True``) by at most 1e-4 of the map's largest value (or 1e-4, if that is
below 1). The file converted from ``.safetensors`` holds exactly the weights of the one
converted from ``.pth``. Images are 64x64 (VGG's logits: 224x224, where its last
feature map is the 7x7 that torchvision's ``AdaptiveAvgPool2d(7)`` leaves as it is);
VGGs get a 64-wide classifier for 10 classes (``fc_units=64``) to stay small. The
default run has one variant per family and source; ``-m slow`` runs them all.

Then the bad inputs, each a one-line error that leaves no tag and no file behind, and
a catalog tag in torchvision's format served from 127.0.0.1: downloaded, hashed,
converted once, cached, and read from the cache afterwards, offline too.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np
import pytest
import timm
import torch
import torchvision
import yaml
from safetensors.torch import save_file

import zoo
import zoo.registry.loader
from conftest import run_python, run_zoo
from zoo.weights.cache import cache_dir
from zoo.registry.catalog import read_pins
from zoo.errors import DownloadError
from zoo.weights.pretrained import import_weights

TOLERANCE = 1e-4
IMAGENET_MEAN, IMAGENET_STD = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
SLOW = [pytest.mark.slow, pytest.mark.exhaustive]  # the default run has one variant per family
RESNET_STAGES = ("layer1", "layer2", "layer3", "layer4")
DENSENET_STAGES = ("features.denseblock1", "features.denseblock2", "features.denseblock3", "features.norm5")


@dataclass(frozen=True)
class Case:
    source: str
    torch_name: str
    zoo_name: str
    stages: tuple = RESNET_STAGES  # torch modules whose outputs are the zoo's stage feature maps
    relu_last: bool = False  # torchvision's DenseNet applies ReLU after norm5 in forward()
    trunk_norm: str | None = None  # a norm on the last stage gives the include_top=False output (timm's ConvNeXt)
    top_size: int = 64  # the image size for the logits
    small_top: bool = False  # VGG: a 64-wide classifier for 10 classes
    norms: tuple = (0.15, 0.35, 0.2)  # batch-norm scales from, to, and shifts up to (see torch_model)
    arguments: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.source}-{self.torch_name}"


def vgg(name: str) -> Case:
    batch_norm = name.endswith("_bn")
    convs = {"vgg11": (1, 1, 2, 2, 2), "vgg13": (2, 2, 2, 2, 2), "vgg16": (2, 2, 3, 3, 3),
             "vgg19": (2, 2, 4, 4, 4)}[name.removesuffix("_bn")]
    index, pools = 0, []
    for count in convs:
        index += count * (3 if batch_norm else 2)
        pools.append(f"features.{index}")  # the max pooling ending each block
        index += 1
    return Case("torchvision", name, name, stages=tuple(pools[1:]), top_size=224, small_top=True,
                norms=(0.5, 1.0, 0.05), arguments={"fc_units": 64})


def densenet(source: str, name: str) -> Case:
    return Case(source, name, name, stages=DENSENET_STAGES, relu_last=True, norms=(0.2, 0.4, 0.2))


EFFICIENTNET_STAGES = ("features.2", "features.3", "features.5", "features.8")  # strides 4, 8, 16, 32


def efficientnet(name: str) -> Case:
    """torchvision's efficientnet_b0 ... b7 and efficientnet_v2_s/m/l (S has six stages, so its last is features.7)."""
    stages = EFFICIENTNET_STAGES[:3] + ("features.7",) if name == "efficientnet_v2_s" else EFFICIENTNET_STAGES
    norms = (0.5, 1.0, 0.05) if "_v2_" in name else (0.6, 1.1, 0.05)
    return Case("torchvision", name, name.replace("_", ""), stages=stages, norms=norms)


# timm's EfficientNets and V2s: their last stage at strides 4, 8, 16 and the head's batch norm (and activation)
TIMM_EFFICIENTNET_STAGES = ("blocks.1", "blocks.2", "blocks.4", "bn2")
TIMM_TF = {"strided_padding": "same", "bn_epsilon": 1e-3}  # tf_efficientnet_b*: ported from TensorFlow


def timm_efficientnet(name: str) -> Case:
    """timm's efficientnet_b0 ... b7, tf_efficientnet_b0 ... b7 (with TensorFlow's layout as arguments) and
    tf_efficientnetv2_s/m/l. timm's B6 gets narrower batch-norm scales: with the others' its random logits reach
    14, where float32 rounding alone (torch's own: 2.8e-5 from its float64) makes 1.5e-4 of difference; with
    0.5 to 1.0 every B's logits shrink below 0.1 and hardly depend on the image."""
    zoo_name = name.removeprefix("tf_").replace("_", "")
    tf_ported = name.startswith("tf_efficientnet_b")
    norms = (0.5, 1.0, 0.05) if "v2" in name else (0.55, 1.05, 0.05) if name == "efficientnet_b6" else (0.6, 1.1, 0.05)
    return Case("timm", name, zoo_name, stages=TIMM_EFFICIENTNET_STAGES, norms=norms,
                arguments=TIMM_TF if tf_ported else {})


def timm_convnext(name: str) -> Case:
    return Case("timm", name, name, stages=("stages.0", "stages.1", "stages.2", "stages.3"), trunk_norm="head.norm")


MOBILENETV2 = Case("torchvision", "mobilenet_v2", "mobilenetv2",
                   stages=("features.3", "features.6", "features.13", "features.18"), norms=(0.5, 1.0, 0.05))
MOBILENETV3_SMALL = Case("torchvision", "mobilenet_v3_small", "mobilenetv3small",
                         stages=("features.1", "features.3", "features.8", "features.12"), norms=(1.0, 2.0, 0.5))
MOBILENETV3_LARGE = Case("torchvision", "mobilenet_v3_large", "mobilenetv3large",
                         stages=("features.3", "features.6", "features.12", "features.16"), norms=(1.0, 2.0, 0.5))
# timm's MobileNetV3: a stage is the blocks of one width, the last 1x1 convolution a stage of its own
TIMM_MOBILENETV3_SMALL = Case("timm", "mobilenetv3_small_100", "mobilenetv3small",
                              stages=("blocks.0", "blocks.1", "blocks.3", "blocks.5"), norms=(1.0, 2.0, 0.5))
TIMM_MOBILENETV3_LARGE = Case("timm", "mobilenetv3_large_100", "mobilenetv3large",
                              stages=("blocks.1", "blocks.2", "blocks.4", "blocks.6"), norms=(1.0, 2.0, 0.5))
FAST = [
    Case("torchvision", "resnet18", "resnet18"),
    Case("torchvision", "resnet50", "resnet50"),
    vgg("vgg11_bn"),
    densenet("torchvision", "densenet121"),
    MOBILENETV2,
    MOBILENETV3_SMALL,
    Case("timm", "resnet18", "resnet18"),
    efficientnet("efficientnet_b0"),
    efficientnet("efficientnet_v2_s"),
    timm_efficientnet("efficientnet_b0"),
    timm_efficientnet("tf_efficientnetv2_s"),
    TIMM_MOBILENETV3_SMALL,
    timm_convnext("convnext_tiny"),
]
SLOW_CASES = [
    densenet("timm", "densenet121"),
    MOBILENETV3_LARGE,
    *[Case("torchvision", name, name) for name in ("resnet34", "resnet101", "resnet152")],
    *[vgg(name) for name in ("vgg11", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn")],
    *[densenet("torchvision", name) for name in ("densenet169", "densenet201")],
    *[Case("timm", name, name) for name in ("resnet34", "resnet50", "resnet101", "resnet152")],
    *[densenet("timm", name) for name in ("densenet169", "densenet201")],
    *[efficientnet(f"efficientnet_b{index}") for index in range(1, 8)],
    *[efficientnet(f"efficientnet_v2_{size}") for size in ("m", "l")],
    *[timm_efficientnet(f"efficientnet_b{index}") for index in range(1, 8)],
    *[timm_efficientnet(f"tf_efficientnet_b{index}") for index in range(8)],
    *[timm_efficientnet(f"tf_efficientnetv2_{size}") for size in ("m", "l")],
    TIMM_MOBILENETV3_LARGE,
    *[timm_convnext(f"convnext_{size}") for size in ("small", "base", "large", "xlarge")],
]
CASES = [pytest.param(case, id=case.id) for case in FAST] + \
        [pytest.param(case, id=case.id, marks=SLOW) for case in SLOW_CASES]


# --- torch's side ----------------------------------------------------------------------------------


def torch_model(case: Case, seed: int = 0) -> torch.nn.Module:
    """The torch model with random weights, in eval mode.

    Every bias is random (torchvision starts VGG's at 0), VGG's small classifier has He's initialization,
    timm's depthwise kernels torchvision's (timm's fan-out counts one group: kernels sqrt(channels) times
    larger, whose growth through the deep residual stages takes float32 rounding past the tolerance),
    each LayerNorm has a random scale (0.5 to 1.5), each layer scale (timm's ``gamma``) is 0.2 to 0.5
    (timm starts them at 1e-6, where a wrong block could not show), and each batch norm gets a random
    scale and shift (``case.norms``) and, layer by layer, the running
    mean and variance of its own input on random images (a variance at least 0.05): every channel
    has statistics of its own, the activations keep their scale through the depth, and the outputs
    depend on the image, so neither a wrong batch-norm mapping nor a wrong layout can pass. Per
    family, the scales are what keeps the outputs image-dependent while the deepest networks do not
    amplify float32 rounding past the tolerance (torch's own float32 outputs stay within 2e-5 of its
    float64 ones).
    """
    torch.manual_seed(seed)
    if case.source == "torchvision":
        model = getattr(torchvision.models, case.torch_name)(weights=None)
    else:
        model = timm.create_model(case.torch_name, pretrained=False)
    if case.small_top:
        model.classifier = torch.nn.Sequential(
            torch.nn.Linear(512 * 7 * 7, 64), torch.nn.ReLU(True), torch.nn.Dropout(),
            torch.nn.Linear(64, 64), torch.nn.ReLU(True), torch.nn.Dropout(), torch.nn.Linear(64, 10))
    generator = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear)) and module.bias is not None:
                module.bias.uniform_(-0.05, 0.05, generator=generator)  # torchvision starts VGG's at 0
            if case.small_top and isinstance(module, torch.nn.Linear):
                torch.nn.init.kaiming_normal_(module.weight, generator=generator)
            if case.source == "timm" and isinstance(module, torch.nn.Conv2d) and module.groups > 1:
                torch.nn.init.kaiming_normal_(module.weight, mode="fan_out", generator=generator)  # as torchvision
            if isinstance(module, torch.nn.LayerNorm):
                module.weight.uniform_(0.5, 1.5, generator=generator)
                module.bias.uniform_(-0.05, 0.05, generator=generator)
        for name, parameter in model.named_parameters():
            if name.endswith(".gamma"):
                parameter.uniform_(0.2, 0.5, generator=generator)
    norms = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]

    def measure(norm, inputs):  # runs before the norm, so each one normalizes what it is given
        norm.running_mean.copy_(inputs[0].mean((0, 2, 3)))
        norm.running_var.copy_(inputs[0].var((0, 2, 3)).clamp(min=0.05))

    low, high, shift = case.norms
    model.eval()
    with torch.no_grad():
        for norm in norms:
            norm.weight.uniform_(low, high, generator=generator)
            norm.bias.uniform_(-shift, shift, generator=generator)
        hooks = [norm.register_forward_pre_hook(measure) for norm in norms]
        model(torch.from_numpy(images(case.top_size, seed=seed + 2, count=4).transpose(0, 3, 1, 2).copy()))
    for hook in hooks:
        hook.remove()
    return model


def torch_outputs(model, case: Case, x: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Torch's logits and its stage outputs (NHWC) for NHWC images ``x``."""
    captured = {}
    modules = dict(model.named_modules())
    hooks = [modules[name].register_forward_hook(lambda m, i, out, name=name: captured.__setitem__(name, out))
             for name in case.stages]
    with torch.no_grad():
        logits = model(torch.from_numpy(x.transpose(0, 3, 1, 2).copy()))
    for hook in hooks:
        hook.remove()
    stages = [captured[name] for name in case.stages]
    if case.relu_last:
        stages[-1] = torch.relu(stages[-1])
    return logits.numpy(), [s.numpy().transpose(0, 2, 3, 1) for s in stages]


def trunk_output(model, case: Case, last: np.ndarray) -> np.ndarray:
    """What the zoo model without its top gives: the last stage's map (NHWC), through ``case.trunk_norm`` if any."""
    if case.trunk_norm is None:
        return last
    with torch.no_grad():
        normed = dict(model.named_modules())[case.trunk_norm](torch.from_numpy(last.transpose(0, 3, 1, 2).copy()))
    return normed.numpy().transpose(0, 2, 3, 1)


def images(size: int, seed: int = 0, count: int = 2) -> np.ndarray:
    """Random images, NHWC, normalized as the weights' preprocessing does (ImageNet mean and std): stripes
    of random frequencies and phases per channel, plus noise (of noise alone all would give the same
    pooled features)."""
    rng = np.random.default_rng(seed)
    v, u = np.meshgrid(np.linspace(0, 1, size), np.linspace(0, 1, size), indexing="ij")
    batch = []
    for _ in range(count):
        frequencies, phases = rng.uniform(1, 6, (3, 2)), rng.uniform(0, 2 * np.pi, 3)
        stripes = np.stack([np.sin(2 * np.pi * (fu * u + fv * v) + phase)
                            for (fu, fv), phase in zip(frequencies, phases)], axis=-1)
        batch.append(np.clip(0.5 + 0.4 * stripes + 0.1 * rng.standard_normal(stripes.shape), 0, 1))
    return ((np.asarray(batch) - IMAGENET_MEAN) / IMAGENET_STD).astype(np.float32)


def save_both(model, directory: Path, stem: str) -> tuple[Path, Path]:
    """The model's state_dict as ``.pth`` (torch.save) and ``.safetensors``."""
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    pth, safetensors = directory / f"{stem}.pth", directory / f"{stem}.safetensors"
    torch.save(state, pth)
    save_file(state, str(safetensors))
    return pth, safetensors


def h5_arrays(path: Path) -> dict[str, np.ndarray]:
    arrays = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, item: arrays.__setitem__(name, item[()]) if isinstance(item, h5py.Dataset) else None)
    return arrays


def max_difference(ours, theirs, relative: bool = False) -> float:
    """max |ours - theirs|; ``relative``: divided by max(1, max |theirs|), for feature maps of any scale."""
    ours = np.asarray(ours)
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    return float(np.abs(ours - theirs).max() / (max(1.0, float(np.abs(theirs).max())) if relative else 1.0))


@pytest.fixture
def fresh_registry(monkeypatch):
    monkeypatch.setattr(zoo.registry.loader, "_registry", None)


# --- parity ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_converted_checkpoint_gives_torchs_outputs(case, tmp_path, zoo_home, fresh_registry):
    model = torch_model(case)
    pth, safetensors = save_both(model, tmp_path, case.torch_name)
    top = {"num_classes": 10} if case.small_top else {}
    metadata = dict(top, input_shape=(case.top_size, case.top_size, 3), arguments=case.arguments)
    tag = import_weights(pth, f"{case.zoo_name}.pth", source=case.source, **metadata)
    twin = import_weights(safetensors, f"{case.zoo_name}.st", source=case.source, **metadata)
    converted, twin_converted = (h5_arrays(zoo_home / "weights" / t.file_name) for t in (tag, twin))
    assert converted.keys() == twin_converted.keys()  # bit for bit; and safetensors need no torch (see below)
    assert all(np.array_equal(converted[k], twin_converted[k]) for k in converted)
    layout = zoo.registry.loader.get_registry().architectures[case.zoo_name].converters[case.source][1]
    recorded = {key: tag.arguments[key] for key in {**layout, **case.arguments}}  # with every other default
    assert json.loads(json.dumps(recorded)) == json.loads(json.dumps({**layout, **case.arguments}))
    assert tag.preprocessing["mode"] == "torch"

    x = images(case.top_size)
    logits, _ = torch_outputs(model, case, x)
    with torch.no_grad():  # how far torch's own float32 is from exact, for the report
        exact = copy.deepcopy(model).double()(torch.from_numpy(x.transpose(0, 3, 1, 2).copy()).double()).numpy()
    ours = zoo.get(tag.name, pretrained=True, classifier_activation=None, input_shape=x.shape[1:])
    differences = {"logits": max_difference(ours(x), logits)}

    x = images(64, seed=1)
    _, stages = torch_outputs(model, case, x)
    trunk = zoo.get(tag.name, pretrained=True, include_top=False, input_shape=x.shape[1:])
    differences["include_top=False"] = max_difference(trunk(x), trunk_output(model, case, stages[-1]), relative=True)
    features = zoo.get(tag.name, pretrained=True, include_top=False, features=True, input_shape=x.shape[1:])
    for index, (ours, theirs) in enumerate(zip(features(x), stages, strict=True)):
        differences[f"stage {index + 1}"] = max_difference(ours, theirs, relative=True)
    print(f"{case.id}: max |zoo - torch| " + ", ".join(f"{k} {v:.1e}" for k, v in differences.items())
          + f"; logits up to {np.abs(logits).max():.2f}, differing by {np.abs(logits[0] - logits[1]).max():.2f} "
          f"between the two images; torch float32 - float64 {np.abs(logits - exact).max():.1e}")
    assert max(differences.values()) <= TOLERANCE, differences
    assert np.abs(logits[0] - logits[1]).max() > 0.05  # the logits depend on the image


def test_every_converter_has_a_parity_case():
    registry = zoo.registry.loader.get_registry()
    converters = {(source, a.name) for a in registry.architectures.values() for source in a.converters}
    from test_convnext import TORCH_CASES as CONVNEXT  # ConvNeXt's own harness: LayerNorms, layer scales

    assert converters == {(case.source, case.zoo_name) for case in FAST + SLOW_CASES} | \
        {("torchvision", name) for name in CONVNEXT}


@pytest.mark.parametrize("name, wrong", [
    ("resnet50", {"bottleneck_stride": "1x1"}),  # keras.applications' stride
    ("mobilenetv2", {"strided_padding": "same"}),  # TensorFlow's asymmetric padding
    ("mobilenetv3small", {"strided_padding": "same"}),
])
def test_the_layout_arguments_are_needed(name, wrong, tmp_path, fresh_registry):
    case = {"mobilenetv2": MOBILENETV2, "mobilenetv3small": MOBILENETV3_SMALL}.get(name, Case("torchvision", name, name))
    model = torch_model(case)
    pth, _ = save_both(model, tmp_path, name)
    tag = import_weights(pth, f"{name}.tv", source="torchvision")
    x = images(64)
    logits, _ = torch_outputs(model, case, x)
    path = cache_dir() / tag.file_name
    arguments = {**tag.arguments, "classifier_activation": None, "input_shape": x.shape[1:]}
    right = zoo.get(name, pretrained=str(path), **arguments)
    other = zoo.get(name, pretrained=str(path), **{**arguments, **wrong})
    assert max_difference(right(x), logits) <= TOLERANCE
    assert max_difference(other(x), logits) > 0.01


def test_torchvisions_published_densenet_names_convert(tmp_path, fresh_registry):
    """torchvision's published DenseNet files name a dense layer's modules ``norm.1``, ``conv.1``, ..."""
    case = densenet("torchvision", "densenet121")
    model = torch_model(case)
    old = {key.replace(".norm1.", ".norm.1.").replace(".conv1.", ".conv.1.").replace(".norm2.", ".norm.2.")
           .replace(".conv2.", ".conv.2.") if ".denselayer" in key else key: value
           for key, value in model.state_dict().items()}
    assert "features.denseblock1.denselayer1.norm.1.weight" in old
    torch.save(old, tmp_path / "densenet121-a639ec97.pth")
    tag = import_weights(tmp_path / "densenet121-a639ec97.pth", "densenet121.old", source="torchvision")
    x = images(64)
    logits, _ = torch_outputs(model, case, x)
    ours = zoo.get(tag.name, pretrained=True, classifier_activation=None, input_shape=x.shape[1:])
    assert max_difference(ours(x), logits) <= TOLERANCE


# --- bad input ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def resnet18(tmp_path_factory):
    """A random torchvision resnet18, its state_dict saved as .pth and .safetensors."""
    model = torch_model(Case("torchvision", "resnet18", "resnet18"))
    return model, *save_both(model, tmp_path_factory.mktemp("resnet18"), "resnet18")


def assert_nothing_left(zoo_home, name):
    assert name not in zoo.registry.loader.get_registry().weights
    assert not (zoo_home / "registry.yaml").exists()
    assert not list((zoo_home / "weights").glob("*")) if (zoo_home / "weights").exists() else True


@pytest.mark.parametrize("name, message", [
    ("resnet50", "tensor layer1.0.conv1.weight has shape (64, 64, 3, 3), but "
                 "conv2_block1_1_conv/kernel needs (64, 64, 1, 1)"),
    ("resnet34", "has no tensor layer1.2.conv1.weight (for conv2_block3_1_conv/kernel) and 79 more missing"),
])
def test_a_checkpoint_of_another_depth_is_refused(resnet18, name, message, zoo_home, fresh_registry):
    _, pth, _ = resnet18
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        import_weights(pth, f"{name}.wrong", source="torchvision")
    assert_nothing_left(zoo_home, f"{name}.wrong")


@pytest.mark.parametrize("change, message", [
    (lambda state: state.update({"head.extra.weight": torch.zeros(3)}), "tensor(s) head.extra.weight of the"),
    (lambda state: state.pop("layer4.1.bn2.running_var"), "has no tensor layer4.1.bn2.running_var (for "
                                                          "conv5_block2_2_bn/moving_variance)"),
])
def test_a_tensor_left_over_or_missing_is_named(resnet18, change, message, tmp_path, zoo_home, fresh_registry):
    model, _, _ = resnet18
    state = dict(model.state_dict())
    change(state)
    torch.save(state, tmp_path / "changed.pth")
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        import_weights(tmp_path / "changed.pth", "resnet18.changed", source="torchvision")
    assert_nothing_left(zoo_home, "resnet18.changed")


@pytest.mark.parametrize("entry, prefix", [("model", ""), ("model_ema", "module."), ("state_dict", "module.")])
def test_a_training_checkpoint_gives_its_state_dict(resnet18, entry, prefix, tmp_path, fresh_registry):
    """As torchvision's and timm's training scripts save them: optimizer state, epoch, an EMA's counter."""
    model = copy.deepcopy(resnet18[0])  # the optimizer's step changes it
    state = {prefix + k: v for k, v in model.state_dict().items()}
    if entry == "model_ema":
        state["n_averaged"] = torch.tensor(100)  # torch.optim.swa_utils.AveragedModel's
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-5)  # steps of 1e-5: the outputs stay in range
    model(torch.zeros(1, 3, 32, 32)).sum().backward()
    optimizer.step()
    torch.save({entry: state, "optimizer": optimizer.state_dict(), "epoch": 3}, tmp_path / "checkpoint.pth")
    tag = import_weights(tmp_path / "checkpoint.pth", "resnet18.trained", source="torchvision")
    assert f"its {entry!r} entry" in tag.source
    x = images(64)
    logits, _ = torch_outputs(model.eval(), Case("torchvision", "resnet18", "resnet18"), x)
    ours = zoo.get(tag.name, pretrained=True, classifier_activation=None, input_shape=x.shape[1:])
    assert max_difference(ours(x), logits) <= TOLERANCE


def test_a_checkpoint_without_a_state_dict_names_its_entries(resnet18, tmp_path, zoo_home, fresh_registry):
    model, _, _ = resnet18
    torch.save({"weights": model.state_dict(), "epoch": 3}, tmp_path / "odd.pth")
    with pytest.raises(ValueError, match="neither it nor its entry state_dict or model or model_ema maps names to "
                                         "tensors; its entries: 'weights', 'epoch'"):
        import_weights(tmp_path / "odd.pth", "resnet18.odd", source="torchvision")
    assert_nothing_left(zoo_home, "resnet18.odd")


def cli_import(path, name_tag, zoo_home, *extra):
    return run_zoo("weights", "import", str(path), "--as", name_tag, *extra, env={"ZOO_HOME": str(zoo_home)})


def assert_one_line_error(result, *fragments):
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_a_pickle_weights_only_refuses_is_one_line(resnet18, tmp_path, zoo_home):
    model, _, _ = resnet18
    torch.save({"model": model.state_dict(), "args": argparse.Namespace(lr=0.1)}, tmp_path / "trusted.pth")
    result = cli_import(tmp_path / "trusted.pth", "resnet18.pickled", zoo_home, "--from", "torchvision")
    assert_one_line_error(result, "torch.load(weights_only=True) refuses this file", "argparse.Namespace")
    assert_nothing_left(zoo_home, "resnet18.pickled")


def test_a_truncated_safetensors_file_is_one_line(resnet18, tmp_path, zoo_home):
    _, _, safetensors = resnet18
    data = safetensors.read_bytes()
    (tmp_path / "cut.safetensors").write_bytes(data[: len(data) // 2])
    result = cli_import(tmp_path / "cut.safetensors", "resnet18.cut", zoo_home, "--from", "torchvision")
    assert_one_line_error(result, "not a readable safetensors file")
    assert_nothing_left(zoo_home, "resnet18.cut")


def test_what_is_not_supported_is_listed(resnet18, zoo_home, tmp_path):
    _, pth, _ = resnet18
    assert_one_line_error(cli_import(pth, "resnet18.x", zoo_home, "--from", "keras"),
                          "source='keras' is not allowed: use one of ('timm', 'torchvision')")
    assert_one_line_error(cli_import(pth, "resnet20.x", zoo_home, "--from", "torchvision"),
                          "resnet20 cannot be converted from torchvision checkpoints",
                          "densenet121", "mobilenetv2", "resnet18", "vgg19_bn")
    assert_one_line_error(cli_import(pth, "vgg16.x", zoo_home, "--from", "timm"), "vgg16 cannot be converted from timm")
    assert_one_line_error(cli_import(pth, "resnet18.x", zoo_home), "is a PyTorch checkpoint", "--from torchvision")
    assert_one_line_error(cli_import(pth, "resnet18.x", zoo_home, "--from", "torchvision", "--arch", "resnet34"),
                          "arch='resnet34' is not allowed")
    assert not (zoo_home / "registry.yaml").exists()


@pytest.mark.slow
def test_cli_import_with_arch_then_offline_get(resnet18, zoo_home, monkeypatch, fresh_registry):
    model, _, safetensors = resnet18
    result = cli_import(safetensors, "resnet18.mine", zoo_home, "--from", "torchvision", "--arch", "resnet18")
    assert result.returncode == 0, result.stderr
    assert "converted from the torchvision checkpoint" in result.stdout and '"bn_epsilon": 1e-05' in result.stdout
    entry = yaml.safe_load((zoo_home / "registry.yaml").read_text())["weights"]["resnet18.mine"]
    assert entry["class_names"] == "imagenet" and entry["preprocessing"]["crop"] == [224, 224]
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    x = images(64)
    logits, _ = torch_outputs(model, Case("torchvision", "resnet18", "resnet18"), x)
    ours = zoo.get("resnet18.mine", pretrained=True, classifier_activation=None, input_shape=x.shape[1:])
    assert max_difference(ours(x), logits) <= TOLERANCE


@pytest.mark.slow
def test_safetensors_need_no_torch_and_pth_names_it(resnet18, tmp_path, zoo_home):
    _, pth, safetensors = resnet18
    result = run_python(f"""
        import sys

        class NoTorch:  # importing torch fails, as where it is not installed
            def find_spec(self, name, path=None, target=None):
                if name.partition(".")[0] == "torch":
                    raise ModuleNotFoundError(f"No module named {{name!r}}")

        sys.meta_path.insert(0, NoTorch())
        from zoo.weights.pretrained import import_weights
        tag = import_weights({str(safetensors)!r}, "resnet18.st", source="torchvision")
        print("converted", tag.hash)
        try:
            import_weights({str(pth)!r}, "resnet18.pth", source="torchvision")
        except ValueError as error:
            print(error)
    """, env={"ZOO_HOME": str(zoo_home)})
    assert result.returncode == 0, result.stderr
    assert "converted" in result.stdout
    assert "needs the package 'torch', which is not installed" in result.stdout


# --- catalog tags in torchvision's format --------------------------------------------------------------


@pytest.fixture
def served_resnet18(resnet18, server, catalog):
    """``resnet18.test``: a torch-saved checkpoint served at 127.0.0.1, with torch.hub's hash prefix."""
    model, pth, _ = resnet18
    data = pth.read_bytes()
    prefix = hashlib.sha256(data).hexdigest()[:8]
    file_name = f"resnet18-{prefix}.pth"
    server.files[file_name] = data
    entry = {"file_name": file_name, "urls": [server.url("ok", file_name)], "hash": prefix,
             "format": "torchvision", "num_classes": 1000, "class_names": "imagenet", "input_shape": [224, 224, 3],
             "preprocessing": {"mode": "torch", "resize": [256, 256], "crop": [224, 224]}}
    catalog({"resnet18.test": entry})
    return model, file_name


def test_pretrained_downloads_converts_once_and_reads_the_cache(served_resnet18, server,
                                                                 zoo_home, monkeypatch):
    model, file_name = served_resnet18
    tag = zoo.registry.loader.get_registry().weights["resnet18.test"]
    # the torchvision layout of ResNets (where a bottleneck strides is moot in resnet18's basic blocks)
    assert tag.arguments == {"bottleneck_stride": "3x3", "use_bias": False, "bn_epsilon": 1e-5}
    x = images(64)
    logits, _ = torch_outputs(model, Case("torchvision", "resnet18", "resnet18"), x)

    def get():
        monkeypatch.setattr(zoo.registry.loader, "_registry", None)  # as a new process would
        return zoo.get("resnet18.test", pretrained=True, classifier_activation=None, input_shape=x.shape[1:])

    assert max_difference(get()(x), logits) <= TOLERANCE
    converted = zoo_home / "weights" / f"resnet18.test.{tag.hash}.weights.h5"
    assert converted.is_file() and (zoo_home / "weights" / file_name).is_file()
    full = hashlib.sha256((zoo_home / "weights" / file_name).read_bytes()).hexdigest()
    assert read_pins()["resnet18.test"] == {"file_name": file_name, "sha256": full}  # the prefix, made whole
    mtime = converted.stat().st_mtime_ns
    assert max_difference(get()(x), logits) <= TOLERANCE
    assert server.count("ok", file_name) == 1 and converted.stat().st_mtime_ns == mtime  # not fetched, not converted
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    (zoo_home / "weights" / file_name).unlink()  # offline, the converted file is all it needs
    assert max_difference(get()(x), logits) <= TOLERANCE
    assert server.count("ok", file_name) == 1
    verify = run_zoo("weights", "verify", env={"ZOO_HOME": str(zoo_home), "ZOO_REGISTRY": str(catalog_path())})
    assert f"ok       {converted} (resnet18.test, converted from its checkpoint" in verify.stdout, verify.stdout
    converted.write_bytes(converted.read_bytes()[:1000])  # damaged on disk: verify removes it ...
    verify = run_zoo("weights", "verify", env={"ZOO_HOME": str(zoo_home), "ZOO_REGISTRY": str(catalog_path())})
    assert verify.returncode == 1 and f"CORRUPT  {converted}" in verify.stdout and not converted.exists()
    monkeypatch.delenv("ZOO_OFFLINE")  # ... and the next use fetches and converts it again
    assert max_difference(get()(x), logits) <= TOLERANCE and converted.is_file()


def catalog_path() -> str:
    import os

    return os.environ["ZOO_REGISTRY"]


def test_a_wrong_hash_prefix_is_refused(served_resnet18, server, catalog, zoo_home):
    _, file_name = served_resnet18
    catalog({"resnet18.test": {"file_name": file_name, "urls": [server.url("ok", file_name)], "hash": "00000000",
                               "format": "torchvision"}})
    with pytest.raises(DownloadError, match="expected 00000000"):
        zoo.get("resnet18.test", pretrained=True)
    assert not list((zoo_home / "weights").glob("*.weights.h5"))


def test_a_checkpoint_tag_needs_a_converter_and_a_hash(catalog):
    catalog({"resnet20.tv": {"file_name": "resnet20.pth", "format": "torchvision", "hash": "0" * 8}})
    with pytest.raises(zoo.CatalogError, match="resnet20 converts no torchvision checkpoints"):
        zoo.list()
    catalog({"resnet18.tv": {"file_name": "resnet18.pth", "format": "torchvision"}})
    with pytest.raises(zoo.CatalogError, match="format='torchvision' needs a hash"):
        zoo.list()


def test_published_torchvision_tags_are_listed_without_torch_or_tensorflow():
    result = run_python("""
        import sys, zoo
        from zoo.cli import main
        names = zoo.list(pretrained=True)
        for name in ("resnet18", "resnet34", "vgg11", "vgg13_bn", "densenet121", "mobilenetv2"):
            assert name in names, name
        tag = zoo.info("resnet50.tv2_in1k").weights
        assert tag.format == "torchvision" and tag.hash == "11ad3fa6", tag
        assert tag.arguments == {"bottleneck_stride": "3x3", "use_bias": False, "bn_epsilon": 1e-5}
        assert tag.preprocessing == {"mode": "torch", "resize": [232, 232], "crop": [224, 224]}
        assert main(["list", "--pretrained"]) == 0
        assert not {"torch", "tensorflow", "keras"} & set(sys.modules), "imported"
    """)
    assert result.returncode == 0, result.stderr
    assert "vgg11_bn" in result.stdout and "resnet34" in result.stdout


def test_every_published_tag_names_its_torchvision_file():
    """URL, file name and hash prefix agree with torchvision's own record of the weights, acc@1 too."""
    registry = zoo.registry.loader.get_registry()
    tags = [t for t in registry.weights.values() if t.format == "torchvision"]
    assert len(tags) == 21 + 12 + 3 + 4  # and issue 23's: EfficientNet and V2, MobileNetV3 (small; large V1, V2), ConvNeXt
    for tag in tags:
        enum_name, weights = tag.source.split()[1].split(".")
        published = getattr(getattr(torchvision.models, enum_name), weights)
        assert tag.urls == (published.url,) and published.url.endswith(f"/{tag.file_name}")
        assert tag.file_name.endswith(f"-{tag.hash}.pth")
        assert tag.metrics["imagenet_top1"]["value"] == published.meta["_metrics"]["ImageNet-1K"]["acc@1"]
        assert tag.preprocessing["crop"] == [published.transforms().crop_size[0]] * 2
        assert tag.preprocessing["resize"] == [published.transforms().resize_size[0]] * 2
