"""``Attention`` (Luong-style dot-product attention) and ``AdditiveAttention`` (Bahdanau-style), as
Keras 3's, plus the per-call options protocol they share with ``MultiHeadAttention``.

Both take ``[query, value]`` or ``[query, value, key]`` ((batch, Tq, dim), (batch, Tv, dim)) and
return (batch, Tq, dim): ``softmax(scores) @ value``, with the value mask (batch, Tv) hiding keys,
``use_causal_mask=True`` hiding later steps, and the query mask (batch, Tq) zeroing outputs (and
passing on as the output's mask). ``return_attention_scores=True`` also returns the
(batch, Tq, Tv) weights. Call options are recorded with a functional model's node and saved
as the node's ``kwargs`` (Keras' format).
"""
from __future__ import annotations

import contextlib

import numpy as np

from minidl import backend
from minidl.keras._tensor import to_external, to_internal
from minidl.keras.layers._mask import as_mask
from minidl.keras.layers._symbolic import UNSET, KerasTensor, Positional
from minidl.keras.layers.base import Layer
from minidl.ops import activation as _act
from minidl.ops.dropout import dropout as _dropout
from minidl.ops.elementwise import where as _where
from minidl.tensor import Tensor

__all__ = ["Attention", "AdditiveAttention", "CallOptionsMixin", "masked_softmax", "causal_mask"]


class CallOptionsMixin:
    """Per-call options (``return_attention_scores``, ``use_causal_mask``, ...) of a layer: set for the
    duration of one call (eager), or recorded on a functional model's node and set again by the
    model each time it runs that node (the model calls :meth:`call_options`)."""

    _takes_call_options = True
    _option_defaults: dict = {}

    @property
    def _options(self) -> dict:
        return self.__dict__.get("_active_options") or dict(self._option_defaults)

    @contextlib.contextmanager
    def call_options(self, options):
        """Within the block, the layer runs with ``options`` (a dict of the call's keyword options)."""
        previous = self.__dict__.get("_active_options")
        merged = dict(self._option_defaults)
        merged.update({k: v for k, v in (options or {}).items() if k in self._option_defaults})
        self.__dict__["_active_options"] = merged
        try:
            yield
        finally:
            self.__dict__["_active_options"] = previous

    def _run_with_options(self, inputs, options, training, mask, **kwargs):
        """``Layer.__call__`` with ``options`` active; symbolic calls record them on the node."""
        symbolic = any(isinstance(v, KerasTensor) for v in (inputs if isinstance(inputs, list) else [inputs]))
        with self.call_options(options):
            if symbolic:
                out = Layer.__call__(self, inputs, training=training, mask=mask, **options, **kwargs)
                query_mask = getattr(inputs[0], "_keras_mask", None)
                if isinstance(out, (list, tuple)) and query_mask is not None:
                    out[0]._keras_mask = query_mask  # the output carries the query's mask (the scores none)
            else:
                out = Layer.__call__(self, inputs, training=training, mask=mask, **kwargs)
        return tuple(out) if isinstance(out, list) else out

    def _saved_call_arguments(self, node):
        """``(positional parents, {keyword: parent or value})`` of a recorded call, for the saved config."""
        options = {k: v for k, v in node._call_kwargs.items() if k in self._option_defaults
                   and v != self._option_defaults[k]}
        return list(node._parents), options


def causal_mask(rows, cols, like=None):
    """The (1, rows, cols) bool mask that is True where column <= row (Keras' causal mask), on the
    device of the Tensor ``like`` (default the CPU)."""
    xp = np if like is None else backend.get_array_module(like.array)
    return Tensor(xp.tril(xp.ones((rows, cols), dtype=bool))[None])


