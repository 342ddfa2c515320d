"""The differentiable primitives of sparse COO tensors; every other sparse op is a composite of these and of
dense ops on the values.

* :class:`CooFromValues`: values (nnz, *dense) -> a COO tensor with given indices (``sparse_coo_tensor``);
  its gradient is the incoming gradient gathered at the indices (sparse or dense incoming gradient).
* :class:`CooValues`: a COO tensor -> its values (``_values()``); the gradient is a COO tensor of that pattern.
* :class:`CooToDense`: COO -> dense; the gradient is the dense gradient masked to the pattern (sparse).
* :class:`DenseToCoo`: dense -> COO at given indices; the gradient is the incoming one made dense.
* :class:`GatherAt`: a dense or COO tensor's entries at given indices, as values (the mask of ``sparse_mask``).
* :class:`CooMatmul`: 2-D COO (n, k) @ dense (k, m); the sparse operand's gradient is sparse, as
  ``torch.sparse.mm`` documents.
"""
from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..backend import get_array_module
from ._arrays import SparseCooArray, _scatter_add, add_rows, coo_to_dense_array, gather_sparse, is_sparse_array

__all__ = ["CooFromValues", "CooValues", "CooToDense", "DenseToCoo", "GatherAt", "CooMatmul", "SegmentSum"]


def _gather(grad, indices, shape):
    """The entries of ``grad`` (COO holder or dense array) at the columns of ``indices``."""
    if type(grad) is SparseCooArray and grad.indices is indices:
        return grad.values   # the gradient of these very entries (a values() of this tensor): entry by entry
    if is_sparse_array(grad):
        return gather_sparse(grad if isinstance(grad, SparseCooArray) else grad.to_coo(), indices, shape)
    return grad[tuple(indices)]


class _SparseFunction(Function):
    """A Function that takes sparse holders as inputs (no refusal by the sparse dispatch)."""

    _sparse_ok = True


class CooFromValues(_SparseFunction):
    """values (nnz, *dense) -> COO tensor of ``shape`` with ``indices`` (sparse_dim, nnz)."""

    _reusable = True

    def name(self):
        """PyTorch's node name."""
        return "SparseCooTensorWithDimsAndTensorsBackward0"

    def forward(self, values, indices, shape, coalesced=False):
        self.indices, self.shape = indices, tuple(shape)
        return SparseCooArray(indices, values, shape, coalesced)

    def backward(self, g):
        return _gather(g, self.indices, self.shape)

    def backward_graph(self, g):
        return GatherAt.apply(g, indices=self.indices)


class CooValues(_SparseFunction):
    """COO tensor -> its values array (nnz, *dense), the stored entries as they are (``_values()``)."""

    _reusable = True

    def name(self):
        """PyTorch's node name."""
        return "ValuesBackward0"

    def forward(self, sparse):
        self.indices, self.shape, self.coalesced = sparse.indices, sparse.shape, sparse.coalesced
        return sparse.values

    def backward(self, g):
        return SparseCooArray(self.indices, g, self.shape, self.coalesced)

    def backward_graph(self, g):
        return CooFromValues.apply(g, indices=self.indices, shape=self.shape, coalesced=self.coalesced)


class CooToDense(_SparseFunction):
    """COO tensor -> dense array (duplicates summed); the gradient is sparse with the coalesced pattern
    (``masked=True``, PyTorch's default) or with every element stored (``masked=False``)."""

    def name(self):
        """PyTorch's node name."""
        return "ToDenseBackward0"

    def forward(self, sparse, masked=True):
        self.shape = sparse.shape
        if masked:
            self.pattern = sparse.coalesce().indices
        else:
            xp = get_array_module(sparse.values)
            every = xp.arange(int(np.prod(sparse.shape[:sparse.sparse_dim], dtype=np.int64)), dtype=np.int64)
            self.pattern = xp.stack(xp.unravel_index(every, sparse.shape[:sparse.sparse_dim])).astype(np.int64)
        return coo_to_dense_array(sparse.indices, sparse.values, sparse.shape)

    def backward(self, g):
        return SparseCooArray(self.pattern, g[tuple(self.pattern)], self.shape, True)

    def backward_graph(self, g):
        values = GatherAt.apply(g, indices=self.pattern)
        return CooFromValues.apply(values, indices=self.pattern, shape=self.shape, coalesced=True)


