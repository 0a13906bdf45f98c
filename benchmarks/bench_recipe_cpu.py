"""What the modern recipe's augmentation costs an epoch: resnet20 on Fashion-MNIST on this CPU.

Three configurations, each a ``zoo.train`` in a process of its own, run in alternating order (``--rounds``
rounds of the three, each round in another order): today's code (``--today``, a checkout of the main branch)
with resnet20's recipe (flip and pad-and-crop); this checkout with the same recipe; this checkout with the
modern recipe (RandAugment 2 operations at 0.5, MixUp 0.2 and CutMix 1.0, random erasing 0.25, EMA 0.999). Each
trains 2 epochs on the first ``--examples`` training images (batch 128); the second epoch's time counts (the
first includes tracing); a configuration's time is the median over rounds, and its cost the ratio to today's.
With ``--write`` the table goes to ``docs/benchmarks.md`` (between this benchmark's markers).

Run: ``TF_CPP_MIN_LOG_LEVEL=3 python benchmarks/bench_recipe_cpu.py --today ../main [--rounds 2] [--write]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from report import machine, write_section

ROOT = Path(__file__).resolve().parent.parent
MODERN = {"randaugment_ops": 2, "randaugment_magnitude": 0.5, "mixup_alpha": 0.2, "cutmix_alpha": 1.0,
          "erasing_prob": 0.25, "ema_decay": 0.999}
CONFIGURATIONS = {  # name -> (which checkout, recipe fields over resnet20's)
    "today's code, resnet20's recipe": ("today", {}),
    "this code, resnet20's recipe": ("this", {}),
    "this code, the modern recipe": ("this", MODERN),
}
RUN = """
import json, sys
import zoo
from zoo.datasets import load
data = load("fashion_mnist")
x, y = data.train
n = int(sys.argv[1])
with __import__("tempfile").TemporaryDirectory() as run_dir:
    result = zoo.train("resnet20", (x[:n], y[:n]), epochs=2, batch_size=128, run_dir=run_dir, verbose=0,
                       **json.loads(sys.argv[2]))
print(json.dumps(result.history["epoch_time"]))
"""


def epoch_seconds(checkout: Path, fields: dict, examples: int) -> float:
    """The second epoch's seconds of a ``zoo.train`` of resnet20 with ``fields``, in a process using ``checkout``."""
    plugins = Path(tempfile.mkdtemp()) / "zoo_plugins"
    plugins.symlink_to(checkout / "plugins")  # the checkout's built-in plugins, as its editable install maps them
    env = dict(os.environ, PYTHONPATH=f"{checkout}{os.pathsep}{plugins.parent}", TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run([sys.executable, "-c", RUN, str(examples), json.dumps(fields)], env=env, cwd=checkout,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])[1]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--today", type=Path, required=True, help="a checkout of the main branch")
    parser.add_argument("--examples", type=int, default=12_000, help="training images per epoch")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--write", action="store_true", help="write the results to docs/benchmarks.md")
    args = parser.parse_args(argv)
    setting = machine()
    checkouts = {"today": args.today.resolve(), "this": ROOT}
    times: dict[str, list[float]] = {name: [] for name in CONFIGURATIONS}
    names = list(CONFIGURATIONS)
    for round_ in range(args.rounds):
        for name in names[round_ % len(names):] + names[:round_ % len(names)]:  # another order each round
            checkout, fields = CONFIGURATIONS[name]
            times[name].append(epoch_seconds(checkouts[checkout], fields, args.examples))
            print(f"round {round_ + 1}: {name}: {times[name][-1]:.1f} s", flush=True)
    today = statistics.median(times[names[0]])
    rows = [f"| {name} | {', '.join(f'{t:.1f}' for t in times[name])} | {statistics.median(times[name]):.1f} | "
            f"{statistics.median(times[name]) / today:.2f}x |" for name in names]
    section = "\n".join([
        "## The modern recipe's cost per epoch (`benchmarks/bench_recipe_cpu.py`)", "",
        f"resnet20 on the first {args.examples:,} Fashion-MNIST training images, batch 128, the second epoch of a "
        f"`zoo.train` of two in a process of its own; {args.rounds} rounds, alternating order; the median round. "
        f"The modern recipe adds RandAugment (2 operations at 0.5), MixUp 0.2 and CutMix 1.0, random erasing 0.25 "
        f"and EMA 0.999 to resnet20's flip and pad-and-crop. The issue's limit: 1.15x today's.", "",
        f"Machine: {setting}.", "",
        "| configuration | epoch seconds by round | median | against today's |",
        "| --- | --- | --- | --- |", *rows])
    print(section)
    if args.write:
        write_section("bench_recipe_cpu", section)


if __name__ == "__main__":
    main()
