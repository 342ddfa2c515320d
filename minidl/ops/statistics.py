"""Reductions beyond sum/mean/max: ``prod``, ``var``, ``std`` (Bessel's correction), ``logsumexp``, ``norm``."""
from __future__ import annotations

import numpy as np

from minidl.autograd.naming import name_grad_fn, names_node
from minidl.dtypes import is_float_or_complex

from ..autograd import Function
from ..backend import get_array_module
from .complex_conj import cj, cj_t
from .reduction import _aliases, _expand, _norm_axis

__all__ = ["prod", "var", "std", "logsumexp", "var_mean", "std_mean", "norm", "cumsum"]


def _coerce(value):
    """A Tensor for ``value`` (NumPy/CuPy arrays and lists are wrapped, as ``torch.max(outputs.data, 1)`` needs)."""
    from ..tensor import Tensor, as_tensor
    return value if isinstance(value, Tensor) else as_tensor(value)


def _count(shape, axes):
    if axes is None:
        return int(np.prod(shape))
    return int(np.prod([shape[a] for a in axes]))


class Prod(Function):
    """prod(x, axis); d/dx_i = product of the other elements (exact with zeros: no division)."""

    _saved_inputs = {0: None}   # PyTorch's ProdBackward saves self and result
    _saves_result = True

    def name(self):
        """``ProdBackward0`` (all elements) or ``ProdBackward1`` (along ``dim``): PyTorch's nodes."""
        return "ProdBackward0" if self.axis is None else "ProdBackward1"

    def forward(self, x, axis=None, keepdims=False):
        self.x, self.axis, self.keepdims = x, axis, keepdims
        return x.prod(axis=axis, keepdims=keepdims)

    def backward(self, g):
        xp = get_array_module(g)
        x = self.x
        if x.size == 0:   # no elements: an empty gradient
            return xp.zeros(x.shape, dtype=g.dtype)
        flat = x.reshape(-1) if self.axis is None else x
        ax = 0 if self.axis is None else self.axis
        n = flat.shape[ax]
        ones = xp.ones_like(xp.take(flat, [0], axis=ax))
        # exclusive products from the left and from the right of each element
        left = xp.concatenate([ones, xp.cumprod(xp.take(flat, range(n - 1), axis=ax), axis=ax)], axis=ax)
        rev = xp.flip(flat, axis=ax)
        right = xp.concatenate([ones, xp.cumprod(xp.take(rev, range(n - 1), axis=ax), axis=ax)], axis=ax)
        others = (left * xp.flip(right, axis=ax)).reshape(x.shape)
        axes = None if self.axis is None else (self.axis,)
        return cj(others) * _expand(g, x.shape, axes, self.keepdims)

    def backward_graph(self, g):
        # the product of the others as a recorded Prod: row k of an (n, ..., n) stack holds the
        # elements along the axis with the k-th replaced by 1 (exact with zeros, no division)
        from ..tensor import Tensor
        from .elementwise import Where
        from .reduction import _expand_tensor
        from .shape import BroadcastTo, Reshape, Transpose
        x, = self.inputs
        flat = Reshape.apply(x, shape=(-1,)) if self.axis is None else x
        ax = 0 if self.axis is None else self.axis
        nd = flat.ndim
        to_last = tuple(i for i in range(nd) if i != ax) + (ax,)
        moved = Transpose.apply(flat, axes=to_last)                       # (..., n)
        n = moved.shape[-1]
        stacked = BroadcastTo.apply(Reshape.apply(moved, shape=(1,) + tuple(moved.shape)),
                                    shape=(n,) + tuple(moved.shape))     # (n, ..., n)
        xp = get_array_module(x.array)
        diagonal = xp.eye(n, dtype=bool).reshape((n,) + (1,) * (nd - 1) + (n,))
        one = Tensor(xp.ones((), dtype=x.dtype))
        others = Prod.apply(Where.apply(one, stacked, cond=diagonal), axis=nd, keepdims=False)   # (n, ...)
        back = tuple(range(1, nd)) + (0,)                                 # (..., n): the moved layout
        others = Transpose.apply(others, axes=back)
        others = Transpose.apply(others, axes=tuple(int(i) for i in np.argsort(to_last)))
        others = Reshape.apply(others, shape=tuple(x.shape))
        axes = None if self.axis is None else (self.axis,)
        return cj_t(others) * _expand_tensor(g, tuple(x.shape), axes, self.keepdims)


