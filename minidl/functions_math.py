"""More of PyTorch's module-level math: products (``outer``, ``mv``, ``addmm``, ``tensordot``, ``kron``, ...),
fused updates (``addcmul``, ``lerp``), stable special sums (``logaddexp``, ``xlogy``), NaN-aware sums,
cumulative products and maxima, and elementwise tests (``isin``, ``isinf``, ``nan_to_num``, ...).

All are built from minidl's differentiable ops, so gradients (of any order)
come from those ops. ``input`` is the tensor argument, as in ``torch.*``.

>>> import minidl as mdl
>>> mdl.outer(mdl.tensor([1.0, 2.0]), mdl.tensor([1.0, 0.0, -1.0])).tolist()
[[1.0, 0.0, -1.0], [2.0, 0.0, -2.0]]
>>> mdl.logaddexp(mdl.tensor([0.0]), mdl.tensor([0.0])).item() == float(mdl.log(mdl.tensor(2.0)))
True
"""
from __future__ import annotations

import builtins
import math

import numpy as np

from minidl.autograd import autocast_state as _autocast
from minidl.autograd.naming import name_grad_fn, names_node
from minidl.dtypes import is_float_or_complex, is_floating

from . import return_types
from .backend import get_array_module
from .ops import compare as _compare
from .ops import elementwise as _elementwise
from .ops import math as _math
from .ops import reduction as _reduction
from .ops import shape as _shape
from .ops import special as _special
from .ops import unary as _unary
from .ops.einsum import LETTERS, einsum
from .ops.elementwise import Where
from .tensor import Tensor, as_tensor

__all__ = ["log1p", "expm1", "log2", "log10", "tan", "sinh", "cosh", "asin", "acos", "atan", "asinh", "acosh",
           "atanh", "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "arctan2", "erf", "erfc",
           "erfinv", "atan2", "fmod", "reciprocal", "rsqrt", "trunc", "fix", "frac", "exp2", "hypot", "deg2rad",
           "rad2deg", "xlogy", "logaddexp", "logaddexp2", "lerp", "addcmul", "addcdiv", "addmm", "addmv",
           "baddbmm", "addbmm", "outer", "ger", "inner", "dot", "vdot", "mv", "tensordot", "kron", "einsum",
           "multiply", "subtract", "negative", "true_divide", "clamp_min", "clamp_max", "clone", "masked_fill",
           "isinf", "isposinf", "isneginf", "isreal", "isin", "logical_and", "logical_or", "logical_not",
           "logical_xor", "nan_to_num", "count_nonzero", "nansum", "nanmean", "cumprod", "cummax", "cummin",
           "logcumsumexp", "lgamma", "digamma", "polygamma", "mvlgamma"]

log1p, expm1, log2, log10, tan, sinh, cosh = (_unary.log1p, _unary.expm1, _unary.log2, _unary.log10, _unary.tan,
                                               _unary.sinh, _unary.cosh)
asin, acos, atan, asinh, acosh, atanh = _unary.asin, _unary.acos, _unary.atan, _unary.asinh, _unary.acosh, _unary.atanh
erfinv, atan2, fmod = _unary.erfinv, _unary.atan2, _unary.fmod
lgamma, digamma, polygamma = _special.lgamma, _special.digamma, _special.polygamma
arcsin, arccos, arctan, arcsinh, arccosh, arctanh, arctan2 = asin, acos, atan, asinh, acosh, atanh, atan2
trunc = fix = _elementwise.trunc
isinf = _compare.isinf
logical_and, logical_or, logical_not = _compare.logical_and, _compare.logical_or, _compare.logical_not


def _t(value, like=None):
    if isinstance(value, Tensor):
        return value
    return as_tensor(value, like=like) if like is not None else as_tensor(value)


def _same_dtype(a, b):
    """``a`` and ``b`` cast to PyTorch's result dtype (shapes untouched)."""
    from .dtypes import result_type
    if a.array.dtype != b.array.dtype:
        target = result_type(a, b)
        a, b = _math.cast(a, target), _math.cast(b, target)
    return a, b


