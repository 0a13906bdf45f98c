"""The file layer against the code before it: a cold ``zoo.get("lenet5", pretrained=True)`` and
``zoo weights verify`` over a cache, each in a fresh process, in one run.

The baseline is a checkout of an earlier commit (``--baseline REV``, default the last commit before the file
layer), run from a git worktree with the same interpreter and packages. Rounds alternate the two (ABBA);
the result is the median over rounds of baseline seconds / current seconds (above 1: faster now).

- *cold get*: a new process imports zoo and Keras (not timed), then ``zoo.get("lenet5", pretrained=True)``
  (timed): the registry, the catalog, the file search and its hash check, building the model, loading the file.
- *verify*: ``zoo weights verify`` in a new process (timed whole) over a cache of 4 hashed files of 32 MB
  registered by a ``ZOO_REGISTRY`` catalog, plus the shipped files.

Run: ``python benchmarks/bench_files_cpu.py [--rounds 6] [--baseline REV] [--write]``
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from report import machine, write_section

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "a318189"  # main before issues 11 and 12
GET = """
import time, zoo, keras
started = time.perf_counter()
zoo.get("lenet5", pretrained=True)
print(time.perf_counter() - started)
"""


def source_tree(rev: str, directory: Path) -> Path:
    """A directory to put first on PYTHONPATH so that ``zoo`` and ``zoo_plugins`` are those of ``rev``."""
    checkout = directory / "checkout"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--force", str(checkout), rev],
                   check=True, capture_output=True)
    tree = directory / "tree"
    tree.mkdir()
    (tree / "zoo").symlink_to(checkout / "zoo")
    (tree / "zoo_plugins").symlink_to(checkout / "plugins")
    return tree


def make_cache(home: Path, catalog: Path, files: int = 4, megabytes: int = 32) -> None:
    """``files`` random files of ``megabytes`` in ``home``'s cache, registered with their sha256 by ``catalog``."""
    weights = home / "weights"
    weights.mkdir(parents=True)
    entries = []
    for index in range(files):
        data = os.urandom(megabytes << 20)
        name = f"bench{index}.weights.h5"
        (weights / name).write_bytes(data)
        entries.append(f"  lenet5.bench{index}: {{file_name: {name}, hash: {hashlib.sha256(data).hexdigest()}}}")
    catalog.write_text("weights:\n" + "\n".join(entries) + "\n")


def timed(command: list[str], env: dict, cwd: Path) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, cwd=cwd)
    if result.returncode not in (0, 1):
        raise RuntimeError(f"{command} failed: {result.stderr[-2000:]}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    about = machine()
    print(about, flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        trees = {"baseline": source_tree(args.baseline, scratch / "baseline"), "current": ROOT}
        # as after a pip install, both trees run from compiled bytecode (written by the warm-up round below),
        # so neither pays for compiling its sources; PYTHONDONTWRITEBYTECODE would charge the larger tree for it
        base_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        base_env["TF_CPP_MIN_LOG_LEVEL"] = "3"
        envs = {}
        for name, tree in trees.items():
            home, catalog = scratch / name / "home", scratch / name / "catalog.yaml"
            catalog.parent.mkdir(parents=True, exist_ok=True)
            make_cache(home, catalog)
            envs[name] = dict(base_env, ZOO_HOME=str(home), ZOO_REGISTRY=str(catalog), ZOO_OFFLINE="1",
                              PYTHONPATH=str(tree))
        seconds = {(name, kind): [] for name in trees for kind in ("get", "verify")}
        verify = [sys.executable, "-c", "import sys; from zoo.cli import main; sys.exit(main(['weights', 'verify']))"]
        for name in trees:  # warm-up, not timed: bytecode written, files in the page cache
            subprocess.run([sys.executable, "-c", GET], env=envs[name], capture_output=True, cwd=scratch)
            subprocess.run(verify, env=envs[name], capture_output=True, cwd=scratch)
        for number in range(args.rounds):
            order = list(trees) if number % 2 == 0 else list(trees)[::-1]
            for name in order:
                # cwd: not the checkout, whose zoo/ would come before PYTHONPATH's for `python -c`
                result = subprocess.run([sys.executable, "-c", GET], env=envs[name], capture_output=True, text=True,
                                        cwd=scratch)
                if result.returncode != 0:
                    raise RuntimeError(f"{name}: zoo.get failed: {result.stderr[-2000:]}")
                seconds[(name, "get")].append(float(result.stdout.strip().splitlines()[-1]))
                seconds[(name, "verify")].append(timed(verify, envs[name], scratch))
            print(f"round {number + 1}: " + ", ".join(f"{n} {k} {v[-1]:.3f} s" for (n, k), v in seconds.items()),
                  flush=True)
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(scratch / "baseline" / "checkout")],
                       check=False, capture_output=True)
    rows = ["| measurement | baseline s (median) | current s (median) | baseline / current (median of rounds) |",
            "| --- | --- | --- | --- |"]
    for kind, label in (("get", 'cold `zoo.get("lenet5", pretrained=True)`'),
                        ("verify", "`zoo weights verify` (4 x 32 MB + shipped files)")):
        base, current = seconds[("baseline", kind)], seconds[("current", kind)]
        ratio = statistics.median(b / c for b, c in zip(base, current))
        rows.append(f"| {label} | {statistics.median(base):.3f} | {statistics.median(current):.3f} | {ratio:.3f} |")
    table = "\n".join(rows)
    print(table)
    if args.write:
        write_section("bench_files_cpu", f"""## The file layer against the code before it (`benchmarks/bench_files_cpu.py`)

Machine: {about}. Run on {time.strftime('%Y-%m-%d', time.gmtime())}:
`python benchmarks/bench_files_cpu.py --rounds {args.rounds} --write`, against commit `{args.baseline}`
(main before the file layer and the model identity record), from a git worktree, same interpreter and packages.
Each measurement is a fresh process running from compiled bytecode after an untimed warm-up round; rounds
alternate baseline and current (ABBA); the ratio is the median over
{args.rounds} rounds of baseline / current (above 1: faster now). Target: no slower (ratio at least 1, within
the noise of this machine).

{table}

The cold `zoo.get` times the call alone, after `import zoo, keras` (the registry, the catalog, the file
search and its sha256 check, building LeNet-5, loading the file). `zoo weights verify` is the whole command:
Python's start-up and the import of the zoo, then the sha256 of every cached file.
""")


if __name__ == "__main__":
    main()
