"""Regularisation and noise layers of the Keras facade: ``SpatialDropout1D/2D/3D``, ``GaussianNoise``,
``GaussianDropout``, ``AlphaDropout`` and ``ActivityRegularization``.

The noise layers act only in training (``fit``, or ``training=True``) and are the identity at
inference and on a plain call (Keras' ``call(..., training=False)`` default).
Each draws from its own stream, Keras' ``SeedGenerator(seed)``: an int ``seed`` repeats
the same sequence of masks; ``seed=None`` takes the stream's seed from minidl's global generator
when the layer is made (so ``keras.utils.set_random_seed`` / ``minidl.manual_seed`` fix it).
``ActivityRegularization`` adds ``(l1 * sum|x| + l2 * sum x^2) / batch_size`` of its input to the
layer's (and the model's) ``losses`` at every call, as Keras 3.
"""
from __future__ import annotations

import math

import numpy as np

from minidl import backend
from minidl.keras.layers.base import Layer
from minidl.keras.random import SeedGenerator
from minidl.tensor import Tensor

__all__ = ["SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise", "GaussianDropout",
           "AlphaDropout", "ActivityRegularization"]


def _check_rate(rate, what="rate"):
    rate = float(rate)
    if not 0 <= rate <= 1:
        raise ValueError(f"Invalid value received for argument `{what}`. Expected a float value between 0 and 1. "
                         f"Received: {what}={rate}")
    return rate


class _Noise(Layer):
    """A layer that draws from its own seeded stream (Keras' ``seed_generator``)."""

    _call_training_default = False  # inference on a plain call, as Keras' `call(..., training=False)`

    supports_masking = True  # the mask passes through unchanged, as in Keras

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        if seed is not None and not isinstance(seed, (int, np.integer)):
            raise ValueError(f"{type(self).__name__}: `seed` must be an integer or None. Received: seed={seed!r}")
        self.seed = None if seed is None else int(seed)
        self.seed_generator = SeedGenerator(seed)

    def _rng(self):
        return np.random.default_rng(self.seed_generator.next())

    @staticmethod
    def _like(arr, x):
        """``arr`` as a Tensor of ``x``'s dtype on ``x``'s device."""
        return Tensor(backend.to_device(np.ascontiguousarray(arr, dtype=x.array.dtype), backend.device_of(x.array)))

    def get_config(self):
        return dict(super().get_config(), seed=self.seed)


class _SpatialDropout(_Noise):
    _rank = 1

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None):
        super().__init__(seed=seed, name=name, dtype=dtype)
        if data_format not in (None, "channels_last"):
            raise NotImplementedError(f"{type(self).__name__}: only data_format='channels_last' is supported")
        self.rate = _check_rate(rate)

    def _check(self, shape):
        if len(shape) != self._rank + 2:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                             f"ndim={self._rank + 2}, found ndim={len(shape)}. Full shape received: {tuple(shape)}")

    def compute_output_shape(self, input_shape):
        """Unchanged."""
        self._check(input_shape)
        return input_shape

    def _forward(self, x, training=False):
        self._check(tuple(x.shape))
        if not training or self.rate <= 0:
            return x
        if self.rate >= 1:
            return x * 0
        if x.ndim == 4:  # internal NCHW: one draw per (sample, channel)
            shape = (x.shape[0], x.shape[1], 1, 1)
        else:
            shape = (x.shape[0],) + (1,) * self._rank + (x.shape[-1],)
        keep = self._rng().random(shape) >= self.rate
        return x * self._like(keep / (1 - self.rate), x)

    def get_config(self):
        config = {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": str(self.dtype)}
        if self._rank > 1:
            config["data_format"] = "channels_last"
        return config


class SpatialDropout1D(_SpatialDropout):
    """Dropout of whole feature maps of (batch, steps, channels): each (sample, channel) is kept
    (scaled by 1 / (1 - rate)) or zeroed at every step together."""

    def __init__(self, rate, seed=None, name=None, dtype=None):
        super().__init__(rate, None, seed, name, dtype)


class SpatialDropout2D(_SpatialDropout):
    """Dropout of whole channels of (batch, h, w, channels) images."""

    _rank = 2

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None):
        super().__init__(rate, data_format, seed, name, dtype)


