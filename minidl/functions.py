"""Module-level functions mirroring the Tensor methods: ``minidl.max``, ``minidl.cat``, ``minidl.softmax``, ...

Each takes the tensor first, as PyTorch's ``torch.<name>`` does, with the
same arguments as the method. ``minidl.max(a, b)`` with two tensors is the
elementwise maximum.
"""
from __future__ import annotations

import numpy as np

from minidl.autograd.naming import names_node
from minidl.dtypes import is_floating

from ._out_arg import with_out as _with_out
from .ops import activation as _activation
from .ops import compare as _compare
from .ops import elementwise as _elementwise
from .ops import extrema as _extrema
from .ops import layout as _layout
from .ops import math as _math
from .ops import reduction as _reduction
from .ops import shape as _shape
from .ops import statistics as _statistics
from .tensor import Tensor, as_tensor
from .tensor_scatter import scatter  # noqa: F401  (re-exported as minidl.scatter)

__all__ = ["max", "min", "amax", "amin", "argmax", "argmin", "sum", "mean", "prod", "std", "var", "logsumexp",
           "all", "any", "exp", "log", "sin", "cos", "sqrt", "abs", "sign", "floor", "ceil", "round", "clamp",
           "where", "matmul", "mm", "bmm", "flatten", "transpose", "permute", "unsqueeze", "squeeze", "cat",
           "concat", "stack", "chunk", "split", "softmax", "log_softmax", "sigmoid", "tanh", "relu", "numel",
           "is_tensor", "is_floating_point", "pow", "add", "sub", "mul", "div", "neg", "eq", "ne", "lt", "le", "gt",
           "ge", "equal", "allclose", "isclose", "isnan", "isfinite", "gather", "topk", "sort",
           "argsort", "norm", "t", "reshape", "square", "maximum", "minimum", "clip", "unbind", "floor_divide",
           "remainder", "flip", "cumsum", "index_select", "nonzero", "masked_select", "scatter"]

max = _extrema.max
min = _extrema.min
amax = _extrema.amax
amin = _extrema.amin
argmax = _extrema.argmax
argmin = _extrema.argmin
all = _extrema.all
any = _extrema.any
gather = _extrema.gather
topk = _extrema.topk
sort = _extrema.sort
argsort = _extrema.argsort
sum = _reduction.sum
mean = _reduction.mean
prod = _statistics.prod
std = _statistics.std
var = _statistics.var
logsumexp = _statistics.logsumexp
norm = _statistics.norm
cumsum = _statistics.cumsum
exp = _math.exp
log = _math.log
sqrt = _math.sqrt
abs = _math.abs
matmul = _math.matmul
maximum = _math.maximum
minimum = _math.minimum


def _scaled(name, input, other, alpha):
    """``other`` times ``alpha`` for ``add``/``sub``, with PyTorch's checks on ``alpha``.

    A float alpha is refused for integral (and bool) tensors, a complex one for real tensors, a bool
    one for non-bool results; a Python-number ``other`` is scaled in Python, and with a bool result
    the product stays bool, as PyTorch computes ``alpha * other`` in the result dtype.
    """
    from .dtypes import result_type
    target = np.dtype(result_type(input, other))
    if isinstance(alpha, (complex, np.complexfloating)) and target.kind != "c":
        raise RuntimeError("For non-complex input tensors, argument alpha must not be a complex number.")
    if isinstance(alpha, (float, np.floating)) and target.kind in "iub":
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    if isinstance(alpha, (bool, np.bool_)) and target.kind != "b":
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if alpha == 1 and not isinstance(alpha, (bool, np.bool_)):
        return other
    if not isinstance(other, Tensor):
        return other * alpha
    if target.kind == "b":
        return _math.mul(other, bool(alpha))
    return _math.mul(other, alpha)


def add(input, other, *, alpha=1):
    """``input + alpha * other`` (``torch.add``), broadcast, with PyTorch's type promotion."""
    return _math.add(input, _scaled("add", input, other, alpha))


def sub(input, other, *, alpha=1):
    """``input - alpha * other`` (``torch.sub``), broadcast, with PyTorch's type promotion."""
    _math._check_sub_bool(input, other)
    return _math.sub(input, _scaled("sub", input, other, alpha))


