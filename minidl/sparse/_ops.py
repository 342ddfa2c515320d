"""Sparse COO operations as composites of the primitives in ``_autograd.py`` and dense ops on the values, so
that their gradients (and second derivatives) follow from those primitives'."""
from __future__ import annotations

import numbers

import numpy as np

from ..backend import get_array_module
from ..tensor import Tensor
from ._arrays import SparseCooArray, SparseCsrArray, coalesce_arrays, is_sparse_array, linear_index
from ._autograd import CooFromValues, CooMatmul, CooToDense, CooValues, DenseToCoo, GatherAt, SegmentSum

__all__ = ["index_tensor", "is_coo", "from_values", "values_of", "to_dense", "to_sparse", "coalesce", "add",
           "mul", "scale", "transpose", "permute", "reshape_by_ones", "index_select", "narrow_copy", "select",
           "unary", "sparse_sum", "matmul", "softmax", "sparse_mask"]


def index_tensor(array):
    """An int64 index array as a constant Tensor."""
    return Tensor(array.astype(np.int64, copy=False))


def is_coo(t):
    """True for a Tensor of layout ``sparse_coo``."""
    return isinstance(t, Tensor) and type(t.array) is SparseCooArray


def _dim(dim, ndim, what):
    if not isinstance(dim, numbers.Integral) or not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(f"{what}: Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], "
                         f"but got {dim})")
    return int(dim) % max(ndim, 1)


def from_values(values, indices, shape, coalesced=False):
    """A COO Tensor of ``values`` (a Tensor, differentiable) at ``indices`` (an int64 array)."""
    return CooFromValues.apply(values, indices=indices, shape=tuple(shape), coalesced=coalesced)


def values_of(t):
    """The stored values of the COO tensor ``t`` as a differentiable Tensor (``_values()``)."""
    return CooValues.apply(t)


def to_dense(t, masked_grad=True):
    """The dense Tensor of a sparse one (differentiable); ``masked_grad=False``: the sparse gradient stores
    every element, not only ``t``'s pattern."""
    if type(t.array) is not SparseCooArray:
        t = t.to_sparse_coo()
    return CooToDense.apply(t, masked=masked_grad is None or bool(masked_grad))


def to_sparse(t, sparse_dim=None):
    """The COO Tensor of the dense ``t`` storing the nonzeros of its first ``sparse_dim`` dims (all by default);
    a slice along the dense dims is stored when any of its elements is nonzero."""
    arr = t.array
    ndim = arr.ndim
    sparse_dim = ndim if sparse_dim is None else sparse_dim
    if not isinstance(sparse_dim, numbers.Integral) or not 0 <= sparse_dim <= ndim:
        raise RuntimeError(f"sparse_dim argument must be in [0,{ndim}] but got {sparse_dim}")
    xp = get_array_module(arr)
    nonzero = arr != 0
    if sparse_dim < ndim:
        nonzero = nonzero.any(axis=tuple(range(sparse_dim, ndim)))
    indices = xp.stack([i.astype(np.int64) for i in xp.nonzero(nonzero)]) if sparse_dim else \
        xp.zeros((0, 1), dtype=np.int64)
    return DenseToCoo.apply(t, indices=indices.reshape(sparse_dim, -1))


def coalesce(t):
    """The coalesced COO tensor (sorted unique indices, duplicate entries summed); ``t`` itself when it is."""
    arr = t.array
    if arr.coalesced:
        return t
    indices, inverse, count = coalesce_arrays(arr.indices, arr.shape)
    values = SegmentSum.apply(values_of(t), inverse=inverse, count=count)
    return from_values(values, indices, arr.shape, coalesced=True)


def _check_same_size(a, b, what):
    if tuple(a.shape) != tuple(b.shape):
        raise RuntimeError(f"{what}: operands must have the same size, got {tuple(a.shape)} and {tuple(b.shape)}")


