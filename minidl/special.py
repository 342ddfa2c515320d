"""``minidl.special``, as ``torch.special``: the error, gamma and logistic families and friends, plus the
elementwise extras PyTorch also has at the top level (``logit``, ``sinc``, ``copysign``, ``heaviside``,
``float_power``, ``signbit``). All are built from differentiable minidl ops.

>>> import minidl as mdl
>>> mdl.special.expit(mdl.tensor([0.0])).item(), mdl.special.ndtr(mdl.tensor([0.0])).item()
(0.5, 0.5)
"""
from __future__ import annotations

import math

import numpy as np

from . import functions_math as _fm
from .autograd.naming import name_grad_fn
from .backend import get_array_module
from .ops import math as _math
from .ops.elementwise import Where
from .tensor import Tensor, as_tensor

__all__ = ["erf", "erfc", "erfinv", "erfcx", "expit", "logit", "gammaln", "digamma", "psi", "polygamma",
           "multigammaln", "log1p", "expm1", "exp2", "xlogy", "xlog1py", "logsumexp", "softmax", "log_softmax",
           "ndtr", "ndtri", "log_ndtr", "sinc", "round", "entr", "i0", "copysign", "heaviside", "float_power",
           "signbit"]

erf, erfc, erfinv = _fm.erf, _fm.erfc, _fm.erfinv
gammaln, digamma, polygamma, multigammaln = _fm.lgamma, _fm.digamma, _fm.polygamma, _fm.mvlgamma
psi = digamma
log1p, expm1, exp2, xlogy = _fm.log1p, _fm.expm1, _fm.exp2, _fm.xlogy


def _t(value):
    return value if isinstance(value, Tensor) else as_tensor(value)


def erfcx(input):
    """The scaled complementary error function exp(x**2) * erfc(x)."""
    x = _math._float(_t(input))
    return _math.exp(x * x) * erfc(x)


def expit(input):
    """The logistic sigmoid 1 / (1 + exp(-x))."""
    from .functions import sigmoid
    return sigmoid(input)


def logit(input, eps=None):
    """log(p / (1 - p)), with ``p`` clamped into [eps, 1 - eps] when ``eps`` is given."""
    from .ops.kernel_guards import dtype_of, refuse_kinds
    refuse_kinds("logit_cpu", dtype_of(_t(input)), "c")
    p = _math._float(_t(input))
    if eps is not None:
        from .ops.elementwise import clamp
        p = clamp(p, eps, 1 - eps)
    if eps is None and p.requires_grad:   # PyTorch: the gradient is NaN outside [0, 1] (the value is NaN there)
        outside = (p.array < 0) | (p.array > 1)
        if outside.any():   # times NaN there, times 1 elsewhere
            xp = get_array_module(p.array)
            p = p * Tensor(xp.where(outside, xp.asarray(np.nan, p.array.dtype), xp.ones((), p.array.dtype)))
        with np.errstate(divide="ignore", invalid="ignore"):   # log(p) - log1p(-p): the gradient is inf at 0 and 1
            return name_grad_fn(_math.log(p) - _fm.log1p(-p), "LogitBackward0")
    with np.errstate(divide="ignore", invalid="ignore"):
        return _math.log(p / (1 - p))


def xlog1py(input, other):
    """``input * log1p(other)``, and 0 where ``input == 0`` (unless ``other`` is NaN)."""
    x, y = _math.promote("xlog1py", _t(input) if not isinstance(other, Tensor) else input,
                         other if isinstance(other, Tensor) else as_tensor(other, like=_t(input)))
    x, y = _math._float(x), _math._float(y)
    xp = get_array_module(x.array)
    mask = (x.array == 0) & ~xp.isnan(y.array)
    safe = Where.apply(Tensor(xp.zeros((), y.array.dtype)), y, cond=xp.broadcast_to(mask, y.array.shape)) \
        if mask.shape == y.array.shape else y
    return x * log1p(safe)


