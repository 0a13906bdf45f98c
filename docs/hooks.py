"""MkDocs hook (mkdocs.yml `hooks:`): adds the pages zoo.reference generates to the site, in memory."""

from mkdocs.structure.files import File


def on_files(files, config):
    from zoo.cli import build_parser
    from zoo.reference import pages

    for path, content in pages(build_parser()).items():
        files.append(File.generated(config, path, content=content))
    return files
