"""More of PyTorch's activations: the clipped, smooth, shrinking and gated ones.

``hardtanh`` (and ``relu6``), ``softplus`` and ``logsigmoid`` are ``Function``
subclasses; the others are built from differentiable primitives with
constant masks (``Where`` with a fixed condition), so their gradients at the
joins are exactly PyTorch's and their higher derivatives come for free.
"""
from __future__ import annotations

import numpy as np

from minidl import backend, mt19937
from minidl.autograd.bfloat16_compute import float32_composite
from minidl.autograd.naming import names_node
from minidl.dtypes import is_floating

from ..autograd import Function
from ..backend import get_array_module, random_uniform
from ..tensor import Tensor
from .activation import Sigmoid, _in_place, softmax, tanh
from .elementwise import Where, _masked_grad
from .math import abs as _abs
from .math import exp

__all__ = ["hardtanh", "relu6", "softplus", "logsigmoid", "selu", "celu", "mish", "hardswish", "hardsigmoid",
           "softmin", "softsign", "tanhshrink", "threshold", "glu", "prelu", "rrelu", "softshrink", "hardshrink"]

# SELU's constants (Klambauer et al. 2017), as PyTorch's.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _floating(name, input):
    """PyTorch's NotImplementedError (a RuntimeError) for an activation of a non-floating tensor."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if not is_floating(input.array.dtype):
        names = {"i8": "Long", "i4": "Int", "i2": "Short", "i1": "Char", "u1": "Byte", "b1": "Bool"}
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for "
                                  f"'{names.get(input.array.dtype.str[1:], input.dtype)}'")


def _zero(x):
    """A constant 0-d zero of ``x``'s dtype and device (no gradient)."""
    return Tensor(x.xp.zeros((), dtype=x.array.dtype))


def _where(mask, a, b):
    """``a`` where the constant bool array ``mask`` holds, else ``b`` (Tensors; gradients follow the mask)."""
    return Where.apply(a, b, cond=mask)


class Hardtanh(Function):
    """clip(x, lo, hi); d/dx = 1 strictly inside (lo, hi), 0 elsewhere (at the bounds too, as PyTorch)."""

    _saved_inputs = {0: None}   # PyTorch saves self

    def forward(self, x, lo=-1.0, hi=1.0):
        xp = get_array_module(x)
        self.mask = (x > lo) & (x < hi)
        return xp.minimum(xp.maximum(x, x.dtype.type(lo)), x.dtype.type(hi))

    def backward(self, g):
        return get_array_module(g).where(self.mask, g, g.dtype.type(0))

    def backward_graph(self, g):
        return _masked_grad(g, self.mask)


class Softplus(Function):
    """log(1 + exp(beta x)) / beta, or x where beta x > threshold; d/dx = sigmoid(beta x) (or 1)."""

    _saved_inputs = {0: None}   # PyTorch saves self

    def forward(self, x, beta=1.0, threshold=20.0):
        xp = get_array_module(x)
        self.beta = beta
        z = x * x.dtype.type(beta)
        self.linear = z > threshold
        self.sig = x.dtype.type(0.5) * (1 + xp.tanh(x.dtype.type(0.5) * z))
        soft = xp.logaddexp(x.dtype.type(0), z) / x.dtype.type(beta)
        return xp.where(self.linear, x, soft).astype(x.dtype, copy=False)

    def backward(self, g):
        return get_array_module(g).where(self.linear, g, g * self.sig)

    def backward_graph(self, g):
        s = Sigmoid.apply(self.inputs[0] * self.beta)
        return _where(self.linear, g, g * s)


class LogSigmoid(Function):
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)); d/dx = 1 - sigmoid(x) = sigmoid(-x)."""

    def forward(self, x):
        xp = get_array_module(x)
        self.x = x
        return (xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))).astype(x.dtype, copy=False)

    def backward(self, g):
        xp = get_array_module(g)
        half = self.x.dtype.type(0.5)
        return g * (half * (1 - xp.tanh(half * self.x)))

    def backward_graph(self, g):
        return g * Sigmoid.apply(-self.inputs[0])


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """Clip to [min_val, max_val], any shape: (*) -> (*). Gradient 1 strictly inside, else 0."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")

    def compute(t):
        return Hardtanh.apply(t, lo=float(min_val), hi=float(max_val))
    return _in_place("hardtanh", input, compute) if inplace else compute(input)


