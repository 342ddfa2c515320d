"""Memory layouts of 4-D (N, C, H, W) arrays: NCHW (C-contiguous) and channels-last (NHWC).

A channels-last array keeps the logical shape (N, C, H, W) and only its
strides differ: ``x.transpose(0, 2, 3, 1)`` is C-contiguous. This is
PyTorch's ``torch.channels_last`` memory format. With
``minidl.config.channels_last`` the im2col convolution returns its GEMM
output in this layout (no transposing copy), and the kernels that follow
(pooling, batch norm, the next im2col) keep it.
"""
from __future__ import annotations

from minidl.backend import get_array_module

__all__ = ["is_channels_last", "to_channels_last", "empty_in_layout"]


def is_channels_last(x) -> bool:
    """True when 4-D ``x`` is laid out NHWC in memory and is not also C-contiguous.

    (An array with C == 1 or H*W == 1 can be both; it then counts as NCHW.)
    """
    return (getattr(x, "ndim", 0) == 4 and not x.flags.c_contiguous
            and x.transpose(0, 2, 3, 1).flags.c_contiguous)


def to_channels_last(x):
    """``x`` (N, C, H, W) as a view of NHWC memory (copied unless it already is one)."""
    xp = get_array_module(x)
    return xp.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)


def empty_in_layout(shape, channels_last, like):
    """Uninitialised (N, C, H, W) array of ``shape`` with ``like``'s dtype and device; NHWC memory when
    ``channels_last``, else C-contiguous."""
    xp = get_array_module(like)
    if channels_last:
        n, c, h, w = shape
        return xp.empty((n, h, w, c), dtype=like.dtype).transpose(0, 3, 1, 2)
    return xp.empty(tuple(shape), dtype=like.dtype)
