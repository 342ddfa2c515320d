"""Elementwise arithmetic and matrix products, with broadcasting and PyTorch's dtype promotion.

Each Function states its local derivative next to its forward pass; the
autograd engine sums gradients back over broadcast dimensions. The public
wrappers bring both operands to the dtype PyTorch would compute in
(:func:`minidl.dtypes.result_type`) before the Function sees them.
"""
from __future__ import annotations

import numbers

import numpy as np

from minidl._errors import ShapeError
from minidl.dtypes import BFLOAT16, is_float_or_complex

from ..autograd import Function
from ..autograd import _forward_state as _forward_ad
from ..backend import get_array_module
from ..dtypes import default_float, result_type
from ..tensor import Tensor, as_tensor
from .complex_conj import cj, cj_t, refuse_complex, sgn, sgn_array


def _const(array):
    """A constant (non-differentiable) Tensor for the backward_graph methods."""
    return Tensor(array)

__all__ = ["add", "sub", "mul", "div", "neg", "pow", "matmul", "exp", "log", "sqrt", "abs",
           "clip", "maximum", "minimum", "promote", "cast"]


def _check_broadcast(name, a_shape, b_shape):
    try:
        np.broadcast_shapes(a_shape, b_shape)
    except ValueError:
        raise ShapeError(f"{name}: shapes {tuple(a_shape)} and {tuple(b_shape)} cannot be broadcast "
                         f"together") from None


def cast(t, np_dtype):
    """``t`` with dtype ``np_dtype``: a recorded Cast when ``t`` requires grad, else a plain copy."""
    if t.array.dtype == np_dtype:
        return t
    if t.requires_grad or (_forward_ad.active and _forward_ad.any_dual((t,))):   # a dual Tensor: its tangent too
        return Cast.apply(t, dtype=np_dtype)
    return Tensor(t.array.astype(np_dtype))


def promote(name, a, b, exact_scalar=False):
    """``a`` and ``b`` as Tensors of PyTorch's result dtype, on one device, checked to broadcast.

    With ``exact_scalar`` (mul, div), a Python number with a bfloat16 tensor stays a float32 scalar:
    the op computes in float32 and rounds once (minidl/autograd/bfloat16_compute.py), as PyTorch's mul
    and div kernels use the unrounded scalar (its add and sub round the scalar to bfloat16 first)."""
    if exact_scalar and _bf16_with_number(a, b):
        return (a, Tensor(np.asarray(b, dtype=np.float32))) if isinstance(a, Tensor) else \
            (Tensor(np.asarray(a, dtype=np.float32)), b)
    if isinstance(a, Tensor):
        ta = a
        tb = b if isinstance(b, Tensor) else as_tensor(b, like=a)
    else:
        tb = b
        ta = as_tensor(a, like=b)
    da, db = ta.array, tb.array
    if da.dtype != db.dtype:
        target = result_type(a, b)  # the original operands: Python numbers count as "wrapped"
        ta, tb = cast(ta, target), cast(tb, target)
    if da.shape != db.shape:
        _check_broadcast(name, da.shape, db.shape)
    return ta, tb


def _bf16_with_number(a, b):
    """Whether one operand is a bfloat16 Tensor and the other a Python (or NumPy) real number."""
    tensor, other = (a, b) if isinstance(a, Tensor) else (b, a)
    return (isinstance(tensor, Tensor) and tensor.array.dtype == BFLOAT16 and isinstance(other, numbers.Real)
            and not isinstance(other, (bool, np.bool_)) and not isinstance(other, Tensor))


def _binary(cls, name, a, b, exact_scalar=False):
    if cls is MaximumSplit or cls is MinimumSplit:
        refuse_complex(f"{name} not implemented for complex tensors.", a, b, error=RuntimeError)
    a, b = promote(name, a, b, exact_scalar)
    return cls.apply(a, b)


