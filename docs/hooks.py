"""MkDocs hook (mkdocs.yml `hooks:`): adds the pages zoo.reference generates, and the explain gallery (drawn in a
process of its own, zoo.insight.gallery), to the site, in memory."""

from mkdocs.structure.files import File


def on_files(files, config):
    from zoo.cli import build_parser
    from zoo.reference import pages

    for path, content in pages(build_parser()).items():
        files.append(File.generated(config, path, content=content))
    for path, content in explain_gallery().items():
        files.append(File.generated(config, path, content=content))
    return files


def explain_gallery() -> dict:
    """The page of zoo.explain on the shipped tags and its images, drawn in a process of its own (TensorFlow)."""
    import os
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "zoo.insight.gallery", tmp], check=True,
                       env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
        return {str(path.relative_to(tmp)): path.read_bytes() if path.suffix == ".png" else path.read_text("utf-8")
                for path in sorted(Path(tmp).rglob("*")) if path.is_file()}
