"""Volumetric layers of the Keras facade: ``Conv3D``, ``MaxPooling3D``, ``AveragePooling3D`` on
channels-last (batch, depth, height, width, channels) inputs.

5-D tensors stay channels-last inside minidl.keras models (only 4-D ones change layout), so each
layer moves the channels first for minidl's ``conv3d``/``max_pool3d``/``avg_pool3d`` and back.
``padding="same"`` follows TensorFlow's rule (odd voxel at the end); max pooling pads with -inf,
average pooling averages the real (unpadded) values of each window, as Keras.
"""
from __future__ import annotations

import numpy as np

import minidl.nn.functional as F
from minidl.keras import activations as _activations
from minidl.keras._tensor import permute
from minidl.keras.layers.base import Layer
from minidl.keras.layers.conv import _check_format, _check_padding, conv_output_length, same_padding
from minidl.keras.layers.core import _constraint_config, _serialize
from minidl.tensor import Tensor

__all__ = ["Conv3D", "MaxPooling3D", "AveragePooling3D"]

_TO_FIRST = (0, 4, 1, 2, 3)   # (N, D, H, W, C) -> (N, C, D, H, W)
_TO_LAST = (0, 2, 3, 4, 1)


def _triple(value, name, layer):
    if isinstance(value, (int, np.integer)):
        return (int(value),) * 3
    value = tuple(int(v) for v in value)
    if len(value) != 3:
        raise ValueError(f"{layer}: the `{name}` argument must be a tuple of 3 integers. Received {name}={value}")
    return value


def _check_5d(layer, shape):
    if len(shape) != 5:
        raise ValueError(f'Input 0 of layer "{layer.name}" is incompatible with the layer: expected ndim=5, '
                         f"found ndim={len(shape)}. Full shape received: {tuple(shape)}")


def _same_pads(x, kernel, strides, dilation=(1, 1, 1)):
    """F.pad's tuple (last axis first) of ``"same"`` padding for channels-first 5-D ``x``."""
    pads = []
    for axis in (2, 1, 0):
        pads += same_padding(x.shape[2 + axis], kernel[axis], strides[axis], dilation[axis])
    return tuple(pads)


