"""What a graph node keeps of its inputs once a backward pass has released it.

PyTorch frees a node's saved tensors after a backward pass (unless ``retain_graph``) but keeps the node
and its edges; a second pass then runs through every node that saved no tensors (``AddBackward0``,
``SumBackward0``, ``ViewBackward0``, ``CatBackward0``, basic indexing, ...) and raises "Trying to backward
through the graph a second time" at the first node that needs freed values. minidl's nodes hold their
input Tensors, which would keep the activations alive; a released node that saves no values
(``Function._reusable``, and PyTorch-style custom Functions, whose ``saved_tensors`` raise once freed)
swaps them for the stand-ins made here: same ``creator``, ``requires_grad``, shape and dtype, over a
zero-stride array that holds no memory. Leaves that require grad stay themselves (their ``.grad``
receives the gradients).
"""
from __future__ import annotations

from ..backend import get_array_module

__all__ = ["FREED_MESSAGE", "shape_only_inputs"]

# PyTorch's message, word for word (scripts and tests match its start); minidl adds the node's name
FREED_MESSAGE = ("Trying to backward through the graph a second time (or directly access saved tensors after they "
                 "have already been freed). Saved intermediate values of the graph are freed when you call "
                 ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
                 "graph a second time or if you need to access saved tensors after calling backward.")


def shape_only_inputs(inputs):
    """``inputs`` for a released node: leaves that require grad stay themselves (their ``.grad`` receives
    gradients), every other Tensor becomes a stand-in with its ``creator``, ``requires_grad``, shape and
    dtype over a zero-stride array (no memory), so that the activations can be freed."""
    from ..tensor import Tensor
    from .function import output_index
    out = []
    for t in inputs:
        if t is None or (t.creator is None and t.requires_grad) or "_shape_only" in t.__dict__:
            out.append(t)
            continue
        data = t.array
        xp = get_array_module(data)
        stand_in = Tensor.__new__(Tensor)
        stand_in.array = xp.broadcast_to(xp.zeros((), dtype=data.dtype), data.shape)
        stand_in.grad = None
        stand_in.creator = node = t.creator
        stand_in.requires_grad = t.requires_grad
        stand_in._shape_only = True
        if node is not None and node._nout > 1:
            stand_in._output_index = output_index(t)
        out.append(stand_in)
    return out
