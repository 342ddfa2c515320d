"""Ops that copy or re-lay data without computing: expand, repeat, clone, device moves.

``Expand`` returns a broadcast view; its gradient is summed back over the
expanded dimensions by the autograd engine (``unbroadcast``). ``Repeat``
tiles the data; its gradient sums the tiles.
"""
from __future__ import annotations

from ..autograd import Function
from ..backend import device_of, get_array_module, to_device

__all__ = ["Expand", "Repeat", "Clone", "ToDevice", "Flip", "flip"]


class Expand(Function):
    """broadcast_to(x, shape); the engine sums the gradient back to x's shape."""

    _reusable = True   # saves no values: a second backward may run through it, as in PyTorch
    _bf16_native = True   # moves values only: runs on bfloat16 arrays as they are

    def forward(self, x, shape=None):
        return get_array_module(x).broadcast_to(x, shape)

    def backward(self, g):
        return g

    def backward_graph(self, g):
        return g   # summed back to x's shape by the engine (a recorded unbroadcast)


class Repeat(Function):
    """tile(x, reps) with len(reps) >= x.ndim; the gradient is the sum over the tiles."""

    _reusable = True   # saves no values: a second backward may run through it, as in PyTorch
    _bf16_native = True   # moves values only: runs on bfloat16 arrays as they are

    def forward(self, x, reps=None):
        self.in_shape = (1,) * (len(reps) - x.ndim) + tuple(x.shape)
        self.reps = reps
        return get_array_module(x).tile(x, reps)

    def backward(self, g):
        # view g as (r0, s0, r1, s1, ...) and sum the r axes
        split = []
        for r, s in zip(self.reps, self.in_shape):
            split += [r, s]
        summed = g.reshape(split).sum(axis=tuple(range(0, len(split), 2)))
        return summed

    def backward_graph(self, g):
        from .reduction import Sum
        from .shape import Reshape
        split = []
        for r, s in zip(self.reps, self.in_shape):
            split += [r, s]
        tiles = Reshape.apply(g, shape=tuple(split))
        return Sum.apply(tiles, axes=tuple(range(0, len(split), 2)), keepdims=False)


class Clone(Function):
    """A copy of x; the gradient passes through unchanged."""

    _reusable = True   # saves no values: a second backward may run through it, as in PyTorch
    _bf16_native = True   # moves values only: runs on bfloat16 arrays as they are

    def forward(self, x):
        return x.copy()

    def backward(self, g):
        return g

    def backward_graph(self, g):
        return g


class ToDevice(Function):
    """x copied to another device; the gradient is copied back to x's device."""

    _reusable = True   # saves no values: a second backward may run through it, as in PyTorch
    _bf16_native = True   # moves values only: runs on bfloat16 arrays as they are

    def forward(self, x, device=None):
        self.source = device_of(x)
        return to_device(x, device)

    def backward(self, g):
        return to_device(g, self.source)

    def backward_graph(self, g):
        return ToDevice.apply(g, device=self.source)


class Flip(Function):
    """x reversed along ``dims``; the gradient is reversed the same way."""

    _reusable = True   # saves no values: a second backward may run through it, as in PyTorch
    _bf16_native = True   # moves values only: runs on bfloat16 arrays as they are

    def forward(self, x, dims=()):
        self.dims = dims
        return get_array_module(x).flip(x, axis=dims).copy()

    def backward(self, g):
        return get_array_module(g).flip(g, axis=self.dims)

    def backward_graph(self, g):
        return Flip.apply(g, dims=self.dims)


def flip(input, dims):
    """``input`` with the order of elements reversed along each of ``dims`` (an int or a tuple)."""
    from .shape import _dim
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    dims = tuple(_dim(d, input.array.ndim) for d in dims)
    if input.array.ndim == 0:   # a 0-d tensor: dims 0 / -1 are allowed, and flipping changes nothing
        dims = ()
    return Flip.apply(input, dims=dims)
