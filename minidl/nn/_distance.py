"""``F.cosine_similarity`` and ``F.pairwise_distance``, from differentiable Tensor operations."""
from __future__ import annotations

import numpy as np

from minidl.dtypes import is_floating
from minidl.ops.vector_norm import vector_norm
from minidl.tensor import Tensor

__all__ = ["cosine_similarity", "pairwise_distance"]


def _float_pair(name, x1, x2):
    for label, t in (("x1", x1), ("x2", x2)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument '{label}' must be Tensor, not {type(t).__name__}")
    if not is_floating(x1.array.dtype):
        x1 = x1.float() if not is_floating(x2.array.dtype) else x1.to(x2.dtype)
    if not is_floating(x2.array.dtype):
        x2 = x2.to(x1.dtype)
    return x1, x2


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps)) along ``dim`` (x1, x2 broadcast).

    Shapes: x1, x2 (*) broadcastable -> the broadcast shape without ``dim``.
    """
    x1, x2 = _float_pair("cosine_similarity", x1, x2)
    try:
        shape = tuple(np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape)))
    except ValueError:
        raise RuntimeError(f"The size of tensor a ({x1.shape[dim] if x1.ndim else 1}) must match the size of "
                           f"tensor b ({x2.shape[dim] if x2.ndim else 1}) at non-singleton dimension "
                           f"{dim}") from None
    if x1.shape != shape:
        x1 = x1.expand(*shape)
    if x2.shape != shape:
        x2 = x2.expand(*shape)
    n1 = vector_norm(x1, 2, dim, keepdim=True).clamp(min=eps)
    n2 = vector_norm(x2, 2, dim, keepdim=True).clamp(min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim=dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p along the last dimension. Shapes: (N, D), (N, D) -> (N,) (or (N, 1) with keepdim);
    (D,), (D,) -> ()."""
    x1, x2 = _float_pair("pairwise_distance", x1, x2)
    ndim = max(x1.ndim, x2.ndim)
    diff = x1 - x2 + eps
    return vector_norm(diff, p, ndim - 1 if ndim else None, keepdim=keepdim)
