"""``Conv1DTranspose`` and ``Conv3DTranspose`` of the Keras facade (channels-last, Keras' weights).

Kernels in Keras' layout: (k, filters, in) and (kd, kh, kw, filters, in), stored as minidl's
(in, filters, k...) for ``conv_transpose1d``/``conv_transpose3d``. Output length per axis as
``Conv2DTranspose`` (see :mod:`minidl.keras.layers.conv_more`): PyTorch's full transposed
convolution, cropped (or zero-extended for a large ``output_padding``) the way Keras pads.
"""
from __future__ import annotations

import numpy as np

import minidl.nn.functional as F
from minidl.keras import activations as _activations
from minidl.keras._tensor import permute
from minidl.keras.layers._constraint_args import constraint_config, set_constraints
from minidl.keras.layers.base import Layer
from minidl.keras.layers.conv import _check_format, _check_padding
from minidl.keras.layers.conv_more import _transpose_pads
from minidl.keras.layers.core import _serialize

__all__ = ["Conv1DTranspose", "Conv3DTranspose"]


def _tuple(value, rank, name, layer):
    if isinstance(value, (int, np.integer)):
        return (int(value),) * rank
    value = tuple(int(v) for v in value)
    if len(value) != rank:
        raise ValueError(f"{layer}: the `{name}` argument must be a tuple of {rank} integers. Received "
                         f"{name}={value}")
    return value


class _ConvTranspose(Layer):
    _rank = 1

    def __init__(self, filters, kernel_size, strides, padding, output_padding, data_format, dilation_rate,
                 activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                 activity_regularizer, kernel_constraint, bias_constraint, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        _check_format(data_format, name, self)
        self._set_activity_regularizer(activity_regularizer)
        if int(filters) <= 0:
            raise ValueError(f"Invalid value for argument `filters`. Expected a strictly positive value. "
                             f"Received filters={filters}.")
        r = self._rank
        self.filters = int(filters)
        self.kernel_size = _tuple(kernel_size, r, "kernel_size", name)
        self.strides = _tuple(strides, r, "strides", name)
        self.dilation_rate = _tuple(dilation_rate, r, "dilation_rate", name)
        self.output_padding = None if output_padding is None else _tuple(output_padding, r, "output_padding", name)
        for axis, (p, s) in enumerate(zip(self.output_padding or (), self.strides)):
            if p >= s:
                raise ValueError(f"`output_padding` must be strictly less than `strides` for all dimensions. At "
                                 f"dimension {axis}, `output_padding` is {p} but `strides` is {s}. Received: "
                                 f"output_padding={self.output_padding}, strides={self.strides}")
        self.padding = _check_padding(padding, name)
        self.activation = _activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        set_constraints(self, kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)

    def _check_rank(self, shape):
        if len(shape) != self._rank + 2:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                             f"ndim={self._rank + 2}, found ndim={len(shape)}. Full shape received: {tuple(shape)}")

    def build(self, input_shape):
        """Create ``kernel`` (Keras (k..., filters, in); minidl (in, filters, k...)) and ``bias`` (filters,)."""
        self._check_rank(input_shape)
        in_ch = input_shape[-1]
        if in_ch is None:
            raise ValueError(f"{type(self).__name__} {self.name}: the channel dimension of {tuple(input_shape)} "
                             "must be known")
        r = self._rank
        self._in_channels = int(in_ch)
        self.kernel = self.add_weight(self.kernel_size + (self.filters, in_ch), self.kernel_initializer,
                                      name="kernel", attr="_kernel", regularizer=self.kernel_regularizer,
                                      layout=(r + 1, r) + tuple(range(r)))
        if self.use_bias:
            self.bias = self.add_weight((self.filters,), self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer)
        self.built = True

    def _pads(self, axis):
        return _transpose_pads(None, self.kernel_size[axis], self.strides[axis], self.dilation_rate[axis],
                               self.padding, None if self.output_padding is None else self.output_padding[axis])

    def _length(self, axis, size):
        if size is None:
            return None
        left, right = self._pads(axis)
        k = (self.kernel_size[axis] - 1) * self.dilation_rate[axis] + 1
        return (size - 1) * self.strides[axis] + 1 + left + right - k + 1

    def compute_output_shape(self, input_shape):
        """(batch, *spatial', filters)."""
        self._check_rank(input_shape)
        if self.built and input_shape[-1] is not None and input_shape[-1] != self._in_channels:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected axis -1 of '
                             f"input shape to have value {self._in_channels}, but received input with shape "
                             f"{tuple(input_shape)}")
        spatial = tuple(self._length(a, n) for a, n in enumerate(input_shape[1:-1]))
        return (input_shape[0],) + spatial + (self.filters,)

    def _forward(self, x, training=False):
        r = self._rank
        type(self).compute_output_shape(self, (None,) + tuple(x.shape[1:]))
        x = permute(x, (0, r + 1) + tuple(range(1, r + 1)))  # channels first
        conv = F.conv_transpose1d if r == 1 else F.conv_transpose3d
        full = conv(x, self._kernel, None, self.strides, 0, 0, 1, self.dilation_rate)
        index, extend = [slice(None), slice(None)], []
        for axis in range(r):
            left, right = self._pads(axis)
            k = (self.kernel_size[axis] - 1) * self.dilation_rate[axis] + 1
            start, end = k - 1 - left, right - (k - 1)  # cut at the start; add (+) / cut (-) at the end
            index.append(slice(start, full.shape[2 + axis] + min(end, 0)))
            extend.append(max(end, 0))
        out = full[tuple(index)]
        if any(extend):  # Keras' output_padding beyond the kernel: zeros at the end
            pads = []
            for e in reversed(extend):
                pads += [0, e]
            out = F.pad(out, tuple(pads))
        if self.use_bias:
            out = out + self.bias.reshape((1, -1) + (1,) * r)
        out = permute(out, (0,) + tuple(range(2, r + 2)) + (1,))
        return _activations.apply(self.activation, out)

    def get_config(self):
        return dict(super().get_config(), filters=self.filters, kernel_size=self.kernel_size, strides=self.strides,
                    padding=self.padding, data_format=self.data_format, dilation_rate=self.dilation_rate,
                    output_padding=self.output_padding, activation=_activations.serialize(self.activation),
                    use_bias=self.use_bias, kernel_initializer=_serialize(self.kernel_initializer),
                    bias_initializer=_serialize(self.bias_initializer),
                    kernel_regularizer=_serialize(self.kernel_regularizer),
                    bias_regularizer=_serialize(self.bias_regularizer), activity_regularizer=None,
                    **constraint_config(self, "kernel_constraint", "bias_constraint"))


class Conv1DTranspose(_ConvTranspose):
    """Transposed 1-D convolution over (batch, steps, channels); kernel (k, filters, in).

    Args (Keras'): ``filters``, ``kernel_size``, ``strides=1``, ``padding="valid"``,
    ``output_padding=None``, ``dilation_rate=1``, ``activation``, ``use_bias``, initializers,
    regularizers and constraints as ``Conv1D``.
    """

    _rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, output_padding, data_format, dilation_rate,
                         activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint, **kwargs)


class Conv3DTranspose(_ConvTranspose):
    """Transposed 3-D convolution over (batch, D, H, W, channels); kernel (kd, kh, kw, filters, in).

    Args as ``Conv1DTranspose`` with triples (Keras' order: ``data_format`` before ``output_padding``).
    """

    _rank = 3

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 output_padding=None, dilation_rate=(1, 1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(filters, kernel_size, strides, padding, output_padding, data_format, dilation_rate,
                         activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint, **kwargs)
