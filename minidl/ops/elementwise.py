"""More elementwise functions: sin, cos, rounding, clamp, where, floor division and remainder.

The rounding family (sign, floor, ceil, round, trunc) is piecewise constant,
so its gradient is zero, as in PyTorch. Integer inputs of the trigonometric
functions are computed in float32, as PyTorch does.
"""
from __future__ import annotations

import numpy as np

from minidl.dtypes import is_floating

from ..autograd import Function
from ..backend import get_array_module
from ..dtypes import result_type
from ..tensor import Tensor, as_tensor
from .complex_conj import cj, cj_t, refuse_complex
from .math import _float, cast, promote

__all__ = ["sin", "cos", "sign", "floor", "ceil", "round", "trunc", "clamp", "where", "floor_divide",
           "remainder", "divide"]


def _zeros_like(g, shape):
    """A constant zero gradient of ``shape`` (a piecewise-constant op's: no dependence on anything)."""
    return Tensor(get_array_module(g.array).zeros(shape, dtype=g.dtype))


def _masked_grad(g, mask, keep=True):
    """``g`` where ``mask`` (a constant bool array) is ``keep``, else 0, recorded (linear in ``g``).

    A Where rather than a product by the mask, so that an infinite ``g`` at a masked-out place gives 0, not NaN.
    """
    zero = Tensor(get_array_module(g.array).zeros((), dtype=g.dtype))
    return Where.apply(g, zero, cond=mask) if keep else Where.apply(zero, g, cond=mask)


class Sin(Function):
    """sin(x); d/dx = cos(x)."""

    def forward(self, x):
        self.x = x
        return get_array_module(x).sin(x)

    def backward(self, g):
        return g * cj(get_array_module(g).cos(self.x))

    def backward_graph(self, g):
        return g * cj_t(Cos.apply(self.inputs[0]))


class Cos(Function):
    """cos(x); d/dx = -sin(x)."""

    def forward(self, x):
        self.x = x
        return get_array_module(x).cos(x)

    def backward(self, g):
        return -g * cj(get_array_module(g).sin(self.x))

    def backward_graph(self, g):
        return -g * cj_t(Sin.apply(self.inputs[0]))


class Piecewise(Function):
    """A piecewise-constant function (sign, floor, ceil, round, trunc): zero gradient almost everywhere."""

    _reusable = True   # saves no values: a second backward may run through it, as in PyTorch

    def forward(self, x, fn=None):
        self.shape = x.shape
        return fn(x)

    def backward(self, g):
        return get_array_module(g).zeros(self.shape, dtype=g.dtype)

    def backward_graph(self, g):
        return _zeros_like(g, self.shape)


class ClampScalar(Function):
    """clamp(x, lo, hi) with number bounds; d/dx = 1 where lo <= x <= hi, else 0."""

    _saved_inputs = {0: None}   # PyTorch's ClampBackward1 saves self

    def name(self):
        """``ClampBackward1``: PyTorch's node for this op."""
        return "ClampBackward1"

    def forward(self, x, lo=None, hi=None):
        xp = get_array_module(x)
        self.mask = None
        if lo is not None:
            self.mask = x >= lo
        if hi is not None:
            self.mask = (x <= hi) if self.mask is None else self.mask & (x <= hi)
        out = x if lo is None else xp.maximum(x, x.dtype.type(lo))
        return out if hi is None else xp.minimum(out, x.dtype.type(hi))

    def backward(self, g):
        return g if self.mask is None else g * self.mask

    def backward_graph(self, g):
        return g if self.mask is None else _masked_grad(g, self.mask)


class Where(Function):
    """where(cond, a, b); d/da = cond, d/db = not cond."""

    def forward(self, a, b, cond=None):
        self.cond = cond
        return get_array_module(a).where(cond, a, b)

    def backward(self, g):
        zero = g.dtype.type(0)
        xp = get_array_module(g)
        ga = xp.where(self.cond, g, zero) if self.needs_input_grad[0] else None
        gb = xp.where(self.cond, zero, g) if self.needs_input_grad[1] else None
        return ga, gb

    def backward_graph(self, g):
        ga = _masked_grad(g, self.cond) if self.needs_input_grad[0] else None
        gb = _masked_grad(g, self.cond, keep=False) if self.needs_input_grad[1] else None
        return ga, gb


