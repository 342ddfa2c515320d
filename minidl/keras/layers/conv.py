"""Convolution and pooling layers: Conv2D, MaxPooling2D, AveragePooling2D, the global poolings,
ZeroPadding2D, with Keras' ``padding="valid"|"same"`` arithmetic.

``"same"`` (TensorFlow's rule): output size ``ceil(size / stride)``; the total
padding ``max((out - 1) * stride + (k - 1) * dilation + 1 - size, 0)`` is split
with the odd pixel at the bottom/right. Max pooling pads with -inf; average
pooling divides by the number of real (unpadded) values in each window.
"""
from __future__ import annotations

import numpy as np

import minidl.nn.functional as F
from minidl.keras import activations as _activations
from minidl.keras.layers.base import Layer
from minidl.ops import reduction as _red

__all__ = ["Conv2D", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D",
           "GlobalMaxPooling2D", "ZeroPadding2D", "conv_output_length", "same_padding"]

# Keras (kh, kw, in, out) <-> minidl (out, in, kh, kw)
_KERNEL_TO_INTERNAL = (3, 2, 0, 1)


def _pair(value, name, layer):
    if isinstance(value, (int, np.integer)):
        return (int(value), int(value))
    value = tuple(int(v) for v in value)
    if len(value) != 2:
        raise ValueError(f"{layer}: the `{name}` argument must be a tuple of 2 integers. "
                         f"Received {name}={value}")
    return value


def _check_padding(padding, layer):
    padding = str(padding).lower()
    if padding not in ("valid", "same"):
        raise ValueError(f"{layer}: the `padding` argument must be one of 'valid', 'same' "
                         f"(case-insensitive). Received: padding={padding}")
    return padding


def _check_format(data_format, layer, owner=None):
    """Validate ``data_format`` (Keras' values); with ``owner`` (the layer), set its ``data_format``
    and make it take channels-first inputs when asked (see :mod:`._channels_first`)."""
    from minidl.keras.layers._channels_first import standardize_data_format, use_data_format
    if owner is None:
        return standardize_data_format(data_format)
    return use_data_format(owner, data_format)


