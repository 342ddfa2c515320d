"""``LayerNorm``: normalisation over each sample's trailing dimensions."""
from __future__ import annotations

import numpy as np

from minidl.nn._composite import layer_norm
from minidl.nn.layers._utils import _factory, _place
from minidl.nn.module import Module, Parameter

__all__ = ["LayerNorm"]


class LayerNorm(Module):
    """``(x - mean) / sqrt(var + eps) * weight + bias`` over the last ``len(normalized_shape)`` dims.

    The variance is the biased one, as in PyTorch. ``elementwise_affine``
    learns ``weight`` (ones) and, when ``bias`` is True, ``bias`` (zeros), both
    of shape ``normalized_shape``.

    Shapes: input (*, *normalized_shape) -> output of the same shape.

    >>> import minidl as mdl, minidl.nn as nn
    >>> nn.LayerNorm(4)(mdl.randn(2, 3, 4)).shape
    minidl.Size([2, 3, 4])
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        super().__init__()
        dev, dt = _factory(device, dtype)
        if isinstance(normalized_shape, (int, np.integer)):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(s) for s in normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=dt))
            if bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dt))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        _place(self, dev)

    def reset_parameters(self) -> None:
        """weight = 1, bias = 0."""
        if self.weight is not None:
            self.weight.array[...] = 1
        if self.bias is not None:
            self.bias.array[...] = 0

    def forward(self, input):
        """(*, *normalized_shape) -> the same shape."""
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")
