"""``F.multi_head_attention_forward``: PyTorch's multi-head attention on (L, N, E) inputs.

Built from linear, reshape, matmul, softmax and dropout, so autograd gives
its gradients. ``nn.MultiheadAttention`` calls it with its parameters.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from minidl.nn._attention import scaled_dot_product_attention
from minidl.ops.activation import softmax
from minidl.ops.conv import linear
from minidl.ops.dropout import dropout
from minidl.ops.shape import cat
from minidl.tensor import Tensor

__all__ = ["multi_head_attention_forward", "canonical_mask"]


def _as_tensor(mask, like):
    if mask is None or isinstance(mask, Tensor):
        return mask
    return Tensor(like.xp.asarray(mask))


def canonical_mask(mask, mask_name, other, other_name, like, check_other=True):
    """A bool mask (True = masked out) as a float mask of ``like``'s dtype (0 / -inf); a float mask
    unchanged; AssertionError for other dtypes. Warns when ``other`` has a different mask dtype."""
    mask = _as_tensor(mask, like)
    if mask is None:
        return None
    kind = mask.array.dtype.kind
    if mask.array.dtype != np.bool_ and kind != "f":
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    other = _as_tensor(other, like)
    if check_other and other is not None and other.array.dtype != mask.array.dtype:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. "
                      "Use same type for both instead.", UserWarning, stacklevel=3)
    if kind == "f":
        return mask
    xp = like.xp
    return Tensor(xp.where(mask.array, -xp.inf, 0.0).astype(like.array.dtype))


def _check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads):
    """True for batched (3-D) inputs, False for unbatched (2-D); AssertionError otherwise (PyTorch's checks)."""
    if query.ndim == 3:
        if key.ndim != 3 or value.ndim != 3:
            raise AssertionError("For batched (3-D) `query`, expected `key` and `value` to be 3-D but found "
                                 f"{key.ndim}-D and {value.ndim}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.ndim != 2:
            raise AssertionError("For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but "
                                 f"found {key_padding_mask.ndim}-D tensor instead")
        if attn_mask is not None and attn_mask.ndim not in (2, 3):
            raise AssertionError("For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but "
                                 f"found {attn_mask.ndim}-D tensor instead")
        return True
    if query.ndim == 2:
        if key.ndim != 2 or value.ndim != 2:
            raise AssertionError("For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found "
                                 f"{key.ndim}-D and {value.ndim}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.ndim != 1:
            raise AssertionError("For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D "
                                 f"but found {key_padding_mask.ndim}-D tensor instead")
        if attn_mask is not None:
            if attn_mask.ndim not in (2, 3):
                raise AssertionError("For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D "
                                     f"but found {attn_mask.ndim}-D tensor instead")
            expected = (num_heads, query.shape[0], key.shape[0])
            if attn_mask.ndim == 3 and tuple(attn_mask.shape) != expected:
                raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got {tuple(attn_mask.shape)}")
        return False
    raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {query.ndim}-D query tensor")


def _project(query, key, value, in_proj_weight, in_proj_bias, separate):
    """The q, k, v input projections, from the packed (3E, E) weight or three separate ones."""
    if separate is None:
        w_q, w_k, w_v = in_proj_weight.chunk(3)
    else:
        w_q, w_k, w_v = separate
    b_q = b_k = b_v = None
    if in_proj_bias is not None:
        b_q, b_k, b_v = in_proj_bias.chunk(3)
    return linear(query, w_q, b_q), linear(key, w_k, b_k), linear(value, w_v, b_v)


def _pad_last(mask):
    """One more (unmasked, 0) column at the end of a float mask."""
    xp = mask.xp
    zeros = Tensor(xp.zeros(mask.shape[:-1] + (1,), dtype=mask.array.dtype))
    return cat([mask, zeros], dim=-1)


def _heads(t, length, batch_heads, head_dim):
    """(S, N, E) -> (N * heads, S, head_dim)."""
    return t.reshape(length, batch_heads, head_dim).transpose(0, 1)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    """Multi-head attention of ``query`` (L, N, E) over ``key`` (S, N, kdim) / ``value`` (S, N, vdim).

    (Unbatched: (L, E), (S, kdim), (S, vdim).) The inputs are projected
    (``in_proj_weight`` (3E, E) packed, or ``q/k/v_proj_weight`` with
    ``use_separate_proj_weight``), split into ``num_heads`` heads, attended
    with scaled dot products and projected by ``out_proj_weight``.
    ``key_padding_mask`` (N, S): True (or -inf) marks padding keys;
    ``attn_mask`` (L, S) or (N * num_heads, L, S): True (or -inf / a float
    added to the scores) masks a query-key pair. ``bias_k``/``bias_v`` (1, 1, E)
    append one learnt key/value; ``add_zero_attn`` appends a zero one;
    ``static_k``/``static_v`` (N * num_heads, S, head_dim) replace the projected
    keys/values. ``is_causal`` is a hint that ``attn_mask`` is the causal mask.

    Returns ``(output (L, N, E), weights)``: weights (N, L, S) averaged over the
    heads (``average_attn_weights``), (N, num_heads, L, S) per head, or None
    when ``need_weights`` is False.
    """
    is_batched = _check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads)
    key_padding_mask = _as_tensor(key_padding_mask, query)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    key_padding_mask = canonical_mask(key_padding_mask, "key_padding_mask", attn_mask, "attn_mask", query)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None       # the causal flag of scaled_dot_product_attention does the masking
    else:
        attn_mask = canonical_mask(attn_mask, "attn_mask", None, "", query, check_other=False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(f"key's sequence and batch dims {tuple(key.shape[:2])} do not match value's "
                                 f"{tuple(value.shape[:2])}")
        if q_proj_weight is None or k_proj_weight is None or v_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is True but q_proj_weight, k_proj_weight or "
                                 "v_proj_weight is None")
        q, k, v = _project(query, key, value, None, in_proj_bias, (q_proj_weight, k_proj_weight, v_proj_weight))
    else:
        if tuple(key.shape) != tuple(value.shape):
            raise AssertionError(f"key shape {tuple(key.shape)} does not match value shape {tuple(value.shape)}")
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _project(query, key, value, in_proj_weight, in_proj_bias, None)
    src_len = key.shape[0]
    if attn_mask is not None:
        if attn_mask.ndim == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {tuple(attn_mask.shape)}, but should be "
                                   f"{(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.ndim == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {tuple(attn_mask.shape)}, but should be "
                                   f"{(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.ndim} is not supported")
    if bias_k is not None and bias_v is not None:
        if static_k is not None or static_v is not None:
            raise AssertionError("bias cannot be added to static key or value.")
        k = cat([k, bias_k.repeat(1, bsz, 1)])
        v = cat([v, bias_v.repeat(1, bsz, 1)])
        attn_mask = None if attn_mask is None else _pad_last(attn_mask)
        key_padding_mask = None if key_padding_mask is None else _pad_last(key_padding_mask)
    elif bias_k is not None or bias_v is not None:
        raise AssertionError("bias_k and bias_v must both be set or both be None")
    batch_heads = bsz * num_heads
    q = _heads(q, tgt_len, batch_heads, head_dim)
    k = _heads(k, k.shape[0], batch_heads, head_dim) if static_k is None else _static("static_k", static_k,
                                                                                       batch_heads, head_dim)
    v = _heads(v, v.shape[0], batch_heads, head_dim) if static_v is None else _static("static_v", static_v,
                                                                                       batch_heads, head_dim)
    if add_zero_attn:
        xp = q.xp
        k = cat([k, Tensor(xp.zeros((batch_heads, 1, head_dim), dtype=k.array.dtype))], dim=1)
        v = cat([v, Tensor(xp.zeros((batch_heads, 1, head_dim), dtype=v.array.dtype))], dim=1)
        attn_mask = None if attn_mask is None else _pad_last(attn_mask)
        key_padding_mask = None if key_padding_mask is None else _pad_last(key_padding_mask)
    src_len = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(f"Expected key_padding_mask of shape {(bsz, src_len)} (batch, source length), "
                                 f"got {tuple(key_padding_mask.shape)}")
        padding = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(-1, num_heads, -1, -1)
        padding = padding.reshape(batch_heads, 1, src_len)
        attn_mask = padding if attn_mask is None else attn_mask + padding
    if not training:
        dropout_p = 0.0
    if need_weights:
        q_scaled = q * math.sqrt(1.0 / float(head_dim))
        scores = q_scaled @ k.transpose(-2, -1)
        if attn_mask is not None:
            scores = attn_mask + scores
        weights = softmax(scores, dim=-1)
        if dropout_p > 0.0:
            weights = dropout(weights, p=dropout_p)
        out = (weights @ v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, -1)
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not is_batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights
    if attn_mask is not None:
        if attn_mask.shape[0] == 1 and attn_mask.ndim == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.reshape(bsz, num_heads, -1, src_len)
    q = q.reshape(bsz, num_heads, tgt_len, head_dim)
    k = k.reshape(bsz, num_heads, src_len, head_dim)
    v = v.reshape(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, -1)
    if not is_batched:
        out = out.squeeze(1)
    return out, None


def _static(name, t, batch_heads, head_dim):
    if t.shape[0] != batch_heads or t.shape[2] != head_dim:
        raise AssertionError(f"expecting {name} of shape ({batch_heads}, S, {head_dim}), got {tuple(t.shape)}")
    return t
