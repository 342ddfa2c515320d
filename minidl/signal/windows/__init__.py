"""``minidl.signal.windows`` (as ``torch.signal.windows``): window functions with SciPy's definitions.

Each takes the window length ``M`` and keyword-only ``sym=True`` (symmetric, for filter design;
``sym=False`` gives the periodic window, for spectral analysis), ``dtype`` (float32 or float64; the default
float dtype when None), ``layout`` (strided), ``device`` and ``requires_grad``. As PyTorch's, each is built
from ``linspace(..., requires_grad=requires_grad)`` and differentiable ops, so with ``requires_grad=True``
the window is the (non-leaf) result of those ops. Shape: ``(M,)``.

>>> import minidl as mdl
>>> [round(v, 4) for v in mdl.signal.windows.hann(5).tolist()]
[0.0, 0.5, 1.0, 0.5, 0.0]
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

import numpy as np

__all__ = ["bartlett", "blackman", "cosine", "exponential", "gaussian", "general_cosine", "general_hamming",
           "hamming", "hann", "kaiser", "nuttall"]


def _checks(name, M, dtype, layout):
    """The dtype to use, after PyTorch's checks of ``M``, ``layout`` and ``dtype``."""
    import minidl
    if isinstance(M, bool) or not isinstance(M, numbers.Integral):
        raise TypeError(f"{name}(): argument 'M' must be int, not {type(M).__name__}")
    if M < 0:
        raise ValueError(f"{name} requires non-negative window length, got M={M}")
    if layout is not None and layout is not minidl.strided:
        raise ValueError(f"{name} is implemented for strided tensors only, got: {layout}")
    dtype = minidl.get_default_dtype() if dtype is None else dtype
    if dtype not in (minidl.float32, minidl.float64):
        raise ValueError(f"{name} expects float32 or float64 dtypes, got: {dtype}")
    return dtype


def _trivial(M, dtype, device, requires_grad, ones_at_one=True):
    """The window of length 0 (empty) or 1 (``[1.]``), else None."""
    import minidl
    if M == 0:
        return minidl.empty((0,), dtype=dtype, device=device, requires_grad=requires_grad)
    if M == 1 and ones_at_one:
        return minidl.ones((1,), dtype=dtype, device=device, requires_grad=requires_grad)
    return None


def _grid(start, step, M, dtype, device, requires_grad):
    """``linspace(start, start + (M - 1) * step, M)`` as PyTorch's windows build it."""
    import minidl
    return minidl.linspace(start, start + (M - 1) * step, M, dtype=dtype, device=device,
                           requires_grad=requires_grad)


