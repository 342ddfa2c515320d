"""Further ``torch.*`` functions: comparison aliases (``greater``, ``less_equal``, ...), NaN-ignoring extrema
(``fmax``/``fmin``), integer helpers (``gcd``, ``lcm``), dtype queries (``result_type``, ``can_cast``), the
``*_scatter`` family and ``scatter_reduce``/``index_put``/``masked_scatter``, integration (``trapezoid``),
distances (``pdist``, ``cosine_similarity``), ``histogram``, ``combinations``, ``renorm`` and a few matrix
helpers (``addr``, ``chain_matmul``, ``cholesky_solve``, ``cholesky_inverse``).

All are built from differentiable minidl ops where PyTorch's are differentiable.

>>> import minidl as mdl
>>> mdl.fmax(mdl.tensor([1.0, float("nan")]), mdl.tensor([2.0, 0.0])).tolist()
[2.0, 0.0]
>>> mdl.trapezoid(mdl.tensor([1.0, 2.0, 3.0])).item()
4.0
"""
from __future__ import annotations

import builtins
import itertools

import numpy as np

from minidl.dtypes import is_floating

from . import backend, return_types
from .backend import get_array_module
from .dtypes import as_dtype, to_numpy_dtype
from .ops import compare as _compare
from .ops import math as _math
from .ops import reduction as _reduction
from .ops import shape as _shape
from .ops.elementwise import Where
from .tensor import Tensor, as_tensor

__all__ = ["absolute", "fmax", "fmin", "greater", "greater_equal", "less", "less_equal", "not_equal", "positive",
           "sgn", "rsub", "is_nonzero", "is_same_size", "is_complex", "is_signed", "result_type", "promote_types",
           "can_cast", "gcd", "lcm", "ldexp", "nextafter", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
           "combinations", "scatter_reduce", "select_scatter", "slice_scatter", "diagonal_scatter", "index_put",
           "masked_scatter", "matrix_exp", "chain_matmul", "cholesky_solve", "cholesky_inverse", "addr", "dsplit",
           "histogram", "trapezoid", "trapz", "cumulative_trapezoid", "pdist", "cosine_similarity",
           "pairwise_distance", "renorm", "vander"]

greater, greater_equal, less, less_equal, not_equal = _compare.gt, _compare.ge, _compare.lt, _compare.le, _compare.ne
bitwise_and, bitwise_or, bitwise_xor, bitwise_not = (_compare.bitwise_and, _compare.bitwise_or, _compare.bitwise_xor,
                                                     _compare.bitwise_not)


def _t(value, like=None):
    if isinstance(value, Tensor):
        return value
    return as_tensor(value, like=like) if like is not None else as_tensor(value)


def absolute(input):
    """|input| (as ``abs``)."""
    return _math.abs(input)


def _fextreme(name, input, other, pick_first):
    a, b = _math.promote(name, input, other)
    xp = get_array_module(a.array)
    shape = np.broadcast_shapes(a.array.shape, b.array.shape)
    a = a if a.array.shape == shape else _shape.expand(a, *shape)
    b = b if b.array.shape == shape else _shape.expand(b, *shape)
    with np.errstate(invalid="ignore"):
        first = pick_first(a.array, b.array) | xp.isnan(b.array)
    return Where.apply(a, b, cond=first)


def fmax(input, other):
    """Elementwise maximum that ignores NaN (NaN only where both are NaN); the gradient goes to the chosen one."""
    from .ops.kernel_guards import promoted, refuse_kinds
    refuse_kinds("", promoted(input, other), "c", RuntimeError, "fmax not implemented for complex tensors.")
    return _fextreme("fmax", input, other, lambda x, y: x >= y)


def fmin(input, other):
    """Elementwise minimum that ignores NaN (NaN only where both are NaN); the gradient goes to the chosen one."""
    from .ops.kernel_guards import promoted, refuse_kinds
    refuse_kinds("", promoted(input, other), "c", RuntimeError, "fmin not implemented for complex tensors.")
    return _fextreme("fmin", input, other, lambda x, y: x <= y)


