"""Pictures: a run's training curves and confusion matrix, and the docs' bar charts, drawn with matplotlib (Agg,
no display)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np

from zoo.files import atomic_write


def pyplot():
    """matplotlib.pyplot on the Agg backend (files, no display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(figure, path: Path) -> None:
    """Save ``figure`` as PNG atomically and close it."""
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    pyplot().close(figure)
    atomic_write(path, buffer.getvalue())


def curves(history: dict[str, list[float]], path: Path, title: str = "") -> Path:
    """Loss and accuracy per epoch, training and validation, side by side.

    Example::

        >>> curves({"loss": [0.9, 0.5], "val_loss": [0.8, 0.6], "accuracy": [0.7, 0.85]}, Path("curves.png"))
    """
    plt = pyplot()
    metrics = [m for m in ("loss", "accuracy") if m in history]
    figure, axes = plt.subplots(1, max(len(metrics), 1), figsize=(5 * max(len(metrics), 1), 3.5), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        for key, label in ((metric, "training"), (f"val_{metric}", "validation")):
            if history.get(key):
                ax.plot(range(1, len(history[key]) + 1), history[key], marker="o", label=label)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        figure.suptitle(title)
    save_figure(figure, Path(path))
    return Path(path)


LOG_SPREAD = 30  # bars whose largest value is this many times their smallest are drawn on a log scale
LABEL_WIDTH = 32  # characters per line of a bar group's label: longer ones wrap, so the bars keep the width


def bar_scale(values) -> str:
    """``"log"`` when the positive ``values`` span :data:`LOG_SPREAD` times or more (so that 20 images/s stays
    visible beside 3,640), else ``"linear"``.

    Example::

        >>> bar_scale([20.8, 3640.0]), bar_scale([4.9, 21.7])
        ('log', 'linear')
    """
    positive = [v for v in values if v is not None and v > 0]
    return "log" if positive and max(positive) / min(positive) >= LOG_SPREAD else "linear"


def bars(labels: list[str], series: dict[str, list[float]], path: Path, title: str = "", unit: str = "") -> Path:
    """Grouped horizontal bars: one group per label, one bar per series (the first series is drawn first), each
    bar labelled with its value (None: no bar), on a log scale where the values span widely (:func:`bar_scale`).

    Example::

        >>> bars(["resnet50 inference"], {"keras.applications img/s": [20.85], "zoo img/s": [21.68]},
        ...      Path("throughput.png"), unit="images/s")
    """
    plt = pyplot()
    count = len(series)
    height = 0.8 / max(count, 1)
    scale = bar_scale([v for values in series.values() for v in values])
    figure, ax = plt.subplots(figsize=(9, 1.0 + 0.42 * len(labels) * max(count, 1)))
    for i, (name, values) in enumerate(series.items()):
        positions = [j + (i - (count - 1) / 2) * height for j in range(len(labels))]
        drawn = ax.barh(positions, [v if v is not None else 0 for v in values], height=height, label=name)
        ax.bar_label(drawn, labels=[f"{v:g}" if v is not None else "" for v in values], fontsize=10, padding=3)
    ax.set_xscale(scale)
    ax.set_yticks(range(len(labels)), [textwrap.fill(label, LABEL_WIDTH) for label in labels], fontsize=11)
    ax.tick_params(axis="x", labelsize=10)
    ax.invert_yaxis()
    ax.set_xlabel(unit + (" (log scale)" if scale == "log" else ""), fontsize=11)
    ax.margins(x=0.12)  # room for the last bar's label
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=10, loc="best")
    if title:
        ax.set_title(title, fontsize=13)
    save_figure(figure, Path(path))
    return Path(path)


def confusion_matrix(y_true, y_pred, class_names: list[str], path: Path, title: str = "") -> Path:
    """A confusion matrix image: rows are true classes, columns predicted, cells counts."""
    plt = pyplot()
    n = len(class_names)
    matrix = np.zeros((n, n), dtype=int)
    np.add.at(matrix, (np.asarray(y_true, int), np.asarray(y_pred, int)), 1)
    size = max(4.0, 0.5 * n + 2)
    figure, ax = plt.subplots(figsize=(size, size))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(n), class_names, rotation=90)
    ax.set_yticks(range(n), class_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if n <= 30:
        for i in range(n):
            for j in range(n):
                ax.text(j, i, matrix[i, j], ha="center", va="center", fontsize=7,
                        color="white" if matrix[i, j] > matrix.max() / 2 else "black")
    ax.set_title(title or f"accuracy {np.trace(matrix) / max(matrix.sum(), 1):.2%}")
    save_figure(figure, Path(path))
    return Path(path)
