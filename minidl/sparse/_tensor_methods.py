"""The sparse methods and properties of :class:`minidl.Tensor` (``to_sparse``, ``indices``, ``values``,
``coalesce``, ``layout``, ...), and the dense methods that answer differently for a sparse tensor
(``transpose``, ``sum``, ``index_select``, ``clone``, ...), installed by :func:`install`.

A wrapped dense method checks its tensor's layout first (one attribute test) and otherwise runs unchanged.
"""
from __future__ import annotations

import functools
import numbers

from ..backend import get_array_module
from ..tensor import Tensor
from . import _ops
from ._arrays import SparseCooArray, SparseCscArray, SparseCsrArray, is_sparse_array

__all__ = ["install", "sparse_coo", "sparse_csr", "sparse_csc"]


def _layouts():
    from ..tensor_layout import layout
    return layout._make("sparse_coo"), layout._make("sparse_csr"), layout._make("sparse_csc")


sparse_coo, sparse_csr, sparse_csc = _layouts()


def _is_sparse(t):
    return getattr(type(t.array), "is_sparse_layout", False)


def _coo(t, what):
    if type(t.array) is not SparseCooArray:
        layout = "Strided" if not _is_sparse(t) else "SparseCsr"
        raise RuntimeError(f"{what} expected sparse coordinate tensor layout but got {layout}")
    return t


def _csc(t, what):
    if type(t.array) is not SparseCscArray:
        layout = "Strided" if not _is_sparse(t) else "Sparse"
        raise RuntimeError(f"{what} expected sparse compressed column tensor layout but got {layout}")
    return t


def _csr(t, what):
    if type(t.array) is not SparseCsrArray:
        layout = "Strided" if not _is_sparse(t) else "Sparse"
        raise RuntimeError(f"{what} expected sparse compressed tensor layout but got {layout}")
    return t


