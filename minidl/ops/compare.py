"""Comparisons and logical ops: bool (or integer) tensors outside the graph, as in PyTorch.

None of these is differentiable, so they work on the arrays directly and
return tensors that do not require grad.
"""
from __future__ import annotations

import operator

import numpy as np

from ..backend import DeviceError, get_array_module
from ..tensor import Tensor
from .complex_conj import refuse_complex

__all__ = ["eq", "ne", "lt", "le", "gt", "ge", "equal", "allclose", "isclose", "isnan", "isfinite", "isinf",
           "logical_not", "logical_and", "logical_or", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not"]


def _raw(value, like, name):
    """The array or number behind ``value``, on ``like``'s device."""
    if isinstance(value, Tensor):
        if type(value.array) is not type(like.array) and value.array.ndim:
            raise DeviceError(f"{name}: tensors are on different devices ({like.device} and {value.device})")
        return value.array
    if isinstance(value, (list, tuple)):
        return get_array_module(like.array).asarray(value)
    return value


def _compare(op, name, a, b):
    if op in _ORDERINGS:
        refuse_complex(f'"{name}_cpu" not implemented for \'{{type}}\'', a, b)
    if not isinstance(a, Tensor):  # reflected: number < tensor
        a, b = b, a
        op = {operator.lt: operator.gt, operator.gt: operator.lt,
              operator.le: operator.ge, operator.ge: operator.le}.get(op, op)
    other = _raw(b, a, name)
    if isinstance(other, int) and not isinstance(other, bool) and a.array.dtype.kind in "iu":
        other = np.asarray(other).astype(a.array.dtype)   # PyTorch converts the number to the tensor's dtype
    try:
        return Tensor(op(a.array, other))
    except ValueError:
        raise RuntimeError(f"{name}: shapes {tuple(a.array.shape)} and {tuple(np.shape(other))} cannot be "
                           f"broadcast together") from None


_ORDERINGS = (operator.lt, operator.le, operator.gt, operator.ge)


def eq(input, other):
    """``input == other`` elementwise, a bool tensor (``== None`` is False, as in PyTorch)."""
    if other is None:
        return False
    return _compare(operator.eq, "eq", input, other)


def ne(input, other):
    """``input != other`` elementwise, a bool tensor (``!= None`` is True)."""
    if other is None:
        return True
    return _compare(operator.ne, "ne", input, other)


def lt(input, other):
    """``input < other`` elementwise, a bool tensor."""
    return _compare(operator.lt, "lt", input, other)


def le(input, other):
    """``input <= other`` elementwise, a bool tensor."""
    return _compare(operator.le, "le", input, other)


def gt(input, other):
    """``input > other`` elementwise, a bool tensor."""
    return _compare(operator.gt, "gt", input, other)


def ge(input, other):
    """``input >= other`` elementwise, a bool tensor."""
    return _compare(operator.ge, "ge", input, other)


def equal(input, other):
    """True when both tensors have the same shape and the same elements (a Python bool)."""
    if tuple(input.shape) != tuple(other.shape):
        return False
    return bool((input.array == _raw(other, input, "equal")).all())


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """``|input - other| <= atol + rtol * |other|`` elementwise, a bool tensor (same dtypes, as PyTorch)."""
    xp = get_array_module(input.array)
    if isinstance(other, Tensor) and other.array.dtype != input.array.dtype:
        from .kernel_guards import torch_name
        raise RuntimeError(f"{torch_name(input.array.dtype)} did not match {torch_name(other.array.dtype)}")
    return Tensor(xp.isclose(input.array, _raw(other, input, "isclose"), rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when :func:`isclose` holds everywhere (a Python bool)."""
    return bool(isclose(input, other, rtol, atol, equal_nan).array.all())


def isnan(input):
    """Elementwise NaN test, a bool tensor."""
    return Tensor(get_array_module(input.array).isnan(input.array))


def isinf(input):
    """Elementwise infinity test, a bool tensor."""
    return Tensor(get_array_module(input.array).isinf(input.array))


def isfinite(input):
    """Elementwise finiteness test, a bool tensor."""
    return Tensor(get_array_module(input.array).isfinite(input.array))


def logical_not(input):
    """Elementwise logical not, a bool tensor."""
    return Tensor(get_array_module(input.array).logical_not(input.array))


def logical_and(input, other):
    """Elementwise logical and, a bool tensor."""
    return Tensor(get_array_module(input.array).logical_and(input.array, _raw(other, input, "logical_and")))


def logical_or(input, other):
    """Elementwise logical or, a bool tensor."""
    return Tensor(get_array_module(input.array).logical_or(input.array, _raw(other, input, "logical_or")))


def _bitwise(op, name, a, b):
    """``op`` on PyTorch's promoted dtype (a Python int wraps into it, as PyTorch's do); float and
    complex results are not implemented, with PyTorch's error."""
    from ..dtypes import result_type
    from ..tensor_inplace import _torch_name
    if not isinstance(a, Tensor):
        a, b = b, a
    target = np.dtype(result_type(a, b))
    if target.kind not in "iub":
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_torch_name(target)}'")
    other = _raw(b, a, name)
    xp = get_array_module(a.array)
    other = other.astype(target, copy=False) if hasattr(other, "astype") else xp.asarray(other).astype(target)
    return Tensor(op(a.array.astype(target, copy=False), other))


def bitwise_and(input, other):
    """``input & other`` (logical and for bool tensors)."""
    return _bitwise(operator.and_, "bitwise_and", input, other)


def bitwise_or(input, other):
    """``input | other`` (logical or for bool tensors)."""
    return _bitwise(operator.or_, "bitwise_or", input, other)


def bitwise_xor(input, other):
    """``input ^ other`` (logical xor for bool tensors)."""
    return _bitwise(operator.xor, "bitwise_xor", input, other)


def bitwise_not(input):
    """``~input`` for integer tensors (logical not for bool)."""
    if input.array.dtype.kind not in "iub":
        from .kernel_guards import torch_name
        raise NotImplementedError(f"\"bitwise_not_cpu\" not implemented for '{torch_name(input.array.dtype)}'")
    return Tensor(~input.array)
