"""``scatter_add``, ``index_add``, ``index_fill``, ``index_copy`` and ``fill_diagonal_`` (PyTorch's), built from
differentiable pieces: a gather of ``src`` and the summing scatter that is indexing's own gradient.

Gradients (of any order) flow to ``input`` and to ``src``/``source``; repeated
indices add up, as in PyTorch.

>>> import minidl as mdl
>>> mdl.scatter_add(mdl.zeros(3), 0, mdl.tensor([0, 2, 0]), mdl.tensor([1.0, 2.0, 3.0])).tolist()
[4.0, 0.0, 2.0]
"""
from __future__ import annotations

import numpy as np

from minidl.autograd.naming import name_grad_fn, names_node

from . import backend
from .ops import shape as _shape
from .ops.elementwise import Where
from .tensor import Tensor, as_tensor
from .tensor_scatter import _positions

__all__ = ["scatter_add", "index_add", "index_fill", "index_copy"]


def _t(value):
    return value if isinstance(value, Tensor) else as_tensor(value)


def _cast(src, like):
    return src if src.array.dtype == like.array.dtype else src.to(dtype=like.dtype)


def scatter_add(input, dim, index, src):
    """A copy of ``input`` with ``src[i][j]`` added at ``out[..., index[i][j], ...]`` along ``dim``
    (repeated indices add up); ``index`` is int64 with ``input``'s number of dims, no larger than ``src``."""
    input, src = _t(input), _t(src)
    shape = tuple(input.array.shape)
    if not shape:
        raise RuntimeError("scatter_add(): input must have at least one dimension")
    d = _shape._dim(dim, len(shape))
    target, source = _positions(shape, d, index, tuple(src.array.shape))
    xp = input.xp
    picked = _shape.GetItem.apply(_shape.reshape(_cast(src, input), -1), index=xp.asarray(source))
    added = _shape.IndexScatter.apply(picked, in_shape=(int(np.prod(shape)),), index=xp.asarray(target))
    return input + _shape.reshape(added, *shape)


def _index_arg(name, input, dim, index):
    d = _shape._dim(dim, max(input.array.ndim, 1))
    idx = index.array if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype.kind not in "iu":
        raise IndexError(f"{name}(): Expected dtype int32/int64 for index but got {idx.dtype}")
    if idx.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector, got shape {list(idx.shape)}")
    idx = idx.reshape(-1)
    n = input.array.shape[d] if input.array.ndim else 1
    if idx.size and (int(idx.min()) < -n or int(idx.max()) >= n):
        raise IndexError(f"{name}(): index out of range in self: index {int(idx.max())} for dimension {d} of "
                         f"size {n}")
    return d, backend.to_device(np.asarray(backend.to_numpy(idx)) % max(n, 1), input.device)


@names_node("IndexAddBackward0")   # PyTorch's node name
def index_add(input, dim, index, source, *, alpha=1):
    """A copy of ``input`` with ``alpha * source`` slices added at positions ``index`` along ``dim``."""
    input, source = _t(input), _t(source)
    d, idx = _index_arg("index_add", input, dim, index)
    expected = list(input.array.shape)
    if expected:
        expected[d] = len(idx)
    if list(source.array.shape) != expected:
        raise RuntimeError(f"index_add(): source of shape {list(source.array.shape)} does not match the expected "
                           f"shape {expected}")
    source = _cast(source, input)
    if alpha != 1:
        source = source * alpha
    added = _shape.IndexScatter.apply(source, in_shape=tuple(input.array.shape), index=(slice(None),) * d + (idx,))
    return input + added


def index_fill(input, dim, index, value):
    """A copy of ``input`` with the slices at ``index`` along ``dim`` set to ``value`` (a number or 0-d tensor)."""
    input = _t(input)
    d, idx = _index_arg("index_fill", input, dim, index)
    mask = np.zeros(input.array.shape, dtype=bool)
    mask[(slice(None),) * d + (backend.to_numpy(idx),)] = True
    if isinstance(value, Tensor):
        if value.array.ndim != 0:
            raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.array.ndim} dimension(s).")
        fill = _cast(value, input)
    else:
        fill = Tensor(input.xp.asarray(value, dtype=input.array.dtype))
    out = Where.apply(fill, input, cond=backend.to_device(mask, input.device))
    return name_grad_fn(out, "IndexFillBackward1" if isinstance(value, Tensor) else "IndexFillBackward0")


def index_copy(input, dim, index, source):
    """A copy of ``input`` with the slices of ``source`` written at positions ``index`` along ``dim``."""
    input, source = _t(input), _t(source)
    d, idx = _index_arg("index_copy", input, dim, index)
    mask = np.zeros(input.array.shape, dtype=bool)
    mask[(slice(None),) * d + (backend.to_numpy(idx),)] = True
    placed = _shape.IndexScatter.apply(_cast(source, input), in_shape=tuple(input.array.shape),
                                       index=(slice(None),) * d + (idx,))
    return Where.apply(placed, input, cond=backend.to_device(mask, input.device))


def fill_diagonal(input, fill_value, wrap=False):
    """A copy of ``input`` (>= 2-D, all dims equal unless 2-D) with ``fill_value`` on its main diagonal;
    ``wrap`` restarts the diagonal every ``cols + 1`` rows of a tall matrix."""
    input = _t(input)
    shape = input.array.shape
    if len(shape) < 2:
        raise RuntimeError("dimensions must larger than 1")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    mask = np.zeros(shape, dtype=bool)
    n = min(shape)
    if len(shape) == 2:
        rows, cols = shape
        step_rows = range(0, rows, cols + 1) if wrap and rows > cols + 1 else [0]
        for start in step_rows:
            k = np.arange(min(cols, rows - start))
            mask[start + k, k] = True
    else:
        mask[(np.arange(n),) * len(shape)] = True
    fill = Tensor(input.xp.asarray(fill_value, dtype=input.array.dtype))
    return Where.apply(fill, input, cond=backend.to_device(mask, input.device))
