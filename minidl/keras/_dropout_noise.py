"""Keras' ``Dropout(noise_shape=...)``: one keep/drop draw per cell of ``noise_shape``, broadcast over
its size-1 axes (``(None, 1, 1, 1)`` keeps or drops whole samples, as EfficientNet's stochastic depth)."""
from __future__ import annotations

import minidl
from minidl.keras._tensor import internal_shape


def shaped_dropout(x, rate, noise_shape, layer_name="dropout"):
    """``x`` (minidl layout) times a 0 / (1 / (1 - rate)) mask of Keras-layout ``noise_shape``."""
    keras_shape = (x.shape[0],) + tuple(x.shape[2:]) + (x.shape[1],) if x.ndim == 4 else tuple(x.shape)
    if len(noise_shape) != len(keras_shape):
        raise ValueError(f"Dropout '{layer_name}': noise_shape {noise_shape} must have the rank of the inputs "
                         f"{keras_shape}")
    shape = tuple(int(k) if n is None else int(n) for n, k in zip(noise_shape, keras_shape))
    for n, k in zip(shape, keras_shape):
        if n not in (1, k):
            raise ValueError(f"Dropout '{layer_name}': noise_shape {noise_shape} does not broadcast to the inputs "
                             f"{keras_shape}")
    keep = (minidl.rand(*internal_shape(shape), device=x.device) >= rate).to(x.dtype)
    return x * (keep / (1.0 - rate))
