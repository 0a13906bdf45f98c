"""Where weight files are found, and how each is proven to be the right file: :func:`fetch`.

A weight tag's file is looked for, in this order:

1. the directory of the tag's ``package``, when it names one: weight files shipped inside a plugin's
   own package (the built-in plugins' are in ``zoo_plugins.weights``);
2. each directory in ``ZOO_WEIGHTS_PATH`` (``os.pathsep``-separated, read-only
   mirrors for air-gapped sites);
3. Keras' own cache (``$KERAS_HOME/models``, default ``~/.keras/models``), where
   ``keras.applications`` keeps the same files, and torch.hub's
   (``$TORCH_HOME/hub/checkpoints``, default ``~/.cache/torch/hub/checkpoints``), where
   torchvision keeps its checkpoints;
4. the zoo's cache, ``$ZOO_HOME/weights`` (``ZOO_HOME`` defaults to ``~/.cache/keras-zoo``);
5. the tag's URLs, in order, downloaded into the zoo's cache by :func:`zoo.files.fetch` -- unless
   ``ZOO_OFFLINE`` (see :func:`zoo.files.offline`) or ``offline=True``; ``file:`` URLs are read
   offline too.

A file is used only if its hash matches the tag's. A tag with no published hash (keras
publishes none for the MobileNets) is accepted only after a complete read of its HDF5
structure (every dataset), and its sha256 is then pinned in the user catalog
(``hashes:`` in ``$ZOO_HOME/registry.yaml``), so later corruption is caught like a hashed
file's. Nothing here imports TensorFlow or Keras.
"""

from __future__ import annotations

import os
from pathlib import Path

from zoo.errors import DownloadError
from zoo.files import confined
from zoo.files import fetch as fetch_file
from zoo.files import file_hash, make_directory, mirror_path
from zoo.files import offline as is_offline
from zoo.files import same_hash, zoo_home
from zoo.files.fetching import shown
from zoo.records.tags import WeightTag
from zoo.registry.catalog import read_pins, update_user_catalog
from zoo.registry.loader import package_directory


class WeightsNotFoundError(FileNotFoundError):
    """A weight file is in none of the places looked in (the message lists them)."""


def cache_dir() -> Path:
    """Where downloaded and imported weight files are kept: ``$ZOO_HOME/weights``."""
    return zoo_home() / "weights"


def mirror_dirs(tag: WeightTag) -> list[Path]:
    """The read-only directories searched before the cache: the tag's package, ``ZOO_WEIGHTS_PATH``, Keras'
    and torch.hub's caches."""
    keras_home = Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras").expanduser()
    torch_home = Path(os.environ.get("TORCH_HOME") or Path.home() / ".cache" / "torch").expanduser()
    package = package_directory(tag.package) if tag.package else None
    return [*([package] if package else []), *mirror_path("ZOO_WEIGHTS_PATH"), keras_home / "models",
            torch_home / "hub" / "checkpoints"]


def places(tag: WeightTag) -> list[Path]:
    """Where ``tag``'s file may be on this machine, in the order they are searched: mirrors, then the cache."""
    return [confined(directory, tag.file_name, f"weights {tag.name}: file_name")
            for directory in [*mirror_dirs(tag), cache_dir()]]


def local_copy(tag: WeightTag) -> Path | None:
    """The first of :func:`places` holding a file of ``tag``'s name, unchecked.

    For listings; :func:`fetch` is what proves a file before it is used.
    """
    return next((path for path in places(tag) if path.is_file()), None)


def check_hdf5(path: Path) -> None:
    """Read every dataset of an HDF5 file; ``ValueError`` if the file is cut short or damaged anywhere."""
    import h5py

    try:
        with h5py.File(path, "r") as f:
            datasets = []
            f.visititems(lambda name, item: datasets.append(item) if isinstance(item, h5py.Dataset) else None)
            if not datasets:
                raise ValueError("it holds no weights")
            for item in datasets:
                item[()]
    except (OSError, RuntimeError, KeyError) as error:
        raise ValueError(f"not a readable HDF5 weights file: {str(error).strip().splitlines()[0]}") from None


