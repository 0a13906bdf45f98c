"""Finding a dataset's files: a local mirror, Keras' cache, system packages, then a download.

The one place built-in datasets look for files. The search order is:

1. each directory in ``ZOO_DATA_PATH`` (``os.pathsep``-separated), as ``DIR/RELPATH`` or ``DIR/BASENAME``;
2. Keras' cache, ``$KERAS_HOME/datasets`` (``~/.keras/datasets``);
3. directories a system package installs (``/usr/share/datasets/fashion-mnist`` from Debian's
   ``dataset-fashion-mnist``);
4. a download from Keras' published location into Keras' cache, unless ``ZOO_OFFLINE=1``.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def keras_cache() -> Path:
    """Keras' dataset cache directory."""
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets"


def candidates(relpath: str, system_dirs: tuple[str, ...] = ()) -> list[Path]:
    """Every path where ``relpath`` may already be on disk, in search order."""
    name = Path(relpath).name
    paths = []
    for directory in filter(None, os.environ.get("ZOO_DATA_PATH", "").split(os.pathsep)):
        paths += [Path(directory) / relpath, Path(directory) / name]
    paths.append(keras_cache() / relpath)
    paths += [Path(directory) / name for directory in system_dirs]
    return paths


def find(relpath: str, *, system_dirs: tuple[str, ...] = (), origin: str = KERAS_ORIGIN) -> Path:
    """The local path of ``relpath``, downloading ``origin + basename`` into Keras' cache as a last resort.

    Example::

        >>> find("fashion-mnist/t10k-labels-idx1-ubyte.gz", system_dirs=("/usr/share/datasets/fashion-mnist",))
        PosixPath('/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz')
    """
    looked = candidates(relpath, system_dirs)
    for path in looked:
        if path.is_file():
            return path
    if os.environ.get("ZOO_OFFLINE") == "1":
        raise FileNotFoundError(
            f"{relpath} is not in any of {', '.join(map(str, looked))} and ZOO_OFFLINE=1 forbids a download; "
            "put the file in a directory named by ZOO_DATA_PATH"
        )
    import keras

    subdir = str(Path(relpath).parent) if Path(relpath).parent != Path(".") else ""
    return Path(keras.utils.get_file(Path(relpath).name, origin + Path(relpath).name,
                                     cache_subdir=os.path.join("datasets", subdir)))


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