class SpatialDropout3D(_SpatialDropout):
    """Dropout of whole channels of (batch, d, h, w, channels) volumes."""

    _rank = 3

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None):
        super().__init__(rate, data_format, seed, name, dtype)


class GaussianNoise(_Noise):
    """In training, adds zero-mean Gaussian noise of standard deviation ``stddev``."""

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if float(stddev) < 0:
            raise ValueError(f"Invalid value received for argument `stddev`. Expected a non-negative float. "
                             f"Received: stddev={stddev}")
        self.stddev = float(stddev)

    def _forward(self, x, training=False):
        if not training or self.stddev <= 0:
            return x
        return x + self._like(self._rng().normal(0.0, self.stddev, tuple(x.shape)), x)

    def get_config(self):
        config = super().get_config()
        seed = config.pop("seed")
        return dict(config, stddev=self.stddev, seed=seed)


class GaussianDropout(_Noise):
    """In training, multiplies by Gaussian noise of mean 1 and standard deviation sqrt(rate / (1 - rate))."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _check_rate(rate)

    def _forward(self, x, training=False):
        if not training or self.rate <= 0:
            return x
        stddev = math.sqrt(self.rate / (1.0 - self.rate)) if self.rate < 1 else math.inf
        return x * self._like(self._rng().normal(1.0, stddev, tuple(x.shape)), x)

    def get_config(self):
        config = super().get_config()
        seed = config.pop("seed")
        return dict(config, rate=self.rate, seed=seed)


class AlphaDropout(_Noise):
    """Dropout that keeps SELU's self-normalisation: dropped values become SELU's negative saturation
    ``alpha' = -1.6733 * 1.0507``, then ``a * x + b`` restores mean 0 and variance 1, with
    ``a = ((1 - rate) * (1 + rate * alpha'^2)) ** -0.5`` and ``b = -a * alpha' * rate``. ``noise_shape``
    (None entries take the input's size) shares one draw along its size-1 axes (Keras' axis order)."""

    _ALPHA_P = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _check_rate(rate)
        self.noise_shape = None if noise_shape is None else tuple(None if d is None else int(d) for d in noise_shape)

    def _draw_shape(self, x):
        keras_shape = (x.shape[0],) + tuple(x.shape[2:]) + (x.shape[1],) if x.ndim == 4 else tuple(x.shape)
        if self.noise_shape is None:
            shape = keras_shape
        elif len(self.noise_shape) != len(keras_shape):
            raise ValueError(f"AlphaDropout {self.name}: noise_shape {self.noise_shape} does not match the input "
                             f"shape {keras_shape}")
        else:
            shape = tuple(n if d is None else d for d, n in zip(self.noise_shape, keras_shape))
        return shape

    def _forward(self, x, training=False):
        if not training or self.rate <= 0:
            return x
        keep = (self._rng().random(self._draw_shape(x)) >= self.rate).astype(np.float64)
        if x.ndim == 4:
            keep = keep.transpose(0, 3, 1, 2)  # Keras' (N, H, W, C) draw on internal NCHW
        alpha_p = self._ALPHA_P
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        keep_t = self._like(keep, x)
        return (x * keep_t + self._like(alpha_p * (1 - keep), x)) * a + b

    def get_config(self):
        config = super().get_config()
        seed = config.pop("seed")
        return dict(config, rate=self.rate, seed=seed, noise_shape=None if self.noise_shape is None
                    else list(self.noise_shape))


class ActivityRegularization(Layer):
    """The identity, adding ``(l1 * sum(|x|) + l2 * sum(x ** 2)) / batch_size`` to ``losses`` at each call."""

    supports_masking = True

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        kwargs.pop("activity_regularizer", None)
        super().__init__(**kwargs)
        self.l1, self.l2 = float(l1), float(l2)

    def _forward(self, x, training=False):
        loss = None
        if self.l1:
            loss = x.abs().sum() * self.l1
        if self.l2:
            term = (x * x).sum() * self.l2
            loss = term if loss is None else loss + term
        if loss is None:
            loss = (x * 0).sum()
        if x.ndim > 0 and x.shape[0]:
            loss = loss / x.shape[0]
        self.__dict__["_call_losses"] = [loss]  # a call's terms replace the previous call's (as add_loss)
        return x

    def get_config(self):
        return dict(super().get_config(), l1=self.l1, l2=self.l2)
