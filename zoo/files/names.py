"""Names confined to their directory: a file, tag, project or run name can never reach outside it.

A name that is absolute, contains a path separator, is ``.`` or ``..``, starts with a
dot (the zoo's own temporary and lock files do), holds a NUL, is longer than a file
system allows (255 bytes), or resolves outside its directory (through a symbolic link)
is refused where it is read — catalog load, CLI parse — with a ``ValueError`` naming
the field, the value and the rule. Every place where a name becomes a path goes
through :func:`confined` (weight files and converted weights in the cache, tuning
projects, plugin packages), so a name read elsewhere without a check still cannot
reach outside its directory.
"""

from __future__ import annotations

import os
from pathlib import Path

RULE = "it must be a plain name: no path separator, not absolute, not '.' or '..', not starting with '.'"
MAX_BYTES = 255  # the longest file name ext4, XFS, btrfs, APFS and NTFS take


def check_name(field: str, value) -> str:
    """``value`` if it is a plain name, else a ValueError naming ``field``, the value and the rule.

    Example::

        >>> check_name("file_name", "../../x")
        ValueError: file_name='../../x' is not allowed: it must be a plain name: no path separator, ...
    """
    separators = {"/", "\\", os.sep, *(os.altsep or "")}
    if not isinstance(value, str) or not value or value in (".", "..") or value.startswith(".") \
            or any(s in value for s in separators) or "\x00" in value or Path(value).is_absolute():
        raise ValueError(f"{field}={value!r} is not allowed: {RULE}")
    if len(value.encode("utf-8", "surrogateescape")) > MAX_BYTES:
        raise ValueError(f"{field}={_short(value)} is not allowed: it is {len(value.encode('utf-8', 'surrogateescape'))} "
                         f"bytes long, and a file name may have at most {MAX_BYTES}")
    return value


def _short(value: str) -> str:
    """A long name quoted by its start and end."""
    return repr(value) if len(value) <= 60 else repr(f"{value[:28]}...{value[-28:]}")


def confined(directory: Path, name: str, field: str) -> Path:
    """``directory / name``, checked: a plain name that does not resolve outside ``directory``.

    Example::

        >>> confined(Path("~/.cache/keras-zoo/weights"), "resnet50.h5", "file_name")
        PosixPath('~/.cache/keras-zoo/weights/resnet50.h5')
    """
    check_name(field, name)
    path = Path(directory) / name
    root = Path(directory).resolve()
    resolved = path.resolve()
    if resolved != root and root not in resolved.parents:
        raise ValueError(f"{field}={name!r} is not allowed: {path} resolves to {resolved}, outside {root}")
    return path
