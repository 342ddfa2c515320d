"""``keras.ops``: Keras 3's backend-agnostic tensor functions on minidl Tensors.

Each function takes Tensors, Keras Variables, NumPy arrays or Python numbers
(converted with :func:`convert_to_tensor`) and returns a minidl Tensor, so it
is differentiable inside a custom layer's ``call`` or a custom ``train_step``.
Argument names and defaults are Keras' (``axis``, ``keepdims``); reductions
such as ``max`` return values only. Float NumPy inputs become float32
(Keras' ``floatx``). The neural-network functions (``relu``, ``softmax``,
``one_hot``, ...) and the losses live in :mod:`minidl.keras._ops_nn` and are
re-exported here.
"""
from __future__ import annotations

import builtins

import numpy as np

import minidl
from minidl.backend import is_device_array
from minidl.keras._tensor import numpy_of
from minidl.tensor import Tensor

__all__ = [
    "convert_to_tensor", "convert_to_numpy", "is_tensor", "cast", "shape", "ndim", "size", "dtype",
    "stop_gradient", "zeros", "ones", "full", "zeros_like", "ones_like", "full_like", "eye", "identity", "arange",
    "linspace", "add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "mod", "power",
    "negative", "abs", "absolute", "sign", "square", "sqrt", "rsqrt", "exp", "log", "log1p", "expm1", "log2",
    "log10", "sin", "cos", "tan", "tanh", "sinh", "cosh", "arcsin", "arccos", "arctan", "arctan2", "floor",
    "ceil", "round", "clip", "maximum", "minimum", "erf", "reciprocal", "equal", "not_equal", "greater",
    "greater_equal", "less", "less_equal", "logical_and", "logical_or", "logical_not", "isnan", "isinf",
    "isfinite", "where", "sum", "mean", "max", "min", "prod", "std", "var", "all", "any", "argmax", "argmin",
    "cumsum", "cumprod", "logsumexp", "sort", "argsort", "top_k", "matmul", "dot", "einsum", "tensordot",
    "outer", "reshape", "transpose", "expand_dims", "squeeze", "concatenate", "stack", "unstack", "split",
    "tile", "repeat", "broadcast_to", "flip", "moveaxis", "swapaxes", "take", "take_along_axis", "tril",
    "triu", "diag", "trace", "pad", "roll", "slice", "count_nonzero", "norm", "vectorized_map", "cond",
]


def _float_dtype(arr):
    return np.float32 if arr.dtype.kind == "f" and arr.dtype != np.float32 and arr.dtype.itemsize == 8 else None


def _int32_fits(arr) -> bool:
    """True for an int64 NumPy array whose values all fit int32."""
    if arr.dtype != np.int64:
        return False
    return arr.size == 0 or (int(arr.min()) >= -2 ** 31 and int(arr.max()) < 2 ** 31)


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None) -> Tensor:
    """``x`` as a minidl Tensor (a Tensor or Variable passes through); NumPy float64 and Python floats
    become float32 (Keras' ``floatx``); Python ints and NumPy int64 become int32, as Keras 3 on JAX
    (64-bit types disabled), unless a value needs 64 bits (kept int64, where Keras would wrap it);
    other integer dtypes stay as given; ``dtype`` casts."""
    if isinstance(x, Tensor):
        t = x
    else:
        if isinstance(x, (list, tuple)) and builtins.any(isinstance(v, Tensor) for v in x):
            return minidl.stack([convert_to_tensor(v, dtype) for v in x])
        arr = x if is_device_array(x) else np.asarray(x)
        if isinstance(x, float) or (isinstance(arr, np.ndarray) and _float_dtype(arr) is not None):
            arr = arr.astype(np.float32)
        elif dtype is None and isinstance(arr, np.ndarray) and _int32_fits(arr):
            arr = arr.astype(np.int32)
        t = minidl.as_tensor(arr)
    return cast(t, dtype) if dtype is not None else t


_t = convert_to_tensor


def convert_to_numpy(x) -> np.ndarray:
    """A NumPy array of ``x`` (a Tensor, a Keras Variable in Keras' layout, or array-like)."""
    if hasattr(x, "keras_shape") and hasattr(x, "numpy"):
        return x.numpy()
    return np.array(numpy_of(x.detach() if isinstance(x, Tensor) else x))


def is_tensor(x) -> bool:
    """True for a minidl Tensor (Keras Variables included)."""
    return isinstance(x, Tensor)


