"""An example keras-zoo plugin: AlexNet, a family registered in one call, with every hook keras-zoo offers.

The family carries what the core needs as data (builder, defaults, the first convolution and the
classifier, reference metrics). The recipe and the search space could be Architecture fields too;
here they are given through the training and tuning hooks, to show them.
"""

import zoo

FAMILY = zoo.Family(
    base=zoo.Architecture(
        name="alexnet",
        family="alexnet",
        build="zoo_alexnet.net:build_alexnet",
        defaults={"dropout": 0.5, "classifier_activation": "softmax", "width": 1.0},
        input_shape=(224, 224, 3),
        min_input_size=63,
        first_conv="conv1",  # zoo.weights.adapt fits its kernel to other input channels
        classifier=("predictions",),  # fresh for another num_classes; alone in a fine-tuning head phase
        paper="Krizhevsky 2014, One weird trick for parallelizing convolutional neural networks",
        description="AlexNet, one tower: five convolutions, three max-pools, two dense layers.",
    ),
    variants={"alexnet": {}},
    metrics={"alexnet": {"imagenet_top1": {"value": 56.52, "source": "torchvision docs, AlexNet IMAGENET1K_V1"}}},
)


@zoo.hookimpl
def zoo_register_architectures(registry):
    registry.add_family(FAMILY)


@zoo.hookimpl
def zoo_register_weights(registry):
    # A company mirror would list its own files here (zoo.WeightTag(..., package="zoo_alexnet.weights") for
    # files shipped inside this package); this example ships none.
    return None


@zoo.hookimpl
def zoo_training_recipe(architecture):
    if architecture.family != "alexnet":
        return None
    return zoo.TrainingRecipe(optimizer="sgd", lr=0.01, momentum=0.9, weight_decay=5e-4, schedule="step",
                              epochs=90, batch_size=128, augmentation=("flip", "crop"))


@zoo.hookimpl
def zoo_hyperparameters(architecture, hp):
    if architecture.family != "alexnet":
        return None
    return {"dropout": hp.Float("dropout", 0.0, 0.6, step=0.1, default=0.5),
            "width": hp.Choice("width", [0.5, 1.0], default=1.0)}
