"""The loops of PyTorch's random streams that NumPy cannot vectorise.

:func:`bernoulli53` draws dropout's keep mask straight from the Mersenne
Twister's state, in one pass; :func:`fisher_yates` applies ``randperm``'s
swaps.

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

import numpy as np

from . import _numba

__all__ = ["bernoulli53", "fisher_yates"]

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


_INLINE_HELPERS = ("_twist", "_next_word")
_NUMBA_KERNELS = {"_mask53": dict(cache=True), "_swap_forward": dict(cache=True)}


def bernoulli53(bit_generator, n: int, threshold: int) -> np.ndarray:
    """``n`` keep flags (bool) from the MT19937 ``bit_generator``, as ``minidl.mt19937.bernoulli`` computes
    them for a probability whose 53-bit threshold is ``threshold``; advances ``bit_generator`` by 2n words."""
    _numba.compile_kernels(globals(), _NUMBA_KERNELS)
    state = bit_generator.state
    key = np.array(state["state"]["key"], dtype=np.uint32)
    out = np.empty(int(n), dtype=np.bool_)
    pos = _mask53(key, int(state["state"]["pos"]), np.uint64(threshold), out)
    bit_generator.state = {"bit_generator": state["bit_generator"], "state": {"key": key, "pos": int(pos)}}
    return out


def fisher_yates(picks: np.ndarray) -> np.ndarray:
    """The permutation (int64, length ``len(picks) + 1``) that swapping position i with
    ``i + picks[i]`` for i = 0, 1, ... makes of 0..n-1; ``picks[i]`` must lie in [0, n - 1 - i]."""
    _numba.compile_kernels(globals(), _NUMBA_KERNELS)
    order = np.arange(picks.shape[0] + 1, dtype=np.int64)
    _swap_forward(np.ascontiguousarray(picks, dtype=np.int64), order)
    return order
