"""Pooling layers: ``MaxPool2d``, ``AvgPool2d``, ``AdaptiveAvgPool2d``, ``AdaptiveMaxPool2d`` (NCHW)."""
from __future__ import annotations

import math

import minidl.nn.functional as F
from minidl._errors import ShapeError
from minidl.nn.layers._utils import _pair, _shape
from minidl.nn.module import Module

__all__ = ["MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d"]


def _pool_out(size, k, s, p, ceil_mode, d=1):
    """PyTorch's pooling output length for one spatial dimension."""
    num = size + 2 * p - d * (k - 1) - 1
    out = (math.ceil(num / s) if ceil_mode else num // s) + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1  # the last window must start inside the input or left padding
    return out


class _Pool2d(Module):
    """Shared argument handling and input checks of the 2-D pools."""

    def __init__(self, kernel_size, stride, padding, ceil_mode):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None and stride != []) else kernel_size
        self.padding = padding
        self.ceil_mode = bool(ceil_mode)
        k, s, p = _pair(self.kernel_size), _pair(self.stride), _pair(self.padding)
        if min(k) <= 0 or min(s) <= 0 or min(p) < 0:
            raise ValueError(f"{type(self).__name__}: kernel_size and stride must be positive and "
                             f"padding non-negative, got {k}, {s}, {p}")
        if p[0] > k[0] // 2 or p[1] > k[1] // 2:
            raise ShapeError(f"{type(self).__name__}: padding {p} should be at most half of the "
                             f"kernel size {k}")

    def _check_input(self, input):
        shape = _shape(input)
        if len(shape) not in (3, 4):
            raise ShapeError(f"{self!r}: expected a 4-D input (N, C, H, W) or 3-D (C, H, W), "
                             f"got input of shape {shape}")
        k, s, p = _pair(self.kernel_size), _pair(self.stride), _pair(self.padding)
        d = _pair(getattr(self, "dilation", 1))
        out = [_pool_out(shape[-2 + i], k[i], s[i], p[i], self.ceil_mode, d[i]) for i in range(2)]
        if min(out) < 1:
            raise ShapeError(f"{self!r}: input of shape {shape} is too small for the kernel "
                             f"{k} (output size would be {tuple(out)})")

    def _apply(self, input, fn):
        self._check_input(input)
        return fn(input)


class MaxPool2d(_Pool2d):
    """Max over (kh, kw) windows.

    Args: ``kernel_size``, ``stride`` (default: kernel_size), ``padding``
    (implicit -inf, at most half the kernel), ``dilation``, ``return_indices``
    (also return the flat ``h*W + w`` index of each maximum), ``ceil_mode``.
    Shapes: (N, C, H, W) or (C, H, W) -> (N, C, H_out, W_out),
    ``H_out = floor((H + 2*pad - dil*(k-1) - 1) / stride) + 1`` (ceil with ``ceil_mode``).
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__(kernel_size, stride, padding, ceil_mode)
        if min(_pair(dilation)) < 1:
            raise ValueError(f"MaxPool2d: dilation must be >= 1, got {dilation}")
        self.dilation = dilation
        self.return_indices = bool(return_indices)

    def forward(self, input):
        """(N, C, H, W) -> (N, C, H_out, W_out), or ``(values, indices)`` with ``return_indices``."""
        return self._apply(input, lambda x: F.max_pool2d(
            x, self.kernel_size, self.stride, self.padding, self.dilation, ceil_mode=self.ceil_mode,
            return_indices=self.return_indices))

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(_Pool2d):
    """Mean over (kh, kw) windows.

    Args: ``kernel_size``, ``stride`` (default: kernel_size), ``padding``
    (zeros), ``ceil_mode``, ``count_include_pad`` (divide by the full window
    including padding, default True), ``divisor_override`` (divide every
    window's sum by this instead).
    Shapes: (N, C, H, W) or (C, H, W) -> (N, C, H_out, W_out), same formula as MaxPool2d.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.count_include_pad = bool(count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, input):
        """(N, C, H, W) -> (N, C, H_out, W_out)."""
        return self._apply(input, lambda x: F.avg_pool2d(
            x, self.kernel_size, self.stride, self.padding, ceil_mode=self.ceil_mode,
            count_include_pad=self.count_include_pad, divisor_override=self.divisor_override))

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size (h, w) (int for square), whatever the input size.

    Shapes: (N, C, H, W) -> (N, C, h, w).
    """

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        """(N, C, H, W) -> (N, C, *output_size)."""
        _check_adaptive_input(self, input)
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


def _check_adaptive_input(module, input):
    shape = _shape(input)
    if len(shape) not in (3, 4):
        raise ShapeError(f"{module!r}: expected a 4-D input (N, C, H, W) or 3-D (C, H, W), "
                         f"got input of shape {shape}")


class AdaptiveMaxPool2d(Module):
    """Max pooling to a fixed output size (h, w) (int for square; None keeps that input size)
    over PyTorch's adaptive bins, whatever the input size.

    ``return_indices=True`` also returns the flat ``h*W + w`` index of each maximum.
    Shapes: (N, C, H, W) -> (N, C, h, w).
    """

    def __init__(self, output_size, return_indices: bool = False):
        super().__init__()
        self.output_size = output_size
        self.return_indices = bool(return_indices)

    def forward(self, input):
        """(N, C, H, W) -> (N, C, *output_size), or ``(values, indices)``."""
        _check_adaptive_input(self, input)
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