class SparseMethods:
    """The methods :func:`install` puts on :class:`minidl.Tensor`."""

    def smm(self, mat2):
        """``self @ mat2`` for a sparse (n, k) ``self`` and dense (k, m) ``mat2``, as a sparse tensor
        (``torch.smm``)."""
        from ._products import smm
        return smm(self, mat2)

    def sspaddmm(self, mat1, mat2, *, beta=1, alpha=1):
        """``beta * self + alpha * (mat1 @ mat2)`` for sparse ``self`` and ``mat1``: sparse (``torch.sspaddmm``)."""
        from ._products import sspaddmm
        return sspaddmm(self, mat1, mat2, beta=beta, alpha=alpha)

    @property
    def is_sparse(self):
        """True for a tensor of layout ``minidl.sparse_coo``."""
        return type(self.array) is SparseCooArray

    @property
    def is_sparse_csr(self):
        """True for a tensor of layout ``minidl.sparse_csr``."""
        return type(self.array) is SparseCsrArray

    @property
    def layout(self):
        """``minidl.strided``, ``minidl.sparse_coo`` or ``minidl.sparse_csr``."""
        kind = type(self.array)
        if kind is SparseCooArray:
            return sparse_coo
        if kind is SparseCsrArray:
            return sparse_csr
        if kind is SparseCscArray:
            return sparse_csc
        from ..tensor_layout import strided
        return strided

    def to_dense(self, dtype=None, *, masked_grad=None):
        """The dense tensor of a sparse one (differentiable); a dense tensor is returned as it is (cast to
        ``dtype`` when given)."""
        out = _ops.to_dense(self, masked_grad) if _is_sparse(self) else self
        return out if dtype is None else out.to(dtype=dtype)

    def to_sparse(self, *args, layout=None, blocksize=None, dense_dim=None):
        """A sparse copy: ``to_sparse()``/``to_sparse(sparse_dim)`` COO (the first ``sparse_dim`` dims sparse),
        ``to_sparse(layout=minidl.sparse_csr)`` CSR. A tensor already of that layout is returned as it is."""
        if len(args) > 1:
            raise TypeError(f"to_sparse() takes at most 1 positional argument (sparse_dim), got {len(args)}")
        if args:
            if layout is not None:
                raise TypeError("to_sparse(): pass either sparse_dim or layout=, not both")
            return self.to_sparse_coo() if args[0] is None else _to_coo(self, args[0])
        if layout is None or layout is sparse_coo:
            return self.to_sparse_coo()
        if layout is sparse_csr:
            return self.to_sparse_csr(dense_dim)
        if layout is sparse_csc:
            return self.to_sparse_csc(dense_dim)
        raise RuntimeError(f"to_sparse: conversion to layout {layout} is not supported by minidl "
                           "(sparse_coo, sparse_csr and sparse_csc are)")

    def to_sparse_coo(self):
        """The COO tensor of this dense or CSR tensor (``self`` when already COO)."""
        return _to_coo(self, None)

    def to_sparse_csr(self, dense_dim=None):
        """The CSR tensor of this 2-D dense or COO tensor (``self`` when already CSR)."""
        from ._csr import coo_to_csr
        if type(self.array) is SparseCsrArray:
            return self
        if dense_dim:
            raise RuntimeError("to_sparse_csr: dense_dim is not supported by minidl (only 2-D CSR tensors)")
        if self.ndim != 2:
            raise RuntimeError(f"to_sparse_csr: expected a 2-D tensor, got {self.ndim}-D of size {tuple(self.shape)}")
        return coo_to_csr(_to_coo(self, None))

    def to_sparse_csc(self, dense_dim=None):
        """The CSC tensor of this 2-D dense or sparse tensor (``self`` when already CSC)."""
        from ._csc import coo_to_csc
        if type(self.array) is SparseCscArray:
            return self
        if dense_dim:
            raise RuntimeError("to_sparse_csc: dense_dim is not supported by minidl (only 2-D CSC tensors)")
        if self.ndim != 2:
            raise RuntimeError(f"to_sparse_csc: expected a 2-D tensor, got {self.ndim}-D of size {tuple(self.shape)}")
        return coo_to_csc(_to_coo(self, None))

    def ccol_indices(self):
        """The (cols + 1,) compressed column pointers of a CSC tensor."""
        return Tensor(_csc(self, "ccol_indices").array.ccol_indices)

    def row_indices(self):
        """The (nnz,) row indices of a CSC tensor."""
        return Tensor(_csc(self, "row_indices").array.row_indices)

    def indices(self):
        """The (sparse_dim, nnz) int64 indices of a coalesced COO tensor."""
        arr = _coo(self, "indices").array
        if not arr.coalesced:
            raise RuntimeError("Cannot get indices on an uncoalesced tensor, please call .coalesce() first")
        return Tensor(arr.indices)

    def _indices(self):
        """The (sparse_dim, nnz) int64 indices as stored (coalesced or not)."""
        return Tensor(_coo(self, "_indices").array.indices)

    def values(self):
        """The stored values (nnz, *dense_shape) of a coalesced COO tensor, or of a CSR tensor; differentiable."""
        if type(self.array) is SparseCsrArray:
            from ._csr import CsrValues
            return CsrValues.apply(self)
        if type(self.array) is SparseCscArray:
            from ._csc import CscValues
            return CscValues.apply(self)
        if not _coo(self, "values").array.coalesced:
            raise RuntimeError("Cannot get values on an uncoalesced tensor, please call .coalesce() first")
        return _ops.values_of(self)

    def _values(self):
        """The stored values (nnz, *dense_shape) as they are (coalesced or not); differentiable."""
        return _ops.values_of(_coo(self, "_values"))

    def crow_indices(self):
        """The (rows + 1,) compressed row pointers of a CSR tensor."""
        return Tensor(_csr(self, "crow_indices").array.crow_indices)

    def col_indices(self):
        """The (nnz,) column indices of a CSR tensor."""
        return Tensor(_csr(self, "col_indices").array.col_indices)

    def coalesce(self):
        """The coalesced COO tensor: indices sorted and unique, the values of repeated indices summed."""
        return _ops.coalesce(_coo(self, "coalesce"))

    def is_coalesced(self):
        """Whether this COO tensor is known to be coalesced."""
        return _coo(self, "is_coalesced").array.coalesced

    def sparse_dim(self):
        """The number of sparse dims (0 for a dense tensor, 2 for CSR)."""
        kind = type(self.array)
        return self.array.sparse_dim if kind is SparseCooArray else (2 if _is_sparse(self) else 0)

    def dense_dim(self):
        """The number of dense dims (the trailing dims of the values; ``ndim`` for a dense tensor)."""
        return self.array.ndim - self.sparse_dim() if _is_sparse(self) else self.array.ndim

    def _nnz(self):
        """The number of stored entries."""
        if not _is_sparse(self):
            raise RuntimeError("_nnz expected sparse coordinate tensor layout but got Strided")
        return self.array.nnz

    def sparse_mask(self, mask):
        """The entries of this tensor at the pattern of the sparse ``mask``, as a sparse tensor of its layout."""
        return _ops.sparse_mask(self, mask)


def _to_coo(t, sparse_dim):
    if type(t.array) is SparseCooArray:
        if sparse_dim is not None and sparse_dim != t.array.sparse_dim:
            raise RuntimeError(f"to_sparse: conversion from Sparse to Sparse with sparse_dim {sparse_dim} "
                               f"(the tensor has {t.array.sparse_dim}) is not supported")
        return t
    if type(t.array) is SparseCsrArray:
        from ._csr import csr_to_coo
        return csr_to_coo(t)
    if type(t.array) is SparseCscArray:
        from ._csc import csc_to_coo
        return csc_to_coo(t)
    return _ops.to_sparse(t, sparse_dim)


def _sparse_first(name, sparse_version):
    """Tensor's method ``name``, running ``sparse_version`` for a sparse tensor."""
    dense = getattr(Tensor, name)

    @functools.wraps(dense)
    def method(self, *args, **kwargs):
        if getattr(type(self.array), "is_sparse_layout", False):
            return sparse_version(self, *args, **kwargs)
        return dense(self, *args, **kwargs)
    return method


def _transpose(t, dim0, dim1):
    return _ops.transpose(_coo(t, "transpose"), dim0, dim1)


