"""Inverted dropout: zero each value with probability p and scale the rest by 1/(1-p)."""
from __future__ import annotations

import warnings

from ..autograd import Function
from ..backend import bernoulli_mask, get_array_module
from ..tensor import Tensor
from ._guards import check_float_input

__all__ = ["dropout", "dropout2d", "keep_scale"]


def keep_scale(dtype, p):
    """1 / (1 - p) in ``dtype``, rounded as PyTorch's ``noise.div_(1 - p)`` rounds it (one division in ``dtype``)."""
    return dtype.type(1.0) / dtype.type(1.0 - p)


class Dropout(Function):
    """y = x * mask / (1 - p); dy/dx = mask / (1 - p)."""

    _input_values_unused = True   # backward and backward_graph read the scaled mask only

    def name(self):
        """``MulBackward0``: PyTorch's dropout multiplies by the scaled mask."""
        return "MulBackward0"

    def forward(self, x, p=0.5):
        xp = get_array_module(x)
        # The mask is PyTorch's for the same seed (backend.bernoulli_mask), drawn in x's logical (C)
        # order, so a seed gives the same mask in every memory layout; the mask is stored in x's layout
        # (empty_like keeps a channels-last x's strides), so that x * mask and g * mask run over
        # contiguous memory and the output stays channels-last for the next convolution.
        keep = bernoulli_mask(xp, x.shape, 1.0 - p)
        self.scale = xp.empty_like(x)
        xp.multiply(keep, keep_scale(x.dtype, p), out=self.scale)
        return x * self.scale

    def backward(self, g):
        return g * self.scale

    def backward_graph(self, g):
        return g * Tensor(self.scale)


def _check_p(name, p):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name}: dropout probability has to be between 0 and 1, but got {p}")


def dropout(input, p=0.5, training=True, inplace=False):
    """Inverted dropout on any shape: zero each element with probability ``p`` and scale the
    rest by 1/(1-p); the identity when not ``training`` or p == 0.

    ``inplace=True`` overwrites ``input`` when no graph is recorded through it.
    """
    _check_p("dropout", p)
    if not training or p == 0.0:
        return input
    check_float_input("dropout", input)

    def compute(t):
        return t * 0.0 if p == 1.0 else Dropout.apply(t, p=p)
    if inplace:
        from .activation import _in_place
        return _in_place("dropout", input, compute)
    return compute(input)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Channel dropout: zero whole channels (N, C) of an (N, C, H, W) input with probability ``p``
    and scale the others by 1/(1-p); the identity when not ``training``.

    A 3-D input is read as (N, C, L), as PyTorch does (with its warning). The
    output is ``input * mask`` with a constant (N, C, 1, 1) mask, so the
    gradient is the same mask.
    """
    _check_p("dropout2d", p)
    if input.ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated "
                      "and will result in an error in a future release. To retain the behavior and "
                      "silence this warning, please use dropout instead. Note that dropout2d exists to "
                      "provide channel-wise dropout on inputs with 2 spatial dimensions, a channel "
                      "dimension, and an optional batch dimension (i.e. 3D or 4D inputs).",
                      UserWarning, stacklevel=2)
    elif input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
                      "dropout behavior is desired - input is interpreted as shape (N, C, L), where C "
                      "is the channel dim. This behavior will change in a future release to interpret "
                      "the input as one without a batch dimension, i.e. shape (C, H, W). To maintain "
                      "the 1D channel-wise dropout behavior, please switch to using dropout1d instead.",
                      UserWarning, stacklevel=2)
    if not training or p == 0.0:
        return input
    if input.ndim < 2:
        raise ValueError(f"dropout2d: expected an input with a channel dimension, got shape "
                         f"{tuple(input.shape)}")
    xp = input.xp
    dt = input.dtype
    mask_shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    if p == 1.0:
        scale = xp.zeros(mask_shape, dtype=dt)
    else:
        scale = bernoulli_mask(xp, mask_shape, 1.0 - p) * keep_scale(dt, p)

    def compute(t):
        return t * Tensor(scale.astype(dt, copy=False))
    if inplace:
        from .activation import _in_place
        return _in_place("dropout2d", input, compute)
    return compute(input)
