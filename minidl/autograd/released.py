"""What a graph node keeps of its inputs once a backward pass has released it.

PyTorch frees a node's saved tensors after a backward pass (unless ``retain_graph``) but keeps the node
and its edges; a second pass then runs through every node that saved no tensors (``AddBackward0``,
``SumBackward0``, ``ViewBackward0``, ``CatBackward0``, basic indexing, ...) and raises "Trying to backward
through the graph a second time" at the first node that needs freed values. minidl's nodes hold their
input Tensors, which would keep the activations alive; a released node that saves no values
(``Function._reusable``, and PyTorch-style custom Functions, whose ``saved_tensors`` raise once freed)
swaps them for the stand-ins made here: same ``creator``, ``requires_grad``, shape and dtype, and no
values (a :class:`ShapeOnly` where the array was). Leaves that require grad stay themselves (their ``.grad``
receives the gradients).
"""
from __future__ import annotations

import numpy as np

__all__ = ["FREED_MESSAGE", "ShapeOnly", "shape_only_inputs"]

# PyTorch's message, word for word (scripts and tests match its start); minidl adds the node's name
FREED_MESSAGE = ("Trying to backward through the graph a second time (or directly access saved tensors after they "
                 "have already been freed). Saved intermediate values of the graph are freed when you call "
                 ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
                 "graph a second time or if you need to access saved tensors after calling backward.")


class ShapeOnly:
    """What a stand-in holds instead of an array: the ``shape``, ``dtype``, ``ndim`` and ``size`` that the
    engine reads to reduce and cast a gradient, and no values."""

    __slots__ = ("shape", "dtype", "ndim", "size")

    def __init__(self, array):
        self.shape, self.dtype, self.ndim, self.size = array.shape, array.dtype, array.ndim, array.size

    def __repr__(self):
        return f"ShapeOnly(shape={self.shape}, dtype={self.dtype})"


_CACHE = {}   # the Tensor class, output_index and the shared constant stand-in, looked up once


def _constant_stand_in():
    """One shared stand-in for every input that is a leaf without grad (a constant): the engine never
    reads its shape, since no gradient goes to it."""
    from ..tensor import Tensor
    from .function import output_index
    stand_in = Tensor.__new__(Tensor)
    stand_in.array = ShapeOnly(np.zeros(()))
    stand_in.grad = stand_in.creator = None
    stand_in.requires_grad = False
    _CACHE.update(Tensor=Tensor, output_index=output_index, constant=stand_in)
    return stand_in


def shape_only_inputs(inputs):
    """``inputs`` for a released node: leaves that require grad stay themselves (their ``.grad`` receives
    gradients), every other Tensor becomes a stand-in with its ``creator``, ``requires_grad``, shape and
    dtype (a :class:`ShapeOnly` for its array), so that the activations can be freed; constants (leaves
    without grad) all become one shared stand-in."""
    constant = _CACHE.get("constant") or _constant_stand_in()
    out = []
    for t in inputs:
        if t is None or type(t.array) is ShapeOnly:
            out.append(t)
            continue
        node = t.creator
        if node is None:
            out.append(t if t.requires_grad else constant)
            continue
        stand_in = _CACHE["Tensor"].__new__(_CACHE["Tensor"])
        stand_in.array = ShapeOnly(t.array)
        stand_in.grad = None
        stand_in.creator = node
        stand_in.requires_grad = t.requires_grad
        if node._nout > 1:
            stand_in._output_index = _CACHE["output_index"](t)
        out.append(stand_in)
    return out