def positive(input):
    """``input`` itself (refused for bool tensors, as in PyTorch)."""
    input = _t(input)
    if input.array.dtype == np.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def sgn(input):
    """The sign of each element: ``z / |z|`` (0 at 0) for complex tensors, as ``sign`` for real ones."""
    from .ops.elementwise import sign
    if isinstance(input, Tensor) and input.array.dtype.kind == "c":
        from .ops.complex_conj import sgn as complex_sgn
        return complex_sgn(input)
    return sign(input)


def rsub(input, other, *, alpha=1):
    """``other - alpha * input`` (its node is PyTorch's ``RsubBackward0``, or ``RsubBackward1`` for a number)."""
    from .autograd.naming import name_grad_fn
    result = _math.sub(other, input if alpha == 1 else _t(input) * alpha)
    return name_grad_fn(result, "RsubBackward0" if isinstance(other, Tensor) else "RsubBackward1")


def is_nonzero(input):
    """True when the single element of ``input`` is not zero (RuntimeError for other sizes)."""
    input = _t(input)
    n = input.numel()
    if n != 1:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous" if n == 0 else
                           "Boolean value of Tensor with more than one value is ambiguous")
    return builtins.bool(input.item() != 0)


def is_same_size(input, other):
    """True when both tensors have the same shape."""
    return tuple(_t(input).array.shape) == tuple(_t(other).array.shape)


def is_complex(input):
    """True for complex dtypes."""
    return _t(input).array.dtype.kind == "c"


def is_signed(input):
    """True for signed dtypes (floats and signed integers)."""
    return _t(input).array.dtype.kind in "fic"


def result_type(tensor1, tensor2):
    """The dtype PyTorch's promotion gives an operation on these two (tensors or numbers)."""
    from .dtypes import result_type as _rt
    return as_dtype(_rt(tensor1, tensor2))


def promote_types(type1, type2):
    """The dtype PyTorch promotes tensors of ``type1`` and ``type2`` to (int32 and float32 give float32)."""
    from .dtypes import result_type as _rt
    a, b = (Tensor(np.zeros((1,), to_numpy_dtype(t))) for t in (type1, type2))
    return as_dtype(_rt(a, b))


def can_cast(from_, to):
    """True when PyTorch's casting rules allow ``from_`` -> ``to`` (no float -> integer, nothing -> bool)."""
    order = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
    a, b = to_numpy_dtype(from_), to_numpy_dtype(to)
    return order[a.kind] <= order[b.kind]


def _integers(name, input, other):
    from .dtypes import result_type
    from .tensor_inplace import _torch_name
    a, b = _t(input), _t(other, like=_t(input))
    target = np.dtype(result_type(input, other))
    if target.kind not in "iu":   # PyTorch: the kernel exists for integer dtypes only (not bool)
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_torch_name(target)}'")
    return a.array.astype(target, copy=False), b.array.astype(target, copy=False)


def gcd(input, other):
    """Elementwise greatest common divisor of integer tensors."""
    a, b = _integers("gcd", input, other)
    return Tensor(get_array_module(a).gcd(a, b))


def lcm(input, other):
    """Elementwise least common multiple of integer tensors."""
    a, b = _integers("lcm", input, other)
    return Tensor(get_array_module(a).lcm(a, b))


def ldexp(input, other):
    """``input * 2 ** other`` in PyTorch's promoted dtype of both (the default float for integers)."""
    from .dtypes import default_float, is_float_or_complex, result_type
    target = np.dtype(result_type(input, other))
    target = target if is_float_or_complex(target) else default_float()
    return _math.mul(_math.cast(_t(input), target), _math.pow(2.0, _math.cast(_t(other), target)))


