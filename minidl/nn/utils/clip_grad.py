"""Gradient clipping in place: ``clip_grad_norm_`` and ``clip_grad_value_`` (PyTorch's).

The norms go through :func:`minidl.linalg.vector_norm` (the per-tensor norms,
stacked with type promotion, then their norm), the coefficient is
``max_norm / (total + 1e-6)`` clamped at 1 as Tensor arithmetic, so dtypes and
roundings follow PyTorch's: a float64 gradient anywhere makes the total norm
float64, half-precision norms are accumulated in float32 and rounded once,
a complex gradient's norm is real.
"""
from __future__ import annotations

import math
import types
import warnings

from minidl.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]

# PyTorch's scalar-type names, which its error messages quote.
_SCALAR_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                 "bool": "Bool", "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64"}


def _as_list(tensors):
    """``tensors`` (one Tensor or an iterable of them) as a list."""
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _grads(parameters):
    """The ``.grad`` Tensors of ``parameters`` (a list) that have one."""
    return [p.grad for p in parameters if p.grad is not None]


def _one_norm(t, norm_type, foreach):
    """The ``norm_type``-norm of all of ``t``'s elements, PyTorch's dtype and errors."""
    from minidl import linalg
    dtype = t.array.dtype
    if dtype.kind not in "fc" and dtype.name != "bfloat16":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as input. "
                           f"Got {_SCALAR_NAMES.get(dtype.name, dtype.name)}")
    if t.numel() == 0 and math.isinf(norm_type):
        if norm_type > 0 and foreach is not False:
            raise RuntimeError("_foreach_norm cannot compute the infinity norm on an empty tensor because the "
                               "operation does not have an identity")
        raise RuntimeError(f"linalg.vector_norm cannot compute the {'inf' if norm_type > 0 else '-inf'} norm on "
                           "an empty tensor because the operation does not have an identity")
    if dtype.name in ("float16", "bfloat16"):   # accumulated in float32, rounded once (PyTorch's)
        return linalg.vector_norm(t.float(), norm_type).to(t.dtype)
    return linalg.vector_norm(t, norm_type)


def _total_norm(tensors, norm_type, error_if_nonfinite, foreach):
    """The norm of the norms of ``tensors`` (a list); see :func:`get_total_norm`."""
    import minidl
    norm_type = float(norm_type)
    if not tensors:
        return minidl.tensor(0.0)
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError("Tensors of the first list of nested Tensor lists are supposed to be defined but "
                               f"the {i}-th Tensor is not.")
    with minidl.no_grad():
        norms = [_one_norm(t.detach(), norm_type, foreach) for t in tensors]
        total = _one_norm(minidl.stack(norms), norm_type, foreach)
    if error_if_nonfinite and not bool(minidl.isfinite(total)):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is "
                           "non-finite, so it cannot be clipped. To disable this error and scale the "
                           "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return total


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type``-norm of ``tensors`` (a Tensor or an iterable of them) taken together as one vector.

    Usually the gradients: ``get_total_norm([p.grad for p in params if p.grad is not None])``.
    ``norm_type`` may be ``inf`` (or ``"inf"``); ``foreach`` only picks which of PyTorch's error messages
    an empty tensor's infinity norm raises.

    Returns:
        A 0-d Tensor in the promoted dtype of the tensors (real for complex ones; a 0.0 of the default
        float dtype when ``tensors`` is empty). It does not require grad.

    Raises:
        RuntimeError: for an integer tensor, a None entry, the infinity norm of an empty tensor, or when
            ``error_if_nonfinite`` and the norm is nan or inf.
    """
    return _total_norm(_as_list(tensors), norm_type, error_if_nonfinite, foreach)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale the gradients of ``parameters`` in place by min(1, max_norm / (total_norm + 1e-6)).

    ``total_norm`` is a 0-d Tensor, usually from :func:`get_total_norm` (together
    they are :func:`clip_grad_norm_`, split so that the norm can be reduced
    across processes in between). Without any gradient nothing is checked. Returns None.
    """
    import minidl
    parameters = _as_list(parameters)
    grads = _grads(parameters)
    max_norm = float(max_norm)
    if not grads:
        return None
    coef = max_norm / (total_norm + 1e-6)
    if not isinstance(coef, Tensor):
        raise TypeError(f"clamp() received an invalid combination of arguments - got ({type(coef).__name__}, "
                        "max=float), but expected one of:\n"
                        " * (Tensor input, Tensor min = None, Tensor max = None, *, Tensor out = None)\n"
                        " * (Tensor input, Number min = None, Number max = None, *, Tensor out = None)\n")
    with minidl.no_grad():
        coef = minidl.clamp(coef.detach(), max=1.0)
        if foreach is not False and coef.ndim != 0:
            raise RuntimeError(f"scalar tensor expected to be 0 dim but it has {coef.ndim} dimensions and "
                               f"{coef.numel()} elements.")
        for g in grads:
            g.mul_(coef)
    return None


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale the gradients of ``parameters`` in place so that their joint norm is at most ``max_norm``.

    The total norm is the ``norm_type``-norm of the per-parameter gradient
    norms (``inf`` for the largest absolute value), as if all gradients were
    one vector (:func:`get_total_norm`); every gradient is multiplied by
    min(1, max_norm / (total + 1e-6)) (:func:`clip_grads_with_norm_`).
    Parameters without a gradient are skipped; an empty generator warns.

    Returns:
        The total norm before clipping, a 0-d Tensor (0.0 when no parameter has a gradient).

    Raises:
        RuntimeError: when ``error_if_nonfinite`` and the total norm is nan or inf.
    """
    if not isinstance(parameters, Tensor):
        generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if generator and not parameters:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                          UserWarning, stacklevel=2)
    parameters = _as_list(parameters)
    total = _total_norm(_grads(parameters), norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient of ``parameters`` in place into [-clip_value, clip_value]; returns None.

    Raises:
        RuntimeError: when no parameter has a gradient (PyTorch raises there too).
    """
    import minidl
    parameters = _as_list(parameters)
    clip_value = float(clip_value)
    grads = _grads(parameters)
    if not grads:
        raise RuntimeError("clip_grad_value_(): none of `parameters` has a gradient (got an empty list of "
                           "gradients), as PyTorch refuses too")
    with minidl.no_grad():
        for g in grads:
            g.clamp_(min=-clip_value, max=clip_value)


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Deprecated alias of :func:`clip_grad_norm_` (warns with a FutureWarning), same arguments and result."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
                  FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


__all__ += ["get_total_norm", "clip_grads_with_norm_", "clip_grad_norm"]
