"""Built-in datasets, the file search order, folders and arrays: real files, tiny sizes."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

import zoo
from zoo.datasets import files
from zoo.datasets.sources import as_dataset, check_labels, from_arrays
from zoo.datasets.splits import stratified_split

DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")


def write_idx(path: Path, array: np.ndarray) -> None:
    header = bytes([0, 0, 8, array.ndim]) + b"".join(struct.pack(">I", n) for n in array.shape)
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_builtin_names():
    assert {"digits", "mnist5k", "mnist", "fashion_mnist"} <= set(zoo.datasets.list())
    with pytest.raises(zoo.UnknownDatasetError, match="mnist5k"):
        zoo.datasets.load("mnist5")


def test_mnist5k_split_is_stratified_seeded_and_recorded():
    data = zoo.datasets.load("mnist5k")
    assert data.train[0].shape == (3600, 28, 28, 1) and data.train[0].dtype == np.uint8
    assert len(data.validation[1]) == 400 and len(data.test[1]) == 1000
    assert np.bincount(data.test[1]).tolist() == [100] * 10  # the file is sorted by class: stratified
    assert data.split["seed"] == 0 and data.split["sizes"] == {"train": 3600, "validation": 400, "test": 1000}
    again = zoo.datasets.load("mnist5k")
    np.testing.assert_array_equal(again.test[0], data.test[0])
    train_rows = {row.tobytes() for row in data.train[0]}
    assert sum(row.tobytes() in train_rows for row in data.test[0]) < 5  # (MNIST has a few duplicate images)


def test_digits_are_uint8_images():
    data = zoo.datasets.load("digits")
    assert data.input_shape == (8, 8, 1) and data.train[0].dtype == np.uint8 and data.train[0].max() == 255
    assert sum(len(part[1]) for part in (data.train, data.validation, data.test)) == 1797


def test_stratified_split_keeps_every_class():
    x, y = np.arange(100), np.repeat(np.arange(4), 25)
    (_, y_rest), (_, y_held) = stratified_split(x, y, 0.2, seed=1)
    assert np.bincount(y_held).tolist() == [5, 5, 5, 5] and len(y_rest) == 80
    with pytest.raises(ValueError, match="fraction=1.5"):
        stratified_split(x, y, 1.5, seed=0)


@pytest.mark.skipif(not DEBIAN_FASHION.is_dir(), reason="apt-get install dataset-fashion-mnist")
def test_fashion_mnist_from_a_local_mirror_checked_by_the_content_hash(tmp_path, monkeypatch):
    """A mirror of other data is ignored (named in no error: it is simply not used); a mirror holding the
    same data compressed differently (Debian recompresses Zalando's files) is used first."""
    wrong, right = tmp_path / "wrong", tmp_path / "right"
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 40), ("t10k", 20)):
        write_idx(wrong / f"{prefix}-images-idx3-ubyte.gz", rng.integers(0, 255, (n, 28, 28)))
        write_idx(wrong / f"{prefix}-labels-idx1-ubyte.gz", np.arange(n) % 10)
    right.mkdir()
    for path in DEBIAN_FASHION.glob("*.gz"):
        with gzip.open(path, "rb") as source, gzip.open(right / path.name, "wb", compresslevel=1) as copy:
            copy.write(source.read())
    monkeypatch.setenv("ZOO_DATA_PATH", f"{wrong}:{right}")
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    data = zoo.datasets.load("fashion_mnist")
    assert data.split["source"] == str(right) and len(data.test[1]) == 10000 and data.class_names[9] == "ankle boot"


def test_a_dataset_file_downloads_through_the_file_layer(tls_server, tmp_path, zoo_home):
    """A dataset file's mirrors, hash and cache: the same fetch as weights (zoo.files)."""
    data = b"the data" * 1000
    tls_server.files["d.bin"] = data
    sha = __import__("hashlib").sha256(data).hexdigest()
    file = files.DataFile("sub/d.bin", (tls_server.url("wrong", "d.bin"), tls_server.url("ok", "d.bin")), sha)
    path = files.find(file)
    assert path == zoo_home / "data" / "sub" / "d.bin" and path.read_bytes() == data
    assert tls_server.count("wrong", "d.bin") == 1 and tls_server.count("ok", "d.bin") == 1
    assert files.find(file) == path and tls_server.count("ok", "d.bin") == 1  # cached, checked, not fetched again


