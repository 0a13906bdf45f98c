"""The names Keras gives layers that a builder leaves unnamed, written out so a zoo model carries them.

keras.applications leaves many layers of InceptionV3, InceptionResNetV2 and NASNet unnamed;
Keras then names each after its class, counting per class in the session (``conv2d``,
``conv2d_1``, ...), so the same model gets other names when it is not the first one built.
A zoo builder names those layers itself with :class:`KerasNames`, which counts the way a
fresh Keras session does: the zoo model has the names keras.applications' model has when
built first in a fresh process, whatever was built before it.

Example::

    >>> names = KerasNames()
    >>> names("conv2d"), names("conv2d"), names("activation")
    ('conv2d', 'conv2d_1', 'activation')
"""

from __future__ import annotations

import collections


class KerasNames:
    """Keras' automatic layer names, counted from a fresh session: ``prefix``, ``prefix_1``, ``prefix_2`` ..."""

    def __init__(self):
        self.counts = collections.Counter()

    def __call__(self, prefix: str) -> str:
        """The next name for a layer whose class Keras names ``prefix`` (``"batch_normalization"``)."""
        count = self.counts[prefix]
        self.counts[prefix] += 1
        return f"{prefix}_{count}" if count else prefix