def nextafter(input, other):
    """The next representable floating-point value after ``input`` toward ``other``."""
    from .ops.kernel_guards import promoted, refuse_kinds
    refuse_kinds("nextafter_cpu", promoted(input, other), "iubc")
    a, b = _math.promote("nextafter", input, other)
    return Tensor(get_array_module(a.array).nextafter(a.array, b.array))


def combinations(input, r=2, with_replacement=False):
    """All length-``r`` combinations of the elements of a 1-D tensor, as rows (itertools' order)."""
    input = _t(input)
    if input.array.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.array.shape)}")
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = list(pick(range(input.array.shape[0]), r))
    if not rows:
        return Tensor(get_array_module(input.array).zeros((0,) if r else (0,), dtype=input.array.dtype))
    idx = backend.to_device(np.asarray(rows, dtype=np.int64), input.device)
    return _shape.GetItem.apply(input, index=idx)


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """``input`` with the ``src`` values at ``index`` (along ``dim``) reduced into it by ``reduce``: "sum",
    "prod", "mean", "amax" or "amin" (``include_self=False``: the old values at written positions are left out).
    Gradients: to the written and kept elements (ties of amax/amin share it evenly, as in PyTorch; "prod"
    handles zeros as PyTorch does)."""
    from .tensor_index_add import scatter_add
    from .tensor_scatter import _positions
    input, src = _t(input), _t(src)
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    shape = tuple(input.array.shape)
    d = _shape._dim(dim, len(shape))
    target, source = _positions(shape, d, index, tuple(src.array.shape))
    xp = get_array_module(input.array)
    n = int(np.prod(shape))
    written = np.zeros(n, dtype=bool)
    written[target] = True
    count = np.bincount(target, minlength=n).reshape(shape)
    written = written.reshape(shape)
    keep_self = backend.to_device(~written | include_self, input.device)
    src = src if src.array.dtype == input.array.dtype else src.to(dtype=input.dtype)
    zero = Tensor(xp.zeros((), input.array.dtype))
    if reduce in ("sum", "mean"):
        out = scatter_add(Where.apply(input, zero, cond=keep_self), d, index, src)
        if reduce == "mean":
            total = count + (~written | include_self)
            out = out / Tensor(backend.to_device(total.astype(input.array.dtype), input.device))
            if input.array.dtype.kind in "iub":
                out = Tensor(xp.floor(out.array).astype(input.array.dtype))
        return out
    flat_src = backend.to_numpy(src.array).reshape(-1)[source]
    if reduce == "prod":
        from ._scatter_prod import ScatterProd
        keep = keep_self if isinstance(keep_self, np.ndarray) else np.broadcast_to(keep_self, shape)
        return ScatterProd.apply(input, src, target=target, source=source, keep_self=keep)
    # amax / amin: every tied element gets weight 1/ties, so the weighted sum is the extreme value
    base = backend.to_numpy(input.array).reshape(-1).astype(np.float64)
    best = np.where(backend.to_numpy(keep_self).reshape(-1), base, np.inf if reduce == "amin" else -np.inf)
    (np.minimum if reduce == "amin" else np.maximum).at(best, target, flat_src.astype(np.float64))
    # PyTorch counts an excluded old value that equals the result as a tie too (it gets no gradient itself)
    ties = (base == best).astype(np.float64)
    self_tie = backend.to_numpy(keep_self).reshape(-1) & (base == best)
    src_tie = flat_src == best[target]
    np.add.at(ties, target, src_tie)
    w_self = np.where(written.reshape(-1), self_tie / np.maximum(ties, 1), 1.0).reshape(shape)
    w_src = np.zeros(src.array.size)
    w_src[source] = src_tie / ties[target]
    w_self_t = Tensor(backend.to_device(w_self.astype(input.array.dtype), input.device))
    w_src = w_src.reshape(src.array.shape)
    w_src_t = Tensor(backend.to_device(w_src.astype(input.array.dtype), input.device))
    # a weight of 0 must drop the value even when it is +-inf (inf * 0 would be NaN)
    kept_self = Where.apply(input * w_self_t, zero, cond=backend.to_device(w_self > 0, input.device))
    kept_src = Where.apply(src * w_src_t, zero, cond=backend.to_device(w_src > 0, input.device))
    out = scatter_add(kept_self, d, index, kept_src)
    missing = written.reshape(-1) & ~backend.to_numpy(keep_self).reshape(-1) & (base == best)
    if missing.any():   # the excluded tie's share of the value, as a constant (it has no gradient)
        share = np.where(missing, best / np.maximum(ties, 1), 0.0).reshape(shape).astype(input.array.dtype)
        out = out + Tensor(backend.to_device(share, input.device))
    return out


