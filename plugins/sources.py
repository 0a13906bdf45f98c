"""Where the built-in families' data comes from: each reference source written once, cited by the tables, and the
catalog file that holds their weight tags (the repository's ``registry.yaml``, one section per plugin)."""

from pathlib import Path

CATALOG = Path(__file__).with_name("registry.yaml")

KERAS_DOCS = "keras.applications docs, keras.io/api/applications"
TORCHVISION_DOCS = "torchvision docs, IMAGENET1K_V1 weights"
KERAS_MOBILENETV3 = "keras.applications MobileNetV3 docstring (keras/src/applications/mobilenet_v3.py), alpha 1.0 at 224"
CONVNEXT_TABLE_1 = "Liu et al. 2022, table 1, at 224 (base, large, xlarge: ImageNet-22K pre-trained, as keras' weights)"
