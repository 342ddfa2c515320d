"""Tensors on the ``meta`` device in ``.pt`` files, as ``torch.save`` writes them::

    torch._utils._rebuild_meta_tensor_no_storage(torch.float32, size, stride, requires_grad)

A meta tensor has no data, so the archive holds no storage record for it; its stride (a view's
included) travels with it. Reading resolves that global to :class:`PendingMeta`, built into a
minidl meta tensor; it stays on ``meta`` whatever ``map_location`` says, as in PyTorch."""
from __future__ import annotations

import numpy as np

from ..dtypes import BFLOAT16
from ._common import format_error
from ._pickle_writer import Call, Global

__all__ = ["META_GLOBALS", "PendingMeta", "is_meta_tensor", "meta_record"]

# NumPy dtype -> torch dtype name written in the record
_DTYPE_NAMES = {np.dtype(np.float32): "float32", np.dtype(np.float64): "float64", np.dtype(np.float16): "float16",
                np.dtype(np.int64): "int64", np.dtype(np.int32): "int32", np.dtype(np.int16): "int16",
                np.dtype(np.int8): "int8", np.dtype(np.uint8): "uint8", np.dtype(np.bool_): "bool",
                np.dtype(np.complex64): "complex64", np.dtype(np.complex128): "complex128",
                np.dtype(BFLOAT16): "bfloat16"}


class PendingMeta:
    """A meta tensor read from a file: its dtype, size, element strides and flags."""

    def __init__(self, dtype, size, stride, requires_grad=False):
        self.dtype, self.size, self.stride = dtype, size, stride
        self.requires_grad, self.parameter = bool(requires_grad), False

    def build(self, path):
        """The minidl Tensor (a Parameter when the record was one) on ``device('meta')``."""
        from ..meta_array import MetaArray
        from ..tensor import Tensor
        try:
            dtype = np.dtype(self.dtype)
            size = tuple(int(s) for s in self.size)
            stride = tuple(int(s) for s in self.stride)
        except (TypeError, ValueError):
            raise format_error(path, f"holds a malformed meta tensor record (dtype {self.dtype!r}, size "
                                     f"{self.size!r}, stride {self.stride!r})") from None
        if len(size) != len(stride) or any(s < 0 for s in size):
            raise format_error(path, f"holds a meta tensor of size {size} with stride {stride}: malformed")
        out = Tensor(MetaArray(size, dtype, strides=tuple(s * dtype.itemsize for s in stride)))
        if self.parameter:
            from ..nn.module import Parameter
            return Parameter(out, requires_grad=self.requires_grad)
        if self.requires_grad and dtype.kind in "fc":
            out.requires_grad_(True)
        return out


def _rebuild_meta_tensor_no_storage(dtype, size, stride, requires_grad=False):
    return PendingMeta(dtype, size, stride, requires_grad)


META_GLOBALS = {("torch._utils", "_rebuild_meta_tensor_no_storage"): _rebuild_meta_tensor_no_storage}


def is_meta_tensor(obj) -> bool:
    """True for a minidl Tensor on the ``meta`` device."""
    from ..meta_array import is_meta_array
    return is_meta_array(getattr(obj, "array", None))


def meta_record(obj, where):
    """The pickle record of the meta Tensor ``obj`` (a Parameter's wrapped as ``torch.save`` wraps it)."""
    arr = obj.array
    name = _DTYPE_NAMES.get(arr.dtype)
    if name is None:
        raise TypeError(f"cannot save a {arr.dtype} meta tensor at '{where}' in a .pt file "
                        "(PyTorch has no such dtype); cast it first")
    itemsize = arr.dtype.itemsize
    stride = tuple(int(s) // itemsize for s in arr.strides)
    requires_grad = bool(getattr(obj, "requires_grad", False))
    record = Call(Global("torch._utils", "_rebuild_meta_tensor_no_storage"),
                  (Global("torch", name), tuple(int(n) for n in arr.shape), stride, requires_grad))
    from ..nn.module import Parameter
    if isinstance(obj, Parameter):
        return Call(Global("torch._utils", "_rebuild_parameter"),
                    (record, requires_grad, Call(Global("collections", "OrderedDict"), ())))
    return record
