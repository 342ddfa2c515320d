"""``MaxPool3d``, ``AvgPool3d``, ``AdaptiveAvgPool3d``, ``AdaptiveMaxPool3d``, ``MaxUnpool3d`` and ``LPPool3d``
over (N, C, D, H, W) inputs."""
from __future__ import annotations

from minidl.nn._pool3d import _triple, adaptive_avg_pool3d, adaptive_max_pool3d, avg_pool3d, max_pool3d
from minidl.nn._pool3d_extra import lp_pool3d, max_unpool3d
from minidl.nn.layers._pool_base import _MaxPoolNd
from minidl.nn.module import Module

__all__ = ["MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d", "AdaptiveMaxPool3d", "MaxUnpool3d", "LPPool3d"]


class MaxPool3d(_MaxPoolNd):
    """Max pooling over D, H and W, PyTorch's ``nn.MaxPool3d``: (N, C, D, H, W) -> (N, C, OD, OH, OW).

    Args: ``kernel_size``, ``stride=None`` (the kernel size), ``padding=0``
    (implicit -inf, at most half the kernel), ``dilation=1``,
    ``return_indices=False`` (also return the flat ``d*H*W + h*W + w`` index of
    each maximum, for ``MaxUnpool3d``-style use), ``ceil_mode=False``.

    >>> import minidl as mdl, minidl.nn as nn
    >>> nn.MaxPool3d(2)(mdl.randn(2, 3, 4, 6, 5)).shape
    minidl.Size([2, 3, 2, 3, 2])
    """

    def forward(self, input):
        """(N, C, D, H, W) or (C, D, H, W) -> pooled; ``(values, indices)`` with ``return_indices``."""
        return max_pool3d(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                          self.return_indices)


class AvgPool3d(Module):
    """Average pooling over D, H and W, PyTorch's ``nn.AvgPool3d``: (N, C, D, H, W) -> (N, C, OD, OH, OW).

    Args: ``kernel_size``, ``stride=None`` (the kernel size), ``padding=0``,
    ``ceil_mode=False``, ``count_include_pad=True`` (padded zeros count in the
    divisor), ``divisor_override=None`` (divide every window by this instead).

    >>> import minidl as mdl, minidl.nn as nn
    >>> nn.AvgPool3d(3, stride=2, padding=1)(mdl.randn(2, 3, 5, 6, 7)).shape
    minidl.Size([2, 3, 3, 3, 4])
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):
        """(N, C, D, H, W) or (C, D, H, W) -> pooled."""
        return avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool3d(Module):
    """Adaptive average pooling to ``output_size`` (int, or (od, oh, ow) with None keeping that size),
    PyTorch's ``nn.AdaptiveAvgPool3d``.

    >>> import minidl as mdl, minidl.nn as nn
    >>> nn.AdaptiveAvgPool3d((1, None, 2))(mdl.randn(2, 3, 5, 6, 7)).shape
    minidl.Size([2, 3, 1, 6, 2])
    """

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        """(N, C, D, H, W) or (C, D, H, W) -> (N, C, od, oh, ow)."""
        return adaptive_avg_pool3d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool3d(Module):
    """Adaptive max pooling to ``output_size`` (int, or (od, oh, ow) with None keeping that size),
    PyTorch's ``nn.AdaptiveMaxPool3d``; ``return_indices`` also returns the flat index of each maximum.

    >>> import minidl as mdl, minidl.nn as nn
    >>> nn.AdaptiveMaxPool3d(2)(mdl.randn(2, 3, 5, 6, 7)).shape
    minidl.Size([2, 3, 2, 2, 2])
    """

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input):
        """(N, C, D, H, W) or (C, D, H, W) -> (N, C, od, oh, ow); ``(values, indices)`` with ``return_indices``."""
        return adaptive_max_pool3d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class MaxUnpool3d(Module):
    """Put max-pooled values back at their indices, PyTorch's ``nn.MaxUnpool3d``: (N, C, D, H, W) + indices ->
    (N, C, OD, OH, OW), OD = (D - 1) * stride - 2 * padding + kernel_size, or ``output_size`` given to forward.

    >>> import minidl as mdl, minidl.nn as nn
    >>> values, where = nn.MaxPool3d(2, return_indices=True)(mdl.randn(1, 2, 4, 4, 6))
    >>> nn.MaxUnpool3d(2)(values, where).shape
    minidl.Size([1, 2, 4, 4, 6])
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = _triple(kernel_size, "kernel_size", "MaxUnpool3d")
        self.stride = _triple(stride if stride is not None else kernel_size, "stride", "MaxUnpool3d")
        self.padding = _triple(padding, "padding", "MaxUnpool3d")

    def forward(self, input, indices, output_size=None):
        """(N, C, D, H, W), int64 indices of the same shape -> (N, C, OD, OH, OW)."""
        return max_unpool3d(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class LPPool3d(Module):
    """Power-average pooling (sum over each window of x**p) ** (1/p), PyTorch's ``nn.LPPool3d``:
    (N, C, D, H, W) -> (N, C, OD, OH, OW).

    >>> import minidl as mdl, minidl.nn as nn
    >>> nn.LPPool3d(2, 3, stride=2)(mdl.randn(1, 2, 5, 6, 7)).shape
    minidl.Size([1, 2, 2, 2, 3])
    """

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = norm_type, kernel_size, stride, ceil_mode

    def forward(self, input):
        """(N, C, D, H, W) or (C, D, H, W) -> pooled."""
        return lp_pool3d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")
