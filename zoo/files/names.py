"""Names confined to their directory: a file, tag, project or run name can never reach outside it.

A name that is absolute, contains a path separator, is ``.`` or ``..``, starts with a
dot (the zoo's own temporary and lock files do), holds a NUL, or resolves outside its
directory (through a symbolic link) is refused where it is read — catalog load, CLI
parse — with a ``ValueError`` naming the field, the value and the rule.
"""

from __future__ import annotations

import os
from pathlib import Path

RULE = "it must be a plain name: no path separator, not absolute, not '.' or '..', not starting with '.'"


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
    return value


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