class Var(Function):
    """var(x) = sum((x - mean)^2) / (n - correction); d/dx = 2 (x - mean) / (n - correction)."""

    _saved_inputs = {0: None}   # PyTorch saves self; std (root) its result too

    def forward(self, x, axes=None, correction=1, keepdims=False, root=False):
        self.axes, self.keepdims, self.root, self.correction = axes, keepdims, root, correction
        self._saves_result = root
        self.dev = x - x.mean(axis=axes, keepdims=True)
        self.denom = max(_count(x.shape, axes) - correction, 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = (self.dev * self.dev).sum(axis=axes, keepdims=keepdims) / x.dtype.type(self.denom)
            if root:
                out = get_array_module(x).sqrt(out)
        self.out = out
        return out

    def backward(self, g):
        g = _expand(g, self.dev.shape, self.axes, self.keepdims)
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.root:  # d std = d var / (2 std); zero where std is 0 (a constant row), as PyTorch
                std = _expand(self.out, self.dev.shape, self.axes, self.keepdims)
                grad = g * self.dev / (self.dev.dtype.type(self.denom) * std)
                zero = std == 0
                return get_array_module(grad).where(zero, grad.dtype.type(0), grad) if zero.any() else grad
            return g * (2 * self.dev) / self.dev.dtype.type(self.denom)

    def backward_graph(self, g):
        from .reduction import Mean, _expand_tensor
        x, = self.inputs
        g = _expand_tensor(g, tuple(x.shape), self.axes, self.keepdims)
        dev = x - Mean.apply(x, axes=self.axes, keepdims=True)
        denom = float(self.denom)
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.root:
                std = Var.apply(x, axes=self.axes, correction=self.correction, keepdims=True, root=True)
                zero = std.array == 0
                if zero.any():   # a constant row: zero gradient (no 0 / 0), as backward
                    mask = type(std)(zero.astype(std.array.dtype))
                    return g * dev / ((std + mask) * denom) * (1 - mask)
                return g * dev / (std * denom)
            return g * (2 * dev) / denom


class LogSumExp(Function):
    """log(sum(exp(x))) computed from the maximum; d/dx = softmax(x) along the reduced dims."""

    _saved_inputs = {0: None}   # PyTorch's LogsumexpBackward0 saves self and result
    _saves_result = True

    def name(self):
        """``LogsumexpBackward0``: PyTorch's node for this op."""
        return "LogsumexpBackward0"

    def forward(self, x, axes=None, keepdims=False):
        xp = get_array_module(x)
        self.x, self.axes, self.keepdims = x, axes, keepdims
        m = x.max(axis=axes, keepdims=True, initial=-xp.inf) if x.size == 0 else x.max(axis=axes, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        with np.errstate(divide="ignore"):   # an empty sum: log(0) = -inf, as PyTorch
            out = xp.log(xp.exp(x - m).sum(axis=axes, keepdims=True)) + m
        self.out = out
        if keepdims:
            return out
        return out.reshape(() if axes is None else tuple(n for i, n in enumerate(out.shape) if i not in axes))

    def backward(self, g):
        xp = get_array_module(g)
        g = _expand(g, self.x.shape, self.axes, self.keepdims)
        return g * cj(xp.exp(self.x - self.out))

    def backward_graph(self, g):
        from .math import exp
        from .reduction import _expand_tensor
        x, = self.inputs
        g = _expand_tensor(g, tuple(x.shape), self.axes, self.keepdims)
        return g * cj_t(exp(x - LogSumExp.apply(x, axes=self.axes, keepdims=True)))


class CumSum(Function):
    """Running sum along ``axis``; the gradient is the reversed running sum of g."""

    _reusable = True   # saves no values: a second backward may run through it, as in PyTorch

    def name(self):
        """``CumsumBackward0``: PyTorch's node for this op."""
        return "CumsumBackward0"

    def forward(self, x, axis=0):
        self.axis = axis
        return get_array_module(x).cumsum(x, axis=axis)

    def backward(self, g):
        xp = get_array_module(g)
        return xp.flip(xp.cumsum(xp.flip(g, axis=self.axis), axis=self.axis), axis=self.axis)

    def backward_graph(self, g):
        from .layout import Flip
        dims = (self.axis,)
        return Flip.apply(CumSum.apply(Flip.apply(g, dims=dims), axis=self.axis), dims=dims)


def _floating(name, input):
    if not is_float_or_complex(input.array.dtype):
        raise RuntimeError(f"{name}(): input dtype should be either floating point or complex dtypes. "
                           f"Got {input.dtype} instead.")


def prod(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """Product of all elements, or along one ``dim``; integers and bools give int64 (as PyTorch)."""
    input = _coerce(input)
    from .math import cast
    dim, keepdim = _aliases(dim, keepdim, axis, keepdims)
    if dtype is not None:
        from ..dtypes import to_numpy_dtype
        input = cast(input, to_numpy_dtype(dtype))
    elif input.array.dtype.kind in "iub":
        input = cast(input, np.dtype(np.int64))
    if dim is None:
        return Prod.apply(input, axis=None, keepdims=False)
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"prod(): dim must be a single int, got {dim!r}")
    return Prod.apply(input, axis=_norm_axis(dim, input.array.ndim)[0] if input.array.ndim else None,
                      keepdims=keepdim)


def _var_args(dim, unbiased, keepdim, correction, axis, keepdims):
    if isinstance(dim, bool):  # var(False): the legacy "unbiased" positional form
        dim, unbiased = None, dim
    dim, keepdim = _aliases(dim, keepdim, axis, keepdims)
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    elif unbiased is not None:
        raise TypeError("var/std: give either unbiased= or correction=, not both")
    return dim, keepdim, correction


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
    """Variance over ``dim`` with Bessel's correction by default (divide by n - 1).

    ``unbiased=False`` or ``correction=0`` divides by n.

    >>> import minidl as mdl
    >>> x = mdl.tensor([1.0, 2.0, 3.0, 4.0])
    >>> round(x.var().item(), 4), round(x.var(unbiased=False).item(), 4)
    (1.6667, 1.25)
    """
    input = _coerce(input)
    _floating("var", input)
    dim, keepdim, correction = _var_args(dim, unbiased, keepdim, correction, axis, keepdims)
    axes = None if dim is None else _norm_axis(dim, input.array.ndim)
    if input.array.dtype.kind == "c":   # E|z - mean|^2 = var(Re z) + var(Im z): a real result, as PyTorch's
        return sum(Var.apply(part, axes=axes, correction=correction, keepdims=keepdim)
                   for part in (input.real, input.imag))
    return Var.apply(input, axes=axes, correction=correction, keepdims=keepdim)


@names_node("StdBackward0")   # PyTorch's node name
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
    """Standard deviation over ``dim`` with Bessel's correction by default (see :func:`var`)."""
    input = _coerce(input)
    _floating("std", input)
    dim, keepdim, correction = _var_args(dim, unbiased, keepdim, correction, axis, keepdims)
    axes = None if dim is None else _norm_axis(dim, input.array.ndim)
    if input.array.dtype.kind == "c":
        return var(input, dim, keepdim=keepdim, correction=correction).sqrt()
    return name_grad_fn(Var.apply(input, axes=axes, correction=correction, keepdims=keepdim, root=True),
                        "StdBackward0")


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(var, mean)`` over ``dim``."""
    from .reduction import mean
    return (var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim))


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(std, mean)`` over ``dim``."""
    from .reduction import mean
    return (std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim))


def logsumexp(input, dim, keepdim=False, *, axis=None, keepdims=None):
    """log(sum(exp(input))) over ``dim``, computed stably (an int or a tuple; required, as in PyTorch)."""
    input = _coerce(input)
    from .math import _float
    dim, keepdim = _aliases(dim, keepdim, axis, keepdims)
    input = _float(input)
    axes = None if dim == () or dim == [] else _norm_axis(dim, input.array.ndim)   # () reduces all, as PyTorch
    return LogSumExp.apply(input, axes=axes, keepdims=keepdim)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """The p-norm over ``dim`` (all elements by default): 2 ("fro"), 1, inf, -inf, 0 or any p > 0."""
    input = _coerce(input)
    from . import math as m
    dim, keepdim = _aliases(dim, keepdim, None, None)
    if p == "nuc":
        return _nuclear(input, dim, keepdim, dtype)
    if dtype is not None:
        from ..dtypes import to_numpy_dtype
        input = m.cast(input, to_numpy_dtype(dtype))
    from .kernel_guards import refuse_kinds, torch_name
    refuse_kinds("", input.array.dtype, "iub", RuntimeError, "linalg.vector_norm: Expected a floating point or "
                 f"complex tensor as input. Got {torch_name(input.array.dtype)}")
    input = m._float(input)
    out = _vector_norm(input, p, dim, keepdim)
    return name_grad_fn(out, "LinalgVectorNormBackward0", saved=(input, out))   # PyTorch's node saves both


def _nuclear(input, dim, keepdim, dtype):
    """``norm(p='nuc')``: the sum of singular values over two dims (all dims of a matrix by default),
    with ``torch.norm``'s errors (``linalg.matrix_norm``'s text)."""
    from ..dtypes import to_numpy_dtype
    from ..functions_torch_misc import nuclear_norm
    from ..tensor_inplace import _torch_name
    from .math import cast
    if dtype is not None:
        input = cast(input, to_numpy_dtype(dtype))
    if input.array.dtype.kind not in "fcV":
        raise RuntimeError("linalg.matrix_norm: Expected a floating point or complex tensor as input. "
                           f"Got {_torch_name(input.array.dtype)}")
    if input.array.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    dims = tuple(range(input.array.ndim)) if dim is None else tuple(dim) if isinstance(dim, (tuple, list)) \
        else (dim,)
    if len(dims) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(str(d) for d in dims)}")
    return nuclear_norm(input, dims, keepdim)


