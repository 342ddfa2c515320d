"""``Conv3d`` and ``ConvTranspose3d``: the volumetric convolution layers over (N, C, D, H, W) inputs."""
from __future__ import annotations

import numbers

from minidl.nn._conv3d import conv3d, conv_transpose3d
from minidl.nn.layers._utils import ConvSurface, _conv_parameters, _count, _factory, default_init_
from minidl.nn.module import Module
from minidl.ops.padding import pad

__all__ = ["Conv3d", "ConvTranspose3d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _triple(layer, name, value):
    """An int or a sequence of three ints as a triple; TypeError naming ``layer`` and ``name`` otherwise."""
    items = list(value) if isinstance(value, (tuple, list)) else [value] * 3
    if len(items) != 3 or any(isinstance(v, bool) or not isinstance(v, numbers.Integral) for v in items):
        raise TypeError(f"{layer}: {name} must be an int or a tuple of three ints, got {value!r}")
    return tuple(int(v) for v in items)


class _Conv3dBase(ConvSurface, Module):
    """Arguments, parameters and initialisation shared by ``Conv3d`` and ``ConvTranspose3d``."""

    _transposed = False

    def _setup(self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
               padding_mode, device, dtype, output_padding=0):
        dev, dt = _factory(device, dtype)
        name = type(self).__name__
        self.in_channels = _count(name, "in_channels", in_channels)
        self.out_channels = _count(name, "out_channels", out_channels)
        if not isinstance(groups, numbers.Integral) or groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups!r}")
        if self.in_channels % groups:
            raise ValueError(f"{name}: in_channels must be divisible by groups (in_channels={in_channels}, "
                             f"groups={groups})")
        if self.out_channels % groups:
            raise ValueError(f"{name}: out_channels must be divisible by groups (out_channels={out_channels}, "
                             f"groups={groups})")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {{'reflect', 'zeros', 'replicate', "
                             f"'circular'}}, but got padding_mode={padding_mode!r}")
        self.groups = int(groups)
        self.kernel_size = _triple(name, "kernel_size", kernel_size)
        self.stride = _triple(name, "stride", stride)
        self.dilation = _triple(name, "dilation", dilation)
        self.output_padding = _triple(name, "output_padding", output_padding)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{name}: Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and self.stride != (1, 1, 1):
                raise ValueError(f"{name}: padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = _triple(name, "padding", padding)
        self.padding_mode = padding_mode
        shape = (self.in_channels, self.out_channels // self.groups) if self._transposed \
            else (self.out_channels, self.in_channels // self.groups)
        _conv_parameters(self, shape + self.kernel_size, bias, dt, dev)

    def reset_parameters(self) -> None:
        """PyTorch's default initialisation: weight ~ kaiming_uniform_(a=sqrt(5)), bias ~ U(-1/sqrt(fan_in),
        1/sqrt(fan_in)) with fan_in from weight dimension 1 times the kernel volume."""
        default_init_(self.weight, self.bias)

    def _check_input(self, input):
        """PyTorch's errors for a wrong rank or channel count, prefixed with this layer."""
        who = "conv_transpose3d" if self._transposed else "conv3d"
        if input.ndim not in (4, 5):
            raise RuntimeError(f"{self!r}: Expected 4D (unbatched) or 5D (batched) input to {who}, but got input "
                               f"of size: {list(input.shape)}")
        if input.shape[-4] != self.in_channels:
            flag = "transposed=1" if self._transposed else f"groups={self.groups}"
            batched = list(input.shape) if input.ndim == 5 else [1] + list(input.shape)
            raise RuntimeError(f"{self!r}: Given {flag}, weight of size {list(self.weight.shape)}, expected "
                               f"input{batched} to have {self.in_channels} channels, but got {input.shape[-4]} "
                               f"channels instead")

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1, 1):
            s += f", dilation={self.dilation}"
        if self._transposed and self.output_padding != (0, 0, 0):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv3d(_Conv3dBase):
    """3-D convolution, PyTorch's ``nn.Conv3d``: (N, C_in, D, H, W) -> (N, C_out, OD, OH, OW).

    Args: ``in_channels``, ``out_channels``, ``kernel_size``, ``stride=1``,
    ``padding=0`` (int, triple, "same" or "valid"), ``dilation=1``,
    ``groups=1``, ``bias=True``, ``padding_mode`` ("zeros", "reflect",
    "replicate", "circular"), ``device``, ``dtype``.
    ``OD = floor((D + 2*padding - dilation*(kD-1) - 1) / stride) + 1`` (likewise OH, OW).
    Attributes: ``weight`` (out_channels, in_channels/groups, kD, kH, kW) and
    ``bias`` (out_channels,), initialised as PyTorch does.

    >>> import minidl as mdl, minidl.nn as nn
    >>> nn.Conv3d(4, 8, 3, stride=2, padding=1)(mdl.randn(2, 4, 5, 6, 7)).shape
    minidl.Size([2, 8, 3, 3, 4])
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        self._setup(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
                    device, dtype)

    def _padding_amounts(self):
        """((front, back), (top, bottom), (left, right))."""
        if self.padding == "valid":
            return ((0, 0),) * 3
        if self.padding == "same":
            return tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2)
                         for k, d in zip(self.kernel_size, self.dilation))
        return tuple((p, p) for p in self.padding)

    def forward(self, input):
        """(N, C_in, D, H, W) or (C_in, D, H, W) -> (N, C_out, OD, OH, OW)."""
        self._check_input(input)
        if self.padding_mode == "zeros":
            return conv3d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        (fd, bd), (top, bottom), (left, right) = self._padding_amounts()
        padded = pad(input, (left, right, top, bottom, fd, bd), mode=self.padding_mode)
        return conv3d(padded, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


class ConvTranspose3d(_Conv3dBase):
    """Transposed 3-D convolution, PyTorch's ``nn.ConvTranspose3d`` (the gradient of Conv3d w.r.t. its input).

    Args: ``in_channels``, ``out_channels``, ``kernel_size``, ``stride=1``,
    ``padding=0``, ``output_padding=0`` (smaller than stride or dilation),
    ``groups=1``, ``bias=True``, ``dilation=1``, ``padding_mode="zeros"`` (the
    only mode, as in PyTorch), ``device``, ``dtype``.
    ``OD = (D - 1)*stride - 2*padding + dilation*(kD - 1) + output_padding + 1``
    (likewise OH, OW); ``forward(input, output_size=None)`` may ask for a size
    within the stride's reach. ``weight`` is (in_channels, out_channels/groups, kD, kH, kW).

    >>> import minidl as mdl, minidl.nn as nn
    >>> nn.ConvTranspose3d(4, 2, 3, stride=2)(mdl.randn(1, 4, 2, 3, 4)).shape
    minidl.Size([1, 2, 5, 7, 9])
    """

    transposed = True

    _transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        if isinstance(padding, str):
            raise TypeError(f"{type(self).__name__}: padding must be an int or a tuple of three ints, got "
                            f"{padding!r}")
        self._setup(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
                    device, dtype, output_padding)

    def _output_padding(self, input, output_size):
        if output_size is None:
            return self.output_padding
        size = [int(s) for s in output_size]
        if len(size) == input.ndim:
            size = size[2:] if input.ndim == 5 else size[1:]
        if len(size) != 3:
            raise ValueError(f"{self!r}: output_size must have 3 or 5 elements (got {len(output_size)})")
        extra = []
        for i in range(3):
            least = ((input.shape[-3 + i] - 1) * self.stride[i] - 2 * self.padding[i]
                     + self.dilation[i] * (self.kernel_size[i] - 1) + 1)
            if not least <= size[i] < least + self.stride[i]:
                raise ValueError(f"requested an output size of {size}, but valid sizes range from {least} to "
                                 f"{least + self.stride[i] - 1} (for an input of {list(input.shape[-3:])})")
            extra.append(size[i] - least)
        return tuple(extra)

    def forward(self, input, output_size=None):
        """(N, C_in, D, H, W) or (C_in, D, H, W) -> (N, C_out, OD, OH, OW)."""
        self._check_input(input)
        return conv_transpose3d(input, self.weight, self.bias, self.stride, self.padding,
                                self._output_padding(input, output_size), self.groups, self.dilation)