class FloorDivide(Function):
    """a // b, flooring; like PyTorch, its derivative is not implemented (backward raises)."""

    def forward(self, a, b):
        return a // b

    def backward(self, g):
        raise RuntimeError("the derivative for 'floor_divide' is not implemented (as in PyTorch); "
                           "use torch.div(a, b, rounding_mode='floor') for a zero gradient, or a / b")

    def backward_graph(self, g):
        return self.backward(g.array)   # raises, as the array path does


class RoundedDivide(Function):
    """a / b rounded toward -inf ("floor") or 0 ("trunc"); zero gradient, as PyTorch's."""

    def forward(self, a, b, mode="floor"):
        self.shapes = (a.shape, b.shape)
        xp = get_array_module(a)
        if mode == "floor":
            return a // b
        if a.dtype.kind in "iub":
            q = xp.abs(a) // xp.abs(b)
            return xp.where((a < 0) != (b < 0), -q, q).astype(q.dtype)
        return xp.trunc(a / b)

    def backward(self, g):
        xp = get_array_module(g)
        return xp.zeros(self.shapes[0], g.dtype), xp.zeros(self.shapes[1], g.dtype)

    def backward_graph(self, g):
        return _zeros_like(g, self.shapes[0]), _zeros_like(g, self.shapes[1])


