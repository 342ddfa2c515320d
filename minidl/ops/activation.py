"""Activations and the softmax family, computed in a numerically stable way."""
from __future__ import annotations

import math
import warnings

import numpy as np

from minidl._errors import ArgumentError
from minidl.autograd.bfloat16_compute import float32_composite
from minidl.autograd.naming import names_node

from .. import kernels
from ..autograd import Function
from ..autograd.naming import name_grad_fn
from ..backend import erf as _erf_array
from ..backend import get_array_module
from ..tensor import Tensor
from .complex_conj import cj, cj_t

__all__ = ["relu", "leaky_relu", "elu", "gelu", "silu", "sigmoid", "tanh", "softmax", "log_softmax", "erf"]


class ReLU(Function):
    """max(x, 0); d/dx = 1 where x > 0.

    One pass each way (``kernels.relu_forward``/``relu_backward``: NumPy's
    ``maximum(x, 0)`` and ``g * (y > 0)``, bit for bit, on the intra-op threads).
    Like PyTorch's, the node keeps only its output y (``y > 0`` exactly where
    ``x > 0``), which the next layer usually keeps anyway, and no mask.
    """

    _saves_result = True   # PyTorch saves the output: changing it in place refuses backward
    _input_values_unused = True   # backward and backward_graph read y only: x is not kept

    def name(self):
        """``ReluBackward0``: PyTorch's node for this op."""
        return "ReluBackward0"

    def forward(self, x):
        self.y = kernels.relu_forward(x)
        return self.y

    def backward(self, g):
        return kernels.relu_backward(g, self.y)

    def backward_graph(self, g):
        return g * Tensor(self.y > 0)


class LeakyReLU(Function):
    """x if x > 0 else slope*x; d/dx = 1 or slope."""

    _saved_inputs = {0: None}   # PyTorch saves self

    def name(self):
        """``LeakyReluBackward0``: PyTorch's node for this op."""
        return "LeakyReluBackward0"

    def forward(self, x, slope=0.01):
        xp = get_array_module(x)
        self.scale = xp.where(x > 0, x.dtype.type(1), x.dtype.type(slope))
        return x * self.scale

    def backward(self, g):
        return g * self.scale

    def backward_graph(self, g):
        return g * Tensor(self.scale)


class Sigmoid(Function):
    """s = 1/(1+exp(-x)); ds/dx = s(1-s). Computed as (1 + tanh(x/2))/2 to avoid overflow."""

    _saves_result = True   # PyTorch saves the output: changing it in place refuses backward

    def forward(self, x):
        xp = get_array_module(x)
        half = x.dtype.type(0.5)
        self.out = half * (1 + xp.tanh(half * x))
        return self.out

    def backward(self, g):
        return g * cj(self.out * (1 - self.out))

    def backward_graph(self, g):
        s = Sigmoid.apply(self.inputs[0])
        return g * cj_t(s * (1 - s))


class Tanh(Function):
    """t = tanh(x); dt/dx = 1 - t**2."""

    _saves_result = True   # PyTorch saves the output: changing it in place refuses backward

    def forward(self, x):
        self.out = get_array_module(x).tanh(x)
        return self.out

    def backward(self, g):
        return g * cj(1 - self.out * self.out)

    def backward_graph(self, g):
        t = Tanh.apply(self.inputs[0])
        return g * cj_t(1 - t * t)


class Erf(Function):
    """erf(x); d/dx = 2/sqrt(pi) * exp(-x**2)."""

    def forward(self, x):
        self.x = x
        return _erf_array(x).astype(x.dtype, copy=False)   # float16 stays float16

    def backward(self, g):
        xp = get_array_module(g)
        x = self.x
        return g * (x.dtype.type(2.0 / math.sqrt(math.pi)) * xp.exp(-(x * x)))

    def backward_graph(self, g):
        x = self.inputs[0]
        return g * ((-(x * x)).exp() * (2.0 / math.sqrt(math.pi)))


