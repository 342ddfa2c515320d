"""``F.dropout1d`` (whole channels of (N, C, L) inputs) and ``F.alpha_dropout`` (SELU-preserving dropout)."""
from __future__ import annotations

import math

from minidl.backend import bernoulli_mask
from minidl.ops.activation import _in_place
from minidl.ops.activation_more import SELU_ALPHA, SELU_SCALE
from minidl.ops.dropout import _check_p, keep_scale
from minidl.tensor import Tensor

__all__ = ["dropout1d", "alpha_dropout"]


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of an (N, C, L) (or unbatched (C, L)) input with probability ``p`` and
    scale the others by 1/(1-p); the identity when not ``training``. Shapes: unchanged."""
    _check_p("dropout1d", p)
    if input.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that "
                           "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a "
                           "channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    if not training or p == 0.0:
        return input
    dt = input.array.dtype
    mask_shape = tuple(input.shape[:-1]) + (1,)
    if p == 1.0:
        scale = input.xp.zeros(mask_shape, dtype=dt)
    else:
        scale = bernoulli_mask(input.xp, mask_shape, 1.0 - p) * keep_scale(dt, p)

    def compute(t):
        return t * Tensor(scale.astype(dt, copy=False))
    return _in_place("dropout1d", input, compute) if inplace else compute(input)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout (Klambauer et al.): dropped values are set to SELU's negative saturation and an affine
    map a * x + b restores zero mean and unit variance. Note PyTorch's default ``training=False``.

    Kept: a * x + a * alpha' * p; dropped: a * alpha' * (p - 1), with alpha' = SELU's alpha * scale and
    a = 1 / sqrt((alpha'^2 p + 1)(1 - p)). Shapes: unchanged.
    """
    _check_p("alpha_dropout", p)
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if p == 1.0:
        def compute(t):
            return t * 0.0
    else:
        dt = input.array.dtype
        alpha = SELU_ALPHA * SELU_SCALE
        a = 1.0 / math.sqrt((alpha * alpha * p + 1) * (1 - p))
        keep = bernoulli_mask(input.xp, tuple(input.shape), 1.0 - p).astype(dt)
        shift = ((keep - 1) * (alpha * a) + alpha * a * p).astype(dt, copy=False)

        def compute(t):
            return t * Tensor((keep * a).astype(dt, copy=False)) + Tensor(shift)
    return _in_place("alpha_dropout", input, compute) if inplace else compute(input)
