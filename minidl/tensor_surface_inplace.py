"""More in-place :class:`minidl.Tensor` methods (``eq_``, ``sin_``, ``floor_``, ``cumsum_``, ...) and the shift,
in-place bitwise and in-place floor-division/modulo/power operators (``<<``, ``&=``, ``//=``, ``%=``, ``**=``).

Each ``x.name_(*args)`` computes ``x.name(*args)`` and writes it into ``x``
following PyTorch's in-place rules (see :mod:`minidl.tensor_inplace`): a leaf
that requires grad refuses with grad mode on, a tensor inside a graph records
the op, and the result is cast back to ``x``'s dtype (a comparison writes 1/0,
or True/False into a bool tensor).

>>> import minidl as mdl
>>> x = mdl.tensor([1.0, 2.0, 3.0])
>>> x.gt_(1.5).tolist(), x.dtype
([0.0, 1.0, 1.0], minidl.float32)
"""
from __future__ import annotations

__all__ = ["SurfaceInplaceMixin"]

# name_ -> the out-of-place method it writes back
_FROM_METHOD = ("eq", "ne", "ge", "gt", "le", "lt", "sin", "cos", "floor", "ceil", "round", "sign", "square",
                "remainder", "cumsum", "divide", "floor_divide", "heaviside", "bitwise_left_shift",
                "bitwise_right_shift", "arccosh", "arcsinh", "arctanh")


def _cumsum_(self, dim, *, dtype=None):
    """In-place ``cumsum`` along ``dim``; ``dtype``, when given, must be this tensor's dtype (as PyTorch)."""
    from .dtypes import as_dtype, to_numpy_dtype
    np_dtype = to_numpy_dtype(dtype)
    if np_dtype is not None and np_dtype != self.array.dtype:
        raise RuntimeError(f"cumsum_: provided dtype {as_dtype(np_dtype)} doesn't match the tensor's dtype "
                           f"{self.dtype}")
    return self._inplace("cumsum_", lambda t: t.cumsum(dim))


def _inplace_from(base):
    name = base + "_"

    def method(self, *args, **kwargs):
        from .tensor import Tensor
        inputs = tuple(a for a in tuple(args) + tuple(kwargs.values()) if isinstance(a, Tensor))
        return self._inplace(name, lambda t: getattr(t, base)(*args, **kwargs), inputs)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In-place ``{base}``: ``self`` overwritten with ``self.{base}(...)`` (same dtype)."
    return method


class SurfaceInplaceMixin:
    """The methods of this module; installed on :class:`minidl.Tensor` by :func:`install`."""

    def bitwise_left_shift(self, other):
        """``self << other`` (see :func:`minidl.bitwise_left_shift`)."""
        from .functions_bitshift import bitwise_left_shift
        return bitwise_left_shift(self, other)

    def bitwise_right_shift(self, other):
        """``self >> other`` (see :func:`minidl.bitwise_right_shift`)."""
        from .functions_bitshift import bitwise_right_shift
        return bitwise_right_shift(self, other)

    def __lshift__(self, other):
        return self.bitwise_left_shift(other)

    def __rshift__(self, other):
        return self.bitwise_right_shift(other)

    def __rlshift__(self, other):
        from .functions_bitshift import bitwise_left_shift
        return bitwise_left_shift(other, self)

    def __rrshift__(self, other):
        from .functions_bitshift import bitwise_right_shift
        return bitwise_right_shift(other, self)

    def __ilshift__(self, other):
        return self.bitwise_left_shift_(other)

    def __irshift__(self, other):
        return self.bitwise_right_shift_(other)

    def __iand__(self, other):
        return self.bitwise_and_(other)

    def __ior__(self, other):
        return self.bitwise_or_(other)

    def __ixor__(self, other):
        return self.bitwise_xor_(other)

    def __ifloordiv__(self, other):
        return self.floor_divide_(other)

    def __imod__(self, other):
        return self.remainder_(other)

    def __ipow__(self, other):
        return self.pow_(other)

    def __reversed__(self):
        """The tensor flipped along dimension 0 (``reversed(x)``; a 0-d tensor comes back as it is)."""
        return self if self.array.ndim == 0 else self.flip(0)


for _base in _FROM_METHOD:
    setattr(SurfaceInplaceMixin, _base + "_", _inplace_from(_base))
del _base
SurfaceInplaceMixin.cumsum_ = _cumsum_


def finish_signatures(tensor_cls):
    """Give each generated ``name_`` method the signature of ``tensor_cls.name`` (once all methods exist)."""
    import inspect
    for base in _FROM_METHOD:
        method = vars(SurfaceInplaceMixin)[base + "_"]
        try:
            method.__signature__ = inspect.signature(getattr(tensor_cls, base))
        except (AttributeError, TypeError, ValueError):
            pass
