"""``MaxUnpool2d`` (partial inverse of max pooling) and ``Bilinear`` (y = x1^T A x2 + b)."""
from __future__ import annotations

import math

import numpy as np

import minidl.nn.functional as F
from minidl.nn import init
from minidl.nn.layers._utils import _count, _factory, _place
from minidl.nn.module import Module, Parameter

__all__ = ["MaxUnpool2d", "Bilinear"]


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


class MaxUnpool2d(Module):
    """Put max-pooled values back at their indices. Shapes: (N, C, H, W) + indices -> (N, C, H_out, W_out),
    H_out = (H - 1) * stride - 2 * padding + kernel_size, or ``output_size`` given to forward."""

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride if stride is not None else kernel_size)
        self.padding = _pair(padding)

    def forward(self, input, indices, output_size=None):
        """(N, C, H, W), int64 indices of the same shape -> (N, C, H_out, W_out)."""
        return F.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class Bilinear(Module):
    """y_k = x1^T weight[k] x2 + bias[k]; weight (out, in1, in2) and bias (out,) ~ U(-1/sqrt(in1), 1/sqrt(in1)).

    Shapes: (*, in1_features), (*, in2_features) -> (*, out_features).
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__()
        dev, dt = _factory(device, dtype)
        self.in1_features = _count("Bilinear", "in1_features", in1_features)
        self.in2_features = _count("Bilinear", "in2_features", in2_features)
        self.out_features = _count("Bilinear", "out_features", out_features)
        self.weight = Parameter(np.empty((self.out_features, self.in1_features, self.in2_features), dtype=dt))
        if bias:
            self.bias = Parameter(np.empty((self.out_features,), dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()
        _place(self, dev)

    def reset_parameters(self) -> None:
        """weight and bias ~ U(-1/sqrt(in1_features), 1/sqrt(in1_features)), as PyTorch."""
        bound = 1 / math.sqrt(self.weight.shape[1]) if self.weight.shape[1] else 0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        """(*, in1), (*, in2) -> (*, out)."""
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