class Conv3D(Layer):
    """3-D convolution; kernel (kd, kh, kw, in // groups, filters) in Keras' layout, bias (filters,).

    Args (Keras'): ``filters``, ``kernel_size``, ``strides=(1, 1, 1)``, ``padding="valid"``,
    ``dilation_rate=(1, 1, 1)``, ``groups=1``, ``activation=None``, ``use_bias=True``, initializers
    and regularizers as ``Conv2D``.
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        _check_format(data_format, name, self)
        from minidl.keras.layers._constraint_args import set_constraints
        set_constraints(self, kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        self._set_activity_regularizer(activity_regularizer)
        if int(filters) <= 0:
            raise ValueError(f"Invalid value for argument `filters`. Expected a strictly positive value. "
                             f"Received filters={filters}.")
        self.filters, self.groups = int(filters), int(groups)
        self.kernel_size = _triple(kernel_size, "kernel_size", name)
        self.strides = _triple(strides, "strides", name)
        self.dilation_rate = _triple(dilation_rate, "dilation_rate", name)
        self.padding = _check_padding(padding, name)
        self.activation = _activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer

    def build(self, input_shape):
        """Create ``kernel`` (stored as minidl's (out, in, kd, kh, kw)) and ``bias``."""
        _check_5d(self, input_shape)
        in_ch = input_shape[-1]
        if in_ch is None or in_ch % self.groups or self.filters % self.groups:
            raise ValueError(f"Conv3D {self.name}: input channels {in_ch} and filters {self.filters} must be known "
                             f"and divisible by groups={self.groups}")
        self._in_channels = int(in_ch)
        self.kernel = self.add_weight(self.kernel_size + (in_ch // self.groups, self.filters),
                                      self.kernel_initializer, name="kernel", attr="_kernel",
                                      regularizer=self.kernel_regularizer, layout=(4, 3, 0, 1, 2))
        if self.use_bias:
            self.bias = self.add_weight((self.filters,), self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer)
        self.built = True

    def compute_output_shape(self, input_shape):
        """(batch, d', h', w', filters)."""
        _check_5d(self, input_shape)
        if self.built and input_shape[-1] is not None and input_shape[-1] != self._in_channels:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected axis -1 of '
                             f"input shape to have value {self._in_channels}, but received input with shape "
                             f"{tuple(input_shape)}")
        spatial = tuple(conv_output_length(n, k, self.padding, s, d) for n, k, s, d in
                        zip(input_shape[1:4], self.kernel_size, self.strides, self.dilation_rate))
        if any(n is not None and n <= 0 for n in spatial):
            raise ValueError(f"Conv3D {self.name}: the input {tuple(input_shape)} is smaller than the kernel "
                             f"{self.kernel_size}; use padding='same' or a larger input")
        return (input_shape[0],) + spatial + (self.filters,)

    def convolution_op(self, inputs, kernel):
        """Keras' hook: the convolution of channels-last ``inputs`` with a ``(kd, kh, kw, in / groups, out)``
        ``kernel`` (``keras.ops.conv`` with the layer's strides, padding and dilation). A subclass that
        overrides it gets it called by the layer, which then adds the bias and applies the activation,
        as Keras' ``Conv3D.call`` does; it sees the kernel as a differentiable Tensor in Keras' layout."""
        from minidl.keras import ops
        return ops.conv(inputs, kernel, strides=list(self.strides), padding=self.padding,
                        dilation_rate=list(self.dilation_rate))

    def _forward_overridden(self, x):
        from minidl.keras._tensor import to_external, to_internal
        from minidl.keras.layers._call_override import keras_layout_variables
        with keras_layout_variables(self):
            out = self.convolution_op(to_external(x), self.kernel)
            if self.use_bias:
                out = out + self.bias
            return _activations.apply(self.activation, to_internal(out))

    def _forward(self, x, training=False):
        type(self).compute_output_shape(self, (None,) + tuple(x.shape[1:]))
        if type(self).convolution_op is not Conv3D.convolution_op:
            return self._forward_overridden(x)
        x = permute(x, _TO_FIRST)
        if self.padding == "same":
            pads = _same_pads(x, self.kernel_size, self.strides, self.dilation_rate)
            if any(pads):
                x = F.pad(x, pads)
        out = F.conv3d(x, self._kernel, self.bias if self.use_bias else None, self.strides, 0, self.dilation_rate,
                       self.groups)
        return _activations.apply(self.activation, permute(out, _TO_LAST))

    def get_config(self):
        return dict(super().get_config(), filters=self.filters, kernel_size=self.kernel_size, strides=self.strides,
                    padding=self.padding, data_format=self.data_format, dilation_rate=self.dilation_rate,
                    groups=self.groups, activation=_activations.serialize(self.activation), use_bias=self.use_bias,
                    kernel_initializer=_serialize(self.kernel_initializer),
                    bias_initializer=_serialize(self.bias_initializer),
                    kernel_regularizer=_serialize(self.kernel_regularizer),
                    bias_regularizer=_serialize(self.bias_regularizer),
                    **_constraint_config(self, "kernel_constraint", "bias_constraint"))


class _Pooling3D(Layer):
    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        layer = type(self).__name__
        _check_format(data_format, layer, self)
        self.pool_size = _triple(pool_size, "pool_size", layer)
        self.strides = self.pool_size if strides is None else _triple(strides, "strides", layer)
        self.padding = _check_padding(padding, layer)

    def compute_output_shape(self, input_shape):
        """(batch, d', h', w', channels)."""
        _check_5d(self, input_shape)
        spatial = tuple(conv_output_length(n, k, self.padding, s) for n, k, s in
                        zip(input_shape[1:4], self.pool_size, self.strides))
        if any(n is not None and n <= 0 for n in spatial):
            raise ValueError(f"{type(self).__name__} {self.name}: the input {tuple(input_shape)} is smaller than "
                             f"the pool {self.pool_size}")
        return (input_shape[0],) + spatial + (input_shape[-1],)

    def _forward(self, x, training=False):
        type(self).compute_output_shape(self, (None,) + tuple(x.shape[1:]))
        x = permute(x, _TO_FIRST)
        pads = _same_pads(x, self.pool_size, self.strides) if self.padding == "same" else (0,) * 6
        return permute(self._pool(x, pads), _TO_LAST)

    def get_config(self):
        return dict(super().get_config(), pool_size=self.pool_size, padding=self.padding, strides=self.strides,
                    data_format=self.data_format)


class MaxPooling3D(_Pooling3D):
    """Maximum over ``pool_size`` windows (default (2, 2, 2); strides default to pool_size)."""

    def _pool(self, x, pads):
        if any(pads):
            x = F.pad(x, pads, value=-np.inf)
        return F.max_pool3d(x, self.pool_size, self.strides)


class AveragePooling3D(_Pooling3D):
    """Mean over ``pool_size`` windows; with ``"same"`` each window averages its real values only."""

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, name, **kwargs)

    def _pool(self, x, pads):
        if not any(pads):
            return F.avg_pool3d(x, self.pool_size, self.strides)
        out = F.avg_pool3d(F.pad(x, pads), self.pool_size, self.strides)
        ones = np.ones((1, 1) + tuple(x.shape[2:]), dtype=np.float64)
        widths = [(0, 0), (0, 0)] + [(pads[2 * i], pads[2 * i + 1]) for i in (2, 1, 0)]
        counts = F.avg_pool3d(Tensor(np.pad(ones, widths)), self.pool_size, self.strides).array
        from minidl import backend
        scale = backend.to_device((1.0 / counts).astype(out.array.dtype), backend.device_of(out.array))
        return out * Tensor(scale)
