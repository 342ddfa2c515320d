"""Compressed sparse column (``sparse_csc``) tensors: 2-D, built from ``ccol_indices``/``row_indices``/``values``
and converted to COO for their operations, with gradients to the values (as ``_csr.py`` for rows)."""
from __future__ import annotations

import numpy as np

from ..backend import get_array_module
from ._arrays import SparseCscArray
from ._autograd import _gather, _SparseFunction
from ._ops import coalesce, from_values, index_tensor, values_of

__all__ = ["CscFromValues", "CscValues", "csc_to_coo", "coo_to_csc"]


def _entries(ccol, row, shape):
    return SparseCscArray(ccol, row, row, shape).entry_indices()


class CscFromValues(_SparseFunction):
    """values (nnz,) -> a CSC tensor with the given ``ccol_indices``/``row_indices``."""

    _reusable = True

    def name(self):
        """PyTorch's node name."""
        return "SparseCscTensorBackward0"

    def forward(self, values, ccol_indices, row_indices, shape):
        self.ccol, self.row, self.shape = ccol_indices, row_indices, tuple(shape)
        return SparseCscArray(ccol_indices, row_indices, values, shape)

    def backward(self, g):
        if type(g) is SparseCscArray:
            g = g.to_coo()
        return _gather(g, _entries(self.ccol, self.row, self.shape), self.shape)

    def backward_graph(self, g):
        from ._autograd import GatherAt
        if type(g.array) is SparseCscArray:
            g = csc_to_coo(g)
        return GatherAt.apply(g, indices=_entries(self.ccol, self.row, self.shape))


class CscValues(_SparseFunction):
    """A CSC tensor -> its values (nnz,) in the stored order; the gradient is a CSC tensor of that pattern."""

    _reusable = True

    def name(self):
        """PyTorch's node name."""
        return "ValuesBackward0"

    def forward(self, csc):
        self.ccol, self.row, self.shape = csc.ccol_indices, csc.row_indices, csc.shape
        return csc.values

    def backward(self, g):
        return SparseCscArray(self.ccol, self.row, g, self.shape)

    def backward_graph(self, g):
        return CscFromValues.apply(g, ccol_indices=self.ccol, row_indices=self.row, shape=self.shape)


def csc_to_coo(t):
    """The coalesced COO tensor of the CSC tensor ``t`` (differentiable)."""
    arr = t.array
    order = arr.row_major_order()
    values = CscValues.apply(t).index_select(0, index_tensor(order))
    return from_values(values, arr.entry_indices()[:, order], arr.shape, coalesced=True)


def coo_to_csc(t):
    """The CSC tensor of the 2-D COO tensor ``t`` (differentiable)."""
    arr = t.array
    if arr.ndim != 2 or arr.sparse_dim != 2:
        raise RuntimeError(f"to_sparse_csc: only 2-D sparse tensors with 2 sparse dims are supported, got size "
                           f"{tuple(arr.shape)} with {arr.sparse_dim} sparse dims")
    t = coalesce(t)
    rows, cols = t.array.indices
    xp = get_array_module(rows)
    order = xp.argsort(cols * max(arr.shape[0], 1) + rows, kind="stable")
    ccol = xp.zeros(arr.shape[1] + 1, dtype=np.int64)
    ccol[1:] = xp.cumsum(xp.bincount(cols, minlength=arr.shape[1]))
    values = values_of(t).index_select(0, index_tensor(order))
    return CscFromValues.apply(values, ccol_indices=ccol, row_indices=rows[order].copy(), shape=arr.shape)
