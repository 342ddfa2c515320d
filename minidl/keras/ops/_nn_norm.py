"""Normalisation, attention and CTC functions of ``keras.ops.nn``: ``batch_normalization``,
``layer_normalization``, ``rms_normalization``, ``dot_product_attention`` (Keras' ``(batch, time,
heads, depth)`` layout, grouped-query heads), ``ctc_loss`` and greedy ``ctc_decode``."""
from __future__ import annotations

import numpy as np

import minidl
import minidl.nn.functional as F
from minidl import backend
from minidl.tensor import Tensor

__all__ = ["batch_normalization", "layer_normalization", "rms_normalization", "dot_product_attention",
           "ctc_loss", "ctc_decode"]

EPSILON = 1e-7  # keras.config.epsilon()


def _t(x, dtype=None):
    from minidl.keras.ops import convert_to_tensor
    x = convert_to_tensor(x)
    if dtype is not None:
        return x.to(dtype)
    return x if x.is_floating_point() else x.float()


def _along(v, x: Tensor, axes) -> Tensor:
    """``v`` (shaped like the ``axes`` of ``x``) reshaped to broadcast against ``x``."""
    v = _t(v, x.dtype)
    if v.ndim == x.ndim:
        return v
    shape = [1] * x.ndim
    for a in axes:
        shape[a] = x.shape[a]
    return v.reshape(shape)


def _axes(axis, ndim):
    axes = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
    return sorted(int(a) % ndim for a in axes)


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3) -> Tensor:
    """``(x - mean) / sqrt(variance + epsilon) * scale + offset`` with the 1-D statistics along ``axis``."""
    x = _t(x)
    axes = _axes(axis, x.ndim)
    out = (x - _along(mean, x, axes)) * minidl.rsqrt(_along(variance, x, axes) + epsilon)
    if scale is not None:
        out = out * _along(scale, x, axes)
    if offset is not None:
        out = out + _along(offset, x, axes)
    return out


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs) -> Tensor:
    """``x`` normalised to zero mean and unit variance over ``axis`` (an int or a tuple), then scaled by
    ``gamma`` and shifted by ``beta``; ``epsilon`` defaults to ``keras.config.epsilon()`` (1e-7)."""
    rms_scaling = kwargs.pop("rms_scaling", False)
    if kwargs:
        raise TypeError(f"layer_normalization got unexpected keyword arguments {sorted(kwargs)}")
    x = _t(x)
    eps = EPSILON if epsilon is None else epsilon
    axes = _axes(axis, x.ndim)
    variance = minidl.var(x, dim=axes, correction=0, keepdim=True)
    if rms_scaling:
        out = x * minidl.rsqrt(variance + eps)
    else:
        out = (x - x.mean(dim=axes, keepdim=True)) * minidl.rsqrt(variance + eps)
    if gamma is not None:
        out = out * _along(gamma, x, axes)
    if beta is not None and not rms_scaling:
        out = out + _along(beta, x, axes)
    return out


def rms_normalization(x, scale=None, axis=-1, epsilon=None) -> Tensor:
    """``x * rsqrt(mean(x**2, axis) + epsilon) * scale`` (``epsilon`` default 1e-7)."""
    x = _t(x)
    axes = _axes(axis, x.ndim)
    out = x * minidl.rsqrt((x * x).mean(dim=axes, keepdim=True) + (EPSILON if epsilon is None else epsilon))
    return out if scale is None else out * _along(scale, x, axes)


