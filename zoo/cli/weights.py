"""``zoo weights``: list, pull, verify and import pretrained weight files.

``list`` and ``verify`` never import TensorFlow or Keras; ``import`` does, to
check that the file loads into the architecture.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import sys

from zoo.errors import DownloadError
from zoo.records.tags import CHECKPOINT_FORMATS
from zoo.registry.loader import get_registry
from zoo.registry.store import natural_order
from zoo.tables import format_table
from zoo.weights.cache import cache_dir, check_hdf5, expected_hash, fetch, local_copy, pin, problem


def register(subparsers) -> None:
    parser = subparsers.add_parser("weights", help="list, pull, verify and import pretrained weights")
    commands = parser.add_subparsers(dest="weights_command", required=True, metavar="ACTION")

    sub = commands.add_parser("list", help="list weight tags (a table: tag, format, classes, input, head, local copy)")
    sub.add_argument("pattern", nargs="?", default="*", help="fnmatch pattern on the tag or architecture, e.g. 'resnet*'")
    sub.set_defaults(run=run_list)

    sub = commands.add_parser("pull", help="download weight files into the cache (prefetch)")
    sub.add_argument("tags", nargs="+", metavar="TAG", help="architecture.tag, or an architecture for its default")
    sub.set_defaults(run=run_pull)

    sub = commands.add_parser("verify", help="re-hash the cache; report and remove corrupt files")
    sub.set_defaults(run=run_verify)

    sub = commands.add_parser("import", help="register a local weights file as a tag, copied into the cache "
                                             "(a PyTorch checkpoint converted)")
    sub.add_argument("file", help="a .weights.h5 (Keras 3) or legacy .h5 file; with --from, a .pth, .pt or "
                                  ".safetensors checkpoint")
    sub.add_argument("--as", dest="name_tag", required=True, metavar="NAME.TAG", help="e.g. lenet5.mine")
    sub.add_argument("--from", dest="source", metavar="SOURCE",
                     help="convert a PyTorch checkpoint laid out as this library's models: torchvision or timm")
    sub.add_argument("--arch", metavar="NAME", help="the architecture the file is of (default: NAME of --as)")
    sub.add_argument("--num-classes", type=int, help="classes the weights were trained for")
    sub.add_argument("--input-shape", help="input shape the weights were trained at, e.g. 28,28,1")
    sub.add_argument("--arguments", type=json_mapping, default={},
                     help='architecture arguments as JSON, e.g. \'{"activation": "relu"}\'')
    sub.add_argument("--preprocessing", type=json_mapping,
                     help='what the weights expect done to 0..255 pixels, as JSON, e.g. \'{"scale": 0.00392156862745098}\' '
                          "or '{\"mode\": \"torch\"}' (default: the run's card.json, else none)")
    sub.add_argument("--default", action="store_true", help="make it the architecture's default tag")
    sub.add_argument("--no-check", dest="check", action="store_false", help="do not load the file to check it")
    sub.set_defaults(run=run_import)


def json_mapping(text: str) -> dict:
    """A JSON object given on the command line (argparse reports a ValueError as a usage error, exit 2)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not JSON: {error}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"{text!r} is not a JSON object such as '{{\"key\": 1}}'")
    return value


def _tags(pattern: str):

    return [tag for name, tag in sorted(get_registry().weights.items(), key=lambda item: natural_order(item[0]))
            if fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(tag.architecture, pattern)]


def run_list(args) -> int:

    tags = _tags(args.pattern)
    if not tags:
        print(f"no weight tag matches {args.pattern!r}")
        return 0
    rows = []
    for tag in tags:
        path = local_copy(tag)
        where = str(path.parent) if path else "-"
        shape = "x".join(str(s) for s in tag.input_shape) if tag.input_shape else "-"
        rows.append([tag.name + (" (default)" if tag.default else ""), tag.format, tag.num_classes or "-", shape,
                     "top" if tag.include_top else "no top", where])
    print(format_table(["tag", "format", "classes", "input", "head", "local copy"], rows))
    return 0


