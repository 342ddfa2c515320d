"""The loops of PyTorch's random streams that NumPy cannot vectorise.

:func:`bernoulli53` draws dropout's keep mask straight from the Mersenne
Twister's state, in one pass; :func:`fisher_yates` applies ``randperm``'s
swaps; :func:`poisson_fill` and :func:`gamma_fill` run PyTorch's serial Poisson and Gamma samplers
(references: :mod:`minidl._torch_samplers`) on the same state, a word at a time.

``minidl.mt19937.bernoulli`` draws PyTorch's ``bernoulli_(p)``: per element two
32-bit words ``w1, w2`` of MT19937, ``m = (w1 << 32 | w2) & (2**53 - 1)``, kept
when ``m < ceil(p 2**53)``. Its NumPy reference asks the bit generator for the
words (a uint64 array of 2n values), then combines and compares them: four
passes over 16n-byte arrays. :func:`bernoulli53` runs the generator itself
(the reference MT19937: tempering of ``Matsumoto & Nishimura 1998``, eq. (2.2)-(2.5),
and its twist every 624 words) on a copy of the NumPy state and writes only
the n-byte mask, then hands the advanced state back, so the stream continues
exactly as if NumPy had drawn the words.
"""
from __future__ import annotations

import math

import numpy as np

from . import _numba

__all__ = ["bernoulli53", "fisher_yates", "poisson_fill", "gamma_fill"]

_N = 624
_M = 397


def _twist(key):
    # regenerate all 624 words of the state in place (the reference recurrence)
    for i in range(_N):
        y = (key[i] & np.uint32(0x80000000)) | (key[(i + 1) % _N] & np.uint32(0x7FFFFFFF))
        value = key[(i + _M) % _N] ^ (y >> np.uint32(1))
        if y & np.uint32(1):
            value ^= np.uint32(0x9908B0DF)
        key[i] = value


def _next_word(key, pos):
    # the tempered word at ``pos`` (twisting first when the state is spent) and the next position
    if pos >= _N:
        _twist(key)
        pos = 0
    y = key[pos]
    y ^= y >> np.uint32(11)
    y ^= (y << np.uint32(7)) & np.uint32(0x9D2C5680)
    y ^= (y << np.uint32(15)) & np.uint32(0xEFC60000)
    y ^= y >> np.uint32(18)
    return np.uint64(y), pos + 1


def _mask53(key, pos, threshold, out):
    # out[i] = (two tempered words as a 53-bit integer) < threshold; returns the new position in the state
    low53 = np.uint64((1 << 53) - 1)
    for i in range(out.shape[0]):
        high, pos = _next_word(key, pos)
        low, pos = _next_word(key, pos)
        out[i] = ((high << np.uint64(32)) | low) & low53 < threshold
    return pos


def _swap_forward(picks, order):
    # Fisher-Yates from the front: step i swaps order[i] with order[i + picks[i]]
    for i in range(picks.shape[0]):
        j = i + picks[i]
        held = order[i]
        order[i] = order[j]
        order[j] = held


def _uniform53(key, pos):
    # one double on [0, 1) from two tempered words (high first), 53 bits: uniform_real_distribution<double>
    high, pos = _next_word(key, pos)
    low, pos = _next_word(key, pos)
    bits53 = ((high << np.uint64(32)) | low) & np.uint64((1 << 53) - 1)
    return np.float64(bits53) * 2.0 ** -53, pos


def _poisson_values(key, pos, rates, out):
    # minidl._torch_samplers._poisson for each rate in turn; returns the new position in the state
    for i in range(rates.shape[0]):
        rate = rates[i]
        if rate >= 10:
            slam, loglam = np.sqrt(rate), np.log(rate)
            b = 0.931 + 2.53 * slam
            a = -0.059 + 0.02483 * b
            inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
            vr = 0.9277 - 3.6224 / (b - 2)
            while True:
                u, pos = _uniform53(key, pos)
                u -= 0.5
                v, pos = _uniform53(key, pos)
                us = 0.5 - abs(u)
                k = np.floor((2 * a / us + b) * u + rate + 0.43)
                if us >= 0.07 and v <= vr:
                    break
                if k < 0 or (us < 0.013 and v > us):
                    continue
                if np.log(v) + np.log(inv_alpha) - np.log(a / (us * us) + b) <= \
                        -rate + k * loglam - math.lgamma(k + 1.0):
                    break
            out[i] = k
        elif rate == 0:
            out[i] = 0.0
        else:
            count, product, limit = 0.0, 1.0, np.exp(-rate)
            while True:
                u, pos = _uniform53(key, pos)
                product *= u
                if product <= limit:
                    break
                count += 1.0
            out[i] = count
    return pos


