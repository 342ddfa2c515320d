"""The ``out=`` argument of PyTorch's factory functions (``torch.rand(2, 2, out=c)``, ``torch.arange(5, out=c)``).

A factory given ``out`` makes its values in ``out``'s dtype and on ``out``'s device (a ``dtype=`` that differs is
an error, as in PyTorch), resizes ``out`` to the requested shape if needed (silently, as PyTorch's factories do)
and returns ``out`` itself.
"""
from __future__ import annotations

import functools

from .autograd import is_grad_enabled, no_grad
from .dtypes import to_numpy_dtype
from .tensor import Tensor

__all__ = ["factory_out"]


def factory_out(fn):
    """``fn`` (a factory taking ``dtype=`` and ``device=``) with PyTorch's ``out=`` semantics."""
    name = fn.__name__

    @functools.wraps(fn)
    def wrapper(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        if not isinstance(out, Tensor):
            raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
        dtype = kwargs.pop("dtype", None)
        if dtype is not None and to_numpy_dtype(dtype) != out.array.dtype:
            raise RuntimeError(f"{name}(): dtype {dtype} does not match dtype of out parameter ({out.dtype})")
        if is_grad_enabled() and (out.requires_grad or kwargs.get("requires_grad")):
            raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                               "differentiation, but one of the arguments requires grad.")
        kwargs.pop("requires_grad", None)
        kwargs["device"] = out.device
        result = fn(*args, dtype=out.dtype, **kwargs)
        with no_grad():
            if tuple(out.array.shape) != tuple(result.array.shape):
                out.array = out.xp.empty(result.array.shape, dtype=out.array.dtype)
            out.copy_(result)
        return out

    return wrapper
