"""Merging layers for functional models: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate."""
from __future__ import annotations

from minidl.keras._tensor import as_tensor, to_internal_axis
from minidl.keras.layers._mask import as_mask
from minidl.keras.layers.base import Layer
from minidl.ops import math as _math
from minidl.ops import shape as _shape
from minidl.tensor import Tensor

__all__ = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "add",
           "subtract", "multiply", "average", "maximum", "minimum", "concatenate"]


class _Merge(Layer):
    supports_masking = True

    def compute_mask(self, inputs, mask=None):
        """The OR of the input masks (None unless every input has one), as Keras' merge layers."""
        if mask is None or not isinstance(mask, (list, tuple)) or any(m is None for m in mask):
            return None
        masks = as_mask(list(mask))
        out = masks[0]
        for m in masks[1:]:
            out = Tensor(out.array | m.array)
        return out

    def _check(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) < 2:
            raise ValueError(f"A merge layer ({type(self).__name__}) should be called on a list of "
                             f"at least 2 inputs. Received: input_shape={input_shape}")

    def compute_output_shape(self, input_shape):
        """The inputs' common shape; as Keras, size-1 axes broadcast ((N, H, W, C) * (N, 1, 1, C))."""
        self._check(input_shape)
        first = tuple(input_shape[0])
        for s in input_shape[1:]:
            if len(s) != len(first):
                raise ValueError(f"Inputs of {type(self).__name__} {self.name} must have the same rank, "
                                 f"got {input_shape}")
            merged = [first[0]]
            for a, b in zip(first[1:], s[1:]):
                if a is not None and b is not None and a != b and 1 not in (a, b):
                    raise ValueError(f"Inputs of {type(self).__name__} {self.name} have incompatible shapes "
                                     f"{input_shape} (sizes must match or be 1)")
                merged.append(None if a is None or b is None else max(a, b))
            first = tuple(merged)
        return first

    def _forward(self, xs, training=False):
        out = xs[0]
        for x in xs[1:]:
            out = self._merge(out, x)
        return out


class Add(_Merge):
    """Elementwise sum of its inputs."""

    def _merge(self, a, b):
        return a + b


class Subtract(_Merge):
    """``inputs[0] - inputs[1]``."""

    def _forward(self, xs, training=False):
        if len(xs) != 2:
            raise ValueError("A `Subtract` layer should be called on exactly 2 inputs")
        return xs[0] - xs[1]


class Multiply(_Merge):
    """Elementwise product of its inputs."""

    def _merge(self, a, b):
        return a * b


class Maximum(_Merge):
    """Elementwise maximum of its inputs."""

    def _merge(self, a, b):
        return _math.maximum(a, b)


class Minimum(_Merge):
    """Elementwise minimum of its inputs."""

    def _merge(self, a, b):
        return _math.minimum(a, b)


class Average(_Merge):
    """Elementwise mean of its inputs."""

    def _forward(self, xs, training=False):
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out * (1.0 / len(xs))


class Concatenate(_Merge):
    """Join inputs along ``axis`` (default -1: the channels)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        rank = len(input_shape[0])
        ax = self.axis % rank
        out = list(input_shape[0])
        for s in input_shape[1:]:
            if len(s) != rank or any(a is not None and b is not None and a != b
                                     for i, (a, b) in enumerate(zip(out, s)) if i not in (0, ax)):
                raise ValueError(f"A `Concatenate` layer requires inputs with matching shapes except "
                                 f"for the concatenation axis. Received: input_shape={input_shape}")
            out[ax] = None if out[ax] is None or s[ax] is None else out[ax] + s[ax]
        return tuple(out)

    def _forward(self, xs, training=False):
        return _shape.concat(list(xs), to_internal_axis(self.axis, xs[0].ndim))

    def compute_mask(self, inputs, mask=None):
        """Keras' rule: each input's mask broadcast to its shape (all True where it has none),
        joined along ``axis``, then OR over the last axis."""
        if mask is None or not isinstance(mask, (list, tuple)) or all(m is None for m in mask):
            return None
        from minidl.backend import get_array_module
        arrays = [as_tensor(x).array for x in inputs]
        xp = get_array_module(arrays[0])
        full = []
        for arr, m in zip(arrays, as_mask(list(mask))):
            if m is None:
                full.append(xp.ones(arr.shape, dtype=bool))
            else:
                b = m.array if m.array.ndim == arr.ndim else m.array[..., None]
                full.append(xp.broadcast_to(b, arr.shape))
        return Tensor(xp.concatenate(full, axis=self.axis).any(axis=-1))

    def get_config(self):
        return dict(super().get_config(), axis=self.axis)


def add(inputs, **kwargs):
    """Functional form of :class:`Add`."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Functional form of :class:`Subtract`."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Functional form of :class:`Multiply`."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Functional form of :class:`Average`."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Functional form of :class:`Maximum`."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Functional form of :class:`Minimum`."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of :class:`Concatenate`."""
    return Concatenate(axis=axis, **kwargs)(inputs)
