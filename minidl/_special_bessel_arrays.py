"""Array kernels (NumPy or CuPy, computed in float64) for ``torch.special``'s Bessel and Airy functions:
``bessel_j0/j1/y0/y1``, ``modified_bessel_i0/i1/k0/k1``, ``scaled_modified_bessel_k0/k1``,
``spherical_bessel_j0`` and ``airy_ai``.

Methods, by argument range (each reaches about double precision where it is used):

- J0, J1, Y0, Y1: power series for ``|x| <= 1``; Miller's backward recurrence for ``1 < |x| <= 25``
  (normalised by ``J0 + 2 sum J_2k = 1``, with Neumann's series for Y0 and its derivative for Y1);
  Hankel's asymptotic expansion beyond.
- K0, K1: power series for ``x <= 2``; the trapezoidal rule on ``exp(x) K_nu(x) = int_0^inf
  exp(-x (cosh t - 1)) cosh(nu t) dt`` (exponentially convergent) for ``2 < x <= 30``; the asymptotic
  expansion beyond. I0, I1 come from :mod:`minidl.ops.special_bessel`.
- Ai: Taylor steps of ``y'' = x y`` from Ai(0), Ai'(0) for ``-10 <= x < 1``; ``Ai(x) = sqrt(x / 3) K_1/3(z)
  / pi`` with ``z = 2/3 x**1.5`` for ``x >= 1``; the oscillatory asymptotic expansion for ``x < -10``.
"""
from __future__ import annotations

import math

import numpy as np

from .backend import get_array_module
from .ops.special_bessel import _scaled_bessel

__all__ = ["j0", "j1", "y0", "y1", "i0", "i1", "k0", "k1", "k0e", "k1e", "spherical_j0", "airy_ai"]

_EULER = 0.5772156649015329
_SERIES_LIMIT, _MILLER_LIMIT, _K_SERIES_LIMIT, _K_QUADRATURE_LIMIT = 1.0, 25.0, 2.0, 30.0


def _prepare(x):
    xp = get_array_module(x)
    return xp, xp.asarray(x, dtype=np.float64)


def _j_series(xp, order, x):
    """J_order(x) (order 0 or 1) by the power series (small |x|)."""
    half = x / 2
    term = xp.ones_like(x) if order == 0 else half.copy()
    total = term.copy()
    q = -half * half
    for k in range(1, 25):
        term = term * q / (k * (k + order))
        total = total + term
    return total


