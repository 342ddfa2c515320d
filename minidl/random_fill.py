"""The random draws behind ``Tensor.uniform_``/``normal_`` and ``nn.init``, laid out as PyTorch's fills lay them out.

PyTorch's in-place samplers walk a tensor in memory order (a transposed
weight gets its values column by column), take the vectorised normal path
only for a contiguous tensor, fill a complex tensor through its real view
(the normal's std divided by sqrt(2)), and refuse integer and bool tensors
naming the kernel that refused. These helpers draw with :mod:`minidl.mt19937`
in that order and return NumPy arrays in the tensor's logical layout.
"""
from __future__ import annotations

import math

import numpy as np

from minidl import mt19937

__all__ = ["refuse_non_float", "torch_scalar_name", "memory_layout", "uniform_values", "normal_values",
           "check_uniform_bounds", "check_normal_std"]

_SCALAR_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
                 "float16": "Half", "bfloat16": "BFloat16", "float32": "Float", "float64": "Double",
                 "complex64": "ComplexFloat", "complex128": "ComplexDouble", "uint16": "UInt16",
                 "uint32": "UInt32", "uint64": "UInt64"}


def torch_scalar_name(dtype) -> str:
    """PyTorch's name of ``dtype`` in its kernel errors (int64: 'Long', float16: 'Half', ...)."""
    name = np.dtype(dtype).name
    return _SCALAR_NAMES.get(name, name)


def refuse_non_float(kernel: str, dtype) -> None:
    """NotImplementedError for an integer or bool ``dtype``, worded as PyTorch's ``kernel`` refusal."""
    dtype = np.dtype(dtype)
    if dtype.kind not in "fc" and dtype.name != "bfloat16":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{torch_scalar_name(dtype)}'")


def _cpp(x) -> str:
    """``x`` as C++'s default stream formatting prints a double (6 significant digits: 2, -1, 0.5)."""
    return f"{float(x):g}"


def check_uniform_bounds(a, b) -> None:
    """RuntimeError when ``a > b`` (PyTorch's uniform_ check)."""
    if float(a) > float(b):
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={_cpp(a)} > to={_cpp(b)}")


def check_normal_std(std) -> None:
    """RuntimeError for a negative ``std`` (PyTorch's normal_ check)."""
    if float(std) < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_cpp(std)}")


def memory_layout(array):
    """``(shape, restore, contiguous)``: the shape in memory order, the axes that put values drawn in that
    shape back in logical order, and whether ``array`` is C-contiguous (PyTorch's vectorised-normal test)."""
    order = sorted(range(array.ndim), key=lambda i: -array.strides[i])    # stable: outermost first
    shape = tuple(array.shape[i] for i in order)
    return shape, tuple(np.argsort(order)), bool(array.flags.c_contiguous)


def _real(dtype):
    dtype = np.dtype(dtype)
    return np.dtype(np.float32 if dtype == np.complex64 else np.float64) if dtype.kind == "c" else dtype


def _draw(array, sample):
    """``sample(shape, dtype, contiguous)`` in ``array``'s memory order, returned in its logical layout."""
    shape, restore, contiguous = memory_layout(array)
    if array.dtype.kind == "c":
        pairs = sample(shape + (2,), _real(array.dtype), contiguous)
        values = (pairs[..., 0] + 1j * pairs[..., 1]).astype(array.dtype)
    else:
        values = sample(shape, array.dtype, contiguous)
    return np.transpose(values, restore)


def uniform_values(array, gen, a=0.0, b=1.0):
    """U(a, b) values for ``array`` (PyTorch's numbers and order); errors as ``Tensor.uniform_``."""
    refuse_non_float("check_uniform_bounds", array.dtype)
    check_uniform_bounds(a, b)
    return _draw(array, lambda shape, dtype, contiguous: mt19937.uniform(gen, shape, dtype, float(a), float(b)))


def normal_values(array, gen, mean=0.0, std=1.0):
    """N(mean, std**2) values for ``array`` (PyTorch's numbers and order); errors as ``Tensor.normal_``."""
    check_normal_std(std)
    refuse_non_float("normal_kernel_cpu", array.dtype)
    if array.dtype.kind == "c":
        std = float(std) / math.sqrt(2.0)
    return _draw(array, lambda shape, dtype, contiguous: mt19937.normal(gen, shape, dtype, float(mean), float(std),
                                                                        contiguous))
