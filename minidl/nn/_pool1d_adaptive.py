"""``F.adaptive_avg_pool1d`` and ``F.adaptive_max_pool1d``: the 2-D adaptive pools over a height of 1."""
from __future__ import annotations

from minidl.nn._conv1d import _as_2d, _single
from minidl.ops.pool import adaptive_avg_pool2d, adaptive_max_pool2d

__all__ = ["adaptive_avg_pool1d", "adaptive_max_pool1d"]


def adaptive_avg_pool1d(input, output_size):
    """Average over PyTorch's adaptive bins: (N, C, L) or (C, L) -> (N, C, output_size)."""
    out_len = _single(output_size, "adaptive_avg_pool1d: output_size")
    return adaptive_avg_pool2d(_as_2d(input, "adaptive_avg_pool1d"), (1, out_len)).squeeze(-2)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Maximum over PyTorch's adaptive bins: (N, C, L) or (C, L) -> (N, C, output_size); with
    ``return_indices`` also the int64 positions of the maxima along L."""
    out_len = _single(output_size, "adaptive_max_pool1d: output_size")
    out = adaptive_max_pool2d(_as_2d(input, "adaptive_max_pool1d"), (1, out_len), return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)