def _vector_norm(input, p, dim, keepdim):
    """:func:`norm`'s value from differentiable ops; the 2-norm of zeros has gradient 0 there, as PyTorch
    (``sqrt`` alone would give 0 * inf = nan): the square root reads 1 where the sum of squares is 0."""
    from . import math as m
    from .compare import ne
    from .elementwise import where
    from .extrema import amax, amin
    from .reduction import sum as _sum
    if input.array.dtype.kind == "c":   # the norm of a complex tensor is that of |z| (a real result)
        input = m.abs(input)
    if p in ("fro", 2, 2.0):
        squares = _sum(m.mul(input, input), dim, keepdim)
        positive = ne(squares, 0)   # NaN counts as non-zero, so it reaches the result
        return where(positive, m.sqrt(where(positive, squares, 1.0)), 0.0)
    if p in (1, 1.0):
        return _sum(m.abs(input), dim, keepdim)
    if p == float("inf"):
        return amax(m.abs(input), () if dim is None else dim, keepdim)
    if p == float("-inf"):
        return amin(m.abs(input), () if dim is None else dim, keepdim)
    if p == 0:
        return _sum(m.cast(input.ne(0), input.array.dtype), dim, keepdim)
    return m.pow(_sum(m.pow(m.abs(input), p), dim, keepdim), 1.0 / p)


def cumsum(input, dim, *, dtype=None):
    """Running sums along ``dim``; integer and bool tensors give int64, as PyTorch."""
    from .math import cast
    from .shape import _dim
    input = _coerce(input)
    if dtype is not None:
        from ..dtypes import to_numpy_dtype
        input = cast(input, to_numpy_dtype(dtype))
    elif input.array.dtype.kind in "iub":
        input = cast(input, np.dtype(np.int64))
    if input.array.ndim == 0:
        from .layout import Clone
        return Clone.apply(input)
    return CumSum.apply(input, axis=_dim(dim, input.array.ndim))