def relu6(input, inplace=False):
    """min(max(0, x), 6), any shape: (*) -> (*) (``hardtanh(x, 0, 6)``)."""

    def compute(t):
        return Hardtanh.apply(t, lo=0.0, hi=6.0)
    return _in_place("relu6", input, compute) if inplace else compute(input)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta * x)) / beta, reverting to x where beta * x > threshold; (*) -> (*)."""
    _floating("softplus", input)
    return Softplus.apply(input, beta=float(beta), threshold=float(threshold))


def logsigmoid(input):
    """log(1 / (1 + exp(-x))), computed stably; (*) -> (*)."""
    _floating("log_sigmoid", input)
    return LogSigmoid.apply(input)


def _elu_like(input, alpha, input_scale, scale):
    """``scale * (x if x > 0 else alpha * (exp(x * input_scale) - 1))`` with PyTorch's gradient at 0
    (``alpha * input_scale * scale``, the left limit)."""
    positive = input.array > 0
    negative_part = (exp(_where(positive, _zero(input), input) * input_scale) - 1.0) * alpha
    out = _where(positive, input, negative_part)
    return out * scale if scale != 1.0 else out


@names_node("EluBackward0")   # PyTorch's node name
def selu(input, inplace=False):
    """scale * (max(0, x) + min(0, alpha * (exp(x) - 1))), alpha and scale of Klambauer et al.; (*) -> (*)."""
    _floating("elu", input)

    def compute(t):
        return _elu_like(t, SELU_ALPHA, 1.0, SELU_SCALE)
    return _in_place("selu", input, compute) if inplace else compute(input)


@names_node("CeluBackward0")   # PyTorch's node name
def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)); (*) -> (*)."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    _floating("elu", input)

    def compute(t):
        return _elu_like(t, float(alpha), 1.0 / float(alpha), 1.0)
    return _in_place("celu", input, compute) if inplace else compute(input)


@names_node("MishBackward0")   # PyTorch's node name
@float32_composite   # bfloat16: computed in float32, rounded once
def mish(input, inplace=False):
    """x * tanh(softplus(x)); (*) -> (*)."""
    _floating("mish", input)

    def compute(t):
        return t * tanh(softplus(t))
    return _in_place("mish", input, compute) if inplace else compute(input)


@names_node("HardswishBackward0")   # PyTorch's node name
def hardswish(input, inplace=False):
    """x * relu6(x + 3) / 6; (*) -> (*). Gradient 0 up to -3, x/3 + 1/2 strictly between, 1 from 3 on
    (PyTorch's)."""
    _floating("hardswish", input)

    def compute(t):
        x = t.array
        middle = t * (t + 3.0) * (1.0 / 6.0)
        return _where(x <= -3, _zero(t), _where(x < 3, middle, t))
    return _in_place("hardswish", input, compute) if inplace else compute(input)


@names_node("HardsigmoidBackward0")   # PyTorch's node name
def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6; (*) -> (*). Gradient 1/6 strictly inside (-3, 3), else 0."""
    _floating("hardsigmoid", input)

    def compute(t):
        return Hardtanh.apply(t + 3.0, lo=0.0, hi=6.0) * (1.0 / 6.0)
    return _in_place("hardsigmoid", input, compute) if inplace else compute(input)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) along ``dim``; (*) -> (*)."""
    if dtype is not None:
        input = input.to(dtype)
    return softmax(-input, dim)


def softsign(input):
    """x / (1 + |x|); (*) -> (*)."""
    return input / (_abs(input) + 1.0)


def tanhshrink(input):
    """x - tanh(x); (*) -> (*)."""
    return input - tanh(input)


@names_node("ThresholdBackward0")   # PyTorch's node name
def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, else ``value``; (*) -> (*). Gradient 1 where x > threshold, else 0."""

    def compute(t):
        return _where(t.array > threshold, t, Tensor(t.xp.full((), value, dtype=t.array.dtype)))
    return _in_place("threshold", input, compute) if inplace else compute(input)


@names_node("GluBackward0")   # PyTorch's node name
def glu(input, dim=-1):
    """Gated linear unit: a * sigmoid(b), where a, b are the halves of ``input`` along ``dim``.

    Shapes: (*, 2k, *) -> (*, k, *).
    """
    _floating("glu", input)
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = dim % input.ndim if -input.ndim <= dim < input.ndim else None
    if d is None:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-input.ndim}, "
                         f"{input.ndim - 1}], but got {dim})")
    size = input.shape[d]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {size}")
    a, b = input.chunk(2, d)
    return a * Sigmoid.apply(b)


def prelu(input, weight):
    """x where x > 0, else weight * x; ``weight`` has 1 element or one per channel (dim 1 of the input).

    Shapes: input (N, C, *) or (C,) or (); weight (1,) or (C,).
    """
    if not isinstance(weight, Tensor):
        raise TypeError(f"prelu(): argument 'weight' (position 2) must be Tensor, not {type(weight).__name__}")
    n = weight.numel()
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}")
    if n != 1:
        channels = input.shape[1] if input.ndim >= 2 else 1
        if channels != n:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers "
                               f"= {n} and channel size = {channels}.")
        if input.ndim >= 2:
            weight = weight.reshape((n,) + (1,) * (input.ndim - 2))
    elif weight.ndim == 1 and input.ndim == 0:
        weight = weight.reshape(())
    from ..autograd.autocast_state import lower as _autocast_lower
    input, weight = _autocast_lower(input, weight)   # on autocast's lower-precision list, as PyTorch's
    negative = input * weight
    from ..autograd.naming import name_grad_fn
    return name_grad_fn(_where(input.array > 0, input, negative), "PreluKernelBackward0")   # PyTorch's node


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomised leaky ReLU: in training each negative x is scaled by a slope ~ U(lower, upper),
    drawn from minidl's seeded generator; in eval by (lower + upper) / 2. (*) -> (*)."""
    _floating("rrelu_with_noise", input)
    if training:
        slope = _rrelu_slopes(input.array, float(lower), float(upper))
    else:
        slope = input.xp.full((), (lower + upper) / 2.0, dtype=input.array.dtype)

    def compute(t):
        return _where(t.array > 0, t, t * Tensor(slope))
    return _in_place("rrelu", input, compute) if inplace else compute(input)


def _rrelu_slopes(x, lower, upper):
    """Slopes ~ U(lower, upper) for ``x``'s elements: on the CPU PyTorch's draws, one 53-bit uniform per element
    ``<= 0`` in (logical) C order (``r = u * (upper - lower) + lower``); on a GPU CuPy's, one per element."""
    xp = get_array_module(x)
    if xp is not np:
        u = random_uniform(xp, x.shape, x.dtype)
        return (lower + (upper - lower) * u).astype(x.dtype, copy=False)
    draw = x <= 0
    slopes = np.ones(x.shape, dtype=x.dtype)
    u = mt19937.unit(backend.rng(), int(draw.sum()), np.float64)
    slopes[draw] = (u * (upper - lower) + lower).astype(x.dtype)   # boolean indexing walks in C order
    return slopes


@names_node("SoftshrinkBackward0")   # PyTorch's node name
def softshrink(input, lambd=0.5):
    """x - lambd where x > lambd, x + lambd where x < -lambd, else 0; (*) -> (*)."""
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    _floating("softshrink", input)
    x = input.array
    inner = _where(x < -lambd, input + lambd, _zero(input))
    return _where(x > lambd, input - lambd, inner)


@names_node("HardshrinkBackward0")   # PyTorch's node name
def hardshrink(input, lambd=0.5):
    """x where |x| > lambd, else 0; (*) -> (*)."""
    _floating("hardshrink", input)
    x = input.array
    return _where((x > lambd) | (x < -lambd), input, _zero(input))

