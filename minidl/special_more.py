"""``torch.special``'s Bessel, Airy, orthogonal-polynomial and Hurwitz zeta functions (re-exported by
:mod:`minidl.special`).

The Bessel/Airy functions and the polynomials are not differentiable in PyTorch: their results carry no
graph (``requires_grad`` False whatever the input), and so do minidl's. ``zeta`` is differentiable in its
second argument. Values are computed in float64 and rounded to the result dtype (see
:mod:`minidl._special_bessel_arrays`, :mod:`minidl._special_polynomial_arrays`, :mod:`minidl.ops.special_zeta`).

>>> import minidl as mdl
>>> mdl.special.bessel_j0(mdl.tensor([0.0, 1.0]))
tensor([1.0000, 0.7652])
>>> mdl.special.chebyshev_polynomial_t(mdl.tensor([0.5, 2.0]), 3)
tensor([-1., 26.])
>>> abs(mdl.special.zeta(mdl.tensor(2.0, dtype=mdl.float64), 1.0).item() - 3.141592653589793 ** 2 / 6) < 1e-15
True
"""
from __future__ import annotations

import numpy as np

from . import _special_bessel_arrays as _bessel
from . import _special_polynomial_arrays as _poly
from ._out_arg import with_out
from .dtypes import default_float, is_floating
from .ops import math as _math
from .tensor import Tensor, as_tensor

__all__ = ["airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_i0",
           "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0",
           "scaled_modified_bessel_k1", "spherical_bessel_j0", "chebyshev_polynomial_t", "chebyshev_polynomial_u",
           "chebyshev_polynomial_v", "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t",
           "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w",
           "hermite_polynomial_h", "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p",
           "zeta"]

# the dtypes PyTorch's kernels for these functions refuse (its name for each)
_REFUSED = {"complex64": "ComplexFloat", "complex128": "ComplexDouble", "complex32": "ComplexHalf",
            "float16": "Half", "bfloat16": "BFloat16"}


def _refuse_complex(name, *tensors):
    """NotImplementedError, as PyTorch's, for complex and half-precision operands."""
    for t in tensors:
        kind = _REFUSED.get(str(t.dtype).split(".")[-1])
        if kind is not None:
            raise NotImplementedError(f'"{name}_cpu" not implemented for \'{kind}\'')


def _result(values, dtype):
    """A graph-free Tensor of ``values`` (float64 array) rounded to ``dtype`` (overflowing to inf)."""
    with np.errstate(over="ignore"):
        return Tensor(values.astype(dtype))


def _unary(name, kernel, doc):
    def fn(input):
        x = input if isinstance(input, Tensor) else as_tensor(input)
        _refuse_complex(name, x)
        x = _math._float(x)
        return _result(kernel(x.array), x.array.dtype)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc + " Shapes: any; result of the input's float dtype (integers give the default float " \
                       "dtype); not differentiable, as in PyTorch."
    return with_out(fn, name)


def _polynomial(name, kernel, doc):
    def fn(input, n):
        if not isinstance(input, Tensor) and not isinstance(n, Tensor):
            raise TypeError(f"{name}(): expected at least one Tensor argument")
        x, degree = _math.promote(name, input, n)
        _refuse_complex(name, x)
        dtype = x.array.dtype if is_floating(x.array.dtype) else default_float()
        from .dtypes import to_numpy_dtype
        return _result(kernel(x.array, degree.array), to_numpy_dtype(dtype))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc + " ``input`` and ``n`` are Tensors or numbers, broadcast; ``n`` is truncated to an " \
                       "integer (negative degrees give 0). Not differentiable, as in PyTorch."
    return with_out(fn, name)


airy_ai = _unary("airy_ai", _bessel.airy_ai, "The Airy function Ai(x), elementwise.")
bessel_j0 = _unary("bessel_j0", _bessel.j0, "The Bessel function of the first kind of order 0, J0(x).")
bessel_j1 = _unary("bessel_j1", _bessel.j1, "The Bessel function of the first kind of order 1, J1(x).")
bessel_y0 = _unary("bessel_y0", _bessel.y0, "The Bessel function of the second kind of order 0, Y0(x) "
                                            "(nan for x < 0, -inf at 0).")
bessel_y1 = _unary("bessel_y1", _bessel.y1, "The Bessel function of the second kind of order 1, Y1(x) "
                                            "(nan for x < 0, -inf at 0).")
