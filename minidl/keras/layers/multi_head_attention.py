"""``MultiHeadAttention`` as Keras 3's: query/key/value projections to (num_heads, key_dim) per step
by ``EinsumDense`` sublayers named ``query``, ``key``, ``value``, scaled dot-product attention over
``attention_axes`` per head, and an ``attention_output`` projection back to the query's last
dimension (or ``output_shape``).

Weights, in Keras' order and shapes (for (batch, T, dim) inputs): ``query/kernel`` (dim, heads,
key_dim), ``query/bias`` (heads, key_dim), the same for ``key`` and ``value`` (value_dim), then
``attention_output/kernel`` (heads, value_dim, dim) and ``attention_output/bias`` (dim,); a
weights file keeps them under ``query_dense``, ``key_dense``, ``value_dense``, ``output_dense``.
Masks: the query's, value's and key's Keras masks, ``attention_mask`` (batch, T, S) and
``use_causal_mask`` are ANDed; the output carries the query's mask.
"""
from __future__ import annotations

import math
import string

import numpy as np

from minidl import backend
from minidl.keras import initializers as _init
from minidl.keras import regularizers as _reg
from minidl.keras._naming import unique_name
from minidl.keras._tensor import to_external, to_internal
from minidl.keras.layers._mask import as_mask
from minidl.keras.layers._symbolic import UNSET, KerasTensor, Positional
from minidl.keras.layers.attention import CallOptionsMixin, causal_mask, masked_softmax
from minidl.keras.layers.base import Layer
from minidl.keras.layers.einsum_dense import EinsumDense
from minidl.ops.dropout import dropout as _dropout
from minidl.ops.einsum import einsum
from minidl.tensor import Tensor

__all__ = ["MultiHeadAttention"]


def _letter(i):
    return string.ascii_lowercase[i]


def build_attention_equation(rank, attn_axes):
    """Keras' ``(dot_product_equation, combine_equation, scores_rank)`` for projected tensors of
    ``rank`` (batch, <other dims>, <attention dims>, heads, channels)."""
    target = "".join(_letter(i) for i in range(rank))
    batch_dims = tuple(np.delete(range(rank), attn_axes + (rank - 1,)))
    offset, source = rank, ""
    for i in range(rank):
        if i in batch_dims or i == rank - 1:
            source += target[i]
        else:
            source += _letter(offset)
            offset += 1
    product = "".join([target[i] for i in batch_dims] + [target[i] for i in attn_axes] +
                      [source[i] for i in attn_axes])
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)


def build_proj_equation(free_dims, bound_dims, output_dims):
    """Keras' ``(equation, bias_axes, output_rank)`` of a projection EinsumDense."""
    input_str = kernel_str = output_str = bias_axes = ""
    for i in range(free_dims):
        input_str += _letter(i)
        output_str += _letter(i)
    for i in range(bound_dims):
        input_str += _letter(free_dims + i)
        kernel_str += _letter(free_dims + i)
    for i in range(output_dims):
        char = _letter(free_dims + bound_dims + i)
        kernel_str += char
        output_str += char
        bias_axes += char
    return f"{input_str},{kernel_str}->{output_str}", bias_axes, len(output_str)


def _partial_shape(output_rank, known_last_dims):
    return [None] * (output_rank - len(known_last_dims)) + list(known_last_dims)