def masked_softmax(scores, mask, axes=(-1,), zero_masked=True):
    """Softmax of ``scores`` over ``axes`` with entries where ``mask`` (bool, broadcastable) is False
    set to -1e9 first (Keras' masked softmax); ``zero_masked`` also zeroes them after (a fully masked
    row then gives zeros rather than uniform weights)."""
    if mask is not None:
        scores = _where(mask, scores, -1e9)
    axes = tuple(a % scores.ndim for a in axes)
    if len(axes) == 1:
        weights = _act.softmax(scores, axes[0])
    else:
        weights = (scores - scores.logsumexp(dim=axes, keepdim=True)).exp()
    if mask is not None and zero_masked:
        weights = _where(mask, weights, 0.0)
    return weights


class Attention(CallOptionsMixin, Layer):
    """Dot-product attention: ``scores = query @ key^T`` (times the ``scale`` weight when
    ``use_scale``), or with ``score_mode="concat"``: ``concat_score_weight * sum(tanh(scale *
    (query + key)))``.

    Args (Keras'): ``use_scale=False``, ``score_mode="dot"``, ``dropout=0.0`` (on the attention
    weights, in training), ``seed=None``. Call: ``layer([query, value(, key)], mask=[query_mask,
    value_mask], training=None, return_attention_scores=False, use_causal_mask=False)``.
    Weights: ``scale`` (scalar, when ``use_scale``), ``concat_score_weight`` (scalar, for "concat").
    """

    _call_training_default = False  # inference on a plain call, as Keras' `call(..., training=False)`

    supports_masking = True
    _option_defaults = {"return_attention_scores": False, "use_causal_mask": False}

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.use_scale, self.score_mode, self.dropout, self.seed = bool(use_scale), score_mode, float(dropout), seed
        if score_mode not in ("dot", "concat"):
            raise ValueError("Invalid value for argument score_mode. Expected one of {'dot', 'concat'}. "
                             f"Received: score_mode={score_mode}")
        self.scale = None
        self.concat_score_weight = None

    def __call__(self, inputs, mask=None, training=UNSET, return_attention_scores=False, use_causal_mask=False,
                 **kwargs):
        """Run on ``[query, value(, key)]`` (arrays, Tensors or ``keras.Input`` tensors)."""
        self._validate_inputs(inputs, mask)
        options = {"return_attention_scores": bool(return_attention_scores),
                   "use_causal_mask": bool(use_causal_mask)}
        return self._run_with_options(list(inputs), options, training, mask, **kwargs)

    def _validate_inputs(self, inputs, mask=None):
        name = type(self).__name__
        if not isinstance(inputs, (list, tuple)) or isinstance(inputs, Positional):
            raise ValueError(f"{name} layer must be called on a list of inputs, namely [query, value] or "
                             f"[query, value, key]. Received: inputs={inputs}.")
        if not 2 <= len(inputs) <= 3:
            raise ValueError(f"{name} layer accepts inputs list of length 2 or 3, namely [query, value] or "
                             f"[query, value, key]. Received length: {len(inputs)}.")
        if mask is not None:
            if not isinstance(mask, (list, tuple)):
                raise ValueError(f"{name} layer mask must be a list, namely [query_mask, value_mask]. "
                                 f"Received: mask={mask}.")
            if not 2 <= len(mask) <= 3:
                raise ValueError(f"{name} layer accepts mask list of length 2 or 3. Received: mask={mask}.")

    def _check_shapes(self, input_shape):
        self._validate_inputs(input_shape)
        shapes = [tuple(s) for s in input_shape]
        query, value = shapes[0], shapes[1]
        key = shapes[2] if len(shapes) > 2 else value
        if any(len(s) < 3 for s in shapes):
            raise ValueError(f"{type(self).__name__} layer {self.name}: query, value and key must be at least 3-D "
                             f"(batch, steps, dim); received shapes {shapes}")
        if query[-1] is not None and key[-1] is not None and query[-1] != key[-1]:
            raise ValueError(f"{type(self).__name__} layer {self.name}: query and key must have the same last "
                             f"dimension; received query shape {query} and key shape {key}")
        if value[-2] is not None and key[-2] is not None and value[-2] != key[-2]:
            raise ValueError(f"{type(self).__name__} layer {self.name}: value and key must have the same number "
                             f"of steps; received value shape {value} and key shape {key}")
        return query, value, key

    def build(self, input_shape):
        """Create ``scale`` / ``concat_score_weight`` as the arguments ask."""
        self._check_shapes(input_shape)
        if self.use_scale:
            self.scale = self.add_weight((), "ones", name="scale")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight((), "ones", name="concat_score_weight")
        self.built = True

    def compute_output_shape(self, input_shape):
        """``query``'s shape with ``value``'s last dimension (the dimensions are checked at call time)."""
        self._validate_inputs(input_shape)
        shapes = [tuple(s) for s in input_shape]
        query, value = shapes[0], shapes[1]
        key = shapes[2] if len(shapes) > 2 else value
        out = tuple(query[:-1]) + (value[-1],)
        if self._options["return_attention_scores"]:
            return (out, tuple(query[:-1]) + (key[-2],))
        return out

    def compute_mask(self, inputs, mask=None):
        """The query's mask (None when it has none); none for the attention scores."""
        query_mask = mask[0] if isinstance(mask, (list, tuple)) and mask else None
        if self._options["return_attention_scores"]:
            return [query_mask, None]
        return query_mask

    def _calculate_scores(self, query, key):
        if self.score_mode == "dot":
            scores = query @ key.transpose(-2, -1)
            return scores * self.scale if self.scale is not None else scores
        q, k = query.unsqueeze(-2), key.unsqueeze(-3)
        summed = (q + k) * self.scale if self.scale is not None else q + k
        return self.concat_score_weight * _act.tanh(summed).sum(dim=-1)

    def _forward(self, xs, training=False):
        return self._forward_masked(xs, None, training)

    def _forward_masked(self, xs, mask, training=False):
        xs = [to_external(x) for x in xs]
        query, value = xs[0], xs[1]
        key = xs[2] if len(xs) > 2 else value
        masks = list(mask) if isinstance(mask, (list, tuple)) else [None, None]
        q_mask, v_mask = as_mask(masks[0]), as_mask(masks[1] if len(masks) > 1 else None)
        scores = self._calculate_scores(query, key)
        score_mask = None
        if v_mask is not None:
            score_mask = v_mask.unsqueeze(-2)
        if self._options["use_causal_mask"]:
            causal = causal_mask(scores.shape[-2], scores.shape[-1], like=scores)
            score_mask = causal if score_mask is None else Tensor(score_mask.array & causal.array)
        if score_mask is not None:
            scores = _where(score_mask, scores, scores - 1e9)
        weights = _act.softmax(scores, -1)
        dropped = _dropout(weights, self.dropout, True) if training and self.dropout > 0 else weights
        out = dropped @ value
        if q_mask is not None:
            out = _where(q_mask.unsqueeze(-1), out, 0.0)
        if self._options["return_attention_scores"]:
            return [to_internal(out), to_internal(weights)]
        return to_internal(out)

    def get_config(self):
        return dict(super().get_config(), use_scale=self.use_scale, score_mode=self.score_mode,
                    dropout=self.dropout, seed=self.seed)


class AdditiveAttention(Attention):
    """Additive (Bahdanau-style) attention: ``scores = sum(scale * tanh(query + key), axis=-1)``.

    Args (Keras'): ``use_scale=True`` (a ``scale`` weight of shape (dim,), Glorot-uniform),
    ``dropout=0.0``. Call as :class:`Attention`.
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        """Create ``scale`` of shape (dim,) when ``use_scale``."""
        query, _, _ = self._check_shapes(input_shape)
        if self.use_scale:
            if query[-1] is None:
                raise ValueError(f"AdditiveAttention layer {self.name}: the last dimension of the query shape "
                                 f"{query} must be known")
            self.scale = self.add_weight((query[-1],), "glorot_uniform", name="scale")
        self.built = True

    def _calculate_scores(self, query, key):
        summed = _act.tanh(query.unsqueeze(-2) + key.unsqueeze(-3))
        return (summed * self.scale if self.scale is not None else summed).sum(dim=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config