def _to_dtype(dtype):
    if dtype is None or isinstance(dtype, minidl.dtype):
        return dtype
    name = dtype if isinstance(dtype, str) else np.dtype(dtype).name
    name = {"bool_": "bool"}.get(name, name)
    try:
        return getattr(minidl, name)
    except AttributeError:
        raise ValueError(f"Invalid dtype: {dtype!r}") from None


def cast(x, dtype) -> Tensor:
    """``x`` converted to ``dtype`` (a string such as ``"float32"``, a NumPy or minidl dtype)."""
    return _t(x).to(_to_dtype(dtype))


def shape(x) -> tuple:
    """The shape of ``x`` as a tuple of ints (None for the unknown dimensions of a symbolic tensor)."""
    return tuple(None if d is None else int(d) for d in (x.shape if hasattr(x, "shape") else np.shape(x)))


def ndim(x) -> int:
    """The number of dimensions of ``x``."""
    return len(shape(x))


def size(x) -> int:
    """The number of elements of ``x``."""
    return int(np.prod(shape(x), dtype=np.int64))


def dtype(x) -> str:
    """The dtype name of ``x`` (``"float32"``)."""
    return str(_t(x).dtype).rsplit(".", 1)[-1]


def stop_gradient(variable) -> Tensor:
    """``variable`` cut from the graph (no gradient flows through)."""
    return _t(variable).detach()


def _shape_tuple(value) -> tuple:
    """A shape (or ``tile`` repeats) argument as a tuple of ints, as Keras takes it: an int, a list/tuple
    of ints or scalar tensors, or a 1-D tensor/array of ints (``ops.tile(mask, ops.concatenate(...))``)."""
    if isinstance(value, Tensor) or isinstance(value, np.ndarray) or is_device_array(value):
        array = numpy_of(value)
        return tuple(int(v) for v in array.reshape(-1)) if array.ndim else (int(array),)
    if isinstance(value, (list, tuple)):
        return tuple(int(v) for v in value)
    return (int(value),)


def _ctor(fn, shape_, dtype):
    return fn(_shape_tuple(shape_), dtype=_to_dtype(dtype or "float32"))


def zeros(shape, dtype=None) -> Tensor:
    """A tensor of zeros (float32 unless ``dtype``)."""
    return _ctor(minidl.zeros, shape, dtype)


def ones(shape, dtype=None) -> Tensor:
    """A tensor of ones (float32 unless ``dtype``)."""
    return _ctor(minidl.ones, shape, dtype)


def full(shape, fill_value, dtype=None) -> Tensor:
    """A tensor filled with ``fill_value``."""
    return minidl.full(_shape_tuple(shape), fill_value, dtype=_to_dtype(dtype or "float32"))


def zeros_like(x, dtype=None) -> Tensor:
    """Zeros with the shape (and dtype unless ``dtype``) of ``x``."""
    return minidl.zeros_like(_t(x), dtype=_to_dtype(dtype))


def ones_like(x, dtype=None) -> Tensor:
    """Ones with the shape (and dtype unless ``dtype``) of ``x``."""
    return minidl.ones_like(_t(x), dtype=_to_dtype(dtype))


def full_like(x, fill_value, dtype=None) -> Tensor:
    """``fill_value`` with the shape (and dtype unless ``dtype``) of ``x``."""
    return minidl.full_like(_t(x), fill_value, dtype=_to_dtype(dtype))


def eye(N, M=None, k=0, dtype=None) -> Tensor:
    """An N x M matrix with ones on diagonal ``k``."""
    arr = np.eye(N, M, k, dtype=np.dtype(str(_to_dtype(dtype or "float32")).rsplit(".", 1)[-1]))
    return minidl.as_tensor(arr)


def identity(n, dtype=None) -> Tensor:
    """The n x n identity matrix."""
    return eye(n, dtype=dtype)


