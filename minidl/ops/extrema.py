"""Maxima and minima: ``max``/``min`` with and without ``dim``, ``amax``, ``argmax``, ``gather``, ``topk``, ``sort``.

``max(x)`` reduces everything to a 0-d tensor and shares the gradient evenly
between tied maxima (as PyTorch's ``max()`` and ``amax``); ``max(x, dim)``
returns ``(values, indices)`` and sends each gradient to the one element its
index names, which is how PyTorch differentiates it.
"""
from __future__ import annotations

import builtins

import numpy as np

from minidl.autograd.naming import name_grad_fn
from minidl.autograd.versions import saved_by_node

from .. import return_types
from ..autograd import Function
from ..backend import get_array_module, index_add
from ..tensor import Tensor, as_tensor
from .complex_conj import refuse_complex
from .reduction import Max, _aliases, _norm_axis

__all__ = ["max", "min", "amax", "amin", "argmax", "argmin", "gather", "topk", "sort", "argsort", "all", "any"]


class Gather(Function):
    """take_along_axis(x, index, dim); the gradient is scatter-added back (repeats add up)."""

    _saved_inputs = {0: None}   # PyTorch saves self and index (gather())

    def forward(self, x, index=None, dim=0, grid=False):
        self.in_shape, self.index, self.dim = x.shape, index, dim
        xp = get_array_module(x)
        if grid:   # torch.gather: the index may be smaller than x in the other dims (no broadcasting)
            grids = list(xp.ogrid[tuple(slice(0, n) for n in index.shape)])
            grids[dim] = index
            return x[tuple(grids)]
        return xp.take_along_axis(x, index, axis=dim)

    def backward(self, g):
        xp = get_array_module(g)
        gx = xp.zeros(self.in_shape, dtype=g.dtype)
        grids = list(xp.ogrid[tuple(slice(0, n) for n in self.index.shape)])
        grids[self.dim] = self.index
        index_add(gx, tuple(grids), g)
        return gx

    def backward_graph(self, g):
        # gathering along dim is x[grids] with open grids for the other dims: its gradient is the
        # recorded scatter-add IndexScatter, whose own gradient is that indexing again (GetItem)
        from .shape import IndexScatter
        xp = get_array_module(g.array)
        grids = list(xp.ogrid[tuple(slice(0, n) for n in self.index.shape)])
        grids[self.dim] = self.index
        return IndexScatter.apply(g, in_shape=self.in_shape, index=tuple(grids))


class Min(Function):
    """min(x, axes); the gradient is shared equally between tied minima."""

    def name(self):
        """PyTorch's node name: ``MinBackward1`` for ``x.min()``, ``AminBackward0`` along dims (``amin``)."""
        return "MinBackward1" if self.axes is None else "AminBackward0"

    def forward(self, x, axes=None, keepdims=False):
        self.max, self.axes = Max(), axes
        if x.dtype.kind in "ub":  # unsigned and bool values cannot be negated (and need no gradient)
            return x.min(axis=axes, keepdims=keepdims)
        return -self.max.forward(-x, axes=axes, keepdims=keepdims)

    def backward(self, g):
        return -self.max.backward(-g)

    def backward_graph(self, g):
        return -self.max.backward_graph(-g)


def _coerce(value):
    """A Tensor for ``value`` (NumPy/CuPy arrays and lists are wrapped, as ``torch.max(outputs.data, 1)`` needs)."""
    from ..tensor import Tensor, as_tensor
    return value if isinstance(value, Tensor) else as_tensor(value)


def _dim(dim, ndim):
    from .shape import _dim as check
    return check(dim, ndim)


def gather(input, dim, index, *, sparse_grad=False):
    """``out[i][j] = input[index[i][j]][j]`` for dim 0 (and so on): values picked along ``dim``."""
    input = _coerce(input)
    xp = get_array_module(input.array)
    nd = builtins.max(input.array.ndim, 1)   # a 0-d input or index counts as one element along dim 0
    d = _dim(dim, nd)
    idx = index.array if isinstance(index, Tensor) else xp.asarray(index)
    if idx.dtype.kind not in "iu":
        raise RuntimeError("gather(): Expected dtype int32/int64 for index")
    if builtins.max(idx.ndim, 1) != nd:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    out_shape = idx.shape
    x = input
    if input.array.ndim == 0:
        from .shape import reshape
        x = reshape(input, (1,))
    idx = idx.reshape(idx.shape or (1,))
    size = x.array.shape
    for i in range(nd):
        if i != d and idx.shape[i] > size[i]:
            raise RuntimeError(f"Size does not match at dimension {i} expected index {list(idx.shape)} to be no "
                               f"larger than self {list(size)} apart from dimension {d}")
    bad = (idx < 0) | (idx >= size[d])
    if bad.any():
        raise RuntimeError(f"index {int(idx[bad].reshape(-1)[0])} is out of bounds for dimension {d} with size "
                           f"{size[d]}")
    out = Gather.apply(x, index=idx.astype(np.int64, copy=False), dim=d, grid=True)
    saved_by_node(out, input, index)   # PyTorch's GatherBackward0 saves self and index
    if tuple(out_shape) != tuple(idx.shape):
        from .shape import reshape
        out = reshape(out, tuple(out_shape))
    return out