def add(a, b, alpha=1):
    """``a + alpha * b`` for COO tensors (sparse result, coalesced) or dense ``a`` and COO ``b`` (dense)."""
    if not is_coo(a):
        if is_sparse_array(getattr(a, "array", None)):
            raise NotImplementedError("add: sparse CSR operands are not supported; convert with .to_sparse_coo()")
        if not isinstance(a, Tensor):
            raise RuntimeError("add: a number plus a sparse tensor is not supported (it would be dense); "
                               "use .to_dense() first")
        _check_same_size(a, b, "add")
        return a + scale(to_dense(b), alpha) if alpha != 1 else a + to_dense(b)
    if not is_coo(b):
        raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) instead.")
    _check_same_size(a, b, "add")
    if a.array.indices.shape[0] != b.array.indices.shape[0]:
        raise RuntimeError(f"add: expected sparse tensors with the same sparse_dim, got {a.array.sparse_dim} and "
                           f"{b.array.sparse_dim}")
    xp = get_array_module(a.array.values)
    vb = values_of(b)
    if alpha != 1:
        vb = vb * alpha
    if a.array.indices is b.array.indices:   # the same entries (gradients of one tensor): added entry by entry
        return from_values(values_of(a) + vb, a.array.indices, a.shape, coalesced=a.array.coalesced)
    from ..ops.shape import cat
    values = cat([values_of(a), vb.to(values_of(a).dtype) if vb.dtype != a.dtype else vb])
    indices = xp.concatenate([a.array.indices, b.array.indices], axis=1)
    return coalesce(from_values(values, indices, a.shape))


def scale(t, factor, op="mul"):
    """``t * factor`` (``op`` "mul"), ``t / factor`` ("div") or ``t ** factor`` ("pow") on the stored values
    (a number or a 0-d tensor), same pattern; pow coalesces first as PyTorch."""
    if not is_coo(t):
        return t * factor if op == "mul" else t / factor
    if op == "pow":
        t = coalesce(t)
    v = values_of(t)
    v = v * factor if op == "mul" else (v / factor if op == "div" else v ** factor)
    return from_values(v, t.array.indices, t.shape, coalesced=t.array.coalesced)


def _intersect(flat_a, flat_b):
    """Positions in the sorted unique ``flat_a`` and ``flat_b`` of their common elements."""
    xp = get_array_module(flat_a)
    if flat_b.shape[0] == 0 or flat_a.shape[0] == 0:
        empty = xp.zeros(0, dtype=np.int64)
        return empty, empty
    pos = xp.clip(xp.searchsorted(flat_b, flat_a), 0, flat_b.shape[0] - 1)
    found = flat_b[pos] == flat_a
    return xp.nonzero(found)[0].astype(np.int64), pos[found].astype(np.int64)


def mul(a, b):
    """Elementwise product: COO * number/0-d tensor, COO * COO (intersection of the patterns), COO * dense of
    the same size (the dense entries at the pattern); the result is sparse."""
    if not is_coo(a):
        a, b = b, a
    if not isinstance(b, Tensor) or (b.ndim == 0 and not is_sparse_array(b.array)):
        return scale(a, b)
    _check_same_size(a, b, "mul")
    if is_coo(b):
        a, b = coalesce(a), coalesce(b)
        sparse_shape = a.shape[:a.array.sparse_dim]
        ia, ib = _intersect(linear_index(a.array.indices, sparse_shape), linear_index(b.array.indices, sparse_shape))
        va = values_of(a).index_select(0, index_tensor(ia))
        vb = values_of(b).index_select(0, index_tensor(ib))
        return from_values(va * vb, a.array.indices[:, ia], a.shape, coalesced=True)
    if is_sparse_array(b.array):
        raise NotImplementedError("mul: sparse CSR operands are not supported; convert with .to_sparse_coo()")
    v = values_of(a)
    return from_values(v * GatherAt.apply(b, indices=a.array.indices), a.array.indices, a.shape,
                       coalesced=a.array.coalesced)


