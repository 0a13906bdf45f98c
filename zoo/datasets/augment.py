"""A recipe's augmentation of training batches, from Keras' own preprocessing layers, inside ``tf.data``.

Two steps, in the order a batch meets them:

- :meth:`Augmentation.images`, on pixels (0..255) before the model's preprocessing: the recipe's
  ``augmentation`` (flip, pad-and-crop, translation), then RandAugment, then random erasing;
- :meth:`Augmentation.mix`, on the model-ready batch and its one-hot labels: MixUp or CutMix, chosen per
  batch as timm does (``mix_prob`` that a batch is mixed, ``mix_switch_prob`` that a mixed batch uses CutMix).

Every random draw comes from a seeded generator whose state is a variable; :meth:`Augmentation.state`
reads them and :meth:`Augmentation.restore` puts them back, so a resumed run goes on with the draws it
would have made (a run's checkpoint keeps them, :class:`zoo.training.runs.RunCheckpoint`). The Keras
layers run in ``tf.data`` under any Keras backend.
"""

from __future__ import annotations

from zoo.records.recipes import TrainingRecipe

PAD = 4  # pixels of padding before the random crop (He et al. 2016)
TRANSLATION = 0.1  # the largest shift of "translate", as a fraction of the height and width
VALUE_RANGE = (0, 255)


def pixel_augmentations(recipe: TrainingRecipe) -> list[str]:
    """The recipe fields that change pixel values and so need pixel images (0..255), not preprocessed floats."""
    return [name for name, on in (("randaugment_ops", recipe.randaugment_ops),
                                  ("erasing_prob", recipe.erasing_prob)) if on]


class Augmentation:
    """The training-batch augmentation a recipe asks for (see the module's description).

    :param recipe: the recipe (its ``augmentation``, RandAugment, random erasing, MixUp and CutMix fields).
    :param image_shape: the model's input shape, ``(height, width, channels)``.
    :param seed: seeds every layer, so a run's augmentation is reproducible.

    Example::

        >>> augment = Augmentation(zoo.TrainingRecipe(augmentation=("flip",), mixup_alpha=0.2), (28, 28, 1))
        >>> images, labels = augment.mix(augment.images(pixels), one_hot_labels)
    """

    def __init__(self, recipe: TrainingRecipe, image_shape: tuple, seed: int = 0):
        import tensorflow as tf
        from keras import layers

        height, width = image_shape[0], image_shape[1]
        steps = {
            "flip": lambda: [layers.RandomFlip("horizontal", seed=seed)],
            "crop": lambda: [lambda x: tf.pad(x, [[0, 0], [PAD, PAD], [PAD, PAD], [0, 0]]),
                             layers.RandomCrop(height, width, seed=seed)],
            "translate": lambda: [layers.RandomTranslation(TRANSLATION, TRANSLATION, seed=seed)],
        }
        self.chain = [step for name in recipe.augmentation for step in steps[name]()]
        if recipe.randaugment_ops:
            self.chain.append(DrawnOperations(layers.RandAugment(VALUE_RANGE, num_ops=recipe.randaugment_ops,
                                                                 factor=recipe.randaugment_magnitude, seed=seed)))
        if recipe.erasing_prob:
            self.chain.append(layers.RandomErasing(factor=(recipe.erasing_prob, recipe.erasing_prob),
                                                   scale=tuple(recipe.erasing_area), value_range=VALUE_RANGE,
                                                   seed=seed))
        mixes = recipe.mixes
        self.mixup = layers.MixUp(alpha=recipe.mixup_alpha, seed=seed) if mixes and recipe.mixup_alpha else None
        self.cutmix = layers.CutMix(factor=recipe.cutmix_alpha, seed=seed) if mixes and recipe.cutmix_alpha else None
        self.mix_prob, self.switch_prob = recipe.mix_prob, recipe.mix_switch_prob
        self.chooser = tf.random.Generator.from_seed(seed) if mixes else None  # which batches mix, and how

    @property
    def layers(self) -> list:
        """The Keras layers, in the order they apply."""
        steps = [getattr(step, "layer", step) for step in (*self.chain, self.mixup, self.cutmix)]
        return [step for step in steps if hasattr(step, "variables")]

    def __bool__(self) -> bool:
        return bool(self.chain) or self.chooser is not None

    def images(self, x, training: bool = True):
        """A batch of pixels (float, 0..255), augmented image by image."""
        for step in self.chain:
            x = step(x, training=training) if hasattr(step, "variables") else step(x)
        return x

    def mix(self, images, labels):
        """A model-ready batch and its one-hot ``labels``, mixed (or not) as the recipe says."""
        import tensorflow as tf

        if self.chooser is None:
            return images, labels
        draw = self.chooser.uniform((2,))
        labels = tf.cast(labels, images.dtype)

        def mixed(layer):
            def apply():
                out = layer({"images": images, "labels": labels}, training=True)
                return out["images"], tf.cast(out["labels"], images.dtype)
            return apply

        if self.mixup is not None and self.cutmix is not None:
            mixing = lambda: tf.cond(draw[1] < self.switch_prob, mixed(self.cutmix), mixed(self.mixup))  # noqa: E731
        else:
            mixing = mixed(self.mixup or self.cutmix)
        return tf.cond(draw[0] < self.mix_prob, mixing, lambda: (images, labels))

    def state(self) -> list[list[int]]:
        """The generators' states (plain lists of integers, for a checkpoint's JSON)."""
        import numpy as np

        return [[int(n) for n in np.asarray(v.numpy()).ravel()] for v in self._variables()]

    def restore(self, state: list[list[int]] | None) -> bool:
        """Put back what :meth:`state` read (a resumed run). A state of another augmentation (the recipe
        changed between the two processes) is left alone: the draws start from the seed. Whether it was put back."""
        import numpy as np

        variables = self._variables()
        if state is None or len(state) != len(variables) \
                or any(int(np.prod(v.shape)) != len(s) for v, s in zip(variables, state)):
            return False
        for variable, values in zip(variables, state):
            variable.assign(np.asarray(values, dtype="int64").astype(_dtype(variable)).reshape(tuple(variable.shape)))
        return True

    def _variables(self) -> list:
        variables = [v for layer in self.layers for v in layer.variables]
        if self.chooser is not None:
            variables.append(self.chooser.state)
        return variables


