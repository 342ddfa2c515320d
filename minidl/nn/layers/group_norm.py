"""``GroupNorm``, ``RMSNorm`` and ``LocalResponseNorm``: normalisation within each sample."""
from __future__ import annotations

import numpy as np

from minidl.nn._normalization import group_norm, local_response_norm, rms_norm
from minidl.nn.layers._utils import _count, _factory, _place
from minidl.nn.module import Module, Parameter

__all__ = ["GroupNorm", "RMSNorm", "LocalResponseNorm"]


class GroupNorm(Module):
    """Normalise each of ``num_groups`` groups of channels of each sample (mean 0, biased variance 1),
    then ``* weight + bias`` per channel (``affine``: weight ones, bias zeros unless ``bias=False``,
    shape (num_channels,)).

    Shapes: (N, C, *) -> the same shape, C = num_channels.
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True, device=None,
                 dtype=None, *, bias: bool = True):
        super().__init__()
        dev, dt = _factory(device, dtype)
        self.num_groups = _count("GroupNorm", "num_groups", num_groups)
        self.num_channels = _count("GroupNorm", "num_channels", num_channels)
        if self.num_groups == 0 or self.num_channels % self.num_groups:
            raise ValueError("num_channels must be divisible by num_groups")
        self.eps, self.affine = eps, affine
        if affine:
            self.weight = Parameter(np.ones((self.num_channels,), dtype=dt))
            if bias:
                self.bias = Parameter(np.zeros((self.num_channels,), dtype=dt))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        _place(self, dev)

    def reset_parameters(self) -> None:
        """weight = 1, bias = 0."""
        if self.affine:
            self.weight.array[...] = 1
            if self.bias is not None:
                self.bias.array[...] = 0

    def forward(self, input):
        """(N, C, *) -> (N, C, *)."""
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            raise RuntimeError(f"{self!r}: expected input of shape (N, {self.num_channels}, *), got "
                               f"{list(input.shape)}")
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    """x / sqrt(mean(x**2) + eps) * weight over the trailing ``normalized_shape`` dims (``eps`` None:
    the dtype's machine epsilon). ``elementwise_affine``: learn ``weight`` (ones, shape normalized_shape).

    Shapes: (*, *normalized_shape) -> the same shape.
    """

    def __init__(self, normalized_shape, eps=None, elementwise_affine: bool = True, device=None, dtype=None):
        super().__init__()
        dev, dt = _factory(device, dtype)
        if isinstance(normalized_shape, (int, np.integer)):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(s) for s in normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=dt))
        else:
            self.register_parameter("weight", None)
        _place(self, dev)

    def reset_parameters(self) -> None:
        """weight = 1."""
        if self.weight is not None:
            self.weight.array[...] = 1

    def forward(self, input):
        """(*, *normalized_shape) -> the same shape."""
        return rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class LocalResponseNorm(Module):
    """x / (k + alpha / size * sum of x**2 over ``size`` neighbouring channels) ** beta.

    Shapes: (N, C, *) -> the same shape.
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        """(N, C, *) -> (N, C, *)."""
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