def _gamma_values(key, pos, alphas, single, cache, out):
    # minidl._torch_samplers._gamma for each concentration in turn; normals are Box-Muller pairs whose second
    # value waits in ``cache`` (NaN: none); returns the new position and cache
    third32 = np.float32(1.0) / np.float32(3.0)
    squeeze = np.float64(np.float32(0.0331))
    for i in range(alphas.shape[0]):
        alpha = alphas[i]
        if not alpha >= 0:
            out[i] = np.nan
            continue
        if alpha == 0:
            out[i] = 0.0
            continue
        scale = 1.0
        if alpha < 1.0:
            u, pos = _uniform53(key, pos)
            exponent = np.float64(np.float32(1.0) / np.float32(alpha)) if single else 1.0 / alpha
            scale = (1.0 - u) ** exponent
            alpha = np.float64(np.float32(alpha) + np.float32(1.0)) if single else alpha + 1.0
        d = np.float64(np.float32(alpha) - third32) if single else alpha - np.float64(third32)
        c = 1.0 / np.sqrt(9.0 * d)
        while True:
            while True:
                if cache == cache:   # a cached normal (not NaN)
                    x, cache = cache, np.nan
                else:
                    u1, pos = _uniform53(key, pos)
                    u2, pos = _uniform53(key, pos)
                    radius = np.sqrt(-2.0 * np.log1p(-u2))
                    theta = 2.0 * np.pi * u1
                    cache = radius * np.sin(theta)
                    x = radius * np.cos(theta)
                y = 1.0 + c * x
                if y > 0:
                    break
            v = y * y * y
            u, pos = _uniform53(key, pos)
            u = 1.0 - u
            xx = x * x
            if u < 1.0 - squeeze * xx * xx or np.log(u) < 0.5 * xx + d * (1.0 - v + np.log(v)):
                out[i] = scale * d * v
                break
    return pos, cache


_INLINE_HELPERS = ("_twist", "_next_word", "_uniform53")
_NUMBA_KERNELS = {"_mask53": dict(cache=True), "_swap_forward": dict(cache=True),
                  "_poisson_values": dict(cache=True), "_gamma_values": dict(cache=True)}


def _run_on_state(bit_generator, kernel, *args):
    """``kernel(key, pos, *args)`` on a copy of the MT19937 state, which then becomes ``bit_generator``'s;
    returns what the kernel returns after the position."""
    _numba.compile_kernels(globals(), _NUMBA_KERNELS)
    state = bit_generator.state
    key = np.array(state["state"]["key"], dtype=np.uint32)
    result = kernel(key, int(state["state"]["pos"]), *args)
    pos, rest = (result[0], result[1:]) if isinstance(result, tuple) else (result, ())
    bit_generator.state = {"bit_generator": state["bit_generator"], "state": {"key": key, "pos": int(pos)}}
    return rest


def bernoulli53(bit_generator, n: int, threshold: int) -> np.ndarray:
    """``n`` keep flags (bool) from the MT19937 ``bit_generator``, as ``minidl.mt19937.bernoulli`` computes
    them for a probability whose 53-bit threshold is ``threshold``; advances ``bit_generator`` by 2n words."""
    out = np.empty(int(n), dtype=np.bool_)
    _run_on_state(bit_generator, _mask53, np.uint64(threshold), out)
    return out


def fisher_yates(picks: np.ndarray) -> np.ndarray:
    """The permutation (int64, length ``len(picks) + 1``) that swapping position i with
    ``i + picks[i]`` for i = 0, 1, ... makes of 0..n-1; ``picks[i]`` must lie in [0, n - 1 - i]."""
    _numba.compile_kernels(globals(), _NUMBA_KERNELS)
    order = np.arange(picks.shape[0] + 1, dtype=np.int64)
    _swap_forward(np.ascontiguousarray(picks, dtype=np.int64), order)
    return order


def poisson_fill(bit_generator, rates: np.ndarray) -> np.ndarray:
    """PyTorch's Poisson draws (float64, C order, ``rates``' shape; rates >= 0) from the MT19937 ``bit_generator``,
    which advances by the words they used."""
    rates = np.ascontiguousarray(rates, dtype=np.float64)
    out = np.empty(rates.size)
    _run_on_state(bit_generator, _poisson_values, rates.reshape(-1), out)
    return out.reshape(rates.shape)


def gamma_fill(bit_generator, concentration: np.ndarray, single: bool) -> np.ndarray:
    """PyTorch's Gamma(a, 1) draws (float64, C order, ``concentration``'s shape; NaN where a < 0 or NaN) from
    the :class:`minidl.mt19937.TorchMT19937` ``bit_generator``, using and leaving its cached normal."""
    alphas = np.ascontiguousarray(concentration, dtype=np.float64)
    out = np.empty(alphas.size)
    cached = bit_generator.normal_cache
    (cache,) = _run_on_state(bit_generator, _gamma_values, alphas.reshape(-1), bool(single),
                             np.nan if cached is None else float(cached), out)
    bit_generator.normal_cache = None if cache != cache else float(cache)
    return out.reshape(alphas.shape)
