"""``Conv1D``, ``Conv2DTranspose`` and ``UpSampling2D`` of the Keras facade (channels-last, Keras' weights).

``Conv1D`` on (batch, steps, channels), kernel (k, in, filters); ``padding`` ``"valid"``,
``"same"`` (TensorFlow's split, odd step at the end) or ``"causal"`` (all padding before).
``Conv2DTranspose`` on (batch, h, w, channels), kernel (kh, kw, filters, in) as Keras stores it;
output size per axis: ``valid``: ``in * stride + max(k - stride, 0)``, ``same``: ``in * stride``
(with ``output_padding`` p: valid ``(in - 1) * stride + k + p``, same ``(in - 1) * stride + k % 2 + p``),
computed as PyTorch's full transposed convolution cropped (or zero-extended) the way Keras pads.
"""
from __future__ import annotations

import minidl.nn.functional as F
from minidl.keras import activations as _activations
from minidl.keras.layers.base import Layer
from minidl.keras.layers.conv import Conv2D, _check_4d, _check_format, _pair, conv_output_length, same_padding

__all__ = ["Conv1D", "Conv2DTranspose", "UpSampling2D"]


def _single(value, name, layer):
    if isinstance(value, (list, tuple)):
        if len(value) != 1:
            raise ValueError(f"{layer}: the `{name}` argument must be a tuple of 1 integers. Received {name}={value}")
        value = value[0]
    return int(value)


