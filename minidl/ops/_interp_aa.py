"""The antialiased resampling weights of ``F.interpolate(..., antialias=True)`` (PyTorch's "_aa" kernels).

For output index ``i`` along an axis resized from ``n_in`` to ``n_out`` with scale ``s`` (``n_in / n_out``,
or ``1 / scale_factor``, or ``(n_in - 1) / (n_out - 1)`` with ``align_corners``), the filter is stretched
by ``s`` when shrinking (``s >= 1``), so that every input sample contributes (a box-filtered, alias-free
result, Pillow's resampling):

    center = s * (i + 0.5),   support = r * max(s, 1)   (r: 1 bilinear, 2 bicubic, 3 lanczos)
    taps j in [max(int(center - support + 0.5), 0), min(int(center + support + 0.5), n_in))
    w_ij = filter((j - center + 0.5) / max(s, 1)),  then each row normalised to sum 1
    (the filters vanish outside those taps, so every j can be weighed at once).

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
    """The (n_out, n_in) antialiased resampling matrix of ``mode`` ("bilinear", "bicubic" or "lanczos").

    Every input index is weighed at once: the filters are zero outside their support, which is exactly the
    tap window PyTorch's kernel walks.
    """
    if align_corners:
        scale = (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    else:
        scale = 1.0 / scale_factor if scale_factor else n_in / n_out
    filt, _ = AA_MODES[mode]
    stretch = max(scale, 1.0)
    centers = scale * (np.arange(n_out) + 0.5)
    w = filt((np.arange(n_in)[None, :] - centers[:, None] + 0.5) / stretch)
    total = w.sum(axis=1, keepdims=True)
    return (w / np.where(total != 0, total, 1.0)).astype(dtype)