def _grouped(t, name, b, n, kv, tq, s):
    """A bias or mask broadcast to ``(B, K, G, T, S)``."""
    while t.ndim < 4:
        t = t.unsqueeze(2) if t.ndim == 3 and t.shape[1] == n else t.unsqueeze(1)
    if t.shape[1] not in (1, n):
        raise ValueError(f"Expected `{name}` to have shape (B, 1, T, S) or (B, N, T, S) with N={n} but got "
                         f"{tuple(t.shape)}.")
    t = minidl.broadcast_to(t, (t.shape[0], n, tq, s) if t.shape[1] == n else (t.shape[0], 1, tq, s))
    t = t.reshape(t.shape[0], kv, n // kv, tq, s) if t.shape[1] == n else t.unsqueeze(2)
    return t


def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None) -> Tensor:
    """``softmax(query @ key^T * scale + bias, masked) @ value`` on ``(B, T, N, H)`` queries and
    ``(B, S, K, H)`` keys/values (``N`` a multiple of ``K``: grouped-query heads). ``mask`` (bool,
    broadcastable to ``(B, N, T, S)``) keeps True positions; ``is_causal`` keeps ``s <= t``;
    ``scale`` defaults to ``1 / sqrt(H)``; ``attn_logits_soft_cap`` maps the logits through
    ``logits / (1 + |logits| / cap)``. Output ``(B, T, N, H)``."""
    if flash_attention:
        raise NotImplementedError("dot_product_attention(flash_attention=True): minidl has no flash attention "
                                  "kernel; pass flash_attention=None or False")
    q, k, v = _t(query), _t(key), _t(value)
    if q.ndim != 4 or k.ndim != 4 or v.ndim != 4:
        raise ValueError(f"dot_product_attention needs 4-D (batch, time, heads, depth) query, key and value, got "
                         f"{tuple(q.shape)}, {tuple(k.shape)}, {tuple(v.shape)}")
    b, tq, n, h = q.shape
    s, kv = k.shape[1], k.shape[2]
    if n % kv:
        raise ValueError(f"dot_product_attention: {n} query heads are not a multiple of {kv} key heads")
    scale = 1.0 / float(np.sqrt(h)) if scale is None else scale
    qg = q.reshape(b, tq, kv, n // kv, h)
    logits = minidl.einsum("btkgh,bskh->bkgts", qg, k.to(q.dtype)) * scale
    if attn_logits_soft_cap is not None:
        logits = logits / (1.0 + minidl.abs(logits) / attn_logits_soft_cap)
    if bias is not None:
        logits = logits + _grouped(_t(bias, logits.dtype), "bias", b, n, kv, tq, s)
    keep = None
    if mask is not None:
        keep = _grouped(_t(mask, minidl.bool), "mask", b, n, kv, tq, s)
    if is_causal:
        causal = minidl.tril(minidl.ones((tq, s), dtype=minidl.bool))
        keep = causal if keep is None else keep & causal
    if keep is not None:
        large_negative = -0.7 * float(np.finfo(np.dtype(str(logits.dtype).split(".")[-1])).max)
        logits = minidl.where(keep, logits, minidl.full_like(logits, large_negative))
    probs = F.softmax(logits, dim=-1)
    out = minidl.einsum("bkgts,bskh->btkgh", probs, v.to(q.dtype))
    return out.reshape(b, tq, n, v.shape[-1])


def ctc_loss(target, output, target_length, output_length, mask_index=0) -> Tensor:
    """The per-sample CTC loss ``(B,)`` of padded integer ``target`` ``(B, S)`` given the logits ``output``
    ``(B, T, C)`` (log-softmaxed here), the lengths, and the blank class ``mask_index``."""
    logits = _t(output)
    labels = _t(target, minidl.int64)
    if logits.ndim != 3 or labels.ndim != 2:
        raise ValueError(f"ctc_loss needs output (batch, time, classes) and target (batch, length), got "
                         f"{tuple(logits.shape)} and {tuple(labels.shape)}")
    log_probs = F.log_softmax(logits, dim=-1).permute(1, 0, 2)
    return F.ctc_loss(log_probs, labels, _t(output_length, minidl.int64), _t(target_length, minidl.int64),
                      blank=int(mask_index), reduction="none", zero_infinity=False)


def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1, merge_repeated=True,
               mask_index=0):
    """Decode CTC outputs ``inputs`` ``(B, T, C)``: ``(decoded, scores)`` with ``decoded``
    ``(top_paths, B, T)`` int32 padded with -1. ``"greedy"``: the best class per step, repeats merged
    (``merge_repeated``), blanks ``mask_index`` dropped, ``top_paths`` 1, ``scores`` ``(B, 1)`` the negated
    sum of the chosen values. ``"beam_search"``: ``beam_width`` prefixes over the log-softmax, the
    ``top_paths`` most likely with their log-probabilities ``(B, top_paths)``."""
    if strategy not in ("greedy", "beam_search"):
        raise ValueError(f"Invalid strategy {strategy}. Supported values are 'greedy' and 'beam_search'.")
    if strategy == "beam_search":
        from minidl.keras.ops._ctc_beam import beam_search
        x = _t(inputs)
        lengths = np.asarray(backend.to_numpy(_t(sequence_lengths, minidl.int64).array))
        paths, scores = beam_search(np.asarray(backend.to_numpy(x.array)), lengths, beam_width, top_paths,
                                    mask_index)
        return minidl.as_tensor(paths).to(x.device), minidl.as_tensor(scores).to(x.device)
    x = _t(inputs)
    arr = np.asarray(backend.to_numpy(x.array))
    lengths = np.asarray(backend.to_numpy(_t(sequence_lengths, minidl.int64).array))
    batch, steps, classes = arr.shape
    blank = classes - 1 if mask_index is None else int(mask_index)
    indices, scores = arr.argmax(-1), arr.max(-1)
    beyond = np.arange(steps)[None, :] >= lengths[:, None]
    indices = np.where(beyond, blank, indices)
    scores = np.where(beyond, 0.0, scores)
    if merge_repeated:
        repeat = np.pad(indices[:, 1:] == indices[:, :-1], ((0, 0), (1, 0)))
        indices = np.where(repeat, blank, indices)
    invalid = indices == blank
    indices = np.where(invalid, -1, indices)
    order = np.argsort(np.where(invalid, steps, np.arange(steps)[None, :]), axis=-1, kind="stable")
    decoded = np.take_along_axis(indices, order, axis=-1)[None].astype(np.int32)
    total = -scores.sum(axis=1, keepdims=True).astype(arr.dtype)
    return minidl.as_tensor(decoded).to(x.device), minidl.as_tensor(total).to(x.device)