class Conv1D(Conv2D):
    """1-D convolution over (batch, steps, channels); kernel (kernel_size, in, filters) in Keras' layout.

    Args as ``Conv2D`` with single ints, and ``padding="causal"`` (output step t sees inputs <= t).
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        causal = str(padding).lower() == "causal"
        super().__init__(filters, 1, 1, "valid" if causal else padding, data_format, 1, groups, activation,
                         use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)
        name = type(self).__name__
        self.kernel_size = (_single(kernel_size, "kernel_size", name),)
        self.strides = (_single(strides, "strides", name),)
        self.dilation_rate = (_single(dilation_rate, "dilation_rate", name),)
        if causal:
            self.padding = "causal"

    def build(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected ndim=3, '
                             f"found ndim={len(input_shape)}. Full shape received: {tuple(input_shape)}")
        in_ch = input_shape[-1]
        if in_ch is None or in_ch % self.groups or self.filters % self.groups:
            raise ValueError(f"Conv1D {self.name}: input channels {in_ch} and filters {self.filters} "
                             f"must be known and divisible by groups={self.groups}")
        self.kernel = self.add_weight(self.kernel_size + (in_ch // self.groups, self.filters),
                                      self.kernel_initializer, name="kernel", attr="_kernel",
                                      regularizer=self.kernel_regularizer, layout=(2, 1, 0))
        if self.use_bias:
            self.bias = self.add_weight((self.filters,), self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer)
        self.built = True

    def compute_output_shape(self, input_shape):
        n, steps, _ = input_shape
        k, s, d = self.kernel_size[0], self.strides[0], self.dilation_rate[0]
        padding = "valid" if self.padding == "causal" else self.padding
        length = steps if steps is None or self.padding != "causal" else steps + (k - 1) * d
        out = conv_output_length(length, k, padding, s, d)
        if out is not None and out <= 0:
            raise ValueError(f"Conv1D {self.name}: the input {tuple(input_shape)} is shorter than the kernel "
                             f"{self.kernel_size}; use padding='same' or a longer input")
        return (n, out, self.filters)

    def _forward(self, x, training=False):
        k, s, d = self.kernel_size[0], self.strides[0], self.dilation_rate[0]
        x = x.transpose(1, 2)  # (batch, channels, steps)
        if self.padding == "causal":
            x = F.pad(x, ((k - 1) * d, 0))
        elif self.padding == "same":
            x = F.pad(x, same_padding(x.shape[2], k, s, d))
        out = F.conv1d(x, self._kernel, self.bias if self.use_bias else None, s, 0, d, self.groups)
        return _activations.apply(self.activation, out.transpose(1, 2))


def _transpose_pads(size, kernel, stride, dilation, padding, output_padding):
    """Keras' ``(left, right)`` padding of the stride-dilated input of a transposed convolution."""
    k = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(k, stride) - k if output_padding is None else output_padding
        return k - 1, k - 1 + extra
    total = stride + k - 2 if output_padding is None else k + k % 2 - 2 + output_padding
    left = min(total // 2 + total % 2, k - 1)
    return left, total - left


class Conv2DTranspose(Conv2D):
    """Transposed 2-D convolution (the gradient of ``Conv2D``), channels-last; kernel
    (kh, kw, filters, in) in Keras' layout. Args as ``Conv2D`` plus ``output_padding``."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, 1, activation,
                         use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)
        self.output_padding = None if output_padding is None else _pair(output_padding, "output_padding",
                                                                           type(self).__name__)

    def build(self, input_shape):
        _check_4d(self, input_shape)
        in_ch = input_shape[-1]
        if in_ch is None:
            raise ValueError(f"Conv2DTranspose {self.name}: the channel dimension of {tuple(input_shape)} "
                             "must be known")
        # Keras (kh, kw, filters, in) <-> minidl (in, filters, kh, kw)
        self.kernel = self.add_weight(self.kernel_size + (self.filters, in_ch), self.kernel_initializer,
                                      name="kernel", attr="_kernel", regularizer=self.kernel_regularizer,
                                      layout=(3, 2, 0, 1))
        if self.use_bias:
            self.bias = self.add_weight((self.filters,), self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer)
        self.built = True

    def _pads(self, axis, size):
        return _transpose_pads(size, self.kernel_size[axis], self.strides[axis], self.dilation_rate[axis],
                               self.padding, None if self.output_padding is None else self.output_padding[axis])

    def _length(self, axis, size):
        if size is None:
            return None
        left, right = self._pads(axis, size)
        k = (self.kernel_size[axis] - 1) * self.dilation_rate[axis] + 1
        return (size - 1) * self.strides[axis] + 1 + left + right - k + 1

    def compute_output_shape(self, input_shape):
        _check_4d(self, input_shape)
        n, h, w, _ = input_shape
        return (n, self._length(0, h), self._length(1, w), self.filters)

    def _forward(self, x, training=False):
        full = F.conv_transpose2d(x, self._kernel, None, self.strides, 0, 0, 1, self.dilation_rate)
        crops = []
        for axis, size in ((0, x.shape[2]), (1, x.shape[3])):
            left, right = self._pads(axis, size)
            k = (self.kernel_size[axis] - 1) * self.dilation_rate[axis] + 1
            crops.append((k - 1 - left, right - (k - 1)))  # (cut at the start, add (+) / cut (-) at the end)
        (top, bottom), (lft, rgt) = crops
        h, w = full.shape[2], full.shape[3]
        out = full[:, :, top:h + min(bottom, 0), lft:w + min(rgt, 0)]
        if bottom > 0 or rgt > 0:  # Keras' output_padding beyond the kernel: zeros at the end
            out = F.pad(out, (0, max(rgt, 0), 0, max(bottom, 0)))
        if self.use_bias:
            out = out + self.bias.reshape(1, -1, 1, 1)
        return _activations.apply(self.activation, out)

    def get_config(self):
        config = super().get_config()
        config.pop("groups")
        return dict(config, output_padding=self.output_padding)


class UpSampling2D(Layer):
    """Repeat rows and columns ``size`` = (rows, cols) times (``interpolation="nearest"``) or resize
    (``"bilinear"``, ``"bicubic"``, ``"lanczos3"``, ``"lanczos5"``: half-pixel centres, ``jax.image.resize``'s
    kernels as Keras): (N, H, W, C) -> (N, H*rows, W*cols, C)."""

    supports_masking = False

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        _check_format(data_format, type(self).__name__, self)
        self.size = _pair(size, "size", type(self).__name__)
        if interpolation not in ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5"):
            raise ValueError('`interpolation` argument should be one of: "bicubic", "bilinear", "lanczos3", '
                             f'"lanczos5", "nearest". Received: "{interpolation}".')
        self.interpolation = interpolation

    def compute_output_shape(self, input_shape):
        _check_4d(self, input_shape)
        n, h, w, c = input_shape
        return (n, None if h is None else h * self.size[0], None if w is None else w * self.size[1], c)

    def _forward(self, x, training=False):
        if self.interpolation == "nearest":
            return x.repeat_interleave(self.size[0], dim=2).repeat_interleave(self.size[1], dim=3)
        if self.interpolation == "bilinear":
            return F.interpolate(x, scale_factor=self.size, mode="bilinear", align_corners=False)
        from minidl.keras.ops import _resample
        return _resample.resize_nchw(x, x.shape[2] * self.size[0], x.shape[3] * self.size[1], self.interpolation)

    def get_config(self):
        return dict(super().get_config(), size=self.size, data_format=self.data_format,
                    interpolation=self.interpolation)