def _const(array):
    return Tensor(array)


def erf(input):
    """The error function 2/sqrt(pi) * integral of exp(-t**2) from 0 to x."""
    from .ops.activation import erf as _erf
    return _erf(_math._float(input))


def erfc(input):
    """The complementary error function 1 - erf(input), accurate in the tail."""
    return _unary.erfc(input)


@names_node("ReciprocalBackward0")   # PyTorch's node name
def reciprocal(input):
    """Elementwise 1 / input (integer tensors give float32)."""
    from .ops.unary import Reciprocal
    return Reciprocal.apply(_math._float(input))


@names_node("RsqrtBackward0")   # PyTorch's node name
def rsqrt(input):
    """Elementwise 1 / sqrt(input)."""
    return reciprocal(_math.sqrt(_math._float(input)))   # its node saves its result, as PyTorch's


def frac(input):
    """The fractional part ``input - trunc(input)`` (sign of ``input``); gradient 1."""
    from minidl.ops.complex_conj import refuse_complex
    refuse_complex('"frac_cpu" not implemented for \'{type}\'', input)   # as PyTorch
    input = _t(input)
    if not is_float_or_complex(input.array.dtype):
        from .ops.kernel_guards import torch_name
        raise NotImplementedError(f"\"frac_cpu\" not implemented for '{torch_name(input.array.dtype)}'")
    return input - _elementwise.trunc(input)


def exp2(input):
    """Elementwise 2 ** input."""
    return _math.pow(2.0, _math._float(input))


@names_node("HypotBackward0")   # PyTorch's node name
def hypot(input, other):
    """sqrt(input**2 + other**2), elementwise and broadcast (floating dtypes only, as PyTorch)."""
    from .ops.kernel_guards import promoted, refuse_kinds
    refuse_kinds("hypot_cpu", promoted(input, other), "iubc")
    return _math.sqrt(input * input + other * other)


def deg2rad(input):
    """Degrees to radians."""
    from .ops.kernel_guards import dtype_of, refuse_kinds
    refuse_kinds("", dtype_of(_t(input)), "c", RuntimeError, "deg2rad is not supported for complex tensors.")
    return _math._float(input) * (math.pi / 180.0)


def rad2deg(input):
    """Radians to degrees."""
    from .ops.kernel_guards import dtype_of, refuse_kinds
    refuse_kinds("", dtype_of(_t(input)), "c", RuntimeError, "rad2deg is not supported for complex tensors.")
    return _math._float(input) * (180.0 / math.pi)


def xlogy(input, other):
    """``input * log(other)``, and 0 where ``input == 0`` (unless ``other`` is NaN), broadcast.

    Either argument may be a number. Where ``input == 0`` the gradient in ``input`` is ``log(other)`` for
    ``other > 0`` and 0 otherwise, and the gradient in ``other`` is 0, as PyTorch's.
    """
    from minidl.ops.complex_conj import refuse_complex
    refuse_complex('"xlogy_cpu" not implemented for \'{type}\'', input, other)   # as PyTorch
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError("xlogy(): expected at least one Tensor argument")
    x, y = _math.promote("xlogy", *_math.float_with_number(input, other))
    x, y = _math._float(x), _math._float(y)
    if x.array.dtype != y.array.dtype:
        x, y = _math.promote("xlogy", x, y)
    xp = get_array_module(x.array)
    shape = np.broadcast_shapes(x.array.shape, y.array.shape)
    # log(other) is replaced by log(1) only where it would turn 0 * log(other) into NaN (other <= 0 or inf), so
    # that d/dinput stays log(other) at input == 0 for positive finite other
    bad_log = (y.array <= 0) | xp.isinf(y.array)
    mask = xp.broadcast_to((x.array == 0) & bad_log, shape)
    one = _const(xp.ones((), dtype=y.array.dtype))
    safe_y = Where.apply(one, _shape.expand(y, *shape) if tuple(y.array.shape) != tuple(shape) else y, cond=mask)
    return x * _math.log(safe_y) + 0.0   # + 0.0: 0 * log(other < 1) is -0.0, PyTorch's xlogy gives +0.0