def arange(start, stop=None, step=None, dtype=None) -> Tensor:
    """Evenly spaced values in ``[start, stop)`` every ``step`` (default 1; int32 for int arguments,
    float32 else, as Keras)."""
    if stop is None:
        start, stop = 0, start
    step = 1 if step is None else step
    if dtype is None:
        ints = builtins.all(isinstance(v, (int, np.integer)) for v in (start, stop, step))
        dtype = "int32" if ints else "float32"
    return minidl.arange(start, stop, step, dtype=_to_dtype(dtype))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced values from ``start`` to ``stop``."""
    arr, step = np.linspace(start, stop, num, endpoint=endpoint, retstep=True)
    out = cast(arr, dtype or "float32")
    return (out, step) if retstep else out


def _binary(fn, doc):
    def op(x1, x2):
        return fn(_t(x1), _t(x2))
    op.__doc__ = doc
    return op


def _unary(fn, doc):
    def op(x):
        return fn(_t(x))
    op.__doc__ = doc
    return op


add = _binary(minidl.add, "Elementwise ``x1 + x2`` (broadcasting).")
subtract = _binary(minidl.subtract, "Elementwise ``x1 - x2``.")
multiply = _binary(minidl.multiply, "Elementwise ``x1 * x2``.")
divide = _binary(minidl.true_divide, "Elementwise ``x1 / x2`` (true division).")
true_divide = divide
floor_divide = _binary(minidl.floor_divide, "Elementwise ``x1 // x2``.")
mod = _binary(minidl.remainder, "Elementwise ``x1 % x2`` (sign of the divisor, as NumPy).")
power = _binary(minidl.pow, "Elementwise ``x1 ** x2``.")
maximum = _binary(minidl.maximum, "Elementwise maximum.")
minimum = _binary(minidl.minimum, "Elementwise minimum.")
arctan2 = _binary(minidl.atan2, "Elementwise ``arctan(x1 / x2)`` in the right quadrant.")
equal = _binary(minidl.eq, "Elementwise ``x1 == x2`` (bool).")
not_equal = _binary(minidl.ne, "Elementwise ``x1 != x2`` (bool).")
greater = _binary(minidl.gt, "Elementwise ``x1 > x2`` (bool).")
greater_equal = _binary(minidl.ge, "Elementwise ``x1 >= x2`` (bool).")
less = _binary(minidl.lt, "Elementwise ``x1 < x2`` (bool).")
less_equal = _binary(minidl.le, "Elementwise ``x1 <= x2`` (bool).")
logical_and = _binary(minidl.logical_and, "Elementwise logical and.")
logical_or = _binary(minidl.logical_or, "Elementwise logical or.")
outer = _binary(lambda a, b: minidl.outer(a.reshape(-1), b.reshape(-1)), "The outer product of the flattened inputs.")

negative = _unary(minidl.neg, "Elementwise ``-x``.")
abs = _unary(minidl.abs, "Elementwise absolute value.")  # noqa: A001 -- Keras' name
absolute = abs
sign = _unary(minidl.sign, "Elementwise sign (-1, 0 or 1).")
square = _unary(lambda x: minidl.square(x.to(minidl.int32) if x.dtype == minidl.bool else x),
                "Elementwise ``x * x`` (bools count as int32).")
sqrt = _unary(minidl.sqrt, "Elementwise square root.")
rsqrt = _unary(minidl.rsqrt, "Elementwise ``1 / sqrt(x)``.")
exp = _unary(minidl.exp, "Elementwise exponential.")
log = _unary(minidl.log, "Elementwise natural logarithm.")
log1p = _unary(minidl.log1p, "Elementwise ``log(1 + x)``.")
expm1 = _unary(minidl.expm1, "Elementwise ``exp(x) - 1``.")
log2 = _unary(minidl.log2, "Elementwise base-2 logarithm.")
log10 = _unary(minidl.log10, "Elementwise base-10 logarithm.")
sin = _unary(minidl.sin, "Elementwise sine.")
cos = _unary(minidl.cos, "Elementwise cosine.")
tan = _unary(minidl.tan, "Elementwise tangent.")
tanh = _unary(minidl.tanh, "Elementwise hyperbolic tangent.")
sinh = _unary(minidl.sinh, "Elementwise hyperbolic sine.")
cosh = _unary(minidl.cosh, "Elementwise hyperbolic cosine.")
arcsin = _unary(minidl.asin, "Elementwise inverse sine.")
arccos = _unary(minidl.acos, "Elementwise inverse cosine.")
arctan = _unary(minidl.atan, "Elementwise inverse tangent.")
floor = _unary(lambda x: minidl.floor(x if x.is_floating_point() else x.float()),
               "Elementwise floor (float32 for integer inputs, as Keras).")
ceil = _unary(lambda x: minidl.ceil(x if x.is_floating_point() else x.float()),
              "Elementwise ceiling (float32 for integer inputs, as Keras).")
erf = _unary(minidl.erf, "Elementwise error function.")
reciprocal = _unary(minidl.reciprocal, "Elementwise ``1 / x``.")
logical_not = _unary(minidl.logical_not, "Elementwise logical not.")
isnan = _unary(minidl.isnan, "Elementwise NaN test.")
isinf = _unary(minidl.isinf, "Elementwise infinity test.")
isfinite = _unary(minidl.isfinite, "Elementwise finiteness test.")


def round(x, decimals=0) -> Tensor:  # noqa: A001 -- Keras' name
    """``x`` rounded half to even to ``decimals`` places."""
    return minidl.round(_t(x), decimals=decimals)


def clip(x, x_min, x_max) -> Tensor:
    """``x`` limited to ``[x_min, x_max]``."""
    return minidl.clamp(_t(x), x_min, x_max)


def where(condition, x1=None, x2=None):
    """``x1`` where ``condition`` holds, else ``x2``; with one argument, the indices where it holds."""
    if x1 is None and x2 is None:
        return tuple(i.to(minidl.int32) for i in minidl.nonzero(_t(condition), as_tuple=True))
    return minidl.where(_t(condition).bool(), _t(x1), _t(x2))


def _keras_int(out: Tensor, like: Tensor) -> Tensor:
    """``out`` (a sum or product of ``like``) in Keras' dtype: integers and bools of up to 32 bits give
    int32, int64 stays int64, floats pass."""
    if like.is_floating_point() or out.is_floating_point():
        return out
    return out.to(minidl.int64 if like.dtype == minidl.int64 else minidl.int32)


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _reduce(fn, x, axis, keepdims):
    x = _t(x)
    if axis is None:
        out = fn(x)
        return out.reshape((1,) * x.ndim) if keepdims else out
    return fn(x, dim=_axis(axis), keepdim=keepdims)


def sum(x, axis=None, keepdims=False) -> Tensor:  # noqa: A001 -- Keras' name
    """The sum over ``axis`` (an int, a tuple, or None for all)."""
    x = _t(x)
    return _keras_int(_reduce(minidl.sum, x, axis, keepdims), x)


def mean(x, axis=None, keepdims=False) -> Tensor:
    """The mean over ``axis`` (ints become float32)."""
    x = _t(x)
    if not x.is_floating_point():
        x = x.float()
    return _reduce(minidl.mean, x, axis, keepdims)


def max(x, axis=None, keepdims=False, initial=None) -> Tensor:  # noqa: A001 -- Keras' name
    """The largest value over ``axis`` (values only)."""
    out = _reduce(minidl.amax, x, axis, keepdims)
    return out if initial is None else minidl.clamp(out, min=initial)


def min(x, axis=None, keepdims=False, initial=None) -> Tensor:  # noqa: A001 -- Keras' name
    """The smallest value over ``axis`` (values only)."""
    out = _reduce(minidl.amin, x, axis, keepdims)
    return out if initial is None else minidl.clamp(out, max=initial)


def prod(x, axis=None, keepdims=False, dtype=None) -> Tensor:
    """The product over ``axis`` (one axis or None)."""
    x = _t(x) if dtype is None else cast(x, dtype)
    if isinstance(axis, (tuple, list)):
        out = x
        for a in sorted((a % x.ndim for a in axis), reverse=True):
            out = minidl.prod(out, dim=a, keepdim=keepdims)
        return _keras_int(out, x)
    return _keras_int(_reduce(minidl.prod, x, axis, keepdims), x)


def var(x, axis=None, keepdims=False) -> Tensor:
    """The population variance (``ddof=0``) over ``axis`` (float32 for integer inputs)."""
    x = _t(x)
    if not x.is_floating_point():
        x = x.float()
    if axis is None:
        out = minidl.var(x, correction=0)
        return out.reshape((1,) * x.ndim) if keepdims else out
    return minidl.var(x, dim=_axis(axis), correction=0, keepdim=keepdims)


def std(x, axis=None, keepdims=False) -> Tensor:
    """The population standard deviation (``ddof=0``) over ``axis``."""
    return sqrt(var(x, axis, keepdims))


def all(x, axis=None, keepdims=False) -> Tensor:  # noqa: A001 -- Keras' name
    """True where every element over ``axis`` is non-zero."""
    x = _t(x).bool()
    if isinstance(axis, (tuple, list)):
        return logical_not(any(logical_not(x), axis, keepdims))
    return _reduce(minidl.all, x, axis, keepdims)


def any(x, axis=None, keepdims=False) -> Tensor:  # noqa: A001 -- Keras' name
    """True where some element over ``axis`` is non-zero."""
    x = _t(x).bool()
    if isinstance(axis, (tuple, list)):
        return sum(x.int(), axis, keepdims) > 0
    return _reduce(minidl.any, x, axis, keepdims)


def count_nonzero(x, axis=None) -> Tensor:
    """The number of non-zero elements over ``axis``."""
    return minidl.count_nonzero(_t(x), dim=_axis(axis)).to(minidl.int32)


def argmax(x, axis=None, keepdims=False) -> Tensor:
    """The index (int32) of the largest value over ``axis`` (of the flattened input for None)."""
    return minidl.argmax(_t(x), dim=axis, keepdim=keepdims).to(minidl.int32)


def argmin(x, axis=None, keepdims=False) -> Tensor:
    """The index (int32) of the smallest value over ``axis``."""
    return minidl.argmin(_t(x), dim=axis, keepdim=keepdims).to(minidl.int32)


def cumsum(x, axis=None, dtype=None) -> Tensor:
    """Running sums along ``axis`` (of the flattened input for None)."""
    x = _t(x) if dtype is None else cast(x, dtype)
    return _keras_int(minidl.cumsum(x.reshape(-1) if axis is None else x, dim=0 if axis is None else axis), x)


def cumprod(x, axis=None, dtype=None) -> Tensor:
    """Running products along ``axis`` (of the flattened input for None)."""
    x = _t(x) if dtype is None else cast(x, dtype)
    return _keras_int(minidl.cumprod(x.reshape(-1) if axis is None else x, dim=0 if axis is None else axis), x)


def logsumexp(x, axis=None, keepdims=False) -> Tensor:
    """``log(sum(exp(x)))`` over ``axis``, computed stably."""
    x = _t(x)
    if axis is None:
        out = minidl.logsumexp(x.reshape(-1), dim=0)
        return out.reshape((1,) * x.ndim) if keepdims else out
    return minidl.logsumexp(x, dim=_axis(axis), keepdim=keepdims)


def sort(x, axis=-1) -> Tensor:
    """``x`` sorted ascending along ``axis``."""
    return minidl.sort(_t(x), dim=axis).values


def argsort(x, axis=-1) -> Tensor:
    """The indices (int32) that sort ``x`` ascending along ``axis``."""
    return minidl.argsort(_t(x), dim=axis, stable=True).to(minidl.int32)


def top_k(x, k, sorted=True):  # noqa: A002 -- Keras' argument name
    """``(values, indices)`` of the ``k`` largest entries along the last axis (int32 indices)."""
    out = minidl.topk(_t(x), k, dim=-1, sorted=sorted)
    return out.values, out.indices.to(minidl.int32)


def matmul(x1, x2) -> Tensor:
    """The matrix product (batched, broadcasting), as ``numpy.matmul``."""
    return minidl.matmul(_t(x1), _t(x2))


def dot(x1, x2) -> Tensor:
    """NumPy's ``dot``: the matrix product for 1-D/2-D inputs, a scalar scale for 0-D ones."""
    a, b = _t(x1), _t(x2)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return minidl.matmul(a, b) if b.ndim <= 2 else minidl.tensordot(a, b, dims=([a.ndim - 1], [b.ndim - 2]))


