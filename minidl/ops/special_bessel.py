"""The modified Bessel functions of the first kind of orders 0 and 1, exponentially scaled or not:
``i0e`` (``exp(-|x|) I0(x)``), ``i1`` and ``i1e`` (``exp(-|x|) I1(x)``), as ``torch.special``.

Computed in float64 with array operations that run on NumPy and CuPy: the
power series ``I_n(x) = sum_k (x/2)**(2k+n) / (k! (k+n)!)`` (positive terms,
no cancellation) for ``|x| <= 30``, and Hankel's asymptotic expansion
``I_n(x) exp(-x) ~ (2 pi x)**-1/2 sum_k (-1)**k a_k(n) / x**k`` beyond, where it
reaches double precision. Derivatives: ``I0' = I1``, ``I1' = I0 - I1 / x``
(1/2 at 0), and for the scaled forms the extra ``-sign(x)`` term; every
backward is built from these ops again, so they differentiate to any order.
"""
from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..backend import get_array_module
from ..tensor import Tensor

__all__ = ["i0e", "i1", "i1e"]

_SERIES_LIMIT = 30.0
_SERIES_TERMS = 90
_ASYMPTOTIC_TERMS = 30


def _series(order, ax):
    """``I_order(ax)`` by its power series (float64 array ax >= 0)."""
    half = ax / 2
    term = half ** order
    total = term.copy()
    q = half * half
    for k in range(1, _SERIES_TERMS):
        term = term * q / (k * (k + order))
        total = total + term
    return total


def _asymptotic_scaled(order, ax):
    """``exp(-ax) I_order(ax)`` by Hankel's expansion (float64 array ax > 0, large)."""
    xp = get_array_module(ax)
    mu = 4.0 * order * order
    term = xp.ones_like(ax)
    total = term.copy()
    for k in range(1, _ASYMPTOTIC_TERMS):
        term = -term * (mu - (2 * k - 1) ** 2) / (k * 8.0 * ax)
        total = total + term
    return total / xp.sqrt(2 * np.pi * ax)


def _scaled_bessel(order, x):
    """``exp(-|x|) I_order(x)`` (I1 is odd) as float64, for a NumPy/CuPy array ``x``."""
    xp = get_array_module(x)
    ax = xp.abs(x.astype(np.float64))
    small = ax <= _SERIES_LIMIT
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = xp.where(small, _series(order, xp.where(small, ax, 0.0)) * xp.exp(-ax),
                       _asymptotic_scaled(order, xp.where(small, _SERIES_LIMIT + 1, ax)))
    out = xp.where(xp.isnan(ax), xp.nan, out)
    if order == 1:
        out = xp.where(x < 0, -out, out)
    return out


class ScaledBesselI(Function):
    """``exp(-|x|) I_order(x)`` for order 0 or 1; d/dx by the recurrences (see the module docstring)."""

    def forward(self, x, order=0):
        self.x, self.order = x, order
        return _scaled_bessel(order, x).astype(x.dtype)

    def backward(self, g):
        xp = get_array_module(g)
        x = self.x.astype(np.float64)
        e0, e1 = _scaled_bessel(0, x), _scaled_bessel(1, x)
        if self.order == 0:
            local = e1 - xp.sign(x) * e0
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                local = xp.where(x == 0, 0.5, e0 - e1 / x - xp.sign(x) * e1)
        return g * local.astype(g.dtype)

    def backward_graph(self, g):
        x = self.inputs[0]
        e0, e1 = i0e(x), i1e(x)
        if self.order == 0:
            return g * (e1 - x.sign() * e0)
        return g * _i1_over_x_free(x, e0, e1, scaled=True)


class BesselI1(Function):
    """``I1(x)``; d/dx = I0(x) - I1(x) / x (1/2 at 0)."""

    def forward(self, x):
        self.x = x
        xp = get_array_module(x)
        with np.errstate(over="ignore"):
            return (_scaled_bessel(1, x) * xp.exp(xp.abs(x.astype(np.float64)))).astype(x.dtype)

    def backward(self, g):
        xp = get_array_module(g)
        x = self.x.astype(np.float64)
        scale = xp.exp(xp.abs(x))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            local = xp.where(x == 0, 0.5, (_scaled_bessel(0, x) - _scaled_bessel(1, x) / x) * scale)
        return g * local.astype(g.dtype)

    def backward_graph(self, g):
        x = self.inputs[0]
        return g * _i1_over_x_free(x, i0e(x), i1e(x), scaled=False)


def _i1_over_x_free(x, e0, e1, scaled):
    """The derivative of I1 (``scaled``: of exp(-|x|) I1) as Tensor ops, 1/2 at x = 0 without dividing by 0."""
    xp = get_array_module(x.array)
    at_zero = x.array == 0
    safe_x = x + Tensor(xp.where(at_zero, 1.0, 0.0).astype(x.array.dtype))
    ratio = e1 / safe_x
    local = e0 - ratio - (x.sign() * e1 if scaled else 0)
    if not scaled:
        local = local * x.abs().exp()
    half = Tensor(xp.full(x.array.shape, 0.5, dtype=x.array.dtype))
    from .elementwise import Where
    return Where.apply(half, local, cond=at_zero)


def i0e(x):
    """``exp(-|x|) I0(x)``."""
    return ScaledBesselI.apply(x, order=0)


def i1e(x):
    """``exp(-|x|) I1(x)``."""
    return ScaledBesselI.apply(x, order=1)


def i1(x):
    """``I1(x)``."""
    return BesselI1.apply(x)