@pytest.mark.skipif(not DEBIAN_FASHION.is_dir(), reason="apt-get install dataset-fashion-mnist")
def test_fashion_mnist_from_the_debian_package(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))  # nothing in Keras' cache
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    data = zoo.datasets.load("fashion_mnist")
    assert data.split["source"] == str(DEBIAN_FASHION)
    assert data.test[0].shape == (10000, 28, 28, 1) and len(data.train[1]) == 54000


def test_offline_without_files_names_every_place_looked(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("ZOO_DATA_PATH", str(tmp_path / "mirror"))
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    with pytest.raises(FileNotFoundError, match="ZOO_OFFLINE forbids a download") as error:
        zoo.datasets.load("mnist")
    assert str(tmp_path / "mirror" / "mnist.npz") in str(error.value)


def test_read_idx_rejects_a_bad_file(tmp_path):
    bad = tmp_path / "bad-idx1-ubyte.gz"
    with gzip.open(bad, "wb") as f:
        f.write(b"\x12\x34\x56\x78")
    with pytest.raises(ValueError, match="bad magic"):
        files.read_idx(bad)


def write_png(path: Path, value: int, size=(12, 10), mode="L") -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size[::-1], value).save(path)


def test_image_folder(tmp_path):
    for label, value in (("cat", 20), ("dog", 200)):
        for i in range(6):
            write_png(tmp_path / "pets" / label / f"{i}.png", value)
    data = as_dataset(tmp_path / "pets")
    assert data.class_names == ["cat", "dog"] and data.input_shape == (12, 10, 1)
    x, y = next(iter(data.train))
    assert x.shape == (12, 10, 1) and x.dtype.name == "uint8" and int(y) in (0, 1)


def test_corrupt_image_is_named(tmp_path):
    write_png(tmp_path / "pets" / "cat" / "ok.png", 10)
    (tmp_path / "pets" / "dog").mkdir()
    (tmp_path / "pets" / "dog" / "broken.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(ValueError, match="broken.png"):
        as_dataset(tmp_path / "pets")


def test_empty_folders_are_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no class subfolders"):
        as_dataset(tmp_path / "empty")
    (tmp_path / "one" / "cat").mkdir(parents=True)
    with pytest.raises(ValueError, match="'cat' is empty"):
        as_dataset(tmp_path / "one")
    with pytest.raises(ValueError, match="neither a built-in dataset"):
        as_dataset(str(tmp_path / "missing"))


def test_text_folder(tmp_path):
    for label, text in (("neg", "dull and far too long"), ("pos", "a gripping film")):
        for i in range(5):
            (tmp_path / "reviews" / label).mkdir(parents=True, exist_ok=True)
            (tmp_path / "reviews" / label / f"{i}.txt").write_text(f"{text} {i}")
    data = as_dataset(tmp_path / "reviews")
    assert data.task == "text-classification" and data.class_names == ["neg", "pos"]
    loaded = zoo.datasets.load(str(tmp_path / "reviews"))
    assert loaded.task == "text-classification" and loaded.class_names == ["neg", "pos"]
    texts, labels = next(iter(zoo.datasets.load(tmp_path / "reviews", split="train")))
    assert texts.dtype.name == "string" and int(labels) in (0, 1)
    with pytest.raises(zoo.UnknownDatasetError, match="a directory must exist"):
        zoo.datasets.load(str(tmp_path / "missing"))


def test_arrays_get_a_stratified_validation_split():
    x, y = np.zeros((100, 4, 4, 1), np.uint8), np.arange(100) % 5
    data = from_arrays(x, y)
    assert len(data.validation[1]) == 10 and np.bincount(data.validation[1]).tolist() == [2] * 5


@pytest.mark.parametrize("labels, message", [
    (np.array([0, 1, 7]), "label 7 outside \\[0, 3\\)"),
    (np.array([0, -1, 2]), "label -1"),
    (np.array([0.5, 1.0, 2.0]), "non-integer"),
    (np.zeros((3, 3)), "one integer class index"),
])
def test_bad_labels(labels, message):
    with pytest.raises(ValueError, match=message):
        check_labels(labels, 3)


def test_mismatched_arrays():
    with pytest.raises(ValueError, match="x has 3 rows but y has 2"):
        from_arrays(np.zeros((3, 4)), np.zeros(2))


def test_load_one_split():
    x, y = zoo.datasets.load("digits", split="test")
    assert len(x) == len(y) == 359
    with pytest.raises(ValueError, match="split='dev'"):
        zoo.datasets.load("digits", split="dev")
