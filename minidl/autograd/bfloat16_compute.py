"""bfloat16 in array-style ops: compute in float32, round the result to bfloat16.

NumPy (through ml_dtypes), BLAS and the Numba kernels have no bfloat16 arithmetic of their own, and
PyTorch's CPU kernels compute bfloat16 ops in float32 and round each result. ``Function.apply``
therefore hands an op whose ``_bf16_native`` is False float32 copies of its bfloat16 inputs and rounds
its float32 output; the engine gives the backward of such a node float32 gradients and casts the
input gradients back to bfloat16. Sums and means thus accumulate in float32, as PyTorch's do.
"""
from __future__ import annotations

import numpy as np

from minidl.dtypes import BFLOAT16

__all__ = ["any_bfloat16", "forward_in_float32"]


def any_bfloat16(tensors):
    """Whether any of ``tensors`` (Tensors or None) holds bfloat16."""
    return any(t is not None and t.array.dtype == BFLOAT16 for t in tensors)


def forward_in_float32(fn, tensors, kwargs):
    """``fn.forward`` on float32 copies of the bfloat16 inputs, its float32 output rounded to bfloat16;
    marks ``fn`` so that the engine hands its backward float32 gradients (``_bf16``)."""
    arrays = [None if t is None else t.array.astype(np.float32) if t.array.dtype == BFLOAT16 else t.array
              for t in tensors]
    out = fn.forward(*arrays, **kwargs)
    fn._bf16 = True
    return out.astype(BFLOAT16) if out.dtype == np.float32 else out


def _cast_tensor(value, dtype):
    from ..ops.math import cast
    from ..tensor import Tensor
    return cast(value, dtype) if isinstance(value, Tensor) and value.array.dtype == (
        BFLOAT16 if dtype == np.float32 else np.float32) else value


def float32_composite(fn):
    """Decorator for an op built from other ops (layer_norm, gelu, ...): given bfloat16 Tensors it runs on
    float32 casts of them and rounds its result to bfloat16 once, as PyTorch's fused kernel does, instead
    of rounding every intermediate. The casts are recorded, so the backward pass rounds once too."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if not any(getattr(getattr(a, "array", None), "dtype", None) == BFLOAT16 for a in args):
            return fn(*args, **kwargs)
        args = [_cast_tensor(a, np.float32) for a in args]
        kwargs = {k: _cast_tensor(v, np.float32) for k, v in kwargs.items()}
        return _cast_tensor(fn(*args, **kwargs), BFLOAT16)
    return wrapper