def _logaddexp(input, other, log_fn, exp_fn):
    a, b = _math.promote("logaddexp", input, other)
    a, b = _math._float(a), _math._float(b)
    xp = get_array_module(a.array)
    with np.errstate(invalid="ignore"):
        m = xp.maximum(a.array, b.array)
        m = _const(xp.where(xp.isfinite(m), m, 0).astype(a.array.dtype))   # a constant shift: the result does not
    with np.errstate(divide="ignore"):                                      # depend on it, so neither does the grad
        return m + log_fn(exp_fn(a - m) + exp_fn(b - m))


def logaddexp(input, other):
    """log(exp(input) + exp(other)), computed without overflow, broadcast."""
    return _logaddexp(input, other, _math.log, _math.exp)


def logaddexp2(input, other):
    """log2(2**input + 2**other), computed without overflow, broadcast."""
    return _logaddexp(input, other, log2, lambda z: _math.pow(2.0, z))


@names_node("LerpBackward0")   # PyTorch's node name
def lerp(input, end, weight):
    """``input + weight * (end - input)``; ``weight`` a number or a tensor, all broadcast. As PyTorch, the
    tensors must share one floating dtype."""
    input = _t(input)
    for what, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t.array.dtype != input.array.dtype and (what == "end" or t.array.ndim):
            raise RuntimeError(f"expected dtype {_c_name(input.array.dtype)} for `{what}` but got dtype "
                               f"{_c_name(t.array.dtype)}")
    if input.array.dtype.kind in "iub":
        from .ops.kernel_guards import torch_name
        kernel = "lerp_kernel_tensor" if isinstance(weight, Tensor) else "lerp_kernel_scalar"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{torch_name(input.array.dtype)}'")
    return input + weight * (end - input)


_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
            "complex64": "c10::complex<float>", "complex128": "c10::complex<double>", "int64": "long int",
            "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}


def _c_name(np_dtype):
    """The C++ type name PyTorch's dtype-mismatch messages use (``float``, ``long int``, ...)."""
    return _C_NAMES.get(np.dtype(np_dtype).name, str(np_dtype))


@names_node("AddcmulBackward0")   # PyTorch's node name
def addcmul(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 * tensor2``, broadcast."""
    return _t(input) + value * (tensor1 * tensor2)


def addcdiv(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 / tensor2``, broadcast (integer tensors are refused, as in PyTorch)."""
    if _t(tensor1).array.dtype.kind in "iub" and _t(tensor2).array.dtype.kind in "iub":
        raise RuntimeError("Integer division with addcdiv is no longer supported; use addcmul(input, tensor1, "
                           "1 / tensor2) or a floating point tensor")
    return _t(input) + value * (tensor1 / tensor2)


def _scaled(beta, input, alpha, product):
    """``beta * input + alpha * product``; beta == 0 ignores ``input``'s values (NaN and inf too), as PyTorch."""
    out = product if alpha == 1 else product * alpha
    input = _t(input, like=out)
    shape = tuple(np.broadcast_shapes(tuple(input.array.shape), tuple(out.array.shape)))
    if shape != tuple(out.array.shape):
        raise RuntimeError(f"the input of shape {list(input.array.shape)} does not broadcast to the product's shape "
                           f"{list(out.array.shape)}")
    if beta == 0:
        return out
    return out + (input if beta == 1 else input * beta)


def _check_ndim(name, what, t, ndim):
    if _t(t).array.ndim != ndim:
        raise RuntimeError(f"{name}: {what} must be a {ndim}-D tensor, got shape {list(_t(t).array.shape)}")


@names_node("AddmmBackward0")   # PyTorch's node name
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat1 @ mat2)``: (n, m) @ (m, p), ``input`` broadcast to (n, p)."""
    _check_ndim("addmm", "mat1", mat1, 2)
    _check_ndim("addmm", "mat2", mat2, 2)
    input, mat1, mat2 = _autocast.lower(input, mat1, mat2)
    return _scaled(beta, input, alpha, _t(mat1).mm(mat2))


@names_node("AddmvBackward0")   # PyTorch's node name
def addmv(input, mat, vec, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat @ vec)``: (n, m) @ (m,), ``input`` broadcast to (n,)."""
    return _scaled(beta, input, alpha, mv(mat, vec))