class Add(Function):
    """a + b; d/da = 1, d/db = 1."""

    _reusable = True   # saves no values: a second backward may run through it, as in PyTorch

    def forward(self, a, b):
        return a + b

    def backward(self, g):
        return g, g

    def backward_graph(self, g):
        return g, g


class Sub(Function):
    """a - b; d/da = 1, d/db = -1."""

    _reusable = True   # saves no values: a second backward may run through it, as in PyTorch

    def forward(self, a, b):
        return a - b

    def backward(self, g):
        return g, (-g if self.needs_input_grad[1] else None)

    def backward_graph(self, g):
        return g, (-g if self.needs_input_grad[1] else None)


class Mul(Function):
    """a * b; d/da = b, d/db = a."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, g):   # complex operands: the conjugate (PyTorch's convention, see complex_conj.py)
        ga = g * cj(self.b) if self.needs_input_grad[0] else None
        gb = g * cj(self.a) if self.needs_input_grad[1] else None
        return ga, gb

    def backward_graph(self, g):
        a, b = self.inputs
        return (g * cj_t(b) if self.needs_input_grad[0] else None), (g * cj_t(a) if self.needs_input_grad[1] else None)


class Div(Function):
    """a / b; d/da = 1/b, d/db = -a/b**2."""

    _saved_inputs = {0: (1,), 1: None}   # PyTorch's DivBackward0: other always, self for other's gradient

    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def backward(self, g):
        a, b = cj(self.a), cj(self.b)
        ga = g / b if self.needs_input_grad[0] else None
        gb = -g * a / (b * b) if self.needs_input_grad[1] else None
        return ga, gb

    def backward_graph(self, g):
        a, b = (cj_t(t) for t in self.inputs)
        ga = g / b if self.needs_input_grad[0] else None
        gb = -g * a / (b * b) if self.needs_input_grad[1] else None
        return ga, gb


class Neg(Function):
    """-a; d/da = -1."""

    _reusable = True   # saves no values: a second backward may run through it, as in PyTorch

    def forward(self, a):
        return -a

    def backward(self, g):
        return -g

    def backward_graph(self, g):
        return -g


class PowScalar(Function):
    """a ** c for a constant c; d/da = c * a**(c-1)."""

    def name(self):
        """``PowBackward0``: PyTorch's node for this op."""
        return "PowBackward0"

    def forward(self, a, exponent):
        self.a, self.c = a, exponent
        return a ** exponent

    def backward(self, g):
        c = self.c
        if c == 0:   # PyTorch: a zero exponent has a zero gradient, also where a is 0 (not 0 * inf)
            return get_array_module(g).zeros_like(g)
        return g * cj(c * self.a ** (c - 1))

    def backward_graph(self, g):
        a, = self.inputs
        if self.c == 0:
            return g * 0
        return g * cj_t(self.c * a ** (self.c - 1))


