"""A griffe extension (mkdocs.yml, mkdocstrings' ``extensions``): the docstrings' reStructuredText, as Markdown.

The zoo's docstrings are Sphinx-style: ``:param:`` fields, which mkdocstrings' Sphinx parser reads, but also
``:func:`name``` roles and literal blocks introduced by ``Example::``, which it would show as typed. Before
mkdocstrings renders a docstring, :func:`to_markdown` turns each role into a cross-reference (a link where the
site documents the object, the name in code where it does not) and each ``::`` literal block into a fenced code
block (``pycon`` when it is an interactive session). The docstrings stay as Python's ``help()`` shows them.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable

from griffe import Extension, NameResolutionError, Object

ROLE = re.compile(r":(?:py:)?(?:func|meth|class|mod|attr|data|exc|obj|const):`(?P<text>[^`]+)`")
TITLED = re.compile(r"(?P<title>.*?)\s*<(?P<target>[^<>]+)>")  # :func:`the title <zoo.get>`


def _role(match: re.Match, resolve: Callable[[str], str]) -> str:
    text = match["text"].strip()
    titled = TITLED.fullmatch(text)
    if titled:
        title, target = titled["title"], titled["target"]
    else:
        target = text.lstrip("!~")
        title = target.rpartition(".")[2] if text.startswith("~") else target
    target = target.lstrip("!~").removesuffix("()")
    # optional: a name the site does not document is shown in code, without a link and without a warning
    return f'<autoref identifier="{resolve(target)}" optional><code>{title}</code></autoref>'


def _literal_blocks(text: str) -> str:
    """Each paragraph ending in ``::`` and the indented block after it, as the paragraph and a fenced block."""
    lines, out, i = text.split("\n"), [], 0
    while i < len(lines):
        line = lines[i]
        if not line.rstrip().endswith("::"):
            out.append(line)
            i += 1
            continue
        indent = len(line) - len(line.lstrip())
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        k = j
        while k < len(lines) and (not lines[k].strip() or len(lines[k]) - len(lines[k].lstrip()) > indent):
            k += 1
        block = "\n".join(lines[j:k]).rstrip()
        if not block:  # no literal block follows: leave the line as written
            out.append(line)
            i += 1
            continue
        stem = line.rstrip()[:-2]
        # rST: "Example::" reads "Example:"; a "::" after a space or alone is dropped
        lead = stem.rstrip() if (not stem.strip() or stem.endswith(" ")) else stem + ":"
        if lead.strip():
            out += [lead, ""]
        code = textwrap.dedent(block)
        language = "pycon" if code.lstrip().startswith(">>>") else "console" if code.lstrip().startswith("$ ") \
            else "python"
        out += [" " * indent + fence for fence in [f"```{language}", *code.split("\n"), "```"]]
        out.append("")
        i = k
    return "\n".join(out)


def to_markdown(text: str, resolve: Callable[[str], str] = lambda name: name) -> str:
    """``text`` (a docstring) with its rST roles as cross-references and its literal blocks fenced.

    :param resolve: the full path of a name as written in the docstring (its module's scope), or the name.

    Example::

        >>> print(to_markdown("Calls :func:`zoo.get`.\\n\\nExample::\\n\\n    >>> zoo.get('lenet5')\\n"))
        Calls <autoref identifier="zoo.get" optional><code>zoo.get</code></autoref>.
        <BLANKLINE>
        Example:
        <BLANKLINE>
        ```pycon
        >>> zoo.get('lenet5')
        ```
        <BLANKLINE>
    """
    return ROLE.sub(lambda match: _role(match, resolve), _literal_blocks(text))


class RestructuredText(Extension):
    """Rewrite every docstring of the loaded package with :func:`to_markdown`."""

    def on_object(self, *, obj: Object, **kwargs) -> None:
        if obj.is_alias or obj.docstring is None:
            return

        def resolve(name: str) -> str:
            if "." in name:
                return name
            try:
                return obj.resolve(name)
            except (NameResolutionError, ValueError, KeyError):
                return name

        obj.docstring.value = to_markdown(obj.docstring.value, resolve)
