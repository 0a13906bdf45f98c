"""Writing a benchmark's results into a doc (docs/benchmarks.md by default), between that benchmark's markers,
and its tables' rows as data (benchmarks/results/BENCHMARK.json), which the docs site plots (docs/generate.py)."""

from __future__ import annotations

import json
import os
import platform
import re
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
RESULTS = ROOT / "benchmarks" / "results"
NUMBER = re.compile(r"-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?")  # 4,655 or 21.68, not "13.52, 12.30"


def _value(cell: str):
    """A table cell as data: a number when it is one (``4,655`` -> 4655), else its text."""
    if not NUMBER.fullmatch(cell):
        return cell
    plain = cell.replace(",", "")
    return float(plain) if "." in plain else int(plain)


def tables(markdown: str) -> list[dict]:
    """The Markdown tables of ``markdown``, each ``{"columns": [...], "rows": [[...], ...]}``."""
    found, lines = [], markdown.splitlines()
    for i, line in enumerate(lines[:-1]):
        if line.startswith("|") and re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", lines[i + 1].strip()) \
                and (i == 0 or not lines[i - 1].startswith("|")):
            block = []
            for row in lines[i:]:
                if not row.startswith("|"):
                    break
                block.append([c.strip() for c in row.strip()[1:-1].split(" | ")])
            found.append({"columns": block[0], "rows": [[_value(c) for c in row] for row in block[2:]]})
    return found


def record_results(benchmark: str, section: str, doc: Path = DOC, plot: dict | None = None,
                   date: str | None = None) -> Path:
    """Write the tables of ``section`` to ``benchmarks/results/BENCHMARK.json``, with how to plot them.

    ``plot`` names the table's columns that label a bar group (``label``), the columns drawn as bars,
    the anchor's first (``bars``), the axis' ``unit`` and a one-line ``note``; without it the rows are
    recorded, not plotted. ``date`` is the day it was measured (default: today).
    """
    heading = next((line[3:] for line in section.splitlines() if line.startswith("## ")), benchmark)
    result = {"benchmark": benchmark, "title": re.sub(r" \(`[^`]*`\)$", "", heading),
              "script": f"benchmarks/{benchmark}.py", "date": date or time.strftime("%Y-%m-%d", time.gmtime()),
              "doc": Path(doc).resolve().relative_to(ROOT).as_posix(), "tables": tables(section)}
    if plot:
        missing = [c for c in [*plot["label"], *plot["bars"]] if not any(c in t["columns"] for t in result["tables"])]
        if missing:
            raise ValueError(f"{benchmark}: plot names the column {missing[0]!r}, which no table of its section has")
        result["plot"] = plot
    path = RESULTS / f"{benchmark}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    return path


def write_section(benchmark: str, section: str, doc: Path = DOC, plot: dict | None = None,
                  date: str | None = None) -> None:
    """Replace ``benchmark``'s section of ``doc`` (appended, or the file created, if missing), and record its
    tables as data (:func:`record_results`, with ``plot``).

    The section sits between ``<!-- BENCHMARK: start -->`` and ``<!-- BENCHMARK: end -->``;
    the rest of the file is left as it is.
    """
    start, end = f"<!-- {benchmark}: start -->", f"<!-- {benchmark}: end -->"
    doc = Path(doc)
    text = doc.read_text() if doc.exists() else "# Benchmarks\n"
    block = f"{start}\n{section.rstrip()}\n{end}"
    if start in text and end in text:
        text = text[:text.index(start)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    results = record_results(benchmark, section, doc, plot, date)  # first: a bad plot spec leaves the doc as it was
    doc.write_text(text)
    print(f"wrote {doc} and {results}")


def machine() -> str:
    """CPU model, cores, load, and library versions, for the report."""
    import keras
    import tensorflow as tf

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    return (f"{cpu}, {cores} cores available to the process, load average at start {load}; "
            f"Python {platform.python_version()}, TensorFlow {tf.__version__}, Keras {keras.__version__} "
            f"(backend {keras.backend.backend()}), float32")
