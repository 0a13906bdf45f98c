"""MkDocs hook (mkdocs.yml `hooks:`): adds the pages docs/generate.py makes, and the explain gallery (drawn by
docs/gallery.py in a process of its own: it runs TensorFlow), to the site, in memory."""

import sys
from pathlib import Path

from mkdocs.structure.files import File

sys.path.insert(0, str(Path(__file__).parent))  # docs/generate.py, the generator, lives beside this hook
# imported now: MkDocs puts back its sys.path once this file is loaded, before any event runs
from generate import pages  # noqa: E402


def on_files(files, config):
    from zoo.cli import build_parser

    for path, content in pages(build_parser()).items():
        files.append(File.generated(config, path, content=content))
    for path, content in explain_gallery().items():
        files.append(File.generated(config, path, content=content))
    return files


def explain_gallery() -> dict:
    """The page of zoo.explain on the shipped tags and its images, drawn in a process of its own (TensorFlow)."""
    import os
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, str(Path(__file__).with_name("gallery.py")), tmp], check=True,
                       env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
        return {str(path.relative_to(tmp)): path.read_bytes() if path.suffix == ".png" else path.read_text("utf-8")
                for path in sorted(Path(tmp).rglob("*")) if path.is_file()}
