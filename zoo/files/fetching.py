"""The one download function: :func:`fetch`, and the URLs it accepts (:func:`check_url`).

A file is written to a temporary name beside its destination, checked — its
length against what the server announced and what the caller expects, its hash,
or for a file with no published hash a complete read of its structure — and only
then renamed into place, so a partial, oversized or corrupt file is never used.
Mirrors are tried in order; any transfer error (a refused or reset connection, a
404 or 500, a body cut short with or without ``Content-Length``, a chunked body
dropped mid-way, a stall past the timeout, a body past the size limit, a wrong
hash) moves on to the next one, and when all fail the error names each URL and
what went wrong. A file lock makes several processes that want the same file
download it once. Only ``https``, ``http`` (for a file with a hash) and ``file``
URLs are fetched, redirects included. Nothing here imports TensorFlow or Keras.
"""

from __future__ import annotations

import http.client
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Callable

from zoo.errors import DownloadError, StorageError
from zoo.files.hashing import CHUNK, file_hash, same_hash
from zoo.files.settings import max_download_bytes
from zoo.files.settings import offline as is_offline
from zoo.files.writing import atomic_output, make_directory, storage

SCHEMES = ("https", "http", "file")
USER_AGENT = "keras-zoo"
TRANSFER_ERRORS = (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError, socket.timeout,
                   ValueError)


class MirrorFailed(Exception):
    """One mirror did not give the file (the reason is the message); the next one is tried."""


def check_url(url, *, hashed: bool, field: str = "urls") -> str:
    """``url`` if the zoo may fetch it: ``https``, ``file``, or ``http`` for a file with a hash.

    Example::

        >>> check_url("ftp://mirror.example/f.h5", hashed=True)
        ValueError: urls item 'ftp://mirror.example/f.h5' is not allowed: its scheme must be https, ...
    """
    scheme = urllib.parse.urlsplit(url).scheme.lower() if isinstance(url, str) else ""
    if scheme not in SCHEMES:
        raise ValueError(f"{field} item {shown(url)!r} is not allowed: its scheme must be https, http (for a file "
                         "with a hash) or file")
    if scheme == "http" and not hashed:
        raise ValueError(f"{field} item {shown(url)!r} is not allowed: plain http is accepted only for a file with a "
                         "hash (nothing else proves what arrived); use https, or record the file's hash")
    return url


def fetch(urls, destination, *, hash: str | None = None, hash_algorithm: str = "sha256", size: int | None = None,
          verify: Callable[[Path], None] | None = None, offline: bool | None = None, progress: bool | None = None,
          timeout: float = 60.0) -> Path:
    """``destination``, downloaded from the first of ``urls`` that gives it complete and right.

    Returns at once if ``destination`` already holds the right file (a file that does not match
    is replaced). Several processes calling this for the same destination at once download it once.

    :param urls: mirrors, tried in order (``check_url`` rules).
    :param destination: where the file ends up.
    :param hash: the expected hex digest (any case); None: ``verify`` must prove the file whole.
    :param hash_algorithm: ``"sha256"`` or ``"md5"``.
    :param size: the expected size in bytes, if known; else ``ZOO_MAX_DOWNLOAD_MB`` limits the body.
    :param verify: called with the downloaded file; raises ``ValueError`` if it is not whole.
    :param offline: never use the network, only ``file:`` URLs (default: ``ZOO_OFFLINE``).
    :param progress: a progress bar on stderr; None shows one only when stderr is a terminal.
    :param timeout: seconds to wait for a connection and for each read.
    :raises DownloadError: naming every URL tried and why it failed (expected and actual hash).
    :raises zoo.errors.StorageError: the destination cannot be written (permissions, full disk).

    Example::

        >>> fetch(["https://a.example/f.h5", "https://b.example/f.h5"], "/tmp/f.h5", hash="9f86d08...")
    """
    from filelock import FileLock

    destination = Path(destination)
    urls = [urls] if isinstance(urls, str) else list(urls)
    for url in urls:
        check_url(url, hashed=hash is not None)
    if not urls:
        raise DownloadError(f"{destination.name}: no URL to download it from")
    offline = is_offline(offline)
    limit = size if size is not None else max_download_bytes()  # a bad ZOO_MAX_DOWNLOAD_MB fails before any work
    make_directory(destination.parent, "the download directory")
    with storage(destination, "lock"), FileLock(str(destination) + ".lock"):
        if destination.exists():
            if _whole(destination, hash, hash_algorithm, size, verify) is None:
                return destination  # another process finished it while this one waited
            with storage(destination, "replace the corrupt file"):
                destination.unlink()
        failures = []
        for url in urls:
            if offline and urllib.parse.urlsplit(url).scheme != "file":
                failures.append(f"{shown(url)}: not downloaded (offline: ZOO_OFFLINE or offline=True)")
                continue
            try:
                with atomic_output(destination, what="download into") as tmp:
                    _transfer(url, tmp, hashed=hash is not None, size=size, limit=limit, progress=progress,
                              timeout=timeout)
                    problem = _whole(tmp, hash, hash_algorithm, size, verify)
                    if problem:
                        raise MirrorFailed(problem)
                return destination
            except MirrorFailed as failure:
                failures.append(f"{shown(url)}: {failure}")
            except urllib.error.HTTPError as error:
                why = "redirects without end (a redirect loop)" if "infinite loop" in str(error.reason) \
                    else _one_line(str(error.reason))
                failures.append(f"{shown(url)}: HTTP {error.code} {why}")
            except TRANSFER_ERRORS as error:
                failures.append(f"{shown(url)}: {_reason(error)}")
            except OSError as error:
                if isinstance(error, StorageError):
                    raise
                failures.append(f"{shown(url)}: {_reason(error)}")
    raise DownloadError(f"could not download {destination.name}: " + "; ".join(failures))


