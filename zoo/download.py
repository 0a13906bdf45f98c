"""The one download function: :func:`download`.

A file is written to a temporary name beside its destination, its hash is
checked, and only then is it renamed into place, so a partial or corrupt file
is never used. Mirrors are tried in order; a 404, a broken connection, a
truncated body or a wrong hash moves on to the next one. A file lock makes
several processes that want the same file download it once. Nothing here
imports TensorFlow or Keras.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

CHUNK = 1 << 20
USER_AGENT = "keras-zoo"


class DownloadError(OSError):
    """No mirror gave the file with the expected hash; the message lists each URL and what went wrong."""


def file_hash(path, algorithm: str = "sha256") -> str:
    """The hex digest of a file (``"sha256"`` or ``"md5"``).

    Example::

        >>> file_hash("lenet5_mnist5k.weights.h5")
        '3b1f...'
    """
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def hash_matches(path, hash: str | None, algorithm: str = "sha256") -> bool:
    """Whether a file's hex digest is ``hash``, or begins with it (torch.hub checks a prefix); True if ``hash`` is None.

    Example::

        >>> hash_matches("resnet18-f37072fd.pth", "f37072fd")
        True
    """
    return hash is None or file_hash(path, algorithm).startswith(hash)


def download(urls, destination, *, hash: str | None = None, hash_algorithm: str = "sha256",
             progress: bool | None = None, timeout: float = 60.0) -> Path:
    """Download ``destination`` from the first of ``urls`` that gives it with the right hash.

    Returns at once if ``destination`` already exists with the right hash (a
    file that does not match is replaced). Several processes calling this for
    the same destination at once download it once and all return the file.

    :param urls: mirrors, tried in order.
    :param destination: where the file ends up.
    :param hash: expected hex digest, or its first digits (as torch.hub checks the ``-<sha256 prefix>``
        in a file's name); None skips the check (the size is still checked).
    :param hash_algorithm: ``"sha256"`` or ``"md5"``.
    :param progress: show a progress bar; None shows one only when stderr is a terminal.
    :param timeout: seconds to wait for each connection and read.
    :return: ``destination`` as a Path.
    :raises DownloadError: naming every URL tried and why it failed (expected and actual hash).

    Example::

        >>> download(["https://a.example/f.h5", "https://b.example/f.h5"], "/tmp/f.h5", hash="9f86d08...")
    """
    from filelock import FileLock

    destination = Path(destination)
    urls = [urls] if isinstance(urls, str) else list(urls)
    if not urls:
        raise DownloadError(f"{destination.name}: no URL to download it from")
    destination.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(destination) + ".lock"):
        if destination.exists():
            if hash_matches(destination, hash, hash_algorithm):
                return destination  # another process finished it while this one waited
            destination.unlink()
        failures = []
        for url in urls:
            partial = destination.with_name(f".{destination.name}.{os.getpid()}.part")
            try:
                _fetch(url, partial, progress, timeout)
                if hash is not None:
                    actual = file_hash(partial, hash_algorithm)
                    if not actual.startswith(hash):
                        failures.append(f"{url}: wrong {hash_algorithm} {actual}, expected {hash}")
                        continue
                os.replace(partial, destination)
                return destination
            except urllib.error.HTTPError as error:
                failures.append(f"{url}: HTTP {error.code} {error.reason}")
            except (urllib.error.URLError, OSError, ValueError) as error:
                failures.append(f"{url}: {getattr(error, 'reason', None) or error}")
            finally:
                partial.unlink(missing_ok=True)
    raise DownloadError(f"could not download {destination.name}: " + "; ".join(failures))


def _fetch(url: str, path: Path, progress: bool | None, timeout: float) -> None:
    """Stream ``url`` into ``path``; a body shorter than its Content-Length is an error."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response, open(path, "wb") as out:
        total = int(response.headers.get("Content-Length") or 0) or None
        bar = _Progress(Path(urllib.parse.urlsplit(url).path).name, total) if (
            sys.stderr.isatty() if progress is None else progress) else None
        received = 0
        for block in iter(lambda: response.read(CHUNK), b""):
            out.write(block)
            received += len(block)
            if bar:
                bar.update(received)
        if bar:
            bar.close()
    if total is not None and received != total:
        raise OSError(f"truncated response: received {received} of {total} bytes")


class _Progress:
    """A one-line progress bar on stderr (only used when stderr is a terminal)."""

    def __init__(self, name: str, total: int | None, width: int = 30):
        self.name, self.total, self.width = name, total, width
        self.start = self.last = time.monotonic()
        self.done = 0

    def update(self, done: int, force: bool = False) -> None:
        self.done = done
        now = time.monotonic()
        if not force and now - self.last < 0.1:
            return
        self.last = now
        rate = done / max(now - self.start, 1e-6) / 1e6
        if self.total:
            filled = int(self.width * done / self.total)
            bar = "=" * filled + " " * (self.width - filled)
            line = f"{self.name} [{bar}] {done / 1e6:.1f}/{self.total / 1e6:.1f} MB {rate:.1f} MB/s"
        else:
            line = f"{self.name} {done / 1e6:.1f} MB {rate:.1f} MB/s"
        sys.stderr.write("\r" + line)
        sys.stderr.flush()

    def close(self) -> None:
        self.update(self.done, force=True)
        sys.stderr.write("\n")
