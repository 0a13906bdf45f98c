"""``zoo list`` against ``import keras``: the catalog must answer without the weight of a deep-learning import.

In one run, rounds alternate (ABBA) a fresh process running ``zoo list`` (every built-in architecture, its
parameters read from the plugins' ``model_stats.json``) and a fresh process running ``import keras``
(which imports TensorFlow); both include Python's start-up. The result is the median over rounds of the
ratio ``zoo list`` / ``import keras``. Target: under 0.1.

Run: ``python benchmarks/bench_list_cpu.py [--rounds 10] [--write]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

from report import machine, write_section

COMMANDS = {
    "zoo list": [sys.executable, "-c", "import sys; from zoo.cli import main; sys.exit(main(['list']))"],
    "import keras": [sys.executable, "-c", "import keras"],
}


def seconds(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    about = machine()
    print(about, flush=True)
    for command in COMMANDS.values():  # warm the file cache once
        seconds(command)
    times = {name: [] for name in COMMANDS}
    for number in range(args.rounds):
        for name in (list(COMMANDS) if number % 2 == 0 else list(COMMANDS)[::-1]):
            times[name].append(seconds(COMMANDS[name]))
    ratio = statistics.median(a / b for a, b in zip(times["zoo list"], times["import keras"]))
    table = "\n".join([
        "| command | median s | every round (s) |", "| --- | --- | --- |",
        *(f"| `{name}` | {statistics.median(t):.3f} | {', '.join(f'{v:.2f}' for v in t)} |" for name, t in times.items()),
        "", f"`zoo list` / `import keras`, median of the per-round ratios: **{ratio:.3f}** (target: under 0.1)",
    ])
    print(table)
    if args.write:
        write_section("bench_list_cpu", f"""## `zoo list` against `import keras` (`benchmarks/bench_list_cpu.py`)

Machine: {about}. Run on {time.strftime('%Y-%m-%d', time.gmtime())}:
`python benchmarks/bench_list_cpu.py --rounds {args.rounds} --write`. Each command is a fresh process
(Python's start-up included); rounds alternate the two (ABBA).

{table}
""")


if __name__ == "__main__":
    main()
