"""Complex tensors' parts: ``real``, ``imag``, ``complex``, ``polar``, ``view_as_real``/``view_as_complex``, ``conj``.

The gradients follow PyTorch's convention (see :mod:`minidl.ops.complex_conj`):
a real output's gradient g flows back to a complex input as ``g`` through
``real`` and as ``i g`` through ``imag``; a complex gradient reaching a real
input keeps its real part (the engine does that for every op).

``real``/``imag``/``view_as_real``/``view_as_complex`` return NumPy views
(CuPy's ``real``/``imag`` are views too), so writing into them writes into the
complex tensor, as in PyTorch.
"""
from __future__ import annotations

import numpy as np

from .._out_arg import with_out
from ..autograd import Function
from ..backend import get_array_module
from ..tensor import Tensor
from .complex_conj import Conj

__all__ = ["Real", "Imag", "Complex", "ViewAsReal", "ViewAsComplex", "real", "imag", "complex", "polar",
           "view_as_real", "view_as_complex", "conj", "conj_physical", "resolve_conj", "is_conj"]

_COMPLEX_OF = {np.dtype(np.float32): np.dtype(np.complex64), np.dtype(np.float64): np.dtype(np.complex128)}


def complex_dtype_of(real_dtype):
    """complex64 for float32, complex128 for float64 (the only complex types minidl has)."""
    return _COMPLEX_OF[np.dtype(real_dtype)]


class Real(Function):
    """Re(z) as a view; the gradient is g + 0i."""

    _reusable = True

    def name(self):
        """``SelectBackward0``: PyTorch's node (its ``real`` selects from ``view_as_real``)."""
        return "SelectBackward0"

    def forward(self, z):
        self.dtype = z.dtype
        return z.real

    def backward(self, g):
        return g.astype(self.dtype)

    def backward_graph(self, g):
        from .math import Cast
        return Cast.apply(g, dtype=self.dtype)


class Imag(Function):
    """Im(z) as a view; the gradient is i g."""

    _reusable = True

    def name(self):
        """``SelectBackward0``: PyTorch's node (its ``imag`` selects from ``view_as_real``)."""
        return "SelectBackward0"

    def forward(self, z):
        self.dtype = z.dtype
        return z.imag

    def backward(self, g):
        out = get_array_module(g).zeros(g.shape, dtype=self.dtype)
        out.imag = g
        return out

    def backward_graph(self, g):
        zeros = Tensor(get_array_module(g.array).zeros(g.shape, dtype=g.array.dtype))
        return Complex.apply(zeros, g)


class Complex(Function):
    """real + i imag; the gradients are Re(g) and Im(g)."""

    def name(self):
        """``ComplexBackward0``: PyTorch's node for this op."""
        return "ComplexBackward0"

    def forward(self, re, im):
        shape = np.broadcast_shapes(re.shape, im.shape)
        out = get_array_module(re).empty(shape, dtype=complex_dtype_of(re.dtype))
        out.real, out.imag = re, im
        return out

    def backward(self, g):
        return g.real.copy(), g.imag.copy()

    def backward_graph(self, g):
        return Real.apply(g), Imag.apply(g)


class ViewAsReal(Function):
    """(...,) complex as (..., 2) real (real and imaginary parts last); the gradient is view_as_complex(g)."""

    _reusable = True

    def name(self):
        """``ViewAsRealBackward0``: PyTorch's node for this op."""
        return "ViewAsRealBackward0"

    def forward(self, z):
        xp = get_array_module(z)
        if z.ndim and not z.flags.c_contiguous:
            z = xp.ascontiguousarray(z)
        return z.reshape(z.shape + (1,)).view(z.real.dtype)

    def backward(self, g):
        return _as_complex(g)

    def backward_graph(self, g):
        return ViewAsComplex.apply(g)


class ViewAsComplex(Function):
    """(..., 2) real as (...,) complex; the gradient is view_as_real(g)."""

    _reusable = True

    def name(self):
        """``ViewAsComplexBackward0``: PyTorch's node for this op."""
        return "ViewAsComplexBackward0"

    def forward(self, x):
        return _as_complex(x)

    def backward(self, g):
        return ViewAsReal.forward(self, g)

    def backward_graph(self, g):
        return ViewAsReal.apply(g)


def _as_complex(x):
    """An (..., 2) float array as (...,) complex (a view when the last axis is contiguous)."""
    xp = get_array_module(x)
    if not x.flags.c_contiguous:
        x = xp.ascontiguousarray(x)
    return x.view(complex_dtype_of(x.dtype))[..., 0]


def _t(value, name):
    if not isinstance(value, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(value).__name__}")
    return value


def real(input):
    """The real part: a view of a complex tensor (float32 for complex64), ``input`` itself for a real one."""
    input = _t(input, "real")
    if input.array.dtype.kind != "c":
        return input
    return Real.apply(input)


def imag(input):
    """The imaginary part of a complex tensor, as a view; real tensors raise ``RuntimeError``, as PyTorch's."""
    input = _t(input, "imag")
    if input.array.dtype.kind != "c":
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return Imag.apply(input)


