"""Order statistics and counting: ``median``, ``quantile``, ``mode``, ``kthvalue``, ``unique``, ``bincount``,
``searchsorted``/``bucketize``, index helpers (``argwhere``, ``unravel_index``, ``tril_indices``) and
distances (``cdist``, ``dist``).

Values picked from the input (median, quantile, kthvalue, mode) are gathered
with a differentiable op, so gradients flow to the chosen elements.

>>> import minidl as mdl
>>> mdl.median(mdl.tensor([3.0, 1.0, 2.0, 4.0])).item()
2.0
>>> mdl.bucketize(mdl.tensor([1, 5, 9]), mdl.tensor([2, 4, 6, 8])).tolist()
[0, 2, 4]
"""
from __future__ import annotations

import builtins
import numbers

import numpy as np

from minidl.autograd.naming import name_grad_fn, names_node
from minidl.dtypes import is_floating

from . import backend, return_types
from .autograd import Function
from .backend import get_array_module
from .ops import math as _math
from .ops import reduction as _reduction
from .ops import shape as _shape
from .ops.elementwise import Where
from .ops.extrema import Gather
from .ops.statistics import std_mean, var_mean  # noqa: F401  (re-exported)
from .tensor import Tensor, as_tensor

__all__ = ["median", "nanmedian", "quantile", "nanquantile", "mode", "kthvalue", "std_mean", "var_mean", "unique",
           "unique_consecutive", "bincount", "histc", "searchsorted", "bucketize", "argwhere", "unravel_index",
           "tril_indices", "triu_indices", "cdist", "dist", "cov", "corrcoef", "aminmax"]


def _t(value):
    return value if isinstance(value, Tensor) else as_tensor(value)


def _sorted_with_nan_last(x, d):
    """Stable argsort along ``d`` (NaN sorts last in NumPy/CuPy, as needed here)."""
    return get_array_module(x).argsort(x, axis=d, kind="stable").astype(np.int64)


def _pick(name, input, dim, keepdim, position_fn):
    """Gather, along ``dim``, the element of sorted rank ``position_fn(sorted values, counts)``."""
    input = _t(input)
    x = input.array
    xp = get_array_module(x)
    if dim is None:
        flat = _shape.reshape(input, -1)
        if flat.array.size == 0:   # PyTorch: the median of nothing is NaN
            return Tensor(xp.asarray(np.nan, dtype=x.dtype if is_floating(x.dtype) else np.float32))
        result = _pick(name, flat, 0, False, position_fn)
        if not input.requires_grad:
            return result.values
        # PyTorch shares the gradient of median() evenly between the elements equal to it (NaN: the NaNs)
        return name_grad_fn(_TiedShare.apply(flat, value=result.values.array), _NODE_NAMES[name] + "0")
    nd = builtins.max(x.ndim, 1)
    d = _shape._dim(dim, nd)
    scalar = x.ndim == 0
    if scalar:
        input = _shape.reshape(input, 1)
        x = input.array
    if x.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    order = _sorted_with_nan_last(x, d)
    rank = position_fn(xp.take_along_axis(x, order, axis=d), d)         # keepdims-shaped int64 array of ranks
    idx = xp.take_along_axis(order, rank, axis=d)
    values = Gather.apply(input, index=idx, dim=d)
    if not keepdim or scalar:
        values = _shape.squeeze(values, d)
        idx = idx.squeeze(axis=d)
    name_grad_fn(values, _NODE_NAMES[name] + ("0" if name == "kthvalue" else "1"))
    return getattr(return_types, name)(values, Tensor(idx))


class _TiedShare(Function):
    """A 0-d ``value`` picked from ``x`` (N,), whose gradient goes in equal shares to the elements equal to it."""

    def forward(self, x, value=None):
        xp = get_array_module(x)
        tied = xp.isnan(x) if is_floating(x.dtype) and xp.isnan(value) else x == value
        self.share = tied.astype(x.dtype) / x.dtype.type(tied.sum())
        return xp.asarray(value)

    def backward(self, g):
        return g * self.share

    def backward_graph(self, g):
        return g * Tensor(self.share)


# PyTorch's nodes: MedianBackward0 for all elements, MedianBackward1 along a dim (KthvalueBackward0 always)
_NODE_NAMES = {"median": "MedianBackward", "nanmedian": "NanmedianBackward", "kthvalue": "KthvalueBackward"}


