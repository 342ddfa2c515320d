"""The backend-array holders behind minidl's sparse tensors, and the NumPy/CuPy index arithmetic on them.

A sparse :class:`minidl.Tensor` is a Tensor whose ``.array`` is a :class:`SparseCooArray` (PyTorch's
``sparse_coo`` layout: an int64 ``indices`` array of shape (sparse_dim, nnz) and a ``values`` array of shape
(nnz, *dense_shape)) or a :class:`SparseCsrArray` (``sparse_csr``: ``crow_indices`` (rows + 1,),
``col_indices`` (nnz,), ``values`` (nnz,)). Both hold NumPy or CuPy arrays and answer ``shape``, ``dtype``,
``ndim`` and ``size`` as the dense array would, so the autograd engine compares and casts their gradients
like any other; anything else a dense array would answer raises PyTorch's error for a sparse tensor.
"""
from __future__ import annotations

import numpy as np

from ..backend import get_array_module

__all__ = ["SparseCooArray", "SparseCsrArray", "SparseCscArray", "is_sparse_array", "coalesce_arrays", "linear_index",
           "coo_to_dense_array"]


def _refuse(layout, what):
    backend = "SparseCPU" if layout == "COO" else "SparseCsrCPU"   # PyTorch's backend of every compressed layout
    return NotImplementedError(f"Could not run '{what}' with arguments from the '{backend}' backend: minidl's "
                               f"sparse tensors do not support it; call .to_dense() first")


class _SparseArrayBase:
    """What the two layouts share: shape, dtype and the refusal of dense-array operations."""

    is_sparse_layout = True
    __array_ufunc__ = None   # ndarray + sparse defers to our __radd__ instead of converting us

    @property
    def dtype(self):
        """The values' NumPy dtype."""
        return self.values.dtype

    @property
    def ndim(self):
        """The number of dims of the dense tensor this stands for."""
        return len(self.shape)

    def to_dense(self):
        """The dense array (through the COO form; COO overrides this)."""
        return self.to_coo().to_dense()

    def __add__(self, other):
        """The dense sum with a sparse or dense array (COO overrides this with a sparse sum)."""
        if isinstance(other, _SparseArrayBase):
            return self.to_dense() + other.to_dense()
        return other + self.to_dense()

    def __radd__(self, other):
        return self.__add__(other)

    @property
    def size(self):
        """The number of elements of the dense tensor this stands for (PyTorch's ``numel``)."""
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def flags(self):
        """Owned and writable, for the autograd engine's aliasing checks (the holder is never shared)."""
        return _OWNED

    @property
    def xp(self):
        """The array module of the values (``backend.get_array_module``)."""
        return get_array_module(self.values)

    def __array__(self, dtype=None, copy=None):
        raise TypeError("can't convert Sparse layout tensor to numpy. Use Tensor.to_dense() first.")

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise _refuse(self.layout_name, f"aten::{name}")

    def __len__(self):
        return self.shape[0]

    def _compare(self, other):
        raise _refuse(self.layout_name, "aten::eq")

    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _compare
    __hash__ = object.__hash__

    def __getitem__(self, item):
        raise _refuse(self.layout_name, "aten::index")

    def __setitem__(self, item, value):
        """Only ``array[...] = 0`` (``zero_grad(set_to_none=False)``): the stored values become zeros (COO:
        no entries left, as PyTorch's ``zero_``)."""
        if item is not Ellipsis or not isinstance(value, (int, float)) or value != 0:
            raise _refuse(self.layout_name, "aten::index_put_")
        self._zero()

    def _zero(self):
        self.values = self.values * 0


class _Owned:
    owndata = True
    writeable = True
    c_contiguous = f_contiguous = False   # PyTorch: a sparse tensor is not contiguous


_OWNED = _Owned()


