"""Separable resampling as ``jax.image.scale_and_translate``/``jax.image.resize`` compute it (the
backend of Keras 3's ``resize`` and ``scale_and_translate`` on JAX): per spatial axis an
``(in, out)`` weight matrix from a kernel (triangle, Keys cubic, Lanczos 3/5) evaluated at
``(out + 0.5) / scale - translation / scale - 0.5``, widened by ``1 / scale`` when antialiasing a
downscale, normalised per output, zero where the sample falls outside the input. The matrices are
NumPy; applying them is a minidl matrix product, so gradients reach the pixels."""
from __future__ import annotations

import numpy as np

import minidl
from minidl.tensor import Tensor

__all__ = ["weight_matrix", "apply_along", "METHODS"]


def _triangle(x):
    return np.maximum(0.0, 1.0 - np.abs(x))


def _keys_cubic(x):
    out = ((1.5 * x - 2.5) * x) * x + 1.0
    out = np.where(x >= 1.0, ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0, out)
    return np.where(x >= 2.0, 0.0, out)


def _lanczos(radius):
    def kernel(x):
        y = radius * np.sin(np.pi * x) * np.sin(np.pi * x / radius)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(x > 1e-3, y / np.where(x != 0, np.pi ** 2 * x ** 2, 1.0), 1.0)
        return np.where(x > radius, 0.0, out)
    return kernel


METHODS = {"linear": _triangle, "bilinear": _triangle, "trilinear": _triangle,
           "cubic": _keys_cubic, "bicubic": _keys_cubic, "tricubic": _keys_cubic,
           "lanczos3": _lanczos(3.0), "lanczos5": _lanczos(5.0)}


def weight_matrix(size_in, size_out, scale, translation, method, antialias) -> np.ndarray:
    """The ``(size_in, size_out)`` resampling weights of one axis (JAX's ``compute_weight_mat``)."""
    if method not in METHODS:
        raise ValueError(f"Invalid value for argument `method`. Expected of one {sorted(METHODS)}. "
                         f"Received: method={method}")
    kernel = METHODS[method]
    inv_scale = 1.0 / float(scale)
    kernel_scale = max(inv_scale, 1.0) if antialias else 1.0
    sample = (np.arange(size_out, dtype=np.float64) + 0.5) * inv_scale - float(translation) * inv_scale - 0.5
    distance = np.abs(sample[None, :] - np.arange(size_in, dtype=np.float64)[:, None]) / kernel_scale
    weights = kernel(distance)
    total = weights.sum(axis=0, keepdims=True)
    weights = np.where(np.abs(total) > 1000.0 * float(np.finfo(np.float32).eps),
                       weights / np.where(total != 0, total, 1.0), 0.0)
    inside = (sample >= -0.5) & (sample <= size_in - 0.5)
    return np.where(inside[None, :], weights, 0.0)


def apply_along(x: Tensor, axis: int, weights: np.ndarray) -> Tensor:
    """``x`` with axis ``axis`` (length ``in``) replaced by ``out`` resampled positions."""
    matrix = minidl.as_tensor(weights).to(x.dtype).to(x.device)
    moved = minidl.movedim(x, axis, -1)
    return minidl.movedim(moved @ matrix, -1, axis)


def resize_nchw(x: Tensor, height: int, width: int, method: str, antialias: bool = False) -> Tensor:
    """(N, C, H, W) -> (N, C, height, width) by ``method`` (``jax.image.resize``'s kernels, half-pixel
    centres; ``antialias`` widens the kernel when downscaling), one axis after the other."""
    for axis, target in ((2, height), (3, width)):
        if x.shape[axis] != target:
            x = apply_along(x, axis, weight_matrix(x.shape[axis], target, target / x.shape[axis], 0.0, method,
                                                   antialias))
    return x
