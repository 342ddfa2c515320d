"""Image resampling behind the Keras image preprocessing layers, on channels-first (N, C, H, W) Tensors.

``affine_transform`` is Keras' ``ops.image.affine_transform``: output pixel (x, y) samples the input
at ``(a0 x + a1 y + a2, b0 x + b1 y + b2)`` for each image's ``[a0, a1, a2, b0, b1, b2, c0, c1]``,
with ``"bilinear"`` or ``"nearest"`` (round half away from zero) sampling; a neighbour outside the
image is fixed by ``fill_mode`` (``reflect``: d c b a | a b c d | d c b a, ``wrap``, ``nearest``
(edge), ``constant``: ``fill_value``), as ``jax.scipy.ndimage.map_coordinates`` does per index.
``resize`` is ``jax.image.resize`` without antialiasing: half-pixel centres, bilinear weights
(out-of-image neighbours dropped and the rest renormalised) or nearest ``floor((i + 0.5) * in / out)``,
applied as two matrix products so gradients flow. Sampling positions and weights are NumPy; the
gathers and sums are Tensor ops on the images' device.
"""
from __future__ import annotations

import numpy as np

from minidl import backend
from minidl.ops import shape as _shape
from minidl.tensor import Tensor

__all__ = ["affine_transform", "resize", "FILL_MODES", "INTERPOLATIONS"]

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


def _like(values, x: Tensor) -> Tensor:
    """NumPy ``values`` as a Tensor of ``x``'s dtype on ``x``'s device."""
    arr = np.ascontiguousarray(values, dtype=x.array.dtype)
    return Tensor(backend.to_device(arr, backend.device_of(x.array)))


def _mirror(index, size):
    half = size - 1
    return np.abs((index + half) % (2 * half) - half)


def _fix(index, size, mode):
    """``(index inside [0, size), valid)`` of integer ``index`` under ``fill_mode``."""
    if mode == "nearest":
        return np.clip(index, 0, size - 1), None
    if mode == "wrap":
        return index % size, None
    if mode == "reflect":
        return (_mirror(2 * index + 1, 2 * size + 1) - 1) // 2, None
    valid = (index >= 0) & (index < size)
    return np.clip(index, 0, size - 1), valid


def _taps(coord, interpolation):
    """``[(integer index, weight), ...]`` sampling ``coord``."""
    if interpolation == "nearest":
        return [((np.sign(coord) * np.floor(np.abs(coord) + 0.5)).astype(np.int64), np.ones_like(coord))]
    lower = np.floor(coord)
    upper_weight = coord - lower
    lower = lower.astype(np.int64)
    return [(lower, 1 - upper_weight), (lower + 1, upper_weight)]


def affine_transform(images: Tensor, transforms, interpolation="bilinear", fill_mode="constant", fill_value=0.0):
    """Resample (N, C, H, W) ``images`` through one (8,) transform per image (``transforms`` (N, 8) or (8,))."""
    n, c, h, w = images.shape
    t = np.asarray(transforms, dtype=np.float32).reshape(-1, 8)
    if t.shape[0] == 1 and n != 1:
        t = np.repeat(t, n, axis=0)
    if t.shape[0] != n:
        raise ValueError(f"affine_transform: {t.shape[0]} transforms for a batch of {n} images")
    yy, xx = np.meshgrid(np.arange(h, dtype=np.float32), np.arange(w, dtype=np.float32), indexing="ij")
    x_in = t[:, 0, None, None] * xx + t[:, 1, None, None] * yy + t[:, 2, None, None]  # (N, H, W)
    y_in = t[:, 3, None, None] * xx + t[:, 4, None, None] * yy + t[:, 5, None, None]
    rows = np.arange(n)[:, None, None, None]
    channels = np.arange(c)[None, :, None, None]
    out, constant = None, np.zeros((n, 1, h, w))
    for iy, wy in _taps(y_in, interpolation):
        iy, valid_y = _fix(iy, h, fill_mode)
        for ix, wx in _taps(x_in, interpolation):
            ix, valid_x = _fix(ix, w, fill_mode)
            weight = (wy * wx)[:, None]
            if valid_y is not None:
                valid = (valid_y & valid_x)[:, None]
                constant = constant + weight * ~valid * float(fill_value)
                weight = weight * valid
            picked = _shape.getitem(images, (rows, channels, iy[:, None], ix[:, None]))
            term = picked * _like(weight, images)
            out = term if out is None else out + term
    return out + _like(constant, images) if fill_mode == "constant" and fill_value else out


def _resize_matrix(size_in, size_out, interpolation):
    """(size_out, size_in) resampling weights along one axis (jax.image.resize, no antialiasing)."""
    matrix = np.zeros((size_out, size_in), np.float64)
    scale = size_in / size_out
    centres = (np.arange(size_out) + 0.5) * scale
    if interpolation == "nearest":
        matrix[np.arange(size_out), np.clip(np.floor(centres).astype(np.int64), 0, size_in - 1)] = 1.0
        return matrix
    src = centres - 0.5
    lower = np.floor(src).astype(np.int64)
    upper_weight = src - lower
    for index, weight in ((lower, 1 - upper_weight), (lower + 1, upper_weight)):
        inside = (index >= 0) & (index < size_in)
        np.add.at(matrix, (np.arange(size_out)[inside], index[inside]), weight[inside])
    return matrix / matrix.sum(axis=1, keepdims=True)


def resize(images: Tensor, height: int, width: int, interpolation="bilinear") -> Tensor:
    """(N, C, H, W) -> (N, C, height, width) by separable resampling (``"bilinear"`` or ``"nearest"``)."""
    h, w = images.shape[2], images.shape[3]
    out = images
    if h != height:
        out = _like(_resize_matrix(h, height, interpolation), images) @ out
    if w != width:
        out = out @ _like(_resize_matrix(w, width, interpolation).T, images)
    return out
