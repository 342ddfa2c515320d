"""More elementwise functions with derivatives: log1p, expm1, log2, log10, tan, the hyperbolic and inverse
trigonometric functions, erfinv, and the two-argument atan2 and fmod.

Each unary function is one small :class:`Unary` subclass naming the NumPy
function that computes it and its derivative written twice: on arrays (the
fast backward) and on Tensors (the recorded backward, differentiable again).
Integer inputs are computed in float32, as PyTorch does.
"""
from __future__ import annotations

import math

import numpy as np

from minidl.dtypes import is_float_or_complex

from ..autograd import Function
from ..backend import erf as _erf_array
from ..backend import erfc as _erfc_array
from ..backend import get_array_module
from ..tensor import Tensor
from .complex_conj import cj, cj_t
from .math import _float, promote

__all__ = ["log1p", "expm1", "log2", "log10", "tan", "sinh", "cosh", "asin", "acos", "atan", "asinh", "acosh",
           "atanh", "erfinv", "erfc", "atan2", "fmod"]

_LN2, _LN10 = math.log(2.0), math.log(10.0)


def _in_double(fn, x):
    """``fn(x)`` computed in float64 and rounded back (NumPy's float32 log10(1000) is 3.0000002)."""
    return fn(x.astype(np.float64)).astype(x.dtype) if x.dtype.itemsize < 8 else fn(x)


class Unary(Function):
    """f(x) for one of the subclasses below; d/dx given by ``deriv`` (arrays) and ``deriv_graph`` (Tensors)."""

    def forward(self, x):
        self.x = x
        return self.compute(get_array_module(x), x)

    def backward(self, g):   # complex x: the conjugate derivative (holomorphic, see complex_conj.py)
        return g * cj(self.deriv(get_array_module(g), self.x))

    def backward_graph(self, g):
        return g * cj_t(self.deriv_graph(self.inputs[0]))


def _unary(name, doc, compute, deriv, deriv_graph):
    cls = type(name, (Unary,), {"__doc__": doc, "compute": staticmethod(compute), "deriv": staticmethod(deriv),
                                "deriv_graph": staticmethod(deriv_graph)})
    cls.__module__ = __name__
    return cls


Log1p = _unary("Log1p", "log(1 + x); d/dx = 1 / (1 + x).",
               lambda xp, x: xp.log1p(x), lambda xp, x: 1 / (1 + x), lambda x: 1 / (1 + x))
Log1p.name = lambda self: "Log1PBackward0"     # PyTorch's spelling of this node
Expm1 = _unary("Expm1", "exp(x) - 1; d/dx = exp(x).",
               lambda xp, x: xp.expm1(x), lambda xp, x: xp.exp(x), lambda x: x.exp())


class _ResultSaving(Unary):
    """A unary op whose backward reads its result, as PyTorch's node (which saves only that): changing the
    input in place afterwards leaves the gradient right; changing the result refuses backward."""

    _saved_inputs, _saves_result = {}, True

    def forward(self, x):
        self.out = self.compute(get_array_module(x), x)
        return self.out

    def backward(self, g):
        return g * cj(self.from_result(self.out))

    def backward_graph(self, g):   # create_graph: the derivative as a graph of the input (Unary's rule)
        return Unary.backward_graph(self, g)


Expm1 = type("Expm1", (_ResultSaving,), {"__doc__": Expm1.__doc__, "__module__": __name__,
                                          "compute": staticmethod(Expm1.compute),
                                          "deriv_graph": staticmethod(Expm1.deriv_graph),
                                          "from_result": staticmethod(lambda out: out + 1)})


class Reciprocal(_ResultSaving):
    """1 / x; d/dx = -1/x**2 = -result**2."""

    compute = staticmethod(lambda xp, x: 1 / x)
    deriv_graph = staticmethod(lambda x: -1 / (x * x))
    from_result = staticmethod(lambda out: -(out * out))

    def name(self):
        """``ReciprocalBackward0``: PyTorch's node for this op."""
        return "ReciprocalBackward0"
Log2 = _unary("Log2", "log2(x); d/dx = 1 / (x ln 2).",
              lambda xp, x: _in_double(xp.log2, x), lambda xp, x: 1 / (x * x.dtype.type(_LN2)),
              lambda x: 1 / (x * _LN2))
Log10 = _unary("Log10", "log10(x); d/dx = 1 / (x ln 10).",
               lambda xp, x: _in_double(xp.log10, x), lambda xp, x: 1 / (x * x.dtype.type(_LN10)),
               lambda x: 1 / (x * _LN10))
Tan = _unary("Tan", "tan(x); d/dx = 1 + tan(x)**2.",
             lambda xp, x: xp.tan(x), lambda xp, x: 1 + xp.tan(x) ** 2, lambda x: 1 + tan(x) ** 2)
