"""Dataclass fields that carry their meaning: :func:`documented`.

The public records (``zoo.Architecture``, ``zoo.WeightTag``, ``zoo.TrainingRecipe``)
declare each field with :func:`documented`, so that the field tables of the API reference
(``docs/generate.py``) are generated from the code and cannot drift from it.
"""

from __future__ import annotations

from dataclasses import field


def documented(meaning: str, **kwargs):
    """A dataclass field with its meaning; ``kwargs`` are ``dataclasses.field``'s (``default=...``).

    Example::

        @dataclass(frozen=True)
        class Record:
            size: int = documented("the size in bytes", default=0)
    """
    return field(metadata={"doc": meaning}, **kwargs)