def _log_softmax(x, axis):
    xp = get_array_module(x)
    if x.size == 0:   # nothing to normalise: an empty result of the same shape
        return x.copy()
    z = x - x.max(axis=axis, keepdims=True)
    return z - xp.log(xp.exp(z).sum(axis=axis, keepdims=True))


class Softmax(Function):
    """p = exp(x - max) / sum; dx = p * (g - sum(g * p))."""

    _saves_result = True   # PyTorch saves the output: changing it in place refuses backward

    def forward(self, x, axis=-1):
        self.axis = axis
        self.out = get_array_module(x).exp(_log_softmax(x, axis))
        return self.out

    def backward(self, g):
        p = self.out
        return p * (g - (g * p).sum(axis=self.axis, keepdims=True))

    def backward_graph(self, g):
        p = Softmax.apply(self.inputs[0], axis=self.axis)
        return p * (g - (g * p).sum(axis=self.axis, keepdims=True))


class LogSoftmax(Function):
    """y = x - logsumexp(x); dx = g - softmax(x) * sum(g)."""

    _saves_result = True   # PyTorch saves the output: changing it in place refuses backward

    def forward(self, x, axis=-1):
        self.axis = axis
        self.out = _log_softmax(x, axis)
        return self.out

    def backward(self, g):
        xp = get_array_module(g)
        return g - xp.exp(self.out) * g.sum(axis=self.axis, keepdims=True)

    def backward_graph(self, g):
        p = Softmax.apply(self.inputs[0], axis=self.axis)
        return g - p * g.sum(axis=self.axis, keepdims=True)


def _in_place(name, x, compute):
    """PyTorch's ``inplace=True``: ``x`` takes ``compute(x)``'s values and is returned (``Tensor._inplace``:
    written into its memory outside the graph; inside it recorded on ``x``'s old value, ``x`` rebound to the
    result, as ``x.relu_()``; a leaf that requires grad raises PyTorch's error)."""
    return x._inplace(f"{name}_", compute)