def exponential(M, *, center=None, tau=1.0, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """The exponential (Poisson) window ``exp(-|n - center| / tau)``; ``center`` defaults to the middle
    (``(M - 1) / 2``, or ``M / 2`` when ``sym=False``) and must be None for symmetric windows."""
    import minidl
    dtype = _checks("exponential", M, dtype, layout)
    if tau <= 0:
        raise ValueError(f"Tau must be positive, got: {tau} instead.")
    if sym and center is not None:
        raise ValueError("Center must be None for symmetric windows")
    empty = _trivial(M, dtype, device, requires_grad, ones_at_one=False)
    if empty is not None:
        return empty
    if center is None:
        center = (M if not sym and M > 1 else M - 1) / 2.0
    k = _grid(-center / tau, 1 / tau, M, dtype, device, requires_grad)
    return minidl.exp(-minidl.abs(k))


def cosine(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """The cosine (sine) window ``sin(pi (n + 0.5) / M)`` (``M + 1`` in place of ``M`` when ``sym=False``)."""
    import minidl
    dtype = _checks("cosine", M, dtype, layout)
    empty = _trivial(M, dtype, device, requires_grad, ones_at_one=False)
    if empty is not None:
        return empty
    step = math.pi / (M + 1 if not sym and M > 1 else M)
    return minidl.sin(_grid(0.5 * step, step, M, dtype, device, requires_grad))


def gaussian(M, *, std=1.0, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """The Gaussian window ``exp(-(n - c)**2 / (2 std**2))`` around the window's middle ``c``."""
    import minidl
    dtype = _checks("gaussian", M, dtype, layout)
    if std <= 0:
        raise ValueError(f"Standard deviation must be positive, got: {std} instead.")
    empty = _trivial(M, dtype, device, requires_grad, ones_at_one=False)
    if empty is not None:
        return empty
    start = -(M if not sym and M > 1 else M - 1) / 2.0
    step = 1 / (std * math.sqrt(2))
    k = _grid(start * step, step, M, dtype, device, requires_grad)
    return minidl.exp(-(k ** 2))


def kaiser(M, *, beta=12.0, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """The Kaiser window ``I0(beta sqrt(1 - (2n/N - 1)**2)) / I0(beta)``, ``N = M - 1`` (``M`` when
    ``sym=False``); ``beta`` >= 0."""
    import minidl
    dtype = _checks("kaiser", M, dtype, layout)
    if beta < 0:
        raise ValueError(f"beta must be non-negative, got: {beta} instead.")
    trivial = _trivial(M, dtype, device, requires_grad)
    if trivial is not None:
        return trivial
    real = np.float32 if dtype == minidl.float32 else np.float64   # PyTorch computes the ends in ``dtype``
    beta_t = real(beta)
    step = real(real(2.0) * beta_t) / real(M if not sym else M - 1)
    end = min(beta_t, real(-beta_t + real(M - 1) * step))
    k = minidl.linspace(float(-beta_t), float(end), M, dtype=dtype, device=device, requires_grad=requires_grad)
    beta_tensor = minidl.tensor(float(beta_t), dtype=dtype, device=device)
    return minidl.i0(minidl.sqrt(beta_tensor * beta_tensor - minidl.pow(k, 2))) / minidl.i0(beta_tensor)


def general_cosine(M, *, a, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """The generalised cosine window ``sum_i (-1)**i a[i] cos(2 pi i n / N)`` with ``N = M - 1`` (``M`` when
    ``sym=False``); ``a``: the coefficients (a non-empty list or tuple)."""
    import minidl
    dtype = _checks("general_cosine", M, dtype, layout)
    trivial = _trivial(M, dtype, device, requires_grad)
    if trivial is not None:
        return trivial
    if not isinstance(a, Iterable):
        raise TypeError("Coefficients must be a list/tuple")
    if not a:
        raise ValueError("Coefficients cannot be empty")
    k = _grid(0, 2 * math.pi / (M if not sym else M - 1), M, dtype, device, requires_grad)
    a_i = minidl.tensor([(-1) ** i * w for i, w in enumerate(a)], dtype=dtype, device=device,
                        requires_grad=requires_grad)
    i = minidl.arange(a_i.shape[0], dtype=a_i.dtype, device=a_i.device, requires_grad=a_i.requires_grad)
    return (a_i.unsqueeze(-1) * minidl.cos(i.unsqueeze(-1) * k)).sum(0)


def general_hamming(M, *, alpha=0.54, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """The generalised Hamming window ``alpha - (1 - alpha) cos(2 pi n / N)``."""
    return general_cosine(M, a=[alpha, 1.0 - alpha], sym=sym, dtype=dtype, layout=layout, device=device,
                          requires_grad=requires_grad)


def hamming(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """The Hamming window ``0.54 - 0.46 cos(2 pi n / N)``."""
    return general_hamming(M, sym=sym, dtype=dtype, layout=layout, device=device, requires_grad=requires_grad)


def hann(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """The Hann window ``0.5 - 0.5 cos(2 pi n / N)``."""
    return general_hamming(M, alpha=0.5, sym=sym, dtype=dtype, layout=layout, device=device,
                           requires_grad=requires_grad)


def blackman(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """The Blackman window ``0.42 - 0.5 cos(2 pi n / N) + 0.08 cos(4 pi n / N)``."""
    dtype = _checks("blackman", M, dtype, layout)
    return general_cosine(M, a=[0.42, 0.5, 0.08], sym=sym, dtype=dtype, layout=layout, device=device,
                          requires_grad=requires_grad)


def bartlett(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """The Bartlett (triangular) window ``1 - |2n / N - 1|``."""
    import minidl
    dtype = _checks("bartlett", M, dtype, layout)
    trivial = _trivial(M, dtype, device, requires_grad)
    if trivial is not None:
        return trivial
    return 1 - minidl.abs(_grid(-1, 2 / (M if not sym else M - 1), M, dtype, device, requires_grad))


def nuttall(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """Nuttall's minimum 4-term Blackman-Harris window (coefficients 0.3635819, 0.4891775, 0.1365995,
    0.0106411)."""
    return general_cosine(M, a=[0.3635819, 0.4891775, 0.1365995, 0.0106411], sym=sym, dtype=dtype,
                          layout=layout, device=device, requires_grad=requires_grad)
