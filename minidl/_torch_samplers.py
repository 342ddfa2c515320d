"""PyTorch's serial CPU samplers for Gamma, Dirichlet and Poisson draws, so a seeded run draws PyTorch's numbers.

Each value is drawn in turn from the generator's stream, as PyTorch's CPU kernels do: a uniform is one
53-bit double (two 32-bit words, ``uniform_real_distribution<double>``), a normal is the Box-Muller pair
with its second value cached on the generator (``normal_distribution<double>``, shared with
:func:`minidl.mt19937.standard_normal`'s serial path). The algorithms are the published ones:

* Gamma: Marsaglia and Tsang (2000), "A simple method for generating gamma variables", with a concentration
  below 1 boosted by ``U ** (1 / a)``; for a float32 concentration the boost and ``d = a - 1/3`` are
  computed in float32, as PyTorch's kernel does.
* Poisson: for a rate of 10 or more, Hoermann's transformed rejection with squeeze (PTRS, 1993); below,
  the product of uniforms until it falls under ``exp(-rate)``.

With ``config.cpu_kernels == "numba"`` and a Mersenne Twister stream, :mod:`minidl.kernels.mt_stream` runs the
same samplers compiled on the generator's state (about 100 times faster); the Python loops here are its reference
and serve other generators.
"""
from __future__ import annotations

import math

import numpy as np

from .mt19937 import TorchMT19937, standard_normal

__all__ = ["gamma_draws", "poisson_draws"]

_MASK53 = (1 << 53) - 1
_ONE_THIRD_F32 = float(np.float32(1.0) / np.float32(3.0))
_SQUEEZE = float(np.float32(0.0331))     # the kernel's 0.0331f


def _compiled() -> bool:
    from . import config
    return config.cpu_kernels == "numba"


def _uniform(bits) -> float:
    """One double on [0, 1) from 53 bits of ``random64`` (two 32-bit words, high one first)."""
    hi, lo = (int(w) for w in bits.random_raw(2))
    if not isinstance(bits, np.random.MT19937):
        hi, lo = hi >> 32, lo >> 32
    return (((hi << 32) | lo) & _MASK53) * 2.0 ** -53


def _normal(gen) -> float:
    return float(standard_normal(gen, 1, np.float64, contiguous=False)[0])


def _gamma(gen, bits, alpha: float, single: bool) -> float:
    """One Gamma(alpha, 1) draw; ``single``: ``alpha`` is a float32 value (PyTorch's float arithmetic)."""
    f32 = np.float32
    scale = 1.0
    if alpha < 1.0:
        if alpha == 0.0:
            return 0.0
        exponent = float(f32(1.0) / f32(alpha)) if single else 1.0 / alpha
        scale *= (1.0 - _uniform(bits)) ** exponent
        alpha = float(f32(alpha) + f32(1.0)) if single else alpha + 1.0
    d = float(f32(alpha) - f32(_ONE_THIRD_F32)) if single else alpha - _ONE_THIRD_F32
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        while True:
            x = _normal(gen)
            y = 1.0 + c * x
            if y > 0:
                break
        v = y * y * y
        u = 1.0 - _uniform(bits)
        xx = x * x
        if u < 1.0 - _SQUEEZE * xx * xx:
            return scale * d * v
        if math.log(u) < 0.5 * xx + d * (1.0 - v + math.log(v)):
            return scale * d * v


def gamma_draws(gen: np.random.Generator, concentration: np.ndarray, single: bool) -> np.ndarray:
    """Gamma(a, 1) draws (float64, ``concentration``'s shape) in C order; NaN where ``a`` is negative or NaN.

    ``single``: the concentrations are float32 (``torch._standard_gamma`` on float32); Dirichlet draws its
    gammas from float64 concentrations whatever its dtype, so it passes False."""
    alpha = np.asarray(concentration, dtype=np.float64)
    bits = gen.bit_generator
    if isinstance(bits, TorchMT19937) and _compiled():
        from .kernels import mt_stream
        return mt_stream.gamma_fill(bits, alpha, single)
    out = np.empty(alpha.size)
    for k, a in enumerate(alpha.reshape(-1).tolist()):
        out[k] = _gamma(gen, bits, a, single) if a >= 0 else math.nan
    return out.reshape(alpha.shape)


def _poisson(bits, rate: float) -> int:
    if rate >= 10:
        slam, loglam = math.sqrt(rate), math.log(rate)
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2)
        while True:
            u = _uniform(bits) - 0.5
            v = _uniform(bits)
            us = 0.5 - abs(u)
            k = math.floor((2 * a / us + b) * u + rate + 0.43)
            if us >= 0.07 and v <= vr:
                return k
            if k < 0 or (us < 0.013 and v > us):
                continue
            if math.log(v) + math.log(inv_alpha) - math.log(a / (us * us) + b) <= \
                    -rate + k * loglam - math.lgamma(k + 1.0):
                return k
    if rate == 0:
        return 0
    count, product, limit = 0, 1.0, math.exp(-rate)
    while True:
        product *= _uniform(bits)
        if product <= limit:
            return count
        count += 1


def poisson_draws(gen: np.random.Generator, rates: np.ndarray) -> np.ndarray:
    """Poisson draws (float64, ``rates``' shape) in C order; each rate must be >= 0."""
    rates = np.asarray(rates, dtype=np.float64)
    bits = gen.bit_generator
    if isinstance(bits, np.random.MT19937) and _compiled():
        from .kernels import mt_stream
        return mt_stream.poisson_fill(bits, rates)
    out = np.empty(rates.size)
    for k, rate in enumerate(rates.reshape(-1).tolist()):
        out[k] = _poisson(bits, rate)
    return out.reshape(rates.shape)
