"""NumPy-style elementwise ops of ``keras.ops`` beyond the basic ones (``logaddexp``, ``hypot``,
``isclose``, ``cbrt``, the bitwise family, ...), on minidl's differentiable ops.

Dtypes follow Keras 3: float-valued functions of integer inputs give float32, binary ops
promote (int32 with float32 gives float32), predicates give bool. minidl Tensors hold no
complex numbers, so ``real``/``imag``/``conj``/``angle``/``isreal`` act on real inputs.
"""
from __future__ import annotations

import numpy as np

import minidl
from minidl.tensor import Tensor

__all__ = ["logaddexp", "logaddexp2", "hypot", "fmod", "fmax", "fmin", "heaviside", "nextafter", "ldexp", "gcd",
           "lcm", "divide_no_nan", "logical_xor", "isclose", "allclose", "cbrt", "exp2", "trunc", "fabs", "deg2rad",
           "rad2deg", "sinc", "i0", "signbit", "erfc", "erfinv", "arcsinh", "arccosh", "arctanh", "isneginf",
           "isposinf", "nan_to_num", "copy", "real", "imag", "conj", "conjugate", "angle", "isreal",
           "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_invert", "bitwise_left_shift",
           "bitwise_right_shift", "left_shift", "right_shift", "saturate_cast"]


def _t(x):
    from minidl.keras.ops import convert_to_tensor
    return convert_to_tensor(x)


def _floating(x: Tensor) -> Tensor:
    return x if x.is_floating_point() else x.float()


def _pair(x1, x2):
    a, b = _t(x1), _t(x2)
    common = minidl.promote_types(a.dtype, b.dtype)
    return a.to(common), b.to(common)


def _float_pair(x1, x2):
    a, b = _t(x1), _t(x2)
    if not (a.is_floating_point() or b.is_floating_point()):
        return a.float(), b.float()
    common = minidl.promote_types(a.dtype, b.dtype)
    return a.to(common), b.to(common)


def _float_unary(fn, doc):
    def op(x):
        return fn(_floating(_t(x)))
    op.__doc__ = doc
    return op


def logaddexp(x1, x2) -> Tensor:
    """``log(exp(x1) + exp(x2))``, computed stably."""
    return minidl.logaddexp(*_float_pair(x1, x2))


def logaddexp2(x1, x2) -> Tensor:
    """``log2(2**x1 + 2**x2)``, computed stably."""
    return minidl.logaddexp2(*_float_pair(x1, x2))


def hypot(x1, x2) -> Tensor:
    """``sqrt(x1**2 + x2**2)`` elementwise."""
    return minidl.hypot(*_float_pair(x1, x2))


def fmod(x1, x2) -> Tensor:
    """The remainder of ``x1 / x2`` with the sign of ``x1`` (C's ``fmod``)."""
    return minidl.fmod(*_pair(x1, x2))


def fmax(x1, x2) -> Tensor:
    """Elementwise maximum ignoring NaN (NaN only where both are NaN)."""
    return minidl.fmax(*_pair(x1, x2))


def fmin(x1, x2) -> Tensor:
    """Elementwise minimum ignoring NaN."""
    return minidl.fmin(*_pair(x1, x2))


def heaviside(x1, x2) -> Tensor:
    """The step function: 0 for ``x1 < 0``, ``x2`` for ``x1 == 0``, 1 for ``x1 > 0``."""
    return minidl.heaviside(*_float_pair(x1, x2))


def nextafter(x1, x2) -> Tensor:
    """The next representable float after ``x1`` towards ``x2``."""
    return minidl.nextafter(*_float_pair(x1, x2))


def ldexp(x1, x2) -> Tensor:
    """``x1 * 2**x2`` (``x2`` must be integer)."""
    a, b = _t(x1), _t(x2)
    if b.is_floating_point():
        raise TypeError(f"ldexp exponent must be an integer type. Received: x2 dtype={str(b.dtype).split('.')[-1]}")
    return _floating(a) * minidl.pow(2.0, b.to(minidl.float32 if not a.is_floating_point() else a.dtype))


def _int_pair(name, x1, x2, error=ValueError):
    a, b = _pair(x1, x2)
    if a.is_floating_point():
        raise error(f"Arguments to {name} must be integers, got {str(a.dtype).split('.')[-1]}")
    return a, b


def gcd(x1, x2) -> Tensor:
    """The greatest common divisor of integers ``x1`` and ``x2``."""
    return minidl.gcd(*_int_pair("gcd", x1, x2))


def lcm(x1, x2) -> Tensor:
    """The least common multiple of integers ``x1`` and ``x2``."""
    return minidl.lcm(*_int_pair("lcm", x1, x2))


def divide_no_nan(x1, x2) -> Tensor:
    """``x1 / x2``, 0 where ``x2 == 0`` (zero gradient there)."""
    a, b = _float_pair(x1, x2)
    zero = b == 0
    safe = minidl.where(zero, minidl.ones_like(b), b)
    out = a / safe
    return minidl.where(zero, minidl.zeros_like(out), out)


def logical_xor(x1, x2) -> Tensor:
    """Elementwise logical exclusive or (bool)."""
    return minidl.logical_xor(_t(x1), _t(x2))


def isclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False) -> Tensor:
    """``|x1 - x2| <= atol + rtol * |x2|`` elementwise (bool)."""
    a, b = _pair(x1, x2)
    return minidl.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


def allclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False) -> Tensor:
    """A bool scalar: whether :func:`isclose` holds everywhere."""
    return isclose(x1, x2, rtol, atol, equal_nan).all()


