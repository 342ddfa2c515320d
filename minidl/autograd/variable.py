"""``minidl.autograd.Variable``: PyTorch's legacy Variable, which in PyTorch 2 is the Tensor itself.

Scripts from 2017-2019 wrap tensors as ``Variable(t, requires_grad=True)``
and test ``isinstance(x, Variable)``. As in PyTorch 2, ``Variable(t)`` returns
a plain :class:`minidl.Tensor` (a leaf sharing ``t``'s array, cut from any
graph), ``volatile=True`` warns and has no effect (use ``no_grad``), and every
Tensor is an instance of ``Variable``.
"""
from __future__ import annotations

import warnings

__all__ = ["VariableMeta", "Variable"]

_VOLATILE_WARNING = "volatile was removed and now has no effect. Use `with torch.no_grad():` instead."


def _tensor_class():
    from ..tensor import Tensor
    return Tensor


class VariableMeta(type):
    """Makes ``isinstance(x, Variable)`` true for every Tensor, as in PyTorch 2."""

    def __instancecheck__(cls, other):
        return isinstance(other, _tensor_class())


class Variable(metaclass=VariableMeta):
    """``Variable(data=None, requires_grad=False, volatile=False)``: returns a Tensor.

    Args:
        data: a Tensor (any other type raises TypeError); None gives an empty
            float tensor of shape (0,).
        requires_grad: whether the returned leaf requires a gradient (floating
            and complex dtypes only, else RuntimeError).
        volatile: deprecated and ignored (a UserWarning says so); True together
            with ``requires_grad=True`` raises ValueError, as in PyTorch.

    Returns:
        A new leaf :class:`minidl.Tensor` sharing ``data``'s array (no copy).
    """

    def __new__(cls, data=None, requires_grad=False, volatile=False, _grad_fn=None):
        Tensor = _tensor_class()
        if volatile:
            warnings.warn(_VOLATILE_WARNING, UserWarning, stacklevel=2)
            if requires_grad:
                raise ValueError("Variable can't be volatile and require_grad at the same time!")
        if data is None:
            from ..creation import empty
            return empty(0, requires_grad=bool(requires_grad))
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        out = Tensor(data.array, requires_grad=bool(requires_grad))
        return out