class Remainder(Function):
    """a % b with the sign of b (Python's and PyTorch's); d/da = 1, d/db = -floor(a / b)."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return get_array_module(a).remainder(a, b)

    def backward(self, g):
        gb = None
        if self.needs_input_grad[1]:
            gb = -g * get_array_module(g).floor_divide(self.a, self.b)
        return g, gb

    def backward_graph(self, g):
        gb = None
        if self.needs_input_grad[1]:   # floor(a / b) is piecewise constant: a constant factor
            gb = -g * Tensor(get_array_module(self.a).floor_divide(self.a, self.b))
        return g, gb


def sin(input):
    """Elementwise sine."""
    return Sin.apply(_float(input))


def cos(input):
    """Elementwise cosine."""
    return Cos.apply(_float(input))


_BOOL_KERNELS = {"FloorBackward0": "floor_vml_cpu", "CeilBackward0": "ceil_vml_cpu", "TruncBackward0": "trunc_vml_cpu",
                 "RoundBackward0": "round_vml_cpu", "RoundBackward1": "round_cpu"}


def _piecewise(input, fn, node="PiecewiseBackward0"):
    input = as_tensor(input)
    if input.array.dtype == np.bool_ and node in _BOOL_KERNELS:   # PyTorch has no bool kernel for these
        raise NotImplementedError(f"\"{_BOOL_KERNELS[node]}\" not implemented for 'Bool'")
    if input.array.dtype.kind == "c":
        refuse_complex(_COMPLEX_REFUSALS.get(node, f"{node[:-9].lower()} is not supported for complex inputs"), input)
    out = Piecewise.apply(input, fn=fn)
    if out.creator is not None:
        out.creator._node_name = node     # PyTorch's node for the op (SignBackward0, FloorBackward0, ...)
    return out


_COMPLEX_REFUSALS = {"SignBackward0": "Unlike NumPy, torch.sign is not intended to support complex numbers. Please "
                                      "use torch.sgn instead.",
                     "RoundBackward0": '"round_vml_cpu" not implemented for \'{type}\''}


def sign(input):
    """-1, 0 or 1 by the sign of each element (zero gradient)."""
    return _piecewise(input, lambda x: x.copy() if x.dtype == np.bool_ else get_array_module(x).sign(x),
                      "SignBackward0")


def floor(input):
    """Largest integer <= each element (zero gradient; integer tensors are returned as a copy)."""
    return _piecewise(input, lambda x: get_array_module(x).floor(x) if is_floating(x.dtype) else x.copy(),
                      "FloorBackward0")


def ceil(input):
    """Smallest integer >= each element (zero gradient)."""
    return _piecewise(input, lambda x: get_array_module(x).ceil(x) if is_floating(x.dtype) else x.copy(),
                      "CeilBackward0")


def trunc(input):
    """Each element rounded toward zero (zero gradient)."""
    return _piecewise(input, lambda x: get_array_module(x).trunc(x) if is_floating(x.dtype) else x.copy(),
                      "TruncBackward0")


def round(input, decimals=0):
    """Round half to even (``round(2.5) == 2``), to ``decimals`` places (zero gradient)."""
    if decimals:
        return _piecewise(input, lambda x: get_array_module(x).round(x, decimals), "RoundBackward1")
    return _piecewise(input, lambda x: get_array_module(x).rint(x) if is_floating(x.dtype) else x.copy(),
                      "RoundBackward0")


def clamp(input, min=None, max=None):
    """Clamp ``input`` into [min, max]; bounds are numbers or tensors (broadcast), either may be None.

    The gradient reaches ``input`` where it was not clamped (ties count as not
    clamped) and tensor bounds where they were used, as in PyTorch.
    """
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    input = as_tensor(input)
    refuse_complex("clamp is not supported for complex types", input)
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        # ties count as "not clamped": Maximum/Minimum send them to the input
        from .math import Maximum, Minimum, _binary
        out = input
        if min is not None:
            out = _binary(Maximum, "clamp", out, min)
        if max is not None:
            out = _binary(Minimum, "clamp", out, max)
        return out
    target = result_type(input, *(b for b in (min, max) if b is not None))
    if np.dtype(target).kind in "iu":   # Python ints wrap into an integer dtype, as PyTorch converts them
        min, max = (int(np.asarray(b).astype(target)) if isinstance(b, int) and not isinstance(b, bool) else b
                    for b in (min, max))
    input = cast(input, target)
    return ClampScalar.apply(input, lo=min, hi=max)


def where(condition, input=None, other=None):
    """``input`` where ``condition`` holds, else ``other`` (broadcast; numbers allowed).

    With ``condition`` alone: the indices of its non-zero elements, a tuple
    of int64 tensors (one per dimension), as ``torch.where(condition)``.
    """
    cond = condition.array if isinstance(condition, Tensor) else np.asarray(condition)
    if input is None and other is None:
        return tuple(Tensor(i.astype(np.int64)) for i in get_array_module(cond).nonzero(cond))
    if input is None or other is None:
        raise TypeError("where() takes the condition alone or the condition, input and other")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        from ..tensor import tensor
        input = tensor(input)  # two Python numbers: the first becomes a 0-d tensor of its default dtype
        if cond.__class__ is not np.ndarray:
            input = input.to(condition.device)
    a, b = promote("where", input, other)
    if cond.dtype != np.bool_:
        cond = cond.astype(bool)
    try:
        np.broadcast_shapes(cond.shape, a.array.shape, b.array.shape)
    except ValueError:
        raise ValueError(f"where: condition {tuple(cond.shape)}, input {tuple(a.array.shape)} and other "
                         f"{tuple(b.array.shape)} cannot be broadcast together") from None
    out = Where.apply(a, b, cond=cond)
    return out


def check_integer_division(kernel, a, b):
    """PyTorch's integer-division checks on promoted operands: bool is not implemented, a zero divisor
    raises ``RuntimeError: ZeroDivisionError`` (NumPy would quietly give 0)."""
    kind = a.array.dtype.kind
    if kind == "b":
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")
    if kind in "iu" and a.array.size and not get_array_module(b.array).all(b.array != 0):
        raise RuntimeError("ZeroDivisionError")


def floor_divide(input, other):
    """``input // other``: the quotient rounded down (like Python's ``//``); not differentiable."""
    from minidl.ops.complex_conj import refuse_complex
    refuse_complex('"div_floor_cpu" not implemented for \'{type}\'', input, other)   # as PyTorch
    a, b = promote("floor_divide", input, other)
    check_integer_division("div_floor_cpu", a, b)
    return FloorDivide.apply(a, b)


def remainder(input, other):
    """``input % other`` with the sign of ``other`` (Python's convention, as ``torch.remainder``)."""
    from minidl.ops.complex_conj import refuse_complex
    refuse_complex('"remainder_cpu" not implemented for \'{type}\'', input, other)   # as PyTorch
    a, b = promote("remainder", input, other)
    check_integer_division("remainder_cpu", a, b)
    return Remainder.apply(a, b)


def divide(input, other, rounding_mode=None):
    """``input / other``; ``rounding_mode`` None (true division), "trunc" or "floor"."""
    from .math import div
    if rounding_mode is None:
        return div(input, other)
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                         f"'{rounding_mode}'")
    a, b = promote("div", input, other)
    check_integer_division(f"div_{rounding_mode}_cpu", a, b)
    return RoundedDivide.apply(a, b, mode=rounding_mode)
