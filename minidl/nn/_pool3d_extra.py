"""More 3-D pooling names: ``max_unpool3d``, ``lp_pool3d`` and the ``*_with_indices`` forms.

``max_unpool3d`` puts each value at its flat ``d*H*W + h*W + w`` index in a
zero volume (the scatter op of ``max_unpool2d``, whose gradient gathers);
``lp_pool3d`` is ``avg_pool3d`` of the p-th powers, rescaled as PyTorch does.
"""
from __future__ import annotations

import math

import numpy as np

from minidl.nn._functional_extra import _lp_finish
from minidl.nn._pool3d import _triple, adaptive_max_pool3d, avg_pool3d, max_pool3d
from minidl.ops.unpool import MaxUnpool
from minidl.tensor import Tensor

__all__ = ["max_unpool3d", "lp_pool3d", "max_pool3d_with_indices", "adaptive_max_pool3d_with_indices"]


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool3d(..., return_indices=True)``: (N, C, D, H, W) values and their flat
    indices -> (N, C, OD, OH, OW), OD = (D - 1) * stride - 2 * padding + kernel_size (or ``output_size``),
    zeros where no maximum came from. Unbatched (C, D, H, W) works too.

    >>> import minidl as mdl, minidl.nn.functional as F
    >>> x = mdl.arange(8.0).reshape(1, 1, 2, 2, 2)
    >>> values, where = F.max_pool3d(x, 2, return_indices=True)
    >>> F.max_unpool3d(values, where, 2).flatten().tolist()
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 7.0]
    """
    if not isinstance(input, Tensor) or not isinstance(indices, Tensor):
        raise TypeError("max_unpool3d(): input and indices must be Tensors")
    if input.ndim not in (4, 5):
        raise RuntimeError(f"Input to max_unpooling3d should be a 4d or 5d Tensor, but got a tensor with "
                           f"{input.ndim} dimensions.")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor ({list(input.shape)}) "
                           f"but got indices tensor with shape: {list(indices.shape)}")
    if indices.array.dtype != np.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: {indices.dtype}")
    k = _triple(kernel_size, "kernel_size", "max_unpool3d")
    s = k if stride is None else _triple(stride, "stride", "max_unpool3d")
    p = _triple(padding, "padding", "max_unpool3d")
    if output_size is None:
        size = tuple((n - 1) * st - 2 * pp + kk for n, st, pp, kk in zip(input.shape[-3:], s, p, k))
    else:
        size = tuple(int(v) for v in tuple(output_size)[-3:])
        if len(size) != 3:
            raise ValueError(f"max_unpool3d: output_size must have 3 or more elements, got {output_size!r}")
    batched = input.ndim == 5
    x = input if batched else input.unsqueeze(0)
    idx = indices.array if batched else indices.array[None]
    n, c = x.shape[0], x.shape[1]
    total = math.prod(size)
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= total):
        bad = int(idx.max()) if int(idx.max()) >= total else int(idx.min())
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                           f"{size[0]}x{size[1]}x{size[2]})")
    inner = x.shape[2] * x.shape[3] * x.shape[4]
    out = MaxUnpool.apply(x.reshape(n, c, inner), index=idx.reshape(n, c, inner), size=total)
    out = out.reshape(n, c, *size)
    return out if batched else out.squeeze(0)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling (sum over each window of x**p) ** (1/p): (N, C, D, H, W) -> (N, C, OD, OH, OW).

    >>> import minidl as mdl, minidl.nn.functional as F
    >>> F.lp_pool3d(mdl.ones(1, 1, 2, 2, 2), 2, 2).flatten().tolist()    # sqrt(8)
    [2.8284270763397217]
    """
    kernel = _triple(kernel_size, "kernel_size", "lp_pool3d")
    pooled = avg_pool3d(input ** norm_type, kernel, kernel if stride is None else stride, 0, ceil_mode)
    return _lp_finish(pooled, float(norm_type), math.prod(kernel))


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """``max_pool3d`` returning ``(values, indices)`` (flat positions d*H*W + h*W + w), as PyTorch's."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    """``adaptive_max_pool3d`` returning ``(values, indices)``, as PyTorch's."""
    return adaptive_max_pool3d(input, output_size, return_indices=True)
