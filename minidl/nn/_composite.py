"""``F.embedding`` and ``F.layer_norm``, built from differentiable Tensor operations.

Being compositions of indexing, means, products and ``detach``, their
gradients of every order come from those operations; no hand-written
backward is involved.
"""
from __future__ import annotations

import numpy as np

from minidl import autograd
from minidl.autograd.bfloat16_compute import float32_composite
from minidl.autograd.naming import names_node
from minidl.meta_array import MetaArray
from minidl.tensor import Tensor

from ..autograd.naming import name_grad_fn

__all__ = ["embedding", "layer_norm"]


def _indices(input, num_embeddings):
    """``input`` as an integer index array on its device; a clear error for floats or out-of-range ids."""
    if not isinstance(input, Tensor):
        raise TypeError(f"embedding(): argument 'input' must be Tensor, not {type(input).__name__}")
    ids = input.array
    if not np.issubdtype(ids.dtype, np.integer):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {input.dtype} instead (while checking arguments for embedding)")
    if ids.size and type(ids) is not MetaArray and (int(ids.min()) < 0 or int(ids.max()) >= num_embeddings):
        bad = int(ids.max()) if int(ids.max()) >= num_embeddings else int(ids.min())
        raise IndexError(f"embedding(): index {bad} is out of range for {num_embeddings} embeddings")
    return ids


def _renorm_(weight, ids, max_norm, norm_type):
    """PyTorch's ``max_norm``: rows looked up whose norm exceeds ``max_norm`` are rescaled in place."""
    rows = weight.xp.unique(ids.reshape(-1))
    with autograd.no_grad():
        picked = weight.array[rows]
        norms = (weight.xp.abs(picked) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
        scale = weight.xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(weight.array.dtype)
        weight.array[rows] = picked * scale[:, None]


@names_node("EmbeddingBackward0")   # PyTorch's node name
def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Rows of ``weight`` (num_embeddings, dim) picked by the integer ``input`` (*): output (*, dim).

    ``padding_idx``: that row gets no gradient. ``max_norm``: looked-up rows
    whose ``norm_type``-norm exceeds it are first rescaled to it, in place (as
    PyTorch). ``scale_grad_by_freq``: each row's gradient is divided by how
    often it appears in ``input``. ``sparse=True``: the gradient with respect
    to ``weight`` is a sparse COO tensor (minidl/sparse), as PyTorch's.
    """
    num_embeddings = weight.shape[0]
    ids = _indices(input, num_embeddings)
    if padding_idx is not None:
        padding_idx = int(padding_idx)
        if padding_idx < 0:
            padding_idx += num_embeddings
    if max_norm is not None:
        _renorm_(weight, ids, float(max_norm), float(norm_type))
    if sparse:
        return _sparse_embedding(weight, ids, padding_idx, scale_grad_by_freq)
    out = weight[ids]
    if padding_idx is None and not scale_grad_by_freq:   # PyTorch's node saves the indices
        return name_grad_fn(out, "EmbeddingBackward0", saved=(input,))
    xp = weight.xp
    scale = xp.ones(ids.shape, dtype=weight.array.dtype)
    if scale_grad_by_freq:
        counts = xp.bincount(ids.reshape(-1), minlength=num_embeddings)
        scale = scale / counts[ids]
    if padding_idx is not None:
        scale = xp.where(ids == padding_idx, 0, scale).astype(weight.array.dtype)
    # the value is ``out``; the gradient reaching ``weight`` is scaled by ``scale`` per looked-up position
    factor = Tensor(scale[..., None])
    return name_grad_fn(out * factor + (out * (1 - factor)).detach(), "EmbeddingBackward0", saved=(input,))


def _sparse_embedding(weight, ids, padding_idx, scale_grad_by_freq):
    """``embedding`` with a sparse weight gradient (minidl/sparse/_embedding.py)."""
    from ..sparse._embedding import SparseEmbedding
    xp = weight.xp
    flat = ids.reshape(-1)
    keep = xp.nonzero(flat != padding_idx)[0] if padding_idx is not None else xp.arange(flat.shape[0])
    return SparseEmbedding.apply(weight, ids=ids, keep=keep, scale_grad_by_freq=scale_grad_by_freq)


@names_node("NativeLayerNormBackward0")   # PyTorch's node name
@float32_composite   # bfloat16: computed in float32, rounded once
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing dims ``normalized_shape`` (mean 0, biased variance 1), then ``* weight + bias``."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    normalized_shape = tuple(int(s) for s in normalized_shape)
    n = len(normalized_shape)
    if n == 0 or tuple(input.shape[input.ndim - n:]) != normalized_shape or input.ndim < n:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
                           f"[*, {', '.join(str(s) for s in normalized_shape)}], but got input of size "
                           f"{list(input.shape)}")
    dims = tuple(range(input.ndim - n, input.ndim))
    mean = input.mean(dim=dims, keepdim=True)
    centered = input - mean
    var = (centered * centered).mean(dim=dims, keepdim=True)
    out = centered / (var + eps).sqrt()
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return name_grad_fn(out, "NativeLayerNormBackward0", saved=(input, weight, bias))   # PyTorch's node saves them