def _with_dim(name, input, dim, keepdim, argfn):
    """(values, indices) along ``dim``, the values a Gather so the gradient reaches the chosen elements."""
    x = input.array
    d = _dim(dim, x.ndim)
    if x.ndim and x.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")
    if x.ndim == 0:
        from .layout import Clone
        return getattr(return_types, name)(Clone.apply(input), Tensor(np.zeros((), np.int64)))
    idx = argfn(x, axis=d, keepdims=True).astype(np.int64, copy=False)
    values = saved_by_node(Gather.apply(input, index=idx, dim=d))   # PyTorch's node saves the indices only
    if not keepdim:
        from .shape import squeeze
        values = squeeze(values, d)
        idx = idx.reshape(idx.shape[:d] + idx.shape[d + 1:])
    node = {"max": "MaxBackward0", "min": "MinBackward0", "median": "MedianBackward1", "mode": "ModeBackward0",
            "kthvalue": "KthvalueBackward0"}.get(name)
    indices = Tensor(idx)
    return getattr(return_types, name)(name_grad_fn(values, node, saved=(indices,)) if node else values, indices)


def _reduce_or_pair(name, input, dim, keepdim, other, argfn, pairwise, full):
    if isinstance(dim, Tensor):  # max(a, b): elementwise
        dim, other = None, dim
    if other is not None:
        return pairwise(input, other)
    refuse_complex(f'"{name}_all" not implemented for \'{{type}}\'' if dim is None else
                   f"{name}(): does not support complex input", input,
                   error=NotImplementedError if dim is None else RuntimeError)
    if dim is None:
        if input.array.size == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        return full.apply(input, axes=None, keepdims=False)
    return _with_dim(name, input, dim, keepdim, argfn)


def max(input, dim=None, keepdim=False, *, other=None, axis=None, keepdims=None):
    """The maximum: of everything (0-d tensor), along ``dim`` (``(values, indices)``), or elementwise with a tensor.

    >>> import minidl as mdl
    >>> v, i = mdl.tensor([[1., 5.], [3., 2.]]).max(1)
    >>> v.tolist(), i.tolist()
    ([5.0, 3.0], [1, 0])
    """
    input = _coerce(input)
    from .math import maximum
    dim, keepdim = _aliases(dim, keepdim, axis, keepdims)
    xp = get_array_module(input.array)
    return _reduce_or_pair("max", input, dim, keepdim, other, xp.argmax, maximum, Max)


def min(input, dim=None, keepdim=False, *, other=None, axis=None, keepdims=None):
    """The minimum: of everything (0-d tensor), along ``dim`` (``(values, indices)``), or elementwise with a tensor."""
    input = _coerce(input)
    from .math import minimum
    dim, keepdim = _aliases(dim, keepdim, axis, keepdims)
    xp = get_array_module(input.array)
    return _reduce_or_pair("min", input, dim, keepdim, other, xp.argmin, minimum, Min)


def _check_empty_reduction(name, x, dim, normalize=False):
    """PyTorch's errors for reducing an empty tensor: all of it (no ``dim``), or along a zero-size dim."""
    if x.size == 0 and (dim is None or dim == () or dim == []):
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                           "Specify the reduction dim with the 'dim' argument.")
    if x.size == 0 and x.ndim:
        for d in (dim if isinstance(dim, (tuple, list)) else (dim,)):
            if x.shape[_dim(d, x.ndim)] == 0:
                shown = _dim(d, x.ndim) if normalize else d
                raise IndexError(f"{name}(): Expected reduction dim {shown} to have non-zero size.")


def amax(input, dim=(), keepdim=False, *, axis=None, keepdims=None):
    """Maximum over ``dim`` (an int, a tuple, or () / None for all); ties share the gradient evenly."""
    input = _coerce(input)
    dim, keepdim = _aliases(dim, keepdim, axis, keepdims)
    axes = None if dim is None or dim == () else _norm_axis(dim, input.array.ndim)
    refuse_complex('"max_values_cpu" not implemented for \'{type}\'', input)
    _check_empty_reduction("amax", input.array, dim)
    return Max.apply(input, axes=axes, keepdims=keepdim)


def amin(input, dim=(), keepdim=False, *, axis=None, keepdims=None):
    """Minimum over ``dim`` (an int, a tuple, or () / None for all); ties share the gradient evenly."""
    input = _coerce(input)
    dim, keepdim = _aliases(dim, keepdim, axis, keepdims)
    axes = None if dim is None or dim == () else _norm_axis(dim, input.array.ndim)
    refuse_complex('"min_values_cpu" not implemented for \'{type}\'', input)
    _check_empty_reduction("amin", input.array, dim)
    return Min.apply(input, axes=axes, keepdims=keepdim)