Sinh = _unary("Sinh", "sinh(x); d/dx = cosh(x).",
              lambda xp, x: xp.sinh(x), lambda xp, x: xp.cosh(x), lambda x: cosh(x))
Cosh = _unary("Cosh", "cosh(x); d/dx = sinh(x).",
              lambda xp, x: xp.cosh(x), lambda xp, x: xp.sinh(x), lambda x: sinh(x))
Asin = _unary("Asin", "asin(x); d/dx = 1 / sqrt(1 - x**2).",
              lambda xp, x: xp.arcsin(x), lambda xp, x: 1 / xp.sqrt(1 - x * x), lambda x: (1 - x * x) ** -0.5)
Acos = _unary("Acos", "acos(x); d/dx = -1 / sqrt(1 - x**2).",
              lambda xp, x: xp.arccos(x), lambda xp, x: -1 / xp.sqrt(1 - x * x), lambda x: -(1 - x * x) ** -0.5)
Atan = _unary("Atan", "atan(x); d/dx = 1 / (1 + x**2).",
              lambda xp, x: xp.arctan(x), lambda xp, x: 1 / (1 + x * x), lambda x: 1 / (1 + x * x))
Asinh = _unary("Asinh", "asinh(x); d/dx = 1 / sqrt(x**2 + 1).",
               lambda xp, x: xp.arcsinh(x), lambda xp, x: 1 / xp.sqrt(x * x + 1), lambda x: (x * x + 1) ** -0.5)
Acosh = _unary("Acosh", "acosh(x); d/dx = 1 / sqrt(x**2 - 1) for real x (finite below -1, as PyTorch's), "
               "1 / (sqrt(x - 1) sqrt(x + 1)) for complex x.",
               lambda xp, x: xp.arccosh(x),
               lambda xp, x: 1 / (xp.sqrt(x - 1) * xp.sqrt(x + 1)) if x.dtype.kind == "c" else 1 / xp.sqrt(x * x - 1),
               lambda x: (x - 1) ** -0.5 * (x + 1) ** -0.5 if x.is_complex() else (x * x - 1) ** -0.5)
Atanh = _unary("Atanh", "atanh(x); d/dx = 1 / (1 - x**2).",
               lambda xp, x: xp.arctanh(x), lambda xp, x: 1 / (1 - x * x), lambda x: 1 / (1 - x * x))


def _erfinv_array(y):
    """The inverse error function: Giles' (2010) single-precision approximation, then Newton steps on erf."""
    xp = get_array_module(y)
    y64 = y.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = -xp.log((1.0 - y64) * (1.0 + y64))
        small = w < 5.0
        ws, wl = w - 2.5, xp.sqrt(w) - 3.0
        ps = 2.81022636e-08
        for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503, -0.00417768164,
                  0.246640727, 1.50140941):
            ps = c + ps * ws
        pl = -0.000200214257
        for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047,
                  1.00167406, 2.83297682):
            pl = c + pl * wl
        x = xp.where(small, ps, pl) * y64
        for _ in range(2):   # Newton: erf(x) - y = 0, erf'(x) = 2/sqrt(pi) exp(-x**2)
            step = (_erf_array(x) - y64) / (2.0 / math.sqrt(math.pi) * xp.exp(-x * x))
            x = xp.where(xp.isfinite(step), x - step, x)
        x = xp.where(y64 == 1, xp.inf, xp.where(y64 == -1, -xp.inf, x))
        x = xp.where(xp.abs(y64) > 1, xp.nan, x)
    return x.astype(y.dtype)


Erfinv = _unary("Erfinv", "erfinv(y); d/dy = sqrt(pi)/2 * exp(erfinv(y)**2).",
                lambda xp, x: _erfinv_array(x),
                lambda xp, x: x.dtype.type(math.sqrt(math.pi) / 2) * xp.exp(_erfinv_array(x) ** 2),
                lambda x: (erfinv(x) ** 2).exp() * (math.sqrt(math.pi) / 2))


Erfc = _unary("Erfc", "erfc(x) = 1 - erf(x), accurate in the tail; d/dx = -2/sqrt(pi) exp(-x**2).",
              lambda xp, x: _erfc_array(x).astype(x.dtype, copy=False),
              lambda xp, x: x.dtype.type(-2.0 / math.sqrt(math.pi)) * xp.exp(-(x * x)),
              lambda x: (-(x * x)).exp() * (-2.0 / math.sqrt(math.pi)))


