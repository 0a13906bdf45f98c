"""The file layer: the one place that fetches, verifies, names and writes the zoo's files.

Weights, datasets, run directories and tuning directories all go through it:

- :func:`fetch` downloads (mirrors in order, any transfer error moves on, a lock so that
  concurrent processes download once, temporary file + fsync + rename, a size limit);
- :func:`file_hash` is the one hash function, :func:`same_hash` compares digests in any case
  (or with a prefix of one, as torch.hub names files);
- :func:`offline` is the one reading of ``ZOO_OFFLINE``; :func:`zoo_home`, :func:`mirror_path`;
- :func:`check_name` / :func:`confined` keep every name inside its directory, :func:`check_url`
  every URL to a safe scheme;
- :func:`atomic_output`, :func:`atomic_write`, :func:`atomic_json` write whole files or nothing,
  :func:`move_into_place` is the one atomic replace, :func:`check_replaceable` the one guard on what
  ``force`` may remove, and :func:`storage` turns OS errors into one-line :class:`zoo.errors.StorageError` s.

Nothing here imports TensorFlow or Keras.
"""

from zoo.files.fetching import check_url, fetch
from zoo.files.hashing import HASH_ALGORITHMS, file_hash, same_hash
from zoo.files.names import check_name, confined
from zoo.files.settings import max_download_bytes, mirror_path, offline, zoo_home
from zoo.files.writing import (atomic_json, atomic_output, atomic_write, check_replaceable, free_space, make_directory,
                               move_into_place, storage)

__all__ = [
    "HASH_ALGORITHMS",
    "atomic_json",
    "atomic_output",
    "atomic_write",
    "check_name",
    "check_replaceable",
    "check_url",
    "confined",
    "fetch",
    "file_hash",
    "free_space",
    "make_directory",
    "max_download_bytes",
    "mirror_path",
    "move_into_place",
    "offline",
    "same_hash",
    "storage",
    "zoo_home",
]