def _j_miller(xp, x):
    """``(J0, J1, sum_k (-1)^k J_2k / k, sum_k (-1)^k (J_2k-1 - J_2k+1) / k)`` for x > 0 (moderate) by
    Miller's backward recurrence J_n-1 = 2n/x J_n - J_n+1 from a tiny start far above x."""
    top = int(float(xp.max(x))) if x.size else 0
    n_start = 2 * ((top + 30 + int(2 * math.sqrt(top + 1))) // 2)
    upper, current = xp.zeros_like(x), xp.full_like(x, 1e-300)
    norm, even_sum, odd_sum = xp.zeros_like(x), xp.zeros_like(x), xp.zeros_like(x)
    j1 = xp.zeros_like(x)
    for n in range(n_start, 0, -1):
        # `current` is J_n (unnormalised); add it to the sums, then step down to J_n-1
        if n % 2 == 0:
            norm = norm + 2 * current
            even_sum = even_sum + (-1) ** (n // 2) * current / (n // 2)
        else:
            m = (n - 1) // 2
            coeff = (-1) ** (m + 1) / (m + 1) - ((-1) ** m / m if m >= 1 else 0.0)
            odd_sum = odd_sum + coeff * current
        if n == 1:
            j1 = current
        upper, current = current, 2 * n / x * current - upper
        big = xp.abs(current) > 1e250
        if bool(big.any()):
            scale = xp.where(big, 1e-250, 1.0)
            upper, current, norm, even_sum, odd_sum, j1 = (v * scale for v in (upper, current, norm, even_sum,
                                                                                odd_sum, j1))
    norm = norm + current
    return current / norm, j1 / norm, even_sum / norm, odd_sum / norm


def _hankel(xp, order, x):
    """``(J_order(x), Y_order(x))`` by Hankel's asymptotic expansion (x large and positive)."""
    mu = 4.0 * order * order
    p, q = xp.ones_like(x), xp.zeros_like(x)
    term = xp.ones_like(x)
    for k in range(1, 40):
        term = term * (mu - (2 * k - 1) ** 2) / (k * 8.0 * x)
        if k % 2:
            q = q + (-1) ** (k // 2) * term
        else:
            p = p + (-1) ** (k // 2) * term
    s, c = xp.sin(x), xp.cos(x)
    # chi = x - (order / 2 + 1 / 4) pi, written with sin x and cos x to keep large x exact
    if order == 0:
        cos_chi, sin_chi = (c + s) / math.sqrt(2), (s - c) / math.sqrt(2)
    else:
        cos_chi, sin_chi = (s - c) / math.sqrt(2), -(s + c) / math.sqrt(2)
    amplitude = xp.sqrt(2 / (math.pi * x))
    return amplitude * (p * cos_chi - q * sin_chi), amplitude * (p * sin_chi + q * cos_chi)


def _y_series(xp, order, x, j):
    """Y_order(x) by its power series (small x > 0), given J_order(x)."""
    half = x / 2
    q = -half * half
    psi_k, psi_kn = -_EULER, -_EULER + (1.0 if order == 1 else 0.0)
    term = xp.ones_like(x) if order == 0 else half.copy()
    total = (psi_k + psi_kn) * term
    for k in range(1, 25):
        psi_k, psi_kn = psi_k + 1.0 / k, psi_kn + 1.0 / (k + order)
        term = term * q / (k * (k + order))
        total = total + (psi_k + psi_kn) * term
    out = 2 / math.pi * xp.log(half) * j - total / math.pi
    return out - 2 / (math.pi * x) if order == 1 else out


def _cylinder(x, want):
    """J0/J1/Y0/Y1 (``want`` in "j0", "j1", "y0", "y1") of a float64 array."""
    xp = get_array_module(x)
    order = int(want[1])
    ax = xp.abs(x)
    out = xp.full(x.shape, xp.nan)
    small, mid, large = (ax <= _SERIES_LIMIT), (ax > _SERIES_LIMIT) & (ax <= _MILLER_LIMIT), ax > _MILLER_LIMIT
    with np.errstate(all="ignore"):
        if bool(small.any()):
            s = ax[small]
            j = _j_series(xp, order, s)
            out[small] = j if want[0] == "j" else _y_series(xp, order, s, j)
        if bool(mid.any()):
            m = ax[mid]
            j0, j1, even_sum, odd_sum = _j_miller(xp, m)
            log_term = xp.log(m / 2) + _EULER
            if want == "j0":
                out[mid] = j0
            elif want == "j1":
                out[mid] = j1
            elif want == "y0":
                out[mid] = 2 / math.pi * (log_term * j0 - 2 * even_sum)
            else:
                out[mid] = 2 / math.pi * (log_term * j1 - j0 / m + odd_sum)
        if bool(large.any()):
            j, y = _hankel(xp, order, ax[large])
            out[large] = j if want[0] == "j" else y
        if want == "j1":
            out = xp.where(x < 0, -out, out)
        elif want[0] == "y":
            out = xp.where(x < 0, xp.nan, xp.where(x == 0, -xp.inf, out))
    return xp.where(xp.isnan(x), xp.nan, out)


def j0(x):
    """J0(x), the Bessel function of the first kind of order 0."""
    return _cylinder(_prepare(x)[1], "j0")


def j1(x):
    """J1(x), the Bessel function of the first kind of order 1."""
    return _cylinder(_prepare(x)[1], "j1")


def y0(x):
    """Y0(x), the Bessel function of the second kind of order 0 (nan for x < 0, -inf at 0)."""
    return _cylinder(_prepare(x)[1], "y0")


def y1(x):
    """Y1(x), the Bessel function of the second kind of order 1 (nan for x < 0, -inf at 0)."""
    return _cylinder(_prepare(x)[1], "y1")


def i0(x):
    """I0(x), the modified Bessel function of the first kind of order 0."""
    xp, x = _prepare(x)
    with np.errstate(over="ignore", invalid="ignore"):
        return _scaled_bessel(0, x) * xp.exp(xp.abs(x))


def i1(x):
    """I1(x), the modified Bessel function of the first kind of order 1."""
    xp, x = _prepare(x)
    with np.errstate(over="ignore", invalid="ignore"):
        return _scaled_bessel(1, x) * xp.exp(xp.abs(x))


def _k_series(xp, order, x):
    """K_order(x) by its power series (0 < x small), with I_order from the same terms."""
    half = x / 2
    q = half * half
    psi_k, psi_kn = -_EULER, -_EULER + (1.0 if order == 1 else 0.0)
    term = xp.ones_like(x)
    i_sum, psi_sum = term.copy(), (psi_k + psi_kn) * term
    for k in range(1, 30):
        psi_k, psi_kn = psi_k + 1.0 / k, psi_kn + 1.0 / (k + order)
        term = term * q / (k * (k + order))
        i_sum, psi_sum = i_sum + term, psi_sum + (psi_k + psi_kn) * term
    if order == 0:
        return -xp.log(half) * i_sum + psi_sum / 2
    return 1 / x + xp.log(half) * half * i_sum - half * psi_sum / 2


def _k_scaled_quadrature(xp, nu, z):
    """exp(z) K_nu(z) by the trapezoidal rule in t (step 0.1) for moderate z > 0."""
    t = np.arange(0, 8.0, 0.1)
    weights = np.full(t.shape, 0.1)
    weights[0] = 0.05
    t, weights = xp.asarray(t), xp.asarray(weights)
    integrand = xp.exp(-z[..., None] * (xp.cosh(t) - 1)) * xp.cosh(nu * t)
    return (integrand * weights).sum(-1)


def _k_scaled_asymptotic(xp, nu, z):
    """exp(z) K_nu(z) by the asymptotic expansion (large z)."""
    mu = 4.0 * nu * nu
    term, total = xp.ones_like(z), xp.ones_like(z)
    for k in range(1, 40):
        term = term * (mu - (2 * k - 1) ** 2) / (k * 8.0 * z)
        total = total + term
    return xp.sqrt(math.pi / (2 * z)) * total


def _k_scaled_large(xp, nu, z):
    """exp(z) K_nu(z) for z >= about 0.5 (quadrature, then the asymptotic expansion)."""
    far = z > _K_QUADRATURE_LIMIT
    out = xp.empty_like(z)
    if bool((~far).any()):
        out[~far] = _k_scaled_quadrature(xp, nu, z[~far])
    if bool(far.any()):
        out[far] = _k_scaled_asymptotic(xp, nu, z[far])
    return out


def _k(x, order, scaled):
    xp, x = _prepare(x)
    out = xp.full(x.shape, xp.nan)
    small = (x > 0) & (x <= _K_SERIES_LIMIT)
    large = (x > _K_SERIES_LIMIT) & xp.isfinite(x)
    with np.errstate(all="ignore"):
        if bool(small.any()):
            s = x[small]
            value = _k_series(xp, order, s)
            out[small] = value * xp.exp(s) if scaled else value
        if bool(large.any()):
            value = _k_scaled_large(xp, float(order), x[large])
            out[large] = value if scaled else value * xp.exp(-x[large])
    out = xp.where(x == 0, xp.inf, out)
    return xp.where((x == xp.inf), 0.0, out)


def k0(x):
    """K0(x), the modified Bessel function of the second kind of order 0 (inf at 0, nan for x < 0)."""
    return _k(x, 0, False)


def k1(x):
    """K1(x), the modified Bessel function of the second kind of order 1 (inf at 0, nan for x < 0)."""
    return _k(x, 1, False)


def k0e(x):
    """exp(x) K0(x)."""
    return _k(x, 0, True)


def k1e(x):
    """exp(x) K1(x)."""
    return _k(x, 1, True)


def spherical_j0(x):
    """sin(x) / x (1 at 0, 0 at +-inf)."""
    xp, x = _prepare(x)
    with np.errstate(all="ignore"):
        out = xp.where(x == 0, 1.0, xp.sin(x) / x)
    return xp.where(xp.isinf(x), 0.0, out)


def _airy_taylor(xp, x):
    """Ai(x) by Taylor steps (|step| <= 0.5) of Ai'' = x Ai from x = 0, for moderate x."""
    y = xp.full_like(x, 1 / (3 ** (2 / 3) * math.gamma(2 / 3)))
    dy = xp.full_like(x, -1 / (3 ** (1 / 3) * math.gamma(1 / 3)))
    a = xp.zeros_like(x)
    steps = int(math.ceil(float(xp.max(xp.abs(x))) / 0.5)) if x.size else 0
    for _ in range(steps):
        h = xp.clip(x - a, -0.5, 0.5)
        # Taylor coefficients at a: c_n+2 (n+2)(n+1) = a c_n + c_n-1
        previous, c0, c1 = xp.zeros_like(x), y, dy
        new_y, new_dy = c0 + c1 * h, c1.copy()
        power = h.copy()   # h**(n-1) for the derivative, h**n for the value below
        coeffs = [c0, c1]
        for n in range(0, 40):
            nxt = (a * coeffs[n] + (coeffs[n - 1] if n >= 1 else previous)) / ((n + 2) * (n + 1))
            coeffs.append(nxt)
            new_dy = new_dy + (n + 2) * nxt * power
            power = power * h
            new_y = new_y + nxt * power
        y, dy, a = new_y, new_dy, a + h
    return y


def _airy_oscillatory(xp, x):
    """Ai(x) for large negative x by the asymptotic expansion in zeta = 2/3 |x|**1.5."""
    z = -x
    zeta = 2.0 / 3.0 * z ** 1.5
    even, odd, u = xp.ones_like(x), xp.zeros_like(x), 1.0
    term = xp.ones_like(x)
    for k in range(1, 40):
        u = u * (6 * k - 5) * (6 * k - 3) * (6 * k - 1) / ((2 * k - 1) * 216.0 * k)
        term = term / zeta
        if k % 2:
            odd = odd + (-1) ** (k // 2) * u * term
        else:
            even = even + (-1) ** (k // 2) * u * term
    phase = zeta - math.pi / 4
    return (xp.cos(phase) * even + xp.sin(phase) * odd) / (math.sqrt(math.pi) * z ** 0.25)


def airy_ai(x):
    """Ai(x), the Airy function of the first kind (nan at +-inf, as PyTorch)."""
    xp, x = _prepare(x)
    out = xp.full(x.shape, xp.nan)
    middle = (x >= -10) & (x < 1)
    right = (x >= 1) & xp.isfinite(x)
    left = (x < -10) & xp.isfinite(x)
    with np.errstate(all="ignore"):
        if bool(middle.any()):
            out[middle] = _airy_taylor(xp, x[middle])
        if bool(right.any()):
            r = x[right]
            z = 2.0 / 3.0 * r ** 1.5
            out[right] = xp.sqrt(r / 3) * _k_scaled_large(xp, 1 / 3, z) * xp.exp(-z) / math.pi
        if bool(left.any()):
            out[left] = _airy_oscillatory(xp, x[left])
    return out
