"""``keras.layers.RMSNormalization``: ``x * rsqrt(mean(x**2, axis) + epsilon) * scale``.

``axis`` (default -1) is an int or a list of ints of the Keras (channels-last) input; ``scale`` has the
sizes of those axes (Keras' layout) and starts at ones. Computed in at least float32 as Keras does.
"""
from __future__ import annotations

import numpy as np

from minidl.keras._tensor import permute, to_internal_axis
from minidl.keras.layers.base import Layer

__all__ = ["RMSNormalization"]


class RMSNormalization(Layer):
    """Root-mean-square normalisation over ``axis`` with a learned ``scale`` (Keras' args ``axis=-1``,
    ``epsilon=1e-6``)."""

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else int(axis)
        self.epsilon = epsilon

    def _keras_axes(self, rank):
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        for a in axes:
            if a >= rank or a < -rank:
                raise ValueError(f"Axis {a} is out of bounds for input shape of rank {rank}. Received: "
                                 f"axis={self.axis}")
        return axes

    def build(self, input_shape):
        """Create ``scale`` with the sizes of the normalised axes (Keras: then ``axis`` is a list)."""
        axes = self._keras_axes(len(input_shape))
        if isinstance(self.axis, list):
            axes = self.axis = sorted(axes)
        shape = tuple(input_shape[a] for a in axes)
        if any(d is None for d in shape):
            raise ValueError(f"RMSNormalization {self.name}: the normalised axes {axes} of {tuple(input_shape)} "
                             "must have known sizes")
        self.scale = self.add_weight(shape, "ones", name="scale")
        self.axis = list(axes)
        self._rank = len(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        """Unchanged."""
        self._keras_axes(len(input_shape))
        return input_shape

    def _forward(self, x, training=False):
        rank = x.ndim
        keras_axes = [a % rank for a in self._keras_axes(rank)]
        internal = [to_internal_axis(a, rank) for a in keras_axes]
        dtype = x.dtype
        if np.dtype(dtype).itemsize < 4:
            x = x.float()
        rrms = ((x * x).mean(dim=tuple(internal), keepdim=True) + self.epsilon).rsqrt()
        out = x * rrms
        scale = self.scale
        order = sorted(range(len(internal)), key=lambda i: internal[i])
        if order != list(range(len(internal))):
            scale = permute(scale, order)
        shape = [1] * rank
        for a in internal:
            shape[a] = x.shape[a]
        out = out * scale.reshape(tuple(shape)).to(out.dtype)
        return out.to(dtype) if out.dtype != dtype else out

    def get_config(self):
        return dict(super().get_config(), axis=self.axis, epsilon=self.epsilon)
