"""``scatter`` / ``Tensor.scatter_`` (PyTorch's): write values into a tensor at positions given along a dim.

Built from differentiable pieces (indexing and ``where``), so gradients, also
of higher order, flow to ``input`` (except at the overwritten positions) and
to ``src`` (from the positions it was written to).
"""
from __future__ import annotations

import numpy as np

from minidl.autograd.naming import name_grad_fn

from . import backend
from .ops import elementwise

__all__ = ["scatter"]


def _positions(shape, dim, index, src_shape):
    """Flat target positions written, and the flat ``src`` position each one comes from."""
    idx = backend.to_device(index.array if hasattr(index, "array") else np.asarray(index), "cpu")
    if not np.issubdtype(idx.dtype, np.integer):
        raise RuntimeError(f"scatter(): Expected dtype int64 for index, got {idx.dtype}")
    if idx.ndim == 0:  # a 0-d index counts as one element in every dim, as in PyTorch
        idx = idx.reshape((1,) * len(shape))
    if idx.ndim != len(shape):
        raise RuntimeError(f"scatter(): index has {idx.ndim} dims but self has {len(shape)}; "
                           "they must have the same number of dimensions")
    for d, size in enumerate(idx.shape):
        limit = src_shape[d] if src_shape is not None else size
        if size > limit or (d != dim and size > shape[d]):
            raise RuntimeError(f"scatter(): index of shape {list(idx.shape)} is larger than self "
                               f"{list(shape)} (or src) in dimension {d} other than {dim}")
    if idx.size and (idx.min() < -shape[dim] or idx.max() >= shape[dim]):
        bad = int(idx.max() if idx.max() >= shape[dim] else idx.min())
        raise RuntimeError(f"scatter(): index {bad} is out of bounds for dimension {dim} with size {shape[dim]}")
    grids = list(np.indices(idx.shape))
    source = grids if src_shape is None else np.ravel_multi_index(grids, src_shape)
    target = list(grids)
    target[dim] = idx % shape[dim]
    return np.ravel_multi_index(target, shape).ravel(), (None if src_shape is None else source.ravel())


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """A copy of ``input`` with ``out[..., index[i][j], ...] = src[i][j]`` along ``dim`` (``torch.scatter``).

    ``src`` is a Tensor (read at the same multi-index as ``index``) or a number;
    ``value=`` is PyTorch's keyword for a number. ``index`` is an int64
    tensor with ``input``'s number of dims. Where an index repeats, one of the
    written values wins (unspecified in PyTorch too). ``reduce="add"`` or
    ``"multiply"`` combines instead of overwriting, every occurrence counted
    (PyTorch's legacy form of :func:`minidl.scatter_reduce` with ``include_self=True``).
    """
    from .tensor import Tensor
    if (src is None) == (value is None):
        raise TypeError("scatter() takes exactly one of src (a Tensor or number) and value=")
    if src is None:
        src = value
    if reduce is not None:
        return _scatter_with_reduce(input, dim, index, src, reduce)
    shape = tuple(input.shape)
    if not shape:
        raise RuntimeError("scatter(): input must have at least one dimension")
    dim = dim + len(shape) if dim < 0 else dim
    src_shape = tuple(src.shape) if isinstance(src, Tensor) else None
    target, source = _positions(shape, dim, index, src_shape)
    numel = int(np.prod(shape))
    mask = np.zeros(numel, dtype=bool)
    mask[target] = True
    xp = input.xp
    condition = Tensor(xp.asarray(mask.reshape(shape)))
    if source is None:         # PyTorch's node names: ScatterBackward1 for a number, ScatterBackward0 for a Tensor
        return name_grad_fn(elementwise.where(condition, Tensor(xp.asarray(src, dtype=input.array.dtype)), input),
                            "ScatterBackward1")
    from_src = np.zeros(numel, dtype=np.int64)
    from_src[target] = source
    picked = src.reshape(-1)[xp.asarray(from_src)].reshape(shape)
    if picked.array.dtype != input.array.dtype:
        picked = picked.to(input.dtype)
    return name_grad_fn(elementwise.where(condition, picked, input), "ScatterBackward0")


def _scatter_with_reduce(input, dim, index, src, reduce):
    """``scatter(..., reduce="add"|"multiply")``: scatter_reduce's sum/prod over the written positions."""
    import warnings

    from .functions_more import scatter_reduce
    from .tensor import Tensor
    modes = {"add": "sum", "multiply": "prod"}
    if reduce not in modes:
        raise RuntimeError(f"reduce argument must be either add or multiply, got {reduce!r}")
    index = index if isinstance(index, Tensor) else Tensor(np.asarray(index))
    if isinstance(src, Tensor):
        warnings.warn("The reduce argument of torch.scatter with Tensor src is deprecated and will be removed in a "
                      "future PyTorch release. Use torch.scatter_reduce instead for more reduction options.",
                      UserWarning, stacklevel=3)
    else:
        src = Tensor(input.xp.full(tuple(index.shape), src, dtype=input.array.dtype))
    return scatter_reduce(input, dim, index, src, modes[reduce], include_self=True)
