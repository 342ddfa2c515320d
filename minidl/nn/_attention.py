"""``F.scaled_dot_product_attention`` and the multi-head attention forward of ``nn.MultiheadAttention``.

Built from matrix products, softmax and dropout (differentiable to every
order), following PyTorch's reference formulas: boolean masks mark the
positions that may be attended (SDPA) or must be ignored (MultiheadAttention's
``key_padding_mask`` and boolean ``attn_mask``), float masks are added to the
scores.
"""
from __future__ import annotations

import math

import numpy as np

from minidl.ops.activation import softmax
from minidl.ops.dropout import dropout
from minidl.tensor import Tensor

__all__ = ["scaled_dot_product_attention", "multi_head_attention"]


def _float_mask(mask, dtype, allowed_when_true):
    """A float additive mask (0 or -inf) from a boolean one, or a float mask cast to ``dtype``."""
    data = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if data.dtype == np.bool_:
        xp = mask.xp if isinstance(mask, Tensor) else np
        blocked = ~data if allowed_when_true else data
        return Tensor(xp.where(blocked, -np.inf, 0.0).astype(dtype))
    if data.dtype.kind != "f":
        raise RuntimeError(f"only bool and floating types of masks are supported, got {data.dtype}")
    return mask if isinstance(mask, Tensor) and data.dtype == dtype else Tensor(data.astype(dtype))


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """softmax(query @ key^T * scale + mask) @ value, with dropout ``dropout_p`` on the weights.

    Shapes: query (*, L, E), key (*, S, E), value (*, S, Ev) -> (*, L, Ev). ``scale``
    defaults to 1/sqrt(E). ``attn_mask``: boolean (True = may attend) or float
    (added), broadcastable to (*, L, S). ``is_causal``: position i attends to j <= i.
    ``enable_gqa``: key/value heads (dim -3) are repeated to match the query's.
    """
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"scaled_dot_product_attention(): argument '{name}' must be Tensor, not "
                            f"{type(t).__name__}")
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when "
                           "is_causal=True")
    length, source = query.shape[-2], key.shape[-2]
    scale_factor = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        repeats = query.shape[-3] // key.shape[-3]
        index = query.xp.repeat(query.xp.arange(key.shape[-3]), repeats)
        key, value = key[..., index, :, :], value[..., index, :, :]
    scores = (query @ key.transpose(-2, -1)) * scale_factor
    dt = scores.data.dtype
    if is_causal:
        allowed = query.xp.tril(query.xp.ones((length, source), dtype=bool))
        scores = scores + Tensor(query.xp.where(allowed, 0.0, -np.inf).astype(dt))
    if attn_mask is not None:
        scores = scores + _float_mask(attn_mask, dt, allowed_when_true=True)
    weights = softmax(scores, dim=-1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, training=True)
    return weights @ value


def _project(x, weight, bias):
    out = x @ weight.transpose(0, 1)
    return out + bias if bias is not None else out


def multi_head_attention(query, key, value, num_heads, weights, key_padding_mask=None, attn_mask=None,
                         dropout_p=0.0, need_weights=True, average_attn_weights=True, add_zero_attn=False):
    """Multi-head attention on (L, N, E) query and (S, N, E_k/E_v) key/value (PyTorch's layout).

    ``weights``: dict with ``q``, ``k``, ``v`` projection weights (E, E_*) and
    biases (or None), ``bias_k``/``bias_v`` (1, 1, E) or None, ``out_w``/``out_b``.
    Masks: ``key_padding_mask`` (N, S) and boolean ``attn_mask`` (L, S) or
    (N*H, L, S) mark ignored positions with True; float masks are added.
    Returns (output (L, N, E), weights (N, L, S) averaged over heads, or
    (N, H, L, S), or None).
    """
    length, batch, embed = query.shape
    head_dim = embed // num_heads
    q = _project(query, weights["q"], weights["q_b"])
    k = _project(key, weights["k"], weights["k_b"])
    v = _project(value, weights["v"], weights["v_b"])
    dt = q.data.dtype
    mask = None if attn_mask is None else _float_mask(attn_mask, dt, allowed_when_true=False)
    if mask is not None and mask.ndim == 2:
        mask = mask.unsqueeze(0)
    if weights.get("bias_k") is not None:
        k = _cat0(k, weights["bias_k"].expand(1, batch, embed))
        v = _cat0(v, weights["bias_v"].expand(1, batch, embed))
        mask = None if mask is None else _pad_last(mask)
        key_padding_mask = None if key_padding_mask is None else _pad_last_bool(key_padding_mask)
    q = q.reshape(length, batch * num_heads, head_dim).transpose(0, 1)
    k = k.reshape(k.shape[0], batch * num_heads, head_dim).transpose(0, 1)
    v = v.reshape(v.shape[0], batch * num_heads, head_dim).transpose(0, 1)
    if add_zero_attn:
        zeros = Tensor(q.xp.zeros((batch * num_heads, 1, head_dim), dtype=dt))
        k, v = _cat1(k, zeros), _cat1(v, zeros)
        mask = None if mask is None else _pad_last(mask)
        key_padding_mask = None if key_padding_mask is None else _pad_last_bool(key_padding_mask)
    source = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (batch, source):
            raise RuntimeError(f"expecting key_padding_mask shape of {(batch, source)}, but got "
                               f"{tuple(key_padding_mask.shape)}")
        padding = _float_mask(key_padding_mask, dt, allowed_when_true=False)
        padding = padding.reshape(batch, 1, 1, source).expand(batch, num_heads, 1, source)
        padding = padding.reshape(batch * num_heads, 1, source)
        mask = padding if mask is None else mask + padding
    scores = (q * math.sqrt(1.0 / head_dim)) @ k.transpose(-2, -1)
    if mask is not None:
        scores = scores + mask
    attn = softmax(scores, dim=-1)
    if dropout_p > 0.0:
        attn = dropout(attn, dropout_p, training=True)
    out = (attn @ v).transpose(0, 1).reshape(length * batch, embed)
    out = _project(out, weights["out_w"], weights["out_b"]).reshape(length, batch, embed)
    if not need_weights:
        return out, None
    attn = attn.reshape(batch, num_heads, length, source)
    return out, (attn.mean(dim=1) if average_attn_weights else attn)


def _cat0(a, b):
    from minidl.ops.shape import cat
    return cat([a, b], 0)


def _cat1(a, b):
    from minidl.ops.shape import cat
    return cat([a, b], 1)


def _pad_last(mask):
    """A float mask with one more (allowed, 0) source position at the end."""
    from minidl.ops.padding import pad
    return pad(mask, (0, 1))


def _pad_last_bool(mask):
    """A key-padding mask with one more (not ignored) source position at the end."""
    data = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    xp = mask.xp if isinstance(mask, Tensor) else np
    extra = xp.zeros(data.shape[:-1] + (1,), dtype=data.dtype)
    return Tensor(xp.concatenate([data, extra], axis=-1))
