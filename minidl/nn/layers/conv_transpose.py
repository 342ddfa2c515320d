"""``ConvTranspose2d``: the transposed 2-D convolution (the up-sampling layer of DCGAN-style generators)."""
from __future__ import annotations

from minidl._errors import ShapeError
from minidl.nn._conv_transpose import conv_transpose2d
from minidl.nn.layers._utils import ConvSurface, _conv_parameters, _count, _factory, _int_pair, default_init_
from minidl.nn.module import Module

__all__ = ["ConvTranspose2d"]


class ConvTranspose2d(ConvSurface, Module):
    """Transposed convolution, PyTorch's ``nn.ConvTranspose2d`` (the gradient of Conv2d w.r.t. its input).

    Args: ``in_channels``, ``out_channels``, ``kernel_size``, ``stride=1``,
    ``padding=0`` (removed from each side of the output), ``output_padding=0``
    (added at the bottom/right; smaller than stride or dilation), ``groups=1``,
    ``bias=True``, ``dilation=1``, ``padding_mode="zeros"`` (the only mode,
    as in PyTorch), ``device``, ``dtype``.

    Shapes: (N, C_in, H, W) -> (N, C_out, OH, OW), OH = (H - 1) * stride -
    2 * padding + dilation * (k - 1) + output_padding + 1. ``forward(input,
    output_size=None)`` may ask for a size within the stride's reach.
    Attributes: ``weight`` (in_channels, out_channels/groups, kH, kW) and
    ``bias`` (out_channels,), initialised as PyTorch does (kaiming_uniform_
    with a=sqrt(5), fan_in from weight dim 1).

    >>> import minidl as mdl, minidl.nn as nn
    >>> nn.ConvTranspose2d(100, 64, 4, 1, 0)(mdl.randn(2, 100, 1, 1)).shape
    minidl.Size([2, 64, 4, 4])
    """

    transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        dev, dt = _factory(device, dtype)
        name = "ConvTranspose2d"
        self.in_channels = _count(name, "in_channels", in_channels)
        self.out_channels = _count(name, "out_channels", out_channels)
        self.groups = int(groups)
        if self.groups <= 0 or self.in_channels % self.groups or self.out_channels % self.groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels ({out_channels}) must be "
                             f"divisible by groups ({groups})")
        if padding_mode != "zeros":
            raise ValueError(f'{name}: only "zeros" padding_mode is supported (as in PyTorch), got {padding_mode!r}')
        self.kernel_size = _int_pair(name, "kernel_size", kernel_size)
        self.stride = _int_pair(name, "stride", stride)
        self.padding = _int_pair(name, "padding", padding)
        self.output_padding = _int_pair(name, "output_padding", output_padding)
        self.dilation = _int_pair(name, "dilation", dilation)
        self.padding_mode = padding_mode
        _conv_parameters(self, (self.in_channels, self.out_channels // self.groups) + self.kernel_size, bias, dt, dev)

    def reset_parameters(self) -> None:
        """PyTorch's default initialisation (see the class docstring)."""
        default_init_(self.weight, self.bias)

    def _output_padding(self, input, output_size):
        if output_size is None:
            return self.output_padding
        size = [int(s) for s in output_size][-2:]
        extra = []
        for i in range(2):
            least = ((input.shape[-2 + i] - 1) * self.stride[i] - 2 * self.padding[i]
                     + self.dilation[i] * (self.kernel_size[i] - 1) + 1)
            if not least <= size[i] < least + self.stride[i]:
                raise ValueError(f"{self!r}: requested an output size of {size}, but valid sizes range from "
                                 f"{least} to {least + self.stride[i] - 1} in dimension {i} (for an input of shape "
                                 f"{list(input.shape)})")
            extra.append(size[i] - least)
        return tuple(extra)

    def forward(self, input, output_size=None):
        """(N, C_in, H, W) or (C_in, H, W) -> (N, C_out, OH, OW)."""
        if input.ndim not in (3, 4) or input.shape[-3] != self.in_channels:
            raise ShapeError(f"{self!r}: expected a 4-D input (N, C, H, W) or 3-D (C, H, W) with "
                             f"{self.in_channels} channels, got input of shape {list(input.shape)}")
        return conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                self._output_padding(input, output_size), self.groups, self.dilation)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0, 0):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s