@names_node("BaddbmmBackward0")   # PyTorch's node name
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """``beta * input + alpha * (batch1 @ batch2)``: (b, n, m) @ (b, m, p), ``input`` broadcast to (b, n, p)."""
    input, batch1, batch2 = _autocast.lower(input, batch1, batch2)
    return _scaled(beta, input, alpha, _t(batch1).bmm(batch2))


@names_node("AddbmmBackward0")   # PyTorch's node name
def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """``beta * input + alpha * sum_b(batch1[b] @ batch2[b])``: ``input`` broadcast to (n, p)."""
    input, batch1, batch2 = _autocast.lower(input, batch1, batch2)
    return _scaled(beta, input, alpha, _reduction.sum(_t(batch1).bmm(batch2), 0))


def outer(input, vec2):
    """The outer product of two 1-D tensors: (n,) x (m,) -> (n, m)."""
    _check_ndim("outer", "input", input, 1)
    _check_ndim("outer", "vec2", vec2, 1)
    a, b = _same_dtype(_t(input), _t(vec2))
    return _shape.unsqueeze(a, 1) * _shape.unsqueeze(b, 0)


ger = outer


def dot(input, tensor):
    """The inner product of two 1-D tensors of the same dtype and length, a 0-d tensor."""
    a, b = _t(input), _t(tensor)
    if a.array.ndim != 1 or b.array.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.array.ndim}D and {b.array.ndim}D tensors")
    if a.array.dtype != b.array.dtype:
        from .linalg_ex import type_name
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {type_name(a.dtype)} and "
                           f"{type_name(b.dtype)}")
    if a.array.shape != b.array.shape:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.array.shape[0]}] and src "
                           f"[{b.array.shape[0]}] to have the same number of elements, but got {a.array.shape[0]} "
                           f"and {b.array.shape[0]} elements respectively")
    with _autocast.suspended():   # off autocast's lists: computed in the dtypes given
        return _math.matmul(a, b)


def vdot(input, other):
    """``dot(conj(input), other)`` of two 1-D tensors (the same as ``dot`` for real tensors)."""
    from .ops.complex import conj_physical
    return dot(conj_physical(_t(input)), other)


def inner(input, other):
    """Sum of products over the last dimension: (..., n) and (..., n) -> input.shape[:-1] + other.shape[:-1]."""
    a, b = _t(input), _t(other)
    if a.array.ndim == 0 or b.array.ndim == 0:
        return a * b
    return tensordot(a, b, dims=([-1], [-1]))


def mv(input, vec):
    """Matrix-vector product: (n, m) @ (m,) -> (n,)."""
    _check_ndim("mv", "input", input, 2)
    _check_ndim("mv", "vec", vec, 1)
    with _autocast.suspended():   # off autocast's lists: computed in the dtypes given
        return _math.matmul(_t(input), _t(vec))


