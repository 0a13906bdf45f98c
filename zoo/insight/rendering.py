"""Pictures and pages of what :mod:`zoo.insight` found: PNG maps with a colour bar (matplotlib, Agg), filter and
feature-map grids, and text evidence for a terminal (colour only on a terminal) and as HTML.

Example::

    >>> map_png(Path("seven.gradcam.png"), pixels, maps, ["7 (99.8%)"])
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np

from zoo.files import atomic_write
from zoo.plots import pyplot, save_figure

MAX_TILES = 64  # feature maps shown in a grid; the .npy keeps every channel


def _image(pixels: np.ndarray) -> tuple[np.ndarray, str | None]:
    """Pixels (H, W, C) in 0..255 as what imshow takes, and its colour map (grey for one channel)."""
    pixels = np.clip(np.asarray(pixels, dtype="float32") / 255.0, 0.0, 1.0)
    if pixels.shape[-1] == 1:
        return pixels[..., 0], "gray"
    return pixels[..., :3], None


def map_png(path: Path, pixels: np.ndarray, maps: np.ndarray, titles: list[str], *, signed: bool = False) -> Path:
    """The input with each map over it, side by side, each with a colour bar.

    :param pixels: the input as the model saw it, ``(height, width, channels)`` in 0..255.
    :param maps: ``(height, width)`` or ``(maps, height, width)``.
    :param signed: a map of both signs (attributions): a diverging colour map centred on 0; else 0..1 (CAMs).
    """
    plt = pyplot()
    maps = maps[None] if maps.ndim == 2 else maps
    image, gray = _image(pixels)
    figure, axes = plt.subplots(1, len(maps), figsize=(4.2 * len(maps), 3.6), squeeze=False)
    for ax, values, title in zip(axes[0], maps, titles):
        ax.imshow(image, cmap=gray, vmin=0, vmax=1)
        if signed:
            bound = float(np.abs(values).max()) or 1.0
            shown = ax.imshow(values, cmap="RdBu_r", vmin=-bound, vmax=bound, alpha=0.6)
        else:
            shown = ax.imshow(values, cmap="jet", vmin=0, vmax=1, alpha=0.45)
        figure.colorbar(shown, ax=ax, fraction=0.046, pad=0.04)
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    save_figure(figure, Path(path))
    return Path(path)


def grid_png(path: Path, tiles: np.ndarray, title: str, *, signed: bool = False) -> Path:
    """Tiles ``(n, height, width)`` (or ``(n, height, width, 3)``, RGB in 0..1) in a square grid, one colour bar.

    :param signed: a diverging colour map centred on 0 (filter weights); else one scale from 0 (feature maps).
    """
    plt = pyplot()
    count = len(tiles)
    columns = math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(1.3 * columns + 1.2, 1.3 * rows + 0.6), squeeze=False)
    bound = float(np.abs(tiles).max()) or 1.0
    shown = None
    for index, ax in enumerate(axes.flat):
        ax.axis("off")
        if index >= count:
            continue
        if tiles.ndim == 4:
            shown = ax.imshow(np.clip(tiles[index], 0, 1))
        elif signed:
            shown = ax.imshow(tiles[index], cmap="RdBu_r", vmin=-bound, vmax=bound)
        else:
            shown = ax.imshow(tiles[index], cmap="viridis", vmin=0, vmax=bound)
        ax.set_title(str(index), fontsize=7)
    if tiles.ndim == 3:
        figure.colorbar(shown, ax=axes.ravel().tolist(), fraction=0.03, pad=0.02)
    figure.suptitle(title, fontsize=10)
    save_figure(figure, Path(path))
    return Path(path)


def filter_tiles(kernel: np.ndarray) -> tuple[np.ndarray, bool]:
    """A first layer's kernel ``(h, w, in, out)`` as tiles: RGB (each filter scaled to 0..1) for three input
    channels, else the mean over the input channels, signed. Returns ``(tiles, signed)``."""
    tiles = np.moveaxis(kernel, -1, 0)  # (out, h, w, in)
    if tiles.shape[-1] == 3:
        low = tiles.min(axis=(1, 2, 3), keepdims=True)
        span = np.maximum(tiles.max(axis=(1, 2, 3), keepdims=True) - low, 1e-12)
        return (tiles - low) / span, False
    return tiles.mean(axis=-1), True


def feature_tiles(maps: np.ndarray) -> np.ndarray:
    """One input's feature maps ``(h, w, channels)`` as tiles, the first :data:`MAX_TILES` channels."""
    return np.moveaxis(maps, -1, 0)[:MAX_TILES]


def _shade(score: float, peak: float) -> tuple[int, int, int]:
    """A background colour for a token: green for the class, red against it, paler for smaller scores."""
    strength = min(abs(score) / peak, 1.0) if peak > 0 else 0.0
    fade = int(round(255 - 155 * strength))
    return (fade, 255, fade) if score > 0 else (255, fade, fade)


def terminal_text(tokens, scores, *, colour: bool) -> str:
    """The tokens as one line: with ANSI background colours when ``colour`` (a terminal), else plain."""
    if not colour:
        return " ".join(tokens)
    peak = float(np.abs(scores).max()) if len(scores) else 0.0
    parts = []
    for token, score in zip(tokens, scores):
        red, green, blue = _shade(float(score), peak)
        parts.append(f"\033[48;2;{red};{green};{blue}m\033[38;2;0;0;0m{token}\033[0m")
    return " ".join(parts)


def evidence_sections(entries: list[dict]) -> str:
    """HTML of highlighted texts: for each entry, its ``title``, its ``tokens`` shaded by their ``scores`` (green
    for the class, red against it) and its top ``ngrams``."""
    blocks = []
    for entry in entries:
        peak = float(np.abs(entry["scores"]).max()) if len(entry["scores"]) else 0.0
        words = " ".join(
            f'<span style="background: rgb{_shade(float(s), peak)}; padding: 0.1em 0.2em" title="{float(s):+.3f}">'
            f'{html.escape(t)}</span>' for t, s in zip(entry["tokens"], entry["scores"]))
        ngrams = "".join(f"<li>{html.escape(g.text)} <code>{g.score:+.3f}</code></li>" for g in entry["ngrams"])
        blocks.append(f"<section><h2>{html.escape(entry['title'])}</h2><p style=\"font-size: 1.3em; line-height: 1.8\">"
                      f"{words}</p><ol>{ngrams}</ol></section>")
    return "\n".join(blocks)


def evidence_html(path: Path, entries: list[dict]) -> Path:
    """A page of highlighted texts (:func:`evidence_sections`)."""
    page = ("<!doctype html><html><head><meta charset=\"utf-8\"><title>text evidence</title></head>"
            "<body style=\"font-family: sans-serif; max-width: 50em; margin: 2em auto\">"
            + evidence_sections(entries) + "</body></html>\n")
    atomic_write(Path(path), page.encode("utf-8"))
    return Path(path)
