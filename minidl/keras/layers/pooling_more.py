"""Global 3-D poolings and the adaptive poolings of the Keras facade.

``GlobalAveragePooling3D`` / ``GlobalMaxPooling3D``: (batch, D, H, W, C) -> (batch, C) (or
(batch, 1, 1, 1, C) with ``keepdims``). ``AdaptiveAveragePooling{1,2,3}D`` /
``AdaptiveMaxPooling{1,2,3}D`` pool channels-last inputs to a fixed ``output_size`` with PyTorch's
windows (bin i of n steps -> out covers ``[floor(i * n / out), ceil((i + 1) * n / out))``), which is
what Keras 3.15 computes; they run minidl's ``adaptive_{avg,max}_pool{1,2,3}d``.
"""
from __future__ import annotations

import numpy as np

import minidl.nn.functional as F
from minidl.keras._tensor import permute
from minidl.keras.layers.base import Layer
from minidl.keras.layers.conv import _check_format
from minidl.keras.layers.reshaping_more import _check_ndim

__all__ = ["GlobalAveragePooling3D", "GlobalMaxPooling3D", "AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D",
           "AdaptiveAveragePooling3D", "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D"]


class _GlobalPooling3D(Layer):
    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        _check_format(data_format, type(self).__name__, self)
        self.keepdims = bool(keepdims)

    def compute_output_shape(self, input_shape):
        """(batch, channels), or (batch, 1, 1, 1, channels) with ``keepdims``."""
        _check_ndim(self, input_shape, 5)
        return (input_shape[0], 1, 1, 1, input_shape[4]) if self.keepdims else (input_shape[0], input_shape[4])

    def _forward(self, x, training=False):
        _check_ndim(self, x.shape, 5)
        return self._reduce(x)

    def get_config(self):
        return dict(super().get_config(), data_format=self.data_format, keepdims=self.keepdims)


class GlobalAveragePooling3D(_GlobalPooling3D):
    """Mean over depth, height and width."""

    def _reduce(self, x):
        return x.mean(dim=(1, 2, 3), keepdim=self.keepdims)


class GlobalMaxPooling3D(_GlobalPooling3D):
    """Maximum over depth, height and width."""

    def _reduce(self, x):
        return x.amax(dim=(1, 2, 3), keepdim=self.keepdims)


class _AdaptivePooling(Layer):
    _rank = 1
    _mode = "avg"

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        _check_format(data_format, name, self)
        if isinstance(output_size, (int, np.integer)):
            size = (int(output_size),) * self._rank
        else:
            size = tuple(int(v) for v in output_size)
            if len(size) != self._rank:
                raise ValueError(f"{name}: `output_size` must be an integer or a tuple of {self._rank} integers. "
                                 f"Received: output_size={output_size}")
        if min(size) <= 0:
            raise ValueError(f"{name}: `output_size` must be positive. Received: output_size={output_size}")
        self.output_size = size

    def compute_output_shape(self, input_shape):
        """(batch, *output_size, channels)."""
        _check_ndim(self, input_shape, self._rank + 2)
        return (input_shape[0],) + self.output_size + (input_shape[-1],)

    def _forward(self, x, training=False):
        _check_ndim(self, x.shape, self._rank + 2)
        fn = getattr(F, f"adaptive_{self._mode}_pool{self._rank}d")
        if self._rank == 2:  # 4-D tensors are channels-first inside minidl.keras
            return fn(x, self.output_size)
        to_first = (0, self._rank + 1) + tuple(range(1, self._rank + 1))
        to_last = (0,) + tuple(range(2, self._rank + 2)) + (1,)
        out = fn(permute(x, to_first), self.output_size if self._rank > 1 else self.output_size[0])
        return permute(out, to_last)

    def get_config(self):
        return dict(super().get_config(), output_size=self.output_size, data_format=self.data_format)


class AdaptiveAveragePooling1D(_AdaptivePooling):
    """Average (batch, steps, C) over ``output_size`` adaptive windows -> (batch, output_size, C)."""


class AdaptiveAveragePooling2D(_AdaptivePooling):
    """Average (batch, H, W, C) over adaptive windows -> (batch, *output_size, C)."""

    _rank = 2


class AdaptiveAveragePooling3D(_AdaptivePooling):
    """Average (batch, D, H, W, C) over adaptive windows -> (batch, *output_size, C)."""

    _rank = 3


class AdaptiveMaxPooling1D(_AdaptivePooling):
    """Maximum of (batch, steps, C) over ``output_size`` adaptive windows -> (batch, output_size, C)."""

    _mode = "max"


class AdaptiveMaxPooling2D(_AdaptivePooling):
    """Maximum of (batch, H, W, C) over adaptive windows -> (batch, *output_size, C)."""

    _rank, _mode = 2, "max"


class AdaptiveMaxPooling3D(_AdaptivePooling):
    """Maximum of (batch, D, H, W, C) over adaptive windows -> (batch, *output_size, C)."""

    _rank, _mode = 3, "max"
