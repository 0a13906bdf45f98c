"""Writing a benchmark's results into a doc (docs/benchmarks.md by default), between that benchmark's markers."""

from __future__ import annotations

import os
import platform
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def write_section(benchmark: str, section: str, doc: Path = DOC) -> None:
    """Replace ``benchmark``'s section of ``doc`` (appended, or the file created, if missing).

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
    doc.write_text(text)
    print(f"wrote {doc}")


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
