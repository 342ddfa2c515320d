"""``pad`` with PyTorch's signature and modes: constant, reflect, replicate, circular.

Constant padding is the ``Pad`` op of :mod:`minidl.ops.shape`. The other
modes gather, along each padded dimension, the source index of every output
position (mirrored, clamped or wrapped) with differentiable indexing, so the
gradient sums back onto the source positions.
"""
from __future__ import annotations

import numpy as np

from .._errors import ShapeError
from .shape import pad as _constant_pad

__all__ = ["pad"]

_MODES = ("constant", "reflect", "replicate", "circular")


class PadModeError(NotImplementedError, ValueError):
    """An unknown padding mode: PyTorch raises NotImplementedError, minidl raised ValueError."""


def _source_index(n, lo, hi, mode):
    """Source index of each of the lo + n + hi output positions along one dimension."""
    pos = np.arange(-lo, n + hi)
    if mode == "replicate":
        return np.clip(pos, 0, n - 1)
    if mode == "circular":
        return pos % n
    period = 2 * (n - 1)                                        # reflect without repeating the edge
    pos = np.abs(pos) % period if period else np.zeros_like(pos)
    return np.where(pos >= n, period - pos, pos)


def pad(input, pad, mode="constant", value=None):
    """Pad the last len(pad)//2 dimensions, PyTorch's order: ``(left, right, top, bottom, ...)``.

    ``mode``: "constant" (with ``value``, default 0), "reflect" (mirror without
    the edge; padding < size), "replicate" (repeat the edge) or "circular"
    (wrap around; padding <= size). Non-constant modes pad the spatial dims
    of (N, C, ...) or (C, ...) inputs.
    """
    if mode not in _MODES:
        raise PadModeError(f"pad: mode must be one of {_MODES}, got {mode!r}")
    pad = tuple(int(p) for p in pad)
    if mode == "constant":
        from ..autograd.naming import name_grad_fn
        return name_grad_fn(_constant_pad(input, pad, 0.0 if value is None else value), "ConstantPadNdBackward0")
    if value is not None and value != 0:
        raise ValueError(f"pad: padding mode {mode!r} doesn't take in value argument")
    if len(pad) % 2 or len(pad) // 2 > input.ndim - 1:
        raise ValueError(f"pad: {mode} padding {pad} must have an even length of at most "
                         f"2*{input.ndim - 1} for an input of shape {tuple(input.shape)}")
    out = input
    for k in range(len(pad) // 2):
        lo, hi = pad[2 * k], pad[2 * k + 1]
        dim = input.ndim - 1 - k
        n = input.shape[dim]
        if min(lo, hi) < 0:
            raise ValueError(f"pad: negative padding {pad} is not supported in {mode} mode")
        limit = {"reflect": n - 1, "circular": n}.get(mode, max(lo, hi))
        if (lo or hi) and (max(lo, hi) > limit or n == 0):
            raise ShapeError(f"pad: {mode} padding ({lo}, {hi}) of dimension {dim} must be "
                             f"{'<' if mode == 'reflect' else '<='} its size {n} (input shape "
                             f"{tuple(input.shape)})")
        if lo == 0 and hi == 0:
            continue
        index = out.xp.asarray(_source_index(n, lo, hi, mode))
        out = out[(slice(None),) * dim + (index,)]
    return out
