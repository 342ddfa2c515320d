"""The autocast regions now open: ``minidl.autocast`` sets them, ``Function.apply`` and the losses read them.

As PyTorch's autocast: inside a region for a device type, the ops of its lower-precision list (matrix
products, linear layers, convolutions: ``Function._autocast == "lower"``) cast their floating inputs
other than float64 to the region's dtype (bfloat16 on the CPU by default), and the losses of its
float32 list (:func:`float32_op`) cast lower-precision inputs up to float32. Everything else runs in the
dtypes it is given. The casts are recorded ops, so gradients flow back to the float32 parameters.
"""
from __future__ import annotations

import contextlib
import functools

import numpy as np

from minidl.dtypes import is_floating

__all__ = ["active", "autocast_inputs", "float32_op", "lower", "suspended"]

#: device type ("cpu" or "cuda") -> the NumPy dtype its open autocast region lowers to
active = {}

#: device type -> the autocast dtype set by ``minidl.set_autocast_dtype`` (used when ``autocast(...)`` gets
#: no dtype, and reported by ``get_autocast_dtype`` outside regions); absent: PyTorch's default
dtypes = {}


def _cast(value, policy):
    from ..backend import is_device_array
    from ..ops.math import Cast
    from ..tensor import Tensor
    if not isinstance(value, Tensor):
        return value
    dtype = value.array.dtype
    target = active.get("cuda" if is_device_array(value.array) else "cpu")
    if target is None or not is_floating(dtype) or dtype == np.float64:
        return value
    want = target if policy == "lower" else np.dtype(np.float32)
    return value if dtype == want else Cast.apply(value, dtype=want)


def autocast_inputs(policy, args):
    """``args`` with each eligible Tensor cast as ``policy`` says ("lower" or "float32")."""
    return tuple(_cast(a, policy) for a in args)


def float32_op(fn):
    """Decorator for an op of autocast's float32 list (the losses): inside a region, its bfloat16 and
    float16 Tensor arguments are cast to float32 first."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if active:
            args = autocast_inputs("float32", args)
            kwargs = {k: _cast(v, "float32") for k, v in kwargs.items()}
        return fn(*args, **kwargs)
    return wrapper


def lower(*values):
    """``values`` cast as an op of the lower-precision list casts its inputs (unchanged outside regions): for the
    composite ops PyTorch runs through ``mm``/``bmm`` (``addmm``, ``einsum``, ``tensordot``, ``vecdot``, ``prelu``)."""
    return autocast_inputs("lower", values) if active else values


@contextlib.contextmanager
def suspended():
    """No autocast region inside: for ops off PyTorch's lists (``dot``, ``mv``) that minidl computes through
    matmul, which is on them."""
    saved = dict(active)
    active.clear()
    try:
        yield
    finally:
        active.update(saved)
