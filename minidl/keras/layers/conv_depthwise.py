"""Depthwise and separable convolutions of the Keras facade: ``DepthwiseConv2D``, ``SeparableConv2D``,
``DepthwiseConv1D``, ``SeparableConv1D`` (channels-last, Keras' weights and ``padding`` rules).

A depthwise convolution filters each input channel on its own with ``depth_multiplier`` kernels:
Keras' kernel (k..., in, multiplier) gives ``in * multiplier`` output channels, output channel
``c * multiplier + m`` from channel ``c``. It runs as minidl's grouped convolution (``groups = in``)
with the kernel reshaped to (in * multiplier, 1, k...). A separable convolution is a depthwise one
(weight ``depthwise_kernel``, no bias) followed by a 1x1 convolution (``pointwise_kernel``
(1[, 1], in * multiplier, filters)) and the bias.
"""
from __future__ import annotations

import minidl.nn.functional as F
from minidl.keras import activations as _activations
from minidl.keras._tensor import permute
from minidl.keras.layers.base import Layer
from minidl.keras.layers.conv import _check_format, _check_padding, _pair, conv_output_length, same_padding
from minidl.keras.layers.conv_more import _single
from minidl.keras.layers.core import _serialize

__all__ = ["DepthwiseConv2D", "SeparableConv2D", "DepthwiseConv1D", "SeparableConv1D"]


class _DepthwiseBase(Layer):
    """Arguments, weights and the computation shared by the depthwise/separable layers of rank 1 or 2."""

    _rank = 2
    _separable = False

    def __init__(self, filters, kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate,
                 activation, use_bias, depthwise_initializer, pointwise_initializer, bias_initializer,
                 depthwise_regularizer, pointwise_regularizer, bias_regularizer, activity_regularizer,
                 depthwise_constraint, pointwise_constraint, bias_constraint, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        _check_format(data_format, name, self)
        from minidl.keras.layers._constraint_args import set_constraints
        set_constraints(self, depthwise_constraint=depthwise_constraint, bias_constraint=bias_constraint,
                        **({"pointwise_constraint": pointwise_constraint} if self._separable else {}))
        self._set_activity_regularizer(activity_regularizer)
        if self._separable and (filters is None or int(filters) <= 0):
            raise ValueError(f"Invalid value for argument `filters`. Expected a strictly positive value. "
                             f"Received filters={filters}.")
        if int(depth_multiplier) <= 0:
            raise ValueError(f"Invalid value for argument `depth_multiplier`. Expected a strictly positive "
                             f"value. Received depth_multiplier={depth_multiplier}.")
        tup = _pair if self._rank == 2 else (lambda v, n, lay: (_single(v, n, lay),))
        self.filters = None if filters is None else int(filters)
        self.kernel_size = tup(kernel_size, "kernel_size", name)
        self.strides = tup(strides, "strides", name)
        self.dilation_rate = tup(dilation_rate, "dilation_rate", name)
        self.padding = _check_padding(padding, name)
        self.depth_multiplier = int(depth_multiplier)
        self.activation = _activations.get(activation)
        self.use_bias = bool(use_bias)
        self.depthwise_initializer, self.pointwise_initializer = depthwise_initializer, pointwise_initializer
        self.bias_initializer = bias_initializer
        self.depthwise_regularizer, self.pointwise_regularizer = depthwise_regularizer, pointwise_regularizer
        self.bias_regularizer = bias_regularizer

    def _check_rank(self, input_shape):
        if len(input_shape) != self._rank + 2:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                             f"ndim={self._rank + 2}, found ndim={len(input_shape)}. Full shape received: "
                             f"{tuple(input_shape)}")

    def _out_channels(self, in_channels):
        return self.filters if self._separable else in_channels * self.depth_multiplier

    def build(self, input_shape):
        """Create the depthwise kernel (k..., in, multiplier) (+ pointwise kernel) and the bias."""
        self._check_rank(input_shape)
        in_ch = input_shape[-1]
        if in_ch is None:
            raise ValueError(f"{type(self).__name__} {self.name}: the channel dimension of {tuple(input_shape)} "
                             "must be known")
        self._in_channels = int(in_ch)
        shape = self.kernel_size + (in_ch, self.depth_multiplier)
        if self._separable:
            self.depthwise_kernel = self.add_weight(shape, self.depthwise_initializer, name="depthwise_kernel",
                                                    regularizer=self.depthwise_regularizer)
            self.pointwise_kernel = self.add_weight((1,) * self._rank + (in_ch * self.depth_multiplier, self.filters),
                                                    self.pointwise_initializer, name="pointwise_kernel",
                                                    regularizer=self.pointwise_regularizer)
        else:
            self.kernel = self.add_weight(shape, self.depthwise_initializer, name="kernel",
                                          regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint)
        if self.use_bias:
            self.bias = self.add_weight((self._out_channels(in_ch),), self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer)
        self.built = True

    def compute_output_shape(self, input_shape):
        """(batch, spatial..., channels) with Keras' ``valid``/``same`` sizes."""
        self._check_rank(input_shape)
        if self.built and input_shape[-1] is not None and input_shape[-1] != self._in_channels:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected axis -1 '
                             f"of input shape to have value {self._in_channels}, but received input with shape "
                             f"{tuple(input_shape)}")
        spatial = tuple(conv_output_length(size, k, self.padding, s, d) for size, k, s, d in
                        zip(input_shape[1:-1], self.kernel_size, self.strides, self.dilation_rate))
        if any(n is not None and n <= 0 for n in spatial):
            raise ValueError(f"{type(self).__name__} {self.name}: the input {tuple(input_shape)} is smaller than "
                             f"the kernel {self.kernel_size}; use padding='same' or a larger input")
        return (input_shape[0],) + spatial + (self._out_channels(input_shape[-1]),)

    def _grouped_kernel(self, kernel):
        """Keras' (k..., in, mult) as minidl's grouped weight (in * mult, 1, k...)."""
        k = kernel.reshape(*self.kernel_size, 1, self._in_channels * self.depth_multiplier)
        return permute(k, (3, 2, 0, 1) if self._rank == 2 else (2, 1, 0))

    def _forward(self, x, training=False):
        if self._rank == 1:
            x = x.transpose(1, 2)  # (batch, steps, channels) -> (batch, channels, steps)
        if x.ndim != self._rank + 2 or x.shape[1] != self._in_channels:
            shape = (None,) + tuple(x.shape[2:]) + (x.shape[1],)
            type(self).compute_output_shape(self, shape)
        if self.padding == "same":
            pads = []
            for axis in range(self._rank - 1, -1, -1):  # F.pad lists the last axis first
                pads += same_padding(x.shape[2 + axis], self.kernel_size[axis], self.strides[axis],
                                     self.dilation_rate[axis])
            if any(pads):
                x = F.pad(x, tuple(pads))
        conv = F.conv2d if self._rank == 2 else F.conv1d
        kernel = self.depthwise_kernel if self._separable else self.kernel
        bias = self.bias if self.use_bias else None
        out = conv(x, self._grouped_kernel(kernel), None if self._separable else bias, self.strides, 0,
                   self.dilation_rate, self._in_channels)
        if self._separable:  # the 1x1 convolution: (1[, 1], in * mult, filters) -> (filters, in * mult, 1[, 1])
            out = conv(out, permute(self.pointwise_kernel, (3, 2, 0, 1) if self._rank == 2 else (2, 1, 0)), bias)
        out = _activations.apply(self.activation, out)
        return out.transpose(1, 2) if self._rank == 1 else out

    def get_config(self):
        config = dict(super().get_config(), depth_multiplier=self.depth_multiplier)
        if self._separable:
            config["filters"] = self.filters
        config.update(kernel_size=self.kernel_size, strides=self.strides, padding=self.padding,
                      data_format=self.data_format, dilation_rate=self.dilation_rate,
                      activation=_activations.serialize(self.activation), use_bias=self.use_bias,
                      depthwise_initializer=_serialize(self.depthwise_initializer))
        if self._separable:
            config["pointwise_initializer"] = _serialize(self.pointwise_initializer)
        config.update(bias_initializer=_serialize(self.bias_initializer),
                      depthwise_regularizer=_serialize(self.depthwise_regularizer))
        if self._separable:
            config["pointwise_regularizer"] = _serialize(self.pointwise_regularizer)
        config["bias_regularizer"] = _serialize(self.bias_regularizer)
        from minidl.keras.layers._constraint_args import constraint_config
        names = ("depthwise_constraint", "pointwise_constraint") if self._separable else ("depthwise_constraint",)
        config.update(constraint_config(self, *names, "bias_constraint"))
        return config