def relu(input, inplace=False):
    """Rectified linear unit max(0, x), any shape: (*) -> (*).

    ``inplace=True`` overwrites ``input`` when no graph is recorded through it.
    """
    if getattr(input, "array", input).dtype.kind == "c":
        raise NotImplementedError("clamp is not supported for complex types")
    if getattr(input, "array", input).dtype == np.bool_:
        raise RuntimeError("Boolean inputs not supported for relu")
    return _in_place("relu", input, ReLU.apply) if inplace else ReLU.apply(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """Leaky ReLU: x if x > 0 else ``negative_slope`` * x, any shape: (*) -> (*)."""

    def compute(t):
        return LeakyReLU.apply(t, slope=negative_slope)
    return _in_place("leaky_relu", input, compute) if inplace else compute(input)


@names_node("EluBackward0")   # PyTorch's node name
@float32_composite   # bfloat16: computed in float32, rounded once
def elu(input, alpha=1.0, inplace=False):
    """Exponential linear unit: x if x > 0 else alpha * (exp(x) - 1), any shape.

    Built from differentiable primitives as relu(x) + alpha * (exp(clamp(x, max=0)) - 1),
    so higher-order gradients come for free; d/dx at 0 is alpha, as in PyTorch (clamp
    passes the gradient at its bound, where ``minimum`` would split it in half).
    """
    from .elementwise import clamp
    from .math import exp

    def compute(t):
        return name_grad_fn(relu(t) + (exp(clamp(t, max=0.0)) - 1.0) * float(alpha), "EluBackward0")
    return _in_place("elu", input, compute) if inplace else compute(input)


def erf(input):
    """The error function, elementwise (differentiable)."""
    from minidl.ops.complex_conj import refuse_complex
    refuse_complex('"erf_vml_cpu" not implemented for \'{type}\'', input)   # as PyTorch
    return Erf.apply(input)


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


@names_node("GeluBackward0")   # PyTorch's node name
@float32_composite   # bfloat16: computed in float32, rounded once
def gelu(input, approximate="none"):
    """Gaussian error linear unit x * Phi(x), any shape: (*) -> (*).

    ``approximate="none"``: Phi(x) = (1 + erf(x / sqrt(2))) / 2 (exact);
    ``"tanh"``: 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x**3))).
    """
    if approximate == "none":
        return name_grad_fn(input * (erf(input * (1.0 / math.sqrt(2.0))) + 1.0) * 0.5, "GeluBackward0")
    if approximate == "tanh":
        inner = (input + input ** 3 * 0.044715) * _SQRT_2_OVER_PI
        return name_grad_fn(input * (tanh(inner) + 1.0) * 0.5, "GeluBackward0")
    raise ArgumentError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


@names_node("SiluBackward0")   # PyTorch's node name
@float32_composite   # bfloat16: computed in float32, rounded once
def silu(input, inplace=False):
    """Sigmoid linear unit (swish) x * sigmoid(x), any shape: (*) -> (*)."""

    def compute(t):
        return name_grad_fn(t * sigmoid(t), "SiluBackward0")
    return _in_place("silu", input, compute) if inplace else compute(input)


def sigmoid(input):
    """Logistic sigmoid 1 / (1 + exp(-x)), any shape."""
    return Sigmoid.apply(input)


def tanh(input):
    """Hyperbolic tangent, any shape."""
    return Tanh.apply(input)


def _implicit_softmax_dim(ndim):
    # PyTorch's legacy choice when dim is None: 0 for 0-, 1- and 3-D inputs, else 1.
    return 0 if ndim in (0, 1, 3) else 1


def check_softmax_dtype(name, input, dim):
    """PyTorch's softmax kernels are float only: integer, bool and complex inputs (with elements) raise."""
    if input.array.dtype.kind in "iubc" and input.array.size:
        from .kernel_guards import torch_name
        ndim = max(input.ndim, 1)
        last = input.ndim == 0 or dim % ndim == input.ndim - 1
        raise NotImplementedError(f"\"{name}{'_lastdim' if last else ''}_kernel_impl\" not implemented for "
                                  f"'{torch_name(input.array.dtype)}'")


def _softmax_args(name, input, dim, dtype, axis):
    """Resolve ``dim``/``axis`` and ``dtype`` of the softmax family; returns (input, dim)."""
    if axis is not None:
        if dim is not None and dim != axis:
            raise TypeError(f"{name}: got both dim={dim} and axis={axis}")
        dim = axis
    if dim is None:
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                      "include dim=X as an argument.", UserWarning, stacklevel=3)
        dim = _implicit_softmax_dim(input.ndim)
    ndim = max(input.ndim, 1)
    if not -ndim <= dim < ndim:
        raise IndexError(f"{name}: dim {dim} is out of range for an input of shape {tuple(input.shape)}")
    if dtype is None:
        check_softmax_dtype(name, input, dim)
    if dtype is not None and np.dtype(dtype) != input.dtype:
        from .math import Cast
        input = Cast.apply(input, dtype=np.dtype(dtype))
    return input, dim % ndim if input.ndim else None


def softmax(input, dim=None, _stacklevel=3, dtype=None, *, axis=None):
    """Softmax along ``dim`` (stable: the max is subtracted first); (*) -> (*).

    ``dtype``: cast the input to it first. ``axis`` is accepted as an alias of ``dim``.

    >>> import minidl as mdl, minidl.nn.functional as F
    >>> F.softmax(mdl.tensor([[0.0, 0.0]]), dim=1).numpy()
    array([[0.5, 0.5]], dtype=float32)
    """
    input, dim = _softmax_args("softmax", input, dim, dtype, axis)
    return Softmax.apply(input, axis=dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None, *, axis=None):
    """log(softmax(x)) along ``dim``, computed via log-sum-exp; (*) -> (*).

    ``dtype``: cast the input to it first. ``axis`` is accepted as an alias of ``dim``.
    """
    from minidl.ops.complex_conj import refuse_complex
    refuse_complex('"log_softmax_lastdim_kernel_impl" not implemented for \'{type}\'', input)   # as PyTorch
    input, dim = _softmax_args("log_softmax", input, dim, dtype, axis)
    return LogSoftmax.apply(input, axis=dim)
