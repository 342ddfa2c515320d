"""The log-gamma function and its derivatives, the polygamma functions: ``lgamma``, ``digamma``, ``polygamma``.

Neither NumPy nor CuPy's core has them, so they are computed with array
operations that run on both: the argument is shifted up by the recurrences
lgamma(x) = lgamma(x + 1) - log|x| and psi_n(x) = psi_n(x + 1) + (-1)**(n+1) n! / x**(n+1)
until it is at least 15, where the asymptotic (Stirling) series is accurate
to double precision. The derivative of each is the next one, so all are
differentiable to any order.
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd import Function
from ..backend import get_array_module
from .math import _float

__all__ = ["lgamma", "digamma", "polygamma"]

_SHIFT_TO = 15.0
# Bernoulli numbers B_2, B_4, ..., B_20
_BERNOULLI = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798, -174611 / 330]


def _shift_count(xp, x):
    finite = x[xp.isfinite(x)]
    low = float(finite.min()) if finite.size else _SHIFT_TO
    return max(0, int(math.ceil(_SHIFT_TO - low)))


def _lgamma_array(x):
    xp = get_array_module(x)
    z = x.astype(np.float64)
    correction = xp.zeros_like(z)
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(_shift_count(xp, z)):
            small = z < _SHIFT_TO
            correction = correction + xp.where(small, xp.log(xp.abs(z)), 0.0)
            z = xp.where(small, z + 1, z)
        series = sum(b / ((2 * k + 1) * (2 * k + 2) * z ** (2 * k + 1)) for k, b in enumerate(_BERNOULLI[:6]))
        out = (z - 0.5) * xp.log(z) - z + 0.5 * math.log(2 * math.pi) + series - correction
        out = xp.where(xp.isinf(x) | ((x <= 0) & (x == xp.floor(x))), xp.inf, out)
    return out.astype(x.dtype)


def _polygamma_array(n, x):
    xp = get_array_module(x)
    z = x.astype(np.float64)
    total = xp.zeros_like(z)
    sign = -1.0 if n % 2 == 0 else 1.0          # (-1)**(n+1)
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(_shift_count(xp, z)):
            small = z < _SHIFT_TO
            step = 1.0 / z if n == 0 else sign * math.factorial(n) / z ** (n + 1)
            total = total + xp.where(small, step, 0.0)
            z = xp.where(small, z + 1, z)
        if n == 0:
            series = xp.log(z) - 0.5 / z - sum(b / (2 * (k + 1) * z ** (2 * k + 2)) for k, b in enumerate(_BERNOULLI))
            out = series - total
        else:
            series = math.factorial(n - 1) / z ** n + math.factorial(n) / (2 * z ** (n + 1))
            for k, b in enumerate(_BERNOULLI, start=1):
                series = series + b * math.factorial(2 * k + n - 1) / (math.factorial(2 * k) * z ** (2 * k + n))
            out = sign * series + total
        poles = (x <= 0) & (x == xp.floor(x))
        at_zero = -xp.inf if n == 0 else (xp.inf if n % 2 else xp.nan)   # PyTorch's values at 0
        out = xp.where(poles, xp.where(x == 0, at_zero, xp.nan), out)
    return out.astype(x.dtype)


class Lgamma(Function):
    """log|Gamma(x)|; d/dx = digamma(x)."""

    def forward(self, x):
        self.x = x
        return _lgamma_array(x)

    def backward(self, g):
        return g * _polygamma_array(0, self.x)

    def backward_graph(self, g):
        return g * Polygamma.apply(self.inputs[0], n=0)


class Polygamma(Function):
    """The n-th derivative of digamma (n = 0: digamma itself); d/dx = polygamma(n + 1, x)."""

    def forward(self, x, n=0):
        self.x, self.n = x, n
        return _polygamma_array(n, x)

    def backward(self, g):
        return g * _polygamma_array(self.n + 1, self.x)

    def backward_graph(self, g):
        return g * Polygamma.apply(self.inputs[0], n=self.n + 1)


def lgamma(input):
    """The natural log of the absolute value of the gamma function (inf at 0, -1, -2, ...)."""
    from .kernel_guards import dtype_of, refuse_kinds
    refuse_kinds("lgamma_vml_cpu", dtype_of(input), "c")
    return Lgamma.apply(_float(input))


def digamma(input):
    """The logarithmic derivative of the gamma function, psi(x) = d/dx lgamma(x) (NaN at 0, -1, -2, ...)."""
    from .kernel_guards import dtype_of, refuse_kinds
    refuse_kinds("digamma", dtype_of(input), "c")
    return Polygamma.apply(_float(input), n=0)


def polygamma(n, input):
    """The ``n``-th derivative of digamma (``n`` >= 0)."""
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative n, got n={n}")
    return Polygamma.apply(_float(input), n=int(n))