def _t(t):
    if t.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {t.ndim}D")
    return _ops.transpose(_coo(t, "t"), 0, 1) if t.ndim == 2 else t


def _index_select(t, dim, index):
    return _ops.index_select(_coo(t, "index_select"), dim, index)


def _narrow_copy(t, dim, start, length):
    return _ops.narrow_copy(_coo(t, "narrow_copy"), dim, start, length)


def _clone(t, *, memory_format=None):
    if type(t.array) is SparseCooArray:
        return _ops.scale(t, 1)
    if type(t.array) is SparseCscArray:
        from ._csc import CscFromValues, CscValues
        arr = t.array
        return CscFromValues.apply(CscValues.apply(t).clone(), ccol_indices=arr.ccol_indices.copy(),
                                   row_indices=arr.row_indices.copy(), shape=arr.shape)
    from ._csr import CsrFromValues, CsrValues
    arr = t.array
    return CsrFromValues.apply(CsrValues.apply(t).clone(), crow_indices=arr.crow_indices.copy(),
                               col_indices=arr.col_indices.copy(), shape=arr.shape)


def _getitem(t, index):
    if isinstance(index, numbers.Integral) and type(t.array) is SparseCooArray:
        return _ops.select(t, 0, index)
    raise NotImplementedError("Could not run 'aten::index' with arguments from the 'SparseCPU' backend: minidl "
                              "indexes sparse COO tensors with an int only; call .to_dense() first")


def _select(t, dim, index):
    return _ops.select(_coo(t, "select"), dim, index)


def _item(t):
    raise RuntimeError(f"a Tensor with {t.numel()} elements cannot be converted to Scalar" if t.numel() != 1 else
                       "item(): call .to_dense() on a sparse tensor first")


def _numpy(t, force=False):
    raise TypeError("can't convert Sparse layout tensor to numpy. Use Tensor.to_dense() first.")


def _tolist(t):
    raise RuntimeError("Cannot access data pointer of Tensor that doesn't have storage; call .to_dense() first")


def _type(t, dtype=None, non_blocking=False):
    if dtype is not None:
        return t.to(dtype=dtype)
    if not t.is_sparse:
        raise RuntimeError("Unimplemented backend SparseCsrCPU")   # PyTorch's answer for compressed layouts
    name = Tensor.type.__wrapped__(t._values().detach())
    return name.replace("torch.", "torch.sparse.", 1)


def _in_place(name, compute):
    """An in-place op on a sparse tensor: the out-of-place result's data put in ``self`` (refused while
    autograd records through it)."""
    def method(t, *args, **kwargs):
        from ..autograd import is_grad_enabled
        if t.requires_grad and is_grad_enabled():
            raise RuntimeError(f"{name}: in-place operations on a sparse tensor that requires grad are not supported "
                               "by minidl; use the out-of-place form")
        t.array = compute(t, *args, **kwargs).array
        return t
    method.__name__ = name
    return method


def _zeros(t):
    arr = t.array
    xp = get_array_module(arr.values)
    indices = xp.zeros((arr.sparse_dim, 0), dtype=arr.indices.dtype)
    values = xp.zeros((0,) + arr.values.shape[1:], dtype=arr.values.dtype)
    return Tensor(SparseCooArray(indices, values, arr.shape, True))


def _add_out(t, other, *, alpha=1):
    return _ops.add(t, other, alpha=alpha)


def _sub_out(t, other, *, alpha=1):
    return _ops.add(t, other, alpha=-alpha)


_IN_PLACE = {"mul_": lambda t, other: t * other, "div_": lambda t, other: t / other, "add_": _add_out,
             "sub_": _sub_out, "neg_": lambda t: -t, "zero_": lambda t: _zeros(_coo(t, "zero_"))}


# (``__getitem__``, ``sum``, ``reshape``, ``view`` and the elementwise ops reach minidl/sparse/_dispatch.py through
# Function.apply, at no cost to dense tensors)
_SPARSE_FIRST = {"transpose": _transpose, "swapaxes": _transpose, "swapdims": _transpose, "t": _t,
                 "index_select": _index_select, "narrow_copy": _narrow_copy, "clone": _clone, "item": _item,
                 "select": _select, "numpy": _numpy, "tolist": _tolist, "type": _type,
                 **{name: _in_place(name, compute) for name, compute in _IN_PLACE.items()}}


def _set(name, value):
    """``Tensor.<name> = value``, also on the surface mixin that defined it (minidl/tensor_surface.py), which
    stays the record of what Tensor has."""
    from ..tensor_surface import MIXINS
    setattr(Tensor, name, value)
    for mixin in MIXINS:
        if name in vars(mixin):
            setattr(mixin, name, value)


def install():
    """Put the sparse methods on :class:`minidl.Tensor` and route the dense methods above for sparse tensors."""
    for name, value in vars(SparseMethods).items():
        if not name.startswith("__"):
            _set(name, value)
    for name, version in _SPARSE_FIRST.items():
        _set(name, _sparse_first(name, version))


def is_sparse_tensor(t):
    """True for a sparse Tensor of any layout."""
    return isinstance(t, Tensor) and is_sparse_array(t.array)