def select_scatter(input, src, dim, index):
    """``input`` with the slice ``select(dim, index)`` replaced by ``src``."""
    from .tensor_index_add import index_copy
    input = _t(input)
    d = _shape._dim(dim, input.array.ndim)
    return index_copy(input, d, Tensor(np.asarray([index % input.array.shape[d]])), _shape.unsqueeze(_t(src), d))


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """``input`` with the slice ``start:end:step`` of dimension ``dim`` replaced by ``src``."""
    from .tensor_index_add import index_copy
    input = _t(input)
    d = _shape._dim(dim, input.array.ndim)
    positions = np.arange(input.array.shape[d])[slice(start, end, step)]
    return index_copy(input, d, Tensor(positions), _t(src))


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """``input`` with its diagonal ``offset`` in the planes (dim1, dim2) replaced by ``src`` (diagonal's layout)."""
    from .functions_shape import diagonal, movedim
    input = _t(input)
    nd = input.array.ndim
    d1, d2 = _shape._dim(dim1, nd), _shape._dim(dim2, nd)
    moved = movedim(input, (d1, d2), (nd - 2, nd - 1))
    expected = tuple(diagonal(input.detach(), offset, d1, d2).array.shape)
    src = _t(src)
    if tuple(src.array.shape) != expected:
        raise RuntimeError(f"diagonal_scatter: src must have shape {list(expected)}, got {list(src.array.shape)}")
    rows, cols = moved.array.shape[-2:]
    k = expected[-1]
    r = np.arange(k) - builtins.min(offset, 0)
    c = np.arange(k) + builtins.max(offset, 0)
    xp = get_array_module(input.array)
    index = (Ellipsis, backend.to_device(r, input.device), backend.to_device(c, input.device))
    placed = _shape.IndexScatter.apply(src if src.array.dtype == input.array.dtype else src.to(dtype=input.dtype),
                                       in_shape=tuple(moved.array.shape), index=index)
    mask = np.zeros((rows, cols), dtype=bool)
    mask[r, c] = True
    out = Where.apply(placed, moved, cond=xp.asarray(mask) if xp is not np else mask)
    return movedim(out, (nd - 2, nd - 1), (d1, d2))


def index_put(input, indices, values, accumulate=False):
    """``input`` with ``values`` (broadcast) written at ``input[indices]`` (a tuple of index tensors), or added
    there with ``accumulate=True`` (repeated indices add up)."""
    input = _t(input)
    index = _shape._normalise_index(input, tuple(indices))
    target_shape = input.array[index].shape
    values = _t(values, like=input)
    if values.array.dtype != input.array.dtype:
        values = values.to(dtype=input.dtype)
    if tuple(values.array.shape) != tuple(target_shape):
        values = _shape.expand(values, *target_shape)
    placed = _shape.IndexScatter.apply(values, in_shape=tuple(input.array.shape), index=index)
    if accumulate:
        return input + placed
    mask = get_array_module(input.array).zeros(input.array.shape, dtype=bool)
    mask[index] = True
    return Where.apply(placed, input, cond=mask)


