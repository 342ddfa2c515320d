"""``GroupNormalization`` and ``UnitNormalization`` of the Keras facade (Keras 3's arguments).

``GroupNormalization`` splits the ``axis`` features into ``groups`` groups and normalises each
sample's group over it and all non-batch axes: ``(x - mean) / sqrt(var + epsilon) * gamma + beta``
(biased variance; ``groups=-1`` is instance normalisation). ``UnitNormalization`` scales each
sample to unit L2 norm over ``axis``: ``x / max(||x||, 1e-12)``. Both compute in Keras'
channels-last layout (4-D inputs are converted at the layer's edge).
"""
from __future__ import annotations

from minidl.keras import initializers as _init
from minidl.keras import regularizers as _reg
from minidl.keras._tensor import to_external, to_internal
from minidl.keras.layers import _constraint_args
from minidl.keras.layers.base import Layer
from minidl.ops import math as _math

__all__ = ["GroupNormalization", "UnitNormalization", "l2_normalize"]


def l2_normalize(x, axis, epsilon):
    """``x / max(sqrt(sum(x**2, axis)), epsilon)`` (Keras' ``ops.normalize(order=2)``), differentiably
    (the square root is taken of ``max(sum, epsilon**2)``, so a zero vector has a finite gradient)."""
    square_sum = (x * x).sum(dim=axis, keepdim=True)
    return x / _math.maximum(square_sum, epsilon * epsilon).sqrt()


class GroupNormalization(Layer):
    """Group normalisation over ``axis`` (default -1, the channels) split into ``groups`` (default 32).

    Args (Keras'): ``groups``, ``axis``, ``epsilon=1e-3``, ``center=True``, ``scale=True``,
    ``beta_initializer="zeros"``, ``gamma_initializer="ones"``, ``beta_regularizer``,
    ``gamma_regularizer`` (constraints unsupported). Weights ``gamma``, ``beta`` of shape
    ``(input_shape[axis],)``, in that order.
    """

    supports_masking = True

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        if not isinstance(groups, int) or (groups <= 0 and groups != -1):
            raise ValueError("Received an invalid value for argument `groups`, expected a positive integer (or "
                             f"`-1` for instance normalization). Received: groups={groups}")
        super().__init__(**kwargs)
        from minidl.keras.layers._constraint_args import set_constraints
        set_constraints(self, beta_constraint=beta_constraint, gamma_constraint=gamma_constraint)
        self.groups, self.axis, self.epsilon = groups, int(axis), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer, self.gamma_initializer = _init.get(beta_initializer), _init.get(gamma_initializer)
        self.beta_regularizer, self.gamma_regularizer = _reg.get(beta_regularizer), _reg.get(gamma_regularizer)

    def build(self, input_shape):
        """Check the grouping of ``input_shape[axis]`` and create ``gamma`` and ``beta``."""
        if not -len(input_shape) <= self.axis < len(input_shape) or self.axis % len(input_shape) == 0:
            raise ValueError(f"GroupNormalization layer {self.name}: axis {self.axis} is out of bounds (or the "
                             f"batch axis) for input shape {tuple(input_shape)}")
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(f"GroupNormalization layer {self.name}: axis {self.axis} of input tensor should have a "
                             "defined dimension but the layer "
                             f"received an input with shape {tuple(input_shape)}.")
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(f"GroupNormalization layer {self.name}: number of groups ({self.groups}) cannot be more "
                             "than the number of channels "
                             f"({dim}).")
        if dim % self.groups != 0:
            raise ValueError(f"GroupNormalization layer {self.name}: number of groups ({self.groups}) must be a "
                             "multiple of the number of channels "
                             f"({dim}).")
        if self.scale:
            self.gamma = self.add_weight((dim,), self.gamma_initializer, name="gamma",
                                         regularizer=self.gamma_regularizer)
        if self.center:
            self.beta = self.add_weight((dim,), self.beta_initializer, name="beta", regularizer=self.beta_regularizer)
        self.built = True

    def compute_output_shape(self, input_shape):
        if not -len(input_shape) <= self.axis < len(input_shape):
            raise ValueError(f"GroupNormalization layer {self.name}: axis {self.axis} is out of bounds for input "
                             f"shape {tuple(input_shape)}. "
                             f"Received: axis={self.axis}")
        return input_shape

    def _forward(self, x, training=False):
        xe = to_external(x)
        rank = xe.ndim
        axis = self.axis % rank
        dim = xe.shape[axis]
        expected = (self.gamma if self.scale else self.beta).shape[0] if (self.scale or self.center) else dim
        if dim != expected:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected axis '
                             f"{self.axis} of input shape to have value {expected}, but received input with shape "
                             f"{tuple(xe.shape)}")
        group_shape = list(xe.shape)
        group_shape[axis] = dim // self.groups
        group_shape.insert(axis, self.groups)
        grouped = xe.reshape(tuple(group_shape))
        axes = tuple(i for i in range(1, rank + 1) if i != axis)
        mean = grouped.mean(dim=axes, keepdim=True)
        var = ((grouped - mean) ** 2).mean(dim=axes, keepdim=True)
        inv = (var + self.epsilon).rsqrt()
        bshape = [1] * (rank + 1)
        bshape[axis], bshape[axis + 1] = self.groups, dim // self.groups
        if self.scale:
            inv = inv * self.gamma.reshape(tuple(bshape))
        res = -mean * inv
        if self.center:
            res = res + self.beta.reshape(tuple(bshape))
        out = (grouped * inv + res).reshape(tuple(xe.shape))
        return to_internal(out)

    def get_config(self):
        def ser(obj, module):
            return None if obj is None else module.serialize(obj)
        return dict(super().get_config(), groups=self.groups, axis=self.axis, epsilon=self.epsilon,
                    center=self.center, scale=self.scale,
                    beta_initializer=ser(self.beta_initializer, _init),
                    gamma_initializer=ser(self.gamma_initializer, _init),
                    beta_regularizer=ser(self.beta_regularizer, _reg),
                    gamma_regularizer=ser(self.gamma_regularizer, _reg),
                    **_constraint_args.constraint_config(self, "beta_constraint", "gamma_constraint"))


class UnitNormalization(Layer):
    """Scale each sample to unit L2 norm over ``axis`` (an int or a list of ints; default -1):
    ``x / max(sqrt(sum(x**2, axis)), 1e-12)``. No weights; the mask passes through."""

    supports_masking = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = [int(a) for a in axis]
        elif isinstance(axis, int):
            self.axis = axis
        else:
            raise TypeError("Invalid value for `axis` argument: expected an int or a list/tuple of ints. "
                            f"Received: axis={axis}")

    def _axes(self):
        return self.axis if isinstance(self.axis, list) else [self.axis]

    def compute_output_shape(self, input_shape):
        for axis in self._axes():
            if axis >= len(input_shape) or axis < -len(input_shape):
                raise ValueError(f"UnitNormalization layer {self.name}: axis {self.axis} is out of bounds for "
                                 f"input shape {tuple(input_shape)}.")
        return input_shape

    def _forward(self, x, training=False):
        xe = to_external(x)
        self.compute_output_shape(tuple(xe.shape))
        axes = tuple(a % xe.ndim for a in self._axes())
        return to_internal(l2_normalize(xe, axes, 1e-12))

    def get_config(self):
        return dict(super().get_config(), axis=self.axis)
