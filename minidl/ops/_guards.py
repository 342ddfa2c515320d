"""Shared entry checks of the ops: float inputs, and empty batches (N = 0).

Kernels assume a float array with at least one sample; these guards run in
the public functions first, so an error names the op the user called
(``conv2d: input must be float32 or float64, got int64``) and an empty batch
never reaches a kernel.
"""
from __future__ import annotations

from ..autograd import Function
from ..backend import get_array_module
from ..dtypes import BFLOAT16

__all__ = ["check_float_input", "EmptyBatch", "empty_batch"]


def check_float_input(op: str, x, what: str = "input") -> None:
    """Raise ``TypeError`` naming ``op`` unless ``x`` (a Tensor) is float32 or float64 (or bfloat16, which
    such ops compute in float32: minidl/autograd/bfloat16_compute.py)."""
    dtype = (x.array if hasattr(x, "requires_grad") else x).dtype  # the backend array's dtype
    if dtype == BFLOAT16:
        return
    if getattr(dtype, "kind", None) != "f" or dtype.itemsize not in (4, 8):
        raise TypeError(f"{op}: {what} must be float32 or float64, got {dtype}")


class EmptyBatch(Function):
    """The result of an op on an empty batch: zeros of ``shape`` (with no elements
    along the batch dimension); every input's gradient is zeros of its shape
    (a sum over no samples)."""

    def forward(self, x, *params, shape=None):
        self.shapes = [None if p is None else (p.shape, p.dtype) for p in (x,) + params]
        return get_array_module(x).zeros(shape, dtype=x.dtype)

    def backward(self, g):
        xp = get_array_module(g)
        return tuple(None if s is None else xp.zeros(s[0], dtype=s[1]) for s in self.shapes)

    def backward_graph(self, g):
        from ..tensor import Tensor  # zeros whatever g is: every higher derivative is zero too
        return tuple(None if grad is None else Tensor(grad) for grad in self.backward(g.array))


def empty_batch(shape, x, *params):
    """``EmptyBatch.apply(x, *params, shape=shape)``: the graph still links ``x`` and
    ``params`` (Tensors or None) to the result, so ``backward`` gives them zero gradients."""
    return EmptyBatch.apply(x, *params, shape=tuple(int(s) for s in shape))