def run_pull(args) -> int:
    from zoo.weights.pretrained import tag_for

    failed = 0
    for name in args.tags:
        tag = tag_for(name)
        try:
            print(f"{tag.name}: {fetch(tag)}")
        except (DownloadError, FileNotFoundError) as error:
            print(f"zoo weights pull: error: {error}", file=sys.stderr)
            failed += 1
    return 2 if failed else 0


def run_verify(args) -> int:
    """Re-check each cached file against every tag that names it; exit 1 if any was corrupt.

    A hashed (or pinned) file is re-hashed; an unhashed one is read whole and its hash pinned; a file
    converted from a PyTorch checkpoint is read whole (one that cannot be is removed, and converted
    again when it is next needed).
    """
    from zoo.weights.pretrained import converted_name

    directory = cache_dir()
    files = sorted(p for p in directory.glob("*") if p.is_file() and not p.name.endswith(".lock")
                   and not p.name.startswith(".")) if directory.is_dir() else []
    by_file = {}
    for tag in get_registry().weights.values():
        by_file.setdefault(tag.file_name, []).append(tag)
    converted = {converted_name(t): t for t in get_registry().weights.values() if t.format in CHECKPOINT_FORMATS}
    corrupt = 0
    for path in files:
        tags = by_file.get(path.name)
        if path.name in converted and not tags:
            try:
                check_hdf5(path)
                print(f"ok       {path} ({converted[path.name].name}, converted from its checkpoint; read whole)")
            except ValueError as error:
                path.unlink()
                corrupt += 1
                print(f"CORRUPT  {path} ({converted[path.name].name}: {error}); removed, converted again when needed")
            continue
        if not tags:
            print(f"unknown  {path} (no registered tag names this file; left alone)")
            continue
        checked = [(tag, problem(path, tag)) for tag in tags]
        good = [tag for tag, why in checked if why is None]
        if good:
            hashed = expected_hash(good[0])[0] is not None
            print(f"ok       {path} ({', '.join(t.name for t in good)}"
                  f"{'' if hashed else '; no published hash: read whole, sha256 pinned'})")
            pin(good[0], path)
        else:
            path.unlink()
            corrupt += 1
            print(f"CORRUPT  {path} ({checked[0][0].name}: {checked[0][1]}); removed")
    for path in sorted(directory.glob(".*.tmp*")) if directory.is_dir() else []:
        pid = path.name.split(".")[2] if path.name.count(".") >= 3 else ""  # .STEM.PID.RANDOM.tmp..., zoo.files
        if pid.isdigit() and not _running(int(pid)):
            path.unlink()
            print(f"partial  {path} (left by a stopped download); removed")
    print(f"{len(files)} file(s) in {directory}, {corrupt} corrupt")
    return 1 if corrupt else 0


def _running(pid: int) -> bool:
    """Whether a process of this id is alive (the writer of a partial file may still be at work)."""
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_import(args) -> int:
    from zoo.weights.pretrained import import_weights

    metadata = {"default": args.default}
    if args.num_classes is not None:
        if args.num_classes < 1:
            raise ValueError(f"--num-classes={args.num_classes} is not allowed: it must be a positive integer")
        metadata["num_classes"] = args.num_classes
    if args.input_shape:
        try:
            metadata["input_shape"] = [int(s) for s in args.input_shape.split(",")]
        except ValueError:
            metadata["input_shape"] = None
        if not metadata["input_shape"] or min(metadata["input_shape"]) < 1:
            raise ValueError(f"--input-shape={args.input_shape!r} is not allowed: use positive integers separated "
                             "by commas, height,width,channels for an image model, e.g. 28,28,1")
    if args.arguments:
        metadata["arguments"] = args.arguments
    if args.preprocessing is not None:
        metadata["preprocessing"] = args.preprocessing
    tag = import_weights(args.file, args.name_tag, source=args.source, arch=args.arch, check=args.check, **metadata)
    if args.source:
        print(f"{tag.name}: {tag.source}; build arguments {json.dumps(dict(tag.arguments))}")
    print(f"{tag.name}: sha256 {tag.hash}, registered in the user catalog; "
          f"zoo.get({tag.name!r}, pretrained=True) loads it")
    return 0
