"""``minidl.sparse_coo_tensor`` and ``minidl.sparse_csr_tensor``: sparse tensors from index and value data."""
from __future__ import annotations

import numpy as np

from ..backend import get_array_module
from ..tensor import Tensor
from ..tensor import tensor as _tensor
from ._ops import from_values

__all__ = ["sparse_coo_tensor", "sparse_csr_tensor", "sparse_csc_tensor"]


def _values_tensor(values, dtype, device):
    """``values`` as a Tensor (a Tensor kept as it is, so that gradients reach it), cast/moved as asked."""
    if not isinstance(values, Tensor):
        values = _tensor(values)
    if dtype is not None and values.dtype != dtype:
        values = values.to(dtype)
    if device is not None:
        values = values.to(device)
    return values


def _index_array(indices, like, what):
    """An int64 backend array of ``indices`` on ``like``'s device."""
    array = indices.array if isinstance(indices, Tensor) else np.asarray(indices)
    if array.dtype.kind not in "iu" and array.size:
        raise RuntimeError(f"{what} must be an int64 tensor, got dtype {array.dtype}")
    xp = get_array_module(like.array)
    return xp.asarray(array).astype(np.int64)


def _leaf(result, requires_grad):
    if requires_grad:
        if result.creator is not None:
            raise RuntimeError("sparse tensor constructor: requires_grad=True is only for a leaf; the values "
                               "already require grad")
        result.requires_grad_(True)
    return result


def sparse_coo_tensor(indices, values, size=None, *, dtype=None, device=None, pin_memory=False, requires_grad=False,
                      check_invariants=None, is_coalesced=None):
    """A COO sparse tensor with ``values`` (nnz, *dense_shape) at ``indices`` (sparse_dim, nnz), as
    ``torch.sparse_coo_tensor``; ``size`` defaults to the smallest that holds the indices. Duplicate
    indices are allowed (summed when coalesced). When ``values`` is a Tensor that requires grad, the
    result is differentiable with respect to it. The indices are always checked against ``size``.

    >>> import minidl as mdl
    >>> s = mdl.sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], [3., 4., 5.], (2, 3))
    >>> s.to_dense().tolist()
    [[0.0, 0.0, 3.0], [4.0, 0.0, 5.0]]
    """
    values = _values_tensor(values, dtype, device)
    idx = _index_array(indices, values, "indices")
    if idx.ndim != 2:
        raise RuntimeError(f"indices must be sparse_dim x nnz, but got: {list(idx.shape)}")
    if values.ndim == 0:
        raise RuntimeError("values must have at least 1 dimension (nnz, *dense_shape), got a 0-d tensor")
    sparse_dim, nnz = idx.shape
    if values.shape[0] != nnz:
        raise RuntimeError(f"indices and values must have same nnz, but got nnz from indices: {nnz}, "
                           f"nnz from values: {values.shape[0]}")
    dense_shape = tuple(values.shape[1:])
    if nnz and int(idx.min()) < 0:
        d = int(np.nonzero(np.asarray(idx.min(axis=1).tolist()) < 0)[0][0])
        raise RuntimeError(f"found negative index {int(idx[d].min())} for dim {d}")
    if size is None:
        sparse_size = [int(m) + 1 for m in idx.max(axis=1).tolist()] if nnz else [0] * sparse_dim
        size = tuple(sparse_size) + dense_shape
    else:
        size = tuple(int(n) for n in size)
        if len(size) != sparse_dim + len(dense_shape):
            raise RuntimeError(f"number of dimensions must be sparse_dim ({sparse_dim}) + dense_dim "
                               f"({len(dense_shape)}), but got {len(size)}")
        if size[sparse_dim:] != dense_shape:
            raise RuntimeError(f"values has incorrect size, expected {[nnz, *size[sparse_dim:]]}, got "
                               f"{list(values.shape)}")
        if nnz:
            for d, m in enumerate(idx.max(axis=1).tolist()):
                if m >= size[d]:
                    raise RuntimeError(f"size is inconsistent with indices: for dim {d}, size is {size[d]} but "
                                       f"found index {m}")
    return _leaf(from_values(values, idx, size, coalesced=bool(is_coalesced)), requires_grad)