def conv_output_length(size, kernel, padding, stride, dilation=1):
    """Keras' output length of a convolution/pooling along one axis (None stays None)."""
    if size is None:
        return None
    if padding == "same":
        return -(-size // stride)
    return (size - (kernel - 1) * dilation - 1) // stride + 1


def same_padding(size, kernel, stride, dilation=1):
    """``(before, after)`` padding of ``"same"`` along one axis (odd pixel after)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def _spatial_pads(x, kernel, strides, dilation=(1, 1)):
    (t, b) = same_padding(x.shape[2], kernel[0], strides[0], dilation[0])
    (lf, r) = same_padding(x.shape[3], kernel[1], strides[1], dilation[1])
    return t, b, lf, r


def _check_4d(layer, input_shape):
    if len(input_shape) != 4:
        raise ValueError(f'Input 0 of layer "{layer.name}" is incompatible with the layer: expected '
                         f"ndim=4, found ndim={len(input_shape)}. Full shape received: "
                         f"{tuple(input_shape)}")


class Conv2D(Layer):
    """2-D convolution over channels-last inputs; kernel (kh, kw, in, filters) in Keras' layout.

    Args (Keras'): ``filters``, ``kernel_size``, ``strides=(1, 1)``,
    ``padding="valid"``, ``dilation_rate=(1, 1)``, ``groups=1``,
    ``activation=None``, ``use_bias=True``, ``kernel_initializer="glorot_uniform"``,
    ``bias_initializer="zeros"``, ``kernel_regularizer``, ``bias_regularizer``.
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        _check_format(data_format, name, self)
        from minidl.keras.layers._constraint_args import set_constraints
        set_constraints(self, kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        self._set_activity_regularizer(activity_regularizer)
        if int(filters) <= 0:
            raise ValueError(f"Invalid value for argument `filters`. Expected a strictly positive "
                             f"value. Received filters={filters}.")
        self.filters = int(filters)
        self.kernel_size = _pair(kernel_size, "kernel_size", name)
        self.strides = _pair(strides, "strides", name)
        self.dilation_rate = _pair(dilation_rate, "dilation_rate", name)
        self.padding = _check_padding(padding, name)
        self.groups = int(groups)
        self.activation = _activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer

    def build(self, input_shape):
        _check_4d(self, input_shape)
        in_ch = input_shape[-1]
        if in_ch is None or in_ch % self.groups or self.filters % self.groups:
            raise ValueError(f"Conv2D {self.name}: input channels {in_ch} and filters {self.filters} "
                             f"must be known and divisible by groups={self.groups}")
        shape = self.kernel_size + (in_ch // self.groups, self.filters)
        self.kernel = self.add_weight(shape, self.kernel_initializer, name="kernel", attr="_kernel",
                                      regularizer=self.kernel_regularizer, layout=_KERNEL_TO_INTERNAL)
        if self.use_bias:
            self.bias = self.add_weight((self.filters,), self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer)
        self.built = True

    def compute_output_shape(self, input_shape):
        _check_4d(self, input_shape)
        n, h, w, c = input_shape
        if self.built and c is not None and c != self._kernel.shape[1] * self.groups:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: '
                             f"expected axis -1 of input shape to have value "
                             f"{self._kernel.shape[1] * self.groups}, but received input with shape "
                             f"{tuple(input_shape)}")
        oh = conv_output_length(h, self.kernel_size[0], self.padding, self.strides[0], self.dilation_rate[0])
        ow = conv_output_length(w, self.kernel_size[1], self.padding, self.strides[1], self.dilation_rate[1])
        if (oh is not None and oh <= 0) or (ow is not None and ow <= 0):
            raise ValueError(f"Conv2D {self.name}: the input {tuple(input_shape)} is smaller than the "
                             f"kernel {self.kernel_size} (output would be {oh}x{ow}); use padding='same' "
                             "or a larger input")
        return (n, oh, ow, self.filters)

    def convolution_op(self, inputs, kernel):
        """Keras' hook: the convolution of channels-last ``inputs`` with a ``(kh, kw, in / groups, out)``
        ``kernel`` (``keras.ops.conv`` with the layer's strides, padding and dilation). A subclass that
        overrides it (a standardized or masked kernel) gets it called by the layer, which then adds
        the bias and applies the activation, as Keras' ``Conv2D.call`` does."""
        from minidl.keras import ops
        return ops.conv(inputs, kernel, strides=list(self.strides), padding=self.padding,
                        dilation_rate=list(self.dilation_rate))

    def _forward_overridden(self, x, training):
        """A subclass's ``convolution_op`` + bias + activation (a subclass's own ``call`` runs through
        :mod:`~minidl.keras.layers._call_override`, its ``super().call`` here).

        It sees the kernel as a differentiable Tensor in Keras' layout (minidl stores it as
        (out, in, kh, kw); ``self.kernel`` is otherwise a view whose values carry no gradient)."""
        view = self.__dict__["kernel"]
        self.__dict__["kernel"] = view.keras_tensor()
        try:
            from minidl.keras._tensor import to_external, to_internal
            out = self.convolution_op(to_external(x), self.kernel)
            if self.use_bias:
                out = out + self.bias
            return _activations.apply(self.activation, to_internal(out))
        finally:
            self.__dict__["kernel"] = view

    def _forward(self, x, training=False):
        if x.ndim != 4 or x.shape[1] != self._kernel.shape[1] * self.groups:
            shape = (None,) + tuple(x.shape[2:]) + (x.shape[1],) if x.ndim == 4 else tuple(x.shape)
            type(self).compute_output_shape(self, shape)
            _check_4d(self, shape)
        if type(self).convolution_op is not Conv2D.convolution_op:
            return self._forward_overridden(x, training)
        padding = 0
        if self.padding == "same":
            t, b, lf, r = _spatial_pads(x, self.kernel_size, self.strides, self.dilation_rate)
            if t == b and lf == r:
                padding = (t, lf)
            else:
                x = F.pad(x, (lf, r, t, b))
        out = F.conv2d(x, self._kernel, self.bias if self.use_bias else None, self.strides, padding,
                       self.dilation_rate, self.groups)
        return _activations.apply(self.activation, out)

    def get_config(self):
        from minidl.keras.layers.core import _constraint_config, _serialize
        return dict(super().get_config(), filters=self.filters, kernel_size=self.kernel_size,
                    strides=self.strides, padding=self.padding, dilation_rate=self.dilation_rate,
                    groups=self.groups, activation=_activations.serialize(self.activation),
                    use_bias=self.use_bias, kernel_initializer=_serialize(self.kernel_initializer),
                    bias_initializer=_serialize(self.bias_initializer),
                    kernel_regularizer=_serialize(self.kernel_regularizer),
                    bias_regularizer=_serialize(self.bias_regularizer),
                    **_constraint_config(self, "kernel_constraint", "bias_constraint"))


class _Pooling2D(Layer):
    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        _check_format(data_format, name, self)
        self.pool_size = _pair(pool_size, "pool_size", name)
        self.strides = _pair(strides, "strides", name) if strides is not None else self.pool_size
        self.padding = _check_padding(padding, name)

    def compute_output_shape(self, input_shape):
        _check_4d(self, input_shape)
        n, h, w, c = input_shape
        oh = conv_output_length(h, self.pool_size[0], self.padding, self.strides[0])
        ow = conv_output_length(w, self.pool_size[1], self.padding, self.strides[1])
        if (oh is not None and oh <= 0) or (ow is not None and ow <= 0):
            raise ValueError(f"{type(self).__name__} {self.name}: the input {tuple(input_shape)} is "
                             f"smaller than the pool {self.pool_size}")
        return (n, oh, ow, c)

    def get_config(self):
        return dict(super().get_config(), pool_size=self.pool_size, strides=self.strides,
                    padding=self.padding)


class MaxPooling2D(_Pooling2D):
    """Maximum over ``pool_size`` windows (default (2, 2), strides = pool_size)."""

    def _forward(self, x, training=False):
        if self.padding == "same":
            t, b, lf, r = _spatial_pads(x, self.pool_size, self.strides)
            if t or b or lf or r:
                x = F.pad(x, (lf, r, t, b), value=-np.inf)
        return F.max_pool2d(x, self.pool_size, self.strides)


class AveragePooling2D(_Pooling2D):
    """Mean over ``pool_size`` windows; with ``"same"`` each window averages its real values only."""

    def _forward(self, x, training=False):
        if self.padding != "same":
            return F.avg_pool2d(x, self.pool_size, self.strides)
        t, b, lf, r = _spatial_pads(x, self.pool_size, self.strides)
        if not (t or b or lf or r):
            return F.avg_pool2d(x, self.pool_size, self.strides)
        out = F.avg_pool2d(F.pad(x, (lf, r, t, b)), self.pool_size, self.strides)
        return out * self._window_scale(x.shape[2:], (t, b, lf, r), out.dtype)

    def _window_scale(self, hw, pads, dtype):
        """kh*kw / (real values in each window), shaped (1, 1, OH, OW)."""
        (h, w), (t, b, lf, r) = hw, pads
        ones = np.pad(np.ones((h, w)), ((t, b), (lf, r)))
        kh, kw = self.pool_size
        sh, sw = self.strides
        oh, ow = (h + t + b - kh) // sh + 1, (w + lf + r - kw) // sw + 1
        counts = np.empty((oh, ow))
        for i in range(oh):
            for j in range(ow):
                counts[i, j] = ones[i * sh:i * sh + kh, j * sw:j * sw + kw].sum()
        return (kh * kw / counts).astype(dtype).reshape(1, 1, oh, ow)


class _GlobalPooling2D(Layer):
    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        _check_format(data_format, type(self).__name__, self)
        self.keepdims = bool(keepdims)

    def compute_output_shape(self, input_shape):
        _check_4d(self, input_shape)
        n, _, _, c = input_shape
        return (n, 1, 1, c) if self.keepdims else (n, c)

    def get_config(self):
        return dict(super().get_config(), keepdims=self.keepdims)


class GlobalAveragePooling2D(_GlobalPooling2D):
    """Mean over height and width: (N, H, W, C) -> (N, C) (or (N, 1, 1, C) with ``keepdims``)."""

    def _forward(self, x, training=False):
        return _red.mean(x, (2, 3), self.keepdims)


class GlobalMaxPooling2D(_GlobalPooling2D):
    """Maximum over height and width: (N, H, W, C) -> (N, C)."""

    def _forward(self, x, training=False):
        return x.amax(dim=(2, 3), keepdim=self.keepdims)


class ZeroPadding2D(Layer):
    """Zero rows/columns around each image: ``padding`` = int, (h, w) or ((top, bottom), (left, right))."""

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        _check_format(data_format, "ZeroPadding2D", self)
        if isinstance(padding, (int, np.integer)):
            padding = ((padding, padding), (padding, padding))
        elif all(isinstance(p, (int, np.integer)) for p in padding):
            padding = ((padding[0], padding[0]), (padding[1], padding[1]))
        self.padding = tuple(tuple(int(v) for v in p) for p in padding)

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        (t, b), (lf, r) = self.padding
        return (n, None if h is None else h + t + b, None if w is None else w + lf + r, c)

    def _forward(self, x, training=False):
        (t, b), (lf, r) = self.padding
        return F.pad(x, (lf, r, t, b))

    def get_config(self):
        return dict(super().get_config(), padding=self.padding)


