"""Complex conjugation, the one piece of complex arithmetic every other op's backward needs.

PyTorch's convention for complex autograd: for a real loss L of a complex
z = x + iy, ``z.grad`` is dL/dx + i dL/dy (twice the conjugate Wirtinger
derivative dL/d(conj z)). For an op s = f(z) the gradient flowing back is
``grad_out * conj(ds/dz) + conj(grad_out) * ds/d(conj z)``; for a holomorphic
op (mul, exp, log, matmul, ...) the second term is zero, so its backward is
the real-valued one with the local derivative conjugated. ``cj`` (arrays) and
``cj_t`` (Tensors, differentiable) do that and leave real operands alone, so
the real-valued path pays only a dtype test.
"""
from __future__ import annotations

from ..autograd import Function
from ..backend import get_array_module

__all__ = ["Conj", "cj", "cj_t", "sgn_array", "sgn"]


def cj(a):
    """The complex conjugate of array ``a``; a real array is returned as it is."""
    return a.conj() if a.dtype.kind == "c" else a


def cj_t(t):
    """The complex conjugate of Tensor ``t``, recorded (``Conj``); a real Tensor is returned as it is."""
    return Conj.apply(t) if t.array.dtype.kind == "c" else t


class Conj(Function):
    """conj(z); the gradient is conj(g) (conj is anti-holomorphic: ds/d(conj z) = 1)."""

    _reusable = True   # saves no values: a second backward may run through it, as in PyTorch

    def name(self):
        """``ConjBackward0``: PyTorch's node for this op."""
        return "ConjBackward0"

    def forward(self, a):
        return a.conj()

    def backward(self, g):
        return g.conj()

    def backward_graph(self, g):
        return Conj.apply(g)


def sgn_array(a):
    """a / |a| elementwise for a complex array, 0 where a is 0 (PyTorch's ``sgn``)."""
    xp = get_array_module(a)
    magnitude = xp.abs(a)
    return a / xp.where(magnitude == 0, 1, magnitude).astype(magnitude.dtype)


def sgn(t):
    """``sgn`` of a complex Tensor, z / |z| (0 at 0), built from differentiable ops: its gradient is PyTorch's
    (``(g - Re(g conj(s)) s) / |z|``), and zero at z = 0."""
    from ..tensor import Tensor
    from .math import abs as abs_
    xp = get_array_module(t.array)
    zero = t.array == 0
    magnitude = abs_(t)
    return t / (magnitude + Tensor(zero.astype(magnitude.array.dtype))) * Tensor(xp.logical_not(zero))


_TYPE_NAMES = {"complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def refuse_complex(message, *values, error=NotImplementedError):
    """Raise ``error(message)`` when any of ``values`` is a complex Tensor (ops PyTorch does not define for
    complex numbers: orderings, clamps, rounding). ``{type}`` in ``message`` becomes PyTorch's type name
    (``ComplexFloat``)."""
    for value in values:
        array = getattr(value, "array", None)
        if array is not None and getattr(array, "dtype", None) is not None and array.dtype.kind == "c":
            raise error(message.format(type=_TYPE_NAMES.get(array.dtype.name, array.dtype.name)))
