"""``fashion_mnist``: Zalando's 70,000 28x28 clothing images (Xiao et al. 2017).

Read from ``ZOO_DATA_PATH``, Keras' cache, Debian's ``dataset-fashion-mnist``
(``apt-get install dataset-fashion-mnist``) or the zoo's cache; downloaded from
Keras' published location only when none has it (:mod:`zoo.datasets.files`). Each
file's content is checked by its sha256 (of the decompressed data: Debian recompresses
Zalando's files). Validation is a seeded stratified 10% of the official training set;
test is the official test set.
"""

from __future__ import annotations

from zoo.datasets.dataset import Dataset
from zoo.datasets.files import KERAS_ORIGIN, DataFile, find, read_idx
from zoo.datasets.splits import holdout

SEED = 0
VALIDATION_FRACTION = 0.1
SYSTEM_DIRS = ("/usr/share/datasets/fashion-mnist",)
CLASS_NAMES = ["t-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag",
               "ankle boot"]
CONTENT_SHA256 = {  # of the decompressed IDX files
    "train-images-idx3-ubyte.gz": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte.gz": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte.gz": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte.gz": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
FILES = {name: DataFile(f"fashion-mnist/{name}", (f"{KERAS_ORIGIN}{name}",), sha256, gunzipped=True)
         for name, sha256 in CONTENT_SHA256.items()}
SPLITS = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
          "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}


def load(seed: int = SEED) -> Dataset:
    """Fashion-MNIST as uint8 images ``(N, 28, 28, 1)``: 54,000 train, 6,000 validation, 10,000 test.

    Example::

        >>> data = zoo.datasets.load("fashion_mnist")
        >>> data.class_names[9]
        'ankle boot'
    """
    arrays, paths = {}, {}
    for part, (images, labels) in SPLITS.items():
        image_path = find(FILES[images], system_dirs=SYSTEM_DIRS)
        label_path = find(FILES[labels], system_dirs=SYSTEM_DIRS)
        arrays[part] = (read_idx(image_path)[..., None], read_idx(label_path).astype("int64"))
        paths[part] = str(image_path.parent)
    train, validation, test, record = holdout(*arrays["train"], seed=seed, validation_fraction=VALIDATION_FRACTION,
                                              test=arrays["test"], source=paths["train"])
    return Dataset(name="fashion_mnist", task="image-classification", class_names=list(CLASS_NAMES),
                   input_shape=(28, 28, 1), train=train, validation=validation, test=test, split=record)
