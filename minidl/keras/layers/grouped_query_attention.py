"""``keras.layers.GroupQueryAttention`` (Keras' class ``GroupedQueryAttention``): attention whose
``num_query_heads`` query heads share ``num_key_value_heads`` key/value heads (each key/value head
serves ``num_query_heads // num_key_value_heads`` consecutive query heads).

Weights, Keras' order and shapes for (batch, T, dim) queries: ``query/kernel`` (dim, Hq, head_dim),
``query/bias`` (Hq, head_dim), ``key/...`` and ``value/...`` with Hkv heads, ``attention_output/kernel``
(Hq, head_dim, dim) and ``attention_output/bias`` (dim,); with ``use_gate`` a sigmoid ``gate``
projection of the query multiplies the attended values. Masks as ``MultiHeadAttention`` plus
``sliding_window`` (a query attends to keys less than ``sliding_window`` steps away).
"""
from __future__ import annotations

import math

import numpy as np

from minidl import backend
from minidl.keras import initializers as _init
from minidl.keras import regularizers as _reg
from minidl.keras._tensor import to_external, to_internal
from minidl.keras.layers._constraint_args import constraint_config, set_constraints
from minidl.keras.layers._mask import as_mask
from minidl.keras.layers.attention import masked_softmax
from minidl.keras.layers.base import Layer
from minidl.keras.layers.einsum_dense import EinsumDense
from minidl.keras.layers.multi_head_attention import MultiHeadAttention
from minidl.ops.dropout import dropout as _dropout
from minidl.ops.einsum import einsum
from minidl.tensor import Tensor

__all__ = ["GroupedQueryAttention", "GroupQueryAttention"]