class MultiHeadAttention(CallOptionsMixin, Layer):
    """Multi-head attention (Vaswani et al.) with Keras 3's arguments.

    Args: ``num_heads``, ``key_dim``, ``value_dim=None`` (= key_dim), ``dropout=0.0`` (on the
    attention weights, in training), ``use_bias=True``, ``output_shape=None`` (the output's last
    dimension(s); default the query's), ``attention_axes=None`` (the axes attention runs over;
    default all but batch, heads and features), ``kernel_initializer="glorot_uniform"``,
    ``bias_initializer="zeros"``, ``kernel_regularizer``, ``bias_regularizer``, ``seed``.
    Call: ``layer(query, value, key=None, attention_mask=None, return_attention_scores=False,
    training=None, use_causal_mask=False)`` -> (batch, T, dim) (and the (batch, heads, T, S)
    scores when asked).
    """

    supports_masking = True
    _option_defaults = {"return_attention_scores": False, "use_causal_mask": False, "has_key": False,
                        "has_attention_mask": False}

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True, output_shape=None,
                 attention_axes=None, sliding_window=None, flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None, **kwargs):
        if not isinstance(num_heads, int) or num_heads <= 0:
            raise ValueError("Received an invalid value for argument `num_heads`, expected a positive integer. "
                             f"Received: num_heads={num_heads}")
        if not isinstance(key_dim, int) or key_dim <= 0:
            raise ValueError("Received an invalid value for argument `key_dim`, expected a positive integer. "
                             f"Received: key_dim={key_dim}")
        if value_dim is not None and (not isinstance(value_dim, int) or value_dim <= 0):
            raise ValueError("Received an invalid value for argument `value_dim`, expected a positive integer or "
                             f"`None`. Received: value_dim={value_dim}")
        super().__init__(**kwargs)
        from minidl.keras.layers._constraint_args import set_constraints
        set_constraints(self, kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        self._set_activity_regularizer(activity_regularizer)
        if sliding_window is not None:
            raise NotImplementedError("MultiHeadAttention: sliding_window is not supported by minidl.keras")
        if use_gate or flash_attention:
            raise NotImplementedError("MultiHeadAttention: use_gate and flash_attention are not supported by "
                                      "minidl.keras")
        self._num_heads, self._key_dim = num_heads, key_dim
        self._value_dim = value_dim if value_dim else key_dim
        self._dropout, self._use_bias = float(dropout), bool(use_bias)
        if output_shape:
            output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        self._output_shape_arg = output_shape or None
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes and not isinstance(attention_axes, (list, tuple)):
            raise ValueError("`attention_axes` must be an int, list, or tuple."
                             f"Received: attention_axes={attention_axes}")
        self._attention_axes = attention_axes  # as given (a tuple once built), as Keras
        self._kernel_initializer = _init.get(kernel_initializer)
        self._bias_initializer = _init.get(bias_initializer)
        self._kernel_regularizer = _reg.get(kernel_regularizer)
        self._bias_regularizer = _reg.get(bias_regularizer)
        self.seed = seed
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(key_dim))

    num_heads = property(lambda self: self._num_heads, doc="Number of attention heads.")
    key_dim = property(lambda self: self._key_dim, doc="Size of each query/key head.")
    value_dim = property(lambda self: self._value_dim, doc="Size of each value head.")
    dropout = property(lambda self: self._dropout, doc="Dropout rate on the attention weights.")
    use_bias = property(lambda self: self._use_bias, doc="Whether the projections have biases.")
    attention_axes = property(lambda self: self._attention_axes, doc="The axes attention runs over.")
    query_dense = property(lambda self: self._query_dense, doc="The query projection (EinsumDense).")
    key_dense = property(lambda self: self._key_dense, doc="The key projection (EinsumDense).")
    value_dense = property(lambda self: self._value_dense, doc="The value projection (EinsumDense).")
    output_dense = property(lambda self: self._output_dense, doc="The output projection (EinsumDense).")

    # ------------------------------------------------------------------ calling
    # Keras 3's MultiHeadAttention reads the query's mask from the query alone (an explicit `query_mask`
    # is overwritten); GroupedQueryAttention uses it
    _honours_query_mask = False

    def __call__(self, query, value=None, key=None, query_mask=None, value_mask=None, key_mask=None,
                 attention_mask=None, return_attention_scores=False, training=UNSET, use_causal_mask=False, **kwargs):
        """Attend from ``query`` (batch, T, dim) to ``value`` (batch, S, dim) (keys: ``key`` or ``value``)."""
        if value is None:
            raise TypeError(f"MultiHeadAttention layer {self.name}: missing the `value` argument "
                            "(call it as layer(query, value))")
        kwargs.pop("mask", None)
        tensors = [query, value] + ([key] if key is not None else [])
        if attention_mask is not None:
            tensors.append(attention_mask)
        options = {"return_attention_scores": bool(return_attention_scores), "use_causal_mask": bool(use_causal_mask),
                   "has_key": key is not None, "has_attention_mask": attention_mask is not None}
        symbolic = any(isinstance(t, KerasTensor) for t in tensors)
        explicit = (query_mask, value_mask, key_mask)
        if symbolic and any(m is not None for m in explicit):
            raise NotImplementedError("MultiHeadAttention: query_mask/value_mask/key_mask in a functional model are "
                                      "taken from the inputs' Keras masks in minidl.keras; do not pass them")
        mask = None
        if not symbolic:
            explicit_query = explicit[0] if self._honours_query_mask else None
            own = [explicit_query if explicit_query is not None else getattr(query, "_keras_mask", None),
                   explicit[1] if explicit[1] is not None else getattr(value, "_keras_mask", None)]
            if key is not None:
                own.append(explicit[2] if explicit[2] is not None else getattr(key, "_keras_mask", None))
            mask = own + ([None] if attention_mask is not None else [])
        return self._run_with_options(Positional(tensors), options, training, mask, **kwargs)

    def _split(self, items):
        """``(query, value, key, attention_mask)`` from the flat list of call tensors (or shapes)."""
        options = self._options
        items = list(items)
        query, value = items[0], items[1]
        key = items[2] if options["has_key"] else value
        attention_mask = items[-1] if options["has_attention_mask"] else None
        return query, value, key, attention_mask

    def _saved_call_arguments(self, node):
        options = node._call_kwargs
        parents = list(node._parents)
        keywords = {}
        if options.get("has_attention_mask"):
            keywords["attention_mask"] = parents.pop()
        if options.get("has_key"):
            keywords["key"] = parents.pop()
        for name in ("return_attention_scores", "use_causal_mask"):
            if options.get(name):
                keywords[name] = True
        return parents, keywords

    # ------------------------------------------------------------------ building
    def _common(self):
        def fresh(init):  # a new initialiser per sublayer, as Keras (so seeded ones do not repeat)
            return type(init).from_config(init.get_config()) if hasattr(init, "get_config") else init
        return dict(kernel_initializer=fresh(self._kernel_initializer), bias_initializer=fresh(self._bias_initializer),
                    kernel_regularizer=self._kernel_regularizer, bias_regularizer=self._bias_regularizer,
                    kernel_constraint=getattr(self, "kernel_constraint", None),
                    bias_constraint=getattr(self, "bias_constraint", None), dtype=self.dtype)

    def _projection(self, shape, name, last_dims):
        equation, bias_axes, rank = build_proj_equation(len(shape) - 1, bound_dims=1, output_dims=2)
        layer = EinsumDense(equation, output_shape=_partial_shape(rank - 1, last_dims),
                            bias_axes=bias_axes if self._use_bias else None, name=name, **self._common())
        layer._ensure_built(tuple(shape))
        return layer

    def _shapes(self, query_shape, value_shape, key_shape):
        """``(query, value, key)`` shapes from Keras' three arguments, or from the list of the call's
        tensor shapes given as the first one."""
        if value_shape is None:
            query_shape, value_shape, key_shape, _ = self._split(tuple(s) for s in query_shape)
        key_shape = value_shape if key_shape is None else key_shape
        return tuple(query_shape), tuple(value_shape), tuple(key_shape)

    def build(self, query_shape, value_shape=None, key_shape=None):
        """Create the four EinsumDense sublayers (Keras' ``build(query_shape, value_shape, key_shape=None)``)."""
        query_shape, value_shape, key_shape = self._shapes(query_shape, value_shape, key_shape)
        self._check_shapes(query_shape, value_shape, key_shape)
        self._record_build_shapes(query_shape, value_shape, key_shape)
        self._query_dense = self._projection(query_shape, "query", [self._num_heads, self._key_dim])
        self._key_dense = self._projection(key_shape, "key", [self._num_heads, self._key_dim])
        self._value_dense = self._projection(value_shape, "value", [self._num_heads, self._value_dim])
        rank = len(query_shape) + 1
        if self._attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 2))
        else:
            self._attention_axes = tuple(a if a >= 0 else (rank - 1) + a for a in self._attention_axes)
        self._dot_product_equation, self._combine_equation, scores_rank = \
            build_attention_equation(rank, self._attention_axes)
        self._norm_axes = tuple(range(scores_rank - len(self._attention_axes), scores_rank))
        # Keras builds a Softmax and a Dropout sublayer here (minidl computes both inline): take their
        # automatic names too, so that later layers get Keras' names (a model's Dropout after it is dropout_1)
        unique_name("softmax")
        unique_name("dropout")
        output_shape = self._output_shape_arg or [query_shape[-1]]
        equation, bias_axes, out_rank = build_proj_equation(len(query_shape) - 1, bound_dims=2,
                                                            output_dims=len(output_shape))
        self._output_dense = EinsumDense(equation, output_shape=_partial_shape(out_rank - 1, output_shape),
                                         bias_axes=bias_axes if self._use_bias else None, name="attention_output",
                                         **self._common())
        dense_input = list(self._query_dense.compute_output_shape(query_shape))
        dense_input[-1] = self._value_dim
        self._output_dense._ensure_built(tuple(dense_input))
        self.built = True

    def _record_build_shapes(self, query_shape, value_shape, key_shape):
        shapes = {"query_shape": query_shape, "value_shape": value_shape}
        if self._options["has_key"]:
            shapes["key_shape"] = key_shape
        self.__dict__["_keras_shapes"] = shapes

    def _keras_build_config(self):
        """Keras' build config of a multi-input layer: ``{"shapes_dict": {"query_shape", "value_shape", ...}}``."""
        return {"shapes_dict": self.__dict__.get("_keras_shapes") or {"query_shape": self._build_shape}}

    def _check_shapes(self, query_shape, value_shape, key_shape):
        if len(query_shape) < 3 or len(value_shape) < 3:
            raise ValueError(f"MultiHeadAttention layer {self.name}: query and value must be at least 3-D "
                             f"(batch, steps, dim); received query shape {tuple(query_shape)} and value shape "
                             f"{tuple(value_shape)}")
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(f"MultiHeadAttention layer {self.name}: all dimensions of `value` and `key`, except the "
                             f"last one, must be equal. Received: value_shape={tuple(value_shape)} and "
                             f"key_shape={tuple(key_shape)}")

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        """The output shape (and the scores' with ``return_attention_scores``), Keras' arguments."""
        query_shape, value_shape, key_shape = self._shapes(query_shape, value_shape, key_shape)
        self._check_shapes(query_shape, value_shape, key_shape)
        out = tuple(query_shape[:-1]) + (tuple(self._output_shape_arg) if self._output_shape_arg else
                                         (query_shape[-1],))
        if not self._options["return_attention_scores"]:
            return out
        axes = self._attention_axes or tuple(range(1, len(query_shape) - 1))
        others = tuple(d for i, d in enumerate(query_shape[:-1]) if i not in axes)
        scores = others + (self._num_heads,) + tuple(query_shape[a] for a in axes) + \
            tuple(key_shape[a] for a in axes)
        return (out, scores)

    def compute_mask(self, inputs, mask=None):
        """The query's mask (for the output; none for the scores)."""
        query_mask = mask[0] if isinstance(mask, (list, tuple)) and mask else None
        return [query_mask, None] if self._options["return_attention_scores"] else query_mask

    # ------------------------------------------------------------------ running
    def _forward(self, xs, training=False):
        return self._forward_masked(xs, None, training)

    def _mask_consumer(self):
        return True

    def _forward_masked(self, xs, mask, training=False):
        options = self._options
        query, value, key, attention_mask = self._split(to_external(x) for x in xs)
        masks = list(mask) if isinstance(mask, (list, tuple)) else [None] * len(xs)
        query_mask = as_mask(masks[0])
        value_mask = as_mask(masks[1])
        key_mask = as_mask(masks[2]) if options["has_key"] else None
        combined = self._attention_mask(query, value, query_mask, value_mask, key_mask, attention_mask,
                                        options["use_causal_mask"])
        q = self._query_dense.apply_external(query) * self._inverse_sqrt_key_dim
        k = self._key_dense.apply_external(key)
        v = self._value_dense.apply_external(value)
        scores = einsum(self._dot_product_equation, k, q)
        if combined is not None:
            for _ in range(scores.ndim - combined.ndim):
                combined = combined.unsqueeze(-len(self._attention_axes) * 2 - 1)
        # Keras' fused path (no dropout, no scores returned, 3-D inputs) leaves a fully masked row uniform
        fused = not (self._dropout > 0 or options["return_attention_scores"] or q.ndim != 4)
        weights = masked_softmax(scores, combined, self._norm_axes, zero_masked=not fused)
        dropped = _dropout(weights, self._dropout, True) if training and self._dropout > 0 else weights
        out = self._output_dense.apply_external(einsum(self._combine_equation, dropped, v))
        if options["return_attention_scores"]:
            return [to_internal(out), to_internal(weights)]
        return to_internal(out)

    def _attention_mask(self, query, value, query_mask, value_mask, key_mask, attention_mask, use_causal):
        """Keras' ``_compute_attention_mask``: the AND of the query mask (B, T, 1), the value and key
        masks (B, 1, S), the causal mask (1, T, S) and ``attention_mask`` (B, T, S), or None."""
        parts = []
        if query_mask is not None:
            parts.append(query_mask.array[..., None])
        for m in (value_mask, key_mask):
            if m is not None:
                parts.append(m.array[..., None, :])
        if use_causal:
            parts.append(causal_mask(query.shape[1], value.shape[1], like=query).array)
        if attention_mask is not None:
            arr = attention_mask.array if isinstance(attention_mask, Tensor) else np.asarray(attention_mask)
            parts.append(arr.astype(bool))
        parts = [backend.to_device(p, backend.device_of(query.array)) for p in parts]
        if not parts:
            return None
        out = parts[0]
        for p in parts[1:]:
            try:
                out = out & p
            except ValueError:
                raise ValueError(f"MultiHeadAttention layer {self.name}: the attention mask of shape "
                                 f"{tuple(p.shape)} does not broadcast with the query/value masks of shape "
                                 f"{tuple(out.shape)}") from None
        return Tensor(out)

    def get_config(self):
        def ser(obj, module):
            return None if obj is None else module.serialize(obj)
        return dict(super().get_config(), num_heads=self._num_heads, key_dim=self._key_dim,
                    value_dim=self._value_dim, dropout=self._dropout, use_bias=self._use_bias, use_gate=False,
                    output_shape=self._output_shape_arg,
                    attention_axes=self._attention_axes,
                    sliding_window=None, kernel_initializer=ser(self._kernel_initializer, _init),
                    bias_initializer=ser(self._bias_initializer, _init),
                    kernel_regularizer=ser(self._kernel_regularizer, _reg),
                    bias_regularizer=ser(self._bias_regularizer, _reg), activity_regularizer=None,
                    kernel_constraint=_ser_constraint(self.kernel_constraint),
                    bias_constraint=_ser_constraint(self.bias_constraint), seed=self.seed)

    def _keras_save_children(self):
        """Keras' weight files keep each projection's weights under its own group."""
        return [("query_dense", self._query_dense), ("key_dense", self._key_dense),
                ("value_dense", self._value_dense), ("output_dense", self._output_dense)]


def _ser_constraint(constraint):
    from minidl.keras import constraints
    return constraints.serialize(constraint)
