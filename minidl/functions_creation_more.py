"""More ``torch.*`` creation functions and small tensor functions: ``asarray``, ``frombuffer``,
``empty_strided``, ``scalar_tensor``, the deprecated end-inclusive ``range``, ``frexp`` and ``msort``.

>>> import minidl as mdl
>>> mdl.scalar_tensor(3), mdl.empty_strided((2, 3), (1, 2)).stride()
(tensor(3.), (1, 2))
>>> mdl.frexp(mdl.tensor([8.0, 0.3])).exponent.tolist()
[4, -1]
"""
from __future__ import annotations

import builtins
import math
import numbers
import warnings

import numpy as np

from minidl.dtypes import is_floating

from . import backend, return_types
from .dtypes import _scalar_dtype, as_dtype, default_float, to_numpy_dtype
from .tensor import Tensor, tensor

__all__ = ["asarray", "frombuffer", "empty_strided", "scalar_tensor", "range", "frexp", "msort", "from_dlpack"]


def from_dlpack(ext_tensor, *, device=None, copy=None):
    """A Tensor sharing the memory of ``ext_tensor``, any object with ``__dlpack__`` (a NumPy/CuPy array, a
    PyTorch or JAX tensor, another minidl Tensor): writes through one are seen by the other. ``device``: move
    the result there (a copy when it differs); ``copy=True``: always a copy."""
    if isinstance(ext_tensor, Tensor):
        out = ext_tensor.detach()
    elif not hasattr(ext_tensor, "__dlpack__") or not hasattr(ext_tensor, "__dlpack_device__"):
        raise RuntimeError(f"from_dlpack: expected an object with __dlpack__ and __dlpack_device__, got "
                           f"{type(ext_tensor).__name__}")
    else:
        out = Tensor(backend.from_dlpack(ext_tensor))
    if device is not None and not backend.same_device(device, out.device):
        out = out.to(device)
    elif copy:
        out = out.clone()
    return out


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """``obj`` (a Tensor, NumPy/CuPy array, buffer, scalar or nested sequence) as a Tensor, sharing its memory
    when it can (``copy=None``), always copying (``copy=True``) or never (``copy=False``: a ValueError when a
    copy would be needed). A Tensor that needs no change comes back as the same object."""
    np_dtype = to_numpy_dtype(dtype)
    dev = backend.Device(device) if device is not None else None
    if isinstance(obj, Tensor):
        same = ((np_dtype is None or np_dtype == obj.array.dtype)
                and (dev is None or backend.same_device(dev, obj.device)))
        if copy is False and not same:
            raise ValueError(f"can't alias tensor with dtype '{obj.dtype}' into dtype '{as_dtype(np_dtype)}'.")
        out = obj if same and not copy else obj.detach().to(device=dev, dtype=np_dtype, copy=bool(copy))
    elif hasattr(obj, "__array_interface__") or backend.is_device_array(obj) or hasattr(obj, "__dlpack__"):
        arr = obj if hasattr(obj, "dtype") else np.asarray(obj)
        if isinstance(arr, np.generic):
            arr = np.asarray(arr)
        if copy is False and ((np_dtype is not None and np_dtype != arr.dtype) or (
                dev is not None and not backend.same_device(dev, backend.device_of(arr)))):
            raise ValueError(f"can't alias array with dtype '{arr.dtype}' into dtype '{np_dtype}'.")
        arr = backend.get_array_module(arr).array(arr, dtype=np_dtype, copy=True) if copy else (
            arr if np_dtype is None or np_dtype == arr.dtype else arr.astype(np_dtype))
        out = Tensor(backend.to_device(arr, dev) if dev is not None else arr)
    elif isinstance(obj, (bytes, bytearray, memoryview)):
        view = np.frombuffer(obj, dtype=np.uint8 if np_dtype is None else np_dtype)
        out = Tensor(view.copy() if copy else view)
    else:
        if copy is False:
            raise ValueError("can't alias arbitrary sequence into a tensor.")
        out = tensor(obj, dtype=dtype, device=device)
    if requires_grad and not out.requires_grad:
        out.requires_grad_(True)
    return out


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-D tensor over the bytes of ``buffer`` (an object with the buffer protocol), sharing its memory:
    ``count`` elements (-1: all) of ``dtype`` starting ``offset`` bytes in."""
    np_dtype = to_numpy_dtype(dtype)
    if np_dtype is None:
        raise TypeError("frombuffer(): argument 'dtype' must be minidl.dtype, not None")
    view = memoryview(buffer).cast("B")
    length, size = len(view), np_dtype.itemsize
    if length <= 0 and count in (0, -1) or count == 0:
        raise ValueError(f"both buffer length ({length}) and count ({count}) must not be 0")
    if not 0 <= offset < length:
        raise ValueError(f"offset ({offset} bytes) must be non-negative and no greater than buffer length "
                         f"({length} bytes) minus 1")
    if count < 0:
        if (length - offset) % size:
            raise ValueError(f"buffer length ({length - offset} bytes) after offset ({offset} bytes) must be a "
                             f"multiple of element size ({size})")
        count = (length - offset) // size
    elif offset + count * size > length:
        raise ValueError(f"requested buffer length ({count} * {size} bytes) after offset ({offset} bytes) must "
                         f"not be greater than actual buffer length ({length} bytes)")
    if view.readonly:
        warnings.warn("The given buffer is not writable: minidl's tensor over it is read-only; copy the buffer "
                      "(or make it writable) to write into the tensor.", UserWarning, stacklevel=2)
    arr = np.frombuffer(view, dtype=np_dtype, count=count, offset=offset)
    return Tensor(arr, requires_grad=requires_grad)


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, pin_memory=False, requires_grad=False):
    """An uninitialised tensor of ``size`` whose elements are ``stride`` elements apart along each dim
    (the memory spans exactly what those strides reach, as PyTorch's)."""
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError(f"dimensionality of sizes ({len(size)}) must match dimensionality of strides "
                           f"({len(stride)})")
    if any(s < 0 for s in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(size)}")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"empty_strided: strides must be non-negative, got {list(stride)}")
    np_dtype = to_numpy_dtype(dtype) or default_float()
    dev = backend.device_or_default(device)
    if dev.type == "meta":   # no memory: the strides only
        from .meta_array import MetaArray
        byte_strides = tuple(s * np_dtype.itemsize for s in stride)
        return Tensor(MetaArray(size, np_dtype, strides=byte_strides), requires_grad=requires_grad)
    xp = dev.xp
    span = 0 if 0 in size else 1 + builtins.sum((n - 1) * s for n, s in zip(size, stride))
    flat = xp.zeros(span, dtype=np_dtype)
    itemsize = np_dtype.itemsize
    arr = xp.lib.stride_tricks.as_strided(flat, size, tuple(s * itemsize for s in stride))
    return Tensor(arr, requires_grad=requires_grad)


def scalar_tensor(s, *, dtype=None, layout=None, device=None, pin_memory=False):
    """A 0-d tensor holding the number ``s`` (the default float dtype unless ``dtype`` says otherwise)."""
    if hasattr(s, "item"):
        s = s.item()
    if not isinstance(s, numbers.Number):
        raise TypeError(f"scalar_tensor(): argument 's' must be Number, not {type(s).__name__}")
    return tensor(s, dtype=dtype if dtype is not None else (
        as_dtype(_scalar_dtype(1j)) if isinstance(s, complex) else as_dtype(default_float())), device=device)


def range(start=0, end=None, step=1, *, dtype=None, layout=None, device=None, pin_memory=False,  # noqa: A001
          requires_grad=False):
    """Deprecated (as PyTorch's, with its UserWarning): values from ``start`` to ``end`` *inclusive* by
    ``step``, in the default float dtype unless ``dtype`` says otherwise. Use :func:`minidl.arange`."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values "
                  "in [start, end).", UserWarning, stacklevel=2)
    if end is None:
        start, end = 0, start
    lo, hi, st = (float(v.item() if hasattr(v, "item") else v) for v in (start, end, step))
    if st == 0:
        raise RuntimeError("step must be nonzero")
    if (hi - lo) * st < 0 and hi != lo:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    count = int(math.floor((hi - lo) / st)) + 1
    np_dtype = to_numpy_dtype(dtype) or default_float()
    data = (lo + np.arange(count, dtype=np.float64) * st).astype(np_dtype)
    dev = backend.device_or_default(device)
    return Tensor(backend.to_device(data, dev) if dev.type != "cpu" else data, requires_grad=requires_grad)


def frexp(input):
    """``(mantissa, exponent)`` with ``input = mantissa * 2**exponent`` and 0.5 <= |mantissa| < 1 (0 for 0):
    a ``minidl.return_types.frexp``; the exponent is int32. Floating-point tensors only."""
    if not isinstance(input, Tensor):
        raise TypeError(f"frexp(): argument 'input' must be Tensor, not {type(input).__name__}")
    if not is_floating(input.array.dtype):
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    mantissa, exponent = input.xp.frexp(input.array)
    if input.requires_grad:   # the mantissa is input * 2**-exponent: differentiable, as PyTorch's
        from .autograd.naming import name_grad_fn
        from .ops.math import mul
        scale = input.xp.ldexp(input.xp.ones((), input.array.dtype), -exponent).astype(input.array.dtype)
        mantissa = name_grad_fn(mul(input, Tensor(scale)), "FrexpBackward0")
    else:
        mantissa = Tensor(mantissa)
    return return_types.frexp(mantissa, Tensor(exponent.astype(np.int32)))


def msort(input):
    """``input`` sorted along dim 0 (the values of ``sort(input, dim=0)``; differentiable)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"msort(): argument 'input' must be Tensor, not {type(input).__name__}")
    return input.sort(dim=0)[0]
