"""``max_unpool2d``: the values of a max pooling put back at their arg-max positions, zeros elsewhere."""
from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..backend import get_array_module
from ..tensor import Tensor

__all__ = ["max_unpool2d"]


def _pair(value, name):
    items = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(items) != 2:
        raise ValueError(f"max_unpool2d: {name} must be an int or a pair, got {value!r}")
    return tuple(int(v) for v in items)


class MaxUnpool(Function):
    """x (N, C, L) -> out (N, C, size) with out[n, c, index[n, c, l]] = x[n, c, l]; the gradient gathers."""

    def forward(self, x, index=None, size=0):
        xp = get_array_module(x)
        n, c, _ = x.shape
        self.grids = (xp.arange(n)[:, None, None], xp.arange(c)[None, :, None], index)
        out = xp.zeros((n, c, size), dtype=x.dtype)
        out[self.grids] = x
        return out

    def backward(self, g):
        return g[self.grids]

    def backward_graph(self, g):
        return g[self.grids]


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool2d(..., return_indices=True)``: (N, C, H, W) values and their flat
    indices -> (N, C, H_out, W_out), H_out = (H - 1) * stride - 2 * padding + kernel_size (or
    ``output_size``), zeros where no maximum came from. Unbatched (C, H, W) works too."""
    if not isinstance(input, Tensor) or not isinstance(indices, Tensor):
        raise TypeError("max_unpool2d(): input and indices must be Tensors")
    if input.ndim not in (3, 4) or tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"max_unpool2d: expected a 3D or 4D input and indices of the same shape, got "
                           f"{list(input.shape)} and {list(indices.shape)}")
    if indices.array.dtype != np.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: {indices.dtype}")
    k = _pair(kernel_size, "kernel_size")
    s = k if stride is None else _pair(stride, "stride")
    p = _pair(padding, "padding")
    h, w = input.shape[-2:]
    default = ((h - 1) * s[0] - 2 * p[0] + k[0], (w - 1) * s[1] - 2 * p[1] + k[1])
    if output_size is None:
        size = default
    else:
        size = tuple(int(v) for v in tuple(output_size)[-2:])
        if len(size) != 2:
            raise ValueError(f"max_unpool2d: output_size must have 2 or more elements, got {output_size!r}")
    batched = input.ndim == 4
    x = input if batched else input.unsqueeze(0)
    idx = indices.array if batched else indices.array[None]
    n, c = x.shape[0], x.shape[1]
    total = size[0] * size[1]
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= total):
        bad = int(idx.max()) if int(idx.max()) >= total else int(idx.min())
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size {size[0]}x{size[1]})")
    out = MaxUnpool.apply(x.reshape(n, c, -1), index=idx.reshape(n, c, -1), size=total)
    out = out.reshape(n, c, *size)
    return out if batched else out.squeeze(0)