cbrt = _float_unary(lambda x: minidl.sign(x) * minidl.abs(x) ** (1.0 / 3.0), "The real cube root.")
exp2 = _float_unary(minidl.exp2, "``2 ** x`` elementwise.")
fabs = _float_unary(minidl.abs, "The absolute value as a float.")
deg2rad = _float_unary(minidl.deg2rad, "Degrees to radians.")
rad2deg = _float_unary(minidl.rad2deg, "Radians to degrees.")
sinc = _float_unary(minidl.sinc, "The normalised sinc ``sin(pi x) / (pi x)`` (1 at 0).")
i0 = _float_unary(minidl.i0, "The modified Bessel function of the first kind, order 0.")
erfc = _float_unary(minidl.erfc, "The complementary error function ``1 - erf(x)``.")
erfinv = _float_unary(minidl.erfinv, "The inverse error function.")
arcsinh = _float_unary(minidl.asinh, "Elementwise inverse hyperbolic sine.")
arccosh = _float_unary(minidl.acosh, "Elementwise inverse hyperbolic cosine.")
arctanh = _float_unary(minidl.atanh, "Elementwise inverse hyperbolic tangent.")


def trunc(x) -> Tensor:
    """``x`` rounded towards zero (integers unchanged)."""
    x = _t(x)
    return minidl.trunc(x) if x.is_floating_point() else x


def signbit(x) -> Tensor:
    """True where the sign bit is set (negative values, ``-0.0``)."""
    return minidl.signbit(_t(x))


def isneginf(x) -> Tensor:
    """True where ``x`` is negative infinity."""
    return minidl.isneginf(_t(x))


def isposinf(x) -> Tensor:
    """True where ``x`` is positive infinity."""
    return minidl.isposinf(_t(x))


def nan_to_num(x, nan=0.0, posinf=None, neginf=None) -> Tensor:
    """``x`` with NaN replaced by ``nan`` and infinities by ``posinf``/``neginf`` (the dtype's extremes)."""
    x = _t(x)
    if not x.is_floating_point():
        return x
    return minidl.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


def copy(x) -> Tensor:
    """A copy of ``x`` (differentiable)."""
    return _t(x).clone()


def real(x) -> Tensor:
    """The real part: ``x`` itself (minidl Tensors are real)."""
    return _t(x)


def imag(x) -> Tensor:
    """The imaginary part: zeros like ``x`` (minidl Tensors are real)."""
    return minidl.zeros_like(_t(x))


def conj(x) -> Tensor:
    """The complex conjugate: ``x`` itself (minidl Tensors are real)."""
    return _t(x)


conjugate = conj


def angle(x) -> Tensor:
    """The argument of ``x``: 0 for non-negative, pi for negative real values (float32 for ints)."""
    return minidl.angle(_floating(_t(x)))


def isreal(x) -> Tensor:
    """True everywhere (minidl Tensors are real)."""
    return minidl.ones_like(_t(x), dtype=minidl.bool)


def _int_binary(fn, name, doc):
    def op(x, y):
        a, b = _int_pair(name, x, y, TypeError)
        return fn(a, b)
    op.__doc__ = doc
    return op


bitwise_and = _int_binary(minidl.bitwise_and, "bitwise_and", "Elementwise bitwise and of integers.")
bitwise_or = _int_binary(minidl.bitwise_or, "bitwise_or", "Elementwise bitwise or of integers.")
bitwise_xor = _int_binary(minidl.bitwise_xor, "bitwise_xor", "Elementwise bitwise xor of integers.")
bitwise_left_shift = _int_binary(minidl.bitwise_left_shift, "bitwise_left_shift", "``x << y`` elementwise.")
bitwise_right_shift = _int_binary(minidl.bitwise_right_shift, "bitwise_right_shift", "``x >> y`` elementwise.")
left_shift = bitwise_left_shift
right_shift = bitwise_right_shift


def bitwise_invert(x) -> Tensor:
    """Elementwise bitwise not of integers (logical not of bools)."""
    x = _t(x)
    if x.is_floating_point():
        raise TypeError(f"bitwise_invert needs an integer or bool input, got {str(x.dtype).split('.')[-1]}")
    return minidl.bitwise_not(x)


bitwise_not = bitwise_invert


def saturate_cast(x, dtype) -> Tensor:
    """``x`` cast to ``dtype`` with values clipped to its range first (NaN becomes 0 for integer
    targets), so nothing wraps around."""
    from minidl.keras.ops import _to_dtype
    x = _t(x)
    target = _to_dtype(dtype)
    name = str(target).split(".")[-1]
    info = np.finfo(name) if np.dtype(name).kind == "f" else np.iinfo(name) if name != "bool" else None
    if info is None:
        return x.to(target)
    if x.is_floating_point() and np.dtype(name).kind in "iu":
        x = minidl.nan_to_num(x, nan=0.0)
    src = str(x.dtype).split(".")[-1]
    src_info = np.finfo(src) if np.dtype(src).kind == "f" else np.iinfo(src) if src != "bool" else None
    if src_info is not None:
        lo = float(info.min) if src_info.min < info.min else None
        hi = float(info.max) if src_info.max > info.max else None
        if x.is_floating_point() and np.dtype(name).kind in "iu" and hi is not None:
            # the largest float of x's dtype at or below the integer maximum
            top = np.array(info.max, dtype=src)
            hi = float(top if int(top) <= info.max else np.nextafter(top, np.array(0, dtype=src)))
        if lo is not None or hi is not None:
            x = minidl.clamp(x, lo, hi) if x.is_floating_point() else minidl.clamp(x, None if lo is None else int(lo),
                                                                                 None if hi is None else int(hi))
    return x.to(target)
