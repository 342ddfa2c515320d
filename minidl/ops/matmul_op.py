"""The matrix product ``a @ b`` (``torch.matmul``): its Function and dtype promotion (split from math.py)."""
from __future__ import annotations

import numpy as np

from minidl._errors import ShapeError

from ..autograd import Function
from ..backend import get_array_module
from ..dtypes import result_type
from ..tensor import Tensor, as_tensor
from .complex_conj import cj, cj_t

__all__ = ["MatMul", "matmul", "promote_matmul"]


class MatMul(Function):
    """a @ b with ``np.matmul`` semantics (1-D operands, broadcast batch dims).

    d/da = g @ b^T, d/db = a^T @ g (batch dims are summed by the engine).
    """

    _autocast = "lower"   # in an autocast region: computed in its lower precision, as PyTorch

    def name(self):
        """PyTorch's node for ``a @ b``: ``MmBackward0`` (2-D @ 2-D), ``MvBackward0`` (2-D @ 1-D),
        ``DotBackward0`` (1-D @ 1-D), ``SqueezeBackward4`` (1-D @ 2-D), else ``UnsafeViewBackward0``."""
        return {(2, 2): "MmBackward0", (2, 1): "MvBackward0", (1, 1): "DotBackward0",
                (1, 2): "SqueezeBackward4"}.get(self.ndims, "UnsafeViewBackward0")

    def forward(self, a, b):
        self.a, self.b, self.ndims = a, b, (a.ndim, b.ndim)
        return a @ b

    def backward(self, g):
        a, b = cj(self.a), cj(self.b)
        xp = get_array_module(g)
        if a.ndim == 1 and b.ndim == 1:  # dot product: g is a scalar
            return g * b, g * a
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = g
        if a.ndim == 1:
            g2 = xp.expand_dims(g2, -2)
        if b.ndim == 1:
            g2 = xp.expand_dims(g2, -1)
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = g2 @ xp.swapaxes(b2, -1, -2)
            if a.ndim == 1:
                ga = ga[..., 0, :]
        if self.needs_input_grad[1]:
            gb = xp.swapaxes(a2, -1, -2) @ g2
            if b.ndim == 1:
                gb = gb[..., :, 0]
        return ga, gb

    def backward_graph(self, g):
        from .shape import Reshape, Transpose

        def swap(t):  # swap the last two axes
            axes = tuple(range(t.ndim - 2)) + (t.ndim - 1, t.ndim - 2)
            return Transpose.apply(t, axes=axes)

        def reshape(t, shape):
            return Reshape.apply(t, shape=tuple(shape))
        a, b = (cj_t(t) for t in self.inputs)
        if a.ndim == 1 and b.ndim == 1:
            return g * b, g * a
        a2 = reshape(a, (1,) + a.shape) if a.ndim == 1 else a
        b2 = reshape(b, b.shape + (1,)) if b.ndim == 1 else b
        g2 = g
        if a.ndim == 1:
            g2 = reshape(g2, g2.shape[:-1] + (1,) + g2.shape[-1:])
        if b.ndim == 1:
            g2 = reshape(g2, g2.shape + (1,))
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = g2 @ swap(b2)
            if a.ndim == 1:
                ga = reshape(ga, ga.shape[:-2] + ga.shape[-1:])
        if self.needs_input_grad[1]:
            gb = swap(a2) @ g2
            if b.ndim == 1:
                gb = reshape(gb, gb.shape[:-1])
        return ga, gb


def matmul(a, b):
    """Matrix product following ``np.matmul`` (1-D operands, broadcast batch dims).

    Shapes: (..., n, k) @ (..., k, m) -> (..., n, m). bfloat16 operands are multiplied in float32
    (BLAS has no bfloat16) and the result rounded to bfloat16, as PyTorch's CPU kernels do.
    """
    a, b = promote_matmul(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and {b.ndim}D")
    ka = a.shape[-1]
    kb = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if ka != kb:
        raise ShapeError(_mismatch(tuple(a.shape), tuple(b.shape)))
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(f"matmul: batch dimensions of {a.shape} and {b.shape} cannot be broadcast") from None
    return MatMul.apply(a, b)


def _mismatch(sa, sb):
    """PyTorch's message for operands whose contracted dims differ (it names the kernel it dispatched to)."""
    def x(shape):
        return "x".join(str(n) for n in shape)
    if len(sa) == 1 and len(sb) == 1:
        return (f"inconsistent tensor size, expected tensor [{sa[0]}] and src [{sb[0]}] to have the same number of "
                f"elements, but got {sa[0]} and {sb[0]} elements respectively")
    if len(sb) == 1:
        return f"size mismatch, got input ({sa[-2] if len(sa) == 2 else sa[0]}), mat ({x(sa[-2:])}), vec ({sb[0]})"
    if len(sa) <= 2 and len(sb) == 2:
        return f"mat1 and mat2 shapes cannot be multiplied ({x((1,) + sa if len(sa) == 1 else sa)} and {x(sb)})"
    if len(sa) >= 3 and len(sa) == len(sb):
        return (f"Expected size for first two dimensions of batch2 tensor to be: [{sb[0]}, {sa[-1]}] but got: "
                f"[{sb[0]}, {sb[-2]}].")
    return f"Expected size for the contracted dims: {x(sa)} and {x(sb)} cannot be multiplied"


def promote_matmul(a, b):
    """Both operands as Tensors of one dtype (no broadcast check: matmul checks its own shapes)."""
    like = a if isinstance(a, Tensor) else b
    a, b = as_tensor(a, like=like), as_tensor(b, like=like)
    if a.array.dtype != b.array.dtype:
        from .math import cast
        target = result_type(a, b)
        a, b = cast(a, target), cast(b, target)
    return a, b
