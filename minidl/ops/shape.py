"""Shape ops: reshape, transpose, indexing, concatenation, stacking, flatten, pad.

None of these changes values, so each backward only moves the gradient back
into the input's layout.
"""
from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..backend import get_array_module, index_add, is_device_array
from ..tensor import Tensor, as_tensor

__all__ = ["reshape", "transpose", "getitem", "concat", "stack", "flatten", "pad"]


class Reshape(Function):
    """x.reshape(shape); the gradient is reshaped back."""

    def forward(self, x, shape=None):
        self.in_shape = x.shape
        return x.reshape(shape)

    def backward(self, g):
        return g.reshape(self.in_shape)


class Transpose(Function):
    """x.transpose(axes); the gradient takes the inverse permutation."""

    def forward(self, x, axes=None):
        self.axes = axes
        return x.transpose(axes)

    def backward(self, g):
        if self.axes is None:
            return g.transpose()
        return g.transpose(np.argsort(self.axes))


def _is_advanced(index):
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, (list, np.ndarray)) or is_device_array(i) for i in items)


class GetItem(Function):
    """x[index]; the gradient is scattered back (summed over repeated integer indices)."""

    def forward(self, x, index=None):
        self.in_shape, self.index = x.shape, index
        return x[index]

    def backward(self, g):
        xp = get_array_module(g)
        gx = xp.zeros(self.in_shape, dtype=g.dtype)
        if _is_advanced(self.index):
            index_add(gx, self.index, g)
        else:
            gx[self.index] = g
        return gx


class Concat(Function):
    """concatenate(xs, axis); the gradient is split at the same boundaries."""

    def forward(self, *xs, axis=0):
        self.axis = axis
        self.bounds = np.cumsum([x.shape[axis] for x in xs])[:-1]
        return get_array_module(xs[0]).concatenate(xs, axis=axis)

    def backward(self, g):
        return tuple(get_array_module(g).split(g, self.bounds, axis=self.axis))


class Stack(Function):
    """stack(xs, axis); the gradient is unstacked along that axis."""

    def forward(self, *xs, axis=0):
        self.axis = axis
        return get_array_module(xs[0]).stack(xs, axis=axis)

    def backward(self, g):
        xp = get_array_module(g)
        return tuple(xp.take(g, i, axis=self.axis) for i in range(g.shape[self.axis]))


class Pad(Function):
    """Constant padding; the gradient is the un-padded centre."""

    def forward(self, x, widths=None, value=0.0):
        self.slices = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, x.shape))
        return get_array_module(x).pad(x, widths, mode="constant", constant_values=value)

    def backward(self, g):
        return g[self.slices]


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(int(s) for s in shape)


def reshape(x, *shape):
    """Reshape to ``shape`` (varargs or a tuple, one -1 allowed)."""
    shape = _shape_arg(shape)
    known = int(np.prod([s for s in shape if s != -1]))
    free = sum(1 for s in shape if s == -1)
    fits = (free == 0 and known == x.size) or (free == 1 and known > 0 and x.size % known == 0)
    if not fits or free > 1:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) "
                         f"into {shape}")
    return Reshape.apply(x, shape=shape)


def transpose(x, *axes):
    """Permute axes like ``numpy.transpose`` (no axes: reverse them)."""
    axes = _shape_arg(axes) if axes else None
    if axes is not None and sorted(a % x.ndim for a in axes) != list(range(x.ndim)):
        raise ValueError(f"transpose: axes {axes} are not a permutation of the {x.ndim} dims of shape {x.shape}")
    if axes is not None:
        axes = tuple(a % x.ndim for a in axes)
    return Transpose.apply(x, axes=axes)


def getitem(x, index):
    """``x[index]``: basic slicing and integer-array indexing."""
    def raw(i):
        if isinstance(i, Tensor):
            return i.data
        if isinstance(i, list):
            return x.xp.asarray(i)
        return i
    index = tuple(raw(i) for i in index) if isinstance(index, tuple) else raw(index)
    return GetItem.apply(x, index=index)


def concat(tensors, axis=0):
    """Join tensors along an existing axis; shapes must agree elsewhere."""
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("concat: needs at least one tensor")
    ref = tensors[0].shape
    ax = axis % len(ref)
    for t in tensors[1:]:
        if t.ndim != len(ref) or any(a != b for i, (a, b) in enumerate(zip(t.shape, ref)) if i != ax):
            raise ValueError(f"concat: shapes {ref} and {t.shape} differ outside axis {axis}")
    return Concat.apply(*tensors, axis=ax)


def stack(tensors, axis=0):
    """Join same-shaped tensors along a new axis."""
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("stack: needs at least one tensor")
    for t in tensors[1:]:
        if t.shape != tensors[0].shape:
            raise ValueError(f"stack: all tensors need the same shape, got {tensors[0].shape} and {t.shape}")
    return Stack.apply(*tensors, axis=axis)


def flatten(x, start_dim=1, end_dim=-1):
    """Merge dimensions ``start_dim..end_dim`` into one: (N, C, H, W) -> (N, C*H*W) by default."""
    nd = x.ndim
    if nd == 0:
        return reshape(x, 1)
    s, e = start_dim % nd, end_dim % nd
    if s > e:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for shape {x.shape}")
    shape = x.shape[:s] + (int(np.prod(x.shape[s:e + 1])),) + x.shape[e + 1:]
    return Reshape.apply(x, shape=shape)


def pad(x, pad, value=0.0):
    """Constant padding in PyTorch order: last dim first, ``(left, right, top, bottom, ...)``."""
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"pad: padding {pad} must have an even length of at most 2*{x.ndim}")
    widths = [(0, 0)] * x.ndim
    for k in range(len(pad) // 2):
        lo, hi = int(pad[2 * k]), int(pad[2 * k + 1])
        if lo < 0 or hi < 0:
            raise ValueError(f"pad: negative padding {pad} is not supported")
        widths[x.ndim - 1 - k] = (lo, hi)
    return Pad.apply(x, widths=tuple(widths), value=value)
