"""Where weight files are found: :func:`fetch`.

A weight tag's file is looked for, in this order:

1. the weight files shipped with the built-in plugins (``zoo_plugins/weights/``);
2. each directory in ``ZOO_WEIGHTS_PATH`` (``os.pathsep``-separated, read-only
   mirrors for air-gapped sites);
3. Keras' own cache (``$KERAS_HOME/models``, default ``~/.keras/models``), where
   ``keras.applications`` keeps the same files, and torch.hub's
   (``$TORCH_HOME/hub/checkpoints``, default ``~/.cache/torch/hub/checkpoints``), where
   torchvision keeps its checkpoints;
4. the zoo's cache, ``$ZOO_HOME/weights`` (``ZOO_HOME`` defaults to ``~/.cache/keras-zoo``);
5. the tag's URLs, in order, downloaded into the zoo's cache -- unless
   ``ZOO_OFFLINE=1`` or ``offline=True``.

A file is used only if its hash matches the tag's. Nothing here imports
TensorFlow or Keras.
"""

from __future__ import annotations

import os
from pathlib import Path

from zoo.download import DownloadError, download, hash_matches
from zoo.tags import WeightTag

SHIPPED_WEIGHTS = Path(__file__).resolve().parent.parent / "plugins" / "weights"  # a source checkout


class WeightsNotFoundError(FileNotFoundError):
    """A weight file is in none of the places looked in (the message lists them)."""


def zoo_home() -> Path:
    """The zoo's own directory: ``$ZOO_HOME``, default ``~/.cache/keras-zoo``."""
    return Path(os.environ.get("ZOO_HOME") or Path.home() / ".cache" / "keras-zoo").expanduser()


def cache_dir() -> Path:
    """Where downloaded and imported weight files are kept: ``$ZOO_HOME/weights``."""
    return zoo_home() / "weights"


def user_catalog() -> Path:
    """The user's own catalog file, written by ``zoo weights import``: ``$ZOO_HOME/registry.yaml``."""
    return zoo_home() / "registry.yaml"


def is_offline(offline: bool | None = None) -> bool:
    """``offline`` if given, else whether ``ZOO_OFFLINE`` is set to something other than ``0``."""
    if offline is not None:
        return bool(offline)
    return os.environ.get("ZOO_OFFLINE", "").strip().lower() not in ("", "0", "false", "no")


def shipped_dir() -> Path:
    """The directory of weight files shipped with the built-in plugins (``zoo_plugins/weights``)."""
    import importlib.util

    spec = importlib.util.find_spec("zoo_plugins")
    if spec is not None and spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0]) / "weights"
    return SHIPPED_WEIGHTS


def mirror_dirs() -> list[Path]:
    """The read-only directories searched before the cache: shipped, ``ZOO_WEIGHTS_PATH``, Keras' and torch.hub's
    caches."""
    mirrors = [Path(p).expanduser() for p in os.environ.get("ZOO_WEIGHTS_PATH", "").split(os.pathsep) if p]
    keras_home = Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras").expanduser()
    torch_home = Path(os.environ.get("TORCH_HOME") or Path.home() / ".cache" / "torch").expanduser()
    return [shipped_dir(), *mirrors, keras_home / "models", torch_home / "hub" / "checkpoints"]


def places(tag: WeightTag) -> list[Path]:
    """Where ``tag``'s file may be on this machine, in the order they are searched: mirrors, then the cache."""
    return [directory / tag.file_name for directory in [*mirror_dirs(), cache_dir()]]


def local_copy(tag: WeightTag) -> Path | None:
    """The first of :func:`places` holding a file of ``tag``'s name, unhashed.

    For listings; :func:`fetch` is what checks the hash before a file is used.
    """
    return next((path for path in places(tag) if path.is_file()), None)


def matches(path: Path, tag: WeightTag) -> bool:
    """Whether ``path`` holds ``tag``'s file (its hash, or the prefix of it, when the tag records one)."""
    return hash_matches(path, tag.hash, tag.hash_algorithm)


def fetch(tag: WeightTag, *, offline: bool | None = None, progress: bool | None = None) -> Path:
    """The local path of ``tag``'s weight file, downloading it into the cache if needed.

    A cached file whose hash no longer matches (corrupted on disk) is
    replaced by a fresh download.

    :param tag: the weight tag.
    :param offline: never touch the network (default: ``ZOO_OFFLINE``).
    :param progress: download progress bar (default: only in a terminal).
    :raises WeightsNotFoundError: offline, or no URL, and the file is nowhere; lists every place looked in.
    :raises zoo.download.DownloadError: every URL failed (names each URL, expected and actual hash).

    Example::

        >>> fetch(zoo.registry.get_registry().weights["resnet50.imagenet"])
        PosixPath('/home/me/.cache/keras-zoo/weights/resnet50_weights_tf_dim_ordering_tf_kernels.h5')
    """
    looked = []
    cached = cache_dir() / tag.file_name
    for path in places(tag):
        if not path.is_file():
            looked.append(f"{path} (not there)")
        elif matches(path, tag):
            return path
        else:
            looked.append(f"{path} (wrong {tag.hash_algorithm}: {'corrupt' if path == cached else 'ignored'})")
    if is_offline(offline) or not tag.urls:
        why = "offline (ZOO_OFFLINE or offline=True), so not downloaded from " + ", ".join(tag.urls) \
            if tag.urls and is_offline(offline) else "the tag has no URL to download it from"
        raise WeightsNotFoundError(
            f"weights {tag.name}: file {tag.file_name} not found; looked in: {'; '.join(looked)}; {why}. "
            f"Copy the file into a directory named in ZOO_WEIGHTS_PATH, or run `zoo weights pull {tag.name}` "
            "where the network is reachable"
        )
    try:
        return download(tag.urls, cached, hash=tag.hash, hash_algorithm=tag.hash_algorithm, progress=progress)
    except DownloadError as error:
        raise DownloadError(f"weights {tag.name}: {error}") from None
