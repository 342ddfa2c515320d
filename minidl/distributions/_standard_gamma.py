"""Gamma(concentration, 1) samples with reparameterised gradients, as PyTorch's ``torch._standard_gamma``.

Sampling is Marsaglia and Tsang's squeeze-rejection method (2000) as PyTorch's
CPU kernel runs it (:mod:`minidl._torch_samplers`), from minidl's current
generator, so a seeded draw is PyTorch's; it is moved to the concentration's device.

The gradient of a sample ``x`` with respect to its concentration ``a`` is the
implicit reparameterisation derivative (Figurnov et al., 2018): holding the
uniform level ``u = P(a, x)`` fixed, ``dx/da = -(dP/da)(a, x) / p(x; a)``
with ``P`` the regularised lower incomplete gamma function and ``p`` the
Gamma(a, 1) density. From the series ``P(a, x) = sum_n x**(a+n) exp(-x) /
Gamma(a+n+1)`` the ratio needs no exponentials:

    dx/da = -sum_n r_n (log x - digamma(a + n + 1)),
    r_0 = x / a,  r_n = r_{n-1} x / (a + n).

For very large ``a`` (where the series needs thousands of terms) the
Wilson-Hilferty cube-root normal approximation is differentiated instead.
As PyTorch's, this gradient is not itself differentiable (a second backward
through it raises).
"""
from __future__ import annotations

import numpy as np

from .._torch_samplers import gamma_draws
from ..autograd import Function
from ..backend import get_array_module, to_numpy
from ..generator import current_rng
from ..ops.special import _polygamma_array

__all__ = ["standard_gamma"]

_SERIES_MAX_CONCENTRATION = 2.0e3   # above it: the Wilson-Hilferty derivative
_SERIES_MAX_TERMS = 20000


def _series_derivative(x, a):
    """``dx/da`` by the incomplete-gamma series (float64 arrays of one shape, x > 0, a > 0)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_x = np.log(x)
        r = x / a
        psi = _polygamma_array(0, a) + 1.0 / a          # digamma(a + 1)
        total = -r * (log_x - psi)
        for n in range(1, _SERIES_MAX_TERMS):
            r = r * x / (a + n)
            psi = psi + 1.0 / (a + n)
            term = r * (log_x - psi)
            total = total - term
            if n > 8 and not np.any(np.abs(term) > 1e-17 * np.abs(total)):
                break
    return total


def _wilson_hilferty_derivative(x, a):
    """``dx/da`` holding z fixed in x = a (1 - 1/(9a) + z / (3 sqrt a))**3, the cube-root normal approximation."""
    t = np.cbrt(x / a)
    z = (t - 1 + 1 / (9 * a)) * 3 * np.sqrt(a)
    return t ** 3 + 3 * a * t ** 2 * (1 / (9 * a ** 2) - z / (6 * a ** 1.5))


def standard_gamma_grad(x, a):
    """The implicit derivative ``dx/da`` of Gamma(a, 1) samples ``x`` (NumPy float64 arrays, broadcast)."""
    x, a = np.broadcast_arrays(np.asarray(x, np.float64), np.asarray(a, np.float64))
    out = np.zeros(x.shape)
    ok = (x > 0) & (a > 0) & np.isfinite(x)
    large = ok & (a > _SERIES_MAX_CONCENTRATION)
    series = ok & ~large
    if series.any():
        out[series] = _series_derivative(x[series], a[series])
    if large.any():
        out[large] = _wilson_hilferty_derivative(x[large], a[large])
    return out


class StandardGamma(Function):
    """Gamma(a, 1) samples of ``a``'s shape; backward: the implicit reparameterisation derivative."""

    def forward(self, concentration, float64_concentration=False):
        xp = get_array_module(concentration)
        single = concentration.dtype == np.float32 and not float64_concentration
        draws = gamma_draws(current_rng(), to_numpy(concentration), single)
        tiny = np.finfo(concentration.dtype).tiny
        draws = np.maximum(draws.astype(concentration.dtype), tiny)   # as PyTorch: never exactly 0
        self.samples = draws
        self.concentration = to_numpy(concentration)
        return xp.asarray(draws)

    def backward(self, grad):
        xp = get_array_module(grad)
        local = standard_gamma_grad(self.samples, self.concentration).astype(self.samples.dtype)
        return grad * xp.asarray(local)


def standard_gamma(concentration, float64_concentration=False):
    """Gamma(``concentration``, 1) samples (a Tensor of the same shape and dtype), differentiable in it, drawn
    as PyTorch draws them (:mod:`minidl._torch_samplers`); ``float64_concentration``: draw from the
    concentrations in float64 whatever their dtype, as ``torch._sample_dirichlet`` does."""
    return StandardGamma.apply(concentration, float64_concentration=float64_concentration)