def _arg(fn, name, input, dim, keepdim, axis, keepdims):
    refuse_complex(f"{name}(): does not support complex input", input, error=RuntimeError)
    if input.array.dtype == np.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    dim, keepdim = _aliases(dim, keepdim, axis, keepdims)
    x = input.array
    if x.size == 0 and dim is None:
        raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
    _check_empty_reduction(name, x, dim, normalize=True)
    if dim is None:
        out = fn(x.reshape(-1), axis=0)
        if keepdim:
            out = out.reshape((1,) * x.ndim)
    else:
        out = fn(x, axis=_dim(dim, x.ndim), keepdims=keepdim) if x.ndim else fn(x.reshape(1), axis=0)
    return Tensor(get_array_module(x).asarray(out).astype(np.int64, copy=False))


def argmax(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Index of the maximum (of the flattened tensor without ``dim``), int64, first one on ties."""
    input = _coerce(input)
    return _arg(get_array_module(input.array).argmax, "argmax", input, dim, keepdim, axis, keepdims)


def argmin(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Index of the minimum (of the flattened tensor without ``dim``), int64, first one on ties."""
    input = _coerce(input)
    return _arg(get_array_module(input.array).argmin, "argmin", input, dim, keepdim, axis, keepdims)


def _logical(fn, input, dim, keepdim, axis, keepdims):
    empty = isinstance(dim, (tuple, list)) and len(dim) == 0   # all/any over no dims: elementwise, as PyTorch
    dim, keepdim = _aliases(dim, keepdim, axis, keepdims)
    x = input.array
    axes = () if empty else None if dim is None else _norm_axis(dim, x.ndim)
    kind = np.uint8 if x.dtype == np.uint8 else bool   # PyTorch keeps uint8 for uint8 input
    return Tensor(get_array_module(x).asarray(fn(x, axis=axes, keepdims=keepdim)).astype(kind, copy=False))


def all(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """True where every element (along ``dim``) is non-zero; a bool tensor."""
    input = _coerce(input)
    return _logical(get_array_module(input.array).all, input, dim, keepdim, axis, keepdims)


def any(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """True where some element (along ``dim``) is non-zero; a bool tensor."""
    input = _coerce(input)
    return _logical(get_array_module(input.array).any, input, dim, keepdim, axis, keepdims)


def sort(input, dim=-1, descending=False, stable=False):
    """``(values, indices)`` sorted along ``dim`` (ascending unless ``descending``); values differentiable."""
    input = _coerce(input)
    refuse_complex("Sort does not support complex dtypes on CPU", input, error=RuntimeError)
    x = input.array
    xp = get_array_module(x)
    if x.ndim == 0:
        from .layout import Clone
        return return_types.sort(Clone.apply(input), Tensor(xp.zeros((), np.int64)))
    d = _dim(dim, x.ndim)
    if descending and x.dtype.kind in "fi":
        idx = xp.argsort(-x, axis=d, kind="stable")
        if x.dtype.kind == "f":   # NaN sorts as the largest value: first when descending, as PyTorch
            nan_last = ~xp.isnan(xp.take_along_axis(x, idx, axis=d))
            idx = xp.take_along_axis(idx, xp.argsort(nan_last, axis=d, kind="stable"), axis=d)
    elif descending:  # bool / unsigned: negation would wrap around; flipping the bits keeps ties in order
        idx = xp.argsort(~x, axis=d, kind="stable")
    else:
        idx = xp.argsort(x, axis=d, kind="stable")
    idx = idx.astype(np.int64, copy=False)
    return return_types.sort(name_grad_fn(Gather.apply(input, index=idx, dim=d), "SortBackward0"), Tensor(idx))


def argsort(input, dim=-1, descending=False, stable=False):
    """Indices that sort ``input`` along ``dim``."""
    return sort(input, dim, descending, stable).indices


def topk(input, k, dim=-1, largest=True, sorted=True):
    """``(values, indices)`` of the ``k`` largest (or smallest) elements along ``dim``."""
    input = _coerce(input)
    x = input.array
    if x.dtype == np.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    if x.dtype.kind == "c":
        raise RuntimeError(" topk does not support complex dtypes on CPU")   # PyTorch's text, leading space too
    d = _dim(dim, builtins.max(x.ndim, 1))
    n = x.shape[d] if x.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"selected index k out of range: k={k} for dimension {dim} of size {n}")
    if x.ndim == 0:   # a 0-d tensor is its own (only) element
        from .layout import Clone
        return return_types.topk(Clone.apply(input), Tensor(get_array_module(x).zeros((), np.int64)))
    values, indices = sort(input, d, descending=largest)
    index = (slice(None),) * d + (slice(0, k),)
    idx = indices.array[index]
    return return_types.topk(name_grad_fn(Gather.apply(as_tensor(input), index=idx, dim=d), "TopkBackward0"),
                             Tensor(idx))