mul = _math.mul
neg = _math.neg
sin = _elementwise.sin
cos = _elementwise.cos
sign = _elementwise.sign
floor = _elementwise.floor
ceil = _elementwise.ceil
round = _elementwise.round
clamp = clip = _elementwise.clamp
where = _elementwise.where
floor_divide = _elementwise.floor_divide
remainder = _elementwise.remainder
div = divide = _elementwise.divide
transpose = _shape.transpose
permute = _shape.permute
unsqueeze = _shape.unsqueeze
squeeze = _shape.squeeze
cat = concat = _shape.cat
stack = _shape.stack
chunk = _shape.chunk
split = _shape.split
unbind = _shape.unbind
index_select = _shape.index_select
nonzero = _shape.nonzero
masked_select = _shape.masked_select
reshape = _shape.reshape
eq, ne, lt, le, gt, ge = _compare.eq, _compare.ne, _compare.lt, _compare.le, _compare.gt, _compare.ge
equal, allclose, isclose = _compare.equal, _compare.allclose, _compare.isclose
isnan, isfinite = _compare.isnan, _compare.isfinite
relu = _activation.relu
flip = _layout.flip


def sigmoid(input):
    """1 / (1 + exp(-input)), computed without overflow (integer tensors in float32)."""
    return _activation.sigmoid(_math._float(input))


def tanh(input):
    """Hyperbolic tangent (integer tensors in float32)."""
    return _activation.tanh(_math._float(input))


def pow(input, exponent):
    """``input ** exponent`` (either may be a number; a number base gives PyTorch's ``PowBackward2`` node)."""
    from minidl.autograd.naming import name_grad_fn
    from minidl.tensor import Tensor
    result = _math.pow(input, exponent)
    return result if isinstance(input, Tensor) else name_grad_fn(result, "PowBackward2")


@names_node("PowBackward0")   # PyTorch's node name
def square(input):
    """Elementwise ``input ** 2`` (bool gives int64, as PyTorch's ``pow(input, 2)``)."""
    if isinstance(input, Tensor) and input.array.dtype == np.bool_:
        input = _math.cast(input, np.dtype(np.int64))
    return _math.mul(input, input)


def mm(input, mat2):
    """Product of two matrices."""
    return as_tensor(input).mm(mat2)


def bmm(input, mat2):
    """Batched matrix product of (b, n, m) and (b, m, p) tensors."""
    return as_tensor(input).bmm(mat2)


def t(input):
    """The transpose of a matrix (0-d and 1-D tensors unchanged)."""
    return input.t()


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dimensions ``start_dim..end_dim`` into one (all of them by default), as ``torch.flatten``."""
    return _shape.flatten(input, start_dim, end_dim)


def _dim_arg(dim, axis, name):
    if axis is not None:
        dim = axis
    if dim is None:
        raise TypeError(f"{name}() missing required argument 'dim' (minidl does not guess it, "
                        f"unlike PyTorch's deprecated implicit choice)")
    return dim


def softmax(input, dim=None, dtype=None, *, axis=None):
    """exp(x) / sum(exp(x)) along ``dim``, computed stably; ``dtype`` casts the input first."""
    dim = _dim_arg(dim, axis, "softmax")
    if dtype is None:
        _activation.check_softmax_dtype("softmax", as_tensor(input), dim)
    input = _math._float(input if dtype is None else as_tensor(input).to(dtype=dtype))
    return _activation.Softmax.apply(input, axis=_shape._dim(dim, input.array.ndim))


def log_softmax(input, dim=None, dtype=None, *, axis=None):
    """x - logsumexp(x) along ``dim``, computed stably; ``dtype`` casts the input first."""
    from minidl.ops.complex_conj import refuse_complex
    refuse_complex('"log_softmax_lastdim_kernel_impl" not implemented for \'{type}\'', input)   # as PyTorch
    dim = _dim_arg(dim, axis, "log_softmax")
    if dtype is None:
        _activation.check_softmax_dtype("log_softmax", as_tensor(input), dim)
    input = _math._float(input if dtype is None else as_tensor(input).to(dtype=dtype))
    return _activation.LogSoftmax.apply(input, axis=_shape._dim(dim, input.array.ndim))


def numel(input):
    """Number of elements of ``input``."""
    return input.numel()


def is_tensor(obj):
    """True for minidl Tensors."""
    return isinstance(obj, Tensor)


def is_floating_point(input):
    """True for float16/32/64 tensors."""
    return is_floating(input.array.dtype)


# PyTorch's ``out=`` keyword on the functions that take one (elementwise math, products, joins).
for _name in ("exp", "log", "sqrt", "abs", "matmul", "maximum", "minimum", "add", "sub", "mul", "neg", "sin", "cos",
              "sign", "floor", "ceil", "round", "clamp", "clip", "floor_divide", "remainder", "div", "cat",
              "concat", "stack", "sigmoid", "tanh", "pow", "square", "mm", "bmm"):
    globals()[_name] = _with_out(globals()[_name], _name)
divide = div
del _name
