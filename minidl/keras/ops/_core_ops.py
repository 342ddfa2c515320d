"""``keras.ops``' core and math functions beyond the basics: scattering (``scatter``,
``scatter_update``, ``slice_update``), segment reductions, ``in_top_k``, ``cdist``,
``extract_sequences`` and ``custom_gradient``. Differentiable through minidl's ``index_put``,
``index_add`` and ``scatter_reduce`` (with respect to the values and the updated tensor)."""
from __future__ import annotations

import numpy as np

import minidl
from minidl import backend
from minidl.autograd import Function
from minidl.tensor import Tensor

__all__ = ["scatter", "scatter_update", "slice_update", "segment_sum", "segment_max", "segment_min",
           "segment_prod", "in_top_k", "cdist", "extract_sequences", "custom_gradient"]


def _t(x):
    from minidl.keras.ops import convert_to_tensor
    return convert_to_tensor(x)


def _flat_rows(indices, shape, name):
    """Row numbers ``(N,)`` of the ``(N, k)`` coordinates ``indices`` into the first ``k`` axes of ``shape``."""
    idx = np.asarray(backend.to_numpy(_t(indices).array)).astype(np.int64)
    if idx.ndim == 1:
        idx = idx[:, None]
    k = idx.shape[-1]
    if idx.ndim != 2 or k > len(shape):
        raise ValueError(f"{name}: indices must have shape (num_updates, k) with k <= {len(shape)}, "
                         f"got {idx.shape}")
    lead = tuple(int(s) for s in shape[:k])
    if idx.size and ((idx < 0).any() or (idx >= np.asarray(lead)).any()):
        raise ValueError(f"{name}: an index in {idx.tolist()} is out of bounds for shape {tuple(shape)}")
    return np.ravel_multi_index(idx.T, lead) if k else np.zeros(len(idx), np.int64), k


_REDUCE = {"max": "amax", "min": "amin", "mul": "prod"}


def scatter_update(inputs, indices, updates, reduction=None) -> Tensor:
    """``inputs`` with ``updates`` written at ``indices`` ``(N, k)`` (each picks a sub-array of the first
    ``k`` axes). ``reduction``: None (the last write wins), ``"add"``, ``"max"``, ``"min"`` or ``"mul"``
    combine an update with the value there."""
    x = _t(inputs)
    rows, k = _flat_rows(indices, x.shape, "scatter_update")
    tail = tuple(x.shape[k:])
    flat = x.reshape((-1,) + tail)
    upd = _t(updates).to(x.dtype).reshape((len(rows),) + tail)
    index = minidl.as_tensor(rows).to(x.device)
    if reduction is None:
        out = minidl.index_put(flat, (index,), upd)
    elif reduction == "add":
        out = minidl.index_add(flat, 0, index, upd)
    elif reduction in _REDUCE:
        full_index = index.reshape((-1,) + (1,) * len(tail)).expand(upd.shape)
        out = minidl.scatter_reduce(flat, 0, full_index, upd, _REDUCE[reduction], include_self=True)
    else:
        raise ValueError(f"scatter_update: reduction must be None, 'add', 'max', 'min' or 'mul', got {reduction!r}")
    return out.reshape(x.shape)


def scatter(indices, values, shape) -> Tensor:
    """A zero tensor of ``shape`` with ``values`` added at ``indices`` ``(N, k)`` (duplicates sum)."""
    values = _t(values)
    zeros = minidl.zeros(tuple(int(s) for s in shape), dtype=values.dtype)
    return scatter_update(zeros, indices, values, reduction="add")


def slice_update(inputs, start_indices, updates) -> Tensor:
    """``inputs`` with the block starting at ``start_indices`` replaced by ``updates``."""
    x, upd = _t(inputs), _t(updates)
    starts = [int(s) for s in np.asarray(backend.to_numpy(_t(start_indices).array)).reshape(-1)]
    if len(starts) != x.ndim or upd.ndim != x.ndim:
        raise ValueError(f"slice_update: start_indices {starts} and updates of shape {tuple(upd.shape)} must "
                         f"match the rank of inputs {tuple(x.shape)}")
    if any(s < 0 or s + n > d for s, n, d in zip(starts, upd.shape, x.shape)):
        raise ValueError(f"slice_update: updates of shape {tuple(upd.shape)} at {starts} do not fit in "
                         f"{tuple(x.shape)}")
    grids = np.meshgrid(*(np.arange(s, s + n) for s, n in zip(starts, upd.shape)), indexing="ij")
    index = tuple(minidl.as_tensor(g.reshape(-1)).to(x.device) for g in grids)
    return minidl.index_put(x, index, upd.to(x.dtype).reshape(-1))


def _segments(data, segment_ids, num_segments, name):
    x = _t(data)
    ids = np.asarray(backend.to_numpy(_t(segment_ids).array)).astype(np.int64).reshape(-1)
    if ids.shape[0] != x.shape[0]:
        raise ValueError(f"{name}: {ids.shape[0]} segment_ids for data with {x.shape[0]} rows")
    count = int(ids.max()) + 1 if num_segments is None and ids.size else int(num_segments or 0)
    keep = (ids >= 0) & (ids < count)
    if not keep.all():
        x = x[minidl.as_tensor(np.nonzero(keep)[0]).to(x.device)]
        ids = ids[keep]
    return x, minidl.as_tensor(ids).to(x.device), count


