"""Activation layers with Keras 3's arguments: ``PReLU`` (a learned slope per entry) and ``ELU``.

Both compute on Keras' channels-last layout (4-D inputs are converted at the layer's edge), so
``PReLU``'s ``alpha`` weight has Keras' shape: the input's shape without the batch axis, with
size 1 along the ``shared_axes``.
"""
from __future__ import annotations

from minidl.keras import activations as _activations
from minidl.keras import initializers as _init
from minidl.keras import regularizers as _reg
from minidl.keras._tensor import to_external, to_internal
from minidl.keras.layers.base import Layer
from minidl.ops import activation as _act

__all__ = ["PReLU", "ELU"]


class PReLU(Layer):
    """Parametric ReLU: ``x`` for ``x >= 0``, ``alpha * x`` otherwise, with ``alpha`` learned.

    Args (Keras'): ``alpha_initializer="Zeros"``, ``alpha_regularizer=None``,
    ``alpha_constraint=None`` (unsupported), ``shared_axes=None`` (axes, counted with the batch
    axis as 0, along which one slope is shared: ``shared_axes=[1, 2]`` on images gives one slope
    per channel). Weight ``alpha``: ``input_shape[1:]`` with 1 at the shared axes.
    """

    supports_masking = True

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None, shared_axes=None,
                 **kwargs):
        super().__init__(**kwargs)
        from minidl.keras.layers._constraint_args import set_constraints
        set_constraints(self, alpha_constraint=alpha_constraint)
        self.alpha_initializer = _init.get(alpha_initializer)
        self.alpha_regularizer = _reg.get(alpha_regularizer)
        if shared_axes is None:
            self.shared_axes = None
        elif not isinstance(shared_axes, (list, tuple)):
            self.shared_axes = [shared_axes]
        else:
            self.shared_axes = list(shared_axes)

    def build(self, input_shape):
        """Create ``alpha`` of shape ``input_shape[1:]`` (1 along ``shared_axes``)."""
        param_shape = list(input_shape[1:])
        for i in self.shared_axes or ():
            if not 1 <= i < len(input_shape):
                raise ValueError(f"PReLU layer {self.name}: shared axis {i} is out of range for input shape "
                                 f"{tuple(input_shape)}")
            param_shape[i - 1] = 1
        if any(d is None for d in param_shape):
            raise ValueError(f"PReLU layer {self.name}: the non-shared axes of input shape {tuple(input_shape)} "
                             "must be known")
        self.alpha = self.add_weight(tuple(param_shape), self.alpha_initializer, name="alpha",
                                     regularizer=self.alpha_regularizer)
        self.built = True

    def _forward(self, x, training=False):
        xe = to_external(x)
        want = tuple(self.alpha.shape)
        got = tuple(xe.shape[1:])
        if len(got) != len(want) or any(a != 1 and a != b for a, b in zip(want, got)):
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: alpha of shape '
                             f"{want} does not fit inputs of shape {tuple(xe.shape)}")
        out = _act.relu(xe) - self.alpha * _act.relu(-xe)
        return to_internal(out)

    def get_config(self):
        return dict(super().get_config(), alpha_initializer=_init.serialize(self.alpha_initializer),
                    alpha_regularizer=None if self.alpha_regularizer is None
                    else _reg.serialize(self.alpha_regularizer),
                    alpha_constraint=_serialize_constraint(self.alpha_constraint), shared_axes=self.shared_axes)


def _serialize_constraint(constraint):
    from minidl.keras import constraints
    return constraints.serialize(constraint)


class ELU(Layer):
    """Exponential linear unit: ``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise (Keras'
    ``alpha=1.0``). Elementwise, so any shape; the mask passes through."""

    supports_masking = True

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def _forward(self, x, training=False):
        return _activations.elu(x, alpha=self.alpha)

    def get_config(self):
        return dict(super().get_config(), alpha=self.alpha)
