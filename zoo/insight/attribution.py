"""Integrated gradients (Sundararajan et al. 2017): a gradient method that needs no stage.

The gradient of the class's logit is averaged along the straight path from a baseline (zeros of
the model's input: black pixels for a model on pixels scaled to 0..1, the mean pixel for mean-
subtracted ones) to the input, and multiplied by the input's difference from the baseline. The
attributions add up to the logit's change from baseline to input (completeness): :func:`integrated_gradients`
returns that gap too, so a caller can check how closely the path integral was approximated.

Example::

    >>> maps, gap = integrated_gradients(model, x, classes=[7])
    >>> maps.sum(axis=(1, 2)) - gap   # close to 0
"""

from __future__ import annotations

import numpy as np

from zoo.checks import check_integer
from zoo.insight.gradients import class_gradients, logits_model

STEPS = 32  # points of the path (the trapezoid rule): enough for completeness within a few percent here


def integrated_gradients(model, x, classes, *, steps: int = STEPS, baseline=None):
    """Integrated gradients of each input for its class, summed over channels.

    :param model: a classifier (the maps are of its logits).
    :param x: the model's input batch, preprocessed (NumPy ``(batch, height, width, channels)``).
    :param classes: one class index per input.
    :param steps: intervals of the path from the baseline to the input (the trapezoid rule).
    :param baseline: the path's start, of ``x[0]``'s shape (None: zeros).
    :return: ``(maps, gaps)``: ``(batch, height, width)`` float32 attributions, positive where a pixel
        speaks for the class; and each input's logit minus the baseline's, which the map sums to.
    """

    check_integer("steps", steps)
    logits = logits_model(model)
    x = np.asarray(x, dtype="float32")
    start = np.zeros_like(x[0]) if baseline is None else np.asarray(baseline, dtype="float32")
    alphas = np.linspace(0.0, 1.0, steps + 1, dtype="float32")
    weights = np.full(steps + 1, 1.0 / steps, dtype="float32")
    weights[[0, -1]] /= 2  # the trapezoid rule
    maps, gaps = [], []
    for image, target in zip(x, np.asarray(classes, dtype=int)):
        path = start + alphas[:, None, None, None] * (image - start)
        scores, gradients = class_gradients(logits, path, np.full(len(path), target))
        average = np.tensordot(weights, gradients, axes=1)
        maps.append(((image - start) * average).sum(axis=-1))
        gaps.append(float(scores[-1, target] - scores[0, target]))
    return np.stack(maps).astype("float32"), np.array(gaps, dtype="float32")
