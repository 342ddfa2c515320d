"""Tensor creation functions with PyTorch's signatures: ``zeros``, ``full``, ``randn``, ``arange``, ``eye``, ...

Sizes are given as varargs or one tuple (``zeros(2, 3)`` or ``zeros((2, 3))``,
or ``size=``); every function takes ``dtype=``, ``device=`` and
``requires_grad=``. The default dtype is :func:`minidl.get_default_dtype`
(float32 unless changed; int64 for ``randint``, ``randperm`` and integer
``arange``). Random values come from minidl's
seeded generator (:func:`minidl.manual_seed`), drawn on the CPU and moved, so
the same seed gives the same values on every device.
"""
from __future__ import annotations

import builtins
import math
import numbers

import numpy as np

from minidl.dtypes import is_floating

from . import backend, mt19937
from ._creation_out import factory_out
from .dtypes import _scalar_dtype, default_float, to_numpy_dtype
from .tensor import Tensor

__all__ = ["zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like", "full_like", "rand",
           "randn", "rand_like", "randn_like", "randint", "randperm", "arange", "linspace", "logspace", "eye",
           "from_numpy"]


def _size_arg(size):
    """Varargs sizes or one tuple/list/Size as a tuple of ints."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    try:
        out = tuple(int(s.__index__()) if not isinstance(s, builtins.int) else s for s in size)
    except (AttributeError, TypeError):
        raise TypeError(f"size must be a sequence of ints, got {size!r}") from None
    if any(s < 0 for s in out):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(out)}")
    return out


def _finish(array, device, requires_grad):
    dev = backend.device_or_default(device)
    if dev.type != "cpu":
        array = backend.to_device(array, dev)
    return Tensor(array, requires_grad=requires_grad)


def _filled(fill, size, kwargs, name):
    """Shared body of zeros/ones/empty: ``fill(xp, shape, np_dtype)`` on the requested device."""
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    requires_grad = kwargs.pop("requires_grad", False)
    if "size" in kwargs:
        size = (kwargs.pop("size"),)
    memory_format = kwargs.pop("memory_format", None) if name == "empty" else None   # only empty takes one
    for ignored in ("out", "layout", "pin_memory"):
        kwargs.pop(ignored, None)
    if kwargs:
        raise TypeError(f"{name}() got unexpected keyword arguments {sorted(kwargs)}")
    dev = backend.device_or_default(device)
    data = fill(dev.xp, _size_arg(size), to_numpy_dtype(dtype) or default_float())
    if memory_format is not None:   # torch.empty(N, C, H, W, memory_format=torch.channels_last)
        from .tensor_layout import check_format, relayout
        if check_format(memory_format)._name == "preserve_format":
            raise RuntimeError("unsupported memory format Preserve")
        data = relayout(data, memory_format)
    return Tensor(data, requires_grad=requires_grad)


@factory_out
def zeros(*size, **kwargs):
    """A tensor of zeros. ``zeros(*size, dtype=None, device=None, requires_grad=False)``."""
    return _filled(lambda xp, s, d: xp.zeros(s, dtype=d), size, kwargs, "zeros")


@factory_out
def ones(*size, **kwargs):
    """A tensor of ones. ``ones(*size, dtype=None, device=None, requires_grad=False)``."""
    return _filled(lambda xp, s, d: xp.ones(s, dtype=d), size, kwargs, "ones")


@factory_out
def empty(*size, **kwargs):
    """An uninitialised tensor. ``empty(*size, dtype=None, device=None, requires_grad=False)``."""
    return _filled(lambda xp, s, d: xp.empty(s, dtype=d), size, kwargs, "empty")


@factory_out
def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, out=None, layout=None,
         pin_memory=False):
    """``fill_value`` everywhere; the dtype follows the value (bool, int64, the default float) unless given."""
    if dtype is None:
        dtype = _scalar_dtype(fill_value.item() if hasattr(fill_value, "item") else fill_value)
    np_dtype = to_numpy_dtype(dtype)
    dev = backend.device_or_default(device)
    size = _size_arg((size,) if not isinstance(size, numbers.Integral) else (size,))
    return Tensor(dev.xp.full(size, fill_value, dtype=np_dtype), requires_grad=requires_grad)


def _like(input, dtype, device):
    np_dtype = to_numpy_dtype(dtype) or input.array.dtype
    dev = backend.Device(device) if device is not None else input.device
    return tuple(input.array.shape), np_dtype, dev


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    """Zeros with ``input``'s shape, and its dtype and device unless given."""
    shape, d, dev = _like(input, dtype, device)
    return Tensor(_laid_out(dev.xp.zeros(shape, dtype=d), input, memory_format), requires_grad=requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    """Ones with ``input``'s shape, and its dtype and device unless given."""
    shape, d, dev = _like(input, dtype, device)
    return Tensor(_laid_out(dev.xp.ones(shape, dtype=d), input, memory_format), requires_grad=requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    """An uninitialised tensor with ``input``'s shape, and its dtype and device unless given."""
    shape, d, dev = _like(input, dtype, device)
    return Tensor(_laid_out(dev.xp.empty(shape, dtype=d), input, memory_format), requires_grad=requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, layout=None,
              memory_format=None):
    """``fill_value`` everywhere, with ``input``'s shape, and its dtype and device unless given."""
    shape, d, dev = _like(input, dtype, device)
    return Tensor(_laid_out(dev.xp.full(shape, fill_value, dtype=d), input, memory_format),
                  requires_grad=requires_grad)


def _laid_out(array, input, memory_format):
    """``array`` with the strides PyTorch gives a ``*_like`` result (see :func:`minidl.tensor_layout.laid_out_like`)."""
    from .tensor_layout import laid_out_like
    return laid_out_like(array, input.array, memory_format)


def _random(draw, size, dtype, device, requires_grad, name):
    """``draw(shape, np_dtype)`` (a NumPy array) as a new Tensor of a floating ``dtype`` on ``device``."""
    np_dtype = to_numpy_dtype(dtype) or default_float()
    if np_dtype.kind == "c":   # PyTorch's: real and imaginary parts drawn in turn (randn: each of variance 1/2)
        from .ops.complex import complex_random
        return _finish(complex_random(draw, _size_arg(size), np_dtype, name), device, requires_grad)
    if not is_floating(np_dtype):
        raise RuntimeError(f"{name}: expected a floating point dtype, got {np_dtype}")
    if backend.device_or_default(device).type == "meta":   # nothing drawn (as PyTorch: no data, no RNG use)
        return Tensor(backend.META.xp.empty(_size_arg(size), dtype=np_dtype), requires_grad=requires_grad)
    return _finish(draw(_size_arg(size), np_dtype), device, requires_grad)


def _stream(generator):
    """The NumPy Generator to draw from: ``generator``'s, or minidl's current one."""
    from .generator import as_numpy_generator
    return as_numpy_generator(generator)


def _size_keyword(name, size, size_kw):
    """The shape given positionally or as ``size=`` (``torch.rand(size=(2, 3))``), not both."""
    if not size_kw:
        return size
    unknown = sorted(set(size_kw) - {"size"})
    if unknown:
        raise TypeError(f"{name}() got an unexpected keyword argument '{unknown[0]}'")
    if size:
        got = ", ".join(type(v).__name__ for v in size)
        raise TypeError(f"{name}() received an invalid combination of arguments - got ({got}, size=tuple), but "
                        "expected one of: (tuple of ints size, ...)")
    return (size_kw["size"],)


@factory_out
def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None, layout=None,
         pin_memory=False, **size_kw):
    """Uniform samples from [0, 1), PyTorch's for the same seed (see :mod:`minidl.mt19937`)."""
    size = _size_keyword("rand", size, size_kw)
    stream = _stream(generator)
    return _random(lambda s, d: mt19937.uniform(stream, s, d), size, dtype, device, requires_grad, "rand")


@factory_out
def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None, layout=None,
          pin_memory=False, **size_kw):
    """Standard-normal samples, PyTorch's for the same seed up to float32 rounding (see :mod:`minidl.mt19937`)."""
    size = _size_keyword("randn", size, size_kw)
    stream = _stream(generator)
    return _random(lambda s, d: mt19937.normal(stream, s, d), size, dtype, device, requires_grad, "randn")


