"""Reductions: sum, mean, max over a dimension, a tuple of them, or everything.

The wrappers take PyTorch's ``dim``/``keepdim`` (and NumPy's ``axis``/
``keepdims`` as aliases). ``max`` with a ``dim`` returns ``(values, indices)``
(see :mod:`minidl.ops.extrema`); more reductions are in
:mod:`minidl.ops.statistics`.
"""
from __future__ import annotations

import builtins

import numpy as np

from minidl.dtypes import is_float_or_complex

from ..autograd import Function
from ..backend import get_array_module
from ..tensor import Tensor

__all__ = ["sum", "mean", "max"]


def _coerce(value):
    """A Tensor for ``value`` (NumPy/CuPy arrays and lists are wrapped, as ``torch.max(outputs.data, 1)`` needs)."""
    from ..tensor import Tensor, as_tensor
    return value if isinstance(value, Tensor) else as_tensor(value)


def _norm_axis(axis, ndim):
    """``axis`` (int, tuple or list of ints, or None) as a sorted tuple of non-negative dims."""
    if axis is None:
        return None
    axes = (axis,) if not isinstance(axis, (tuple, list)) else tuple(axis)
    lo, hi = -builtins.max(ndim, 1), builtins.max(ndim, 1) - 1
    for a in axes:
        if not isinstance(a, int) and not hasattr(a, "__index__") or not lo <= a <= hi:
            raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {a})")
    if len(set(a % builtins.max(ndim, 1) for a in axes)) != len(axes):
        raise RuntimeError(f"dim {axes} appears multiple times in the list of dims")
    return tuple(sorted(int(a) % ndim for a in axes)) if ndim else ()


def _expand(g, in_shape, axes, keepdims):
    """Reshape a reduced gradient so it broadcasts against the input shape."""
    if axes is None:
        axes = tuple(range(len(in_shape)))
    if not keepdims:
        shape = list(in_shape)
        for a in axes:
            shape[a] = 1
        g = g.reshape(shape)
    return g


def _expand_tensor(g, in_shape, axes, keepdims):
    """:func:`_expand` for a Tensor gradient (differentiable reshape)."""
    if keepdims:
        return g
    from .shape import Reshape
    axes = tuple(range(len(in_shape))) if axes is None else axes
    shape = tuple(1 if i in axes else n for i, n in enumerate(in_shape))
    return Reshape.apply(g, shape=shape)


class Sum(Function):
    """sum(x, axes); d/dx = 1 broadcast back over the reduced axes."""

    _reusable = True   # saves no values: a second backward may run through it, as in PyTorch

    def name(self):
        """``SumBackward0`` (all elements) or ``SumBackward1`` (over ``dim``): PyTorch's nodes."""
        return "SumBackward0" if self.axes is None else "SumBackward1"

    def forward(self, x, axes=None, keepdims=False):
        self.in_shape, self.axes, self.keepdims = x.shape, axes, keepdims
        return x.sum(axis=axes, keepdims=keepdims)

    def backward(self, g):
        g = _expand(g, self.in_shape, self.axes, self.keepdims)
        return get_array_module(g).broadcast_to(g, self.in_shape)

    def backward_graph(self, g):
        from .shape import BroadcastTo
        return BroadcastTo.apply(_expand_tensor(g, self.in_shape, self.axes, self.keepdims), shape=self.in_shape)


class Mean(Function):
    """mean(x, axes); d/dx = 1/n broadcast back over the reduced axes."""

    _reusable = True   # saves no values: a second backward may run through it, as in PyTorch

    def name(self):
        """``MeanBackward0`` (all elements) or ``MeanBackward1`` (over ``dim``): PyTorch's nodes."""
        return "MeanBackward0" if self.axes is None else "MeanBackward1"

    def forward(self, x, axes=None, keepdims=False):
        self.in_shape, self.axes, self.keepdims = x.shape, axes, keepdims
        out = x.mean(axis=axes, keepdims=keepdims)
        self.count = x.size // builtins.max(out.size, 1) if x.size else 1
        return out

    def backward(self, g):
        g = _expand(g, self.in_shape, self.axes, self.keepdims) / self.count
        return get_array_module(g).broadcast_to(g, self.in_shape)

    def backward_graph(self, g):
        from .shape import BroadcastTo
        g = _expand_tensor(g, self.in_shape, self.axes, self.keepdims) / self.count
        return BroadcastTo.apply(g, shape=self.in_shape)


