"""The ``out=`` keyword of ``minidl.linalg``'s functions, with PyTorch's checks and texts.

As PyTorch's: a one-result function takes a Tensor, a several-result one a
tuple (or list) of Tensors; no argument may require grad while grad mode is
on; most functions want each ``out`` of exactly the result's dtype (a few only
one the result casts to, same kind, and ``matrix_rank`` any); an ``out`` of
another shape is resized, with PyTorch's UserWarning when it held elements.
The ``out`` tensors are returned (a tuple result as its named tuple of them).
"""
from __future__ import annotations

import functools
import warnings

import numpy as np

from ._out_arg import _tensors
from .autograd import is_grad_enabled, no_grad
from .tensor import Tensor

__all__ = ["linalg_out", "input_alias"]

_C_NAMES = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int", "int16": "short int",
            "int8": "signed char", "uint8": "unsigned char", "bool": "bool", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16", "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}


def _c_name(dtype):
    return _C_NAMES.get(np.dtype(dtype).name, np.dtype(dtype).name)


def _exact(name, result, target):
    return f"Expected out tensor to have dtype {_c_name(result)}, but got {_c_name(target)} instead"


def _castable(name, result, target, what="result"):
    from .linalg_ex import type_name
    return f"{name}: Expected {what} to be safely castable from {type_name(result)} dtype, but got {what} with " \
           f"dtype {type_name(target)}"


def _norm_style(name, result, target):
    from .linalg_ex import type_name
    return f"{name} expected out tensor dtype {type_name(result)} but got: {type_name(target)}"


def _multi_dot_style(name, result, target):
    return f"multi_dot(): expected out tensor to have dtype {_c_name(result)} but got {_c_name(target)}"


def _vecdot_style(name, result, target):
    from .linalg_ex import type_name
    return f"linalg.vecdot: Expected out of dtype{type_name(result)} but found {type_name(target)}"


def _scalar_type_style(name, result, target):
    from .linalg_ex import type_name
    return f"expected scalar type {type_name(result)} but found {type_name(target)}"


_EXACT_STYLES = {"exact": _exact, "norm": _norm_style, "multi_dot": _multi_dot_style, "vecdot": _vecdot_style,
                 "scalar_type": _scalar_type_style}


def _write(target, value, name):
    if tuple(target.array.shape) != tuple(value.array.shape):
        if target.array.size:
            warnings.warn(f"An output with one or more elements was resized since it had shape "
                          f"{list(target.array.shape)}, which does not match the required output shape "
                          f"{list(value.array.shape)}. This behavior is deprecated, and in a future PyTorch release "
                          f"outputs will not be resized unless they have zero elements. You can explicitly reuse an "
                          f"out tensor t by resizing it, inplace, to zero elements with t.resize_(0).", UserWarning,
                          stacklevel=3)
        target.array = target.xp.asarray(value.array).astype(target.array.dtype)
        return
    with no_grad():
        target.copy_(value)


def _aliased(fn, args, kwargs):
    """``args`` with the first argument moved from an ``input=``/``x=``/``A=`` keyword (PyTorch's binding accepts
    ``input`` where its documentation says ``A``; minidl takes either)."""
    first = getattr(fn, "_first_param", None)
    if first is None:
        import inspect
        params = list(inspect.signature(fn).parameters)
        first = fn._first_param = params[0] if params else ""
    if args or first in kwargs:
        return args, kwargs
    for alias in ("input", "A", "x"):
        if alias != first and alias in kwargs:
            kwargs = dict(kwargs)
            return (kwargs.pop(alias),), kwargs
    return args, kwargs


def input_alias(fn):
    """``fn`` taking its first argument as ``input=``, ``A=`` or ``x=`` too."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        args, kwargs = _aliased(fn, args, kwargs)
        return fn(*args, **kwargs)

    return wrapper


def linalg_out(fn, grad_name, check="exact", check_name=None):
    """``fn`` with PyTorch's ``out=``: ``grad_name`` names the op in the requires-grad error, ``check`` is the dtype
    rule ("exact" or another style of it,
    "castable", "castable_exact", "eig" or None) and ``check_name`` the prefix its message uses."""

    @functools.wraps(fn)
    def wrapper(*args, out=None, **kwargs):
        args, kwargs = _aliased(fn, args, kwargs)
        if out is None:
            return fn(*args, **kwargs)
        if is_grad_enabled() and any(t.requires_grad for t in _tensors((*args, *kwargs.values()))):
            raise RuntimeError(f"{grad_name}(): functions with out=... arguments don't support automatic "
                               f"differentiation, but one of the arguments requires grad.")
        with no_grad():
            result = fn(*args, **kwargs)
        several = isinstance(result, tuple)
        if several:
            if isinstance(out, Tensor) or not isinstance(out, (tuple, list)):
                raise TypeError(f"linalg_{fn.__name__}(): argument 'out' must be tuple of Tensors, not "
                                f"{type(out).__name__}")
            if len(out) != len(result):
                raise TypeError(f"{grad_name}(): argument 'out' must be a tuple of {len(result)} Tensors, got "
                                f"{len(out)}")
            pairs = list(zip(out, result))
        else:
            if not isinstance(out, Tensor):
                raise TypeError(f"{grad_name}(): argument 'out' must be Tensor, not {type(out).__name__}")
            pairs = [(out, result)]
        for target, value in pairs:
            if not isinstance(target, Tensor):
                raise TypeError(f"{grad_name}(): argument 'out' must be tuple of Tensors, not "
                                f"{type(target).__name__}")
            have, want = target.array.dtype, value.array.dtype
            if check in ("castable", "castable_exact", "eig") and not np.can_cast(want, have, casting="same_kind"):
                raise RuntimeError(_castable(check_name, want, have, "eigenvalues" if check == "eig" else "result"))
            style = _EXACT_STYLES.get("exact" if check == "castable_exact" else check)
            if style is not None and have != want:
                raise RuntimeError(style(check_name, want, have))
        for target, value in pairs:
            _write(target, value, grad_name)
        return type(result)(*out) if several else out

    return wrapper
