"""``minidl.finfo`` / ``minidl.iinfo``: the numeric limits of a dtype, as ``torch.finfo`` / ``torch.iinfo``.

>>> import minidl as mdl
>>> mdl.finfo(mdl.float32).eps, mdl.iinfo(mdl.uint8).max
(1.1920928955078125e-07, 255)
"""
from __future__ import annotations

import builtins

import ml_dtypes
import numpy as np

from . import dtypes as _dtypes

__all__ = ["finfo", "iinfo"]


def _checked_dtype(type, api):
    """``type`` (a minidl dtype) as one; PyTorch's TypeError for anything else."""
    if not isinstance(type, _dtypes.dtype):
        raise TypeError(f"{api}(): argument 'type' (position 1) must be minidl.dtype, not "
                        f"{builtins.type(type).__name__}")
    return type


class finfo:
    """Machine limits of a floating dtype (the default dtype when none is given).

    Attributes (Python floats, except ``bits``, an int, and ``dtype``, the
    type's name as a string, as PyTorch): ``bits``, ``eps`` (smallest ``x``
    with ``1 + x != 1``), ``max``, ``min`` (``-max``), ``tiny`` and
    ``smallest_normal`` (smallest positive normal number) and ``resolution``
    (``10 ** -precision``).

    >>> import minidl as mdl
    >>> mdl.finfo(mdl.float16).max, mdl.finfo(mdl.float64).bits
    (65504.0, 64)
    """

    def __init__(self, type=None):
        type = _dtypes.get_default_dtype() if type is None else _checked_dtype(type, "finfo")
        if type.is_complex:   # a complex type's limits are its parts' (PyTorch's finfo(cfloat) is float32's)
            type = type.to_real()
        if not type.is_floating_point:
            raise TypeError(f"minidl.finfo() requires a floating point input type, got {type}. Use minidl.iinfo "
                            "for integer types")
        info = (ml_dtypes.finfo if type.numpy_dtype == _dtypes.BFLOAT16 else np.finfo)(type.numpy_dtype)
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = float(info.smallest_normal)
        self.smallest_normal = self.tiny
        self.resolution = 10.0 ** -int(info.precision)
        self.dtype = type.name

    def __eq__(self, other):
        return isinstance(other, finfo) and other.dtype == self.dtype

    def __hash__(self):
        return hash(("finfo", self.dtype))

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Machine limits of an integer dtype: ``bits``, ``max``, ``min`` (Python ints) and ``dtype`` (its name).

    >>> import minidl as mdl
    >>> mdl.iinfo(mdl.int32).min, mdl.iinfo(mdl.int8).bits
    (-2147483648, 8)
    """

    def __init__(self, type):
        type = _checked_dtype(type, "iinfo")
        if type.numpy_dtype.kind == "b":
            raise TypeError(f"{type} is not supported by minidl.iinfo")
        if type.numpy_dtype.kind not in "iu":
            raise TypeError(f"minidl.iinfo() requires an integer input type, got {type}. Use minidl.finfo "
                            "for floating point types")
        info = np.iinfo(type.numpy_dtype)
        self.bits = int(info.bits)
        self.max = int(info.max)
        self.min = int(info.min)
        self.dtype = type.name

    def __eq__(self, other):
        return isinstance(other, iinfo) and other.dtype == self.dtype

    def __hash__(self):
        return hash(("iinfo", self.dtype))

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
