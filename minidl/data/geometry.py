"""Vectorised resampling kernels behind the geometric transforms.

Two primitives, both over a whole NCHW batch with per-sample parameters:

* :func:`resize_matrices` + :func:`apply_separable`: an axis-aligned crop and
  resize as two batched matrix products ``Wy @ x @ Wx.T``. Weights are a
  triangle (bilinear) filter widened by the downscale factor, which is the
  antialiased bilinear that Pillow uses; rows are renormalised at the borders.
* :func:`affine_sample`: bilinear sampling at per-sample affine coordinates
  (rotation, shear, shifts, zoom), with ``fill`` outside the image.
"""
from __future__ import annotations

import numpy as np

__all__ = ["resize_matrices", "apply_separable", "affine_sample", "sample_points"]


def resize_matrices(in_size: int, out_size: int, start, length, dtype=np.float32, antialias=True):
    """Per-sample resampling matrices (N, out_size, in_size).

    Output pixel ``i`` of sample ``n`` samples the source window
    ``[start[n], start[n] + length[n])`` (in pixels, may be fractional) at
    ``start + (i + 0.5) * length / out_size - 0.5``. Rows sum to 1.
    ``antialias=False`` keeps the two-tap bilinear filter when shrinking
    (PyTorch's ``interpolate(mode="bilinear", align_corners=False)``).
    """
    start = np.atleast_1d(np.asarray(start, dtype=np.float64))
    length = np.atleast_1d(np.asarray(length, dtype=np.float64))
    scale = length / out_size                                    # (N,)
    support = np.maximum(scale, 1.0) if antialias else np.ones_like(scale)  # widen when shrinking
    centres = start[:, None] + (np.arange(out_size) + 0.5) * scale[:, None] - 0.5  # (N, out)
    src = np.arange(in_size, dtype=np.float64)
    dist = np.abs(src[None, None, :] - centres[:, :, None]) / support[:, None, None]
    w = np.clip(1.0 - dist, 0.0, None)
    total = w.sum(axis=2, keepdims=True)
    # a centre far outside the image (never for valid crops): take the nearest pixel
    empty = total[..., 0] == 0
    if empty.any():
        nearest = np.clip(np.rint(centres), 0, in_size - 1).astype(np.intp)
        n_idx, o_idx = np.nonzero(empty)
        w[n_idx, o_idx, nearest[n_idx, o_idx]] = 1.0
        total = w.sum(axis=2, keepdims=True)
    return (w / total).astype(dtype)


def apply_separable(x: np.ndarray, wy: np.ndarray, wx: np.ndarray) -> np.ndarray:
    """``wy @ x @ wx.T`` per sample: x (N, C, H, W), wy (N|1, h, H), wx (N|1, w, W) -> (N, C, h, w)."""
    t = np.matmul(x, wx.transpose(0, 2, 1)[:, None])   # (N, C, H, w)
    return np.matmul(wy[:, None], t)                    # (N, C, h, w)


def affine_sample(x: np.ndarray, inv: np.ndarray, out_hw=None, fill=0.0,
                  mode="bilinear") -> np.ndarray:
    """Bilinear (or ``mode="nearest"``) sampling of ``x`` (N, C, H, W) at
    ``inv @ (col, row, 1)`` per output pixel.

    inv: (N, 2, 3) maps output pixel coordinates (x right, y down, pixel centres
    at integers) to input coordinates. Points outside the input blend towards
    ``fill`` (nearest: take ``fill``). Returns (N, C, h, w) with (h, w) =
    ``out_hw`` (default (H, W)).
    """
    hh, ww = x.shape[2:]
    h, w = out_hw if out_hw is not None else (hh, ww)
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float32)
    inv = inv.astype(np.float32)
    sx = inv[:, 0, 0, None, None] * cols + inv[:, 0, 1, None, None] * rows + inv[:, 0, 2, None, None]
    sy = inv[:, 1, 0, None, None] * cols + inv[:, 1, 1, None, None] * rows + inv[:, 1, 2, None, None]
    return sample_points(x, sx, sy, fill, mode)


def sample_points(x: np.ndarray, sx: np.ndarray, sy: np.ndarray, fill=0.0, mode="bilinear") -> np.ndarray:
    """Bilinear (or ``mode="nearest"``) samples of ``x`` (N, C, H, W) at input pixel coordinates
    ``(sx, sy)``, each (N, h, w) (x right, y down, pixel centres at integers) -> (N, C, h, w).

    Points outside the input blend towards ``fill`` (nearest: take ``fill``).
    """
    n, c, hh, ww = x.shape
    dtype = x.dtype
    if mode == "nearest":  # the nearest pixel centre, with zero blending weights below
        sx, sy = np.floor(sx + 0.5), np.floor(sy + 0.5)
    x0 = np.floor(sx)
    y0 = np.floor(sy)
    fx = (sx - x0).astype(dtype)[..., None]
    fy = (sy - y0).astype(dtype)[..., None]
    # one pixel of fill around the image; coordinates outside it clamp onto that border
    pad = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=fill)
    flat = np.ascontiguousarray(pad.transpose(0, 2, 3, 1)).reshape(-1, c)  # (N*(H+2)*(W+2), C)
    pw, ph = ww + 2, hh + 2
    base = (np.arange(n) * (ph * pw))[:, None, None]
    ix0 = np.clip(x0, -1, ww).astype(np.intp) + 1
    iy0 = np.clip(y0, -1, hh).astype(np.intp) + 1
    ix1 = np.clip(x0 + 1, -1, ww).astype(np.intp) + 1
    iy1 = np.clip(y0 + 1, -1, hh).astype(np.intp) + 1
    top = flat[base + iy0 * pw + ix0] * (1 - fx) + flat[base + iy0 * pw + ix1] * fx
    bottom = flat[base + iy1 * pw + ix0] * (1 - fx) + flat[base + iy1 * pw + ix1] * fx
    out = top * (1 - fy) + bottom * fy                  # (N, h, w, C)
    return np.ascontiguousarray(out.transpose(0, 3, 1, 2))
