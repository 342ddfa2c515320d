"""``Relayout``: the same values in another memory order (``clone``/``contiguous``/``to`` with a memory format)."""
from __future__ import annotations

from ..autograd import Function

__all__ = ["Relayout"]


class Relayout(Function):
    """A copy of x laid out in ``memory_format`` (values unchanged); the gradient passes through."""

    _reusable = True   # saves no values: a second backward may run through it, as in PyTorch
    _bf16_native = True   # moves values only: runs on bfloat16 arrays as they are

    def name(self):
        """``CloneBackward0``: PyTorch's node for clone/contiguous/to(memory_format=...)."""
        return "CloneBackward0"

    def forward(self, x, memory_format=None):
        from ..tensor_layout import relayout
        return relayout(x, memory_format)

    def backward(self, g):
        return g

    def backward_graph(self, g):
        return g
