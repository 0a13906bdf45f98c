"""Finding a dataset's files: local mirrors first, then a download, each file proven by its hash.

The one place built-in datasets look for files (:func:`find`). A :class:`DataFile` names a
file, where it is published and its sha256. The search order is:

1. each directory in ``ZOO_DATA_PATH`` (``os.pathsep``-separated), as ``DIR/RELPATH`` or ``DIR/BASENAME``;
2. Keras' cache, ``$KERAS_HOME/datasets`` (``~/.keras/datasets``);
3. directories a system package installs (``/usr/share/datasets/fashion-mnist`` from Debian's
   ``dataset-fashion-mnist``);
4. the zoo's cache, ``$ZOO_HOME/data``;
5. the file's URLs, downloaded into the zoo's cache by :func:`zoo.files.fetch` (mirrors in
   order, the same offline rule, ``ZOO_OFFLINE``, and hash checks as weights).

A file whose hash does not match is not used (a mirror's is ignored, the cache's replaced).
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zoo.errors import DownloadError
from zoo.files import fetch, file_hash, mirror_path, offline, same_hash, zoo_home

KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


@dataclass(frozen=True)
class DataFile:
    """A dataset file: where it sits in a mirror, where it is published, and its sha256.

    ``gunzipped`` says the hash is of the file's decompressed content: distributions recompress
    the same data (Debian's Fashion-MNIST ``.gz`` files differ from Zalando's, their content does not).
    """

    relpath: str
    urls: tuple[str, ...]
    sha256: str
    gunzipped: bool = False

    @property
    def name(self) -> str:
        return Path(self.relpath).name

    def problem(self, path: Path) -> str | None:
        """Why ``path`` is not this file (its sha256), or None."""
        try:
            actual = file_hash(path, opener=gzip.open if self.gunzipped else open)
        except (OSError, EOFError) as error:
            return f"not a complete gzip file ({error})"
        return None if same_hash(actual, self.sha256) else \
            f"wrong sha256{' of its content' if self.gunzipped else ''} {actual}"

    def verify(self, path: Path) -> None:
        """``ValueError`` unless ``path`` is this file (for :func:`zoo.files.fetch`)."""
        why = self.problem(path)
        if why:
            raise ValueError(why)


def keras_cache() -> Path:
    """Keras' dataset cache directory."""
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras").expanduser() / "datasets"


def data_dir() -> Path:
    """Where the zoo keeps dataset files it downloaded: ``$ZOO_HOME/data``."""
    return zoo_home() / "data"


def candidates(file: DataFile, system_dirs: tuple[str, ...] = ()) -> list[Path]:
    """Every path where ``file`` may already be on disk, in search order (the zoo's cache last)."""
    paths = []
    for directory in mirror_path("ZOO_DATA_PATH"):
        paths += [directory / file.relpath, directory / file.name]
    paths.append(keras_cache() / file.relpath)
    paths += [Path(directory) / file.name for directory in system_dirs]
    paths.append(data_dir() / file.relpath)
    return list(dict.fromkeys(paths))


def find(file: DataFile, *, system_dirs: tuple[str, ...] = ()) -> Path:
    """The local path of ``file``, downloading it into ``$ZOO_HOME/data`` as a last resort.

    :raises FileNotFoundError: offline, and the file is nowhere; the message lists every place looked in.
    :raises zoo.errors.DownloadError: every URL failed (names each URL and why).

    Example::

        >>> find(fashion_mnist.FILES["test_labels"], system_dirs=("/usr/share/datasets/fashion-mnist",))
        PosixPath('/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz')
    """
    looked = []
    for path in candidates(file, system_dirs):
        if not path.is_file():
            looked.append(f"{path} (not there)")
            continue
        why = file.problem(path)
        if why is None:
            return path
        looked.append(f"{path} ({why}: ignored)")
    if offline():
        raise FileNotFoundError(
            f"{file.relpath} is not in any of: {'; '.join(looked)}; and ZOO_OFFLINE forbids a download from "
            f"{', '.join(file.urls)}. Put the file in a directory named by ZOO_DATA_PATH"
        )
    try:
        return fetch(file.urls, data_dir() / file.relpath, hash=None if file.gunzipped else file.sha256,
                     verify=file.verify if file.gunzipped else None)
    except DownloadError as error:
        raise DownloadError(f"{error}; looked first in: {'; '.join(looked)}. Put the file in a directory "
                            "named by ZOO_DATA_PATH") from None


def read_idx(path: Path) -> np.ndarray:
    """Read a (gzipped) IDX file, the format of MNIST and Fashion-MNIST, as uint8."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 8:
        raise ValueError(f"{path} is not an unsigned-byte IDX file (bad magic number)")
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    array = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if array.size != int(np.prod(shape)):
        raise ValueError(f"{path} is truncated: header says {shape}, found {array.size} values")
    return array.reshape(shape)
