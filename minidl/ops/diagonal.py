"""``diagonal`` as a view (PyTorch's: writing into ``x.diagonal()`` writes into ``x``) and its adjoint.

The diagonal of the planes (dim1, dim2) is a strided view of the same memory:
the two dims are replaced by one last dim whose stride is the sum of theirs,
starting ``offset`` columns right (or rows down). ``Diagonal``'s gradient puts
``g`` on that diagonal of zeros (``DiagonalPlace``), and ``DiagonalPlace``'s
gradient takes the diagonal again, so both are differentiable to any order.
"""
from __future__ import annotations

from ..autograd import Function
from ..backend import get_array_module

__all__ = ["Diagonal", "DiagonalPlace", "diagonal_view"]


def diagonal_view(x, offset, dim1, dim2):
    """A writable view of the diagonal ``offset`` of ``x``'s planes (dim1, dim2), as the last dim."""
    xp = get_array_module(x)
    rows, cols = x.shape[dim1], x.shape[dim2]
    n = max(0, min(rows + min(offset, 0), cols - max(offset, 0)))
    corner = [slice(None)] * x.ndim              # start at element (row -offset, col offset) of each plane
    corner[dim1] = slice(min(-min(offset, 0), rows), None)
    corner[dim2] = slice(min(max(offset, 0), cols), None)
    start = x[tuple(corner)]
    keep = [i for i in range(x.ndim) if i not in (dim1, dim2)]
    shape = tuple(x.shape[i] for i in keep) + (n,)
    strides = tuple(x.strides[i] for i in keep) + (x.strides[dim1] + x.strides[dim2],)
    return xp.lib.stride_tricks.as_strided(start, shape=shape, strides=strides)


class Diagonal(Function):
    """The diagonal view; the gradient is ``g`` placed on the diagonal of zeros."""

    _reusable = True   # saves no values: a second backward may run through it, as in PyTorch
    _bf16_native = True   # moves values only: runs on bfloat16 arrays as they are

    def forward(self, x, offset=0, dim1=0, dim2=1):
        self.in_shape, self.params = x.shape, (offset, dim1, dim2)
        return diagonal_view(x, offset, dim1, dim2)

    def backward(self, g):
        gx = get_array_module(g).zeros(self.in_shape, dtype=g.dtype)
        diagonal_view(gx, *self.params)[...] = g
        return gx

    def backward_graph(self, g):
        return DiagonalPlace.apply(g, in_shape=self.in_shape, params=self.params)


class DiagonalPlace(Function):
    """Zeros of ``in_shape`` with ``g`` on the diagonal (``Diagonal``'s adjoint); its gradient is the diagonal."""

    def forward(self, g, in_shape=None, params=None):
        self.params = params
        out = get_array_module(g).zeros(in_shape, dtype=g.dtype)
        diagonal_view(out, *params)[...] = g
        return out

    def backward(self, gg):
        return diagonal_view(gg, *self.params).copy()

    def backward_graph(self, gg):
        return Diagonal.apply(gg, offset=self.params[0], dim1=self.params[1], dim2=self.params[2])