def _complex(real, imag):
    """``real + i imag`` (broadcast): float32 parts give complex64, float64 parts complex128.

    Both must be float32 or float64 tensors of one dtype (PyTorch's rule; float16 would be complex32,
    which minidl does not have).
    """
    real, imag = _t(real, "complex"), _t(imag, "complex")
    for name, part in (("real", real), ("imag", imag)):
        if part.array.dtype not in _COMPLEX_OF:
            raise RuntimeError(f"complex(): expected both inputs to be float32 or float64 tensors, but {name} "
                               f"has dtype {part.dtype}")
    if real.array.dtype != imag.array.dtype:
        raise RuntimeError(f"complex(): expected both inputs to have the same dtype, got {real.dtype} and "
                           f"{imag.dtype}")
    try:
        np.broadcast_shapes(real.array.shape, imag.array.shape)
    except ValueError:
        raise RuntimeError(f"complex(): shapes {tuple(real.shape)} and {tuple(imag.shape)} cannot be broadcast "
                           "together") from None
    return Complex.apply(real, imag)


def _polar(abs, angle):
    """``abs * (cos(angle) + i sin(angle))`` (float32/float64 parts of one dtype)."""
    abs, angle = _t(abs, "polar"), _t(angle, "polar")
    for name, part in (("abs", abs), ("angle", angle)):
        if part.array.dtype not in _COMPLEX_OF:
            raise RuntimeError(f"polar(): expected both inputs to be float32 or float64 tensors, but {name} "
                               f"has dtype {part.dtype}")
    if abs.array.dtype != angle.array.dtype:
        raise RuntimeError(f"polar(): expected both inputs to have the same dtype, got {abs.dtype} and "
                           f"{angle.dtype}")
    return _complex(abs * angle.cos(), abs * angle.sin())


complex = with_out(_complex, "complex")
polar = with_out(_polar, "polar")


def view_as_real(input):
    """A complex tensor of shape (...) as a real one of shape (..., 2) (real, imaginary); shares memory."""
    input = _t(input, "view_as_real")
    if input.array.dtype.kind != "c":
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return ViewAsReal.apply(input)


def view_as_complex(input):
    """A float32/float64 tensor of shape (..., 2) as a complex one of shape (...); shares memory."""
    input = _t(input, "view_as_complex")
    if input.array.dtype not in _COMPLEX_OF:
        raise RuntimeError(f"view_as_complex is only supported for float and double tensors, but got a tensor of "
                           f"scalar type: {input.dtype}")
    if input.array.ndim == 0 or input.array.shape[-1] != 2:
        raise RuntimeError(f"Tensor must have a last dimension of size 2, got shape {tuple(input.shape)}")
    return ViewAsComplex.apply(input)


def conj(input):
    """The complex conjugate (``input`` itself for a real tensor); ``is_conj()`` is True on the result.

    PyTorch's result is a lazy view; minidl's holds the conjugated values (writing into it does not write
    into ``input``) and carries the flag, so ``is_conj``/``resolve_conj`` answer as PyTorch's do.
    """
    input = _t(input, "conj")
    if input.array.dtype.kind != "c":
        return input
    out = Conj.apply(input)
    out._conj = True
    return out


def _conj_physical(input):
    """The complex conjugate, computed now (``is_conj()`` False); a real tensor is returned as it is."""
    input = _t(input, "conj_physical")
    if input.array.dtype.kind != "c":
        return input
    return Conj.apply(input)


conj_physical = with_out(_conj_physical, "conj_physical")


def resolve_conj(input):
    """``input`` with its conjugate bit resolved: a tensor whose ``is_conj()`` is False, same values."""
    input = _t(input, "resolve_conj")
    if not input.__dict__.get("_conj"):
        return input
    from .layout import Clone
    return Clone.apply(input)


def is_conj(input):
    """True for a tensor made by ``conj()`` of a complex tensor (PyTorch's conjugate bit)."""
    return bool(_t(input, "is_conj").__dict__.get("_conj", False))



def complex_random(draw, shape, np_dtype, name):
    """Random complex samples as PyTorch draws them: ``draw(shape + (2,), real dtype)`` (a NumPy array) read as
    (real, imaginary) pairs, scaled by 1/sqrt(2) for ``randn`` so that E|z|^2 = 1."""
    real_dtype = np.dtype(np.float32) if np_dtype == np.complex64 else np.dtype(np.float64)
    shape = tuple(shape) + (2,)
    if name != "randn":
        pairs = draw(shape, real_dtype)
    elif real_dtype == np.float32 and int(np.prod(shape)) < 16:
        # PyTorch's scalar path (under 16 values): double normals times the double std, rounded to float32
        pairs = (draw(shape, np.dtype(np.float64)) * _HALF_STD).astype(np.float32)
    else:
        pairs = draw(shape, real_dtype) * real_dtype.type(_HALF_STD)
    return np.ascontiguousarray(pairs).view(np_dtype)[..., 0]


_HALF_STD = 1.0 / np.sqrt(2.0)   # PyTorch's std for each part of a complex normal (1/sqrt(2), not sqrt(0.5))