class Atan2(Function):
    """atan2(y, x), the angle of the point (x, y); d/dy = x / (x**2 + y**2), d/dx = -y / (x**2 + y**2)."""

    _saved_inputs = {0: None, 1: None}   # PyTorch's Atan2Backward0 saves both

    def forward(self, y, x):
        self.y, self.x = y, x
        return get_array_module(y).arctan2(y, x)

    def backward(self, g):
        xp = get_array_module(g)
        r2 = self.x * self.x + self.y * self.y
        with np.errstate(divide="ignore", invalid="ignore"):
            gy = g * self.x / r2 if self.needs_input_grad[0] else None
            gx = -g * self.y / r2 if self.needs_input_grad[1] else None
        zero = r2 == 0   # at the origin PyTorch's gradient is 0 (not 0 / 0)
        if zero.any():
            gy = None if gy is None else xp.where(zero, xp.zeros((), gy.dtype), gy)
            gx = None if gx is None else xp.where(zero, xp.zeros((), gx.dtype), gx)
        return gy, gx

    def backward_graph(self, g):
        y, x = self.inputs
        r2 = x * x + y * y
        gy = g * x / r2 if self.needs_input_grad[0] else None
        gx = -g * y / r2 if self.needs_input_grad[1] else None
        return gy, gx


class Fmod(Function):
    """fmod(a, b), the remainder with the sign of a; d/da = 1, d/db = -trunc(a / b)."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return get_array_module(a).fmod(a, b)

    def _quotient(self, xp):
        with np.errstate(divide="ignore", invalid="ignore"):
            return xp.trunc(self.a / self.b).astype(self.a.dtype)

    def backward(self, g):
        xp = get_array_module(g)
        ga = g if self.needs_input_grad[0] else None
        gb = -g * self._quotient(xp) if self.needs_input_grad[1] else None
        return ga, gb

    def backward_graph(self, g):
        ga = g if self.needs_input_grad[0] else None
        gb = -g * Tensor(self._quotient(get_array_module(g.array))) if self.needs_input_grad[1] else None
        return ga, gb


def log1p(input):
    """log(1 + input), accurate for small inputs."""
    return Log1p.apply(_float(input))


def expm1(input):
    """exp(input) - 1, accurate for small inputs."""
    return Expm1.apply(_float(input))


def log2(input):
    """Base-2 logarithm."""
    return Log2.apply(_float(input))


def log10(input):
    """Base-10 logarithm."""
    return Log10.apply(_float(input))


def tan(input):
    """Tangent."""
    return Tan.apply(_float(input))


def sinh(input):
    """Hyperbolic sine."""
    return Sinh.apply(_float(input))


def cosh(input):
    """Hyperbolic cosine."""
    return Cosh.apply(_float(input))


def asin(input):
    """Inverse sine (NaN outside [-1, 1])."""
    return Asin.apply(_float(input))


def acos(input):
    """Inverse cosine (NaN outside [-1, 1])."""
    return Acos.apply(_float(input))


def atan(input):
    """Inverse tangent."""
    return Atan.apply(_float(input))


def asinh(input):
    """Inverse hyperbolic sine."""
    return Asinh.apply(_float(input))


def acosh(input):
    """Inverse hyperbolic cosine (NaN below 1)."""
    return Acosh.apply(_float(input))


def atanh(input):
    """Inverse hyperbolic tangent (NaN outside [-1, 1])."""
    return Atanh.apply(_float(input))


def erfinv(input):
    """The inverse error function: erfinv(erf(x)) == x; +-inf at +-1, NaN outside [-1, 1]."""
    from minidl.ops.complex_conj import refuse_complex
    refuse_complex('"erfinv_cpu" not implemented for \'{type}\'', input)   # as PyTorch
    return Erfinv.apply(_float(input))


def erfc(input):
    """The complementary error function 1 - erf(input), without cancellation for large inputs."""
    from minidl.ops.complex_conj import refuse_complex
    refuse_complex('"erfc_vml_cpu" not implemented for \'{type}\'', input)   # as PyTorch
    return Erfc.apply(_float(input))


def atan2(input, other):
    """The angle of the point (other, input) in radians, in (-pi, pi] (``torch.atan2(y, x)``), broadcast."""
    from minidl.ops.complex_conj import refuse_complex
    refuse_complex('"atan2_cpu" not implemented for \'{type}\'', input, other)   # as PyTorch
    y, x = promote("atan2", input, other)
    if not is_float_or_complex(y.array.dtype):
        y, x = _float(y), _float(x)
    return Atan2.apply(y, x)


def fmod(input, other):
    """The C remainder ``input - trunc(input / other) * other`` (the sign of ``input``), broadcast.

    Integer division by zero raises, as in PyTorch (``remainder`` is the floored version).
    """
    from minidl.ops.complex_conj import refuse_complex
    refuse_complex('"fmod_cpu" not implemented for \'{type}\'', input, other)   # as PyTorch
    a, b = promote("fmod", input, other)
    from .elementwise import check_integer_division
    check_integer_division("fmod_cpu", a, b)
    return Fmod.apply(a, b)
