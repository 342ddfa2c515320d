"""``F.scaled_dot_product_attention``, built from differentiable Tensor operations.

softmax(q k^T * scale + bias) v, where the bias comes from ``attn_mask``
(a bool mask becomes 0 / -inf, a float mask is added as it is) and the
causal mask. Rows whose keys are all masked give zeros (and zero
gradients), as PyTorch's math implementation does. Being a composition of
matmul, softmax, where and dropout, its gradients of every order come from
those operations.
"""
from __future__ import annotations

import math

import numpy as np

from minidl.dtypes import is_floating
from minidl.ops.activation import softmax
from minidl.ops.dropout import dropout
from minidl.ops.elementwise import where
from minidl.tensor import Tensor

__all__ = ["scaled_dot_product_attention", "attention_bias"]


def _check_inputs(query, key, value):
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"scaled_dot_product_attention(): argument '{name}' must be Tensor, "
                            f"not {type(t).__name__}")
        if t.ndim < 2:
            raise RuntimeError(f"scaled_dot_product_attention(): {name} must have at least 2 dimensions "
                               f"(..., L, E), got shape {tuple(t.shape)}")
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError("Expected query, key, and value to have the same dtype, but got query.dtype: "
                           f"{query.dtype} key.dtype: {key.dtype} and value.dtype: {value.dtype} instead.")
    if not is_floating(query.array.dtype):
        raise RuntimeError(f"scaled_dot_product_attention(): expected floating query, key and value, "
                           f"got {query.dtype}")
    if query.shape[-1] != key.shape[-1]:
        raise RuntimeError(f"scaled_dot_product_attention(): query's embedding size {query.shape[-1]} differs "
                           f"from key's {key.shape[-1]} (query {tuple(query.shape)}, key {tuple(key.shape)})")
    if key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"scaled_dot_product_attention(): key has {key.shape[-2]} positions but value has "
                           f"{value.shape[-2]} (key {tuple(key.shape)}, value {tuple(value.shape)})")


def _repeat_heads(t, groups):
    """Each head (dim -3) repeated ``groups`` times in place, as ``repeat_interleave(groups, -3)``."""
    index = np.repeat(np.arange(t.shape[-3]), groups)
    return t[..., index, :, :]


def attention_bias(attn_mask, is_causal, L, S, like):
    """The additive bias (a Tensor broadcastable to (..., L, S)) for a mask, or None.

    ``attn_mask``: bool (True = may attend) or float (added); ``is_causal``:
    position i may attend keys 0..i. Given both, PyTorch 2.13's CPU kernel
    applies both (a bool mask AND the causal mask; a float mask plus -inf
    above the diagonal), and so does this. ``like``: the query, whose dtype
    and device the bias takes.
    """
    xp = like.xp
    dtype = like.array.dtype
    causal = None
    if is_causal:
        allowed = xp.tril(xp.ones((L, S), dtype=bool))
        causal = Tensor(xp.where(allowed, 0.0, -xp.inf).astype(dtype))
    if attn_mask is None:
        return causal
    mask = attn_mask if isinstance(attn_mask, Tensor) else Tensor(xp.asarray(attn_mask))
    if mask.array.dtype == np.bool_:
        bias = Tensor(xp.where(mask.array, 0.0, -xp.inf).astype(dtype))
    elif not is_floating(mask.array.dtype):
        raise RuntimeError(f"scaled_dot_product_attention(): attn_mask must be bool or floating, got {mask.dtype}")
    elif mask.array.dtype != dtype:
        raise RuntimeError(f"Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                           f"attn_mask.dtype: {mask.dtype} and query.dtype: {like.dtype} instead.")
    else:
        bias = mask
    return bias if causal is None else bias + causal


def masked_softmax(scores, bias):
    """softmax(scores + bias) over the last dim, with zeros for rows whose bias is -inf everywhere."""
    if bias is None:
        return softmax(scores, dim=-1)
    try:
        scores = scores + bias
    except ValueError as exc:
        raise RuntimeError(f"attention mask of shape {tuple(bias.shape)} does not broadcast to the attention "
                           f"scores of shape {tuple(scores.shape)}: {exc}") from None
    xp = scores.xp
    dead = xp.all(xp.isneginf(bias.array), axis=-1, keepdims=True)
    if not bool(dead.any()):
        return softmax(scores, dim=-1)
    dead_rows = Tensor(xp.broadcast_to(dead, scores.shape[:-1] + (1,)))
    # give fully masked rows finite scores so neither values nor gradients become NaN, then zero them
    probs = softmax(where(dead_rows, 0.0, scores), dim=-1)
    return probs * Tensor((~dead).astype(scores.array.dtype))


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """Attention softmax(query key^T * scale + mask) value.

    Shapes: query (..., L, E), key (..., S, E), value (..., S, Ev) ->
    (..., L, Ev); the leading dims broadcast. ``attn_mask`` broadcastable to
    (..., L, S): bool (True = may attend) or float (added to the scores).
    ``is_causal``: query i attends keys 0..i only. ``scale``: default
    1/sqrt(E). ``dropout_p``: dropout on the attention weights (always
    applied when > 0: pass 0.0 in evaluation). ``enable_gqa``: key/value may
    have fewer heads (dim -3) than query, each shared by a group of query heads.
    """
    _check_inputs(query, key, value)
    from .attention import _check_backend  # the backends that sdpa_kernel left enabled
    _check_backend(query, dropout_p)
    if not 0.0 <= dropout_p <= 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        q_heads, kv_heads = query.shape[-3], key.shape[-3]
        if kv_heads == 0 or q_heads % kv_heads or value.shape[-3] != kv_heads:
            raise RuntimeError(f"scaled_dot_product_attention(): with enable_gqa the number of query heads "
                               f"({q_heads}) must be a multiple of the key/value heads ({kv_heads}, {value.shape[-3]})")
        key, value = _repeat_heads(key, q_heads // kv_heads), _repeat_heads(value, q_heads // kv_heads)
    L, S = query.shape[-2], key.shape[-2]
    scale_factor = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    try:
        scores = (query @ key.transpose(-2, -1)) * scale_factor
    except (ValueError, RuntimeError) as exc:
        raise RuntimeError(f"scaled_dot_product_attention(): the batch dims of query {tuple(query.shape)} and "
                           f"key {tuple(key.shape)} do not broadcast: {exc}") from None
    weights = masked_softmax(scores, attention_bias(attn_mask, is_causal, L, S, query))
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, training=True)
    return weights @ value
