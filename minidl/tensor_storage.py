"""Storages: the memory behind a tensor, as PyTorch's ``Tensor.untyped_storage()`` (bytes) and the deprecated
``Tensor.storage()`` (elements of the tensor's dtype).

A storage is a flat view of the whole array a tensor views (the root of its
NumPy/CuPy ``.base`` chain), so ``x[2:].untyped_storage()`` covers all of
``x``'s memory, as in PyTorch; writing into a storage writes into every tensor
on that memory. ``data_ptr()`` is the address of its first byte.

>>> import minidl as mdl
>>> x = mdl.tensor([1, 2], dtype=mdl.int16)
>>> x.untyped_storage().tolist(), x.untyped_storage().nbytes(), x[1:].untyped_storage().data_ptr() == x.data_ptr()
([1, 0, 2, 0], 4, True)
"""
from __future__ import annotations

import warnings

import numpy as np

from . import backend
from .dtypes import as_dtype

__all__ = ["UntypedStorage", "TypedStorage", "StorageMixin"]


def _root_bytes(array):
    """The bytes of the memory ``array`` views, as a flat uint8 array on the same memory."""
    root = array
    while getattr(root, "base", None) is not None and backend.is_array(root.base) and not isinstance(
            root.base, np.generic):
        root = root.base
    if not (root.flags.c_contiguous or root.flags.f_contiguous):
        root = array
        if not (root.flags.c_contiguous or root.flags.f_contiguous):
            raise RuntimeError("untyped_storage(): this tensor's memory is not one dense block; clone() it first")
    flat = root.reshape(-1, order="A")
    return flat.view(np.uint8)


class UntypedStorage:
    """The bytes behind a tensor (``Tensor.untyped_storage()``): ``nbytes()``/``size()``/``len``, ``data_ptr()``,
    ``tolist()`` (ints 0-255), indexing, ``device``, ``element_size()`` (1)."""

    def __init__(self, byte_array):
        self._bytes = byte_array

    def nbytes(self):
        """The number of bytes."""
        return int(self._bytes.size)

    size = nbytes

    def __len__(self):
        return int(self._bytes.size)

    def element_size(self):
        """1 (a byte)."""
        return 1

    def data_ptr(self):
        """The address of the first byte."""
        return backend.data_pointer(self._bytes) if self._bytes.size else 0

    @property
    def device(self):
        """The device holding the bytes."""
        return backend.device_of(self._bytes)

    @property
    def is_cuda(self):
        """True for GPU memory."""
        return self.device.type != "cpu"

    def tolist(self):
        """The bytes as a list of ints."""
        return backend.to_numpy(self._bytes).tolist()

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(self._bytes[index])
        return int(self._bytes[index])

    def __setitem__(self, index, value):
        self._bytes[index] = value

    def _view(self, np_dtype, offset, size, stride):
        """The elements of dtype ``np_dtype`` at ``offset`` with ``size``/``stride`` (``Tensor.set_``)."""
        itemsize = np.dtype(np_dtype).itemsize
        flat = self._bytes[: self._bytes.size - self._bytes.size % itemsize].view(np_dtype)
        if size is None:
            return flat[offset:]
        size = tuple(int(s) for s in size)
        if stride is None:
            stride = tuple(int(np.prod(size[i + 1:], dtype=np.int64)) for i in range(len(size)))
        needed = offset + (1 + sum((n - 1) * s for n, s in zip(size, stride)) if 0 not in size else 0)
        if needed > flat.size:
            raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset} "
                               f"requiring a storage size of {needed * itemsize} are out of bounds for storage "
                               f"of size {self.nbytes()}")
        xp = backend.get_array_module(flat)
        return xp.lib.stride_tricks.as_strided(flat[offset:], size, tuple(int(s) * itemsize for s in stride))

    def __repr__(self):
        return f"[minidl.storage.UntypedStorage(device={self.device}) of size {self.nbytes()}]"


class TypedStorage:
    """The elements behind a tensor, in its dtype (``Tensor.storage()``, deprecated in PyTorch): ``size()``/``len``
    (elements), ``nbytes()``, ``dtype``, ``element_size()``, ``data_ptr()``, ``tolist()``, indexing, ``untyped()``."""

    def __init__(self, untyped, np_dtype):
        self._untyped = untyped
        self._dtype = np.dtype(np_dtype)

    @property
    def dtype(self):
        """The element type."""
        return as_dtype(self._dtype)

    @property
    def device(self):
        """The device holding the elements."""
        return self._untyped.device

    def untyped(self):
        """The :class:`UntypedStorage` (bytes) of the same memory."""
        return self._untyped

    def _elements(self):
        return self._untyped._view(self._dtype, 0, None, None)

    def size(self):
        """The number of elements."""
        return self._untyped.nbytes() // self._dtype.itemsize

    def __len__(self):
        return self.size()

    def nbytes(self):
        """The number of bytes."""
        return self._untyped.nbytes()

    def element_size(self):
        """Bytes per element."""
        return self._dtype.itemsize

    def data_ptr(self):
        """The address of the first element."""
        return self._untyped.data_ptr()

    def tolist(self):
        """The elements as a list of Python numbers."""
        return backend.to_numpy(self._elements()).tolist()

    def __getitem__(self, index):
        out = self._elements()[index]
        return out.tolist() if isinstance(index, slice) else out.item()

    def __setitem__(self, index, value):
        self._elements()[index] = value

    def _view(self, np_dtype, offset, size, stride):
        return self._untyped._view(np_dtype, offset, size, stride)

    def __repr__(self):
        return f"[minidl.storage.TypedStorage(dtype={self.dtype}, device={self.device}) of size {self.size()}]"


class StorageMixin:
    """``untyped_storage()`` and ``storage()``; installed on :class:`minidl.Tensor`."""

    def untyped_storage(self):
        """The bytes of the memory this tensor views (see :class:`minidl.tensor_storage.UntypedStorage`)."""
        return UntypedStorage(_root_bytes(self.array))

    def storage(self):
        """The memory this tensor views as elements of its dtype (deprecated, as in PyTorch, with its warning)."""
        warnings.warn("TypedStorage is deprecated. It will be removed in the future and UntypedStorage will be the "
                      "only storage class. To access UntypedStorage directly, use tensor.untyped_storage() instead "
                      "of tensor.storage()", UserWarning, stacklevel=2)
        return TypedStorage(UntypedStorage(_root_bytes(self.array)), self.array.dtype)
