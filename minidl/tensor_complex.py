"""The complex-number methods of :class:`minidl.Tensor`: ``real``/``imag`` (writable views), ``conj``,
``conj_physical``, ``is_complex`` stays in :mod:`minidl.tensor_more`.

:func:`install` sets them on the class (called once by ``minidl/__init__.py``), so that
``minidl/tensor.py`` does not need to know them.
"""
from __future__ import annotations

__all__ = ["install", "ComplexMethods"]


def _assign(part, value):
    """Write ``value`` (a Tensor or number, broadcast) into the view ``part``, as ``copy_``."""
    from .tensor import Tensor
    array = value.array if isinstance(value, Tensor) else value
    part.array[...] = array


class ComplexMethods:
    """Holder of the methods :func:`install` copies onto Tensor."""

    @property
    def real(self):
        """The real part: for a complex tensor a float view sharing its memory (writes go through), for a
        real tensor the tensor itself."""
        from .ops.complex import real
        return real(self)

    @real.setter
    def real(self, value):
        """``z.real = v``: write ``v`` into the real part."""
        _assign(self.real, value)

    @property
    def imag(self):
        """The imaginary part of a complex tensor, a float view sharing its memory; RuntimeError for real
        tensors, as PyTorch's."""
        from .ops.complex import imag
        return imag(self)

    @imag.setter
    def imag(self, value):
        """``z.imag = v``: write ``v`` into the imaginary part."""
        _assign(self.imag, value)

    def conj(self):
        """The complex conjugate (``self`` for a real tensor); the result's ``is_conj()`` is True."""
        from .ops.complex import conj
        return conj(self)

    def conj_physical(self):
        """The complex conjugate, computed now (``self`` for a real tensor)."""
        from .ops.complex import conj_physical
        return conj_physical(self)

    def conj_physical_(self):
        """Conjugate in place (nothing for a real tensor); returns self."""
        if self.array.dtype.kind == "c":
            self.array[...] = self.array.conj()
        return self


    def cfloat(self):
        """This tensor as complex64 (``self.to(minidl.cfloat)``)."""
        from .dtypes import complex64
        return self.to(complex64)

    def cdouble(self):
        """This tensor as complex128 (``self.to(minidl.cdouble)``)."""
        from .dtypes import complex128
        return self.to(complex128)


_NAMES = ("real", "imag", "conj", "conj_physical", "conj_physical_", "cfloat", "cdouble")


def install():
    """Copy the complex methods onto :class:`minidl.Tensor`."""
    from .tensor import Tensor
    for name in _NAMES:
        setattr(Tensor, name, vars(ComplexMethods)[name])
