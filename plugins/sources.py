"""Where the built-in families' reference numbers come from: each source written once, cited by the tables."""

KERAS_DOCS = "keras.applications docs, keras.io/api/applications"
TORCHVISION_DOCS = "torchvision docs, IMAGENET1K_V1 weights"