def transpose(t, dim0, dim1):
    """``t`` with dims ``dim0`` and ``dim1`` swapped: both sparse dims (indices rows swapped) or both dense."""
    arr = t.array
    d0, d1 = _dim(dim0, arr.ndim, "transpose"), _dim(dim1, arr.ndim, "transpose")
    sd = arr.sparse_dim
    shape = list(arr.shape)
    shape[d0], shape[d1] = shape[d1], shape[d0]
    if d0 == d1:
        return t
    if d0 < sd and d1 < sd:
        order = list(range(sd))
        order[d0], order[d1] = order[d1], order[d0]
        return from_values(values_of(t), arr.indices[order], shape)
    if d0 >= sd and d1 >= sd:
        v = values_of(t).transpose(d0 - sd + 1, d1 - sd + 1)
        return from_values(v, arr.indices, shape, coalesced=arr.coalesced)
    raise RuntimeError(f"transpose: sparse tensor with {sd} sparse dims cannot swap sparse dim "
                       f"{min(d0, d1)} with dense dim {max(d0, d1)}")


def permute(t, axes):
    """``t`` with its dims reordered by ``axes``: the sparse dims among themselves, the dense dims among
    themselves (PyTorch's rule for sparse COO tensors)."""
    arr = t.array
    sd = arr.sparse_dim
    axes = tuple(int(a) % max(arr.ndim, 1) for a in axes)
    if sorted(axes[:sd]) != list(range(sd)):
        raise RuntimeError(f"permute(sparse_coo): transpositions between sparse and dense dimensions are not "
                           f"allowed. Only transpositions within sparse and dense dimensions are supported; got "
                           f"dims {axes} with {sd} sparse dims")
    shape = [arr.shape[a] for a in axes]
    values = values_of(t)
    dense_order = [a - sd + 1 for a in axes[sd:]]
    if dense_order != sorted(dense_order):
        values = values.permute(0, *dense_order)
    keeps_order = list(axes[:sd]) == list(range(sd))
    return from_values(values, arr.indices[list(axes[:sd])], shape, coalesced=arr.coalesced and keeps_order)


def reshape_by_ones(t, shape):
    """``t`` with one size-1 dim inserted (``unsqueeze``): a sparse dim when it lies within the sparse dims,
    else a dense one. Any other reshape (``squeeze`` too) raises PyTorch's error."""
    arr = t.array
    old, new = tuple(arr.shape), tuple(int(n) for n in shape)
    sd = arr.sparse_dim
    if len(new) == len(old) + 1:
        d = next((i for i in range(len(new)) if new[:i] + new[i + 1:] == old and new[i] == 1), None)
        if d is not None:
            if d <= sd:
                xp = get_array_module(arr.indices)
                zeros = xp.zeros((1, arr.indices.shape[1]), dtype=arr.indices.dtype)
                indices = xp.concatenate([arr.indices[:d], zeros, arr.indices[d:]])
                return from_values(values_of(t), indices, new, coalesced=arr.coalesced)
            return from_values(values_of(t).unsqueeze(d - sd + 1), arr.indices, new, coalesced=arr.coalesced)
    if new == old:
        return t
    raise NotImplementedError("reshape is not implemented for sparse tensors (Could not run 'aten::view' with "
                              "arguments from the 'SparseCPU' backend); call .to_dense() first")


def index_select(t, dim, index):
    """The slices of ``t`` at ``index`` (a 1-D int64 Tensor) along ``dim`` (sparse result, as PyTorch)."""
    arr = t.array
    d = _dim(dim, arr.ndim, "index_select")
    idx = index.array if isinstance(index, Tensor) else np.asarray(index)
    if idx.ndim > 1 or idx.dtype.kind not in "iu":
        raise IndexError(f"index_select(): Expected index to be a 1-D int tensor, got shape {tuple(idx.shape)} "
                         f"and dtype {idx.dtype}")
    xp = get_array_module(arr.values)
    idx = xp.asarray(idx).reshape(-1).astype(np.int64)
    if idx.shape[0] and (int(idx.min()) < -arr.shape[d] or int(idx.max()) >= arr.shape[d]):
        raise IndexError(f"index_select(): index out of range for dim {d} of size {arr.shape[d]}")
    idx = idx % max(arr.shape[d], 1)
    shape = list(arr.shape)
    shape[d] = int(idx.shape[0])
    sd = arr.sparse_dim
    if d >= sd:
        v = values_of(t).index_select(d - sd + 1, index_tensor(idx))
        return from_values(v, arr.indices, shape, coalesced=arr.coalesced)
    # every pair (stored entry k, output position j) with indices[d, k] == idx[j]
    match = idx[:, None] == arr.indices[d][None, :]
    out_pos, entry = xp.nonzero(match)   # ordered by output position, then stored order (PyTorch's order)
    indices = arr.indices[:, entry].copy()
    indices[d] = out_pos
    v = values_of(t).index_select(0, index_tensor(entry))
    return from_values(v, indices, shape)


