"""PyTorch's legacy tensor types (``minidl.FloatTensor``, ``minidl.LongTensor``, ...) and
``set_default_tensor_type``, for older scripts.

Each type is a class whose ``dtype`` is the matching minidl dtype:
``FloatTensor([1, 2])`` builds a float32 tensor from data, ``FloatTensor(2, 3)``
one of that shape (zeros, where PyTorch leaves memory uninitialised),
``FloatTensor()`` an empty one; ``isinstance(x, minidl.FloatTensor)`` is true
for float32 CPU tensors, and ``x.type(minidl.DoubleTensor)`` casts.

>>> import minidl as mdl
>>> mdl.FloatTensor([1, 2]), isinstance(mdl.ones(2), mdl.FloatTensor), mdl.LongTensor.dtype
(tensor([1., 2.]), True, minidl.int64)
"""
from __future__ import annotations

import numbers
import warnings

import numpy as np

from . import backend
from . import dtypes as _dtypes
from .size import Size
from .tensor import Tensor, tensor

__all__ = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor",
           "ByteTensor", "BoolTensor", "set_default_tensor_type", "BFloat16Tensor"]


class _LegacyTensorType(type):
    """The metaclass of the legacy types: instance checks by dtype, calls build tensors."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype and not backend.is_device_array(obj.array)

    def __call__(cls, *args, device=None):
        np_dtype = cls.dtype.numpy_dtype
        if not args:
            return Tensor(np.zeros((0,), np_dtype))
        first = args[0]
        if isinstance(first, Tensor) and len(args) == 1:
            if first.dtype != cls.dtype:
                raise TypeError(f"{cls.__name__}(): expected a tensor of dtype {cls.dtype}, got {first.dtype}")
            return first
        sizes = tuple(first) if isinstance(first, Size) and len(args) == 1 else args
        if all(isinstance(n, numbers.Integral) and not isinstance(n, bool) for n in sizes):
            return tensor(np.zeros(tuple(int(n) for n in sizes), np_dtype), device=device)
        if len(args) != 1:
            raise TypeError(f"{cls.__name__}(): expected sizes (ints) or one sequence of data, got {args!r}")
        return tensor(first, dtype=cls.dtype, device=device)

    def __repr__(cls):
        return f"<class 'minidl.{cls.__name__}'>"


def _legacy(name, dtype):
    doc = f"Legacy tensor type for {dtype}: ``{name}(data)``, ``{name}(*sizes)``, ``isinstance(x, {name})``."
    return _LegacyTensorType(name, (), {"dtype": dtype, "is_cuda": False, "__doc__": doc,
                                        "_is_legacy_tensor_type": True, "__module__": "minidl"})


FloatTensor = _legacy("FloatTensor", _dtypes.float32)
DoubleTensor = _legacy("DoubleTensor", _dtypes.float64)
HalfTensor = _legacy("HalfTensor", _dtypes.float16)
LongTensor = _legacy("LongTensor", _dtypes.int64)
IntTensor = _legacy("IntTensor", _dtypes.int32)
ShortTensor = _legacy("ShortTensor", _dtypes.int16)
CharTensor = _legacy("CharTensor", _dtypes.int8)
ByteTensor = _legacy("ByteTensor", _dtypes.uint8)
BoolTensor = _legacy("BoolTensor", _dtypes.bool)
BFloat16Tensor = _legacy("BFloat16Tensor", _dtypes.bfloat16)
_BY_NAME = {t.__name__: t for t in (FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, ShortTensor,
                                    CharTensor, ByteTensor, BoolTensor, BFloat16Tensor)}


def set_default_tensor_type(t, /):
    """Deprecated (as in PyTorch since 2.1): make ``t``'s dtype the default dtype.

    ``t`` is a legacy type (``minidl.DoubleTensor``) or its name
    (``'torch.DoubleTensor'``; a ``'torch.cuda.'`` name also makes CUDA the
    default device). Use :func:`minidl.set_default_dtype` and
    :func:`minidl.set_default_device` instead.

    Raises:
        TypeError: a non-floating type, or an unknown name.
    """
    warnings.warn("minidl.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                  "minidl.set_default_dtype() and minidl.set_default_device() as alternatives.", UserWarning,
                  stacklevel=2)
    cuda = False
    if isinstance(t, str):
        parts = t.split(".")
        cuda = len(parts) > 1 and parts[-2] == "cuda"
        if parts[-1] not in _BY_NAME:
            raise TypeError(f"invalid type: '{t}'")
        t = _BY_NAME[parts[-1]]
    if not isinstance(t, _LegacyTensorType):
        raise TypeError(f"invalid type: {t!r}")
    _dtypes.set_default_dtype(t.dtype)
    if cuda:
        backend.set_default_device("cuda")
