"""The regularised incomplete gamma functions ``gammainc`` (P) and ``gammaincc`` (Q = 1 - P), as
``torch.special.gammainc``/``gammaincc`` (``torch.igamma``/``igammac``).

Computed in float64 with array operations that run on NumPy and CuPy:
the power series ``P(a, x) = x**a e**-x / Gamma(a + 1) * sum_n x**n / ((a+1)...(a+n))``
where ``x < a + 1``, and Legendre's continued fraction for ``Q`` (modified
Lentz) elsewhere. The derivative in ``x`` is the Gamma(a, 1) density
(``-`` it for Q); the derivative in ``a`` is not implemented, as in PyTorch
(a backward pass that needs it raises NotImplementedError).
"""
from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..backend import get_array_module
from .special import Lgamma, _lgamma_array

__all__ = ["gammainc", "gammaincc"]

_MAX_TERMS = 100000
_TINY = 1e-300


def _series_p(xp, a, x, log_prefix):
    """P(a, x) by the power series (accurate where x < a + 1)."""
    term = xp.ones_like(x) / a
    total = term.copy()
    for n in range(1, _MAX_TERMS):
        term = term * x / (a + n)
        total = total + term
        if not bool(xp.any(term > 1e-17 * total)):
            break
    return xp.exp(log_prefix) * total


def _continued_fraction_q(xp, a, x, log_prefix):
    """Q(a, x) by Legendre's continued fraction, modified Lentz (accurate where x >= a + 1)."""
    b = x + 1 - a
    c = xp.full_like(x, 1 / _TINY)
    d = 1 / b
    h = d.copy()
    for i in range(1, _MAX_TERMS):
        an = -i * (i - a)
        b = b + 2
        d = an * d + b
        d = xp.where(xp.abs(d) < _TINY, _TINY, d)
        c = b + an / c
        c = xp.where(xp.abs(c) < _TINY, _TINY, c)
        d = 1 / d
        delta = d * c
        h = h * delta
        if not bool(xp.any(xp.abs(delta - 1) > 1e-16)):
            break
    return xp.exp(log_prefix) * h


def _regularized(a, x, upper):
    """P(a, x) (``upper`` False) or Q(a, x) as float64 arrays of the broadcast shape, with PyTorch's edges."""
    xp = get_array_module(x)
    a, x = xp.broadcast_arrays(a.astype(np.float64), x.astype(np.float64))
    out = xp.full(a.shape, xp.nan)
    regular = (a > 0) & (x > 0) & xp.isfinite(a) & xp.isfinite(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        if bool(regular.any()):
            ar, xr = a[regular], x[regular]
            log_prefix = ar * xp.log(xr) - xr - _lgamma_array(ar)
            use_series = xr < ar + 1
            p = xp.where(use_series, _series_p(xp, ar, xp.where(use_series, xr, 0.5), log_prefix), xp.nan)
            q = xp.where(use_series, xp.nan,
                         _continued_fraction_q(xp, ar, xp.where(use_series, ar + 2, xr), log_prefix))
            p_full = xp.where(use_series, p, 1 - q)
            q_full = xp.where(use_series, 1 - p, q)
            out[regular] = q_full if upper else p_full
        # the edges, as PyTorch's igamma: P(a, 0) = 0, P(0, x > 0) = 1, P(inf, x) = 0, P(a, inf) = 1
        p_edge = xp.where(x == 0, 0.0, xp.where(a == 0, 1.0, xp.where(xp.isinf(a), 0.0, 1.0)))
        edge = (a >= 0) & (x >= 0) & ~regular & ~xp.isnan(a) & ~xp.isnan(x) & ~(xp.isinf(a) & xp.isinf(x))
        out = xp.where(edge, 1 - p_edge if upper else p_edge, out)
    return out


class Gammainc(Function):
    """P(a, x) (or Q with ``upper``); d/dx = +-x**(a-1) e**-x / Gamma(a), d/da not implemented."""

    def forward(self, a, x, upper=False):
        self.a, self.x, self.upper = a, x, upper
        return _regularized(a, x, upper).astype(np.result_type(a.dtype, x.dtype))

    def _check_no_a_grad(self):
        if self.needs_input_grad[0]:
            name = "igammac" if self.upper else "igamma"
            raise NotImplementedError(f"the derivative for '{name}: input' is not implemented.")

    def backward(self, g):
        self._check_no_a_grad()
        if not self.needs_input_grad[1]:
            return None, None
        xp = get_array_module(g)
        with np.errstate(divide="ignore", invalid="ignore"):
            density = xp.exp((self.a - 1) * xp.log(self.x) - self.x - _lgamma_array(self.a))
        return None, (-g if self.upper else g) * density.astype(g.dtype)

    def backward_graph(self, g):
        self._check_no_a_grad()
        if not self.needs_input_grad[1]:
            return None, None
        a, x = self.inputs
        a = a.detach()
        density = ((a - 1) * x.log() - x - Lgamma.apply(a)).exp()
        return None, (-g if self.upper else g) * density


def gammainc(a, x):
    """The regularised lower incomplete gamma function P(a, x) (Tensors of one dtype, broadcast)."""
    return Gammainc.apply(a, x, upper=False)


def gammaincc(a, x):
    """The regularised upper incomplete gamma function Q(a, x) = 1 - P(a, x)."""
    return Gammainc.apply(a, x, upper=True)