def narrow_copy(t, dim, start, length):
    """The slice ``start:start + length`` of ``t`` along ``dim``, as a new sparse tensor."""
    arr = t.array
    d = _dim(dim, arr.ndim, "narrow_copy")
    size = arr.shape[d]
    if start < 0:
        start += size
    if not 0 <= start <= size or length < 0 or start + length > size:
        raise IndexError(f"narrow_copy(): start ({start}) + length ({length}) exceeds dimension size ({size}).")
    sd = arr.sparse_dim
    shape = list(arr.shape)
    shape[d] = int(length)
    if d >= sd:
        return from_values(values_of(t).narrow(d - sd + 1, start, length), arr.indices, shape,
                           coalesced=arr.coalesced)
    xp = get_array_module(arr.values)
    keep = xp.nonzero((arr.indices[d] >= start) & (arr.indices[d] < start + length))[0]
    indices = arr.indices[:, keep].copy()
    indices[d] -= start
    return from_values(values_of(t).index_select(0, index_tensor(keep)), indices, shape,
                       coalesced=arr.coalesced)


def select(t, dim, index):
    """The slice of ``t`` at ``index`` along ``dim``, the dim removed (``t[i]`` for dim 0): sparse while a
    sparse dim is left, else the dense sum of the matching stored slices."""
    arr = t.array
    d = _dim(dim, arr.ndim, "select")
    size = arr.shape[d]
    if not isinstance(index, numbers.Integral) or not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(arr.shape)} at dimension {d}")
    index = int(index) % size
    sd = arr.sparse_dim
    shape = arr.shape[:d] + arr.shape[d + 1:]
    if d >= sd:
        return from_values(values_of(t).select(d - sd + 1, index), arr.indices, shape, coalesced=arr.coalesced)
    xp = get_array_module(arr.values)
    keep = index_tensor(xp.nonzero(arr.indices[d] == index)[0])
    values = values_of(t).index_select(0, keep)
    if sd == 1:
        return values.sum(0)
    rows = [k for k in range(sd) if k != d]
    return from_values(values, arr.indices[rows][:, keep.array], shape, coalesced=arr.coalesced)


def unary(cls, t, kwargs):
    """A zero-preserving elementwise op (``cls``, a Function) on the stored values of the coalesced ``t``."""
    t = coalesce(t)
    return from_values(cls.apply(values_of(t), **kwargs), t.array.indices, t.shape, coalesced=True)


def sparse_sum(t, dim=None, dtype=None):
    """``torch.sparse.sum``: all elements (a 0-d dense tensor), or over ``dim`` (sparse while a sparse dim is
    left, else dense)."""
    if dtype is not None:
        t = t.to(dtype)
    arr = t.array
    if dim is None:
        return values_of(t).sum()
    dims = (dim,) if isinstance(dim, numbers.Integral) else tuple(dim)
    dims = sorted({_dim(d, arr.ndim, "sparse.sum") for d in dims})
    sd = arr.sparse_dim
    dense_dims = [d - sd + 1 for d in dims if d >= sd]
    v = values_of(t)
    if dense_dims:
        v = v.sum(dim=tuple(dense_dims))
    keep = [d for d in range(sd) if d not in dims]
    shape = [arr.shape[d] for d in keep] + [arr.shape[d] for d in range(sd, arr.ndim) if d not in dims]
    if not keep:
        return v.sum(0)
    indices, inverse, count = coalesce_arrays(arr.indices[keep], shape)
    return from_values(SegmentSum.apply(v, inverse=inverse, count=count), indices, shape, coalesced=True)


