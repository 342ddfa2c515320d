"""``minidl.testing.make_tensor``: a random tensor for tests, as ``torch.testing.make_tensor``."""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import backend
from ..dtypes import as_dtype
from ..tensor import Tensor
from ..type_info import finfo, iinfo

__all__ = ["make_tensor"]


def _low_high(dtype, low, high, lowest, highest_exclusive, default_low, default_high):
    """The ``[low, high)`` range to draw from: defaults filled in, checked, clamped to the dtype's range."""
    low = default_low if low is None else low
    high = default_high if high is None else high
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and high={high}")
    if low == high and dtype.is_floating_point:
        warnings.warn("Passing `low==high` to `minidl.testing.make_tensor` for floating types is deprecated "
                      "(as in PyTorch since 2.1); use `minidl.full(...)` instead.", FutureWarning, stacklevel=3)
    elif low >= high:
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    elif high < lowest or low >= highest_exclusive:
        raise ValueError(f"The value interval specified by `low` and `high` is [{low}, {high}), "
                         f"but {dtype} only supports [{lowest}, {highest_exclusive})")
    low, high = min(max(low, lowest), highest_exclusive), min(max(high, lowest), highest_exclusive)
    if not dtype.is_floating_point:
        return math.ceil(low), math.ceil(high)
    return low, high


def make_tensor(*shape, dtype, device, low=None, high=None, requires_grad=False, noncontiguous=False,
                exclude_zero=False, memory_format=None):
    """A tensor of ``shape`` with values drawn uniformly from ``[low, high)`` (minidl's seeded generator).

    Defaults as PyTorch: ``[-9, 9)`` for floating dtypes, ``[-9, 10)`` for
    signed integers, ``[0, 10)`` for unsigned ones, ``{False, True}`` for
    bool; a given ``low``/``high`` is clamped to the dtype's finite range.
    ``noncontiguous=True`` returns a strided view (every second element of
    a buffer twice as long in the last dimension) when there are at least
    two elements; ``exclude_zero=True`` replaces zeros with 1 (integers,
    bool) or ``finfo(dtype).tiny`` (floats); ``memory_format`` is passed to
    ``clone``. ``shape`` is ints, or one sequence / :class:`minidl.Size`.

    Raises:
        ValueError: ``low >= high``, a NaN bound, ``requires_grad`` with a non-floating dtype, or both
            ``noncontiguous`` and ``memory_format``.
        TypeError: ``dtype`` is not a minidl dtype.

    >>> import minidl as mdl
    >>> from minidl.testing import make_tensor
    >>> x = make_tensor(2, 3, dtype=mdl.float32, device="cpu", low=-1, high=1)
    >>> x.shape, x.dtype, bool(((x >= -1) & (x < 1)).all())
    (minidl.Size([2, 3]), minidl.float32, True)
    """
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    shape = tuple(int(n) for n in shape)
    dtype = as_dtype(dtype)
    if noncontiguous and memory_format is not None:
        raise ValueError(f"The parameters `noncontiguous` and `memory_format` are mutually exclusive, but got "
                         f"noncontiguous={noncontiguous} and memory_format={memory_format}")
    if requires_grad and not dtype.is_floating_point:
        raise ValueError(f"`requires_grad=True` is not supported for boolean and integral dtypes, but got "
                         f"dtype={dtype}")
    noncontiguous = noncontiguous and math.prod(shape) > 1
    if noncontiguous:
        shape = shape[:-1] + (2 * shape[-1],)
    rng = backend.rng()
    kind = dtype.numpy_dtype.kind
    if kind == "b":
        low, high = _low_high(dtype, low, high, 0, 2, 0, 2)
        data = rng.integers(low, high, size=shape).astype(np.bool_)
    elif kind in "iu":
        info = iinfo(dtype)
        top = info.max + (1 if dtype.numpy_dtype != np.int64 else 0)
        low, high = _low_high(dtype, low, high, info.min, top, -9 if kind == "i" else 0, 10)
        data = rng.integers(low, high, size=shape, dtype=np.int64 if kind == "i" else np.uint64,
                            endpoint=False).astype(dtype.numpy_dtype)
    elif kind == "f":
        info = finfo(dtype)
        low, high = _low_high(dtype, low, high, info.min, info.max, -9, 9)
        if high - low >= info.max:  # the width itself would overflow: draw half of it and double
            data = 2 * rng.uniform(low / 2, high / 2, size=shape)
        else:
            data = rng.uniform(low, high, size=shape)
        data = data.astype(dtype.numpy_dtype)
    else:
        raise TypeError(f"The requested dtype '{dtype}' is not supported by minidl.testing.make_tensor().")
    if noncontiguous:
        data = data[..., 1::2]
    if exclude_zero:
        data = np.where(data == 0, 1 if kind in "biu" else finfo(dtype).tiny, data).astype(dtype.numpy_dtype)
        if noncontiguous:
            padded = np.empty(data.shape[:-1] + (2 * data.shape[-1],), dtype.numpy_dtype)
            padded[..., 1::2] = data
            data = padded[..., 1::2]
    dev = backend.device_or_default(device)
    if dev.type != "cpu":
        data = backend.to_device(data, dev)
    result = Tensor(data)
    if memory_format is not None:
        result = result.clone(memory_format=memory_format)
    if dtype.is_floating_point:
        result.requires_grad_(requires_grad)
    return result
