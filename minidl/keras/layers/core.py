"""Core layers: Dense, Activation, Dropout, Flatten, Reshape, Rescaling, ReLU, LeakyReLU, Softmax.

Shapes are Keras' (channels-last, batch first); the computation runs on
minidl's channels-first tensors (see :mod:`minidl.keras.layers.base`).
"""
from __future__ import annotations

import math

import numpy as np

import minidl.nn.functional as F
from minidl.keras import activations as _activations
from minidl.keras._tensor import NCHW_TO_NHWC, NHWC_TO_NCHW, permute, to_internal_axis
from minidl.keras.layers.base import Layer, standardize_shape
from minidl.ops import math as _math
from minidl.ops import shape as _shape
from minidl.ops.elementwise import where as _where

__all__ = ["Dense", "Activation", "Dropout", "Flatten", "Reshape", "Rescaling", "ReLU", "LeakyReLU",
           "Softmax", "Identity"]


def _check_last_dim(layer, input_shape, expected):
    got = input_shape[-1]
    if got is not None and expected is not None and got != expected:
        raise ValueError(f'Input 0 of layer "{layer.name}" is incompatible with the layer: expected '
                         f"axis -1 of input shape to have value {expected}, but received input with "
                         f"shape {tuple(input_shape)}")


def _last_axis_matmul(x, kernel):
    """``x @ kernel`` over the Keras last axis of an internal-layout tensor ``x``."""
    if x.ndim == 2:
        return _math.matmul(x, kernel)
    if x.ndim == 4:
        x = permute(x, NCHW_TO_NHWC)
    lead = tuple(x.shape[:-1])
    out = _math.matmul(_shape.reshape(x, (-1, x.shape[-1])), kernel)
    out = _shape.reshape(out, lead + (kernel.shape[1],))
    return permute(out, NHWC_TO_NCHW) if out.ndim == 4 else out


