"""``F.embedding_bag``: sums, means or maxima of bags of embedding rows, without the (bags, length, dim)
intermediate of ``embedding`` followed by a reduction. Built from differentiable indexing and products."""
from __future__ import annotations

import numpy as np

from minidl.backend import to_numpy
from minidl.nn._composite import _indices, _renorm_
from minidl.tensor import Tensor

__all__ = ["embedding_bag"]


def _bags(ids, offsets, include_last_offset):
    """Flat int64 ids and the (start, stop) of each bag, from 2-D ids (one bag per row) or 1-D ids + offsets."""
    if ids.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             f"fixed length sequences. However, found offsets of type {type(offsets)}")
        b, n = ids.shape
        starts = np.arange(b) * n
        return ids.reshape(-1), starts, starts + n
    if ids.ndim != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {ids.ndim}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    offs = to_numpy(offsets.array if isinstance(offsets, Tensor) else np.asarray(offsets)).astype(np.int64)
    if offs.ndim != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    bounds = np.append(offs, len(ids)) if not include_last_offset else offs
    if len(bounds) and (bounds[0] != 0 or np.any(np.diff(bounds) < 0) or bounds[-1] > len(ids)):
        raise ValueError(f"offsets must start at 0, not decrease and stay within the input's {len(ids)} ids, got "
                         f"{offs.tolist()}")
    return ids, bounds[:-1], bounds[1:]


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """Reduce bags of rows of ``weight`` (num_embeddings, dim): ``mode`` "sum", "mean" or "max".

    Bags: the rows of a 2-D ``input`` (B, N), or the runs of a 1-D ``input``
    starting at ``offsets`` (B,). ``per_sample_weights`` (same shape as input,
    "sum" only) scale each row; ids equal to ``padding_idx`` are left out (and
    not counted by "mean"); an empty bag gives zeros. Shapes: -> (B, dim).
    """
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max, got {mode!r}")
    if sparse:
        raise ValueError("embedding_bag(): sparse=True (sparse gradients) is not supported by minidl")
    if scale_grad_by_freq:
        raise ValueError("embedding_bag(): scale_grad_by_freq=True is not supported by minidl")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  "the Pytorch GitHub.")
    num = weight.shape[0]
    ids = _indices(input, num)
    flat, starts, stops = _bags(to_numpy(ids), offsets, include_last_offset)
    if max_norm is not None:
        _renorm_(weight, weight.xp.asarray(flat), float(max_norm), float(norm_type))
    if padding_idx is not None and padding_idx < 0:
        padding_idx += num
    keep = np.ones(len(flat), dtype=bool) if padding_idx is None else flat != padding_idx
    bags, length = len(starts), int(max([0] + [b - a for a, b in zip(starts, stops)]))
    # (bags, length) positions into the flat ids, and which of them are real, non-padding entries
    position = np.zeros((bags, max(length, 1)), dtype=np.int64)
    valid = np.zeros((bags, max(length, 1)), dtype=bool)
    for b, (a, z) in enumerate(zip(starts, stops)):
        position[b, :z - a] = np.arange(a, z)
        valid[b, :z - a] = keep[a:z]
    xp, dt = weight.xp, weight.array.dtype
    rows = weight[xp.asarray(flat[position.reshape(-1)] if len(flat) else np.zeros(position.size, np.int64))]
    rows = rows.reshape(bags, position.shape[1], weight.shape[1])
    if mode == "max":
        masked = rows + Tensor(xp.asarray(np.where(valid, 0.0, -np.inf).astype(dt))[:, :, None])
        best = masked.max(dim=1).values
        empty = ~valid.any(axis=1)
        if not empty.any():
            return best
        from minidl.ops.elementwise import Where  # an empty bag's -inf becomes 0, with no gradient
        cond = xp.broadcast_to(xp.asarray(empty)[:, None], tuple(best.shape))
        return Where.apply(Tensor(xp.zeros((), dtype=dt)), best, cond=cond)
    factor = Tensor(xp.asarray(valid.astype(dt)))
    if per_sample_weights is not None:
        psw = per_sample_weights.reshape(-1)
        factor = factor * psw[xp.asarray(position.reshape(-1))].reshape(bags, -1)
    total = (rows * factor.unsqueeze(2)).sum(dim=1)
    if mode == "mean":   # sum / count in the weight's dtype, as PyTorch divides
        return total / Tensor(xp.asarray(np.maximum(valid.sum(axis=1, keepdims=True), 1).astype(dt)))
    return total