def _lower_median_rank(skip_nan):
    def rank(s, d):
        xp = get_array_module(s)
        n = s.shape[d]
        if not is_floating(s.dtype):
            return xp.full(s.shape[:d] + (1,) + s.shape[d + 1:], (n - 1) // 2, dtype=np.int64)
        valid = (~xp.isnan(s)).sum(axis=d, keepdims=True)
        if skip_nan:
            return xp.maximum((valid - 1) // 2, 0).astype(np.int64)
        # a row with NaN gives NaN: the first NaN, which sorts at rank `valid`
        return xp.where(valid < n, valid, (n - 1) // 2).astype(np.int64)
    return rank


def median(input, dim=None, keepdim=False):
    """The lower median (of all elements, or ``(values, indices)`` along ``dim``); NaN if a row has NaN."""
    from .ops.kernel_guards import dtype_of, refuse_kinds
    refuse_kinds("median_cpu" if dim is None else "median_out", dtype_of(_t(input)), "bc")
    return _pick("median", input, dim, keepdim, _lower_median_rank(False))


def nanmedian(input, dim=None, keepdim=False):
    """As ``median``, ignoring NaN (NaN only where a row is all NaN)."""
    from .ops.kernel_guards import dtype_of, refuse_kinds
    refuse_kinds("median_cpu" if dim is None else "median_out", dtype_of(_t(input)), "bc")
    return _pick("nanmedian", input, dim, keepdim, _lower_median_rank(True))


def kthvalue(input, k, dim=-1, keepdim=False):
    """``(values, indices)``: the ``k``-th smallest element (1-based) along ``dim``."""
    x = _t(input).array
    n = x.shape[_shape._dim(dim, builtins.max(x.ndim, 1))] if x.ndim else 1
    if n == 0:
        raise IndexError(f"kthvalue(): Expected reduction dim {_shape._dim(dim, x.ndim)} to have non-zero size.")
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim} (k={k}, size {n})")

    def rank(s, d):
        return get_array_module(s).full(s.shape[:d] + (1,) + s.shape[d + 1:], k - 1, dtype=np.int64)
    return _pick("kthvalue", input, dim, keepdim, rank)


def mode(input, dim=-1, keepdim=False):
    """``(values, indices)``: the most frequent value along ``dim`` (the smallest of ties) and its last index."""
    input = _t(input)
    x = input.array
    if x.dtype.kind == "c":
        from .ops.kernel_guards import torch_name
        raise NotImplementedError(f"\"mode_cpu\" not implemented for '{torch_name(x.dtype)}'")
    xp = get_array_module(x)
    nd = builtins.max(x.ndim, 1)
    d = _shape._dim(dim, nd)
    if x.ndim and x.shape[d] == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    if x.size == 0:   # empty in another dim: empty values and indices
        shape = x.shape[:d] + ((1,) if keepdim else ()) + x.shape[d + 1:]
        return return_types.mode(Tensor(xp.zeros(shape, x.dtype)), Tensor(xp.zeros(shape, np.int64)))
    src = x.reshape(1) if x.ndim == 0 else x
    moved = np.moveaxis(backend.to_numpy(src), d, -1)
    rows = moved.reshape(-1, moved.shape[-1])
    best_idx = np.zeros(rows.shape[0], dtype=np.int64)
    for r, row in enumerate(rows):
        values, counts = np.unique(row, return_counts=True)
        v = values[np.argmax(counts)]
        best_idx[r] = np.nonzero(row == v)[0][-1] if v == v else np.nonzero(row != row)[0][-1]
    idx = np.expand_dims(best_idx.reshape(moved.shape[:-1]), d)
    idx = xp.asarray(idx) if xp is not np else idx
    values = Gather.apply(input if x.ndim else _shape.reshape(input, 1), index=idx, dim=d)
    if not keepdim or x.ndim == 0:
        values, idx = _shape.squeeze(values, d), idx.squeeze(axis=d)
    return return_types.mode(values, Tensor(idx))


def _quantile(name, input, q, dim, keepdim, interpolation, skip_nan):
    input = _t(input)
    if input.array.dtype not in (np.float32, np.float64):
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if interpolation not in ("linear", "lower", "higher", "midpoint", "nearest"):
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest. "
                           f"Got {interpolation}")
    xp = get_array_module(input.array)
    scalar_q = isinstance(q, numbers.Number) or (isinstance(q, Tensor) and q.array.ndim == 0)
    qs = np.atleast_1d(backend.to_numpy(q.array) if isinstance(q, Tensor) else np.asarray(q, dtype=np.float64))
    if qs.ndim > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
    if ((qs < 0) | (qs > 1)).any():
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    if dim is None:
        src, d = _shape.reshape(input, -1), 0
    else:
        src, d = input, _shape._dim(dim, builtins.max(input.array.ndim, 1))
    if src.array.ndim == 0:
        src = _shape.reshape(src, 1)
    x = src.array
    if x.shape[d] == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")   # PyTorch's text (nanquantile too)
    order = _sorted_with_nan_last(x, d)
    sorted_vals = Gather.apply(src, index=order, dim=d)
    nan_count = xp.isnan(x).sum(axis=d, keepdims=True)
    valid = x.shape[d] - nan_count if skip_nan else xp.full(nan_count.shape, x.shape[d])
    outs = []
    for qv in qs:
        pos = qv * (xp.maximum(valid, 1) - 1).astype(np.float64)
        lo, hi = xp.floor(pos).astype(np.int64), xp.ceil(pos).astype(np.int64)
        if interpolation == "lower":
            hi = lo
        elif interpolation == "higher":
            lo = hi
        elif interpolation == "nearest":
            lo = hi = xp.rint(pos).astype(np.int64)
        a, b = Gather.apply(sorted_vals, index=lo, dim=d), Gather.apply(sorted_vals, index=hi, dim=d)
        w = 0.5 if interpolation == "midpoint" else (pos - lo).astype(x.dtype)
        value = a + (b - a) * (Tensor(w) if not isinstance(w, float) else w)
        bad = (valid == 0) if skip_nan else (nan_count > 0)
        value = Where.apply(Tensor(xp.asarray(np.nan, dtype=x.dtype)), value, cond=bad)
        if dim is None:
            value = _shape.reshape(value, *((1,) * input.array.ndim if keepdim else ()))
        elif not keepdim:
            value = _shape.squeeze(value, d)
        outs.append(value)
    return outs[0] if scalar_q else _shape.stack(outs, 0)


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The ``q``-quantiles (a number or a 1-D tensor in [0, 1]) of all elements or along ``dim``; NaN if a row
    has NaN. ``interpolation``: linear, lower, higher, midpoint or nearest. A 1-D ``q`` adds a leading dim."""
    return _quantile("quantile", input, q, dim, keepdim, interpolation, False)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """As ``quantile``, ignoring NaN."""
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, True)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values (sorted), optionally with the inverse indices and the counts; with ``dim``, the
    distinct slices along it."""
    from minidl.ops.complex_conj import refuse_complex
    refuse_complex('"unique" not implemented for \'{type}\'', input)   # as PyTorch
    input = _t(input)
    x = backend.to_numpy(input.array)
    res = np.unique(x, return_inverse=True, return_counts=True, axis=dim)
    values, inverse, counts = res
    inverse = inverse.reshape(x.shape if dim is None else (x.shape[dim],)).astype(np.int64)
    device = input.device
    out = [Tensor(backend.to_device(values, device))]
    if return_inverse:
        out.append(Tensor(backend.to_device(inverse, device)))
    if return_counts:
        out.append(Tensor(backend.to_device(counts.astype(np.int64), device)))
    return out[0] if len(out) == 1 else tuple(out)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapse runs of equal consecutive values (or slices along ``dim``) into one."""
    input = _t(input)
    x = backend.to_numpy(input.array)
    moved = x.reshape(-1) if dim is None else np.moveaxis(x, dim, 0)
    n = moved.shape[0]
    if n == 0:
        starts = np.zeros(0, dtype=np.int64)
    else:
        change = np.ones(n, dtype=bool)
        if n > 1:   # a single element (a 0-d input too) starts the only run
            change[1:] = (moved[1:] != moved[:-1]).reshape(n - 1, -1).any(axis=1)
        starts = np.nonzero(change)[0]
    values = moved[starts] if dim is None else np.moveaxis(moved[starts], 0, dim)
    device = input.device
    out = [Tensor(backend.to_device(np.ascontiguousarray(values), device))]
    if return_inverse:
        inv = (np.cumsum(change) - 1 if n else np.zeros(0, np.int64)).astype(np.int64)
        out.append(Tensor(backend.to_device(inv.reshape(x.shape) if dim is None else inv, device)))
    if return_counts:
        out.append(Tensor(backend.to_device(np.diff(np.append(starts, n)).astype(np.int64), device)))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(input, weights=None, minlength=0):
    """Counts of each value of a 1-D non-negative integer tensor (the sums of ``weights`` there, if given)."""
    input = _t(input)
    x = input.array
    if x.ndim != 1 or x.dtype.kind not in "iub":
        raise RuntimeError(f"bincount only supports 1-d non-negative integral inputs, got shape "
                           f"{list(x.shape)} and dtype {input.dtype}")
    if x.size and int(x.min()) < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    xp = get_array_module(x)
    if weights is None:
        return Tensor(xp.bincount(x, minlength=minlength).astype(np.int64))
    w = _t(weights).array
    if w.shape != x.shape:
        raise RuntimeError(f"weights should be 1-d and have the same length as input, got {list(w.shape)}")
    out_dtype = w.dtype if is_floating(w.dtype) else np.float64
    return Tensor(xp.bincount(x, weights=w, minlength=minlength).astype(out_dtype))


def histc(input, bins=100, min=0, max=0):
    """A histogram of ``bins`` equal bins over [min, max] (the data's range when both are 0)."""
    from minidl.ops.complex_conj import refuse_complex
    refuse_complex('"aminmax_cpu" not implemented for \'{type}\'', input)   # as PyTorch
    input = _t(input)
    x = backend.to_numpy(input.array).astype(np.float64).reshape(-1)
    lo, hi = float(min), float(max)
    if lo == hi and x.size:
        lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    counts, _ = np.histogram(x[(x >= lo) & (x <= hi)], bins=bins, range=(lo, hi))
    return Tensor(backend.to_device(counts.astype(input.array.dtype), input.device))


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    """Where each value of ``input`` would go into ``sorted_sequence`` (1-D, or rows matching ``input``'s
    leading dims) to keep it sorted; ``right``/``side="right"`` puts it after equal values."""
    seq = _t(sorted_sequence)
    values = input if isinstance(input, Tensor) else as_tensor(input, like=seq)
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    s, v = seq.array, values.array
    xp = get_array_module(s)
    if sorter is not None:
        s = xp.take_along_axis(s, _t(sorter).array, axis=-1)
    how = "right" if right else "left"
    if s.ndim == 1:
        out = xp.searchsorted(s, v, side=how)
    else:
        if s.shape[:-1] != v.shape[:-1]:
            raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                               f"dimensions of boundaries tensor and input value tensor must match, but we got "
                               f"boundaries tensor {list(s.shape)} and input value tensor {list(v.shape)}")
        rows_s, rows_v = s.reshape(-1, s.shape[-1]), v.reshape(-1, v.shape[-1])
        out = xp.stack([xp.searchsorted(a, b, side=how) for a, b in zip(rows_s, rows_v)]).reshape(v.shape)
    return Tensor(xp.asarray(out, dtype=np.int32 if out_int32 else np.int64))


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket index of each element of ``input`` for the sorted 1-D ``boundaries``:
    ``boundaries[i-1] < x <= boundaries[i]`` (``right=True``: ``boundaries[i-1] <= x < boundaries[i]``)."""
    b = _t(boundaries)
    if b.array.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({b.array.ndim})")
    return searchsorted(b, input, out_int32=out_int32, right=right)


def argwhere(input):
    """The indices of the non-zero elements, an (n, ndim) int64 tensor (as ``nonzero``)."""
    return _shape.nonzero(_t(input))


def unravel_index(indices, shape):
    """Flat indices as a tuple of coordinate tensors for ``shape`` (one per dimension); indices outside
    [-numel, numel) wrap around, as PyTorch's do."""
    idx = _t(indices)
    if idx.array.dtype.kind not in "iu":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {idx.dtype}")
    shape = (shape,) if isinstance(shape, numbers.Integral) else tuple(int(s) for s in shape)
    total = int(np.prod(shape))
    flat = idx.array   # out-of-range indices wrap around, as in PyTorch
    xp = get_array_module(flat)
    parts = xp.unravel_index(flat % builtins.max(total, 1), shape)
    return tuple(Tensor(xp.asarray(p, dtype=np.int64)) for p in parts)


def _tri_indices(row, col, offset, lower, dtype, device):
    from .dtypes import to_numpy_dtype
    mask = np.tri(row, col, k=offset, dtype=bool) if lower else ~np.tri(row, col, k=offset - 1, dtype=bool)
    out = np.stack(np.nonzero(mask)).astype(to_numpy_dtype(dtype) or np.int64)
    return Tensor(backend.to_device(out, backend.device_or_default(device)))


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (2, N) coordinates of the lower triangle (on and below ``offset``) of a row x col matrix."""
    return _tri_indices(row, col, offset, True, dtype, device)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (2, N) coordinates of the upper triangle (on and above ``offset``) of a row x col matrix."""
    return _tri_indices(row, col, offset, False, dtype, device)


def _pnorm(diff, p, dims):
    """The p-norm of ``diff`` over ``dims`` with a zero (not NaN) gradient where it is 0."""
    xp = get_array_module(diff.array)
    a = _math.abs(diff)
    if p == 0:
        return _reduction.sum(Tensor((diff.array != 0).astype(diff.array.dtype)), dims)
    if p == float("inf"):
        return _reduction.max(a, dims) if isinstance(dims, int) else _reduction.max(_shape.reshape(a, -1), 0)[0]
    powered = a * a if p == 2 else a ** p
    s = _reduction.sum(powered, dims)
    zero = s.array == 0
    one = Tensor(xp.ones((), dtype=s.array.dtype))
    safe = Where.apply(one, s, cond=zero)
    root = _math.sqrt(safe) if p == 2 else safe ** (1.0 / p)
    return Where.apply(Tensor(xp.zeros((), dtype=s.array.dtype)), root, cond=zero)


@names_node("CdistBackward0")   # PyTorch's node name
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """Pairwise p-norm distances between the rows of (..., P, M) and (..., R, M) tensors: (..., P, R)."""
    a, b = _t(x1), _t(x2)
    if a.array.ndim < 2 or b.array.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {a.array.ndim}D")
    if a.array.shape[-1] != b.array.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {a.array.shape[-1]} "
                           f"X2: {b.array.shape[-1]}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    diff = _shape.unsqueeze(a, -2) - _shape.unsqueeze(b, -3)
    return _pnorm(diff, p, -1)


@names_node("DistBackward0")
def dist(input, other, p=2):
    """The p-norm of ``input - other`` (broadcast), a 0-d tensor."""
    from .ops.kernel_guards import promoted, refuse_kinds, torch_name
    target = promoted(input, other)
    refuse_kinds("", target, "iub", RuntimeError,
                 f"norm(): input dtype should be either floating point or complex. Got {torch_name(target)} instead.")
    diff = _shape.reshape(_t(input) - other, -1)
    return _pnorm(diff, float(p), 0)


def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance matrix of the variables in the rows of ``input`` (observations in the columns)."""
    x = _t(input)
    if x.array.ndim > 2:
        raise ValueError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                         f"{x.array.ndim} dimensions")
    x = _shape.reshape(x, 1, -1) if x.array.ndim < 2 else x
    x = _math._float(x)
    xp = get_array_module(x.array)
    n = x.array.shape[1]
    w = None
    real = x.array.real.dtype   # the weights are real for complex variables too
    if fweights is not None:
        w = _t(fweights).array.astype(real)
    if aweights is not None:
        aw = _t(aweights).array.astype(real)
        w = aw if w is None else w * aw
    if w is None:
        w = xp.ones(n, dtype=real)
    wt = Tensor(w)
    total = float(w.sum())
    mean = _reduction.sum(x * wt, 1, True) / total
    centred = x - mean
    if aweights is None or correction == 0:
        denom = total - correction
    else:
        denom = total - correction * float((w * xp.asarray(_t(aweights).array, dtype=w.dtype)).sum()) / total
    other = _shape.transpose(centred, 0, 1)
    other = other.conj() if other.array.dtype.kind == "c" else other   # complex: x x^H
    out = (centred * wt).matmul(other) / builtins.max(denom, 0)
    return _shape.squeeze(out, None) if x.array.shape[0] == 1 else out


def corrcoef(input):
    """The Pearson correlation coefficients of the variables in the rows of ``input``."""
    c = cov(input)
    if c.array.ndim == 0:
        return c / c
    d = _shape.GetItem.apply(c, index=(np.arange(c.array.shape[0]),) * 2)
    d = _math.sqrt(d.real if d.array.dtype.kind == "c" else d)
    c = c / _shape.unsqueeze(d, 1) / _shape.unsqueeze(d, 0)
    if c.array.dtype.kind == "c":   # PyTorch clips the real and imaginary parts
        from .ops.complex import complex as make_complex
        return make_complex(_elementwise_clip(c.real), _elementwise_clip(c.imag))
    return _elementwise_clip(c)


def _elementwise_clip(t):
    from .ops.elementwise import clamp
    return clamp(t, -1, 1)


def aminmax(input, *, dim=None, keepdim=False):
    """``(min, max)`` of all elements or along ``dim``, as a named tuple."""
    from .ops.extrema import amax, amin
    input = _t(input)
    if dim is None:
        return return_types.aminmax(amin(input, (), keepdim), amax(input, (), keepdim))
    return return_types.aminmax(amin(input, dim, keepdim), amax(input, dim, keepdim))


# PyTorch's ``out=`` keyword on the functions that take one.
from ._out_arg import with_out as _with_out  # noqa: E402

for _name in ("quantile", "nanquantile", "bucketize", "searchsorted", "histc", "dist"):
    globals()[_name] = _with_out(globals()[_name], _name)
del _name