def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(input))) over ``dim``, computed stably."""
    from .functions import logsumexp as _lse
    return _lse(input, dim, keepdim)


def softmax(input, dim, *, dtype=None):
    """Softmax along ``dim``."""
    from .functions import softmax as _softmax
    return _softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    """Log-softmax along ``dim``."""
    from .functions import log_softmax as _log_softmax
    return _log_softmax(input, dim, dtype=dtype)


def ndtr(input):
    """The standard normal cumulative distribution function erfc(-x / sqrt(2)) / 2."""
    x = _math._float(_t(input))
    return 0.5 * erfc(x * (-1 / math.sqrt(2)))


def ndtri(input):
    """The inverse of ``ndtr``: the standard normal quantile function."""
    p = _math._float(_t(input))
    return erfinv(2 * p - 1) * math.sqrt(2)


def log_ndtr(input):
    """log(ndtr(x)) = log(erfc(-x / sqrt(2)) / 2), accurate far into the left tail."""
    x = _math._float(_t(input))
    with np.errstate(divide="ignore"):
        return _math.log(erfc(x * (-1 / math.sqrt(2))) * 0.5)


def sinc(input):
    """The normalised sinc sin(pi x) / (pi x), 1 at 0."""
    x = _math._float(_t(input))
    xp = get_array_module(x.array)
    zero = x.array == 0
    safe = Where.apply(Tensor(xp.ones((), x.array.dtype)), x, cond=zero) * math.pi
    from .ops.elementwise import sin
    return Where.apply(Tensor(xp.ones((), x.array.dtype)), sin(safe) / safe, cond=zero)


def round(input, *, decimals=0):
    """Round half to even, to ``decimals`` places."""
    from .ops.elementwise import round as _round
    return _round(input, decimals)


def entr(input):
    """The elementwise entropy -x log(x) (0 at 0, -inf below 0)."""
    x = _math._float(_t(input))
    xp = get_array_module(x.array)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 0 - xlogy(x, x)   # 0 - 0 is +0.0, as PyTorch
    return Where.apply(Tensor(xp.asarray(-np.inf, x.array.dtype)), out, cond=x.array < 0)


def i0(input):
    """The modified Bessel function of the first kind, order 0 (power series)."""
    x = _math._float(_t(input))
    q = x * x * 0.25
    term, total = q * 0 + 1, q * 0 + 1
    for k in range(1, 60):
        term = term * q / (k * k)
        total = total + term
    return total


def copysign(input, other):
    """|input| with the sign of ``other`` (broadcast); the gradient flows to ``input``."""
    from minidl.dtypes import default_float, is_float_or_complex, result_type

    from .ops.kernel_guards import refuse_kinds
    target = np.dtype(result_type(_t(input), other))   # PyTorch's promotion of both, then a float dtype
    refuse_kinds("copysign_cpu", target, "c")
    a = _math.cast(_t(input), target if is_float_or_complex(target) else default_float())
    b = other.array if isinstance(other, Tensor) else np.asarray(other)
    xp = get_array_module(a.array)
    sign = xp.where(xp.signbit(xp.asarray(b)), -1.0, 1.0).astype(a.array.dtype)
    return _math.abs(a) * Tensor(sign)


def heaviside(input, values):
    """0 where input < 0, 1 where input > 0, ``values`` where input == 0."""
    from minidl.ops.complex_conj import refuse_complex
    refuse_complex('heaviside is not yet implemented for complex tensors.', input, values, error=RuntimeError)
    x, v = _t(input), _t(values)
    xp = get_array_module(x.array)
    if x.array.dtype != v.array.dtype:
        raise RuntimeError(f"heaviside is not yet implemented for tensors with different dtypes: {x.dtype} and "
                           f"{v.dtype}")
    out = xp.where(x.array == 0, v.array, (x.array > 0).astype(x.array.dtype))
    return Tensor(out.astype(x.array.dtype))


def float_power(input, exponent):
    """``input ** exponent`` computed in float64 (complex128 when either is complex, as PyTorch)."""
    a = _t(input) if isinstance(input, Tensor) else input

    def is_complex(v):
        return v.array.dtype.kind == "c" if isinstance(v, Tensor) else isinstance(v, complex)

    wide, scalar = (np.complex128, complex) if is_complex(a) or is_complex(exponent) else (np.float64, float)
    a = a.to(dtype=wide) if isinstance(a, Tensor) else scalar(a)
    b = exponent.to(dtype=wide) if isinstance(exponent, Tensor) else scalar(exponent)
    return _math.pow(a, b)


def signbit(input):
    """True where the sign bit is set (negative numbers and -0.0)."""
    x = _t(input).array
    return Tensor(get_array_module(x).signbit(x))


__all__ += ["gammainc", "gammaincc"]


def _incomplete_gamma_operands(name, input, other):
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{name}(): expected at least one Tensor argument")
    a, x = _math.promote(name, input, other)
    a, x = _math._float(a), _math._float(x)
    if a.array.dtype != x.array.dtype:
        a, x = _math.promote(name, a, x)
    return a, x


def gammainc(input, other):
    """The regularised lower incomplete gamma function P(input, other), broadcast (``torch.special.gammainc``).

    Differentiable in ``other`` (the Gamma(input, 1) density); the derivative in ``input`` raises
    NotImplementedError, as PyTorch's.

    >>> import minidl as mdl
    >>> mdl.special.gammainc(mdl.tensor([2.0, 1.0]), mdl.tensor([1.5, 0.0]))
    tensor([0.4422, 0.0000])
    """
    from .ops.special_gammainc import gammainc as _gammainc
    return _gammainc(*_incomplete_gamma_operands("gammainc", input, other))


def gammaincc(input, other):
    """The regularised upper incomplete gamma function Q(input, other) = 1 - P(input, other), broadcast."""
    from .ops.special_gammainc import gammaincc as _gammaincc
    return _gammaincc(*_incomplete_gamma_operands("gammaincc", input, other))


__all__ += ["i0e", "i1", "i1e"]


def i0e(input):
    """The exponentially scaled modified Bessel function of order 0, ``exp(-|x|) I0(x)`` (differentiable).

    >>> import minidl as mdl
    >>> mdl.special.i0e(mdl.tensor([0.0, 1.0, 100.0]))
    tensor([1.0000, 0.4658, 0.0399])
    """
    from .ops.special_bessel import i0e as _i0e
    return _i0e(_math._float(_t(input)))


def i1(input):
    """The modified Bessel function of the first kind, order 1, ``I1(x)`` (differentiable)."""
    from .ops.special_bessel import i1 as _i1
    return _i1(_math._float(_t(input)))


def i1e(input):
    """The exponentially scaled modified Bessel function of order 1, ``exp(-|x|) I1(x)`` (differentiable)."""
    from .ops.special_bessel import i1e as _i1e
    return _i1e(_math._float(_t(input)))


# Bessel, Airy, orthogonal-polynomial and Hurwitz zeta functions (minidl/special_more.py)
from .special_more import *  # noqa: E402,F401,F403
from .special_more import __all__ as _more_names  # noqa: E402

__all__ += _more_names
