"""Writing files so that a crash, a full disk or a kill never leaves half of one, and OS errors in words.

- :func:`atomic_output` gives a temporary path beside the destination (same suffix, so Keras
  and h5py accept it); on success the file is flushed to disk (``fsync``) and renamed into
  place, on any failure removed: the previous file, if any, stays as it was.
- :func:`atomic_write` and :func:`atomic_json` write bytes, text or JSON that way.
- :func:`move_into_place` is the one atomic replace: a finished file or folder renamed over its
  destination (a folder that was there is moved aside first, then removed).
- :func:`check_replaceable` is the one guard on what ``force`` may remove: only what the command
  itself would have written (the caller says how to recognise it), never an unrelated file or folder.
- :func:`storage` is the one place that turns an ``OSError`` into a :class:`zoo.errors.StorageError`,
  one line naming the path, what was being done and why: permissions, a read-only file system,
  a full disk or a file-size limit (with the free space), a path that is a file or a directory.
  A framework's own error for the same causes (TensorFlow's ``ResourceExhaustedError`` for a
  full disk) is read as the OS error it reports.
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
from typing import Any, Callable, Iterator

from zoo.errors import DownloadError, StorageError

FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
# How libraries that do not raise OSError (TensorFlow's C++ file system, HDF5) word the OS errors they meet.
REPORTED = {"No space left on device": errno.ENOSPC, "Disk quota exceeded": errno.EDQUOT,
            "File too large": errno.EFBIG, "Read-only file system": errno.EROFS, "Permission denied": errno.EACCES}


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
    if any(part.startswith(".") and part not in (".", "..") for part in Path(target).parts[-2:]):
        target = path  # the zoo's own temporary file or folder (zoo.files.names): the user knows the path it is for
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


def reported_os_error(error: BaseException) -> OSError | None:
    """The OS error a library's own exception reports in its message (a full disk, a read-only file system), or None."""
    if isinstance(error, OSError):
        return error
    text = str(error)
    for words, number in REPORTED.items():
        if words in text:
            return OSError(number, words)
    return None


@contextlib.contextmanager
def storage(path, action: str) -> Iterator[None]:
    """Within the block, an ``OSError`` (or a library's error reporting one, :func:`reported_os_error`) becomes a
    :class:`zoo.errors.StorageError` naming ``path`` and ``action``; errors that already say what failed
    (:class:`~zoo.errors.StorageError`, :class:`~zoo.errors.DownloadError`) pass through as they are.

    Example::

        >>> with storage("runs/x", "create the run directory"):
        ...     Path("runs/x").mkdir(parents=True, exist_ok=True)
    """
    try:
        yield
    except (StorageError, DownloadError):
        raise
    except Exception as error:
        reported = reported_os_error(error)
        if reported is None:
            raise
        raise StorageError(describe(reported, path, action)) from None


def check_replaceable(path, *, force: bool, recognise: Callable[[Path], bool], what: str,
                      name: str = "output", option: str = "force") -> None:
    """Refuse to write over ``path`` unless ``force`` is given and ``path`` is ``what`` the command writes.

    ``force`` replaces only what the command itself would have written: ``recognise(path)`` says whether
    the file or folder there is one (an ONNX file, a SavedModel folder). Anything else, a folder of the
    user's above all, is never removed.

    :param name: what the message calls ``path`` (the option or argument that named it).
    :param option: the keyword that allows replacing (``force``, as ``--force`` on the command line).
    :raises FileExistsError: ``path`` exists and ``force`` is not given, or it is not ``what`` (one line).

    Example::

        >>> check_replaceable(Path("project"), force=True, recognise=is_onnx_file, what="an ONNX file")
        FileExistsError: output 'project' is a folder, not an ONNX file: force (--force) replaces only what ...
    """
    path = Path(path)
    if not (path.exists() or path.is_symlink()):
        return
    if not force:
        raise FileExistsError(f"{name} {str(path)!r} exists: pass {option}=True (--{option}) to replace it")
    kind = "a symbolic link" if path.is_symlink() else "a folder" if path.is_dir() else "a file"
    if path.is_symlink() or not recognise(path):
        raise FileExistsError(f"{name} {str(path)!r} is {kind}, not {what}: {option} (--{option}) replaces only "
                              f"what this command writes; move it away or choose another {name}")


def move_into_place(source, destination, *, what: str = "move into place") -> None:
    """Rename the finished file or folder ``source`` to ``destination``, replacing what is there.

    A file is replaced with one ``os.replace``; a folder that is there is first renamed aside
    (beside it, so the same file system), then the new one renamed in, then the old one removed.
    Check first what may be replaced (:func:`check_replaceable`).
    """
    source, destination = Path(source), Path(destination)
    with storage(destination, what):
        if destination.is_dir() and not destination.is_symlink():
            aside = Path(tempfile.mkdtemp(dir=destination.parent, prefix=f".{destination.name}.old-"))
            try:
                os.replace(destination, aside / destination.name)
                try:
                    os.replace(source, destination)
                except OSError:
                    os.replace(aside / destination.name, destination)  # the old folder back where it was
                    raise
            finally:
                shutil.rmtree(aside, ignore_errors=True)
        else:
            os.replace(source, destination)
        _fsync_directory(destination.parent)


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
        move_into_place(tmp, path, what=what)
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
