"""``as_strided``: a view of the memory a tensor lives in, with any sizes, strides and offset (PyTorch's).

The memory is the whole array the tensor views (its storage, see
:mod:`minidl.tensor_storage`); positions are counted in elements from its
start. The gradient follows PyTorch's rule for a non-overlapping input: the
output's gradient is summed into a storage-sized buffer at the positions the
output reads (overlapping outputs add up), and the input gets the buffer's
values at its own positions. Both maps are linear, so the backward pass of
the backward pass is the same pair of maps the other way round (``StorageMap``).
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Function

__all__ = ["AsStrided", "StorageMap", "as_strided"]


def _typed_root(array):
    """The flat array (of ``array``'s dtype) over the memory ``array`` views, and ``array``'s offset in it."""
    from ..tensor_storage import _root_bytes
    raw = _root_bytes(array)
    itemsize = array.dtype.itemsize
    flat = raw[: raw.size - raw.size % itemsize].view(array.dtype)
    start = backend.data_pointer(array) - backend.data_pointer(raw) if array.size and raw.size else 0
    if start % itemsize:
        raise RuntimeError("as_strided: the tensor does not start on an element boundary of its storage")
    return flat, start // itemsize


def _positions(xp, size, stride, offset):
    """The storage position of every element of a (size, stride, offset) view, as an int64 array of ``size``."""
    pos = xp.full(tuple(size), offset, dtype=np.int64)
    for d, (n, s) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[d] = n
        pos = pos + (xp.arange(n, dtype=np.int64) * s).reshape(shape)
    return pos


class StorageMap(Function):
    """``v`` summed into a zero buffer of ``length`` at ``write``, then read back at ``read`` (a linear map)."""

    def forward(self, v, write=None, read=None, length=None):
        self.write, self.read, self.length = write, read, length
        xp = backend.get_array_module(v)
        buf = xp.zeros(length, dtype=v.dtype)
        backend.index_add(buf, write.reshape(-1), v.reshape(-1))
        return buf[read]

    def backward(self, g):
        xp = backend.get_array_module(g)
        buf = xp.zeros(self.length, dtype=g.dtype)
        backend.index_add(buf, self.read.reshape(-1), g.reshape(-1))
        return buf[self.write]

    def backward_graph(self, g):
        return StorageMap.apply(g, write=self.read, read=self.write, length=self.length)


class AsStrided(Function):
    """The (size, stride, storage_offset) view of x's storage; gradient as the module docstring says."""

    def forward(self, x, size=None, stride=None, storage_offset=None):
        xp = backend.get_array_module(x)
        flat, start = _typed_root(x)
        offset = start if storage_offset is None else int(storage_offset)
        if len(size) != len(stride):
            raise RuntimeError(f"mismatch in length of strides and shape: sizes {list(size)}, strides "
                               f"{list(stride)}")
        if any(n < 0 for n in size) or any(s < 0 for s in stride) or offset < 0:
            raise RuntimeError(f"as_strided: negative sizes, strides or storage offset are not supported, got "
                               f"sizes {list(size)}, strides {list(stride)}, storage offset {offset}")
        needed = 0 if 0 in size else offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))
        if needed > flat.size:
            raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, "
                               f"and itemsize {x.dtype.itemsize} requiring a storage size of "
                               f"{needed * x.dtype.itemsize} are out of bounds for storage of size "
                               f"{flat.size * x.dtype.itemsize}")
        self.length = int(flat.size)
        self.out_pos = _positions(xp, size, stride, offset)
        in_stride = tuple(int(s) // x.dtype.itemsize for s in x.strides)
        self.in_pos = _positions(xp, x.shape, in_stride, start)
        itemsize = x.dtype.itemsize
        return xp.lib.stride_tricks.as_strided(flat[offset:] if offset < flat.size else flat[:0], tuple(size),
                                               tuple(int(s) * itemsize for s in stride))

    def backward(self, g):
        xp = backend.get_array_module(g)
        buf = xp.zeros(self.length, dtype=g.dtype)
        backend.index_add(buf, self.out_pos.reshape(-1), g.reshape(-1))
        return buf[self.in_pos]

    def backward_graph(self, g):
        return StorageMap.apply(g, write=self.out_pos, read=self.in_pos, length=self.length)


def as_strided(input, size, stride, storage_offset=None):
    """A view of ``input``'s storage with ``size`` and ``stride`` (in elements) starting ``storage_offset``
    elements into it (default: ``input``'s own offset); differentiable (see the module docstring)."""
    from ..tensor import Tensor
    if not isinstance(input, Tensor):
        raise TypeError(f"as_strided(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    size = tuple(int(n) for n in size)
    stride = tuple(int(s) for s in stride)
    return AsStrided.apply(input, size=size, stride=stride,
                           storage_offset=None if storage_offset is None else int(storage_offset))