class Pow(Function):
    """a ** b; d/da = b * a**(b-1), d/db = a**b * log(a)."""

    _saved_inputs = {0: None, 1: None}   # PyTorch's PowBackward1 saves self, exponent and result
    _saves_result = True

    def name(self):
        """``PowBackward1``: PyTorch's node for this op."""
        return "PowBackward1"

    def forward(self, a, b):
        self.a, self.b = a, b
        if a.dtype.kind in "iu" and (b < 0).any():   # PyTorch: 1 and -1 keep their powers, others give 0
            xp = get_array_module(a)
            one = xp.ones((), a.dtype)
            base = xp.where(b < 0, one, a)
            out = base ** xp.where(b < 0, 0, b)
            odd = (b % 2) != 0
            neg_out = xp.where(a == 1, one, xp.where(a == -1, xp.where(odd, -one, one), xp.zeros((), a.dtype)))
            self.out = xp.where(b < 0, neg_out, out)
            return self.out
        self.out = a ** b
        return self.out

    def backward(self, g):
        xp = get_array_module(g)
        ga = None
        if self.needs_input_grad[0]:
            ga = g * cj(self.b * self.a ** (self.b - 1))
            zero = self.b == 0   # PyTorch: zero where the exponent is 0, also where a is 0 (not 0 * inf)
            if zero.any():
                ga = xp.where(zero, xp.zeros((), ga.dtype), ga)
        gb = None
        if self.needs_input_grad[1]:
            usable = self.a != 0 if self.a.dtype.kind == "c" else self.a > 0   # log(a) there, else 0
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = g * cj(self.out * xp.log(xp.where(usable, self.a, 1)))
        return ga, gb

    def backward_graph(self, g):
        a, b = self.inputs
        ga = None
        if self.needs_input_grad[0]:
            zero = self.b == 0
            if zero.any():   # zero there (and a finite power, so no 0 * inf), as in backward
                mask = _const(zero.astype(self.b.dtype))
                ga = g * cj_t(b * a ** (b - 1 + mask)) * (1 - mask)
            else:
                ga = g * cj_t(b * a ** (b - 1))
        gb = None
        if self.needs_input_grad[1]:
            usable = self.a != 0 if self.a.dtype.kind == "c" else self.a > 0
            positive = _const(usable.astype(self.a.dtype))
            gb = g * cj_t(a ** b * log(a * positive + (1 - positive)))   # log(a) where usable, else 0
        return ga, gb


class Exp(Function):
    """exp(a); d/da = exp(a)."""
    _saves_result = True   # PyTorch saves the output: changing it in place refuses backward

    def forward(self, a):
        self.out = get_array_module(a).exp(a)
        return self.out

    def backward(self, g):
        return g * cj(self.out)

    def backward_graph(self, g):
        return g * cj_t(exp(self.inputs[0]))


class Log(Function):
    """log(a); d/da = 1/a."""

    def forward(self, a):
        self.a = a
        return get_array_module(a).log(a)

    def backward(self, g):
        return g / cj(self.a)

    def backward_graph(self, g):
        return g / cj_t(self.inputs[0])


class Sqrt(Function):
    """sqrt(a); d/da = 1 / (2 sqrt(a))."""
    _saves_result = True   # PyTorch saves the output: changing it in place refuses backward

    def forward(self, a):
        self.out = get_array_module(a).sqrt(a)
        return self.out

    def backward(self, g):
        return g / (2 * cj(self.out))

    def backward_graph(self, g):
        return g / (2 * cj_t(sqrt(self.inputs[0])))


class Abs(Function):
    """|a|; d/da = sign(a) (0 at 0)."""

    def forward(self, a):
        self.a = a
        return get_array_module(a).abs(a)

    def backward(self, g):   # complex a: g * a / |a| (0 at 0)
        return g * (sgn_array(self.a) if self.a.dtype.kind == "c" else get_array_module(g).sign(self.a))

    def backward_graph(self, g):
        a = self.inputs[0]
        return g * (sgn(a) if self.a.dtype.kind == "c" else _const(get_array_module(self.a).sign(self.a)))


class Clip(Function):
    """clip(a, lo, hi); d/da = 1 inside [lo, hi], 0 where clipped."""

    def forward(self, a, lo=None, hi=None):
        xp = get_array_module(a)
        self.mask = xp.ones(a.shape, dtype=bool)
        if lo is not None:
            self.mask &= a >= lo
        if hi is not None:
            self.mask &= a <= hi
        return xp.clip(a, lo, hi)

    def backward(self, g):
        return g * self.mask

    def backward_graph(self, g):
        return g * _const(self.mask)


class Maximum(Function):
    """max(a, b) elementwise; the gradient goes to the larger (to a on ties)."""

    def forward(self, a, b):
        self.a_wins = a >= b
        return get_array_module(a).maximum(a, b)

    def backward(self, g):
        return g * self.a_wins, g * ~self.a_wins

    def backward_graph(self, g):
        return g * _const(self.a_wins), g * _const(~self.a_wins)


