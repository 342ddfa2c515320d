"""Compressed sparse row (``sparse_csr``) tensors: 2-D, built from ``crow_indices``/``col_indices``/``values``
and converted to COO for their operations (``to_dense``, ``@``), with gradients to the values."""
from __future__ import annotations

import numpy as np

from ..backend import get_array_module
from ._arrays import SparseCooArray, SparseCsrArray, is_sparse_array
from ._autograd import _gather, _SparseFunction
from ._ops import coalesce, from_values, values_of

__all__ = ["CsrFromValues", "CsrValues", "csr_to_coo", "coo_to_csr"]


class CsrFromValues(_SparseFunction):
    """values (nnz,) -> a CSR tensor with the given ``crow_indices``/``col_indices``."""

    _reusable = True

    def name(self):
        """PyTorch's node name."""
        return "SparseCsrTensorBackward0"

    def forward(self, values, crow_indices, col_indices, shape):
        self.crow, self.col, self.shape = crow_indices, col_indices, tuple(shape)
        return SparseCsrArray(crow_indices, col_indices, values, shape)

    def backward(self, g):
        coo_indices = SparseCsrArray(self.crow, self.col, self.col, self.shape).to_coo().indices
        if type(g) is SparseCsrArray:
            g = g.to_coo()
        return _gather(g, coo_indices, self.shape)

    def backward_graph(self, g):
        from ._autograd import GatherAt
        coo_indices = SparseCsrArray(self.crow, self.col, self.col, self.shape).to_coo().indices
        if g.is_sparse_csr:
            g = csr_to_coo(g)
        return GatherAt.apply(g, indices=coo_indices)


class CsrValues(_SparseFunction):
    """A CSR tensor -> its values (nnz,); the gradient is a CSR tensor of that pattern."""

    _reusable = True

    def name(self):
        """PyTorch's node name."""
        return "ValuesBackward0"

    def forward(self, csr):
        self.crow, self.col, self.shape = csr.crow_indices, csr.col_indices, csr.shape
        return csr.values

    def backward(self, g):
        return SparseCsrArray(self.crow, self.col, g, self.shape)

    def backward_graph(self, g):
        return CsrFromValues.apply(g, crow_indices=self.crow, col_indices=self.col, shape=self.shape)


def csr_to_coo(t):
    """The coalesced COO tensor of the CSR tensor ``t`` (differentiable)."""
    arr = t.array
    return from_values(CsrValues.apply(t), arr.to_coo().indices, arr.shape, coalesced=True)


def coo_to_csr(t):
    """The CSR tensor of the 2-D COO tensor ``t`` (differentiable)."""
    arr = t.array
    if arr.ndim != 2 or arr.sparse_dim != 2:
        raise RuntimeError(f"to_sparse_csr: only 2-D sparse tensors with 2 sparse dims are supported, got size "
                           f"{tuple(arr.shape)} with {arr.sparse_dim} sparse dims")
    t = coalesce(t)
    rows, cols = t.array.indices
    xp = get_array_module(rows)
    crow = xp.zeros(arr.shape[0] + 1, dtype=np.int64)
    crow[1:] = xp.cumsum(xp.bincount(rows, minlength=arr.shape[0]))
    return CsrFromValues.apply(values_of(t), crow_indices=crow, col_indices=cols.copy(), shape=arr.shape)


def is_csr_array(array):
    """True for a CSR holder."""
    return is_sparse_array(array) and type(array) is not SparseCooArray