def tensordot(a, b, dims=2):
    """Contract ``dims`` dimensions: the last ``dims`` of ``a`` with the first of ``b``, or the listed pairs.

    ``dims`` is an int or a pair of lists ``([dims of a], [dims of b])``.
    """
    a, b = _autocast.lower(_t(a), _t(b))
    na, nb = a.array.ndim, b.array.ndim
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > builtins.min(na, nb):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da, db = list(range(na - dims, na)), list(range(dims))
    else:
        da, db = dims
        da, db = ([da] if isinstance(da, int) else list(da)), ([db] if isinstance(db, int) else list(db))
    if len(da) != len(db):
        raise RuntimeError(f"both dimension lists should have same length, got {da} and {db}")
    da = [_shape._dim(d, na) for d in da]
    db = [_shape._dim(d, nb) for d in db]
    for i, j in zip(da, db):
        if a.array.shape[i] != b.array.shape[j]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.array.shape[i]} in dim "
                               f"{i} and second has size {b.array.shape[j]} in dim {j}")
    ta = list(LETTERS[:na])
    tb = list(LETTERS[na:na + nb])
    for i, j in zip(da, db):
        tb[j] = ta[i]
    out_letters = [c for k, c in enumerate(ta) if k not in da] + [c for k, c in enumerate(tb) if k not in db]
    a, b = _same_dtype(a, b)
    return einsum(f"{''.join(ta)},{''.join(tb)}->{''.join(out_letters)}", a, b)


def kron(input, other):
    """The Kronecker product: blocks ``input[i, j] * other``; shapes multiply dimension by dimension."""
    a, b = _same_dtype(_t(input), _t(other))
    nd = builtins.max(a.array.ndim, b.array.ndim)
    sa = (1,) * (nd - a.array.ndim) + tuple(a.array.shape)
    sb = (1,) * (nd - b.array.ndim) + tuple(b.array.shape)
    ea = _shape.reshape(a, *[s for n in sa for s in (n, 1)])
    eb = _shape.reshape(b, *[s for n in sb for s in (1, n)])
    return _shape.reshape(ea * eb, *[x * y for x, y in zip(sa, sb)])


def multiply(input, other):
    """``input * other`` (as ``mul``)."""
    return _math.mul(input, other)


def subtract(input, other, *, alpha=1):
    """``input - alpha * other`` (as ``sub``)."""
    return _math.sub(input, other if alpha == 1 else other * alpha)


def negative(input):
    """``-input``."""
    return _math.neg(input)


def true_divide(dividend, divisor):
    """``dividend / divisor`` in floating point."""
    return _elementwise.divide(dividend, divisor)


def clamp_min(input, min):
    """``clamp(input, min=min)``."""
    return _elementwise.clamp(input, min, None)


def clamp_max(input, max):
    """``clamp(input, max=max)``."""
    return _elementwise.clamp(input, None, max)


def clone(input, *, memory_format=None):
    """A copy of ``input`` that stays in the graph (the gradient passes through), laid out by ``memory_format``
    (default: ``minidl.preserve_format``, see :meth:`minidl.Tensor.clone`)."""
    return _t(input).clone(memory_format=memory_format)


@names_node("MaskedFillBackward0")   # PyTorch's node name
def masked_fill(input, mask, value):
    """A copy of ``input`` with ``value`` where ``mask`` (bool, broadcast) is True."""
    return _t(input).masked_fill(mask, value)


def isposinf(input):
    """True where ``input`` is +inf."""
    x = _t(input).array
    if x.dtype.kind == "c":
        raise RuntimeError("isposinf does not support complex inputs.")
    return Tensor(get_array_module(x).isposinf(x) if is_floating(x.dtype) else get_array_module(x).zeros(x.shape, bool))


def isneginf(input):
    """True where ``input`` is -inf."""
    x = _t(input).array
    if x.dtype.kind == "c":
        raise RuntimeError("isneginf does not support complex inputs.")
    return Tensor(get_array_module(x).isneginf(x) if is_floating(x.dtype) else get_array_module(x).zeros(x.shape, bool))


