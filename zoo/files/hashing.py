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


MIN_PREFIX = 8  # torch.hub checks the first 8 or more hex digits of a file's sha256, named in the file


def same_hash(actual: str | None, expected: str | None) -> bool:
    """Whether the digest ``actual`` is ``expected``, whatever their case, or begins with it.

    ``expected`` may be the first :data:`MIN_PREFIX` or more digits (as torch.hub checks the
    ``-<sha256 prefix>`` in a file's name); a shorter one never matches.

    Example::

        >>> same_hash("f37072fd47e89c7e", "F37072FD")
        True
    """
    if actual is None or expected is None:
        return False
    actual, expected = actual.strip().lower(), expected.strip().lower()
    return actual == expected or (len(expected) >= MIN_PREFIX and actual.startswith(expected))