def rand_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None, generator=None):
    """Uniform [0, 1) samples with ``input``'s shape, dtype and device (unless given)."""
    shape, d, dev = _like(input, dtype, device)
    return rand(shape, dtype=d, device=dev, requires_grad=requires_grad, generator=generator)


def randn_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None, generator=None):
    """Standard-normal samples with ``input``'s shape, dtype and device (unless given)."""
    shape, d, dev = _like(input, dtype, device)
    return randn(shape, dtype=d, device=dev, requires_grad=requires_grad, generator=generator)


@factory_out
def randint(*args, size=None, generator=None, dtype=None, device=None, requires_grad=False, out=None,
            layout=None, pin_memory=False, low=None, high=None):
    """Integers uniform in [low, high): ``randint(high, size)`` or ``randint(low, high, size)`` (each also a
    keyword); int64."""
    args = list(args)
    if high is not None:   # randint(low=0, high=5, size=(3,)), randint(0, high=5, ...)
        args = [0 if low is None else low, high] if not args else [*args, high]
    elif low is not None:
        args = [low, *args]
    if size is None and args and isinstance(args[-1], (tuple, list)):
        size = args.pop()
    if size is None:
        raise TypeError("randint() missing 1 required positional argument: 'size'")
    if len(args) == 1:
        low, high = 0, args[0]
    elif len(args) == 2:
        low, high = args
    else:
        raise TypeError("randint() takes (high, size) or (low, high, size)")
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    np_dtype = to_numpy_dtype(dtype) or np.dtype(np.int64)
    if backend.device_or_default(device).type == "meta":
        return Tensor(backend.META.xp.empty(_size_arg((size,)), dtype=np_dtype), requires_grad=requires_grad)
    data = mt19937.integers(_stream(generator), _size_arg((size,)), int(low), int(high), np_dtype)
    return _finish(data, device, requires_grad)


