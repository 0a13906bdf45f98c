"""LeNet-5 (LeCun et al. 1998): the shortest complete family file, and the reference for how a plugin reads.

A plugin module is data: the family (its builder reference, defaults, recipe, search
space and model card), and one hook that registers it. The network is in
:mod:`zoo_plugins.nets.lenet`, imported only when a model is built.
"""

import zoo

from .sources import CATALOG

# How LeNet trains: Adam with a cosine schedule, small random shifts (MNIST-sized data in minutes on a CPU).
RECIPE = zoo.TrainingRecipe(optimizer="adam", lr=3e-3, schedule="cosine", batch_size=64, epochs=30,
                            augmentation=("translate",))


def space(hp, architecture):
    """LeNet's search space: activation, subsampling, widths, dropout (defaults: the paper's)."""
    defaults = architecture.defaults
    (c1, c3), (f5, f6) = defaults["filters"], defaults["units"]
    return {
        "activation": hp.Choice("activation", ["tanh", "relu"], default=defaults["activation"]),
        "subsampling": hp.Choice("subsampling", ["avg", "max"], default=defaults["subsampling"]),
        "filters": (hp.Int("filters_c1", 4, 16, step=2, default=c1), hp.Int("filters_c3", 8, 32, step=8, default=c3)),
        "units": (hp.Int("units_f5", 60, 240, step=60, default=f5), hp.Int("units_f6", 42, 168, step=42, default=f6)),
        "dropout": hp.Float("dropout", 0.0, 0.5, step=0.1, default=defaults["dropout"]),
    }


FAMILY = zoo.Family(
    base=zoo.Architecture(
        name="lenet5",
        family="lenet",
        build="zoo_plugins.nets.lenet:build_lenet",
        defaults={
            "activation": "tanh",  # "tanh" as in the paper, or "relu"
            "subsampling": "avg",  # "avg" as in the paper, or "max"
            "filters": (6, 16),  # C1 and C3 feature maps
            "units": (120, 84),  # F5 and F6 widths
            "dropout": 0.0,  # before the classifier
            "classifier_activation": "softmax",
            "features": False,
            "out_indices": None,
        },
        input_shape=(32, 32, 1),
        min_input_size=28,
        num_classes=10,
        first_conv="conv1",
        stages=(("pool1", 6, 2), ("pool2", 16, 4)),  # C1 and C3 after their subsampling
        recipe=RECIPE,
        search_space=space,
        paper="LeCun et al. 1998, Gradient-based learning applied to document recognition",
        description="LeNet-5: two 5x5 convolutions with subsampling, then 120-84-classes dense layers. Its default "
                    "input is the paper's 32x32 (MNIST's 28x28 digits padded); it takes any size from 28, and the "
                    "zoo's weights were trained on the 28x28 digits as they are.",
    ),
    variants={"lenet5": {}},
    metrics={"lenet5": {"mnist_top1": {"value": 99.05, "source": "LeCun et al. 1998, fig. 9: LeNet-5, 0.95% test error "
                                                             "on MNIST without distortions"}}},
)


@zoo.hookimpl
def zoo_register_architectures(registry):
    registry.add_family(FAMILY)


@zoo.hookimpl
def zoo_register_weights(registry):
    registry.add_catalog(CATALOG, "lenet")