def einsum(subscripts, *operands) -> Tensor:
    """Einstein summation over ``operands``."""
    return minidl.einsum(subscripts, *(_t(o) for o in operands))


def tensordot(x1, x2, axes=2) -> Tensor:
    """NumPy's ``tensordot``."""
    return minidl.tensordot(_t(x1), _t(x2), dims=axes)


def reshape(x, newshape) -> Tensor:
    """``x`` with shape ``newshape`` (one ``-1`` allowed)."""
    return _t(x).reshape(_shape_tuple(newshape))


def transpose(x, axes=None) -> Tensor:
    """``x`` with its axes reversed, or reordered as ``axes``."""
    x = _t(x)
    return x.permute(*(tuple(axes) if axes is not None else range(x.ndim - 1, -1, -1)))


def expand_dims(x, axis) -> Tensor:
    """``x`` with a new axis of length 1 at ``axis``."""
    return minidl.unsqueeze(_t(x), axis)


def squeeze(x, axis=None) -> Tensor:
    """``x`` without its length-1 axes (only ``axis`` when given)."""
    return minidl.squeeze(_t(x)) if axis is None else minidl.squeeze(_t(x), _axis(axis))


def concatenate(xs, axis=0) -> Tensor:
    """The inputs joined along ``axis``."""
    return minidl.cat([_t(v) for v in xs], dim=axis)