def masked_scatter(input, mask, source):
    """``input`` with the elements where ``mask`` (bool, broadcast) is True replaced, in order, by the first
    elements of ``source``."""
    input = _t(input)
    cond = mask.array if isinstance(mask, Tensor) else np.asarray(mask)
    xp = get_array_module(input.array)
    cond = xp.broadcast_to(cond, input.array.shape)
    k = int(cond.sum())
    source = _t(source)
    if source.numel() < k:
        raise RuntimeError(f"masked_scatter: expected source to have at least {k} elements, got {source.numel()}")
    picked = _shape.GetItem.apply(_shape.reshape(source, -1), index=slice(0, k))
    if picked.array.dtype != input.array.dtype:
        picked = picked.to(dtype=input.dtype)
    flat_positions = xp.flatnonzero(cond)
    placed = _shape.IndexScatter.apply(picked, in_shape=(input.numel(),), index=flat_positions)
    return Where.apply(_shape.reshape(placed, *input.array.shape), input, cond=cond)


def matrix_exp(input):
    """The matrix exponential (``linalg.matrix_exp``)."""
    from .linalg import matrix_exp as _matrix_exp
    return _matrix_exp(input)


def chain_matmul(*matrices, out=None):
    """The product of a chain of 2-D matrices (``linalg.multi_dot``)."""
    from .linalg import multi_dot
    if len(matrices) == 1:
        return _t(matrices[0])
    return multi_dot(matrices)


def cholesky_solve(B, L, upper=False, *, out=None):
    """X with ``(L @ L.mH) @ X = B`` for the Cholesky factor ``L`` (``L.mH @ L`` when ``upper``)."""
    from .linalg_ex import cholesky_solve as _cholesky_solve
    from .linalg_out import linalg_out
    return linalg_out(_cholesky_solve, "cholesky_solve", "castable", "cholesky_solve")(B, L, upper, out=out)


def cholesky_inverse(L, upper=False, *, out=None):
    """The inverse of ``L @ L.mH`` (``L.mH @ L`` when ``upper``) from its Cholesky factor."""
    from .linalg_ex import cholesky_inverse as _cholesky_inverse
    from .linalg_out import linalg_out
    return linalg_out(_cholesky_inverse, "cholesky_inverse", "castable", "cholesky_inverse")(L, upper, out=out)


def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """``beta * input + alpha * outer(vec1, vec2)``."""
    from .functions_math import _scaled, outer
    return _scaled(beta, input, alpha, outer(vec1, vec2))


def dsplit(input, indices_or_sections):
    """``tensor_split`` along dim 2 (an int must divide the size evenly)."""
    from .functions_shape import _even_split
    input = _t(input)
    if input.array.ndim < 3:
        raise RuntimeError(f"torch.dsplit requires a tensor with at least 3 dimension, but got a tensor with "
                           f"{input.array.ndim} dimensions!")
    return _even_split(input, indices_or_sections, 2, "dsplit")


def histogram(input, bins=100, *, range=None, weight=None, density=False, out=None):
    """``(hist, bin_edges)`` of a float tensor: ``bins`` equal bins (over ``range`` or the data's range) or the
    given edges (a 1-D tensor)."""
    input = _t(input)
    if not is_floating(input.array.dtype):
        raise RuntimeError(f"torch.histogram: input tensor and bins tensors should have the same dtype, got "
                           f"{input.dtype}")
    x = backend.to_numpy(input.array).reshape(-1)
    edges = backend.to_numpy(bins.array) if isinstance(bins, Tensor) else int(bins)
    w = None if weight is None else backend.to_numpy(_t(weight).array).reshape(-1)
    hist, bin_edges = np.histogram(x, bins=edges, range=range, weights=w, density=density)
    dt = input.array.dtype
    return return_types.histogram(Tensor(backend.to_device(hist.astype(dt), input.device)),
                                  Tensor(backend.to_device(bin_edges.astype(dt), input.device)))


