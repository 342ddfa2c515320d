"""``torch.bitwise_left_shift`` / ``bitwise_right_shift`` (and the ``<<``/``>>`` operators).

Integer and bool tensors only, with PyTorch's promotion and PyTorch's rule for
shifts outside [0, bits): a left shift gives 0, a right shift fills with the
sign bit (0 for non-negative values, -1 for negative ones).

>>> import minidl as mdl
>>> mdl.bitwise_left_shift(mdl.tensor([1, 2, -8], dtype=mdl.int32), 2).tolist()
[4, 8, -32]
>>> (mdl.tensor([16, -16]) >> 2).tolist()
[4, -4]
"""
from __future__ import annotations

import numpy as np

from .ops.math import promote
from .tensor import Tensor

__all__ = ["bitwise_left_shift", "bitwise_right_shift"]


def _shift(name, input, other, left):
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
    a, b = promote(name, input, other)
    kind = a.array.dtype.kind
    if kind not in "iu":   # PyTorch's kernels: integer dtypes only (bool too is refused)
        from .ops.kernel_guards import torch_name
        kernel = "lshift_cpu" if left else "rshift_cpu"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{torch_name(a.array.dtype)}'")
    xp = a.xp
    x, s = a.array, b.array
    work = x.dtype if kind != "b" else np.dtype(np.uint8)
    x, s = x.astype(work, copy=False), s.astype(work, copy=False)
    bits = work.itemsize * 8
    in_range = (s >= 0) & (s < bits)
    safe = xp.where(in_range, s, 0).astype(work, copy=False)
    if left:
        out = xp.where(in_range, xp.left_shift(x, safe), xp.zeros((), dtype=work))
    else:
        fill = xp.right_shift(x, xp.asarray(bits - 1, dtype=work))
        out = xp.where(in_range, xp.right_shift(x, safe), fill)
    return Tensor(out.astype(a.array.dtype, copy=False))


def bitwise_left_shift(input, other):
    """``input << other`` elementwise (integer/bool tensors, broadcast): shifts outside [0, bits) give 0."""
    return _shift("bitwise_left_shift", input, other, True)


def bitwise_right_shift(input, other):
    """``input >> other`` elementwise (arithmetic shift; shifts outside [0, bits) fill with the sign bit)."""
    return _shift("bitwise_right_shift", input, other, False)