@factory_out
def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False, out=None, layout=None,
             pin_memory=False):
    """A random permutation of 0..n-1 (int64 by default), PyTorch's for the same seed."""
    np_dtype = to_numpy_dtype(dtype) or np.dtype(np.int64)
    if int(n) < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {int(n)}: [{int(n)}]")
    return _finish(mt19937.permutation(_stream(generator), int(n)).astype(np_dtype), device, requires_grad)


@factory_out
def arange(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    """Values from ``start`` up to (not including) ``end`` by ``step``; int64 if all are ints, else the
    default float dtype."""
    if end is None:
        start, end = 0, start
    values = [v.item() if hasattr(v, "item") else v for v in (start, end, step)]
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if dtype is None:
        integral = all(isinstance(v, numbers.Integral) for v in values)
        dtype = np.int64 if integral else default_float()
    np_dtype = to_numpy_dtype(dtype)
    lo, hi, st = values
    if (st > 0 and hi < lo) or (st < 0 and hi > lo):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")   # PyTorch's check
    count = builtins.max(math.ceil((hi - lo) / st), 0)
    data = (lo + np.arange(count, dtype=np.float64) * st) if is_floating(np_dtype) else \
        np.arange(lo, hi, st, dtype=np.int64)
    return _finish(data.astype(np_dtype), device, requires_grad)


@factory_out
def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive (the default float dtype unless given)."""
    if isinstance(start, complex) or isinstance(end, complex):   # complex ends: the default complex dtype
        from .ops.complex import complex_dtype_of
        np_dtype = to_numpy_dtype(dtype) or complex_dtype_of(default_float())
        data = np.linspace(complex(start), complex(end), int(steps), dtype=np.complex128)
        return _finish(data.astype(np_dtype), device, requires_grad)
    np_dtype = to_numpy_dtype(dtype) or default_float()
    return _finish(_linspace_values(start, end, int(steps), np_dtype), device, requires_grad)


def _linspace_values(start, end, steps, np_dtype, cast=True):
    """PyTorch's CPU linspace: ``step = (end - start) / (steps - 1)`` in the output's precision, then element
    ``i`` is ``start + step * i`` below ``steps // 2`` and ``end - step * (steps - 1 - i)`` from there on, each a
    fused multiply-add (rounded once; float32 through float64, float64 through long double). Integer dtypes
    truncate ``start`` and ``end`` first and step in float64. ``cast=False`` leaves the values in the working
    precision (logspace's exponents)."""
    if steps < 0:
        raise RuntimeError(f"linspace(): number of steps must be non-negative, got {steps}")
    start, end = (v.item() if hasattr(v, "item") else v for v in (start, end))
    work = np.dtype(np.float32 if is_floating(np_dtype) and np_dtype.itemsize <= 4 else np.float64)
    wide = np.float64 if work == np.float32 else np.longdouble
    if not is_floating(np_dtype) and np_dtype != np.bool_:
        start, end = builtins.int(start), builtins.int(end)
    first, last = work.type(start), work.type(end)
    finish = (lambda values: values.astype(np_dtype)) if cast else (lambda values: values)
    if steps == 1:
        return finish(np.array([first], dtype=work))
    step = work.type((last - first) / work.type(steps - 1))
    index = np.arange(steps)
    low = wide(step) * index + wide(first)
    high = wide(last) - wide(step) * (steps - 1 - index)
    return finish(np.where(index < steps // 2, low, high).astype(work))


@factory_out
def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False, layout=None):
    """``base ** linspace(start, end, steps)`` (the default float dtype unless given)."""
    np_dtype = to_numpy_dtype(dtype) or default_float()
    exponents = _linspace_values(start, end, int(steps), np_dtype, cast=False)
    return _finish(np.power(float(base), exponents.astype(np.float64)).astype(np_dtype), device, requires_grad)


@factory_out
def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    """An ``n`` x ``m`` (square by default) matrix with ones on the diagonal."""
    np_dtype = to_numpy_dtype(dtype) or default_float()
    return _finish(np.eye(int(n), None if m is None else int(m), dtype=np_dtype), device, requires_grad)


def from_numpy(ndarray):
    """A Tensor sharing memory with the NumPy array ``ndarray`` (writes show in both)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    return Tensor(ndarray)