def isreal(input):
    """True where ``input`` has no imaginary part (always, for real dtypes)."""
    x = _t(input).array
    return Tensor(get_array_module(x).isreal(x))


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """True where an element of ``elements`` is in ``test_elements`` (either may be a number)."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin(): expected at least one Tensor argument")
    e = _t(elements, like=test_elements if isinstance(test_elements, Tensor) else None)
    t = _t(test_elements, like=e)
    xp = get_array_module(e.array)
    return Tensor(xp.isin(e.array, t.array, assume_unique=assume_unique, invert=invert))


def logical_xor(input, other):
    """Elementwise logical exclusive or, a bool tensor."""
    a = _t(input).array
    b = other.array if isinstance(other, Tensor) else other
    return Tensor(get_array_module(a).logical_xor(a, b))


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """NaN, +inf and -inf replaced by ``nan``, ``posinf`` (default: the dtype's largest) and ``neginf``
    (default: its lowest); the gradient is 0 at the replaced elements."""
    input = _t(input)
    x = input.array
    if not is_floating(x.dtype):
        return input.clone()
    xp = get_array_module(x)
    info = np.finfo(x.dtype)
    filled = xp.nan_to_num(x, nan=nan, posinf=info.max if posinf is None else posinf,
                           neginf=info.min if neginf is None else neginf)
    return Where.apply(input, _const(filled), cond=xp.isfinite(x))


def count_nonzero(input, dim=None):
    """Number of non-zero elements (along ``dim``, an int or a tuple), as int64."""
    x = _t(input).array
    axes = None if dim is None or dim == () or dim == [] else _reduction._norm_axis(dim, x.ndim)
    return Tensor(get_array_module(x).asarray((x != 0).sum(axis=axes), dtype=np.int64))


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """The sum treating NaN as 0 (the gradient at NaN is 0)."""
    input = _t(input)
    x = input.array
    if x.dtype.kind == "c":
        raise RuntimeError("nansum on CPU does not support complex inputs")
    if is_floating(x.dtype):
        xp = get_array_module(x)
        input = Where.apply(_const(xp.zeros((), x.dtype)), input, cond=xp.isnan(x))
    return _reduction.sum(input, dim, keepdim, dtype=dtype)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """The mean of the non-NaN elements (NaN where all are NaN)."""
    input = _t(input)
    if not is_floating(input.array.dtype):
        raise RuntimeError(f"nanmean(): expected input to have floating point dtype but got {input.dtype}")
    xp = get_array_module(input.array)
    count = (~xp.isnan(input.array)).sum(axis=None if dim is None else _reduction._norm_axis(dim, input.array.ndim),
                                        keepdims=keepdim)
    with np.errstate(invalid="ignore", divide="ignore"):
        return nansum(input, dim, keepdim, dtype=dtype) / _const(xp.asarray(count, dtype=input.array.dtype))


def cumprod(input, dim, *, dtype=None):
    """Cumulative product along ``dim``; differentiable also through zeros (a product of prefixes)."""
    input = _t(input)
    if dtype is not None:
        input = input.to(dtype=dtype)
    elif input.array.dtype.kind in "bui" and input.array.dtype != np.int64:
        input = input.to(dtype=np.int64)
    x = input.array
    if x.ndim == 0:
        return input.clone()
    d = _shape._dim(dim, x.ndim)
    if x.shape[d] == 0:   # nothing to multiply: an empty copy (still in the graph)
        return input.clone()
    from .autograd import _forward_state as _forward_ad
    if not input.requires_grad and not (_forward_ad.active and _forward_ad.any_dual((input,))):
        return Tensor(get_array_module(x).cumprod(x, axis=d))
    parts = _shape.unbind(input, d)
    running = [parts[0]]
    for p in parts[1:]:
        running.append(running[-1] * p)
    out = _shape.stack(running, d)
    return name_grad_fn(out, "CumprodBackward0", saved=(input, out))   # PyTorch's node saves self and result


def _cum_extreme(name, input, dim, better):
    input = _t(input)
    x = input.array
    xp = get_array_module(x)
    if x.ndim == 0:
        return getattr(return_types, name)(input.clone(), Tensor(xp.zeros((), np.int64)))
    d = _shape._dim(dim, x.ndim)
    if x.size == 0:   # nothing to scan: empty values and indices of the same shape
        from .ops.extrema import Gather
        empty = xp.zeros(x.shape, dtype=np.int64)
        return getattr(return_types, name)(Gather.apply(input, index=empty, dim=d), Tensor(empty))
    moved = xp.moveaxis(x, d, 0)
    idx = xp.zeros(moved.shape, dtype=np.int64)
    best = moved[0].copy()
    best_i = xp.zeros(moved.shape[1:], dtype=np.int64)
    for i in range(moved.shape[0]):
        v = moved[i]
        take = better(v, best) | (v == best)
        if is_floating(x.dtype):
            take = take | xp.isnan(v)
            take = take & ~(xp.isnan(best) & ~xp.isnan(v))
        best = xp.where(take, v, best)
        best_i = xp.where(take, i, best_i)
        idx[i] = best_i
    indices = xp.moveaxis(idx, 0, d)
    from .ops.extrema import Gather
    return getattr(return_types, name)(Gather.apply(input, index=indices, dim=d), Tensor(indices))


def cummax(input, dim):
    """``(values, indices)``: the running maximum along ``dim`` and where it was found (last of ties)."""
    from minidl.ops.complex_conj import refuse_complex
    refuse_complex('"cummax_cpu" not implemented for \'{type}\'', input)   # as PyTorch
    return _cum_extreme("cummax", input, dim, lambda a, b: a > b)


def cummin(input, dim):
    """``(values, indices)``: the running minimum along ``dim`` and where it was found (last of ties)."""
    from minidl.ops.complex_conj import refuse_complex
    refuse_complex('"cummin_cpu" not implemented for \'{type}\'', input)   # as PyTorch
    return _cum_extreme("cummin", input, dim, lambda a, b: a < b)


def logcumsumexp(input, dim):
    """log(cumsum(exp(input))) along ``dim``, computed without overflow."""
    from .ops.kernel_guards import dtype_of, refuse_kinds
    from .ops.statistics import cumsum
    refuse_kinds("logcumsumexp_out_cpu", dtype_of(_t(input)), "iub")
    input = _math._float(input)
    xp = get_array_module(input.array)
    d = _shape._dim(dim, builtins.max(input.array.ndim, 1))
    m = input.array.max(axis=d, keepdims=True) if input.array.size else xp.zeros((1,) * input.array.ndim, np.float32)
    m = _const(xp.where(xp.isfinite(m), m, 0).astype(input.array.dtype))
    return _math.log(cumsum(_math.exp(input - m), d)) + m


def mvlgamma(input, p):
    """The multivariate log-gamma of dimension ``p``: sum_i lgamma(x - i/2) + p(p-1)/4 log(pi); needs x > (p-1)/2."""
    x = _math._float(_t(input))
    if x.array.size and float(x.array.min()) <= (p - 1) / 2:
        raise RuntimeError(f"All elements must be greater than (p-1)/2 = {(p - 1) / 2}")
    total = lgamma(x)
    for i in range(1, p):
        total = total + lgamma(x - i / 2)
    return total + p * (p - 1) / 4 * math.log(math.pi)


# PyTorch's ``out=`` keyword on the elementwise functions and products.
from ._out_arg import with_out as _with_out  # noqa: E402

for _name in ("log1p", "expm1", "log2", "log10", "tan", "sinh", "cosh", "asin", "acos", "atan", "asinh", "acosh",
              "atanh", "erf", "erfc", "erfinv", "atan2", "fmod", "reciprocal", "rsqrt", "frac", "exp2", "hypot",
              "xlogy", "logaddexp", "logaddexp2", "lerp", "addcmul", "addcdiv", "addmm", "addmv", "baddbmm",
              "addbmm", "outer", "inner", "dot", "mv", "tensordot", "kron", "multiply", "subtract", "clamp_min",
              "clamp_max", "nan_to_num", "nansum", "cumprod", "logical_xor", "lgamma", "digamma", "polygamma"):
    globals()[_name] = _with_out(globals()[_name], _name)
arcsin, arccos, arctan, arcsinh, arccosh, arctanh, arctan2 = asin, acos, atan, asinh, acosh, atanh, atan2
ger, vdot = outer, _with_out(vdot, "vdot")
del _name
