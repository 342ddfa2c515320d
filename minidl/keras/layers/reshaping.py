"""``RepeatVector``: (batch, features) -> (batch, n, features), the input repeated ``n`` times."""
from __future__ import annotations

from minidl.keras.layers.base import Layer

__all__ = ["RepeatVector"]


class RepeatVector(Layer):
    """Repeat a (batch, features) input ``n`` times along a new steps axis: (batch, n, features)
    (a seq2seq decoder's input, as Keras' ``RepeatVector``)."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, int):
            raise TypeError(f"Expected an integer value for `n`, got {type(n)}.")
        self.n = n

    def build(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected ndim=2, '
                             f"found ndim={len(input_shape)}. Full shape received: {tuple(input_shape)}")
        self.built = True

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def _forward(self, x, training=False):
        return x.unsqueeze(1).expand(x.shape[0], self.n, x.shape[1])

    def get_config(self):
        return dict(super().get_config(), n=self.n)
