"""Inverted dropout: zero each value with probability p and scale the rest by 1/(1-p)."""
from __future__ import annotations

from ..autograd import Function
from ..backend import get_array_module, random_uniform
from ..tensor import Tensor

__all__ = ["dropout"]


class Dropout(Function):
    """y = x * mask / (1 - p); dy/dx = mask / (1 - p)."""

    def forward(self, x, p=0.5):
        xp = get_array_module(x)
        keep = random_uniform(xp, x.shape, x.dtype) >= x.dtype.type(p)
        self.scale = keep * x.dtype.type(1.0 / (1.0 - p))
        return x * self.scale

    def backward(self, g):
        return g * self.scale

    def backward_graph(self, g):
        return g * Tensor(self.scale)


def dropout(x, p=0.5, training=True):
    """Inverted dropout on any shape; identity when not ``training`` or p == 0."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    return Dropout.apply(x, p=p)