class SparseCooArray(_SparseArrayBase):
    """COO data: ``indices`` (sparse_dim, nnz) int64, ``values`` (nnz, *dense_shape), ``shape``, ``coalesced``."""

    layout_name = "COO"

    def __init__(self, indices, values, shape, coalesced=False):
        self.indices, self.values, self.shape, self.coalesced = indices, values, tuple(int(n) for n in shape), \
            bool(coalesced)

    @property
    def sparse_dim(self):
        """How many leading dims the indices address."""
        return int(self.indices.shape[0])

    @property
    def nnz(self):
        """The number of stored entries (duplicates counted until coalesced)."""
        return int(self.indices.shape[1])

    def _zero(self):
        self.indices = self.indices[:, :0]
        self.values = self.values[:0]
        self.coalesced = True

    def astype(self, dtype, copy=True):
        """The same pattern with the values cast to ``dtype``."""
        return SparseCooArray(self.indices, self.values.astype(dtype), self.shape, self.coalesced)

    def copy(self):
        """A copy of the indices and values."""
        return SparseCooArray(self.indices.copy(), self.values.copy(), self.shape, self.coalesced)

    def coalesce(self):
        """The coalesced equivalent (sorted unique indices, duplicates summed)."""
        if self.coalesced:
            return self
        indices, inverse, count = coalesce_arrays(self.indices, self.shape)
        values = self.xp.zeros((count,) + self.values.shape[1:], dtype=self.values.dtype)
        _scatter_add(values, inverse, self.values)
        return SparseCooArray(indices, values, self.shape, True)

    def to_dense(self):
        """The dense array."""
        return coo_to_dense_array(self.indices, self.values, self.shape)

    def __add__(self, other):
        if isinstance(other, SparseCooArray):
            if other.indices is self.indices:   # gradients of the same entries: added entry by entry
                return SparseCooArray(self.indices, self.values + other.values, self.shape, self.coalesced)
            xp = self.xp
            return SparseCooArray(xp.concatenate([self.indices, other.indices], axis=1),
                                  xp.concatenate([self.values, other.values.astype(self.values.dtype)]),
                                  self.shape, False).coalesce()
        return other + self.to_dense()

    __radd__ = __add__


class SparseCsrArray(_SparseArrayBase):
    """CSR data of a 2-D tensor: ``crow_indices`` (rows + 1,), ``col_indices`` (nnz,), ``values`` (nnz,)."""

    layout_name = "Csr"

    def __init__(self, crow_indices, col_indices, values, shape):
        self.crow_indices, self.col_indices, self.values = crow_indices, col_indices, values
        self.shape = tuple(int(n) for n in shape)

    @property
    def nnz(self):
        """The number of stored entries."""
        return int(self.col_indices.shape[0])

    def row_indices(self):
        """The row of every stored entry (the COO row indices)."""
        xp = self.xp
        return xp.repeat(xp.arange(self.shape[0], dtype=np.int64), xp.diff(self.crow_indices).astype(np.int64))

    def to_coo(self):
        """The same entries as a coalesced :class:`SparseCooArray`."""
        xp = self.xp
        indices = xp.stack([self.row_indices(), self.col_indices.astype(np.int64)])
        return SparseCooArray(indices, self.values, self.shape, True)

    def astype(self, dtype, copy=True):
        """The same pattern with the values cast to ``dtype``."""
        return SparseCsrArray(self.crow_indices, self.col_indices, self.values.astype(dtype), self.shape)

    def copy(self):
        """A copy of the index arrays and values."""
        return SparseCsrArray(self.crow_indices.copy(), self.col_indices.copy(), self.values.copy(), self.shape)


def is_sparse_array(array):
    """True for a sparse holder (either layout)."""
    return getattr(type(array), "is_sparse_layout", False)


def linear_index(indices, shape):
    """Each column of ``indices`` (sparse_dim, nnz) as one int64 row-major position in ``shape[:sparse_dim]``."""
    xp = get_array_module(indices)
    flat = xp.zeros(indices.shape[1], dtype=np.int64)
    for d in range(indices.shape[0]):
        flat = flat * int(shape[d]) + indices[d]
    return flat


def unravel(flat, shape):
    """The inverse of :func:`linear_index`: (len(shape), n) int64 indices."""
    xp = get_array_module(flat)
    rows = []
    for n in reversed(shape):
        rows.append(flat % int(n))
        flat = flat // int(n)
    return xp.stack(rows[::-1]).astype(np.int64) if rows else xp.zeros((0, flat.shape[0]), dtype=np.int64)


