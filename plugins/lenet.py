"""LeNet-5 (LeCun et al. 1998): the reference for how a keras-zoo plugin reads.

A plugin module registers data only: the variants table, and the hooks that
hand the core each architecture. The network itself is in
:mod:`zoo_plugins.nets.lenet`, imported when a model is built.
"""

import zoo

PAPER = "LeCun et al. 1998, Gradient-based learning applied to document recognition"

# The architecture's own arguments and their defaults (paper: tanh, average subsampling).
DEFAULTS = {
    "activation": "tanh",  # "tanh" as in the paper, or "relu"
    "subsampling": "avg",  # "avg" as in the paper, or "max"
    "filters": (6, 16),  # C1 and C3 feature maps
    "units": (120, 84),  # F5 and F6 widths
    "dropout": 0.0,  # before the classifier
    "classifier_activation": "softmax",
}

VARIANTS = {
    "lenet5": {},
}


@zoo.hookimpl
def zoo_register_architectures(registry):
    for name, arguments in VARIANTS.items():
        registry.add(
            zoo.Architecture(
                name=name,
                family="lenet",
                build="zoo_plugins.nets.lenet:build_lenet",
                defaults={**DEFAULTS, **arguments},
                input_shape=(32, 32, 1),
                min_input_size=28,
                num_classes=10,
                paper=PAPER,
                description="LeNet-5: two 5x5 convolutions with subsampling, then 120-84-classes dense layers.",
            )
        )


# How LeNet trains: Adam with a cosine schedule, small random shifts (MNIST-sized data in minutes on a CPU).
RECIPE = zoo.TrainingRecipe(optimizer="adam", lr=3e-3, schedule="cosine", batch_size=64, epochs=30,
                            augmentation=("translate",))


@zoo.hookimpl
def zoo_training_recipe(architecture):
    """LeNet's training recipe (for the lenet family only)."""
    if architecture.family == "lenet":
        return RECIPE


@zoo.hookimpl
def zoo_hyperparameters(architecture, hp):
    """LeNet's search space: activation, subsampling, widths, dropout (defaults: the paper's)."""
    if architecture.family != "lenet":
        return None
    (c1, c3), (f5, f6) = DEFAULTS["filters"], DEFAULTS["units"]
    return {
        "activation": hp.Choice("activation", ["tanh", "relu"], default=DEFAULTS["activation"]),
        "subsampling": hp.Choice("subsampling", ["avg", "max"], default=DEFAULTS["subsampling"]),
        "filters": (hp.Int("filters_c1", 4, 16, step=2, default=c1), hp.Int("filters_c3", 8, 32, step=8, default=c3)),
        "units": (hp.Int("units_f5", 60, 240, step=60, default=f5), hp.Int("units_f6", 42, 168, step=42, default=f6)),
        "dropout": hp.Float("dropout", 0.0, 0.5, step=0.1, default=DEFAULTS["dropout"]),
    }
