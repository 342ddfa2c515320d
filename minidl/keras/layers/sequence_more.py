"""``LayerNormalization`` and the 1-D poolings (``MaxPooling1D``, ``AveragePooling1D``) of the Keras facade.

``LayerNormalization`` normalises each sample over ``axis`` (default -1):
``(x - mean) / sqrt(var + epsilon) * gamma + beta`` with the biased variance, Keras' defaults
``epsilon=1e-3``, ``center=True``, ``scale=True``; weights ``gamma``, ``beta``. The 1-D poolings
run the 2-D ones on (batch, steps, 1, channels), so ``padding="same"`` behaves as there.
"""
from __future__ import annotations

import types
import warnings

from minidl.keras._tensor import to_external, to_internal
from minidl.keras.layers.base import Layer
from minidl.keras.layers.conv import (
                                      AveragePooling2D,
                                      MaxPooling2D,
                                      _check_format,
                                      _check_padding,
                                      conv_output_length,
)

__all__ = ["LayerNormalization", "MaxPooling1D", "AveragePooling1D"]


class LayerNormalization(Layer):
    """Per-sample normalisation over ``axis`` (an int or a tuple of ints; default -1, the features)."""

    supports_masking = True

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if rms_scaling:   # Keras' deprecated option, with its formula: x / sqrt(var + eps) * gamma, no centring
            warnings.warn("You passed `rms_scaling=True`, which is deprecated. This argument incorrectly scales the "
                          "input by the variance, not the root mean square. To correctly use RMS Normalization, "
                          "please use `keras.layers.RMSNormalization` instead.", stacklevel=2)
        self.rms_scaling = bool(rms_scaling)
        from minidl.keras.layers._constraint_args import set_constraints
        set_constraints(self, beta_constraint=beta_constraint, gamma_constraint=gamma_constraint)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else int(axis)  # (a sorted list once built)
        self.epsilon, self.center, self.scale = float(epsilon), bool(center), bool(scale)
        self._initializers = (beta_initializer, gamma_initializer)
        self.beta_regularizer, self.gamma_regularizer = beta_regularizer, gamma_regularizer

    def _axes(self, rank):
        axes = self.axis if isinstance(self.axis, (list, tuple)) else (self.axis,)
        return tuple(sorted(a % rank for a in axes))

    def build(self, input_shape):
        rank = len(input_shape)
        given = self.axis if isinstance(self.axis, (list, tuple)) else [self.axis]
        for a in given:  # an axis past the rank fails as Keras' shape lookup does
            input_shape[a]
        self.axis = sorted(given)  # Keras keeps the axes as a sorted list once built
        axes = self._axes(rank)
        if 0 in axes:
            raise ValueError(f"LayerNormalization {self.name}: axis {self.axis} includes the batch axis")
        shape = tuple(input_shape[a] for a in axes)
        if any(d is None for d in shape):
            raise ValueError(f"LayerNormalization {self.name}: the normalised axes of {tuple(input_shape)} must be "
                             "known")
        beta_init, gamma_init = self._initializers
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight(shape, gamma_init, name="gamma", regularizer=self.gamma_regularizer)
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(shape, beta_init, name="beta", regularizer=self.beta_regularizer)
        self.built = True

    def _forward(self, x, training=False):
        rank = x.ndim
        if rank == 4 and self._axes(rank) != (3,):   # other axes of an image: on the Keras (NHWC) layout
            return to_internal(self._normalise(to_external(x), self._axes(rank)))
        if rank == 4:  # internal NCHW: the channels
            return self._normalise(x, (1,), (1, -1, 1, 1))
        return self._normalise(x, self._axes(rank))

    def _normalise(self, x, axes, shape=None):
        """``x`` normalised over ``axes``; gamma and beta reshaped to ``shape`` (default: kept axes)."""
        shape = shape or tuple(x.shape[i] if i in axes else 1 for i in range(x.ndim))
        mean = x.mean(dim=axes, keepdim=True)
        var = ((x - mean) ** 2).mean(dim=axes, keepdim=True)
        out = (x if self.rms_scaling else x - mean) / (var + self.epsilon).sqrt()
        if self.scale or self.rms_scaling:
            out = out * self.gamma.reshape(shape)
        if self.center and not self.rms_scaling:
            out = out + self.beta.reshape(shape)
        return out

    def get_config(self):
        beta_init, gamma_init = self._initializers
        return dict(super().get_config(), axis=list(self.axis) if isinstance(self.axis, tuple) else self.axis,
                    epsilon=self.epsilon, center=self.center, scale=self.scale,
                    rms_scaling=self.rms_scaling, beta_initializer=beta_init,
                    gamma_initializer=gamma_init, beta_regularizer=self.beta_regularizer,
                    gamma_regularizer=self.gamma_regularizer,
                    **constraint_config(self, "beta_constraint", "gamma_constraint"))


def constraint_config(layer, *args):
    """``{arg: serialized constraint}`` (see :mod:`minidl.keras.layers._constraint_args`)."""
    from minidl.keras.layers._constraint_args import constraint_config as _config
    return _config(layer, *args)


class _Pooling1D(Layer):
    _pool2d = None

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        _check_format(data_format, name, self)
        self.pool_size = int(pool_size[0] if isinstance(pool_size, (list, tuple)) else pool_size)
        strides = self.pool_size if strides is None else strides
        self.strides = int(strides[0] if isinstance(strides, (list, tuple)) else strides)
        self.padding = _check_padding(padding, name)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected ndim=3, '
                             f"found ndim={len(input_shape)}. Full shape received: {tuple(input_shape)}")
        n, steps, c = input_shape
        return (n, conv_output_length(steps, self.pool_size, self.padding, self.strides), c)

    def _forward(self, x, training=False):
        images = x.transpose(1, 2).unsqueeze(3)  # (batch, channels, steps, 1): the 2-D layout
        # the 2-D layer's computation with (pool, 1) windows (no 2-D layer object: it would take a name)
        spec = types.SimpleNamespace(pool_size=(self.pool_size, 1), strides=(self.strides, 1), padding=self.padding)
        spec._window_scale = lambda hw, pads, dtype: AveragePooling2D._window_scale(spec, hw, pads, dtype)
        return self._pool2d._forward(spec, images, training).squeeze(3).transpose(1, 2)

    def get_config(self):
        return dict(super().get_config(), pool_size=(self.pool_size,), padding=self.padding,
                    strides=(self.strides,), data_format=self.data_format)  # (Keras keeps 1-tuples)


class MaxPooling1D(_Pooling1D):
    """Maximum over ``pool_size`` steps (default 2, strides = pool_size): (N, steps, C) -> (N, out, C)."""

    _pool2d = MaxPooling2D


class AveragePooling1D(_Pooling1D):
    """Mean over ``pool_size`` steps; with ``"same"`` each window averages its real steps only."""

    _pool2d = AveragePooling2D