class DrawnOperations:
    """``keras.layers.RandAugment`` in ``tf.data``, computing only the operations it draws.

    Keras' layer computes each of its operations on every batch and keeps the drawn one (``where``): 11
    transforms per operation drawn. This step makes the layer's own draws (its
    ``get_random_transformation``, with its seed generator) and applies only the drawn operation's
    ``transform_images`` (``tf.switch_case``): the same images as the layer's, from the same seed.

    :param layer: the ``keras.layers.RandAugment`` layer.
    """

    def __init__(self, layer):
        self.layer = layer

    def __call__(self, images, training: bool = True):
        import tensorflow as tf

        layer = self.layer
        if not training:
            return images
        layer.backend.set_backend("tensorflow")  # as a Keras layer does in a tf.data graph
        try:
            images = tf.cast(images, layer.compute_dtype)
            if not layer.built:
                layer.build(images.shape)
            drawn = layer.get_random_transformation(images, training=True)
            transforms = drawn["transforms"]
            for i in range(layer.num_ops):
                branches = [_transform(getattr(layer, name), value, images)
                            for name, value in transforms.items()]
                images = tf.switch_case(tf.cast(drawn["layer_idxes"][i], tf.int32), branches)
                images = tf.cast(images, layer.compute_dtype)
        finally:
            layer.backend.reset()
        return images


def _transform(operation, transformation, images):
    """A branch of :class:`DrawnOperations`: ``operation``'s transform of ``images``."""
    import tensorflow as tf

    return lambda: tf.cast(operation.transform_images(images, transformation), operation.compute_dtype)


def _dtype(variable) -> str:
    """A Keras variable's dtype (a string) or a TensorFlow variable's (a DType), as a NumPy dtype name."""
    return getattr(variable.dtype, "name", variable.dtype)
