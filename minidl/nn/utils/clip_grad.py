"""Gradient clipping in place: ``clip_grad_norm_`` and ``clip_grad_value_`` (PyTorch's)."""
from __future__ import annotations

import math

import numpy as np

from minidl.backend import get_array_module
from minidl.dtypes import default_float
from minidl.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters):
    """The ``.grad`` arrays of ``parameters`` (a Tensor or an iterable of them) that have one."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad.array for p in parameters if p.grad is not None]


def _vector_norm(xp, array, norm_type):
    a = xp.abs(array.reshape(-1))
    if norm_type == math.inf:
        return a.max() if a.size else xp.zeros((), dtype=array.dtype)
    if norm_type == -math.inf:
        return a.min() if a.size else xp.asarray(np.inf, dtype=array.dtype)
    if norm_type == 0:
        return (a != 0).sum().astype(array.dtype)
    if norm_type == 2:
        return xp.sqrt((a * a).sum())
    return (a ** norm_type).sum() ** (1.0 / norm_type)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale the gradients of ``parameters`` in place so that their joint norm is at most ``max_norm``.

    The total norm is the ``norm_type``-norm of the per-parameter gradient
    norms (``inf`` for the largest absolute value), as if all gradients were
    one vector; every gradient is multiplied by min(1, max_norm / (total + 1e-6)).
    Parameters without a gradient are skipped; ``foreach`` is accepted for
    compatibility.

    Returns:
        The total norm before clipping, a 0-d Tensor (0.0 when no parameter has a gradient).

    Raises:
        RuntimeError: when ``error_if_nonfinite`` and the total norm is nan or inf.
    """
    grads = _grads(parameters)
    max_norm, norm_type = float(max_norm), float(norm_type)
    if not grads:
        return Tensor(np.zeros((), dtype=default_float()))
    xp = get_array_module(grads[0])
    dtype = grads[0].dtype
    norms = xp.stack([_vector_norm(xp, g, norm_type).astype(dtype) for g in grads])
    total = _vector_norm(xp, norms, norm_type).astype(dtype)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is "
                           "non-finite, so it cannot be clipped. To disable this error and scale the "
                           "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    coef = xp.minimum(dtype.type(max_norm) / (total + dtype.type(1e-6)), dtype.type(1.0))
    for g in grads:
        g *= coef.astype(g.dtype)
    return Tensor(total)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient of ``parameters`` in place into [-clip_value, clip_value]; returns None."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        get_array_module(g).clip(g, -clip_value, clip_value, out=g)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type``-norm of ``tensors`` (a Tensor or an iterable of them) taken together as one vector.

    Usually the gradients: ``get_total_norm([p.grad for p in params if p.grad is not None])``.
    ``norm_type`` may be ``inf`` (or ``"inf"``); ``foreach`` is accepted for compatibility.

    Returns:
        A 0-d Tensor in the first tensor's dtype (0.0 of the default float dtype when ``tensors`` is empty).

    Raises:
        RuntimeError: when ``error_if_nonfinite`` and the norm is nan or inf.
    """
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    arrays = [t.array for t in tensors]
    norm_type = float(norm_type)
    if not arrays:
        return Tensor(np.zeros((), dtype=default_float()))
    xp = get_array_module(arrays[0])
    dtype = arrays[0].dtype
    norms = xp.stack([_vector_norm(xp, a, norm_type).astype(dtype) for a in arrays])
    total = _vector_norm(xp, norms, norm_type).astype(dtype)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is "
                           "non-finite, so it cannot be clipped. To disable this error and scale the "
                           "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return Tensor(total)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale the gradients of ``parameters`` in place by min(1, max_norm / (total_norm + 1e-6)).

    ``total_norm`` is a Tensor, usually from :func:`get_total_norm` (together
    they are :func:`clip_grad_norm_`, split so that the norm can be reduced
    across processes in between). Returns None.
    """
    if not isinstance(total_norm, Tensor):
        raise TypeError(f"clip_grads_with_norm_(): total_norm must be a Tensor, got {type(total_norm).__name__}")
    grads = _grads(parameters)
    if not grads:
        return None
    xp = get_array_module(grads[0])
    total = xp.asarray(total_norm.array)
    coef = xp.minimum(float(max_norm) / (total + 1e-6), 1.0)
    for g in grads:
        g *= coef.astype(g.dtype)
    return None


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Deprecated alias of :func:`clip_grad_norm_` (warns with a FutureWarning), same arguments and result."""
    import warnings
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
                  FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


__all__ += ["get_total_norm", "clip_grads_with_norm_", "clip_grad_norm"]
