"""An example keras-zoo plugin: AlexNet, registered with every hook keras-zoo offers."""

import zoo

DEFAULTS = {"dropout": 0.5, "classifier_activation": "softmax", "width": 1.0}


@zoo.hookimpl
def zoo_register_architectures(registry):
    registry.add(
        zoo.Architecture(
            name="alexnet",
            family="alexnet",
            build="zoo_alexnet.net:build_alexnet",
            defaults=DEFAULTS,
            input_shape=(224, 224, 3),
            min_input_size=63,
            paper="Krizhevsky 2014, One weird trick for parallelizing convolutional neural networks",
        )
    )


@zoo.hookimpl
def zoo_register_weights(registry):
    # A company mirror would list its own files here; this example ships none.
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
