"""``interpolate``: resizing (N, C, L), (N, C, H, W) and (N, C, D, H, W) inputs, PyTorch's index and weight rules.

Nearest, linear/bilinear and bicubic resizing are linear maps applied separately along
each spatial dimension: out = A_h @ x @ A_w^T with a constant (out, in)
matrix per dimension holding the interpolation weights (one 1 per row for
nearest, two weights per row for linear, four for cubic). So the op is a composition of two
differentiable matrix products: its gradient A_h^T @ g @ A_w (and every
higher-order gradient) comes from ``matmul``; a volume gets a third product
along D (on the (N, C, D, OH*OW) view). Nearest resizing of an input
holding inf or NaN gathers by indexing instead, since 0 * inf would spread
NaN through the product. "area" is adaptive average pooling, as in PyTorch.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from minidl.autograd.naming import name_grad_fn

from ..tensor import Tensor
from ._interp_aa import aa_matrix
from .math import matmul

__all__ = ["interpolate"]

_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area", "lanczos")
_LINEAR_NDIM = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}


def _nearest_matrix(in_size, out_size, scale, exact):
    """PyTorch's nearest source index of each output index, as a 0/1 (out, in) matrix and the index."""
    if out_size == in_size and not exact:
        src = np.arange(out_size)
    elif out_size == 2 * in_size and not exact:
        src = np.arange(out_size) >> 1
    else:
        # compute_scales_value<float>: 1/scale_factor when given, else in/out, in float32
        s = np.float32(1.0 / scale) if scale else np.float32(in_size) / np.float32(out_size)
        offset = np.float32(0.5) if exact else np.float32(0.0)
        src = np.floor((np.arange(out_size, dtype=np.float32) + offset) * s).astype(np.int64)
        src = np.minimum(src, in_size - 1)
    m = np.zeros((out_size, in_size))
    m[np.arange(out_size), src] = 1.0
    return m, src


def _linear_matrix(in_size, out_size, scale, align_corners, dtype):
    """PyTorch's linear weights (two per output index) as an (out, in) matrix of ``dtype``."""
    dt = np.dtype(dtype).type
    dst = np.arange(out_size, dtype=dtype)
    if align_corners:
        ratio = dt((in_size - 1) / (out_size - 1)) if out_size > 1 else dt(0)
        src = ratio * dst
    else:
        ratio = dt(1.0 / scale) if scale else dt(in_size / out_size)
        src = np.maximum(ratio * (dst + dt(0.5)) - dt(0.5), dt(0))
    i0 = np.minimum(src.astype(np.int64), in_size - 1)
    i1 = np.minimum(i0 + 1, in_size - 1)
    w1 = np.minimum(src - i0.astype(dtype), dt(1))
    w0 = dt(1) - w1
    m = np.zeros((out_size, in_size), dtype=dtype)
    np.add.at(m, (np.arange(out_size), i0), w0)
    np.add.at(m, (np.arange(out_size), i1), w1)
    return m


def _cubic_matrix(in_size, out_size, scale, align_corners, dtype):
    """PyTorch's bicubic weights (four taps per output index, Keys' kernel with A = -0.75, taps clamped to
    the edge) as an (out, in) matrix of ``dtype``; the identity when the size does not change."""
    if in_size == out_size:
        return np.eye(out_size, dtype=dtype)
    dt = np.dtype(dtype).type
    dst = np.arange(out_size, dtype=dtype)
    if align_corners:
        src = (dt((in_size - 1) / (out_size - 1)) if out_size > 1 else dt(0)) * dst
    else:   # not clamped at 0, unlike the linear rule
        src = (dt(1.0 / scale) if scale else dt(in_size / out_size)) * (dst + dt(0.5)) - dt(0.5)
    base = np.floor(src)
    t = src - base
    a = dt(-0.75)

    def near(x):   # |x| <= 1: ((A + 2)|x| - (A + 3))|x|^2 + 1
        return ((a + dt(2)) * x - (a + dt(3))) * x * x + dt(1)

    def far(x):    # 1 < |x| < 2: ((A|x| - 5A)|x| + 8A)|x| - 4A
        return ((a * x - dt(5) * a) * x + dt(8) * a) * x - dt(4) * a

    weights = (far(t + dt(1)), near(t), near(dt(1) - t), far(dt(2) - t))
    m = np.zeros((out_size, in_size), dtype=dtype)
    rows = np.arange(out_size)
    for k, w in enumerate(weights):
        np.add.at(m, (rows, np.clip(base.astype(np.int64) - 1 + k, 0, in_size - 1)), w)
    return m