class Minimum(Function):
    """min(a, b) elementwise; the gradient goes to the smaller (to a on ties)."""

    def forward(self, a, b):
        self.a_wins = a <= b
        return get_array_module(a).minimum(a, b)

    def backward(self, g):
        return g * self.a_wins, g * ~self.a_wins

    def backward_graph(self, g):
        return g * _const(self.a_wins), g * _const(~self.a_wins)


class MaximumSplit(Function):
    _saved_inputs = {0: None, 1: None}   # PyTorch saves both operands

    """maximum(a, b) as ``torch.maximum``: the gradient goes to the larger, split in half on ties."""

    def name(self):
        """PyTorch's node name, ``MaximumBackward0``."""
        return "MaximumBackward0"

    def forward(self, a, b):
        self.a_share = (a > b) + (a == b) * a.dtype.type(0.5)
        return get_array_module(a).maximum(a, b)

    def backward(self, g):
        return g * self.a_share, g * (1 - self.a_share)

    def backward_graph(self, g):
        return g * _const(self.a_share), g * _const(1 - self.a_share)


class MinimumSplit(Function):
    _saved_inputs = {0: None, 1: None}   # PyTorch saves both operands

    """minimum(a, b) as ``torch.minimum``: the gradient goes to the smaller, split in half on ties."""

    def name(self):
        """PyTorch's node name, ``MinimumBackward0``."""
        return "MinimumBackward0"

    def forward(self, a, b):
        self.a_share = (a < b) + (a == b) * a.dtype.type(0.5)
        return get_array_module(a).minimum(a, b)

    def backward(self, g):
        return g * self.a_share, g * (1 - self.a_share)

    def backward_graph(self, g):
        return g * _const(self.a_share), g * _const(1 - self.a_share)


class Cast(Function):
    """a.astype(dtype); the gradient is cast back to a's dtype."""

    _reusable = True   # saves no values: a second backward may run through it, as in PyTorch
    _bf16_native = True   # moves values only: runs on bfloat16 arrays as they are

    def name(self):
        """``ToCopyBackward0``: PyTorch's node for this op."""
        return "ToCopyBackward0"

    def forward(self, a, dtype=None):
        self.src = a.dtype
        if a.dtype.kind == "c" and np.dtype(dtype).kind != "c":   # complex to real keeps the real part
            a = a != 0 if np.dtype(dtype).kind == "b" else a.real     # (to bool: nonzero in either part)
        return a.astype(dtype)

    def backward(self, g):
        return (g.real if g.dtype.kind == "c" and self.src.kind != "c" else g).astype(self.src)

    def backward_graph(self, g):
        return Cast.apply(g, dtype=self.src)


def add(a, b):
    """a + b with broadcasting."""
    return _binary(Add, "add", a, b)


def _is_bool(x):
    """A bool tensor or a Python/NumPy bool, which PyTorch's ``-`` and ``pow`` refuse."""
    return isinstance(x, (bool, np.bool_)) or (isinstance(x, Tensor) and x.array.dtype == np.bool_)


def _check_sub_bool(a, b):
    """PyTorch's errors for ``-`` with a bool operand (its text, so callers can match on it)."""
    if _is_bool(a) and _is_bool(b):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if _is_bool(a) or _is_bool(b):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")


def sub(a, b):
    """a - b with broadcasting (bool operands refused, as PyTorch)."""
    _check_sub_bool(a, b)
    return _binary(Sub, "sub", a, b)


def mul(a, b):
    """a * b with broadcasting."""
    return _binary(Mul, "mul", a, b, exact_scalar=True)


def float_with_number(a, b):
    """For ops computed in floating point (div, xlogy): an integral tensor with a Python real number is
    cast to the default float first, so the number keeps its value (-1 with uint8 is not 255), as PyTorch."""
    def real_number(v):
        return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
    if isinstance(a, Tensor) and real_number(b) and a.array.dtype.kind in "iub":
        a = cast(a, default_float())
    elif isinstance(b, Tensor) and real_number(a) and b.array.dtype.kind in "iub":
        b = cast(b, default_float())
    return a, b