class Dense(Layer):
    """``activation(inputs @ kernel + bias)`` over the last axis; kernel (in, units), bias (units,).

    Args (Keras'): ``units``, ``activation=None``, ``use_bias=True``,
    ``kernel_initializer="glorot_uniform"``, ``bias_initializer="zeros"``,
    ``kernel_regularizer``, ``bias_regularizer``.
    """

    supports_masking = True  # the mask passes through unchanged, as in Keras

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 lora_rank=None, lora_alpha=None, quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        if int(units) <= 0:
            raise ValueError(f"Received an invalid value for `units`, expected a positive integer. "
                             f"Received: units={units}")
        from minidl.keras.layers._constraint_args import set_constraints
        set_constraints(self, kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        self._set_activity_regularizer(activity_regularizer)
        for arg, value in (("lora_rank", lora_rank), ("quantization_config", quantization_config)):
            if value is not None:
                raise NotImplementedError(f"Dense: {arg} is not supported by minidl.keras")
        self.units = int(units)
        self.activation = _activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer

    def build(self, input_shape):
        in_dim = input_shape[-1]
        if in_dim is None:
            raise ValueError(f"Dense layer {self.name}: the last dimension of the input shape "
                             f"{tuple(input_shape)} must be known")
        self.kernel = self.add_weight((in_dim, self.units), self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer)
        if self.use_bias:
            self.bias = self.add_weight((self.units,), self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer)
        self.built = True

    def compute_output_shape(self, input_shape):
        _check_last_dim(self, input_shape, self.kernel.shape[0] if self.built else None)
        return tuple(input_shape[:-1]) + (self.units,)

    def _forward(self, x, training=False):
        in_dim = self.kernel.shape[0]
        channels = x.shape[1] if x.ndim == 4 else x.shape[-1]
        if channels != in_dim:
            shape = (None,) + tuple(x.shape[1:]) if x.ndim != 4 else (None,) + tuple(x.shape[2:]) + (x.shape[1],)
            _check_last_dim(self, shape, in_dim)
        out = _last_axis_matmul(x, self.kernel)
        if self.use_bias:
            out = out + (_shape.reshape(self.bias, (-1, 1, 1)) if out.ndim == 4 else self.bias)
        return _activations.apply(self.activation, out)

    def get_config(self):
        return dict(super().get_config(), units=self.units,
                    activation=_activations.serialize(self.activation), use_bias=self.use_bias,
                    kernel_initializer=_serialize(self.kernel_initializer),
                    bias_initializer=_serialize(self.bias_initializer),
                    kernel_regularizer=_serialize(self.kernel_regularizer),
                    bias_regularizer=_serialize(self.bias_regularizer),
                    **_constraint_config(self, "kernel_constraint", "bias_constraint"))


def _constraint_config(layer, *args):
    from minidl.keras.layers._constraint_args import constraint_config
    return constraint_config(layer, *args)


def _serialize(obj):
    """A config value for an initializer/regularizer argument (names and config dicts pass through: the
    outermost ``get_config`` writes them as Keras' objects, see :mod:`minidl.keras.layers._keras_config`)."""
    if obj is None or isinstance(obj, (str, int, float, dict)):
        return obj
    if hasattr(obj, "get_config"):
        return {"class_name": type(obj).__name__, "config": obj.get_config()}
    raise ValueError(f"cannot serialise {obj!r}; pass a name or a keras object")


class Activation(Layer):
    """Applies ``activation`` (a name such as ``"relu"`` or a function)."""

    supports_masking = True  # the mask passes through unchanged, as in Keras

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = _activations.get(activation)

    def _forward(self, x, training=False):
        return _activations.apply(self.activation, x)

    def get_config(self):
        return dict(super().get_config(), activation=_activations.serialize(self.activation))


class Dropout(Layer):
    """Zeroes each input with probability ``rate`` during training and scales the rest by
    1 / (1 - rate); the identity at inference. ``noise_shape`` (Keras layout, None entries take the
    input's size) shares one draw along its size-1 axes: ``(None, 1, 1, 1)`` drops whole samples."""

    _call_training_default = False  # inference on a plain call, as Keras' `call(..., training=False)`

    supports_masking = True  # the mask passes through unchanged, as in Keras

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= float(rate) <= 1:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float value "
                             f"between 0 and 1. Received: rate={rate}")
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.rate, self.seed = float(rate), seed

    def _forward(self, x, training=False):
        if not training or self.rate <= 0:
            return x
        if self.noise_shape is None:
            return F.dropout(x, self.rate, True)
        from minidl.keras._dropout_noise import shaped_dropout
        return shaped_dropout(x, self.rate, self.noise_shape, self.name)

    def get_config(self):
        return dict(super().get_config(), rate=self.rate, seed=self.seed, noise_shape=self.noise_shape)


class Flatten(Layer):
    """(N, d1, d2, ...) -> (N, d1*d2*...) in channels-last order, so Dense weights match Keras'."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        from minidl.keras.layers._channels_first import use_data_format
        use_data_format(self, data_format)  # channels_first: moved channels-last before flattening, as Keras

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        n = None if any(d is None for d in rest) else int(math.prod(rest))
        return (input_shape[0], n)

    def _forward(self, x, training=False):
        if x.ndim == 4:
            x = permute(x, NCHW_TO_NHWC)
        return _shape.reshape(x, (x.shape[0], -1))


class Reshape(Layer):
    """Reshape each sample to ``target_shape`` (channels-last, one dimension may be -1)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = standardize_shape(target_shape)

    def compute_output_shape(self, input_shape):
        target = list(self.target_shape)
        if -1 in target:
            known = math.prod(d for d in target if d != -1)
            total = math.prod(input_shape[1:]) if None not in input_shape[1:] else None
            target[target.index(-1)] = None if total is None else total // known
        return (input_shape[0],) + tuple(target)

    def _forward(self, x, training=False):
        if x.ndim == 4:
            x = permute(x, NCHW_TO_NHWC)
        out = _shape.reshape(x, (x.shape[0],) + self.target_shape)
        return permute(out, NHWC_TO_NCHW) if out.ndim == 4 else out

    def get_config(self):
        return dict(super().get_config(), target_shape=self.target_shape)


