"""``torch.igamma`` / ``torch.igammac`` (the regularised incomplete gamma functions, as
``torch.special.gammainc`` / ``gammaincc``) with ``out=``, and their Tensor methods ``igamma``, ``igammac``,
``igamma_``, ``igammac_``. Differentiable in ``other``; the derivative in ``input`` raises, as PyTorch's.
"""
from __future__ import annotations

from ._out_arg import with_out

__all__ = ["igamma", "igammac"]


_KIND = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _check(name, input, other):
    """PyTorch's argument rules: two Tensors (TypeError otherwise), floating (NotImplementedError otherwise)."""
    from .tensor import Tensor
    for position, (arg, value) in enumerate((("input", input), ("other", other)), start=1):
        if not isinstance(value, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' (position {position}) must be Tensor, not "
                            f"{type(value).__name__}")
    for value in (input, other):
        if not value.is_floating_point():
            kind = _KIND.get(str(value.dtype).replace("minidl.", ""), str(value.dtype))
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{kind}'")


def _igamma(input, other):
    """The regularised lower incomplete gamma function ``P(input, other)``, broadcast (``torch.igamma``)."""
    from .special import gammainc
    _check("igamma", input, other)
    return gammainc(input, other)


def _igammac(input, other):
    """The regularised upper incomplete gamma function ``Q(input, other) = 1 - P(input, other)``
    (``torch.igammac``)."""
    from .special import gammaincc
    _check("igammac", input, other)
    return gammaincc(input, other)


igamma = with_out(_igamma, "igamma")
igammac = with_out(_igammac, "igammac")
igamma.__name__ = igamma.__qualname__ = "igamma"
igammac.__name__ = igammac.__qualname__ = "igammac"


def install(tensor_cls):
    """Add ``Tensor.igamma``, ``.igammac`` and their in-place forms."""
    from .tensor import Tensor

    def make(name, fn):
        def method(self, other):
            return fn(self, other)

        def method_(self, other):
            inputs = (other,) if isinstance(other, Tensor) else ()
            return self._inplace(name + "_", lambda t: fn(t, other), inputs)
        method.__name__ = method.__qualname__ = name
        method.__doc__ = f"``minidl.{name}(self, other)``: {fn.__doc__.splitlines()[0]}"
        method_.__name__ = method_.__qualname__ = name + "_"
        method_.__doc__ = f"In-place ``{name}``: ``self`` overwritten with ``minidl.{name}(self, other)``."
        setattr(tensor_cls, name, method)
        setattr(tensor_cls, name + "_", method_)
    make("igamma", _igamma)
    make("igammac", _igammac)
