"""Padding layers, PyTorch's: ``ZeroPad1d/2d/3d``, ``ConstantPad1d/2d/3d``, ``ReflectionPad1d/2d/3d``,
``ReplicationPad1d/2d/3d`` and ``CircularPad1d/2d/3d``.

Each pads the last 1, 2 or 3 dimensions with :func:`minidl.nn.functional.pad`
(differentiable in every mode). ``padding`` is an int (every side) or a tuple
in PyTorch's order ``(left, right, top, bottom, front, back)``.
"""
from __future__ import annotations

import numpy as np

import minidl.nn.functional as F
from minidl.nn.module import Module

__all__ = ["ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d"]


def _padding_tuple(layer, padding, dims):
    """``padding`` as a tuple of 2 * dims ints (an int pads every side)."""
    if isinstance(padding, (int, np.integer)) and not isinstance(padding, bool):
        return (int(padding),) * (2 * dims)
    items = tuple(padding) if isinstance(padding, (tuple, list)) else None
    if items is None or len(items) != 2 * dims or not all(isinstance(p, (int, np.integer)) for p in items):
        raise TypeError(f"{layer}: padding must be an int or a tuple of {2 * dims} ints, got {padding!r}")
    return tuple(int(p) for p in items)


class _PadNd(Module):
    """Pad the last ``_dims`` dimensions in ``_mode``."""

    _dims = 1
    _mode = "constant"

    def __init__(self, padding):
        super().__init__()
        self.padding = _padding_tuple(type(self).__name__, padding, self._dims)

    def forward(self, input):
        """(*, D_1, ..., D_k) -> (*, D_1 + pads, ..., D_k + pads), k = 1, 2 or 3."""
        lo = self._dims + (0 if self._mode == "constant" else 1)
        if self._mode != "constant" and input.ndim not in (lo, lo + 1):
            raise ValueError(f"{type(self).__name__}: expected {lo}D or {lo + 1}D input, got {input.ndim}D "
                             f"input of shape {list(input.shape)}")
        if self._mode == "constant":
            return F.pad(input, self.padding, "constant", self.value)
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    """Pad with a constant ``value``."""

    def __init__(self, padding, value: float):
        super().__init__(padding)
        self.value = value

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dimension with ``value``: (*, W) -> (*, W + left + right)."""

    _dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dimensions with ``value``: (*, H, W) -> (*, H + top + bottom, W + left + right)."""

    _dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dimensions with ``value``: (*, D, H, W) -> padded."""

    _dims = 3


class ZeroPad1d(ConstantPad1d):
    """Pad the last dimension with zeros: (*, W) -> (*, W + left + right)."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last two dimensions with zeros: (*, H, W) -> (*, H + top + bottom, W + left + right)."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pad the last three dimensions with zeros: (*, D, H, W) -> padded."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Mirror the last dimension (without repeating the edge; padding < W): (N, C, W) or (C, W)."""

    _dims, _mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """Mirror the last two dimensions: (N, C, H, W) or (C, H, W)."""

    _dims, _mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    """Mirror the last three dimensions: (N, C, D, H, W) or (C, D, H, W)."""

    _dims, _mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    """Repeat the edge of the last dimension: (N, C, W) or (C, W)."""

    _dims, _mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """Repeat the edges of the last two dimensions: (N, C, H, W) or (C, H, W)."""

    _dims, _mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    """Repeat the edges of the last three dimensions: (N, C, D, H, W) or (C, D, H, W)."""

    _dims, _mode = 3, "replicate"


class CircularPad1d(_PadNd):
    """Wrap the last dimension around (padding <= W): (N, C, W) or (C, W)."""

    _dims, _mode = 1, "circular"


class CircularPad2d(_PadNd):
    """Wrap the last two dimensions around: (N, C, H, W) or (C, H, W)."""

    _dims, _mode = 2, "circular"


class CircularPad3d(_PadNd):
    """Wrap the last three dimensions around: (N, C, D, H, W) or (C, D, H, W)."""

    _dims, _mode = 3, "circular"
