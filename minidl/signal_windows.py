"""PyTorch's window functions: ``hann_window``, ``hamming_window``, ``blackman_window``, ``bartlett_window``
and ``kaiser_window``, periodic by default (the window of length ``window_length + 1`` without its last
value, as used for spectral analysis), symmetric with ``periodic=False``.

>>> import minidl as mdl
>>> [round(v, 4) for v in mdl.hann_window(4).tolist()], [round(v, 4) for v in mdl.hann_window(4, False).tolist()]
([0.0, 0.5, 1.0, 0.5], [0.0, 0.75, 0.75, 0.0])
"""
from __future__ import annotations

import numbers

import numpy as np

from . import backend
from .dtypes import as_dtype, default_float, to_numpy_dtype
from .tensor import Tensor

__all__ = ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]


def _window(name, window_length, periodic, dtype, device, requires_grad, symmetric):
    """``symmetric(n)`` (float64 values of the symmetric window of length n >= 2) as PyTorch builds it."""
    if isinstance(window_length, bool) or not isinstance(window_length, numbers.Integral):
        raise TypeError(f"{name}(): argument 'window_length' must be int, not {type(window_length).__name__}")
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={window_length}")
    np_dtype = to_numpy_dtype(dtype) or default_float()
    if np_dtype.kind != "f":
        raise RuntimeError(f"{name} expects floating point dtypes, got: {as_dtype(np_dtype)}")
    n = int(window_length)
    if n <= 1:
        values = np.ones(n)
    else:
        values = symmetric(n + 1)[:-1] if periodic else symmetric(n)
    dev = backend.device_or_default(device)
    data = values.astype(np_dtype)
    return Tensor(backend.to_device(data, dev) if dev.type != "cpu" else data, requires_grad=requires_grad)


def _cosine_sum(*coefficients):
    def symmetric(n):
        phase = 2 * np.pi * np.arange(n) / (n - 1)
        return sum(c * np.cos(k * phase) for k, c in enumerate(coefficients))
    return symmetric


def hann_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, pin_memory=False,
                requires_grad=False):
    """The Hann window ``0.5 - 0.5 cos(2 pi n / (N - 1))``, shape (window_length,)."""
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad, _cosine_sum(0.5, -0.5))


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None, layout=None, device=None,
                   pin_memory=False, requires_grad=False):
    """The Hamming window ``alpha - beta cos(2 pi n / (N - 1))``, shape (window_length,)."""
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad,
                   _cosine_sum(alpha, -beta))


def blackman_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, pin_memory=False,
                    requires_grad=False):
    """The Blackman window ``0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1))``."""
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad,
                   _cosine_sum(0.42, -0.5, 0.08))


def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, pin_memory=False,
                    requires_grad=False):
    """The Bartlett (triangular) window ``1 - |2n / (N - 1) - 1|``, shape (window_length,)."""
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n: 1 - np.abs(2 * np.arange(n) / (n - 1) - 1))


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, layout=None, device=None,
                  pin_memory=False, requires_grad=False):
    """The Kaiser window ``I0(beta sqrt(1 - (2n / (N - 1) - 1)**2)) / I0(beta)``, shape (window_length,)."""
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n: np.kaiser(n, float(beta)))