def _sizes(input, size, scale_factor, recompute_scale_factor):
    """Output sizes and the scale factors the index rules use (None: use in/out)."""
    spatial = tuple(input.shape[2:])
    dims = len(spatial)
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: only one of size or scale_factor should be defined"
                         if size is not None else "interpolate: either size or scale_factor should be defined")
    if size is not None:
        sizes = [int(size)] * dims if isinstance(size, numbers.Number) else [int(s) for s in size]
        if len(sizes) != dims:
            raise ValueError(f"interpolate: input with spatial size {spatial} expects size of {dims} "
                             f"element(s), got {size}")
        return sizes, [None] * dims
    factors = [float(scale_factor)] * dims if isinstance(scale_factor, numbers.Number) \
        else [float(f) for f in scale_factor]
    if len(factors) != dims:
        raise ValueError(f"interpolate: input with spatial size {spatial} expects scale_factor of "
                         f"{dims} element(s), got {scale_factor}")
    sizes = [int(math.floor(n * f)) for n, f in zip(spatial, factors)]
    return sizes, ([None] * dims if recompute_scale_factor else factors)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize (N, C, L), (N, C, H, W) or (N, C, D, H, W) to ``size`` or by ``scale_factor`` (PyTorch's).

    Modes: "nearest" (source index floor(dst * in/out)), "nearest-exact"
    (floor((dst + 0.5) * in/out)), "linear" (3-D), "bilinear" (4-D),
    "bicubic" (4-D; Keys' cubic with A = -0.75, may overshoot the input's range, as PyTorch's),
    "trilinear" (5-D), "area" (adaptive average pooling) and "lanczos" (4-D, with ``antialias=True``).
    ``antialias=True`` (bilinear, bicubic, lanczos on 4-D input) stretches the filter when shrinking so
    every input pixel counts, as PyTorch's "_aa" kernels (see :mod:`minidl.ops._interp_aa`).
    ``align_corners`` (linear modes only, default False) maps the corner pixels' centres onto each other. With
    ``scale_factor`` the index rules use 1/scale_factor unless
    ``recompute_scale_factor=True``, as in PyTorch.

    >>> import minidl as mdl, minidl.nn.functional as F
    >>> F.interpolate(mdl.tensor([[[1.0, 2.0]]]), scale_factor=2).numpy()
    array([[[1., 1., 2., 2.]]], dtype=float32)
    """
    if mode not in _MODES:
        raise ValueError(f"interpolate: mode {mode!r} is not supported; use one of {_MODES}")
    if input.ndim not in (3, 4, 5):
        raise ValueError(f"interpolate: expected a 3-D (N, C, L), 4-D (N, C, H, W) or 5-D (N, C, D, H, W) input, "
                         f"got shape {tuple(input.shape)}")
    if (antialias or mode == "lanczos") and not (mode in ("bilinear", "bicubic", "lanczos") and input.ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a "
                         f"4-D tensor as input (interpolate: mode {mode!r}, input of shape {tuple(input.shape)})")
    if mode == "lanczos" and not antialias:
        raise ValueError("Lanczos mode requires antialias=True")
    linear = mode in _LINEAR_NDIM
    if linear and input.ndim != _LINEAR_NDIM[mode]:
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {_LINEAR_NDIM[mode]}D input "
                                  f"(interpolate: input of shape {tuple(input.shape)})")
    if mode == "lanczos" and align_corners:
        raise ValueError("Lanczos mode does not support align_corners=True")
    if align_corners is not None and not linear and mode != "lanczos":
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    sizes, scales = _sizes(input, size, scale_factor, recompute_scale_factor)
    if min(sizes) < 1:
        raise ValueError(f"interpolate: output size {tuple(sizes)} must be positive (input "
                         f"{tuple(input.shape)})")
    if mode == "area":
        from .pool import adaptive_avg_pool2d
        if input.ndim == 5:
            from ..nn._pool3d import adaptive_avg_pool3d
            return adaptive_avg_pool3d(input, tuple(sizes))
        if input.ndim == 3:
            out = adaptive_avg_pool2d(input.reshape(tuple(input.shape[:2]) + (1, input.shape[2])),
                                      (1, sizes[0]))
            return out.reshape(tuple(out.shape[:2]) + (sizes[0],))
        return adaptive_avg_pool2d(input, tuple(sizes))
    xp = input.xp
    spatial = tuple(input.shape[2:])
    if antialias:
        mats = [aa_matrix(n, o, s, bool(align_corners), mode, input.dtype) for n, o, s in zip(spatial, sizes, scales)]
    elif linear:
        weigh = _cubic_matrix if mode == "bicubic" else _linear_matrix
        mats = [weigh(n, o, s, bool(align_corners), input.dtype) for n, o, s in zip(spatial, sizes, scales)]
    else:
        pairs = [_nearest_matrix(n, o, s, mode == "nearest-exact") for n, o, s in zip(spatial, sizes, scales)]
        if input.array.size and not bool(xp.isfinite(input.array).all()):
            index = tuple(xp.asarray(src.reshape((-1,) + (1,) * (len(pairs) - 1 - d)))
                          for d, (_, src) in enumerate(pairs))
            return input[(slice(None), slice(None)) + index]
        mats = [m.astype(input.dtype) for m, _ in pairs]
    out = matmul(input, Tensor(xp.asarray(np.ascontiguousarray(mats[-1].T))))  # (..., OW)
    if len(mats) >= 2:
        out = matmul(Tensor(xp.asarray(mats[-2])), out)                   # (..., OH, OW)
    if len(mats) == 3:                                                    # along D on the (N, C, D, OH*OW) view
        n, c, d, oh, ow = out.shape
        out = matmul(Tensor(xp.asarray(mats[0])), out.reshape(n, c, d, oh * ow)).reshape(n, c, len(mats[0]), oh, ow)
    return name_grad_fn(out, _node_name(mode, len(mats), antialias))


def _node_name(mode, ndim, antialias=False):
    """PyTorch's node for ``mode`` on ``ndim`` spatial dims, e.g. ``UpsampleBilinear2DBackward0``."""
    kind = {"nearest": "Nearest", "nearest-exact": "NearestExact", "linear": "Linear", "bilinear": "Bilinear",
            "bicubic": "Bicubic", "trilinear": "Trilinear", "lanczos": "Lanczos"}[mode]
    return f"Upsample{kind}{ndim}D{'Aa' if antialias else ''}Backward0"