class DepthwiseConv2D(_DepthwiseBase):
    """Per-channel 2-D convolution: (N, H, W, C) -> (N, H', W', C * depth_multiplier); kernel
    (kh, kw, C, depth_multiplier), bias (C * depth_multiplier,)."""

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(None, kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate,
                         activation, use_bias, depthwise_initializer, None, bias_initializer, depthwise_regularizer,
                         None, bias_regularizer, activity_regularizer, depthwise_constraint, None, bias_constraint,
                         **kwargs)


class SeparableConv2D(_DepthwiseBase):
    """Depthwise 2-D convolution then a 1x1 convolution to ``filters`` channels: weights
    ``depthwise_kernel`` (kh, kw, C, depth_multiplier), ``pointwise_kernel``
    (1, 1, C * depth_multiplier, filters), ``bias`` (filters,)."""

    _separable = True

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate,
                         activation, use_bias, depthwise_initializer, pointwise_initializer, bias_initializer,
                         depthwise_regularizer, pointwise_regularizer, bias_regularizer, activity_regularizer,
                         depthwise_constraint, pointwise_constraint, bias_constraint, **kwargs)


class DepthwiseConv1D(_DepthwiseBase):
    """Per-channel 1-D convolution: (N, steps, C) -> (N, steps', C * depth_multiplier); kernel
    (k, C, depth_multiplier)."""

    _rank = 1

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(None, kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate,
                         activation, use_bias, depthwise_initializer, None, bias_initializer, depthwise_regularizer,
                         None, bias_regularizer, activity_regularizer, depthwise_constraint, None, bias_constraint,
                         **kwargs)


class SeparableConv1D(_DepthwiseBase):
    """Depthwise 1-D convolution then a pointwise one to ``filters`` channels: ``depthwise_kernel``
    (k, C, depth_multiplier), ``pointwise_kernel`` (1, C * depth_multiplier, filters), ``bias``."""

    _rank = 1
    _separable = True

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate,
                         activation, use_bias, depthwise_initializer, pointwise_initializer, bias_initializer,
                         depthwise_regularizer, pointwise_regularizer, bias_regularizer, activity_regularizer,
                         depthwise_constraint, pointwise_constraint, bias_constraint, **kwargs)
