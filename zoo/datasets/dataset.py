"""What every dataset loader returns: :class:`Dataset`, splits with what a model needs to know about them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Dataset:
    """A dataset split into train, validation and test, with what a model needs to know about it.

    ``train``, ``validation`` and ``test`` are ``(x, y)`` pairs of NumPy arrays
    (``validation`` or ``test`` may be None; ``train`` is None in a folder given for evaluation only), or ``tf.data.Dataset`` s of
    ``(x, y)`` (examples, or batches when ``batched``). ``split`` records how the split
    was made (seed, sizes, source) so a model card can cite it.
    """

    name: str
    task: str
    class_names: list[str]
    input_shape: tuple
    train: tuple
    validation: tuple | None = None
    test: tuple | None = None
    split: dict[str, Any] = field(default_factory=dict)
    batched: bool = False  # True when the splits are tf.data.Datasets that already yield batches

    @property
    def num_classes(self) -> int:
        """How many classes the labels range over."""
        return len(self.class_names)