def div(a, b):
    """a / b with broadcasting; true division, so integers give the default float dtype (as PyTorch)."""
    a, b = float_with_number(a, b)
    a, b = promote("div", a, b, exact_scalar=True)
    if not is_float_or_complex(a.array.dtype):
        a, b = cast(a, default_float()), cast(b, default_float())
    return Div.apply(a, b)


def neg(a):
    """-a (a bool tensor refused, as PyTorch)."""
    if _is_bool(a):
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    return Neg.apply(a)


def pow(a, b):
    """a ** b; a constant Python exponent uses the cheaper scalar rule.

    Dtypes as PyTorch: an integer tensor to an integer power stays integer,
    to a float power becomes the default float dtype. Bool to a bool power is not implemented, and an
    integer tensor to a negative integer number raises, as in PyTorch.
    """
    if _is_bool(a) and _is_bool(b):
        if isinstance(a, Tensor) and not isinstance(b, Tensor):   # bool tensor ** Python bool stays bool
            xp = get_array_module(a.array)
            return Tensor(a.array.copy() if b else xp.ones_like(a.array))
        raise NotImplementedError("\"pow\" not implemented for 'Bool'")
    if (isinstance(a, Tensor) and a.array.dtype.kind in "iub" and isinstance(b, (int, np.integer))
            and not isinstance(b, (bool, np.bool_)) and b < 0):
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    if isinstance(a, Tensor) and not isinstance(b, Tensor) and np.isscalar(b):
        if a.array.dtype.kind in "iub" and isinstance(b, (float, np.floating)):
            a = cast(a, default_float())
        elif a.array.dtype.kind in "iubf" and isinstance(b, (complex, np.complexfloating)):   # the complex type
            from .complex import complex_dtype_of
            real = a.array.dtype if a.array.dtype.kind == "f" and a.array.dtype.itemsize >= 4 else default_float()
            a = cast(a, complex_dtype_of(real))
        elif a.array.dtype.kind == "b":
            a = cast(a, np.dtype(np.int64))
        elif a.array.dtype == BFLOAT16:
            b = float(np.asarray(b, dtype=BFLOAT16))   # PyTorch rounds the exponent to the base's bfloat16
        return PowScalar.apply(a, exponent=b)
    return _binary(Pow, "pow", a, b)


def _float(a):
    """``a`` as a Tensor, integer and bool tensors cast to the default float dtype (as PyTorch's float-only
    functions)."""
    if not isinstance(a, Tensor):
        a = as_tensor(a)
    if not is_float_or_complex(a.array.dtype):
        a = cast(a, default_float())
    return a


def exp(a):
    """Elementwise e**a."""
    return Exp.apply(_float(a))


def log(a):
    """Elementwise natural logarithm."""
    return Log.apply(_float(a))


def sqrt(a):
    """Elementwise square root."""
    return Sqrt.apply(_float(a))


def abs(a):
    """Elementwise absolute value (not for bool tensors, as PyTorch)."""
    if isinstance(a, Tensor) and a.array.dtype == np.bool_:
        raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
    return Abs.apply(a)


def clip(a, min=None, max=None):
    """Clamp into [min, max] (numbers; see :func:`minidl.clamp` for tensor bounds)."""
    from .elementwise import clamp
    return clamp(a, min, max)


def maximum(a, b):
    """Elementwise maximum with broadcasting; ties share the gradient equally, as ``torch.maximum``."""
    return _binary(MaximumSplit, "maximum", a, b)


def minimum(a, b):
    """Elementwise minimum with broadcasting; ties share the gradient equally, as ``torch.minimum``."""
    return _binary(MinimumSplit, "minimum", a, b)


# the matrix product lives in matmul_op.py (this module's size); re-exported here as before
from .matmul_op import MatMul, matmul, promote_matmul  # noqa: E402,F401
