"""Writing a benchmark's results into a doc (docs/benchmarks.md by default), between that benchmark's markers."""

from __future__ import annotations

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
