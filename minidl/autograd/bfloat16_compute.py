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