class Max(Function):
    """max(x, axes); the gradient is shared equally between tied maxima."""

    _saved_inputs = {0: None}   # PyTorch's Max/AmaxBackward save self and result
    _saves_result = True

    def name(self):
        """``MaxBackward1`` (all elements, ties share the gradient): PyTorch's node."""
        return "MaxBackward1" if self.axes is None else "AmaxBackward0"

    def forward(self, x, axes=None, keepdims=False):
        self.x, self.axes, self.keepdims = x, axes, keepdims
        self.out = x.max(axis=axes, keepdims=keepdims)
        return self.out

    def backward(self, g):
        out = _expand(self.out, self.x.shape, self.axes, self.keepdims)
        mask = self.x == out
        count = mask.sum(axis=self.axes, keepdims=True)
        return mask * (_expand(g, self.x.shape, self.axes, self.keepdims) / count)

    def backward_graph(self, g):
        out = _expand(self.out, self.x.shape, self.axes, self.keepdims)
        mask = self.x == out
        share = mask / mask.sum(axis=self.axes, keepdims=True)      # constant: 1/ties at the maxima
        return _expand_tensor(g, self.x.shape, self.axes, self.keepdims) * Tensor(share.astype(self.x.dtype))


def _aliases(dim, keepdim, axis, keepdims):
    """Accept NumPy's ``axis``/``keepdims`` for PyTorch's ``dim``/``keepdim``."""
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if isinstance(dim, (tuple, list)) and len(dim) == 0:
        dim = None   # PyTorch reduces over every dimension when the dim list is empty
    return dim, bool(keepdim)


def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """Sum over ``dim`` (int, tuple, or None for all); integer and bool tensors sum to int64.

    >>> import minidl as mdl
    >>> x = mdl.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> x.sum(), x.sum(dim=1), x.sum(0, keepdim=True)
    (tensor(10.), tensor([3., 7.]), tensor([[4., 6.]]))
    """
    input = _coerce(input)
    from .math import cast
    dim, keepdim = _aliases(dim, keepdim, axis, keepdims)
    if dtype is not None:
        from ..dtypes import to_numpy_dtype
        input = cast(input, to_numpy_dtype(dtype))
    elif input.array.dtype.kind in "iub" and input.array.dtype != np.int64:
        input = cast(input, np.dtype(np.int64))
    return Sum.apply(input, axes=_norm_axis(dim, input.array.ndim), keepdims=keepdim)


def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """Mean over ``dim`` (int, tuple, or None for all); floating-point tensors only, as in PyTorch."""
    input = _coerce(input)
    from .math import cast
    dim, keepdim = _aliases(dim, keepdim, axis, keepdims)
    if dtype is not None:
        from ..dtypes import to_numpy_dtype
        input = cast(input, to_numpy_dtype(dtype))
    if not is_float_or_complex(input.array.dtype):
        from ..tensor_inplace import _torch_name
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating point "
                           f"or complex dtype. Got: {_torch_name(input.array.dtype)}")
    return Mean.apply(input, axes=_norm_axis(dim, input.array.ndim), keepdims=keepdim)


def max(input, dim=None, keepdim=False, *, other=None, axis=None, keepdims=None):
    """The maximum: a 0-d tensor without ``dim``, ``(values, indices)`` with one (see :func:`extrema.max`)."""
    from .extrema import max as _max
    return _max(input, dim, keepdim, other=other, axis=axis, keepdims=keepdims)