def matmul(a, b, masked=False):
    """Products with a COO operand: sparse (n, k) @ dense (k,) / (k, m) -> dense, dense @ sparse -> dense,
    sparse @ sparse -> sparse. ``masked``: the sparse operand's gradient is sparse with its pattern
    (``torch.sparse.mm``), else dense (``torch.mm``)."""
    if is_coo(a) and is_coo(b):
        return to_sparse(matmul(a, to_dense(b), masked))
    if not is_coo(a):
        if a.ndim != 2 or b.ndim != 2:
            raise RuntimeError(f"mm: dense @ sparse needs two matrices, got {tuple(a.shape)} and {tuple(b.shape)}")
        return matmul(transpose(b, 0, 1), a.transpose(0, 1), masked).transpose(0, 1)
    if a.ndim != 2 or a.array.sparse_dim != 2:
        raise RuntimeError(f"mm: the sparse operand must be a matrix with 2 sparse dims, got size {tuple(a.shape)} "
                           f"with {a.array.sparse_dim} sparse dims")
    if b.ndim not in (1, 2) or b.shape[0] != a.shape[1]:
        raise RuntimeError(f"mm: mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
                           f"{'x'.join(str(n) for n in b.shape)})")
    if b.dtype != a.dtype:
        raise RuntimeError(f"expected mat1 and mat2 to have the same dtype, but got: {a.dtype} != {b.dtype}")
    return CooMatmul.apply(a, b, masked=masked)


def softmax(t, dim, dtype=None, log=False):
    """``torch.sparse.softmax``/``log_softmax``: softmax of the stored entries along ``dim``, the unstored ones
    counting as -inf (they stay unstored); sparse result with ``t``'s pattern (coalesced)."""
    if dtype is not None:
        t = t.to(dtype)
    t = coalesce(t)
    arr = t.array
    d = _dim(dim, arr.ndim, "sparse.softmax")
    sd = arr.sparse_dim
    v = values_of(t)
    xp = get_array_module(arr.values)
    if d >= sd:   # along a dense dim: the plain softmax of each stored slice
        out = v.log_softmax(d - sd + 1) if log else v.softmax(d - sd + 1)
        return from_values(out, arr.indices, arr.shape, coalesced=True)
    keep = [k for k in range(sd) if k != d]
    _, group, count = coalesce_arrays(arr.indices[keep], [arr.shape[k] for k in keep])
    group_t = index_tensor(group)
    # shift by each group's maximum (a constant: the softmax does not depend on it)
    peak = xp.full((count,) + arr.values.shape[1:], -np.inf, dtype=arr.values.dtype)
    xp.maximum.at(peak, group, arr.values)
    shifted = v - Tensor(peak[group])
    e = shifted.exp()
    total = SegmentSum.apply(e, inverse=group, count=count).index_select(0, group_t)
    out = shifted - total.log() if log else e / total
    return from_values(out, arr.indices, arr.shape, coalesced=True)


def sparse_mask(dense, mask):
    """The entries of the dense ``dense`` at the pattern of the COO ``mask`` (coalesced), as a COO tensor."""
    if type(mask.array) is SparseCsrArray:
        return sparse_mask(dense, mask.to_sparse_coo()).to_sparse_csr()
    if is_sparse_array(mask.array) and not is_coo(mask):
        return sparse_mask(dense, mask.to_sparse_coo()).to_sparse_csc()
    if not is_coo(mask):
        raise RuntimeError("sparse_mask: expected mask to be a sparse COO tensor, got layout "
                           f"{getattr(mask, 'layout', type(mask).__name__)}")
    _check_same_size(dense, mask, "sparse_mask")
    pattern = mask.array.coalesce().indices
    return from_values(GatherAt.apply(dense, indices=pattern), pattern, mask.shape, coalesced=True)
