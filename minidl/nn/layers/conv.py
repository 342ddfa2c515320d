"""``Conv2d``: 2-D cross-correlation over NCHW inputs (PyTorch's ``nn.Conv2d``)."""
from __future__ import annotations

import minidl.nn.functional as F
from minidl._errors import ShapeError
from minidl.nn.layers._utils import (
    ForwardConvSurface,
    _conv_parameters,
    _count,
    _factory,
    _int_pair,
    _shape,
    default_init_,
)
from minidl.nn.module import Module

__all__ = ["Conv2d"]


class Conv2d(ForwardConvSurface, Module):
    """2-D convolution (cross-correlation, as in every DL framework).

    Args:
        in_channels, out_channels: channel counts (both divisible by ``groups``).
        kernel_size, stride, dilation: int or (h, w).
        padding: int, (h, w), ``"valid"`` (no padding) or ``"same"`` (output
            size = input size; stride 1 only; an odd total pads one more on the
            bottom/right, as PyTorch does).
        groups: split channels into ``groups`` independent convolutions.
        bias: learn a per-output-channel bias (default True).
        padding_mode: ``"zeros"``, ``"reflect"``, ``"replicate"`` or ``"circular"``.
        device, dtype: where and in which floating type to create the parameters.

    Shapes: input (N, C_in, H, W) or (C_in, H, W) -> (N, C_out, H_out, W_out),
    ``H_out = floor((H + 2*pad_h - dil_h*(k_h - 1) - 1) / stride_h) + 1``.
    Attributes: ``weight`` (out_channels, in_channels/groups, k_h, k_w) ~
    kaiming_uniform_(a=sqrt(5)); ``bias`` (out_channels,) ~ U(-1/sqrt(fan_in),
    1/sqrt(fan_in)), fan_in = in_channels/groups * k_h * k_w.

    >>> import minidl as mdl, minidl.nn as nn
    >>> conv = nn.Conv2d(3, 16, kernel_size=(2, 1), stride=2, padding=1)
    >>> conv(mdl.randn(4, 3, 32, 32)).shape
    minidl.Size([4, 16, 17, 17])
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None):
        super().__init__()
        dev, dt = _factory(device, dtype)
        in_channels = _count("Conv2d", "in_channels", in_channels)
        out_channels = _count("Conv2d", "out_channels", out_channels)
        if groups <= 0:
            raise ValueError(f"Conv2d: groups must be a positive integer, got {groups}")
        if in_channels % groups != 0:
            raise ValueError(f"Conv2d: in_channels ({in_channels}) must be divisible by "
                             f"groups ({groups})")
        if out_channels % groups != 0:
            raise ValueError(f"Conv2d: out_channels ({out_channels}) must be divisible by "
                             f"groups ({groups})")
        if padding_mode not in ("zeros", "reflect", "replicate", "circular"):
            raise ValueError(f"Conv2d: padding_mode must be one of 'zeros', 'reflect', 'replicate' or "
                             f"'circular', got {padding_mode!r}")
        self.in_channels = int(in_channels)
        self.out_channels = int(out_channels)
        self.kernel_size = _int_pair("Conv2d", "kernel_size", kernel_size)
        self.stride = _int_pair("Conv2d", "stride", stride)
        self.dilation = _int_pair("Conv2d", "dilation", dilation)
        self.groups = int(groups)
        self.padding_mode = padding_mode
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Conv2d: invalid padding string {padding!r}, "
                                 "should be one of 'valid', 'same'")
            if padding == "same" and self.stride != (1, 1):
                raise ValueError("Conv2d: padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = _int_pair("Conv2d", "padding", padding)
            if min(self.padding) < 0:
                raise ValueError(f"Conv2d: padding must be >= 0, got {padding}")
        if min(self.kernel_size) <= 0 or min(self.stride) <= 0 or min(self.dilation) <= 0:
            raise ValueError(f"Conv2d: kernel_size, stride and dilation must be positive, got "
                             f"{self.kernel_size}, {self.stride}, {self.dilation}")
        _conv_parameters(self, (self.out_channels, self.in_channels // self.groups) + self.kernel_size, bias, dt, dev)

    def reset_parameters(self) -> None:
        """PyTorch's default initialisation (see the class docstring)."""
        default_init_(self.weight, self.bias)

    def _padding_amounts(self):
        """((top, bottom), (left, right)) zero padding on H and W."""
        if self.padding == "valid":
            return (0, 0), (0, 0)
        if self.padding == "same":
            out = []
            for d, k in zip(self.dilation, self.kernel_size):
                total = d * (k - 1)
                out.append((total // 2, total - total // 2))
            return tuple(out)
        (ph, pw) = self.padding
        return (ph, ph), (pw, pw)

    def _check_input(self, input):
        shape = _shape(input)
        if len(shape) not in (3, 4):
            raise ShapeError(f"{self!r}: expected a 4-D input (N, C, H, W) or 3-D (C, H, W) "
                             f"with {self.in_channels} channels, got input of shape {shape}")
        channels = shape[-3]
        if channels != self.in_channels:
            raise ShapeError(f"{self!r}: expected input with {self.in_channels} channels "
                             f"(dimension {len(shape) - 3}), got {channels} channels in input "
                             f"of shape {shape}")
        (pt, pb), (pl, pr) = self._padding_amounts()
        padded = (shape[-2] + pt + pb, shape[-1] + pl + pr)
        span = tuple(d * (k - 1) + 1 for d, k in zip(self.dilation, self.kernel_size))
        if padded[0] < span[0] or padded[1] < span[1]:
            raise ShapeError(f"{self!r}: input of shape {shape} is too small: padded spatial "
                             f"size {padded} is smaller than the (dilated) kernel {span}")

    def forward(self, input):
        """(N, C_in, H, W) -> (N, C_out, H_out, W_out); a 3-D input gives a 3-D output."""
        self._check_input(input)
        unbatched = input.ndim == 3
        if unbatched:
            input = input.reshape((1,) + tuple(input.shape))
        (pt, pb), (pl, pr) = self._padding_amounts()
        if self.padding_mode != "zeros":
            input = F.pad(input, (pl, pr, pt, pb), mode=self.padding_mode)
            padding = (0, 0)
        elif pt == pb and pl == pr:
            padding = (pt, pl)
        else:  # asymmetric "same" padding
            input = F.pad(input, (pl, pr, pt, pb))
            padding = (0, 0)
        out = F.conv2d(input, self.weight, self.bias, self.stride, padding, self.dilation,
                       self.groups)
        if unbatched:
            out = out.reshape(tuple(out.shape)[1:])
        return out

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, " \
            f"stride={self.stride}"
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s
