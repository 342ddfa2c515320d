"""Tensor helpers of the Keras facade: layout conversion at the edge and a few ops.

Keras arrays are channels-last (NHWC); minidl's kernels are channels-first
(NCHW). The facade converts once where data enters or leaves a model:
4-D arrays are transposed NHWC -> NCHW on the way in and back on the way
out; every other rank passes unchanged. Inside a model, ``to_internal_axis``
maps a Keras axis argument (``axis=-1`` = channels) to the internal one.
"""
from __future__ import annotations

import numpy as np

from minidl import backend
from minidl.ops import math as _math
from minidl.ops import reduction as _red
from minidl.ops import shape as _shape
from minidl.tensor import Tensor

__all__ = ["as_tensor", "to_internal", "to_external", "permute", "to_internal_axis",
           "internal_shape", "log", "clip", "tsum", "tmean", "square", "numpy_of"]

NHWC_TO_NCHW = (0, 3, 1, 2)
NCHW_TO_NHWC = (0, 2, 3, 1)


def numpy_of(x) -> np.ndarray:
    """A NumPy view/copy of a Tensor, a CuPy array or anything array-like."""
    if isinstance(x, Tensor):
        x = x.array
    if isinstance(x, np.ndarray):
        return x
    return np.asarray(backend.to_device(x, "cpu"))


def as_tensor(x, dtype=np.float32) -> Tensor:
    """``x`` as a Tensor; floating (and integer, for inputs) arrays cast to ``dtype``."""
    if isinstance(x, Tensor):
        if dtype is not None and x.dtype != dtype and np.dtype(x.dtype).kind in "fiub":
            return Tensor(x.array.astype(dtype))
        return x
    if backend.device_of(x).type == "cpu":
        x = np.asarray(x)
    if x.dtype.kind in "USO":  # text (string) inputs of the preprocessing layers pass as they are
        return Tensor(x)
    if dtype is not None and x.dtype != dtype:
        x = x.astype(dtype)
    return Tensor(x)


def permute(x: Tensor, axes) -> Tensor:
    """Reorder the dimensions of ``x`` (NumPy's ``transpose(axes)``), differentiably."""
    return _shape.Transpose.apply(x, axes=tuple(int(a) for a in axes))


def to_internal(x: Tensor) -> Tensor:
    """A Keras-layout Tensor in minidl's layout (4-D: NHWC -> NCHW)."""
    return permute(x, NHWC_TO_NCHW) if x.ndim == 4 else x


def to_external(x: Tensor) -> Tensor:
    """A minidl-layout Tensor in Keras' layout (4-D: NCHW -> NHWC)."""
    return permute(x, NCHW_TO_NHWC) if x.ndim == 4 else x


def internal_shape(keras_shape):
    """The internal shape of a Keras shape tuple (4-D: (N, H, W, C) -> (N, C, H, W))."""
    s = tuple(keras_shape)
    return (s[0], s[3], s[1], s[2]) if len(s) == 4 else s


def to_internal_axis(axis: int, ndim: int) -> int:
    """The internal axis of Keras axis ``axis`` on a rank-``ndim`` tensor."""
    a = axis + ndim if axis < 0 else axis
    if not 0 <= a < ndim:
        raise ValueError(f"axis {axis} is out of range for a rank-{ndim} input")
    if ndim == 4:
        return NHWC_TO_NCHW.index(a)
    return a


def log(x):
    """Natural logarithm."""
    return _math.log(x)


def clip(x, lo, hi):
    """``x`` clipped into [lo, hi] (zero gradient outside)."""
    return _math.clip(x, lo, hi)


def square(x):
    """Elementwise square."""
    return _math.mul(x, x)


def tsum(x, axis=None, keepdims=False):
    """Sum over ``axis``."""
    return _red.sum(x, axis, keepdims)


def tmean(x, axis=None, keepdims=False):
    """Mean over ``axis``."""
    return _red.mean(x, axis, keepdims)