def stack(x, axis=0) -> Tensor:
    """The inputs stacked along a new ``axis``."""
    return minidl.stack([_t(v) for v in x], dim=axis)


def unstack(x, num=None, axis=0) -> list:
    """The slices of ``x`` along ``axis``, as a list."""
    return list(minidl.unbind(_t(x), dim=axis))


def split(x, indices_or_sections, axis=0) -> list:
    """NumPy's ``split``: into equal sections (an int) or at the given indices (a list)."""
    x = _t(x)
    if isinstance(indices_or_sections, (int, np.integer)):
        n = x.shape[axis]
        if n % int(indices_or_sections):
            raise ValueError(f"split: an axis of length {n} does not split into {indices_or_sections} equal sections")
        return list(minidl.split(x, n // int(indices_or_sections), dim=axis))
    return list(minidl.tensor_split(x, list(indices_or_sections), dim=axis))


from minidl.keras._ops_nn import *  # noqa: E402,F401,F403 -- relu, softmax, one_hot, losses, ...
from minidl.keras._ops_nn import __all__ as _nn_all  # noqa: E402
from minidl.keras.ops._shape_ops import (  # noqa: E402 -- split out of this module
    broadcast_to,
    cond,
    diag,
    flip,
    moveaxis,
    norm,
    pad,
    repeat,
    roll,
    slice,
    swapaxes,
    take,
    take_along_axis,
    tile,
    trace,
    tril,
    triu,
    vectorized_map,
)

__all__ += _nn_all

from minidl.keras.ops._arrays import *  # noqa: E402,F401,F403 -- hstack, unique, meshgrid, ...
from minidl.keras.ops._arrays import __all__ as _arrays_all  # noqa: E402
from minidl.keras.ops._control import *  # noqa: E402,F401,F403 -- fori_loop, scan, vectorize, rearrange, ...
from minidl.keras.ops._control import __all__ as _control_all  # noqa: E402
from minidl.keras.ops._core_ops import *  # noqa: E402,F401,F403 -- scatter, segment_sum, custom_gradient, ...
from minidl.keras.ops._core_ops import __all__ as _core_ops_all  # noqa: E402
from minidl.keras.ops._elementwise import *  # noqa: E402,F401,F403 -- logaddexp, isclose, bitwise_*, ...
from minidl.keras.ops._elementwise import __all__ as _elementwise_all  # noqa: E402
from minidl.keras.ops._linalg import *  # noqa: E402,F401,F403 -- inv, solve, svd, slogdet, ...
from minidl.keras.ops._linalg import __all__ as _linalg_all  # noqa: E402
from minidl.keras.ops._nn_activations import *  # noqa: E402,F401,F403 -- celu, glu, sparsemax, psnr, ...
from minidl.keras.ops._nn_activations import __all__ as _nn_activations_all  # noqa: E402
from minidl.keras.ops._nn_conv import *  # noqa: E402,F401,F403 -- conv, max_pool, depth_to_space, ...
from minidl.keras.ops._nn_conv import __all__ as _nn_conv_all  # noqa: E402
from minidl.keras.ops._nn_norm import *  # noqa: E402,F401,F403 -- layer_normalization, ctc_loss, ...
from minidl.keras.ops._nn_norm import __all__ as _nn_norm_all  # noqa: E402
from minidl.keras.ops._reductions import *  # noqa: E402,F401,F403 -- nansum, median, quantile, ...
from minidl.keras.ops._reductions import __all__ as _reductions_all  # noqa: E402

__all__ += _reductions_all + _elementwise_all + _arrays_all + _nn_activations_all + _nn_conv_all + _nn_norm_all
__all__ += _linalg_all + _control_all + _core_ops_all

# On symbolic tensors (keras.Input and the layers' outputs) the ops record graph nodes, as Keras 3's do.
from minidl.keras.ops._symbolic_ops import NOT_RECORDED as _NOT_RECORDED  # noqa: E402
from minidl.keras.ops._symbolic_ops import symbolic_aware as _symbolic_aware  # noqa: E402

for _name in __all__:
    _fn = globals().get(_name)
    if callable(_fn) and not isinstance(_fn, type) and _name not in _NOT_RECORDED:
        globals()[_name] = _symbolic_aware(_fn, _name)
del _name, _fn

# Keras' sub-namespaces: keras.ops.nn, keras.ops.numpy, keras.ops.linalg, keras.ops.image
from minidl.keras.ops import image, linalg, nn, numpy  # noqa: E402,F401
