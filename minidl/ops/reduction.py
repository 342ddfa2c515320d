"""Reductions: sum, mean, max over an axis, an axis tuple, or everything."""
from __future__ import annotations

import builtins

from ..autograd import Function
from ..backend import get_array_module
from ..tensor import Tensor

__all__ = ["sum", "mean", "max"]


def _norm_axis(axis, ndim):
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in axes:
        if not -ndim <= a < builtins.max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for a tensor with {ndim} dims")
    return tuple(sorted(a % ndim for a in axes)) if ndim else ()


def _expand(g, in_shape, axes, keepdims):
    """Reshape a reduced gradient so it broadcasts against the input shape."""
    if axes is None:
        axes = tuple(range(len(in_shape)))
    if not keepdims:
        shape = list(in_shape)
        for a in axes:
            shape[a] = 1
        g = g.reshape(shape)
    return g


def _expand_tensor(g, in_shape, axes, keepdims):
    """:func:`_expand` for a Tensor gradient (differentiable reshape)."""
    if keepdims:
        return g
    from .shape import Reshape
    axes = tuple(range(len(in_shape))) if axes is None else axes
    shape = tuple(1 if i in axes else n for i, n in enumerate(in_shape))
    return Reshape.apply(g, shape=shape)


class Sum(Function):
    """sum(x, axes); d/dx = 1 broadcast back over the reduced axes."""

    def forward(self, x, axes=None, keepdims=False):
        self.in_shape, self.axes, self.keepdims = x.shape, axes, keepdims
        return x.sum(axis=axes, keepdims=keepdims)

    def backward(self, g):
        g = _expand(g, self.in_shape, self.axes, self.keepdims)
        return get_array_module(g).broadcast_to(g, self.in_shape)

    def backward_graph(self, g):
        from .shape import BroadcastTo
        return BroadcastTo.apply(_expand_tensor(g, self.in_shape, self.axes, self.keepdims), shape=self.in_shape)


class Mean(Function):
    """mean(x, axes); d/dx = 1/n broadcast back over the reduced axes."""

    def forward(self, x, axes=None, keepdims=False):
        self.in_shape, self.axes, self.keepdims = x.shape, axes, keepdims
        out = x.mean(axis=axes, keepdims=keepdims)
        self.count = x.size // builtins.max(out.size, 1) if x.size else 1
        return out

    def backward(self, g):
        g = _expand(g, self.in_shape, self.axes, self.keepdims) / self.count
        return get_array_module(g).broadcast_to(g, self.in_shape)

    def backward_graph(self, g):
        from .shape import BroadcastTo
        g = _expand_tensor(g, self.in_shape, self.axes, self.keepdims) / self.count
        return BroadcastTo.apply(g, shape=self.in_shape)


class Max(Function):
    """max(x, axes); the gradient is shared equally between tied maxima."""

    def forward(self, x, axes=None, keepdims=False):
        self.x, self.axes, self.keepdims = x, axes, keepdims
        self.out = x.max(axis=axes, keepdims=keepdims)
        return self.out

    def backward(self, g):
        out = _expand(self.out, self.x.shape, self.axes, self.keepdims)
        mask = self.x == out
        count = mask.sum(axis=self.axes, keepdims=True)
        return mask * (_expand(g, self.x.shape, self.axes, self.keepdims) / count)

    def backward_graph(self, g):
        out = _expand(self.out, self.x.shape, self.axes, self.keepdims)
        mask = self.x == out
        share = mask / mask.sum(axis=self.axes, keepdims=True)      # constant: 1/ties at the maxima
        return _expand_tensor(g, self.x.shape, self.axes, self.keepdims) * Tensor(share.astype(self.x.dtype))


def sum(x, axis=None, keepdims=False):
    """Sum over ``axis`` (int, tuple, or None for all)."""
    return Sum.apply(x, axes=_norm_axis(axis, x.ndim), keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    """Mean over ``axis`` (int, tuple, or None for all)."""
    return Mean.apply(x, axes=_norm_axis(axis, x.ndim), keepdims=keepdims)


def max(x, axis=None, keepdims=False):
    """Maximum values over ``axis``."""
    if x.size == 0:
        raise ValueError(f"max: cannot reduce an empty tensor of shape {x.shape}")
    return Max.apply(x, axes=_norm_axis(axis, x.ndim), keepdims=keepdims)