class DenseToCoo(_SparseFunction):
    """dense array -> COO tensor storing its entries at ``indices`` (the nonzeros, chosen by the caller)."""

    def name(self):
        """PyTorch's node name."""
        return "ToSparseBackward0"

    def forward(self, dense, indices):
        self.shape = dense.shape
        return SparseCooArray(indices, dense[tuple(indices)], dense.shape, True)

    def backward(self, g):
        return g.to_dense() if is_sparse_array(g) else g

    def backward_graph(self, g):
        return CooToDense.apply(g) if g.is_sparse else g


class GatherAt(_SparseFunction):
    """The entries of a dense or COO tensor at the columns of ``indices``, as a values array (nnz, *dense)."""

    def name(self):
        """PyTorch's node name."""
        return "SparseMaskBackward0"

    def forward(self, source, indices):
        self.indices, self.shape, self.from_sparse = indices, source.shape, is_sparse_array(source)
        self.dtype = source.dtype
        return _gather(source, indices, source.shape)

    def backward(self, g):
        if self.from_sparse:
            return SparseCooArray(self.indices, g, self.shape, False)
        out = get_array_module(g).zeros(self.shape, dtype=g.dtype)
        _scatter_add(out, tuple(self.indices), g)
        return out

    def backward_graph(self, g):
        sparse = CooFromValues.apply(g, indices=self.indices, shape=self.shape, coalesced=False)
        return sparse if self.from_sparse else CooToDense.apply(sparse)


def _row_products(rows, cols, g, dense):
    """``sum(g[rows[k]] * dense[cols[k]])`` for every stored entry k: the sparse operand's gradient values."""
    return (g[rows] * dense[cols]).sum(axis=-1)


class CooMatmul(_SparseFunction):
    """(n, k) COO with sparse_dim 2 @ (k, m) dense -> (n, m) dense."""

    def name(self):
        """PyTorch's node name."""
        return "SparseAddmmBackward0"

    def forward(self, sparse, dense, masked=True):
        xp = get_array_module(dense)
        self.masked = masked
        self.indices, self.shape = sparse.indices, sparse.shape
        self.values, self.dense = sparse.values, dense
        rows, cols = sparse.indices
        out = xp.zeros((sparse.shape[0],) + dense.shape[1:], dtype=np.result_type(sparse.dtype, dense.dtype))
        if rows.shape[0]:
            vals = sparse.values.reshape((-1,) + (1,) * (dense.ndim - 1))
            add_rows(out, rows, vals * dense[cols])
        return out

    def backward(self, g):
        rows, cols = self.indices
        gs = gd = None
        if self.needs_input_grad[0] and not self.masked:
            gs = g.reshape(g.shape[0], -1) @ self.dense.reshape(self.dense.shape[0], -1).T
        elif self.needs_input_grad[0]:
            gs = SparseCooArray(self.indices, _row_products(rows, cols, g.reshape(g.shape[0], -1),
                                                            self.dense.reshape(self.dense.shape[0], -1)),
                                self.shape, False)
        if self.needs_input_grad[1]:
            xp = get_array_module(g)
            gd = xp.zeros(self.dense.shape, dtype=g.dtype)
            vals = self.values.reshape((-1,) + (1,) * (g.ndim - 1))
            add_rows(gd, cols, vals * g[rows])
        return gs, gd

    def backward_graph(self, g):
        from . import _ops
        sparse, dense = self.inputs
        rows, cols = self.indices
        gs = gd = None
        if self.needs_input_grad[0] and not self.masked:
            gs = g.reshape(g.shape[0], -1) @ dense.reshape(dense.shape[0], -1).transpose(0, 1)
        elif self.needs_input_grad[0]:
            g2, d2 = g.reshape(g.shape[0], -1), dense.reshape(dense.shape[0], -1)
            rows_t, cols_t = _ops.index_tensor(rows), _ops.index_tensor(cols)
            values = (g2.index_select(0, rows_t) * d2.index_select(0, cols_t)).sum(-1)
            gs = CooFromValues.apply(values, indices=self.indices, shape=self.shape, coalesced=False)
        if self.needs_input_grad[1]:
            gd = CooMatmul.apply(_ops.transpose(sparse, 0, 1), g, masked=self.masked)
        return gs, gd


class SegmentSum(_SparseFunction):
    """``out[inverse[k]] += values[k]``: values (nnz, *dense) summed into (count, *dense) (coalescing)."""

    def name(self):
        """PyTorch's node name."""
        return "CoalesceBackward0"

    def forward(self, values, inverse, count):
        self.inverse = inverse
        out = get_array_module(values).zeros((count,) + values.shape[1:], dtype=values.dtype)
        _scatter_add(out, inverse, values)
        return out

    def backward(self, g):
        return g[self.inverse]

    def backward_graph(self, g):
        from ._ops import index_tensor
        return g.index_select(0, index_tensor(self.inverse))