class Rescaling(Layer):
    """``inputs * scale + offset`` (e.g. ``Rescaling(1./255)``)."""

    supports_masking = True  # the mask passes through unchanged, as in Keras

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset

    def _forward(self, x, training=False):
        out = x * np.float32(self.scale) if np.ndim(self.scale) == 0 else x * _channel(self.scale, x)
        if np.ndim(self.offset) == 0:
            return out + np.float32(self.offset) if self.offset else out
        return out + _channel(self.offset, x)

    def get_config(self):
        return dict(super().get_config(), scale=self.scale, offset=self.offset)


def _channel(values, x):
    """Per-channel constants shaped to broadcast over an internal-layout ``x``."""
    v = np.asarray(values, dtype=np.float32)
    return v.reshape(-1, 1, 1) if x.ndim == 4 and v.ndim == 1 else v


class ReLU(Layer):
    """Rectified linear unit with Keras' ``max_value``, ``negative_slope``."""

    supports_masking = True  # the mask passes through unchanged, as in Keras

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value, self.negative_slope, self.threshold = max_value, negative_slope, threshold

    def _forward(self, x, training=False):
        return _activations.relu(x, self.negative_slope, self.max_value, self.threshold)

    def get_config(self):
        return dict(super().get_config(), max_value=self.max_value,
                    negative_slope=self.negative_slope, threshold=self.threshold)


class LeakyReLU(Layer):
    """x for x > 0, ``negative_slope * x`` otherwise (Keras 3's default slope 0.3)."""

    supports_masking = True  # the mask passes through unchanged, as in Keras

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        self.negative_slope = float(negative_slope)

    def _forward(self, x, training=False):
        return _activations.leaky_relu(x, self.negative_slope)

    def get_config(self):
        return dict(super().get_config(), negative_slope=self.negative_slope)


class Softmax(Layer):
    """Softmax over ``axis`` (default -1: the channels; a tuple: over those axes together).

    ``Softmax()(x, mask=m)`` (``m`` broadcastable to ``x`` from the right, e.g. (batch, 1, keys)
    on attention scores (batch, queries, keys); True, or > 0.5 for a float mask, keeps an entry)
    puts -1e9 at the masked entries before the softmax and zeros there after it, as Keras does;
    a mask that does not broadcast raises ``ValueError``. The mask passes on unchanged.
    """

    supports_masking = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def _forward(self, x, training=False):
        if isinstance(self.axis, (list, tuple)):
            return self._forward_masked(x, None, training)
        return _activations.softmax(x, axis=to_internal_axis(self.axis, x.ndim))

    def __call__(self, inputs, *args, mask=None, **kwargs):
        if mask is not None and not hasattr(mask, "_layer"):  # a concrete float mask keeps entries > 0.5
            arr = np.asarray(mask.numpy() if hasattr(mask, "numpy") else mask)
            if arr.dtype != np.bool_:
                mask = arr > 0.5
        return super().__call__(inputs, *args, mask=mask, **kwargs)

    def _forward_masked(self, x, mask, training=False):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        xe = permute(x, NCHW_TO_NHWC) if x.ndim == 4 else x
        if mask is not None:
            if mask.ndim > xe.ndim or any(m != 1 and m != i for m, i in zip(mask.shape[::-1], xe.shape[::-1])):
                raise ValueError("The `mask` must be broadcastable to `inputs`. Each mask dimension must be 1 or "
                                 "match the corresponding input dimension. Received: "
                                 f"inputs.shape={tuple(xe.shape)}, mask.shape={tuple(mask.shape)}")
            xe = _where(mask, xe, -1e9)
        axes = self.axis if isinstance(self.axis, (list, tuple)) else (self.axis,)
        out = (xe - xe.logsumexp(dim=tuple(a % xe.ndim for a in axes), keepdim=True)).exp() if len(axes) > 1 \
            else _activations.softmax(xe, axis=axes[0])
        if mask is not None:  # zeros where masked, even when a whole row is masked
            out = _where(mask, out, 0.0)
        return permute(out, NHWC_TO_NCHW) if x.ndim == 4 else out

    def get_config(self):
        return dict(super().get_config(), axis=self.axis)


class Identity(Layer):
    """Returns its input unchanged."""

    supports_masking = True  # the mask passes through unchanged, as in Keras

    def _forward(self, x, training=False):
        return x
