"""``Conv1d``, ``MaxPool1d`` and ``AvgPool1d``: the 1-D layers over (N, C, L) sequences."""
from __future__ import annotations

from minidl.nn._conv1d import _single, avg_pool1d, conv1d, max_pool1d
from minidl.nn.layers._pool_base import _MaxPoolNd
from minidl.nn.layers._utils import ForwardConvSurface, _conv_parameters, _count, _factory, default_init_
from minidl.nn.module import Module
from minidl.ops.padding import pad

__all__ = ["Conv1d", "MaxPool1d", "AvgPool1d"]


class Conv1d(ForwardConvSurface, Module):
    """1-D convolution over (N, C_in, L) -> (N, C_out, L_out), PyTorch's ``nn.Conv1d``.

    Args: ``in_channels``, ``out_channels``, ``kernel_size``, ``stride=1``,
    ``padding=0`` (int, "same" or "valid"), ``dilation=1``, ``groups=1``,
    ``bias=True``, ``padding_mode`` ("zeros", "reflect", "replicate",
    "circular"), ``device``, ``dtype``. ``weight`` (out_channels,
    in_channels/groups, k) and ``bias`` are initialised as PyTorch does.

    >>> import minidl as mdl, minidl.nn as nn
    >>> nn.Conv1d(16, 33, 3, stride=2)(mdl.randn(20, 16, 50)).shape
    minidl.Size([20, 33, 24])
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        dev, dt = _factory(device, dtype)
        self.in_channels = _count("Conv1d", "in_channels", in_channels)
        self.out_channels = _count("Conv1d", "out_channels", out_channels)
        self.groups = int(groups)
        if self.groups <= 0 or self.in_channels % self.groups or self.out_channels % self.groups:
            raise ValueError(f"Conv1d: in_channels ({in_channels}) and out_channels ({out_channels}) must be "
                             f"divisible by groups ({groups})")
        if padding_mode not in ("zeros", "reflect", "replicate", "circular"):
            raise ValueError(f"Conv1d: padding_mode must be one of 'zeros', 'reflect', 'replicate' or "
                             f"'circular', got {padding_mode!r}")
        self.kernel_size = (_single(kernel_size, "Conv1d: kernel_size"),)
        self.stride = (_single(stride, "Conv1d: stride"),)
        self.dilation = (_single(dilation, "Conv1d: dilation"),)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Conv1d: invalid padding string {padding!r}, should be one of 'valid', 'same'")
            if padding == "same" and self.stride != (1,):
                raise ValueError("Conv1d: padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = (_single(padding, "Conv1d: padding"),)
        self.padding_mode = padding_mode
        _conv_parameters(self, (self.out_channels, self.in_channels // self.groups) + self.kernel_size, bias, dt, dev)

    def reset_parameters(self) -> None:
        """PyTorch's default initialisation: kaiming_uniform_(a=sqrt(5)) and the matching bias uniform."""
        default_init_(self.weight, self.bias)

    def forward(self, input):
        """(N, C_in, L) or (C_in, L) -> (N, C_out, L_out)."""
        if input.ndim not in (2, 3) or input.shape[-2] != self.in_channels:
            raise ValueError(f"{self!r}: expected a 3-D input (N, C, L) or 2-D (C, L) with {self.in_channels} "
                             f"channels, got input of shape {list(input.shape)}")
        padding = self.padding
        if self.padding_mode != "zeros":
            if padding == "same":
                total = self.dilation[0] * (self.kernel_size[0] - 1)
                amounts = (total // 2, total - total // 2)
            else:
                amounts = (0, 0) if padding == "valid" else (padding[0], padding[0])
            input, padding = pad(input, amounts, mode=self.padding_mode), 0
        return conv1d(input, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,):
            s += f", padding={self.padding}"
        if self.dilation != (1,):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class MaxPool1d(_MaxPoolNd):
    """Max pooling over L: (N, C, L) -> (N, C, L_out), PyTorch's ``nn.MaxPool1d``."""

    def forward(self, input):
        """(N, C, L) or (C, L) -> pooled; ``(values, indices)`` with ``return_indices``."""
        return max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                          self.return_indices)


class AvgPool1d(Module):
    """Average pooling over L: (N, C, L) -> (N, C, L_out), PyTorch's ``nn.AvgPool1d``."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__()
        self.kernel_size = (_single(kernel_size, "AvgPool1d: kernel_size"),)
        self.stride = (_single(stride if stride is not None else kernel_size, "AvgPool1d: stride"),)
        self.padding = (_single(padding, "AvgPool1d: padding"),)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input):
        """(N, C, L) or (C, L) -> pooled."""
        return avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
