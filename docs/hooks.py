"""MkDocs hook (mkdocs.yml `hooks:`): adds the pages docs/generate.py makes to the site, in memory."""

import sys
from pathlib import Path

from mkdocs.structure.files import File

sys.path.insert(0, str(Path(__file__).parent))  # docs/generate.py, the generator, lives beside this hook


def on_files(files, config):
    from generate import pages

    from zoo.cli import build_parser

    for path, content in pages(build_parser()).items():
        files.append(File.generated(config, path, content=content))
    return files
