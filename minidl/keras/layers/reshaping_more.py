"""``UpSampling1D``, ``UpSampling3D``, ``ZeroPadding1D`` and ``ZeroPadding3D`` of the Keras facade.

Sequences are (batch, steps, channels) and volumes (batch, depth, height, width, channels), both
channels-last inside minidl.keras models as at the Keras edge (only 4-D tensors change layout).
Up-sampling repeats each step/voxel ``size`` times along each axis (nearest neighbour, as Keras);
zero padding adds zeros before/after each spatial axis.
"""
from __future__ import annotations

import numpy as np

import minidl.nn.functional as F
from minidl.keras.layers.base import Layer
from minidl.keras.layers.conv import _check_format

__all__ = ["UpSampling1D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding3D"]


def _check_ndim(layer, shape, ndim):
    if len(shape) != ndim:
        raise ValueError(f'Input 0 of layer "{layer.name}" is incompatible with the layer: expected ndim={ndim}, '
                         f"found ndim={len(shape)}. Full shape received: {tuple(shape)}")


def _times(n, k):
    return None if n is None else n * k


class UpSampling1D(Layer):
    """Repeat each step ``size`` (default 2) times: (batch, steps, C) -> (batch, steps * size, C)."""

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)
        if self.size <= 0:
            raise ValueError(f"UpSampling1D: `size` must be a positive integer, got {size!r}")

    def compute_output_shape(self, input_shape):
        """(batch, steps * size, channels)."""
        _check_ndim(self, input_shape, 3)
        return (input_shape[0], _times(input_shape[1], self.size), input_shape[2])

    def _forward(self, x, training=False):
        _check_ndim(self, x.shape, 3)
        return x.repeat_interleave(self.size, dim=1)

    def get_config(self):
        return dict(super().get_config(), size=self.size)


def _triple_size(value, name, layer):
    if isinstance(value, (int, np.integer)):
        return (int(value),) * 3
    value = tuple(int(v) for v in value)
    if len(value) != 3:
        raise ValueError(f"{layer}: the `{name}` argument must be a tuple of 3 integers. Received {name}={value}")
    return value


class UpSampling3D(Layer):
    """Repeat each voxel ``size`` = (d, h, w) times (default (2, 2, 2)) along depth, height and width:
    (batch, D, H, W, C) -> (batch, D*d, H*h, W*w, C)."""

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(**kwargs)
        _check_format(data_format, type(self).__name__, self)
        self.size = _triple_size(size, "size", type(self).__name__)

    def compute_output_shape(self, input_shape):
        """(batch, D*d, H*h, W*w, channels)."""
        _check_ndim(self, input_shape, 5)
        return (input_shape[0],) + tuple(_times(n, k) for n, k in zip(input_shape[1:4], self.size)) + \
            (input_shape[4],)

    def _forward(self, x, training=False):
        _check_ndim(self, x.shape, 5)
        for axis, k in enumerate(self.size, start=1):
            if k != 1:
                x = x.repeat_interleave(k, dim=axis)
        return x

    def get_config(self):
        return dict(super().get_config(), size=self.size, data_format=self.data_format)


def _pad_pair(value, layer, what):
    """``(before, after)`` from an int or a pair of ints."""
    if isinstance(value, (int, np.integer)):
        pair = (int(value), int(value))
    else:
        pair = tuple(int(v) for v in value)
        if len(pair) != 2:
            raise ValueError(f"{layer}: `padding` should have two elements per axis. Received: {what}")
    if min(pair) < 0:
        raise ValueError(f"{layer}: `padding` values must be non-negative. Received: {what}")
    return pair


class ZeroPadding1D(Layer):
    """Zeros before and after the steps: ``padding`` = int (both sides, default 1) or (before, after);
    (batch, steps, C) -> (batch, before + steps + after, C)."""

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        _check_format(data_format, type(self).__name__, self)
        self.padding = _pad_pair(padding, "ZeroPadding1D", padding)

    def compute_output_shape(self, input_shape):
        """(batch, steps + before + after, channels)."""
        _check_ndim(self, input_shape, 3)
        n = input_shape[1]
        return (input_shape[0], None if n is None else n + sum(self.padding), input_shape[2])

    def _forward(self, x, training=False):
        _check_ndim(self, x.shape, 3)
        return F.pad(x, (0, 0) + self.padding)

    def get_config(self):
        return dict(super().get_config(), padding=self.padding, data_format=self.data_format)


class ZeroPadding3D(Layer):
    """Zeros around each volume: ``padding`` = int, (d, h, w) (symmetric) or
    ((front, back), (top, bottom), (left, right)); default ((1, 1), (1, 1), (1, 1))."""

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        _check_format(data_format, type(self).__name__, self)
        if isinstance(padding, (int, np.integer)):
            padding = ((padding, padding),) * 3
        padding = tuple(padding)
        if len(padding) != 3:
            raise ValueError(f"ZeroPadding3D: `padding` should have 3 elements. Received: {padding}")
        self.padding = tuple(_pad_pair(p, "ZeroPadding3D", padding) for p in padding)

    def compute_output_shape(self, input_shape):
        """(batch, D + front + back, H + top + bottom, W + left + right, channels)."""
        _check_ndim(self, input_shape, 5)
        spatial = tuple(None if n is None else n + sum(p) for n, p in zip(input_shape[1:4], self.padding))
        return (input_shape[0],) + spatial + (input_shape[4],)

    def _forward(self, x, training=False):
        _check_ndim(self, x.shape, 5)
        (f, b), (t, bo), (lf, r) = self.padding
        return F.pad(x, (0, 0, lf, r, t, bo, f, b))

    def get_config(self):
        return dict(super().get_config(), padding=self.padding, data_format=self.data_format)