def _spacing(y, x, dx, d):
    if x is None:
        return 1.0 if dx is None else dx
    x = _t(x)
    if x.array.ndim == 1:
        diffs = x[1:] - x[:-1]
        shape = [1] * y.array.ndim
        shape[d] = diffs.array.shape[0]
        return _shape.reshape(diffs, *shape)
    from .functions_shape import diff
    return diff(x, dim=d)


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The integral of ``y`` along ``dim`` by the trapezoid rule, with sample points ``x`` or spacing ``dx``."""
    y = _math._float(_t(y))
    d = _shape._dim(dim, y.array.ndim)
    n = y.array.shape[d]
    if n == 0:
        return _reduction.sum(y, d)
    left = _shape.getitem(y, (slice(None),) * d + (slice(0, n - 1),))
    right = _shape.getitem(y, (slice(None),) * d + (slice(1, n),))
    return _reduction.sum((left + right) * _spacing(y, x, dx, d), d) * 0.5


def trapz(y, x=None, *, dx=None, dim=-1):
    """Alias of ``trapezoid``."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running trapezoid-rule integral of ``y`` along ``dim`` (one element shorter than ``y``)."""
    from .ops.statistics import cumsum
    y = _math._float(_t(y))
    d = _shape._dim(dim, y.array.ndim)
    n = y.array.shape[d]
    left = _shape.getitem(y, (slice(None),) * d + (slice(0, builtins.max(n - 1, 0)),))
    right = _shape.getitem(y, (slice(None),) * d + (slice(1, n),))
    return cumsum((left + right) * _spacing(y, x, dx, d) * 0.5, d)


def pdist(input, p=2):
    """The p-norm distances between all pairs of rows of an (N, M) tensor, as the N(N-1)/2 upper-triangle
    entries in row order: ``torch.pdist``, the same function as ``nn.functional.pdist``."""
    from .nn._functional_extra import pdist as _pdist
    return _pdist(_t(input), p)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """The cosine of the angle between ``x1`` and ``x2`` along ``dim`` (norms clamped below by ``eps``):
    ``torch.cosine_similarity``, the same function as ``nn.functional.cosine_similarity``."""
    from .nn._distance import cosine_similarity as _cosine_similarity
    return _cosine_similarity(_t(x1), _t(x2), dim, eps)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """The p-norm of ``x1 - x2 + eps`` along the last dimension: ``torch.pairwise_distance``, the same
    function as ``nn.functional.pairwise_distance``."""
    from .nn._distance import pairwise_distance as _pairwise_distance
    return _pairwise_distance(_t(x1), _t(x2), p, eps, keepdim)


def renorm(input, p, dim, maxnorm):
    """``input`` with each slice along ``dim`` whose p-norm exceeds ``maxnorm`` scaled down to norm ``maxnorm``."""
    from .linalg import vector_norm
    input = _t(input)
    if input.array.ndim < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.array.ndim} dimensions")
    d = _shape._dim(dim, input.array.ndim)
    others = tuple(i for i in builtins.range(input.array.ndim) if i != d)
    norms = vector_norm(input, p, others, True)
    over = norms.array > maxnorm
    factor = Where.apply(maxnorm / (norms + 1e-7), Tensor(get_array_module(norms.array).ones((), norms.array.dtype)),
                         cond=over)
    return input * factor


def vander(x, N=None, increasing=False):
    """The Vandermonde matrix of a 1-D ``x``: columns ``x**(N-1), ..., x**0`` (``x**0, ...`` if ``increasing``)."""
    from .linalg import vander as _vander
    from .ops.layout import flip
    x = _t(x)
    if x.array.ndim != 1:
        raise RuntimeError(f"x must be a one-dimensional tensor, got shape {list(x.array.shape)}")
    if N is not None and N < 0:
        raise RuntimeError(f"N must be non-negative, got {N}")
    if N == 0:
        return Tensor(get_array_module(x.array).zeros((x.array.shape[0], 0), dtype=x.array.dtype))
    out = _vander(x, N)
    return out if increasing else flip(out, (1,))