def segment_sum(data, segment_ids, num_segments=None, sorted=False) -> Tensor:  # noqa: A002 -- Keras' name
    """The sum of the rows of ``data`` per segment id (``num_segments`` default: the largest id + 1;
    ids outside ``[0, num_segments)`` are dropped); empty segments give 0."""
    x, ids, count = _segments(data, segment_ids, num_segments, "segment_sum")
    return minidl.index_add(minidl.zeros((count,) + tuple(x.shape[1:]), dtype=x.dtype), 0, ids, x)


def _segment_reduce(name, reduce, empty, data, segment_ids, num_segments):
    x, ids, count = _segments(data, segment_ids, num_segments, name)
    index = ids.reshape((-1,) + (1,) * (x.ndim - 1)).expand(x.shape)
    # a finite base: minidl's scatter_reduce turns an infinite base into NaN
    base = minidl.zeros((count,) + tuple(x.shape[1:]), dtype=x.dtype)
    out = minidl.scatter_reduce(base, 0, index, x, reduce, include_self=False)
    filled = np.bincount(backend.to_numpy(ids.array), minlength=count) > 0
    if filled.all():
        return out
    keep = minidl.as_tensor(filled.reshape((-1,) + (1,) * (x.ndim - 1))).to(x.device)
    return minidl.where(keep, out, minidl.full_like(out, empty))


def _extreme(dtype_of, low):
    name = str(dtype_of).split(".")[-1]
    if np.dtype(name).kind == "f":
        return -np.inf if low else np.inf
    info = np.iinfo(name)
    return int(info.min if low else info.max)


def segment_max(data, segment_ids, num_segments=None, sorted=False) -> Tensor:  # noqa: A002
    """The maximum of the rows of ``data`` per segment id; empty segments give the dtype's lowest value."""
    x = _t(data)
    return _segment_reduce("segment_max", "amax", _extreme(x.dtype, True), x, segment_ids, num_segments)


def segment_min(data, segment_ids, num_segments=None, sorted=False) -> Tensor:  # noqa: A002
    """The minimum of the rows of ``data`` per segment id; empty segments give the dtype's highest value."""
    x = _t(data)
    return _segment_reduce("segment_min", "amin", _extreme(x.dtype, False), x, segment_ids, num_segments)


def segment_prod(data, segment_ids, num_segments=None, sorted=False) -> Tensor:  # noqa: A002
    """The product of the rows of ``data`` per segment id; empty segments give 1."""
    x, ids, count = _segments(data, segment_ids, num_segments, "segment_prod")
    ids_np = backend.to_numpy(ids.array)
    rows = []
    for segment in range(count):
        members = np.nonzero(ids_np == segment)[0]
        rows.append(x[minidl.as_tensor(members).to(x.device)].prod(dim=0) if members.size
                    else minidl.ones(tuple(x.shape[1:]), dtype=x.dtype))
    return minidl.stack(rows) if rows else minidl.ones((0,) + tuple(x.shape[1:]), dtype=x.dtype)


def in_top_k(targets, predictions, k) -> Tensor:
    """Per row, whether the prediction for the ``targets`` class is among the ``k`` largest (bool ``(B,)``;
    ties count in its favour: fewer than ``k`` values strictly larger)."""
    pred = _t(predictions)
    tgt = _t(targets).long()
    if pred.ndim != 2 or tgt.ndim != 1 or tgt.shape[0] != pred.shape[0]:
        raise ValueError(f"in_top_k needs predictions (batch, classes) and targets (batch,), got "
                         f"{tuple(pred.shape)} and {tuple(tgt.shape)}")
    chosen = minidl.take_along_dim(pred, tgt.unsqueeze(1), dim=1)
    larger = (pred > chosen).sum(dim=1)
    return (larger < int(k)) & minidl.isfinite(chosen.squeeze(1))


def cdist(x, y) -> Tensor:
    """The Euclidean distances between the rows of ``x`` ``(..., P, M)`` and ``y`` ``(..., R, M)``: ``(..., P, R)``."""
    a, b = _t(x), _t(y)
    a = a if a.is_floating_point() else a.float()
    return minidl.cdist(a, b.to(a.dtype))


def extract_sequences(x, sequence_length, sequence_stride) -> Tensor:
    """Frames of ``sequence_length`` values every ``sequence_stride`` along the last axis:
    ``(..., T)`` to ``(..., 1 + (T - sequence_length) // sequence_stride, sequence_length)``."""
    x = _t(x)
    length, stride = int(sequence_length), int(sequence_stride)
    if length > x.shape[-1] or length <= 0 or stride <= 0:
        raise ValueError(f"extract_sequences: sequence_length={length}, sequence_stride={stride} do not fit an "
                         f"input with {x.shape[-1]} values on its last axis")
    return x.unfold(-1, length, stride)


class _CustomGradient(Function):
    @staticmethod
    def forward(ctx, fn, *inputs):
        out, grad_fn = fn(*inputs)
        ctx.grad_fn = grad_fn
        ctx.n_inputs = len(inputs)
        return out

    @staticmethod
    def backward(ctx, upstream):
        grads = ctx.grad_fn(upstream)
        grads = tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)
        if len(grads) != ctx.n_inputs:
            raise ValueError(f"custom_gradient: the gradient function returned {len(grads)} gradients for "
                             f"{ctx.n_inputs} inputs")
        return (None,) + tuple(None if g is None else _t(g) for g in grads)


def custom_gradient(f):
    """Decorate ``f(*inputs) -> (output, grad_fn)`` so that backpropagation uses ``grad_fn(upstream)``
    (returning one gradient per input) instead of differentiating ``f``."""
    def wrapped(*inputs):
        return _CustomGradient.apply(f, *(_t(v) for v in inputs))
    wrapped.__name__ = getattr(f, "__name__", "custom_gradient")
    wrapped.__doc__ = f.__doc__
    return wrapped
