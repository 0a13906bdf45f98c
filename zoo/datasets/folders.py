"""Datasets from a directory: one subfolder per class, holding images or text files.

Every file is checked before training starts (an empty folder or a corrupt
image is an error that names it); then Keras reads the folder with
``keras.utils.image_dataset_from_directory`` or ``text_dataset_from_directory``.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from zoo.datasets import Dataset

IMAGE_SUFFIXES = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
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


def load_directory(path, *, image_size: tuple[int, int] | None = None, seed: int = 0) -> Dataset:
    """A folder of images or text files as a Dataset of ``tf.data`` splits (90% train, 10% validation).

    Images keep their size when they all share one, else they are resized to ``image_size``;
    all-grayscale folders give one channel, anything else three.

    Example::

        >>> data = load_directory("flowers/", image_size=(64, 64))
        >>> data.class_names
        ['daisy', 'rose', 'tulip']
    """
    import keras
    import tensorflow as tf

    root = Path(path)
    classes = class_files(root)
    files = [f for group in classes.values() for f in group]
    suffixes = {f.suffix.lower() for f in files}
    split = {"source": str(root), "method": "keras validation_split (seeded)", "seed": seed,
             "validation_fraction": VALIDATION_FRACTION}
    common = dict(labels="inferred", label_mode="int", class_names=list(classes), batch_size=None, shuffle=True,
                  seed=seed, validation_split=VALIDATION_FRACTION, subset="both")
    if suffixes <= set(TEXT_SUFFIXES):
        train, validation = keras.utils.text_dataset_from_directory(root, **common)
        return Dataset(name=root.name, task="text-classification", class_names=list(classes), input_shape=(),
                       train=train, validation=validation, split=split)
    unknown = sorted(suffixes - set(IMAGE_SUFFIXES))
    if unknown:
        raise ValueError(f"data={str(root)!r} holds files of type {unknown[0]!r}: use images "
                         f"{IMAGE_SUFFIXES} or text files {TEXT_SUFFIXES}, not a mix")
    sizes, modes = check_images(files)
    size = next(iter(sizes)) if len(sizes) == 1 else tuple(image_size or (224, 224))
    grayscale = set(modes) <= {"L", "1"}
    train, validation = keras.utils.image_dataset_from_directory(
        root, color_mode="grayscale" if grayscale else "rgb", image_size=size, **common)
    as_uint8 = lambda x, y: (tf.cast(tf.round(x), tf.uint8), y)  # noqa: E731  the zoo's image convention
    return Dataset(name=root.name, task="image-classification", class_names=list(classes),
                   input_shape=(*size, 1 if grayscale else 3), train=train.map(as_uint8),
                   validation=validation.map(as_uint8), split=split)
