"""``Cropping1D``, ``Cropping2D`` and ``Cropping3D`` of the Keras facade: remove rows/columns/slices at
the edges of channels-last inputs (Keras' ``cropping`` forms: an int, one pair per axis, or one
int per axis for symmetric crops)."""
from __future__ import annotations

import numpy as np

from minidl.keras.layers.base import Layer
from minidl.keras.layers.conv import _check_format

__all__ = ["Cropping1D", "Cropping2D", "Cropping3D"]


def _cropping(value, rank, layer):
    """``((before, after),) * rank`` from Keras' forms."""
    if isinstance(value, (int, np.integer)):
        pairs = ((int(value), int(value)),) * rank
    elif rank == 1 and len(value) == 2 and all(isinstance(v, (int, np.integer)) for v in value):
        pairs = ((int(value[0]), int(value[1])),)
    elif len(value) == rank and all(isinstance(v, (int, np.integer)) for v in value):
        pairs = tuple((int(v), int(v)) for v in value)
    elif len(value) == rank and all(len(v) == 2 for v in value):
        pairs = tuple((int(v[0]), int(v[1])) for v in value)
    else:
        raise ValueError(f"{layer}: `cropping` should be an int, a tuple of {rank} ints or a tuple of {rank} "
                         f"tuples of 2 ints. Received: cropping={value}")
    if any(c < 0 for pair in pairs for c in pair):
        raise ValueError(f"{layer}: `cropping` cannot be negative. Received: cropping={value}")
    return pairs


class _Cropping(Layer):
    _rank = 1

    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(**kwargs)
        _check_format(data_format, type(self).__name__, self)
        self.cropping = _cropping(cropping, self._rank, type(self).__name__)

    def compute_output_shape(self, input_shape):
        """The input shape less the crops of each spatial axis."""
        if len(input_shape) != self._rank + 2:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                             f"ndim={self._rank + 2}, found ndim={len(input_shape)}. Full shape received: "
                             f"{tuple(input_shape)}")
        spatial = []
        for size, (a, b) in zip(input_shape[1:-1], self.cropping):
            if size is not None and size - a - b <= 0:
                raise ValueError(f"{type(self).__name__} {self.name}: cropping {self.cropping} leaves nothing of "
                                 f"the input shape {tuple(input_shape)}")
            spatial.append(None if size is None else size - a - b)
        return (input_shape[0],) + tuple(spatial) + (input_shape[-1],)

    def _forward(self, x, training=False):
        if x.ndim == 4:  # internal NCHW
            type(self).compute_output_shape(self, (None,) + tuple(x.shape[2:]) + (x.shape[1],))
            first = 2
        else:
            type(self).compute_output_shape(self, (None,) + tuple(x.shape[1:]))
            first = 1
        index = [slice(None)] * x.ndim
        for i, (a, b) in enumerate(self.cropping):
            index[first + i] = slice(a, x.shape[first + i] - b)
        return x[tuple(index)]

    def get_config(self):
        return dict(super().get_config(), cropping=self.cropping, data_format=self.data_format)


class Cropping1D(_Cropping):
    """Crop steps of (batch, steps, features): ``cropping`` = int or (start, end); default (1, 1)."""

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("data_format")
        return dict(config, cropping=self.cropping[0])


class Cropping2D(_Cropping):
    """Crop (batch, h, w, c): ``cropping`` = int, (h, w) or ((top, bottom), (left, right))."""

    _rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    """Crop (batch, d, h, w, c): ``cropping`` = int, (d, h, w) or three (before, after) pairs."""

    _rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)
