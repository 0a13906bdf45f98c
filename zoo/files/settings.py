"""The environment variables of the file layer, each read in one place.

- ``ZOO_HOME``: the zoo's directory (cache, user catalog, fetched data), default ``~/.cache/keras-zoo``;
- ``ZOO_OFFLINE``: ``1``, ``true``, ``yes`` or ``on`` (any case) forbid downloads; ``0``, ``false``,
  ``no``, ``off`` or unset allow them; anything else is an error;
- ``ZOO_WEIGHTS_PATH`` / ``ZOO_DATA_PATH``: read-only mirror directories (``os.pathsep``-separated);
- ``ZOO_MAX_DOWNLOAD_MB``: the size limit of a download whose size is not known beforehand (default 8192).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

OFFLINE_TRUE = ("1", "true", "yes", "on")
OFFLINE_FALSE = ("", "0", "false", "no", "off")
DEFAULT_MAX_DOWNLOAD_MB = 8192  # larger than any weight file or dataset the zoo knows (VGG-19: 549 MB)


def offline(value: bool | None = None) -> bool:
    """``value`` if given, else ``ZOO_OFFLINE`` read as documented above (a ValueError for another value).

    Example::

        >>> os.environ["ZOO_OFFLINE"] = "True"; offline()
        True
    """
    if value is not None:
        return bool(value)
    setting = os.environ.get("ZOO_OFFLINE", "").strip().lower()
    if setting in OFFLINE_TRUE:
        return True
    if setting in OFFLINE_FALSE:
        return False
    raise ValueError(f"ZOO_OFFLINE={os.environ['ZOO_OFFLINE']!r} is not allowed: use one of "
                     f"{', '.join(OFFLINE_TRUE)} to stay offline, or {', '.join(v for v in OFFLINE_FALSE if v)} "
                     "(or unset it) to allow downloads")


def zoo_home() -> Path:
    """The zoo's own directory: ``$ZOO_HOME``, default ``~/.cache/keras-zoo``."""
    return Path(os.environ.get("ZOO_HOME") or Path.home() / ".cache" / "keras-zoo").expanduser()


def mirror_path(variable: str) -> list[Path]:
    """The directories an ``os.pathsep``-separated variable names (``ZOO_WEIGHTS_PATH``, ``ZOO_DATA_PATH``)."""
    return [Path(p).expanduser() for p in os.environ.get(variable, "").split(os.pathsep) if p]


def max_download_bytes() -> int:
    """``ZOO_MAX_DOWNLOAD_MB`` in bytes: how much a download of unknown size may write before it is abandoned."""
    value = os.environ.get("ZOO_MAX_DOWNLOAD_MB", "")
    if not value:
        return DEFAULT_MAX_DOWNLOAD_MB << 20
    try:
        megabytes = float(value)
    except ValueError:
        megabytes = -1.0
    if not (megabytes > 0 and math.isfinite(megabytes)):
        raise ValueError(f"ZOO_MAX_DOWNLOAD_MB={value!r} is not allowed: it must be a positive number of megabytes")
    return int(megabytes * (1 << 20))
