"""The Hurwitz zeta function ``zeta(x, q) = sum_k (q + k)**-x``, as ``torch.special.zeta``.

Computed in float64 with array operations that run on NumPy and CuPy, by the Euler-Maclaurin formula: the
first terms summed directly until ``q + N >= 10``, the tail as ``(q+N)**(1-x) / (x-1) + (q+N)**-x / 2`` plus
12 Bernoulli corrections ``B_2j / (2j)! x (x+1) ... (x+2j-2) (q+N)**(-x-2j+1)``. Edges as PyTorch (Cephes):
nan for x < 1, inf at x == 1, inf at q a non-positive integer, nan for q < 0 with x not an integer.
The derivative in ``q`` is ``-x zeta(x + 1, q)``; the derivative in ``x`` is not implemented, as in PyTorch
(a backward pass that needs it raises NotImplementedError).
"""
from __future__ import annotations

from fractions import Fraction
from math import comb, factorial

import numpy as np

from ..autograd import Function
from ..backend import get_array_module

__all__ = ["zeta"]


def _bernoulli_over_factorial(count):
    """``B_2j / (2j)!`` for j = 1..count, from the exact Bernoulli numbers (B_m = -sum C(m+1, k) B_k / (m+1))."""
    b = [Fraction(1)]
    for m in range(1, 2 * count + 1):
        b.append(-sum(comb(m + 1, k) * b[k] for k in range(m)) / (m + 1))
    return [float(b[2 * j] / factorial(2 * j)) for j in range(1, count + 1)]


_CORRECTIONS = _bernoulli_over_factorial(12)
_TAIL_START = 10.0


def _zeta_array(x, q):
    """zeta(x, q) as float64 for broadcast arrays."""
    xp = get_array_module(x)
    x, q = xp.broadcast_arrays(xp.asarray(x, dtype=np.float64), xp.asarray(q, dtype=np.float64))
    x, q = x.copy(), q.copy()
    with np.errstate(all="ignore"):
        total = xp.zeros_like(x)
        a = q.copy()
        steps = int(max(0.0, float(xp.max(xp.where(xp.isfinite(q), _TAIL_START - q, 0.0))))) if q.size else 0
        for _ in range(steps + 1):
            head = a < _TAIL_START
            total = total + xp.where(head, a ** -x, 0.0)
            a = xp.where(head, a + 1, a)
        tail = a ** (1 - x) / (x - 1) + 0.5 * a ** -x
        rising, power = x.copy(), a ** (-x - 1)
        for j, coeff in enumerate(_CORRECTIONS, start=1):
            tail = tail + coeff * rising * power
            rising = rising * (x + 2 * j - 1) * (x + 2 * j)
            power = power / (a * a)
        out = total + tail
        integer_q = (q <= 0) & (q == xp.floor(q))
        out = xp.where(integer_q, xp.inf, out)
        out = xp.where((q < 0) & ~integer_q & (x != xp.floor(x)), xp.nan, out)
        out = xp.where(x == 1, xp.inf, xp.where(x < 1, xp.nan, out))
        out = xp.where((q == xp.inf) & (x > 1), 0.0, out)
    return xp.where(xp.isnan(x) | xp.isnan(q), xp.nan, out)


class Zeta(Function):
    """zeta(x, q); d/dq = -x zeta(x + 1, q), d/dx not implemented."""

    def forward(self, x, q):
        self.x, self.q = x, q
        return _zeta_array(x, q).astype(np.result_type(x.dtype, q.dtype))

    def _check_no_x_grad(self):
        if self.needs_input_grad[0]:
            raise NotImplementedError("the derivative for 'zeta' is not implemented.")

    def backward(self, g):
        self._check_no_x_grad()
        if not self.needs_input_grad[1]:
            return None, None
        return None, (-g * self.x * _zeta_array(self.x + 1, self.q)).astype(g.dtype)

    def backward_graph(self, g):
        self._check_no_x_grad()
        if not self.needs_input_grad[1]:
            return None, None
        x, q = self.inputs
        x = x.detach()
        return None, -g * x * Zeta.apply(x + 1, q)


def zeta(x, q):
    """The Hurwitz zeta function of two Tensors of one dtype (broadcast)."""
    return Zeta.apply(x, q)
