"""Writing files so that a crash, a full disk or a kill never leaves half of one, and OS errors in words.

- :func:`atomic_output` gives a temporary path beside the destination (same suffix, so Keras
  and h5py accept it); on success the file is flushed to disk (``fsync``) and renamed into
  place, on any failure removed: the previous file, if any, stays as it was.
- :func:`atomic_write` and :func:`atomic_json` write bytes, text or JSON that way.
- :func:`storage` is the one place that turns an ``OSError`` into a :class:`zoo.errors.StorageError`,
  one line naming the path, what was being done and why: permissions, a read-only file system,
  a full disk or a file-size limit (with the free space), a path that is a file or a directory.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator

from zoo.errors import DownloadError, StorageError

FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def free_space(path) -> str:
    """The free space of the file system holding ``path`` (or its nearest existing parent), in words."""
    path = Path(path)
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        free = shutil.disk_usage(path).free
    except OSError:
        return "unknown free space"
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if free >= size:
            return f"{free / size:.1f} {unit} free"
    return f"{free} bytes free"


def _errno(error: OSError) -> int | None:
    """The error number, also from h5py's messages (``errno = 28``), which carry none of their own."""
    if error.errno is not None:
        return error.errno
    found = re.search(r"errno = (\d+)", str(error))
    return int(found.group(1)) if found else None


def describe(error: OSError, path, action: str) -> str:
    """``cannot ACTION PATH: REASON`` for an OSError, on one line."""
    number = _errno(error)
    target = getattr(error, "filename", None) or path
    if number in (errno.EACCES, errno.EPERM):
        reason = "permission denied"
    elif number == errno.EROFS:
        reason = "the file system is read-only"
    elif number in (errno.ENOSPC, errno.EDQUOT):
        reason = f"no space left on the device ({free_space(target)})"
    elif number == errno.EFBIG:
        reason = f"the file would be larger than this process may write (file-size limit; {free_space(target)})"
    elif number == errno.EEXIST or number == errno.ENOTDIR:
        reason = "a file is in the way where a directory is needed"
    elif number == errno.EISDIR:
        reason = "it is a directory, not a file"
    elif number == errno.ENOENT:
        reason = "no such file or directory"
    else:
        reason = (error.strerror or str(error)).strip().splitlines()[0]
    return f"cannot {action} {target}: {reason}"


@contextlib.contextmanager
def storage(path, action: str) -> Iterator[None]:
    """Within the block, an ``OSError`` becomes a :class:`zoo.errors.StorageError` naming ``path`` and ``action``;
    errors that already say what failed (:class:`~zoo.errors.StorageError`, :class:`~zoo.errors.DownloadError`)
    pass through as they are.

    Example::

        >>> with storage("runs/x", "create the run directory"):
        ...     Path("runs/x").mkdir(parents=True, exist_ok=True)
    """
    try:
        yield
    except (StorageError, DownloadError):
        raise
    except OSError as error:
        raise StorageError(describe(error, path, action)) from None


def make_directory(path, what: str) -> Path:
    """Create ``path`` (and its parents) unless it exists; a one-line StorageError when it cannot be."""
    path = Path(path)
    with storage(path, f"create {what}"):
        path.mkdir(parents=True, exist_ok=True)
        if not path.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "not a directory", str(path))
    return path


@contextlib.contextmanager
def atomic_output(path, *, what: str = "write") -> Iterator[Path]:
    """A temporary path to write ``path`` through: renamed into place when the block succeeds, removed if not.

    The temporary file is beside ``path`` and ends with the same suffix (``.weights.h5`` stays
    ``.weights.h5``, which Keras requires); it is flushed to disk before the rename, and the
    directory after it, so a power cut leaves the old file or the new one.

    Example::

        >>> with atomic_output("runs/x/best.weights.h5") as tmp:
        ...     model.save_weights(tmp)
    """
    path = Path(path)
    make_directory(path.parent, "the directory")
    suffix = "".join(path.suffixes) or ""
    stem = path.name[:-len(suffix)] if suffix else path.name
    with storage(path, what):
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{stem}.{os.getpid()}.", suffix=f".tmp{suffix}")
        os.close(fd)
    tmp = Path(name)
    try:
        with storage(path, what):
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # as open() would create it, not mkstemp's 0600
        yield tmp
        with storage(path, what):
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
            os.replace(tmp, path)
            _fsync_directory(path.parent)
    except BaseException:
        # emptied first: a writer that still holds the file open (HDF5 after a failed write) can then close it
        # on a full disk instead of failing again (which crashed the process when the interpreter exited)
        with contextlib.suppress(OSError):
            os.truncate(tmp, 0)
        tmp.unlink(missing_ok=True)
        raise


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform or file system can open a directory for it
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path, data: bytes | str, *, what: str = "write") -> None:
    """Write ``data`` to ``path`` atomically (:func:`atomic_output`)."""
    with atomic_output(path, what=what) as tmp:
        with storage(path, what):
            tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def atomic_json(path, value: Any, *, what: str = "write") -> None:
    """Write ``value`` as indented JSON, atomically."""
    atomic_write(path, json.dumps(value, indent=2, default=str) + "\n", what=what)
