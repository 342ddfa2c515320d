"""``Embedding`` and the 1-D global poolings (``GlobalAveragePooling1D``, ``GlobalMaxPooling1D``) of the
Keras facade: token ids (batch, length) -> vectors (batch, length, output_dim) -> (batch, output_dim)."""
from __future__ import annotations

import numpy as np

import minidl.nn.functional as F
from minidl.keras.layers._constraint_args import constraint_config, set_constraints
from minidl.keras.layers._mask import float_mask
from minidl.keras.layers.base import Layer
from minidl.tensor import Tensor

__all__ = ["Embedding", "GlobalAveragePooling1D", "GlobalMaxPooling1D"]


class Embedding(Layer):
    """Rows of ``embeddings`` (input_dim, output_dim) picked by integer ids.

    Args (Keras'): ``input_dim`` (vocabulary size), ``output_dim``,
    ``embeddings_initializer="uniform"`` (U(-0.05, 0.05)), ``embeddings_regularizer``,
    ``mask_zero`` (id 0 is padding: the output carries the mask ``ids != 0``, which recurrent
    layers, ``GlobalAveragePooling1D`` and the losses/metrics of ``fit`` use to skip those steps).
    Ids outside ``[0, input_dim)`` raise ``IndexError`` naming the layer.
    """

    _keeps_integer_inputs = True  # eager ids stay integer (exact beyond 2**24), as Keras

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, weights=None, lora_rank=None, lora_alpha=None,
                 quantization_config=None, **kwargs):
        kwargs.pop("input_length", None)  # Keras 2's argument, ignored by Keras 3 too
        super().__init__(**kwargs)
        set_constraints(self, embeddings_constraint=embeddings_constraint)
        for arg, value in (("lora_rank", lora_rank),
                           ("quantization_config", quantization_config)):
            if value is not None:
                raise NotImplementedError(f"Embedding: {arg} is not supported by minidl.keras")
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer, self.embeddings_regularizer = embeddings_initializer, embeddings_regularizer
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self._initial_weights = weights

    _makes_mask = True

    def compute_mask(self, inputs, mask=None):
        """``inputs != 0`` (a bool Tensor of the ids' shape) with ``mask_zero``, else None."""
        if not self.mask_zero:
            return None
        ids = inputs.array if isinstance(inputs, Tensor) else np.asarray(inputs)
        return Tensor(ids != 0)

    def build(self, input_shape=None):
        self.embeddings = self.add_weight((self.input_dim, self.output_dim), self.embeddings_initializer,
                                          name="embeddings", regularizer=self.embeddings_regularizer)
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def _forward(self, x, training=False):
        ids = np.asarray(x.array if isinstance(x, Tensor) else x)
        if ids.dtype.kind == "f":
            ids = ids.astype(np.int64)
        if ids.size and (ids.min() < 0 or ids.max() >= self.input_dim):
            bad = int(ids.min() if ids.min() < 0 else ids.max())
            raise IndexError(f"Embedding layer {self.name}: id {bad} is outside [0, {self.input_dim})")
        return F.embedding(Tensor(ids.astype(np.int64)), self.embeddings)

    def get_config(self):
        from minidl.keras.layers.core import _serialize
        base = super().get_config()
        activity = base.pop("activity_regularizer", None)
        return dict(base, input_dim=self.input_dim, output_dim=self.output_dim,
                    embeddings_initializer=_serialize(self.embeddings_initializer),
                    embeddings_regularizer=_serialize(self.embeddings_regularizer), activity_regularizer=activity,
                    mask_zero=self.mask_zero, **constraint_config(self, "embeddings_constraint"),
                    quantization_config=None)


class _GlobalPooling1D(Layer):
    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last", "channels_first"):
            raise ValueError(f"{type(self).__name__}: data_format must be 'channels_last' or 'channels_first', "
                             f"got {data_format!r}")
        self.data_format = data_format or "channels_last"
        self._steps_axis = 2 if self.data_format == "channels_first" else 1  # (N, C, steps) / (N, steps, C)
        self.keepdims = bool(keepdims)

    def compute_output_shape(self, input_shape):
        channels = input_shape[1] if self._steps_axis == 2 else input_shape[2]
        if not self.keepdims:
            return (input_shape[0], channels)
        return (input_shape[0], channels, 1) if self._steps_axis == 2 else (input_shape[0], 1, channels)

    def get_config(self):
        return dict(super().get_config(), data_format=self.data_format, keepdims=self.keepdims)


class GlobalAveragePooling1D(_GlobalPooling1D):
    """Mean over the steps: (N, steps, C) -> (N, C) (or (N, 1, C) with ``keepdims``); with a mask,
    the mean over the unmasked steps (the mask stops here)."""

    supports_masking = True

    def compute_mask(self, inputs, mask=None):
        """None: the pooled output has no steps left to mask."""
        return None

    def _forward(self, x, training=False):
        return x.mean(dim=self._steps_axis, keepdim=self.keepdims)

    def _forward_masked(self, x, mask, training=False):
        keep = float_mask(mask, x)  # (N, steps, 1)
        if self._steps_axis == 2:  # channels_first: the steps are the last axis
            keep = keep.transpose(1, 2)
        axis = self._steps_axis
        return (x * keep).sum(dim=axis, keepdim=self.keepdims) / keep.sum(dim=axis, keepdim=self.keepdims)


class GlobalMaxPooling1D(_GlobalPooling1D):
    """Maximum over the steps: (N, steps, C) -> (N, C) (or (N, 1, C) with ``keepdims``)."""

    def _forward(self, x, training=False):
        return x.amax(dim=self._steps_axis, keepdim=self.keepdims)
