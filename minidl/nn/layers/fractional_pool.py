"""``FractionalMaxPool2d`` and ``FractionalMaxPool3d``, PyTorch's layers over :mod:`minidl.nn._fractional_pool`."""
from __future__ import annotations

from minidl.nn._fractional_pool import fractional_max_pool2d, fractional_max_pool3d
from minidl.nn.module import Module

__all__ = ["FractionalMaxPool2d", "FractionalMaxPool3d"]


def _ntuple(value, dims):
    return tuple(value) if isinstance(value, (list, tuple)) else (value,) * dims


class _FractionalMaxPoolNd(Module):
    """Shared arguments and checks; ``_random_samples`` (when given) is a buffer, as PyTorch's."""

    _dims = 2

    def __init__(self, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                 _random_samples=None):
        super().__init__()
        name, dims = type(self).__name__, self._dims
        self.kernel_size = _ntuple(kernel_size, dims)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = _ntuple(output_size, dims) if output_size is not None else None
        self.output_ratio = _ntuple(output_ratio, dims) if output_ratio is not None else None
        if output_size is None and output_ratio is None:
            raise ValueError(f"{name} requires specifying either an output size, or a pooling ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    """Fractional max pooling over (N, C, H, W) or (C, H, W): windows of ``kernel_size`` at pseudo-random
    starts, output (N, C, oH, oW) from ``output_size`` or ``output_ratio`` (oH = int(H * ratio)).

    >>> import minidl as mdl, minidl.nn as nn
    >>> nn.FractionalMaxPool2d(3, output_size=(5, 4))(mdl.randn(2, 3, 11, 9)).shape
    minidl.Size([2, 3, 5, 4])
    """

    _dims = 2

    def forward(self, input):
        """(N, C, H, W) -> (N, C, oH, oW) (and the flat indices with ``return_indices``)."""
        return fractional_max_pool2d(input, self.kernel_size, self.output_size, self.output_ratio,
                                     self.return_indices, _random_samples=self._random_samples)


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    """Fractional max pooling over (N, C, T, H, W) or (C, T, H, W) -> (N, C, oT, oH, oW)."""

    _dims = 3

    def forward(self, input):
        """(N, C, T, H, W) -> (N, C, oT, oH, oW) (and the flat indices with ``return_indices``)."""
        return fractional_max_pool3d(input, self.kernel_size, self.output_size, self.output_ratio,
                                     self.return_indices, _random_samples=self._random_samples)