def coalesce_arrays(indices, shape):
    """``(unique sorted indices, inverse, count)``: where each original column goes after coalescing."""
    xp = get_array_module(indices)
    sparse_shape = shape[:indices.shape[0]]
    flat = linear_index(indices, sparse_shape)
    unique, inverse = xp.unique(flat, return_inverse=True)
    return unravel(unique, sparse_shape), inverse.reshape(-1), int(unique.shape[0])


def _scatter_add(out, positions, values):
    """``out[positions[k]] += values[k]`` with repeats summed (NumPy's/CuPy's ``add.at``)."""
    xp = get_array_module(out)
    xp.add.at(out, positions, values)


def add_rows(out, rows, src):
    """``out[rows[k]] += src[k]`` along the first axis, repeats summed: on NumPy as segment sums of the rows
    sorted (``add.reduceat``, about twice as fast as ``add.at`` for (nnz, m) rows), else ``add.at``."""
    xp = get_array_module(out)
    if xp is not np or rows.shape[0] == 0:
        _scatter_add(out, rows, src)
        return
    if bool((rows[1:] < rows[:-1]).any()):
        order = np.argsort(rows, kind="stable")
        rows, src = rows[order], src[order]
    starts = np.flatnonzero(np.concatenate([[True], rows[1:] != rows[:-1]]))
    out[rows[starts]] += np.add.reduceat(src, starts, axis=0)


def coo_to_dense_array(indices, values, shape):
    """The dense array of COO data (duplicates summed)."""
    xp = get_array_module(values)
    out = xp.zeros(shape, dtype=values.dtype)
    if indices.shape[1]:
        _scatter_add(out, tuple(indices), values)
    return out


def gather_sparse(grad, indices, shape):
    """The entries of the COO array ``grad`` at the columns of ``indices`` (zero where it stores none)."""
    xp = get_array_module(grad.values)
    grad = grad.coalesce()
    sparse_shape = shape[:indices.shape[0]]
    want = linear_index(indices, sparse_shape)
    have = linear_index(grad.indices, sparse_shape)
    out = xp.zeros((indices.shape[1],) + grad.values.shape[1:], dtype=grad.values.dtype)
    if have.shape[0] == 0:
        return out
    pos = xp.clip(xp.searchsorted(have, want), 0, have.shape[0] - 1)
    found = have[pos] == want
    out[found] = grad.values[pos[found]]
    return out


class SparseCscArray(_SparseArrayBase):
    """CSC data of a 2-D tensor: ``ccol_indices`` (cols + 1,), ``row_indices`` (nnz,), ``values`` (nnz,)."""

    layout_name = "Csc"

    def __init__(self, ccol_indices, row_indices, values, shape):
        self.ccol_indices, self.row_indices, self.values = ccol_indices, row_indices, values
        self.shape = tuple(int(n) for n in shape)

    @property
    def nnz(self):
        """The number of stored entries."""
        return int(self.row_indices.shape[0])

    def entry_indices(self):
        """(2, nnz) int64 (row, column) of every stored entry, in the stored (column-major) order."""
        xp = self.xp
        cols = xp.repeat(xp.arange(self.shape[1], dtype=np.int64), xp.diff(self.ccol_indices).astype(np.int64))
        return xp.stack([self.row_indices.astype(np.int64), cols])

    def row_major_order(self):
        """The permutation that puts the stored entries in row-major (COO coalesced) order."""
        rows, cols = self.entry_indices()
        return self.xp.argsort(rows * max(self.shape[1], 1) + cols, kind="stable")

    def to_coo(self):
        """The same entries as a coalesced :class:`SparseCooArray`."""
        order = self.row_major_order()
        return SparseCooArray(self.entry_indices()[:, order], self.values[order], self.shape, True)

    def astype(self, dtype, copy=True):
        """The same pattern with the values cast to ``dtype``."""
        return SparseCscArray(self.ccol_indices, self.row_indices, self.values.astype(dtype), self.shape)

    def copy(self):
        """A copy of the index arrays and values."""
        return SparseCscArray(self.ccol_indices.copy(), self.row_indices.copy(), self.values.copy(), self.shape)


def _register():
    """Let ``Function.apply`` recognise sparse inputs (minidl/autograd/_function_helpers.py)."""
    from ..autograd._function_helpers import SPARSE_TYPES
    SPARSE_TYPES.update({SparseCooArray, SparseCsrArray, SparseCscArray})


_register()
