"""Datasets from a directory: one subfolder per class, holding images or text files.

Every file is checked before training starts (an empty folder or a corrupt
image is an error that names it). Images are decoded by :func:`zoo.datasets.images.decode`,
the zoo's one decoder, at their own size (the input pipeline resizes each to the
model's input when they differ); text files are read with Keras'
``text_dataset_from_directory``. A seeded, stratified 10% validates; a folder given for evaluation only
is all test data.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from zoo.datasets.dataset import Dataset
from zoo.datasets.splits import stratified_split

IMAGE_SUFFIXES = (".bmp", ".gif", ".jpeg", ".jpg", ".png")  # what zoo.datasets.images.decode reads
TEXT_SUFFIXES = (".txt",)
VALIDATION_FRACTION = 0.1


def class_files(root: Path) -> dict[str, list[Path]]:
    """``{class name: files}`` for each subfolder of ``root``; errors for a missing or empty folder."""
    if not root.is_dir():
        raise FileNotFoundError(f"data={str(root)!r} is not a directory")
    classes = {d.name: sorted(p for p in d.rglob("*") if p.is_file() and not p.name.startswith("."))
               for d in sorted(root.iterdir()) if d.is_dir() and not d.name.startswith(".")}
    if not classes:
        raise ValueError(f"data={str(root)!r} has no class subfolders: put each class's files in ROOT/CLASS_NAME/")
    empty = [name for name, files in classes.items() if not files]
    if empty:
        raise ValueError(f"data={str(root)!r}: class folder {empty[0]!r} is empty")
    return classes


def check_images(files: list[Path]) -> tuple[Counter, Counter]:
    """Open every image with Pillow; a corrupt one is a ValueError naming it. Returns (sizes, modes) counts."""
    from PIL import Image

    sizes, modes = Counter(), Counter()
    for path in files:
        try:
            with Image.open(path) as image:
                image.verify()
            with Image.open(path) as image:
                image.load()
                sizes[image.size[::-1]] += 1
                modes[image.mode] += 1
        except Exception as error:  # Pillow raises many types for bad files
            raise ValueError(f"corrupt or unreadable image {str(path)!r}: {error}") from None
    return sizes, modes


def load_directory(path, *, seed: int = 0, test_only: bool = False) -> Dataset:
    """A folder of images or text files as a Dataset of ``tf.data`` splits (90% train, 10% validation), or,
    with ``test_only``, as one test split holding every file (what ``zoo evaluate`` is given).

    Images keep their size: the dataset's ``input_shape`` is it when they all share one, else
    ``(None, None, channels)`` and the input pipeline resizes each to the model's input. All-grayscale
    folders give one channel, anything else three.

    Example::

        >>> data = load_directory("flowers/")
        >>> data.class_names
        ['daisy', 'rose', 'tulip']
    """
    import numpy as np


    root = Path(path)
    classes = class_files(root)
    files = [f for group in classes.values() for f in group]
    labels = np.array([index for index, group in enumerate(classes.values()) for _ in group], dtype="int64")
    suffixes = {f.suffix.lower() for f in files}
    split = {"source": str(root), "method": "stratified (seeded)", "seed": seed,
             "validation_fraction": VALIDATION_FRACTION}
    if test_only:
        split = {"source": str(root), "method": "every file is test data", "sizes": {"test": len(files)}}
    if suffixes <= set(TEXT_SUFFIXES):
        import keras

        common = dict(labels="inferred", label_mode="int", class_names=list(classes), batch_size=None)
        if test_only:
            test = keras.utils.text_dataset_from_directory(root, shuffle=False, **common)
            return Dataset(name=root.name, task="text-classification", class_names=list(classes), input_shape=(),
                           train=None, test=test, split=split)
        train, validation = keras.utils.text_dataset_from_directory(
            root, shuffle=True, seed=seed, validation_split=VALIDATION_FRACTION, subset="both", **common)
        split["method"] = "keras validation_split (seeded)"
        return Dataset(name=root.name, task="text-classification", class_names=list(classes), input_shape=(),
                       train=train, validation=validation, split=split)
    unknown = sorted(suffixes - set(IMAGE_SUFFIXES))
    if unknown:
        raise ValueError(f"data={str(root)!r} holds files of type {unknown[0]!r}: use images "
                         f"{IMAGE_SUFFIXES} or text files {TEXT_SUFFIXES}, not a mix")
    sizes, modes = check_images(files)
    channels = 1 if set(modes) <= {"L", "1"} else 3
    shape = (*next(iter(sizes)), channels) if len(sizes) == 1 else (None, None, channels)
    names = np.array([str(f) for f in files])
    if test_only:
        return Dataset(name=root.name, task="image-classification", class_names=list(classes), input_shape=shape,
                       train=None, test=_images(names, labels, shape), split=split)
    (train_files, train_labels), (val_files, val_labels) = stratified_split(names, labels, VALIDATION_FRACTION,
                                                                           seed=seed)
    split["sizes"] = {"train": len(train_files), "validation": len(val_files)}
    return Dataset(name=root.name, task="image-classification", class_names=list(classes), input_shape=shape,
                   train=_images(train_files, train_labels, shape),
                   validation=_images(val_files, val_labels, shape) if len(val_files) else None, split=split)


def _images(files, labels, shape):
    """A ``tf.data.Dataset`` of ``(uint8 image, label)`` decoded from ``files`` by :func:`zoo.datasets.images.decode`."""
    import tensorflow as tf

    from zoo.datasets.images import decode

    def read(path, label):
        image = decode(tf.io.read_file(path), shape[-1])
        image.set_shape(shape)
        return image, label

    return tf.data.Dataset.from_tensor_slices((list(files), list(labels))).map(read, num_parallel_calls=-1)
