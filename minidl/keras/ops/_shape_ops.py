"""The shape, indexing and structural ops of ``keras.ops`` (``tile``, ``repeat``, ``flip``, ``take``,
``tril``/``triu``, ``pad``, ``roll``, ``slice``, ``norm``, ``vectorized_map``, ``cond``), split out of
:mod:`minidl.keras.ops` and re-exported there."""
from __future__ import annotations

import builtins

import numpy as np

import minidl
from minidl.keras.ops import _axis, _keras_int, _shape_tuple
from minidl.keras.ops import convert_to_tensor as _t
from minidl.tensor import Tensor

__all__ = [
    "tile", "repeat", "broadcast_to", "flip", "moveaxis", "swapaxes", "take", "take_along_axis", "tril",
    "triu", "diag", "trace", "pad", "roll", "slice", "norm", "vectorized_map", "cond",
]


def tile(x, repeats) -> Tensor:
    """``x`` repeated ``repeats`` times along each axis."""
    return minidl.tile(_t(x), _shape_tuple(repeats))


def repeat(x, repeats, axis=None) -> Tensor:
    """Each element repeated ``repeats`` times along ``axis`` (of the flattened input for None)."""
    return minidl.repeat_interleave(_t(x), repeats, dim=axis)


def broadcast_to(x, shape) -> Tensor:
    """``x`` broadcast to ``shape``."""
    return minidl.broadcast_to(_t(x), _shape_tuple(shape))


def flip(x, axis=None) -> Tensor:
    """``x`` reversed along ``axis`` (all axes for None)."""
    x = _t(x)
    axes = tuple(range(x.ndim)) if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
    return minidl.flip(x, axes)


def moveaxis(x, source, destination) -> Tensor:
    """``x`` with axis ``source`` moved to ``destination``."""
    return minidl.movedim(_t(x), source, destination)


def swapaxes(x, axis1, axis2) -> Tensor:
    """``x`` with two axes swapped."""
    return minidl.swapaxes(_t(x), axis1, axis2)


def take(x, indices, axis=None) -> Tensor:
    """Elements of ``x`` at ``indices`` along ``axis`` (of the flattened input for None)."""
    x, idx = _t(x), _t(indices).long()
    if axis is None:
        return x.reshape(-1)[idx]
    axis = axis % x.ndim
    return x[(builtins.slice(None),) * axis + (idx,)]


def take_along_axis(x, indices, axis=None) -> Tensor:
    """NumPy's ``take_along_axis``."""
    x, idx = _t(x), _t(indices).long()
    if axis is None:
        return minidl.take_along_dim(x.reshape(-1), idx.reshape(-1), dim=0)
    return minidl.take_along_dim(x, idx, dim=axis)


def tril(x, k=0) -> Tensor:
    """The lower triangle of ``x`` (below diagonal ``k``)."""
    return minidl.tril(_t(x), k)


def triu(x, k=0) -> Tensor:
    """The upper triangle of ``x`` (above diagonal ``k``)."""
    return minidl.triu(_t(x), k)


def diag(x, k=0) -> Tensor:
    """The ``k``-th diagonal of a matrix, or a matrix with a vector on it."""
    return minidl.diag(_t(x), k)


def trace(x, offset=0, axis1=0, axis2=1) -> Tensor:
    """The sum along a diagonal."""
    x = _t(x)
    return _keras_int(minidl.diagonal(x, offset, axis1, axis2).sum(-1), x)


_GATHER_PAD_MODES = ("edge", "reflect", "symmetric", "wrap")


def pad(x, pad_width, mode="constant", constant_values=None) -> Tensor:
    """NumPy's ``pad`` (``pad_width`` an int, ``(before, after)`` or one pair per axis) in Keras'
    modes ``"constant"``, ``"edge"``, ``"reflect"``, ``"symmetric"`` and ``"wrap"``, over any
    axes of an input of any rank (differentiable: the other modes gather the input's own values)."""
    x = _t(x)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (x.ndim, 2))
    if mode != "constant" and constant_values is not None:
        raise ValueError("Argument `constant_values` can only be provided when `mode == 'constant'`. "
                         f"Received: mode={mode}")
    if mode == "constant":
        flat = [int(v) for pair in widths[::-1] for v in pair]
        return minidl.nn.functional.pad(x, flat, value=constant_values or 0)
    if mode not in _GATHER_PAD_MODES:
        raise ValueError(f"pad: mode must be one of 'constant', {', '.join(repr(m) for m in _GATHER_PAD_MODES)}; "
                         f"got mode={mode!r}")
    for axis, (before, after) in enumerate(widths):
        if before or after:  # NumPy's own index pattern for this mode along the axis
            index = np.pad(np.arange(x.shape[axis]), (int(before), int(after)), mode=mode)
            x = minidl.index_select(x, axis, minidl.tensor(index))
    return x


def roll(x, shift, axis=None) -> Tensor:
    """``x`` shifted cyclically by ``shift`` along ``axis`` (of the flattened input for None)."""
    return minidl.roll(_t(x), shift, dims=axis)


def slice(inputs, start_indices, shape) -> Tensor:  # noqa: A001 -- Keras' name
    """The block of ``inputs`` starting at ``start_indices`` with size ``shape``."""
    x = _t(inputs)
    return x[tuple(builtins.slice(int(s), int(s) + int(n)) for s, n in zip(start_indices, shape))]


def norm(x, ord=None, axis=None, keepdims=False) -> Tensor:  # noqa: A002 -- Keras' argument name
    """The vector or matrix norm (``numpy.linalg.norm``'s arguments)."""
    return minidl.linalg.norm(_t(x), ord=ord, dim=_axis(axis), keepdim=keepdims)


def vectorized_map(function, elements):
    """``function`` applied to each slice of ``elements`` along axis 0, the results stacked."""
    if isinstance(elements, (list, tuple)):
        return minidl.stack([function(tuple(e[i] for e in elements)) for i in range(len(elements[0]))])
    return minidl.stack([function(e) for e in _t(elements)])


def cond(pred, true_fn, false_fn):
    """``true_fn()`` if ``pred`` holds, else ``false_fn()``."""
    return true_fn() if bool(pred) else false_fn()
