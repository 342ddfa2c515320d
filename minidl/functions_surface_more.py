"""The module-level forms of Tensor methods PyTorch also has at top level (``adjoint``, ``angle``, ``put``,
``index_reduce``, ``nonzero_static``, ``split_with_sizes``, ``unsafe_chunk``, ``unsafe_split``, ...), and a few
more ``torch.*`` functions: ``feature_dropout``, ``embedding_renorm_``, ``to_dlpack``, ``set_anomaly_enabled``
and ``is_vulkan_available``.

>>> import minidl as mdl
>>> mdl.put(mdl.zeros(2, 2), mdl.tensor([3]), mdl.tensor([1.0])).tolist()
[[0.0, 0.0], [0.0, 1.0]]
"""
from __future__ import annotations

import numpy as np

from . import backend
from .tensor import Tensor

__all__ = ["adjoint", "angle", "put", "index_reduce", "nonzero_static", "split_with_sizes", "unsafe_chunk",
           "unsafe_split", "unsafe_split_with_sizes", "feature_dropout", "feature_dropout_", "embedding_renorm_",
           "to_dlpack", "set_anomaly_enabled", "is_vulkan_available"]


def _check(name, input):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input


def adjoint(input):
    """``input.adjoint()``: the conjugate transpose of each matrix (the last two dims swapped, conjugated)."""
    return _check("adjoint", input).adjoint()


def angle(input):
    """``input.angle()``: pi for negative elements, 0 otherwise (a float tensor)."""
    return _check("angle", input).angle()


def put(input, index, source, accumulate=False):
    """``input.put(index, source, accumulate)``: a copy with ``source`` at the flat positions ``index``."""
    return _check("put", input).put(index, source, accumulate)


def index_reduce(input, dim, index, source, reduce, *, include_self=True):
    """``input.index_reduce(dim, index, source, reduce, include_self=...)``."""
    return _check("index_reduce", input).index_reduce(dim, index, source, reduce, include_self=include_self)


def nonzero_static(input, *, size, fill_value=-1):
    """``input.nonzero_static(size=..., fill_value=...)``: (size, ndim) indices, padded with ``fill_value``."""
    return _check("nonzero_static", input).nonzero_static(size=size, fill_value=fill_value)


def split_with_sizes(input, split_sizes, dim=0):
    """``input.split_with_sizes(split_sizes, dim)``."""
    return _check("split_with_sizes", input).split_with_sizes(split_sizes, dim)


def unsafe_chunk(input, chunks, dim=0):
    """``input.chunk(chunks, dim)`` (PyTorch's variant without view tracking)."""
    return _check("unsafe_chunk", input).unsafe_chunk(chunks, dim)


def unsafe_split(input, split_size, dim=0):
    """``input.split(split_size, dim)`` (PyTorch's variant without view tracking)."""
    return _check("unsafe_split", input).unsafe_split(split_size, dim)


def unsafe_split_with_sizes(input, split_sizes, dim=0):
    """``input.split_with_sizes(split_sizes, dim)`` (PyTorch's variant without view tracking)."""
    return _check("unsafe_split_with_sizes", input).unsafe_split_with_sizes(split_sizes, dim)


def _feature_mask(input, p):
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if input.ndim < 2:
        raise RuntimeError(f"Feature dropout requires at least 2 dimensions in the input, got {input.ndim}")
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    keep = backend.rng().random(shape) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    mask = (keep * scale).astype(input.array.dtype)
    return Tensor(backend.to_device(mask, input.device) if input.is_cuda else mask)


def feature_dropout(input, p, train):
    """Dropout of whole feature maps: each (sample, channel) slice of (N, C, *) is zeroed with probability
    ``p`` and the others scaled by 1 / (1 - p), when ``train``; ``input`` itself otherwise."""
    _check("feature_dropout", input)
    if not train or p == 0:
        return input
    return input * _feature_mask(input, p)


def feature_dropout_(input, p, train):
    """In-place :func:`feature_dropout`."""
    _check("feature_dropout_", input)
    if not train or p == 0:
        return input
    return input.mul_(_feature_mask(input, p))


def embedding_renorm_(input, indices, max_norm, norm_type):
    """Rescale, in place and outside autograd, the rows of the embedding matrix ``input`` named by ``indices``
    whose ``norm_type``-norm exceeds ``max_norm`` to norm ``max_norm`` (PyTorch's factor
    ``max_norm / (norm + 1e-7)``); returns ``input``."""
    from .autograd import no_grad
    _check("embedding_renorm_", input)
    if input.ndim != 2:
        raise RuntimeError(f"embedding_renorm_: expected a 2-D weight, got shape {list(input.shape)}")
    rows = np.unique(backend.to_numpy(indices.array).reshape(-1))
    if rows.size == 0:
        return input
    with no_grad():
        picked = input.array[backend.to_device(rows, input.device) if input.is_cuda else rows]
        norms = (np.abs(backend.to_numpy(picked)) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
        scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(input.array.dtype)
        input.array[backend.to_device(rows, input.device) if input.is_cuda else rows] = picked * backend.to_device(
            scale[:, None], input.device)
    return input


def to_dlpack(tensor):
    """A DLPack capsule of ``tensor``'s memory (PyTorch's ``torch.utils.dlpack.to_dlpack``)."""
    return _check("to_dlpack", tensor).__dlpack__()


def set_anomaly_enabled(enabled, check_nan=True):
    """Switch anomaly detection on or off (as ``minidl.autograd.set_detect_anomaly``, without the context)."""
    from .autograd import set_detect_anomaly
    set_detect_anomaly(enabled, check_nan)


def is_vulkan_available():
    """False: minidl has no Vulkan backend."""
    return False
