"""Tensor arithmetic: operators, comparisons and elementwise methods (mixed into ``Tensor``).

Operators follow PyTorch: ``/`` is true division (integers give float32),
``//`` floors, ``%`` takes the sign of the divisor, comparisons return bool
tensors outside the graph, and dtypes promote as PyTorch's do (see
:func:`minidl.dtypes.result_type`).
"""
from __future__ import annotations

import importlib

import numpy as np

from minidl.autograd.naming import name_grad_fn

__all__ = ["MathMixin", "ops"]


class _LazyOps:
    """``ops.math``, ``ops.shape``, ...: the :mod:`minidl.ops` modules, imported on first use.

    The ops modules import ``Tensor``, so ``tensor.py`` cannot import them at
    the top; after the first access each module is a plain attribute here.
    """

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        module = importlib.import_module(f"minidl.ops.{name}")
        setattr(self, name, module)
        return module


ops = _LazyOps()


def _is_number(value):
    """A Python (or NumPy) scalar, as PyTorch's reflected operators see a ``Scalar``."""
    return isinstance(value, (bool, int, float, complex, np.generic))


class MathMixin:
    """Arithmetic, comparisons and elementwise functions of :class:`minidl.Tensor`."""

    # --- operators ------------------------------------------------------------------
    def __add__(self, other):
        return ops.math.add(self, other)

    def __radd__(self, other):
        # number + tensor is PyTorch's add(tensor, number): the tensor's edge comes first in next_functions
        return ops.math.add(self, other) if _is_number(other) else ops.math.add(other, self)

    def __sub__(self, other):
        return ops.math.sub(self, other)

    def __rsub__(self, other):
        return name_grad_fn(ops.math.sub(other, self), "RsubBackward1")   # PyTorch's node for number - tensor

    def __mul__(self, other):
        return ops.math.mul(self, other)

    def __rmul__(self, other):
        return ops.math.mul(self, other) if _is_number(other) else ops.math.mul(other, self)

    def __truediv__(self, other):
        return ops.math.div(self, other)

    def __rtruediv__(self, other):
        if _is_number(other):   # PyTorch computes number / tensor as reciprocal(tensor) * number (values too)
            return ops.math.mul(self.reciprocal(), other)
        return ops.math.div(other, self)

    def __floordiv__(self, other):
        return ops.elementwise.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return ops.elementwise.floor_divide(other, self)

    def __mod__(self, other):
        return ops.elementwise.remainder(self, other)

    def __rmod__(self, other):
        return ops.elementwise.remainder(other, self)

    def __pow__(self, other):
        return ops.math.pow(self, other)

    def __rpow__(self, other):
        result = ops.math.pow(other, self)
        return name_grad_fn(result, "PowBackward2") if _is_number(other) else result   # pow(Scalar, Tensor)

    def __matmul__(self, other):
        return ops.math.matmul(self, other)

    def __rmatmul__(self, other):
        return ops.math.matmul(other, self)

    def __neg__(self):
        return ops.math.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return ops.math.abs(self)

    def __invert__(self):
        if self.array.dtype.kind not in "iub":   # PyTorch's operator refuses before the kernel does
            raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
        return ops.compare.logical_not(self) if self.array.dtype.kind == "b" else ops.compare.bitwise_not(self)

    def __and__(self, other):
        return ops.compare.bitwise_and(self, other)

    __rand__ = __and__

    def __or__(self, other):
        return ops.compare.bitwise_or(self, other)

    __ror__ = __or__

    def __xor__(self, other):
        return ops.compare.bitwise_xor(self, other)

    __rxor__ = __xor__

    # --- comparisons: bool tensors outside the graph --------------------------------
    def __eq__(self, other):
        return ops.compare.eq(self, other)

    def __ne__(self, other):
        return ops.compare.ne(self, other)

    def __lt__(self, other):
        return ops.compare.lt(self, other)

    def __le__(self, other):
        return ops.compare.le(self, other)

    def __gt__(self, other):
        return ops.compare.gt(self, other)

    def __ge__(self, other):
        return ops.compare.ge(self, other)

    def __contains__(self, value):
        return bool((self == value).array.any())

    def eq(self, other):
        """Elementwise ``self == other`` as a bool tensor."""
        return ops.compare.eq(self, other)

    def ne(self, other):
        """Elementwise ``self != other`` as a bool tensor."""
        return ops.compare.ne(self, other)

    def lt(self, other):
        """Elementwise ``self < other`` as a bool tensor."""
        return ops.compare.lt(self, other)

    def le(self, other):
        """Elementwise ``self <= other`` as a bool tensor."""
        return ops.compare.le(self, other)

    def gt(self, other):
        """Elementwise ``self > other`` as a bool tensor."""
        return ops.compare.gt(self, other)

    def ge(self, other):
        """Elementwise ``self >= other`` as a bool tensor."""
        return ops.compare.ge(self, other)

    def equal(self, other):
        """True when ``other`` has the same shape and elements (a Python bool)."""
        return ops.compare.equal(self, other)

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """True when every element is within ``atol + rtol * |other|`` of ``other`` (a Python bool)."""
        return ops.compare.allclose(self, other, rtol=rtol, atol=atol, equal_nan=equal_nan)

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """Elementwise closeness to ``other`` as a bool tensor."""
        return ops.compare.isclose(self, other, rtol=rtol, atol=atol, equal_nan=equal_nan)

    def isnan(self):
        """Elementwise NaN test as a bool tensor."""
        return ops.compare.isnan(self)

    def isfinite(self):
        """Elementwise finiteness test as a bool tensor."""
        return ops.compare.isfinite(self)

    def logical_not(self):
        """Elementwise logical not as a bool tensor."""
        return ops.compare.logical_not(self)

    # --- arithmetic methods -----------------------------------------------------------
    def add(self, other, alpha=1):
        """``self + alpha * other``."""
        from minidl.functions import add
        return add(self, other, alpha=alpha)

    def sub(self, other, alpha=1):
        """``self - alpha * other``."""
        from minidl.functions import sub
        return sub(self, other, alpha=alpha)

    def mul(self, other):
        """``self * other``."""
        return ops.math.mul(self, other)

    def div(self, other, rounding_mode=None):
        """``self / other``; ``rounding_mode`` "floor" or "trunc" rounds the quotient."""
        return ops.elementwise.divide(self, other, rounding_mode)

    def floor_divide(self, other):
        """``self // other``, rounding down."""
        return ops.elementwise.floor_divide(self, other)

    def remainder(self, other):
        """``self % other`` with the sign of ``other``."""
        return ops.elementwise.remainder(self, other)

    def neg(self):
        """``-self``."""
        return ops.math.neg(self)

    def pow(self, exponent):
        """``self ** exponent`` (a number or a tensor)."""
        return ops.math.pow(self, exponent)

    def matmul(self, other):
        """Matrix product ``self @ other`` (``torch.matmul`` rules)."""
        return ops.math.matmul(self, other)

    def mm(self, other):
        """Product of two matrices."""
        if self.array.ndim != 2 or getattr(other, "ndim", 0) != 2:
            raise RuntimeError(f"mm: both arguments must be matrices, got shapes {tuple(self.array.shape)} "
                               f"and {tuple(getattr(other, 'shape', ()))}")
        return ops.math.matmul(self, other)

    def bmm(self, other):
        """Batched product of (b, n, m) and (b, m, p) tensors."""
        if self.array.ndim != 3 or getattr(other, "ndim", 0) != 3:
            raise RuntimeError(f"bmm: both arguments must be 3-D, got shapes {tuple(self.array.shape)} "
                               f"and {tuple(getattr(other, 'shape', ()))}")
        return name_grad_fn(ops.math.matmul(self, other), "BmmBackward0")

    def dot(self, other):
        """Inner product of two 1-D tensors (``torch.dot``: the same checks and messages)."""
        from .functions_math import dot
        return dot(self, other)

    def maximum(self, other):
        """Elementwise maximum with ``other``."""
        return ops.math.maximum(self, other)

    def minimum(self, other):
        """Elementwise minimum with ``other``."""
        return ops.math.minimum(self, other)

    def where(self, condition, other):
        """``self`` where ``condition`` holds, else ``other`` (``torch.where(condition, self, other)``)."""
        return ops.elementwise.where(condition, self, other)

    # --- elementwise functions -----------------------------------------------------------
    def exp(self):
        """Elementwise e**x."""
        return ops.math.exp(self)

    def log(self):
        """Elementwise natural logarithm."""
        return ops.math.log(self)

    def sqrt(self):
        """Elementwise square root."""
        return ops.math.sqrt(self)

    def rsqrt(self):
        """Elementwise 1 / sqrt(x)."""
        from minidl.functions_math import rsqrt
        return rsqrt(self)

    def square(self):
        """Elementwise x**2 (bool gives int64, as PyTorch)."""
        from minidl.functions import square
        return square(self)

    def reciprocal(self):
        """Elementwise 1 / x."""
        from minidl.functions_math import reciprocal
        return reciprocal(self)

    def abs(self):
        """Elementwise absolute value."""
        return ops.math.abs(self)

    def sin(self):
        """Elementwise sine."""
        return ops.elementwise.sin(self)

    def cos(self):
        """Elementwise cosine."""
        return ops.elementwise.cos(self)

    def sign(self):
        """-1, 0 or 1 by the sign of each element (zero gradient)."""
        return ops.elementwise.sign(self)

    def floor(self):
        """Round down (zero gradient)."""
        return ops.elementwise.floor(self)

    def ceil(self):
        """Round up (zero gradient)."""
        return ops.elementwise.ceil(self)

    def round(self, decimals=0):
        """Round half to even, to ``decimals`` places (zero gradient)."""
        return ops.elementwise.round(self, decimals=decimals)

    def trunc(self):
        """Round toward zero (zero gradient)."""
        return ops.elementwise.trunc(self)

    def clamp(self, min=None, max=None):
        """Clamp into [min, max] (numbers or tensors); the gradient flows where not clamped."""
        return ops.elementwise.clamp(self, min, max)

    clip = clamp

    def clamp_min(self, min):
        """``clamp(min=min)``: values below ``min`` (a number or tensor) become ``min``."""
        return ops.elementwise.clamp(self, min, None)

    def clamp_max(self, max):
        """``clamp(max=max)``: values above ``max`` (a number or tensor) become ``max``."""
        return ops.elementwise.clamp(self, None, max)

    def relu(self):
        """max(x, 0)."""
        return ops.activation.relu(self)

    def sigmoid(self):
        """1 / (1 + exp(-x)) (integer tensors are computed in float32)."""
        return ops.activation.sigmoid(ops.math._float(self))

    def tanh(self):
        """Hyperbolic tangent (integer tensors are computed in float32)."""
        return ops.activation.tanh(ops.math._float(self))

    def softmax(self, dim, dtype=None):
        """Softmax along ``dim``."""
        from .functions import softmax
        return softmax(self, dim, dtype=dtype)

    def log_softmax(self, dim, dtype=None):
        """Log-softmax along ``dim``."""
        from .functions import log_softmax
        return log_softmax(self, dim, dtype=dtype)
