"""Preprocessing layers: ``RandomFlip`` (and ``Normalization``, now in :mod:`.normalization_preprocessing`)."""
from __future__ import annotations

import numpy as np

from minidl import backend
from minidl.keras.layers.base import Layer
from minidl.keras.layers.normalization_preprocessing import Normalization
from minidl.ops import shape as _shape

__all__ = ["Normalization", "RandomFlip"]


class RandomFlip(Layer):
    """When ``training`` is true (a plain call, as Keras, or ``fit``), flip each image left-right
    (``"horizontal"``), up-down (``"vertical"``) or both, each with probability 1/2; the identity at
    inference (``predict``, ``training=False``)."""

    _call_training_default = True  # augments on a plain call, as Keras' `call(..., training=True)`

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
        if x.ndim == 3:  # one (H, W, C) image, as Keras takes it (``ds.map(lambda x, y: (flip(x), y))``)
            single = x.permute(2, 0, 1).unsqueeze(0)
            return self._forward(single, training).squeeze(0).permute(1, 2, 0)
        if x.ndim != 4:
            raise ValueError(f"RandomFlip {self.name}: expected images of rank 4 (batch, height, width, channels) "
                             f"or 3 (height, width, channels), got shape {tuple(x.shape)}")
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
