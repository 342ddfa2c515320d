"""The fully connected layer's op: y = x @ W^T + b (``F.linear``), split from ``conv.py``."""
from __future__ import annotations

import numpy as np

from .._errors import ShapeError
from ..autograd import Function
from ..kernels import _threads
from ._guards import check_float_input
from .complex_conj import cj, cj_t

__all__ = ["linear"]


class Linear(Function):
    """y = x @ W^T + b for x (..., in); dx = g @ conj(W), dW = g^T conj(x), db = sum(g) (conj: complex)."""

    _autocast = "lower"   # in an autocast region: computed in its lower precision, as PyTorch

    def name(self):
        """PyTorch's node: ``AddmmBackward0`` / ``MmBackward0`` (2-D input with / without bias),
        ``ViewBackward0`` / ``SqueezeBackward4`` (1-D), ``ViewBackward0`` / ``UnsafeViewBackward0`` (more)."""
        if self.in_ndim == 2:
            return "AddmmBackward0" if self.has_bias else "MmBackward0"
        if self.in_ndim == 1:
            return "ViewBackward0" if self.has_bias else "SqueezeBackward4"
        return "ViewBackward0" if self.has_bias else "UnsafeViewBackward0"

    def forward(self, x, w, b=None):
        # _threads.matmul: rows split over minidl's threads under config.intra_op_parallel, else x @ w.T
        self.x, self.w, self.has_bias, self.in_ndim = x, w, b is not None, x.ndim
        y = _threads.matmul(x, w.T)
        if b is not None:
            y += b
        return y

    def backward(self, g):
        x = self.x
        gx = _threads.matmul(g, cj(self.w)) if self.needs_input_grad[0] else None
        rows = int(np.prod(g.shape[:-1]))
        g2 = g.reshape(rows, g.shape[-1])           # explicit rows: reshape(-1, 0) fails for 0 features
        gw = _threads.matmul(g2.T, cj(x.reshape(rows, x.shape[-1]))) if self.needs_input_grad[1] else None
        gb = g2.sum(axis=0) if self.needs_input_grad[2] else None
        return gx, gw, gb

    def backward_graph(self, g):
        from .shape import Reshape, Transpose
        x, w = self.inputs[0], self.inputs[1]
        need = self.needs_input_grad
        gx = g @ cj_t(w) if need[0] else None
        g2 = Reshape.apply(g, shape=(-1, g.shape[-1]))
        gw = Transpose.apply(g2, axes=(1, 0)) @ cj_t(Reshape.apply(x, shape=(-1, x.shape[-1]))) if need[1] else None
        gb = g2.sum(axis=0) if len(need) > 2 and need[2] else None
        return gx, gw, gb


def linear(input, weight, bias=None):
    """y = input @ weight.T + bias; input (..., in), weight (out, in), bias (out,) -> (..., out).

    bfloat16 operands are multiplied in float32 (BLAS has no bfloat16) and the result rounded to
    bfloat16, as PyTorch's CPU kernels do; inside ``minidl.autocast`` float32 operands are lowered first.

    >>> import minidl as mdl, minidl.nn.functional as F
    >>> F.linear(mdl.ones(2, 3), mdl.ones(4, 3), mdl.zeros(4)).numpy()
    array([[3., 3., 3., 3.],
           [3., 3., 3., 3.]], dtype=float32)
    """
    x = input
    if x.array.dtype.kind == "c" or weight.array.dtype.kind == "c":   # complex layers, as PyTorch's
        if x.array.dtype != weight.array.dtype or (bias is not None and bias.array.dtype != x.array.dtype):
            raise RuntimeError(f"linear: expected m1 and m2 (and the bias) to have the same dtype, but got: "
                               f"{x.dtype} != {weight.dtype}" + ("" if bias is None else f" (bias {bias.dtype})"))
    else:
        check_float_input("linear", x)
    if weight.ndim == 1:                                # PyTorch: input @ weight, one output per row
        if x.shape[-1] != weight.shape[0]:
            raise ShapeError(f"linear: input has {x.shape[-1]} features (shape {x.shape}) but the 1-D weight "
                             f"has {weight.shape[0]}")
        if bias is not None:
            raise ShapeError("linear: mat2 must be a matrix, got 1-D tensor (a 1-D weight takes no bias)")
        return x @ weight
    if x.shape[-1] != weight.shape[1]:
        raise ShapeError(f"linear: input has {x.shape[-1]} features (shape {x.shape}) but the weight "
                         f"expects {weight.shape[1]} (weight shape {weight.shape})")
    return Linear.apply(x, weight, bias)
