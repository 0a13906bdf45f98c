"""``fashion_mnist``: Zalando's 70,000 28x28 clothing images (Xiao et al. 2017).

Read from ``ZOO_DATA_PATH``, Keras' cache, or Debian's ``dataset-fashion-mnist``
(``apt-get install dataset-fashion-mnist``); downloaded from Keras' published
location only when none has it. Validation is a seeded stratified 10% of the
official training set; test is the official test set.
"""

from __future__ import annotations

from zoo.datasets import Dataset
from zoo.datasets.files import find, read_idx
from zoo.datasets.splits import holdout

SEED = 0
VALIDATION_FRACTION = 0.1
SYSTEM_DIRS = ("/usr/share/datasets/fashion-mnist",)
CLASS_NAMES = ["t-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag",
               "ankle boot"]
FILES = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
         "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}


def load(seed: int = SEED) -> Dataset:
    """Fashion-MNIST as uint8 images ``(N, 28, 28, 1)``: 54,000 train, 6,000 validation, 10,000 test.

    Example::

        >>> data = zoo.datasets.load("fashion_mnist")
        >>> data.class_names[9]
        'ankle boot'
    """
    arrays, paths = {}, {}
    for part, (images, labels) in FILES.items():
        image_path = find(f"fashion-mnist/{images}", system_dirs=SYSTEM_DIRS)
        label_path = find(f"fashion-mnist/{labels}", system_dirs=SYSTEM_DIRS)
        arrays[part] = (read_idx(image_path)[..., None], read_idx(label_path).astype("int64"))
        paths[part] = str(image_path.parent)
    train, validation, test, record = holdout(*arrays["train"], seed=seed, validation_fraction=VALIDATION_FRACTION,
                                              test=arrays["test"], source=paths["train"])
    return Dataset(name="fashion_mnist", task="image-classification", class_names=list(CLASS_NAMES),
                   input_shape=(28, 28, 1), train=train, validation=validation, test=test, split=record)
