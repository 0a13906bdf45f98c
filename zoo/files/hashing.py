"""Hashes of files: :func:`file_hash`, the zoo's one hash function, and :func:`same_hash`."""

from __future__ import annotations

import hashlib

HASH_ALGORITHMS = ("sha256", "md5")  # keras.applications publishes md5; everything the zoo writes is sha256
CHUNK = 1 << 20


def file_hash(path, algorithm: str = "sha256", *, opener=open) -> str:
    """The lower-case hex digest of a file (``"sha256"`` or ``"md5"``).

    ``opener`` reads the file another way: ``gzip.open`` hashes a gzipped file's content.

    Example::

        >>> file_hash("plugins/weights/lenet5_mnist5k.weights.h5")
        'bed8f4669e830972363193d987c22d234989d98233bab6eae8c149e9870e83d6'
    """
    if algorithm not in HASH_ALGORITHMS:
        raise ValueError(f"hash_algorithm={algorithm!r} is not allowed: use one of {HASH_ALGORITHMS}")
    digest = hashlib.new(algorithm)
    with opener(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def same_hash(a: str | None, b: str | None) -> bool:
    """Whether two hex digests are the same, whatever their case."""
    return a is not None and b is not None and a.strip().lower() == b.strip().lower()
