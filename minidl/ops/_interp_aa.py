"""The antialiased resampling weights of ``F.interpolate(..., antialias=True)`` (PyTorch's "_aa" kernels).

For output index ``i`` along an axis resized from ``n_in`` to ``n_out`` with scale ``s`` (``n_in / n_out``,
or ``1 / scale_factor``, or ``(n_in - 1) / (n_out - 1)`` with ``align_corners``), the filter is stretched
by ``s`` when shrinking (``s >= 1``), so that every input sample contributes (a box-filtered, alias-free
result, Pillow's resampling):

    center = s * (i + 0.5),   support = r * max(s, 1)   (r: 1 bilinear, 2 bicubic, 3 lanczos)
    taps j in [max(int(center - support + 0.5), 0), min(int(center + support + 0.5), n_in))
    w_ij = filter((j - center + 0.5) / max(s, 1)),  then each row normalised to sum 1.

Filters: triangle ``max(0, 1 - |x|)``; Keys' cubic with a = -0.5; Lanczos-3 ``sinc(x) sinc(x / 3)``.
"""
from __future__ import annotations

import numpy as np

__all__ = ["aa_matrix", "AA_MODES"]


def _triangle(x):
    return np.clip(1.0 - np.abs(x), 0.0, None)


def _cubic(x, a=-0.5):
    x = np.abs(x)
    near = ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
    far = (((x - 5.0) * x + 8.0) * x - 4.0) * a
    return np.where(x < 1.0, near, np.where(x < 2.0, far, 0.0))


def _lanczos(x):
    return np.where(np.abs(x) < 3.0, np.sinc(x) * np.sinc(x / 3.0), 0.0)


# mode -> (filter, half the number of taps at scale 1)
AA_MODES = {"bilinear": (_triangle, 1.0), "bicubic": (_cubic, 2.0), "lanczos": (_lanczos, 3.0)}


def aa_matrix(n_in, n_out, scale_factor, align_corners, mode, dtype):
    """The (n_out, n_in) antialiased resampling matrix of ``mode`` ("bilinear", "bicubic" or "lanczos")."""
    if align_corners:
        scale = (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    else:
        scale = 1.0 / scale_factor if scale_factor else n_in / n_out
    filt, radius = AA_MODES[mode]
    stretch = max(scale, 1.0)
    support = radius * stretch
    m = np.zeros((n_out, n_in))
    for i in range(n_out):
        center = scale * (i + 0.5)
        lo = max(int(center - support + 0.5), 0)
        hi = min(int(center + support + 0.5), n_in)
        taps = np.arange(lo, hi)
        w = filt((taps - center + 0.5) / stretch)
        total = w.sum()
        m[i, lo:hi] = w / total if total != 0 else w
    return m.astype(dtype)