def expected_hash(tag: WeightTag) -> tuple[str | None, str]:
    """``(hex digest, algorithm)`` a file of ``tag`` must have: the tag's full digest, else the sha256 pinned for it
    (which must begin with the tag's prefix, when the tag records only torch.hub's prefix), else the prefix, else None."""
    if tag.hash is not None and not is_prefix(tag):
        return tag.hash, tag.hash_algorithm
    pinned = read_pins().get(tag.name)
    if pinned and pinned["file_name"] == tag.file_name and same_hash(pinned["sha256"], tag.hash or pinned["sha256"]):
        return pinned["sha256"], "sha256"
    return tag.hash, "sha256"


def is_prefix(tag: WeightTag) -> bool:
    """Whether ``tag`` records only the first digits of its file's sha256 (torch.hub's ``name-<prefix>.pth``)."""
    return tag.hash is not None and tag.hash_algorithm == "sha256" and len(tag.hash) < 64


def problem(path: Path, tag: WeightTag) -> str | None:
    """Why ``path`` is not ``tag``'s file (its hash, or for an unhashed, unpinned tag its structure), or None."""
    digest, algorithm = expected_hash(tag)
    if digest is not None:
        actual = file_hash(path, algorithm)
        return None if same_hash(actual, digest) else f"wrong {algorithm} {actual}"
    try:
        check_hdf5(path)
    except ValueError as error:
        return str(error)
    return None


def matches(path: Path, tag: WeightTag) -> bool:
    """Whether ``path`` holds ``tag``'s file (:func:`problem` finds nothing wrong; a hash prefix, as torch.hub
    names its files, is enough)."""
    return problem(path, tag) is None


def fetch(tag: WeightTag, *, offline: bool | None = None, progress: bool | None = None) -> Path:
    """The local path of ``tag``'s file, downloading it into the cache if needed.

    A cached file that no longer matches (corrupted on disk) is replaced by a fresh download.
    An unhashed tag's file, once accepted, has its sha256 pinned in the user catalog.

    :param tag: the weight tag.
    :param offline: never touch the network (default: ``ZOO_OFFLINE``).
    :param progress: download progress bar (default: only in a terminal).
    :raises WeightsNotFoundError: offline, or no URL, and the file is nowhere; lists every place looked in.
    :raises zoo.errors.DownloadError: every URL failed (names each URL, expected and actual hash).

    Example::

        >>> fetch(zoo.registry.loader.get_registry().weights["resnet50.imagenet"])
        PosixPath('/home/me/.cache/keras-zoo/weights/resnet50_weights_tf_dim_ordering_tf_kernels.h5')
    """
    looked = []
    cached = confined(cache_dir(), tag.file_name, f"weights {tag.name}: file_name")
    for path in places(tag):
        if not path.is_file():
            looked.append(f"{path} (not there)")
            continue
        why = problem(path, tag)
        if why is None:
            pin(tag, path)
            return path
        looked.append(f"{path} ({why}: {'corrupt' if path == cached else 'ignored'})")
    offline = is_offline(offline)
    usable = [url for url in tag.urls if not offline or url.startswith("file:")]
    if not usable:
        why = "offline (ZOO_OFFLINE or offline=True), so not downloaded from " + ", ".join(map(shown, tag.urls)) \
            if tag.urls else "the tag has no URL to download it from"
        raise WeightsNotFoundError(
            f"weights {tag.name}: file {tag.file_name} not found; looked in: {'; '.join(looked)}; {why}. "
            f"Copy the file into a directory named in ZOO_WEIGHTS_PATH, or run `zoo weights pull {tag.name}` "
            "where the network is reachable"
        )
    make_directory(cache_dir(), "the weights cache")
    digest, algorithm = expected_hash(tag)
    try:
        path = fetch_file(usable, cached, hash=digest, hash_algorithm=algorithm, size=tag.size,
                          verify=check_hdf5 if digest is None else None, offline=offline, progress=progress)
    except DownloadError as error:
        raise DownloadError(f"weights {tag.name}: {error}") from None
    pin(tag, path)
    return path


def pin(tag: WeightTag, path: Path) -> None:
    """For a tag with no full hash, published or pinned, record the sha256 of the file just accepted in the
    user catalog (``hashes:``), so that later corruption on disk is caught as a fully hashed file's is."""
    digest = expected_hash(tag)[0]
    if digest is not None and len(digest) == 64 or tag.hash_algorithm == "md5":
        return
    update_user_catalog("hashes", tag.name, {"file_name": tag.file_name, "sha256": file_hash(path)},
                        what="pin the hash of an accepted file in")
