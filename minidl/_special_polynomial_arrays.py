"""Array kernels (NumPy or CuPy, float64) for ``torch.special``'s orthogonal polynomials of degree ``n``
(an array broadcast with ``x``, truncated to an integer; negative degrees give 0): Chebyshev T, U, V, W and
their shifted forms on [0, 1], physicists' and probabilists' Hermite, Laguerre and Legendre.

Each is its three-term recurrence run up to the largest degree asked for; as in PyTorch, inside (-1, 1)
the Chebyshev polynomials of high degree use their trigonometric forms (cos(n theta), ...) instead.
"""
from __future__ import annotations

import numpy as np

from .backend import get_array_module

__all__ = ["chebyshev", "hermite_h", "hermite_he", "laguerre", "legendre"]


def _run(x, n, first, second, step):
    """The polynomial of degree ``n`` by ``p_k = step(k, x, p_k-1, p_k-2)`` from ``p_0 = first``,
    ``p_1 = second`` (arrays broadcast with x); 0 where n < 0."""
    xp = get_array_module(x)
    top = int(float(xp.max(n))) if n.size else 0
    out = xp.where(n == 0, first, xp.where(n == 1, second, 0.0))
    previous, current = first, second
    for k in range(2, top + 1):
        previous, current = current, step(k, x, current, previous)
        out = xp.where(n == k, current, out)
    return out


def _broadcast(x, n):
    xp = get_array_module(x)
    x, n = xp.broadcast_arrays(xp.asarray(x, dtype=np.float64), xp.asarray(n, dtype=np.float64))
    with np.errstate(invalid="ignore"):
        n = xp.where(xp.isfinite(n), xp.trunc(n), -1.0)
    return xp, x, n


def chebyshev(kind, x, n, shifted=False):
    """The Chebyshev polynomial of ``kind`` "t", "u", "v" or "w" (on [0, 1] as ``p(2x - 1)`` when
    ``shifted``)."""
    xp, x, n = _broadcast(x, n)
    if shifted:
        x = x + x - 1
    ones = xp.ones_like(x)
    second = {"t": x, "u": x + x, "v": x + x - 1, "w": x + x + 1}[kind]
    inside = (xp.abs(x) < 1) & (n > (6 if kind == "t" else 8))
    edge = xp.abs(x) == 1
    with np.errstate(all="ignore"):
        # the recurrence runs only as far as the degrees that the closed forms below do not cover
        out = _run(x, xp.where(inside | edge, 0.0, n), ones, second, lambda k, x, p1, p2: (x + x) * p1 - p2)
        sign = xp.where(xp.fmod(n, 2) == 0, 1.0, -1.0)
        at_one = {"t": ones, "u": n + 1, "v": ones, "w": n + n + 1}[kind]
        at_minus_one = sign * {"t": ones, "u": n + 1, "v": n + n + 1, "w": ones}[kind]
        out = xp.where(edge, xp.where(x > 0, at_one, at_minus_one), out)
        theta = xp.arccos(xp.clip(x, -1, 1))
        if kind == "t":
            trig = xp.cos(n * theta)
        elif kind == "u":
            s = xp.sin(theta)
            trig = xp.where(s != 0, xp.sin((n + 1) * theta) / s, (n + 1) * xp.cos((n + 1) * theta) / x)
        elif kind == "v":
            trig = xp.cos((n + 0.5) * theta) / xp.cos(theta / 2)
        else:
            trig = xp.sin((n + 0.5) * theta) / xp.sin(theta / 2)
        out = xp.where(inside & xp.isfinite(trig), trig, out)
    return xp.where(n < 0, 0.0, out)


def hermite_h(x, n):
    """The physicists' Hermite polynomial H_n(x): H_k = 2x H_k-1 - 2(k-1) H_k-2."""
    xp, x, n = _broadcast(x, n)
    with np.errstate(all="ignore"):
        out = _run(x, n, xp.ones_like(x), x + x, lambda k, x, p1, p2: (x + x) * p1 - 2 * (k - 1) * p2)
    return xp.where(n < 0, 0.0, out)


def hermite_he(x, n):
    """The probabilists' Hermite polynomial He_n(x): He_k = x He_k-1 - (k-1) He_k-2."""
    xp, x, n = _broadcast(x, n)
    with np.errstate(all="ignore"):
        out = _run(x, n, xp.ones_like(x), x.copy(), lambda k, x, p1, p2: x * p1 - (k - 1) * p2)
    return xp.where(n < 0, 0.0, out)


def laguerre(x, n):
    """The Laguerre polynomial L_n(x): k L_k = (2k - 1 - x) L_k-1 - (k - 1) L_k-2."""
    xp, x, n = _broadcast(x, n)
    with np.errstate(all="ignore"):
        out = _run(x, n, xp.ones_like(x), 1 - x, lambda k, x, p1, p2: ((2 * k - 1 - x) * p1 - (k - 1) * p2) / k)
    return xp.where(n < 0, 0.0, xp.where(x == 0, 1.0, out))


def legendre(x, n):
    """The Legendre polynomial P_n(x): k P_k = (2k - 1) x P_k-1 - (k - 1) P_k-2."""
    xp, x, n = _broadcast(x, n)
    with np.errstate(all="ignore"):
        out = _run(x, n, xp.ones_like(x), x.copy(), lambda k, x, p1, p2: ((2 * k - 1) * x * p1 - (k - 1) * p2) / k)
    return xp.where(n < 0, 0.0, out)