def sparse_csr_tensor(crow_indices, col_indices, values, size=None, *, dtype=None, device=None, pin_memory=False,
                      requires_grad=False, check_invariants=None):
    """A 2-D CSR sparse tensor (``torch.sparse_csr_tensor``): row ``r`` stores ``values[crow_indices[r]:
    crow_indices[r + 1]]`` at the columns ``col_indices[crow_indices[r]:crow_indices[r + 1]]``; ``size``
    defaults to (rows, max column + 1). The invariants are always checked.

    >>> import minidl as mdl
    >>> c = mdl.sparse_csr_tensor([0, 1, 3], [1, 0, 2], [1., 2., 3.], (2, 3))
    >>> c.to_dense().tolist()
    [[0.0, 1.0, 0.0], [2.0, 0.0, 3.0]]
    """
    from ._csr import CsrFromValues
    values, crow, col, size = _compressed("csr", crow_indices, col_indices, values, size, dtype, device)
    return _leaf(CsrFromValues.apply(values, crow_indices=crow, col_indices=col, shape=size), requires_grad)


def sparse_csc_tensor(ccol_indices, row_indices, values, size=None, *, dtype=None, device=None, pin_memory=False,
                      requires_grad=False, check_invariants=None):
    """A 2-D CSC sparse tensor (``torch.sparse_csc_tensor``): column ``c`` stores ``values[ccol_indices[c]:
    ccol_indices[c + 1]]`` at the rows ``row_indices[ccol_indices[c]:ccol_indices[c + 1]]``; ``size``
    defaults to (max row + 1, columns). The invariants are always checked.

    >>> import minidl as mdl
    >>> c = mdl.sparse_csc_tensor([0, 1, 2, 3], [1, 0, 1], [2., 1., 3.], (2, 3))
    >>> c.to_dense().tolist()
    [[0.0, 1.0, 0.0], [2.0, 0.0, 3.0]]
    """
    from ._csc import CscFromValues
    values, ccol, row, size = _compressed("csc", ccol_indices, row_indices, values, size, dtype, device)
    return _leaf(CscFromValues.apply(values, ccol_indices=ccol, row_indices=row, shape=size), requires_grad)


def _compressed(kind, compressed_indices, plain_indices, values, size, dtype, device):
    """The checked ``(values, compressed, plain, size)`` of a CSR (``kind`` "csr": compressed rows, plain
    columns) or CSC ("csc": the other way round) tensor."""
    first, second = ("crow_indices", "col_indices") if kind == "csr" else ("ccol_indices", "row_indices")
    values = _values_tensor(values, dtype, device)
    pointers = _index_array(compressed_indices, values, first)
    plain = _index_array(plain_indices, values, second)
    if pointers.ndim != 1 or plain.ndim != 1 or values.ndim != 1:
        raise RuntimeError(f"sparse_{kind}_tensor: {first}, {second} and values must be 1-D (minidl has no batched "
                           f"or hybrid compressed tensors), got shapes {list(pointers.shape)}, {list(plain.shape)}, "
                           f"{list(values.shape)}")
    nnz = int(plain.shape[0])
    if values.shape[0] != nnz:
        raise RuntimeError(f"{second} and values must have the same number of elements, but got "
                           f"{nnz} and {values.shape[0]}")
    count = int(pointers.shape[0]) - 1
    if count < 0 or int(pointers[0]) != 0 or int(pointers[-1]) != nnz or (
            count and bool((pointers[1:] < pointers[:-1]).any())):
        raise RuntimeError(f"{first} must start at 0, be non-decreasing and end at nnz ({nnz}), got "
                           f"{pointers.tolist()}")
    extent = int(plain.max()) + 1 if nnz else 0
    if size is None:
        size = (count, extent) if kind == "csr" else (extent, count)
    size = tuple(int(n) for n in size)
    compressed_dim, plain_dim = (0, 1) if kind == "csr" else (1, 0)
    if len(size) != 2 or size[compressed_dim] != count:
        raise RuntimeError(f"sparse_{kind}_tensor: size {size} does not match the {count} "
                           f"{'rows' if kind == 'csr' else 'columns'} of {first}")
    if nnz and (int(plain.min()) < 0 or extent > size[plain_dim]):
        raise RuntimeError(f"{second} must be in [0, {size[plain_dim]}), got values from {int(plain.min())} to "
                           f"{extent - 1}")
    if nnz > 1:   # sorted and unique within each compressed slice, as PyTorch's invariants
        xp = get_array_module(plain)
        segment = xp.repeat(xp.arange(count, dtype=np.int64), xp.diff(pointers))
        same = segment[1:] == segment[:-1]
        if bool((same & (plain[1:] <= plain[:-1])).any()):
            raise RuntimeError(f"{second} must be strictly increasing within each "
                               f"{'row' if kind == 'csr' else 'column'}")
    return values, pointers, plain, size
