"""``torch.binomial(count, prob, generator=None)``: Binomial(count, prob) samples, drawn as PyTorch's CPU kernel
draws them, so after ``manual_seed(s)`` the samples (and the generator's state afterwards) are PyTorch's.

PyTorch's algorithm (``aten/src/ATen/native/Distributions.h``, ``sample_binomial``), per element in order, with
uniform doubles on [0, 1) from the generator's 64-bit words: ``count <= 0`` or ``prob <= 0`` gives 0 and
``prob >= 1`` gives ``count``; otherwise with ``p = min(prob, 1 - prob)`` (the sample mirrored as ``count - k``
when ``prob > 0.5``), ``count * p >= 10`` uses Hörmann's BTRS rejection sampler and smaller means the
inversion by geometric waiting times.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["binomial"]

# log(k!) - [(k + 1/2) log(k + 1) - (k + 1) + log(2 pi)/2]: exact values for k <= 9 (as PyTorch's table)
_STIRLING_TAIL = (0.08106146679532726, 0.04134069595540929, 0.02767792568499834, 0.02079067210376509,
                  0.01664469118982119, 0.01387612882307075, 0.01189670994589177, 0.01041126526197209,
                  0.009255462182712733, 0.008330563433362871)


def _stirling_tail(k):
    if k <= 9:
        return _STIRLING_TAIL[int(k)]
    kp1sq = (k + 1) * (k + 1)
    return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)


def _inversion(count, prob, uniform, real):
    geom_sum, num_geom = 0.0, 0.0
    logprob = float(np.log1p(-real(prob)))
    while True:
        u = uniform()
        geom = math.ceil(math.log(u) / logprob) if u > 0 else math.inf
        geom_sum += geom
        if geom_sum > count:
            return num_geom
        num_geom += 1


def _btrs(count, prob, uniform, real):
    n, p = real(count), real(prob)
    stddev = float(np.sqrt(n * p * (real(1) - p)))
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * prob
    c = float(n * p) + 0.5
    v_r = 0.92 - 4.2 / b
    r = float(p / (real(1) - p))
    alpha = (2.83 + 5.1 / b) * stddev
    m = math.floor(float((n + real(1)) * p))
    while True:
        u = uniform() - 0.5
        v = uniform()
        us = 0.5 - abs(u)
        k = math.floor((2 * a / us + b) * u + c)
        if k < 0 or k > count:
            continue
        if us >= 0.07 and v <= v_r:
            return k
        v = math.log(v * alpha / (a / (us * us) + b))
        upper = ((m + 0.5) * math.log((m + 1) / (r * (count - m + 1)))
                 + (count + 1) * math.log((count - m + 1) / (count - k + 1))
                 + (k + 0.5) * math.log(r * (count - k + 1) / (k + 1))
                 + _stirling_tail(m) + _stirling_tail(count - m) - _stirling_tail(k) - _stirling_tail(count - k))
        if v <= upper:
            return k


def _sample(count, prob, uniform, real):
    """One sample; ``real`` is the Tensor's scalar type (``np.float32`` or ``float``), in which PyTorch's
    kernel does the arithmetic of ``count`` and ``prob`` (its uniforms and the rest are doubles)."""
    if count <= 0.0 or prob <= 0.0:
        return 0.0
    if prob >= 1.0:
        return count
    if prob <= 0.5:
        if float(real(count) * real(prob)) >= 10.0:
            return _btrs(count, prob, uniform, real)
        return _inversion(count, prob, uniform, real)
    if prob > 0.5:
        q = float(real(1.0 - prob))
        if float(real(count) * real(q)) >= 10.0:
            return count - _btrs(count, q, uniform, real)
        return count - _inversion(count, q, uniform, real)
    return math.nan


def binomial(count, prob, generator=None):
    """Samples of Binomial(``count``, ``prob``), elementwise over the broadcast of the two floating Tensors
    (PyTorch requires equal shapes after broadcasting), in their dtype; not differentiable."""
    from . import backend, mt19937
    from .generator import as_numpy_generator
    from .tensor import Tensor
    if not isinstance(count, Tensor) or not isinstance(prob, Tensor):
        raise TypeError(f"binomial(): argument 'count' and 'prob' must be Tensors, got {type(count).__name__} and "
                        f"{type(prob).__name__}")
    for name, value in (("count", count), ("prob", prob)):
        if not value.is_floating_point():
            kind = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                    "bool": "Bool"}.get(str(value.dtype).replace("minidl.", ""), str(value.dtype))
            raise ValueError(f"binomial only supports floating-point dtypes for {name}, got: {kind}")
    counts, probs = np.broadcast_arrays(backend.to_numpy(count.array).astype(np.float64),
                                        backend.to_numpy(prob.array).astype(np.float64))
    gen = as_numpy_generator(generator)

    def uniform():
        return float(mt19937.unit(gen, 1, np.float64)[0])
    real = np.float32 if count.array.dtype.itemsize <= 4 else float
    flat = [_sample(float(n), float(p), uniform, real) for n, p in zip(counts.ravel(), probs.ravel())]
    values = np.asarray(flat, dtype=np.float64).reshape(counts.shape).astype(count.array.dtype)
    out = Tensor(values)
    return out.to(count.device) if count.device.type != "cpu" else out
