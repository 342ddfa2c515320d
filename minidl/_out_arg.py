"""The ``out=`` argument of PyTorch's module-level functions (``torch.matmul(a, b, out=c)``)."""
from __future__ import annotations

import functools
import warnings

import numpy as np

from .autograd import is_grad_enabled, no_grad
from .tensor import Tensor

__all__ = ["with_out"]


def _tensors(values):
    """Every Tensor in ``values``, looking inside lists and tuples (``cat([a, b])``)."""
    for value in values:
        if isinstance(value, Tensor):
            yield value
        elif isinstance(value, (list, tuple)):
            yield from _tensors(value)


def with_out(fn, name=None):
    """``fn`` with a keyword ``out=`` as PyTorch's: the result is written into ``out`` and ``out`` returned.

    As in PyTorch: ``out`` is resized to the result's shape (with a UserWarning
    when it held elements), the result must cast to ``out``'s dtype under
    same-kind rules, and no argument may require grad while grad mode is on.
    """
    name = name or fn.__name__

    @functools.wraps(fn)
    def wrapper(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        if not isinstance(out, Tensor):
            raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
        if is_grad_enabled() and any(t.requires_grad for t in _tensors((out, *args, *kwargs.values()))):
            raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                               "differentiation, but one of the arguments requires grad.")
        with no_grad():
            result = fn(*args, **kwargs)
        if not np.can_cast(result.array.dtype, out.array.dtype, casting="same_kind"):
            from .linalg_ex import type_name  # PyTorch's texts name C++ types ("Double", "Long")
            raise RuntimeError(f"result type {type_name(result.array.dtype)} can't be cast to the desired output "
                               f"type {type_name(out.array.dtype)}")
        if tuple(out.array.shape) != tuple(result.array.shape):
            if out.array.size:
                warnings.warn(f"{name}(): an output with one or more elements was resized since it had shape "
                              f"{list(out.array.shape)}, which does not match the required output shape "
                              f"{list(result.array.shape)}", UserWarning, stacklevel=2)
            out.array = out.xp.empty(result.array.shape, dtype=out.array.dtype)
        with no_grad():
            out.copy_(result)
        return out

    return wrapper
