"""Preprocessing layers: ``Normalization`` (with ``adapt``) and ``RandomFlip``."""
from __future__ import annotations

import numpy as np

from minidl import backend
from minidl.keras._tensor import numpy_of
from minidl.keras.layers.base import Layer
from minidl.ops import shape as _shape

__all__ = ["Normalization", "RandomFlip"]


class Normalization(Layer):
    """``(inputs - mean) / max(sqrt(variance), 1e-7)`` per feature of the last axis.

    ``mean``/``variance`` given, or learnt by ``adapt(data)`` (statistics over
    every axis but the last). Weights (not trainable): ``mean``, ``variance``,
    ``count``, as Keras 3.
    """

    supports_masking = True  # the mask passes through unchanged, as in Keras

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis not in (-1, None):
            raise NotImplementedError("Normalization: only axis=-1 is supported")
        if (mean is None) != (variance is None):
            raise ValueError("When setting values directly, both `mean` and `variance` must be set.")
        if invert:
            raise NotImplementedError("Normalization: invert=True is not supported")
        self.axis, self._init_mean, self._init_variance = axis, mean, variance

    def build(self, input_shape):
        c = input_shape[-1]
        mean = 0.0 if self._init_mean is None else self._init_mean
        var = 1.0 if self._init_variance is None else self._init_variance
        shape = (c,) if np.ndim(mean) or self._init_mean is None else ()
        self.mean = self.add_weight(shape, _const(mean, shape), name="mean", trainable=False)
        self.variance = self.add_weight(shape, _const(var, shape), name="variance", trainable=False)
        self.count = self.add_weight((), "zeros", name="count", trainable=False, dtype="int64")
        self.built = True

    def adapt(self, data, batch_size=None, steps=None):
        """Set ``mean`` and ``variance`` from ``data`` (an array, channels last)."""
        data = np.asarray(numpy_of(data), dtype=np.float64)
        self._ensure_built((None,) + data.shape[1:])
        axes = tuple(range(data.ndim - 1))
        self.mean.assign(data.mean(axis=axes).astype(np.float32))
        self.variance.assign(data.var(axis=axes).astype(np.float32))
        self.count.assign(np.asarray(int(np.prod(data.shape[:-1])), dtype=np.int64))

    def _forward(self, x, training=False):
        mean = numpy_of(self.mean.array)
        scale = 1.0 / np.maximum(np.sqrt(numpy_of(self.variance.array)), 1e-7)
        if x.ndim == 4 and np.ndim(mean):
            mean, scale = mean.reshape(-1, 1, 1), scale.reshape(-1, 1, 1)
        return (x - mean.astype(np.float32)) * scale.astype(np.float32)

    def get_config(self):
        cfg = dict(super().get_config(), axis=self.axis)
        if self._init_mean is not None:
            cfg.update(mean=np.asarray(self._init_mean).tolist(),
                       variance=np.asarray(self._init_variance).tolist())
        return cfg


def _const(value, shape):
    def init(s, dtype=None):
        return np.broadcast_to(np.asarray(value, dtype=np.dtype(dtype or "float32")), s).copy()
    return init


class RandomFlip(Layer):
    """During training, flip each image left-right (``"horizontal"``), up-down (``"vertical"``)
    or both, each with probability 1/2; the identity at inference."""

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise NotImplementedError("RandomFlip: only data_format='channels_last' is supported")
        if mode not in ("horizontal", "vertical", "horizontal_and_vertical"):
            raise ValueError(f"RandomFlip layer {self.name} received an unknown mode argument {mode}")
        self.mode, self.seed = mode, seed

    def _forward(self, x, training=False):
        if not training:
            return x
        if x.ndim != 4:
            raise ValueError(f"RandomFlip expects images (N, H, W, C), got shape {tuple(x.shape)}")
        rng = backend.rng()
        n = x.shape[0]
        index_h, index_w = np.arange(x.shape[2]), np.arange(x.shape[3])
        out = x
        for axis, size, flag in ((3, x.shape[3], "horizontal"), (2, x.shape[2], "vertical")):
            if flag not in self.mode:
                continue
            flip = rng.random(n) < 0.5
            if not flip.any():
                continue
            index = np.where(flip[:, None], np.arange(size)[::-1], np.arange(size))  # (N, size)
            rows = np.arange(n)[:, None]
            if axis == 3:
                out = _shape.getitem(out, (rows[:, :, None, None].reshape(n, 1, 1, 1),
                                           np.arange(x.shape[1])[None, :, None, None],
                                           index_h[None, None, :, None],
                                           index[:, None, None, :]))
            else:
                out = _shape.getitem(out, (rows.reshape(n, 1, 1, 1),
                                           np.arange(x.shape[1])[None, :, None, None],
                                           index[:, None, :, None],
                                           index_w[None, None, None, :]))
        return out

    def get_config(self):
        return dict(super().get_config(), mode=self.mode, seed=self.seed)
