"""Functions that record an in-place update in the graph: fill, copy, item assignment.

An in-place op on a tensor that is part of a graph is recorded as one of
these applied to the tensor's old value (see :mod:`minidl.tensor_inplace`);
their gradients say that the old value was overwritten.
"""
from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..backend import get_array_module

__all__ = ["Fill", "CopyFrom", "SetItem"]


def _zeros(g, shape):
    """A constant zero gradient of ``shape`` (the overwritten value's: it no longer affects anything)."""
    from ..tensor import Tensor
    return Tensor(get_array_module(g.array).zeros(shape, dtype=g.dtype))


class Fill(Function):
    """old overwritten by ``value`` (a number or an array broadcast to old's shape); zero gradient."""

    def forward(self, old, value=0):
        xp = get_array_module(old)
        self.shape = old.shape
        out = xp.empty_like(old)
        out[...] = value
        return out

    def backward(self, g):
        return get_array_module(g).zeros(self.shape, dtype=g.dtype)

    def backward_graph(self, g):
        return _zeros(g, self.shape)


class CopyFrom(Function):
    """old overwritten by ``src`` broadcast to its shape and cast to its dtype; the gradient goes to src."""

    def forward(self, old, src):
        xp = get_array_module(old)
        self.shape = old.shape
        out = xp.empty_like(old)
        out[...] = src
        return out

    def backward(self, g):
        g_old = get_array_module(g).zeros(self.shape, dtype=g.dtype) if self.needs_input_grad[0] else None
        return g_old, g

    def backward_graph(self, g):
        return (_zeros(g, self.shape) if self.needs_input_grad[0] else None), g


class SetItem(Function):
    """old with ``old[index] = value``; the gradient of old is zero at index, value gets g[index]."""

    def forward(self, old, value, index=None):
        self.index = index
        out = old.copy()
        out[index] = value
        return out

    def backward(self, g):
        g_old = None
        if self.needs_input_grad[0]:
            g_old = g.copy()
            g_old[self.index] = 0
        g_value = g[self.index] if self.needs_input_grad[1] else None
        return g_old, g_value

    def backward_graph(self, g):
        from .shape import GetItem
        g_old = None
        if self.needs_input_grad[0]:   # g with zeros written at index: this op itself, linear in g
            g_old = SetItem.apply(g, _zeros(g, ()), index=self.index)
        g_value = GetItem.apply(g, index=self.index) if self.needs_input_grad[1] else None
        return g_old, g_value

    def name(self):
        """PyTorch's node: ``torch::autograd::CopySlices`` for a basic index (ints, slices, None, ...),
        ``IndexPutBackward0`` for an advanced one (a tensor, array or list)."""
        kept = self.__dict__.get("_node_name")
        if kept:
            return kept
        parts = self.index if isinstance(self.index, tuple) else (self.index,)
        advanced = any(not (p is None or p is Ellipsis or isinstance(p, (slice, int, np.integer))) for p in parts)
        return "IndexPutBackward0" if advanced else "torch::autograd::CopySlices"