class GroupedQueryAttention(MultiHeadAttention):
    """Grouped-query attention with Keras 3's arguments: ``head_dim``, ``num_query_heads``,
    ``num_key_value_heads`` (must divide ``num_query_heads``), ``dropout=0.0``, ``use_bias=True``,
    ``sliding_window=None``, ``kernel_initializer``, ``bias_initializer``, regularizers and
    constraints (passed to every projection), ``use_gate=False``, ``seed``.
    Call: ``layer(query, value, key=None, attention_mask=None, return_attention_scores=False,
    training=None, use_causal_mask=False)`` -> (batch, T, dim) (and the (batch, Hq, T, S) scores).
    """

    _honours_query_mask = True  # (unlike MultiHeadAttention, Keras' GroupedQueryAttention uses `query_mask`)
    _keras_class_name = "GroupQueryAttention"  # Keras' exported name (configs); files key it by the class name

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0, use_bias=True,
                 sliding_window=None, flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None, **kwargs):
        Layer.__init__(self, **kwargs)
        for name, value in (("head_dim", head_dim), ("num_query_heads", num_query_heads),
                            ("num_key_value_heads", num_key_value_heads)):
            if not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(f"Received an invalid value for argument `{name}`, expected a positive integer. "
                                 f"Received: {name}={value}")
        if num_query_heads % num_key_value_heads != 0:
            raise ValueError("`num_query_heads` must be divisible by `num_key_value_heads`.")
        if sliding_window is not None and (not isinstance(sliding_window, int) or sliding_window <= 0):
            raise ValueError("`sliding_window` must be `None` or a positive integer. "
                             f"Received: sliding_window={sliding_window}")
        if activity_regularizer is not None or flash_attention:
            raise NotImplementedError("GroupQueryAttention: activity_regularizer and flash_attention are not "
                                      "supported by minidl.keras")
        self.head_dim, self.num_query_heads = int(head_dim), int(num_query_heads)
        self.num_key_value_heads = int(num_key_value_heads)
        self.num_repeats = self.num_query_heads // self.num_key_value_heads
        self.sliding_window, self.use_gate = sliding_window, bool(use_gate)
        self._num_heads, self._key_dim, self._value_dim = self.num_query_heads, self.head_dim, self.head_dim
        self._dropout, self._use_bias = float(dropout), bool(use_bias)
        self._output_shape_arg, self._attention_axes = None, (1,)
        self._kernel_initializer = _init.get(kernel_initializer)
        self._bias_initializer = _init.get(bias_initializer)
        self._kernel_regularizer = _reg.get(kernel_regularizer)
        self._bias_regularizer = _reg.get(bias_regularizer)
        set_constraints(self, kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        self.seed = seed
        self._inverse_sqrt_head_dim = self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(self.head_dim))

    def _dense(self, equation, heads, bias_axes, name, shape, activation=None):
        layer = EinsumDense(equation, output_shape=(None, heads, self.head_dim), activation=activation,
                            bias_axes=bias_axes if self._use_bias else None, name=name, **self._common())
        layer._ensure_built(tuple(shape))
        return layer

    def build(self, query_shape, value_shape=None, key_shape=None):
        """Create the ``query``, ``key``, (``gate``,) ``value`` and ``attention_output`` projections."""
        query_shape, value_shape, key_shape = self._shapes(query_shape, value_shape, key_shape)
        self._check_shapes(query_shape, value_shape, key_shape)
        self._record_build_shapes(query_shape, value_shape, key_shape)
        if len(query_shape) != 3:
            raise ValueError(f"GroupQueryAttention layer {self.name}: query, key and value must be 3-D "
                             f"(batch, steps, dim); received query shape {tuple(query_shape)}")
        self.feature_dim = query_shape[-1]
        self._query_dense = self._dense("bqm,muh->bquh", self.num_query_heads, "uh", "query", query_shape)
        self._key_dense = self._dense("bkm,mvh->bkvh", self.num_key_value_heads, "vh", "key", key_shape)
        if self.use_gate:
            self._gate_dense = self._dense("bqm,muh->bquh", self.num_query_heads, "uh", "gate", query_shape,
                                           activation="sigmoid")
        self._value_dense = self._dense("bkm,mvh->bkvh", self.num_key_value_heads, "vh", "value", value_shape)
        self._output_dense = EinsumDense("bquh,uhm->bqm", output_shape=(None, self.feature_dim),
                                         bias_axes="m" if self._use_bias else None, name="attention_output",
                                         **self._common())
        self._output_dense._ensure_built((None, None, self.num_query_heads, self.head_dim))
        self.built = True

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        """(batch, T, dim), and the (batch, Hq, T, S) scores with ``return_attention_scores``."""
        query_shape, value_shape, key_shape = self._shapes(query_shape, value_shape, key_shape)
        self._check_shapes(query_shape, value_shape, key_shape)
        out = tuple(query_shape)
        if not self._options["return_attention_scores"]:
            return out
        return (out, (query_shape[0], self.num_query_heads, query_shape[1], value_shape[1]))

    def _forward_masked(self, xs, mask, training=False):
        options = self._options
        query, value, key, attention_mask = self._split(to_external(x) for x in xs)
        masks = list(mask) if isinstance(mask, (list, tuple)) else [None] * len(xs)
        combined = self._attention_mask(query, value, as_mask(masks[0]), as_mask(masks[1]),
                                        as_mask(masks[2]) if options["has_key"] else None, attention_mask,
                                        options["use_causal_mask"])
        if self.sliding_window is not None:
            rows = np.arange(query.shape[1])[:, None]
            cols = np.arange(value.shape[1])[None, :]
            band = backend.to_device((np.abs(rows - cols) < self.sliding_window)[None],
                                     backend.device_of(query.array))
            combined = Tensor(band if combined is None else combined.array & band)
        gate = self._gate_dense.apply_external(query) if self.use_gate else None
        q = self._query_dense.apply_external(query) * self._inverse_sqrt_head_dim  # (B, T, Hq, D)
        k = self._key_dense.apply_external(key).repeat_interleave(self.num_repeats, dim=2)  # (B, S, Hq, D)
        v = self._value_dense.apply_external(value).repeat_interleave(self.num_repeats, dim=2)
        scores = einsum("bquh,bkuh->buqk", q, k)
        if combined is not None:
            combined = combined.unsqueeze(1)  # (B, 1, T, S)
        # Keras' fused path (no dropout, no scores returned) leaves a fully masked row uniform
        fused = not (self._dropout > 0 or options["return_attention_scores"])
        weights = masked_softmax(scores, combined, (-1,), zero_masked=not fused)
        dropped = _dropout(weights, self._dropout, True) if training and self._dropout > 0 else weights
        attended = einsum("buqk,bkuh->bquh", dropped, v)
        if gate is not None:
            attended = attended * gate
        out = self._output_dense.apply_external(attended)
        if options["return_attention_scores"]:
            return [to_internal(out), to_internal(weights)]
        return to_internal(out)

    def get_config(self):
        def ser(obj, module):
            return None if obj is None else module.serialize(obj)
        return dict(Layer.get_config(self), head_dim=self.head_dim, num_query_heads=self.num_query_heads,
                    num_key_value_heads=self.num_key_value_heads, use_bias=self._use_bias, use_gate=self.use_gate,
                    sliding_window=self.sliding_window, dropout=self._dropout,
                    kernel_initializer=ser(self._kernel_initializer, _init),
                    bias_initializer=ser(self._bias_initializer, _init),
                    kernel_regularizer=ser(self._kernel_regularizer, _reg),
                    bias_regularizer=ser(self._bias_regularizer, _reg), activity_regularizer=None,
                    **constraint_config(self, "kernel_constraint", "bias_constraint"), seed=self.seed)

    def _keras_save_children(self):
        """Keras' weight files keep each projection's weights under its attribute's name (``_query_dense``,
        ...), beside the empty groups of its ``_softmax`` and ``_dropout_layer``."""
        out = [("_query_dense", self._query_dense), ("_key_dense", self._key_dense)]
        if self.use_gate:
            out.append(("_gate_dense", self._gate_dense))
        return out + [("_value_dense", self._value_dense), ("_output_dense", self._output_dense),
                      ("_softmax", _NoWeights("softmax")), ("_dropout_layer", _NoWeights("dropout"))]


class _NoWeights:
    """A weightless sublayer as Keras' weight files list it (an empty ``vars`` group)."""

    def __init__(self, name):
        self.name = name

    def get_weights(self):
        """No weights."""
        return []

    @property
    def weights(self):
        """No weights."""
        return []

    def set_weights(self, weights):
        """Nothing to set."""


GroupQueryAttention = GroupedQueryAttention
