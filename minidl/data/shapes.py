"""Shapes: an embedded, procedurally generated image dataset that needs no files.

Each image is one coloured shape on a noisy, coloured background. The shape's
class fixes its geometry; everything else is random per image: centre, size
(about 35-80% of the image), a small rotation (+-15 degrees, so square and
diamond stay distinct), colours (the shape always contrasts with the
background), a brightness gradient across the background and pixel noise.
Any image size works; the same ``seed`` always gives the same images.
"""
from __future__ import annotations

import numpy as np

from .dataset import ArrayImageDataset

__all__ = ["Shapes", "SHAPE_NAMES"]

SHAPE_NAMES = ["circle", "square", "triangle", "cross", "ring", "stripes", "diamond",
               "x", "frame", "half_disc"]


def _mask(kind, u, v):
    """Inside-test of shape ``kind`` in its own frame (u right, v up, unit size)."""
    au, av = np.abs(u), np.abs(v)
    r = np.sqrt(u * u + v * v)
    if kind == "circle":
        return r < 0.9
    if kind == "square":
        return np.maximum(au, av) < 0.72
    if kind == "triangle":   # pointing up, apex at v=0.9, base at v=-0.7
        return (v > -0.7) & (au < (0.9 - v) * 0.6)
    if kind == "cross":
        return ((au < 0.24) & (av < 0.92)) | ((av < 0.24) & (au < 0.92))
    if kind == "ring":
        return (r < 0.92) & (r > 0.55)
    if kind == "stripes":    # three horizontal bars filling a square
        return (np.maximum(au, av) < 0.85) & (np.floor((v + 0.85) / 0.34) % 2 == 0)
    if kind == "diamond":
        return au + av < 0.98
    if kind == "x":
        d1, d2 = np.abs(u - v), np.abs(u + v)
        return (r < 0.95) & ((d1 < 0.33) | (d2 < 0.33))
    if kind == "frame":
        m = np.maximum(au, av)
        return (m < 0.85) & (m > 0.52)
    if kind == "half_disc":
        return (r < 0.92) & (v > -0.15)
    raise ValueError(f"unknown shape {kind!r}")


def _luma(c):
    return c @ np.array([0.299, 0.587, 0.114])


def _render(labels, size, rng):
    """uint8 (n, size, size, 3) images of the shape classes ``labels``."""
    n = len(labels)
    # per-image parameters, drawn for the whole chunk at once
    scale = rng.uniform(0.45, 0.85, n) * size / 2           # shape radius in pixels
    margin = scale * 0.9
    cx = rng.uniform(margin - 0.5, size - 0.5 - margin)
    cy = rng.uniform(margin - 0.5, size - 0.5 - margin)
    angle = np.deg2rad(rng.uniform(-15, 15, n))
    bg = rng.uniform(0, 1, (n, 3))
    fg = rng.uniform(0, 1, (n, 3))
    # push the shape's brightness away from the background's so it always shows
    gap = _luma(fg) - _luma(bg)
    need = np.where(np.abs(gap) < 0.3, np.where(gap >= 0, 0.3, -0.3) - gap, 0.0)
    fg = np.clip(fg + need[:, None], 0, 1)
    flip = np.abs(_luma(fg) - _luma(bg)) < 0.25             # clipped: take the other side
    fg[flip] = np.clip(bg[flip] + np.where(_luma(bg[flip]) > 0.5, -0.45, 0.45)[:, None], 0, 1)
    grad = rng.uniform(-0.15, 0.15, (n, 2))
    noise = rng.uniform(0.02, 0.06, n)

    coords = np.arange(size, dtype=np.float64)
    dx = coords[None, None, :] - cx[:, None, None]            # (n, 1, W)
    dy = coords[None, :, None] - cy[:, None, None]            # (n, H, 1)
    cos, sin = np.cos(angle)[:, None, None], np.sin(angle)[:, None, None]
    u = (cos * dx + sin * dy) / scale[:, None, None]
    v = -(-sin * dx + cos * dy) / scale[:, None, None]        # v points up
    inside = np.zeros((n, size, size), dtype=bool)
    for k, name in enumerate(SHAPE_NAMES):
        sel = labels == k
        if sel.any():
            inside[sel] = _mask(name, u[sel], v[sel])

    ramp = (grad[:, 0, None, None] * (coords[None, None, :] / size - 0.5)
            + grad[:, 1, None, None] * (coords[None, :, None] / size - 0.5))   # (n, H, W)
    img = np.where(inside[..., None], fg[:, None, None, :], bg[:, None, None, :] + ramp[..., None])
    img = img + rng.normal(0.0, 1.0, img.shape) * noise[:, None, None, None]
    return np.clip(np.rint(img * 255), 0, 255).astype(np.uint8)


class Shapes(ArrayImageDataset):
    """``n`` generated images of coloured shapes, ``num_classes`` (<= 10) balanced classes.

    Classes (in label order): circle, square, triangle, cross, ring, stripes,
    diamond, x, frame, half_disc (the first ``num_classes``). ``.data`` uint8
    (n, image_size, image_size, 3); ``ds[i]`` -> (float32 (3, S, S) in [0, 1],
    label). Deterministic from ``seed``: use different seeds for train and test
    sets (e.g. ``Shapes(5000, seed=0)`` and ``Shapes(1000, seed=1)``).

    >>> from minidl.data import Shapes
    >>> ds = Shapes(20, image_size=32, seed=0)
    >>> x, y = ds[0]
    >>> len(ds), x.shape, x.dtype, ds.data.shape, ds.classes[:3]
    (20, (3, 32, 32), dtype('float32'), (20, 32, 32, 3), ['circle', 'square', 'triangle'])
    """

    def __init__(self, n, image_size=32, num_classes=10, seed=0, transform=None):
        if not 1 <= int(num_classes) <= len(SHAPE_NAMES):
            raise ValueError(f"num_classes must be in 1..{len(SHAPE_NAMES)}, got {num_classes}")
        if int(image_size) < 8:
            raise ValueError(f"image_size must be >= 8, got {image_size}")
        n, size, k = int(n), int(image_size), int(num_classes)
        rng = np.random.default_rng(seed)
        labels = rng.permutation(np.arange(n) % k).astype(np.int64)
        data = np.empty((n, size, size, 3), dtype=np.uint8)
        chunk = max(1, (1 << 21) // (size * size))          # bounds the float64 temporaries
        for s in range(0, n, chunk):
            data[s:s + chunk] = _render(labels[s:s + chunk], size, rng)
        self.seed = seed
        super().__init__(data, labels, SHAPE_NAMES[:k], transform)