modified_bessel_i0 = _unary("modified_bessel_i0", _bessel.i0, "The modified Bessel function of the first kind "
                                                              "of order 0, I0(x).")
modified_bessel_i1 = _unary("modified_bessel_i1", _bessel.i1, "The modified Bessel function of the first kind "
                                                              "of order 1, I1(x).")
modified_bessel_k0 = _unary("modified_bessel_k0", _bessel.k0, "The modified Bessel function of the second kind "
                                                              "of order 0, K0(x) (inf at 0, nan for x < 0).")
modified_bessel_k1 = _unary("modified_bessel_k1", _bessel.k1, "The modified Bessel function of the second kind "
                                                              "of order 1, K1(x) (inf at 0, nan for x < 0).")
scaled_modified_bessel_k0 = _unary("scaled_modified_bessel_k0", _bessel.k0e, "exp(x) K0(x).")
scaled_modified_bessel_k1 = _unary("scaled_modified_bessel_k1", _bessel.k1e, "exp(x) K1(x).")
spherical_bessel_j0 = _unary("spherical_bessel_j0", _bessel.spherical_j0, "The spherical Bessel function of the "
                                                                          "first kind of order 0, sin(x) / x.")


def _cheb(kind, shifted):
    return lambda x, n: _poly.chebyshev(kind, x, n, shifted=shifted)


chebyshev_polynomial_t = _polynomial("chebyshev_polynomial_t", _cheb("t", False),
                                     "The Chebyshev polynomial of the first kind T_n(input).")
chebyshev_polynomial_u = _polynomial("chebyshev_polynomial_u", _cheb("u", False),
                                     "The Chebyshev polynomial of the second kind U_n(input).")
chebyshev_polynomial_v = _polynomial("chebyshev_polynomial_v", _cheb("v", False),
                                     "The Chebyshev polynomial of the third kind V_n(input).")
chebyshev_polynomial_w = _polynomial("chebyshev_polynomial_w", _cheb("w", False),
                                     "The Chebyshev polynomial of the fourth kind W_n(input).")
shifted_chebyshev_polynomial_t = _polynomial("shifted_chebyshev_polynomial_t", _cheb("t", True),
                                             "The shifted Chebyshev polynomial T*_n(input) = T_n(2 input - 1).")
shifted_chebyshev_polynomial_u = _polynomial("shifted_chebyshev_polynomial_u", _cheb("u", True),
                                             "The shifted Chebyshev polynomial U*_n(input) = U_n(2 input - 1).")
shifted_chebyshev_polynomial_v = _polynomial("shifted_chebyshev_polynomial_v", _cheb("v", True),
                                             "The shifted Chebyshev polynomial V*_n(input) = V_n(2 input - 1).")
shifted_chebyshev_polynomial_w = _polynomial("shifted_chebyshev_polynomial_w", _cheb("w", True),
                                             "The shifted Chebyshev polynomial W*_n(input) = W_n(2 input - 1).")
hermite_polynomial_h = _polynomial("hermite_polynomial_h", _poly.hermite_h,
                                   "The physicists' Hermite polynomial H_n(input).")
hermite_polynomial_he = _polynomial("hermite_polynomial_he", _poly.hermite_he,
                                    "The probabilists' Hermite polynomial He_n(input).")
laguerre_polynomial_l = _polynomial("laguerre_polynomial_l", _poly.laguerre, "The Laguerre polynomial L_n(input).")
legendre_polynomial_p = _polynomial("legendre_polynomial_p", _poly.legendre, "The Legendre polynomial P_n(input).")


def _zeta(input, other):
    """The Hurwitz zeta function zeta(input, other) = sum_k (other + k) ** -input, broadcast (Tensors or
    numbers, at least one Tensor). Differentiable in ``other`` (d/dq = -x zeta(x + 1, q)); the derivative in
    ``input`` raises NotImplementedError, as PyTorch's."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError("zeta(): expected at least one Tensor argument")
    x, q = _math.promote("zeta", input, other)
    _refuse_complex("zeta", x)
    x, q = _math._float(x), _math._float(q)
    from .ops.special_zeta import zeta as _zeta_op
    return _zeta_op(x, q)


_zeta.__name__ = _zeta.__qualname__ = "zeta"
zeta = with_out(_zeta, "zeta")
