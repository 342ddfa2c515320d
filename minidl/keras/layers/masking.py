"""``Masking``: marks the timesteps whose features all equal ``mask_value`` as padding."""
from __future__ import annotations

import minidl
from minidl.keras._tensor import as_tensor
from minidl.keras.layers._mask import float_mask
from minidl.keras.layers.base import Layer
from minidl.tensor import Tensor

__all__ = ["Masking"]


class Masking(Layer):
    """Masks the steps of (batch, steps, features) inputs whose features all equal ``mask_value``:
    those steps become zeros and the output carries the mask ``any(x != mask_value, axis=-1)``
    (batch, steps), which ``LSTM``/``GRU``/``SimpleRNN``, ``GlobalAveragePooling1D`` and the
    losses/metrics of ``fit`` use to skip them.

    >>> import numpy as np
    >>> Masking(mask_value=0.0).compute_mask(np.array([[[1.0], [0.0]]], "float32")).numpy().tolist()
    [[True, False]]
    """

    supports_masking = True
    _makes_mask = True

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = float(mask_value)

    def compute_mask(self, inputs, mask=None):
        """``any(inputs != mask_value, axis=-1)``: a bool Tensor of the leading dimensions."""
        x = as_tensor(inputs)
        return Tensor((x.array != self.mask_value).any(axis=-1))

    def _forward(self, x, training=False):
        keep = self.compute_mask(x)
        return minidl.where(float_mask(keep, x) > 0, x, 0.0)

    def get_config(self):
        return dict(super().get_config(), mask_value=self.mask_value)