def shown(url: str) -> str:
    """``url`` as messages show it: a password in it replaced by ``***``.

    Example::

        >>> shown("https://me:secret@mirror.example/f.h5")
        'https://me:***@mirror.example/f.h5'
    """
    parts = urllib.parse.urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def _one_line(text: str) -> str:
    return " ".join(line.strip() for line in str(text).splitlines() if line.strip())


def _reason(error: BaseException) -> str:
    reason = getattr(error, "reason", None) or error
    if isinstance(error, http.client.IncompleteRead):
        return f"the connection closed mid-body ({len(error.partial)} bytes received, the rest never came)"
    text = _one_line(str(reason)) or type(error).__name__
    return f"{type(error).__name__}: {text}" if not isinstance(reason, str) else text


def _whole(path: Path, hash, hash_algorithm, size, verify) -> str | None:
    """Why the file at ``path`` is not the one wanted (its size, hash or structure), or None."""
    actual = path.stat().st_size
    if size is not None and actual != size:
        return f"it has {actual} bytes, expected {size}"
    if hash is not None:
        digest = file_hash(path, hash_algorithm)
        return None if same_hash(digest, hash) else f"wrong {hash_algorithm} {digest}, expected {hash.lower()}"
    if verify is not None:
        try:
            verify(path)
        except ValueError as error:
            return f"incomplete or corrupt ({error})"
    return None


class _SafeRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects only to the schemes :func:`check_url` allows (never ``ftp:``, ``data:``)."""

    def __init__(self, hashed: bool):
        super().__init__()
        self.hashed = hashed

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        check_url(newurl, hashed=self.hashed, field="redirect")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _transfer(url: str, path: Path, *, hashed: bool, size: int | None, limit: int, progress: bool | None,
              timeout: float) -> None:
    """Stream ``url`` into ``path``: a body shorter than announced, or longer than allowed, is a MirrorFailed."""
    opener = urllib.request.build_opener(_SafeRedirects(hashed))
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with opener.open(request, timeout=timeout) as response:
        announced = response.headers.get("Content-Length")
        total = int(announced) if announced and announced.isdigit() else None
        if total is not None and total > limit:
            raise MirrorFailed(f"it announces {total} bytes, more than the {limit} allowed "
                               f"({'the expected size' if size is not None else 'ZOO_MAX_DOWNLOAD_MB'})")
        show = sys.stderr.isatty() if progress is None else progress
        bar = _Progress(Path(urllib.parse.urlsplit(url).path).name, total) if show else None
        received = 0
        with storage(path, "write the download"):
            out = open(path, "wb")
        try:
            while True:
                block = response.read(CHUNK)  # a network error here is the mirror's, not the disk's
                if not block:
                    break
                received += len(block)
                if received > limit:
                    raise MirrorFailed(f"its body passed the {limit} bytes allowed "
                                       f"({'the expected size' if size is not None else 'ZOO_MAX_DOWNLOAD_MB'}); "
                                       "abandoned")
                with storage(path, "write the download"):
                    out.write(block)
                if bar:
                    bar.update(received)
        finally:
            with storage(path, "write the download"):
                out.close()
        if bar:
            bar.close()
    if total is not None and received != total:
        raise MirrorFailed(f"truncated response: received {received} of {total} bytes")


class _Progress:
    """A one-line progress bar on stderr (used only when stderr is a terminal, or when asked for)."""

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
