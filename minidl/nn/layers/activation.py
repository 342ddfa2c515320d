"""Activation layers: ``ReLU``, ``LeakyReLU``, ``Sigmoid``, ``Tanh``, ``Softmax``, ``LogSoftmax``.

Each is elementwise (shape-preserving) except the softmaxes, which
normalise along ``dim``.
"""
from __future__ import annotations

import minidl.nn.functional as F
from minidl.nn.module import Module

__all__ = ["ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax"]


class ReLU(Module):
    """max(0, x). Shapes: (*) -> (*)."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace  # accepted for PyTorch compatibility; never in place

    def forward(self, input):
        """(*) -> (*)."""
        return F.relu(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x if x >= 0 else negative_slope * x. Shapes: (*) -> (*)."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        """(*) -> (*)."""
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """1 / (1 + exp(-x)). Shapes: (*) -> (*)."""

    def forward(self, input):
        """(*) -> (*)."""
        return F.sigmoid(input)


class Tanh(Module):
    """tanh(x). Shapes: (*) -> (*)."""

    def forward(self, input):
        """(*) -> (*)."""
        return F.tanh(input)


def _softmax_dim(ndim: int) -> int:
    # PyTorch's legacy implicit dim for Softmax(dim=None).
    return 0 if ndim in (0, 1, 3) else 1


class Softmax(Module):
    """exp(x) / sum(exp(x)) along ``dim`` (PyTorch's implicit choice when None:
    0 for 0-, 1- and 3-D inputs, else 1). Shapes: (*) -> (*)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        """(*) -> (*), rows along ``dim`` summing to 1."""
        dim = self.dim if self.dim is not None else _softmax_dim(input.ndim)
        return F.softmax(input, dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log(softmax(x)) along ``dim``, computed stably. Shapes: (*) -> (*)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        """(*) -> (*)."""
        dim = self.dim if self.dim is not None else _softmax_dim(input.ndim)
        return F.log_softmax(input, dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
