"""The ``Tensor``: a backend array (NumPy or CuPy) plus what autograd needs.

A Tensor holds ``data`` (the array), ``grad`` (a Tensor or ``None``),
``requires_grad`` and ``creator`` (the :class:`~minidl.autograd.Function` that
produced it, ``None`` for leaves). Every operator and method below forwards to
a Function in :mod:`minidl.ops`, which computes on ``data`` directly.
"""
from __future__ import annotations

import numbers

import numpy as np

from . import backend
from .backend import Device

__all__ = ["Tensor", "tensor", "as_tensor", "zeros", "ones", "randn", "rand", "arange",
           "zeros_like", "ones_like", "float32", "float64", "int64", "int32", "bool_"]

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int64 = np.dtype(np.int64)
int32 = np.dtype(np.int32)
bool_ = np.dtype(np.bool_)


def _resolve_dtype(dtype):
    if dtype is None:
        return None
    return np.dtype(dtype)


class Tensor:
    """An n-dimensional array that records the operations applied to it.

    ``Tensor(array, requires_grad=False)`` wraps a NumPy/CuPy array without
    copying; use :func:`tensor` to build one from lists or with a dtype/device.

    >>> import minidl as mdl
    >>> x = mdl.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad.numpy()
    array([[2., 4.],
           [6., 8.]], dtype=float32)
    """

    __array_priority__ = 100  # so ndarray + Tensor defers to Tensor.__radd__

    def __init__(self, data, requires_grad=False):
        if isinstance(data, Tensor):
            data = data.data
        elif not hasattr(data, "__array_interface__") and not backend.is_device_array(data):
            data = np.asarray(data)
        elif isinstance(data, np.generic):
            data = np.asarray(data)
        self.data = data
        self.grad = None
        self.creator = None
        self.requires_grad = bool(requires_grad)
        if self.requires_grad and not np.issubdtype(self.data.dtype, np.floating):
            raise TypeError(f"only floating-point tensors can require gradients, got dtype {self.data.dtype}")

    # --- attributes -----------------------------------------------------------
    @property
    def shape(self):
        """The shape, a tuple of ints."""
        return tuple(self.data.shape)

    @property
    def ndim(self):
        """Number of dimensions."""
        return self.data.ndim

    @property
    def size(self):
        """Number of elements."""
        return int(self.data.size)

    @property
    def dtype(self):
        """The element type, a NumPy dtype."""
        return np.dtype(self.data.dtype)

    @property
    def device(self) -> Device:
        """The :class:`~minidl.backend.Device` holding ``data``."""
        return backend.device_of(self.data)

    @property
    def xp(self):
        """The array module (NumPy or CuPy) of ``data``."""
        return backend.get_array_module(self.data)

    @property
    def is_leaf(self):
        """True for tensors not produced by a recorded operation."""
        return self.creator is None

    @property
    def T(self):
        """The transpose (all axes reversed)."""
        return self.transpose()

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __repr__(self):
        body = np.array2string(self.numpy(), separator=", ", prefix="tensor(")
        extra = ""
        if self.dtype != float32 and self.dtype != int64:
            extra += f", dtype={self.dtype}"
        if backend.is_device_array(self.data):
            extra += f", device='{self.device}'"
        if self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    __hash__ = object.__hash__

    def __bool__(self):
        if self.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous")
        return bool(self.data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __array__(self, dtype=None, copy=None):
        arr = self.numpy()
        return arr if dtype is None else arr.astype(dtype)

    # --- conversion -----------------------------------------------------------
    def numpy(self):
        """The data as a NumPy array (copied off the GPU if needed; shares memory on CPU)."""
        return backend.to_numpy(self.data)

    def item(self):
        """The single element as a Python number."""
        if self.size != 1:
            raise ValueError(f"item(): only one-element tensors can be converted, this one has shape {self.shape}")
        return self.numpy().reshape(()).item()

    def tolist(self):
        """The data as nested Python lists."""
        return self.numpy().tolist()

    def detach(self):
        """A new leaf Tensor sharing ``data``, cut from the graph."""
        return Tensor(self.data, requires_grad=False)

    def to(self, device=None, dtype=None):
        """A copy on ``device`` and/or with ``dtype`` (self when nothing changes).

        The result is a leaf that keeps ``requires_grad``.
        """
        data = self.data
        if device is not None:
            data = backend.to_device(data, device)
        if dtype is not None:
            data = data.astype(_resolve_dtype(dtype), copy=False)
        if data is self.data:
            return self
        return Tensor(data, requires_grad=self.requires_grad)

    def cpu(self):
        """Shorthand for ``to("cpu")``."""
        return self.to("cpu")

    def float(self):
        """Shorthand for ``to(dtype=float32)``."""
        return self.to(dtype=float32)

    def double(self):
        """Shorthand for ``to(dtype=float64)``."""
        return self.to(dtype=float64)

    def astype(self, dtype):
        """Differentiable dtype cast (like ``Tensor.to(dtype=...)`` but kept in the graph)."""
        from .ops.math import Cast
        return Cast.apply(self, dtype=_resolve_dtype(dtype))

    # --- autograd -------------------------------------------------------------
    def backward(self, grad=None, retain_graph=False):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        ``grad`` (Tensor or array of ``self.shape``) is required when ``self``
        is not a scalar. The graph is freed afterwards unless ``retain_graph``.

        >>> import minidl as mdl
        >>> x = mdl.tensor([1.0, 2.0], requires_grad=True)
        >>> y = x * 3
        >>> y.backward(mdl.tensor([1.0, 0.5]))   # vector-Jacobian product for a non-scalar
        >>> x.grad.numpy()
        array([3. , 1.5], dtype=float32)
        """
        from .autograd import backward
        backward(self, grad, retain_graph=retain_graph)

    def zero_grad(self):
        """Reset ``.grad`` to None."""
        self.grad = None

    def retain_grad(self):
        """Keep ``.grad`` on this non-leaf tensor after backward (for inspection)."""
        import weakref
        if self.creator is not None:
            self.creator._retained_output = weakref.ref(self)

    def requires_grad_(self, flag=True):
        """Set ``requires_grad`` in place and return self."""
        self.requires_grad = bool(flag)
        return self

    # --- operators --------------------------------------------------------------
    def __add__(self, other):
        return _math().add(self, other)

    def __radd__(self, other):
        return _math().add(other, self)

    def __sub__(self, other):
        return _math().sub(self, other)

    def __rsub__(self, other):
        return _math().sub(other, self)

    def __mul__(self, other):
        return _math().mul(self, other)

    def __rmul__(self, other):
        return _math().mul(other, self)

    def __truediv__(self, other):
        return _math().div(self, other)

    def __rtruediv__(self, other):
        return _math().div(other, self)

    def __pow__(self, other):
        return _math().pow(self, other)

    def __rpow__(self, other):
        return _math().pow(other, self)

    def __matmul__(self, other):
        return _math().matmul(self, other)

    def __rmatmul__(self, other):
        return _math().matmul(other, self)

    def __neg__(self):
        return _math().neg(self)

    def __pos__(self):
        return self

    def __getitem__(self, index):
        from .ops.shape import getitem
        return getitem(self, index)

    # comparisons give boolean tensors outside the graph
    def _compare(self, other, op):
        other = other.data if isinstance(other, Tensor) else other
        return Tensor(op(self.data, other))

    def __eq__(self, other):
        return self._compare(other, lambda a, b: a == b)

    def __ne__(self, other):
        return self._compare(other, lambda a, b: a != b)

    def __lt__(self, other):
        return self._compare(other, lambda a, b: a < b)

    def __le__(self, other):
        return self._compare(other, lambda a, b: a <= b)

    def __gt__(self, other):
        return self._compare(other, lambda a, b: a > b)

    def __ge__(self, other):
        return self._compare(other, lambda a, b: a >= b)

    # --- methods ------------------------------------------------------------------
    def reshape(self, *shape):
        """View with a new shape (varargs or a tuple; one -1 allowed)."""
        from .ops.shape import reshape
        return reshape(self, *shape)

    def view(self, *shape):
        """Alias of :meth:`reshape`."""
        return self.reshape(*shape)

    def transpose(self, *axes):
        """Permute axes like NumPy (none given: reverse them)."""
        from .ops.shape import transpose
        return transpose(self, *axes)

    def flatten(self, start_dim=0, end_dim=-1):
        """Merge dimensions ``start_dim..end_dim`` into one."""
        from .ops.shape import flatten
        return flatten(self, start_dim, end_dim)

    def sum(self, axis=None, keepdims=False):
        """Sum over ``axis`` (int, tuple or None for all)."""
        from .ops.reduction import sum as _sum
        return _sum(self, axis, keepdims)

    def mean(self, axis=None, keepdims=False):
        """Mean over ``axis`` (int, tuple or None for all)."""
        from .ops.reduction import mean
        return mean(self, axis, keepdims)

    def max(self, axis=None, keepdims=False):
        """Maximum values over ``axis`` (NumPy semantics: values only)."""
        from .ops.reduction import max as _max
        return _max(self, axis, keepdims)

    def argmax(self, axis=None):
        """Indices of the maxima (int64, not differentiable)."""
        return Tensor(self.xp.argmax(self.data, axis=axis).astype(np.int64))

    def exp(self):
        """Elementwise e**x."""
        return _math().exp(self)

    def log(self):
        """Elementwise natural logarithm."""
        return _math().log(self)

    def sqrt(self):
        """Elementwise square root."""
        return _math().sqrt(self)

    def abs(self):
        """Elementwise absolute value."""
        return _math().abs(self)

    def clip(self, min=None, max=None):
        """Clamp values into [min, max]; gradient flows where not clipped."""
        return _math().clip(self, min, max)

    def relu(self):
        """max(x, 0)."""
        from .ops.activation import relu
        return relu(self)

    def sigmoid(self):
        """1 / (1 + exp(-x))."""
        from .ops.activation import sigmoid
        return sigmoid(self)

    def tanh(self):
        """Hyperbolic tangent."""
        from .ops.activation import tanh
        return tanh(self)


def _math():
    from .ops import math
    return math


# --- construction ---------------------------------------------------------------

def _default_dtype_for(data):
    """float32 for Python floats, int64 for Python ints, bool for bools (like torch)."""
    flat = data
    while isinstance(flat, (list, tuple)) and flat:
        flat = flat[0]
    if isinstance(flat, bool):
        return bool_
    if isinstance(flat, numbers.Integral):
        # a list mixing ints and floats becomes float32
        return float32 if np.asarray(data).dtype.kind == "f" else int64
    return float32


def tensor(data, requires_grad=False, dtype=None, device=None):
    """Build a Tensor from lists, scalars, NumPy/CuPy arrays or another Tensor (always a copy).

    Without ``dtype``: Python floats become float32, Python ints int64, and an
    array keeps its own dtype. ``device``: "cpu", "gpu" or "cuda".

    >>> import minidl as mdl
    >>> mdl.tensor([1, 2]).dtype, mdl.tensor([1.5]).dtype
    (dtype('int64'), dtype('float32'))
    """
    dtype = _resolve_dtype(dtype)
    if isinstance(data, Tensor):
        data = data.data
    if hasattr(data, "__array_interface__") or backend.is_device_array(data):
        xp = backend.get_array_module(data)
        arr = xp.array(data, dtype=dtype, copy=True)
        if isinstance(data, np.generic) and dtype is None and arr.dtype == np.float64:
            arr = arr.astype(np.float32)
    else:
        arr = np.array(data, dtype=dtype if dtype is not None else _default_dtype_for(data))
    if device is not None:
        arr = backend.to_device(arr, device)
    return Tensor(arr, requires_grad=requires_grad)


def as_tensor(value, like=None):
    """Wrap ``value`` as a Tensor without copying a Tensor; scalars take ``like``'s dtype/device.

    A Python scalar combined with a float tensor keeps that tensor's dtype, so
    ``x * 0.5`` stays float32 when ``x`` is float32.
    """
    if isinstance(value, Tensor):
        return value
    if like is not None and isinstance(value, numbers.Number):
        dtype = like.dtype
        if dtype.kind in "iub" and isinstance(value, float):
            dtype = float32
        return Tensor(like.xp.asarray(value, dtype=dtype))
    if like is not None and hasattr(value, "__array_interface__"):
        return Tensor(backend.to_device(np.asarray(value), like.device) if backend.is_device_array(like.data)
                      else np.asarray(value))
    if backend.is_device_array(value):
        return Tensor(value)
    return tensor(value)


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _make(fill, shape, dtype, device, requires_grad):
    dev = Device(device) if device is not None else backend.CPU
    data = fill(dev.xp, _shape_arg(shape), _resolve_dtype(dtype) or float32)
    return Tensor(data, requires_grad=requires_grad)


def zeros(*shape, dtype=None, device=None, requires_grad=False):
    """A tensor of zeros; ``shape`` as varargs or a tuple; float32 by default."""
    return _make(lambda xp, s, d: xp.zeros(s, dtype=d), shape, dtype, device, requires_grad)


def ones(*shape, dtype=None, device=None, requires_grad=False):
    """A tensor of ones; ``shape`` as varargs or a tuple; float32 by default."""
    return _make(lambda xp, s, d: xp.ones(s, dtype=d), shape, dtype, device, requires_grad)


def randn(*shape, dtype=None, device=None, requires_grad=False):
    """Standard-normal samples from minidl's seeded generator; float32 by default."""
    def fill(xp, s, d):
        return backend.to_device(backend.rng().standard_normal(s).astype(d), "cpu" if xp is np else "gpu")
    return _make(fill, shape, dtype, device, requires_grad)


def rand(*shape, dtype=None, device=None, requires_grad=False):
    """Uniform [0, 1) samples from minidl's seeded generator; float32 by default."""
    def fill(xp, s, d):
        return backend.to_device(backend.rng().random(s).astype(d), "cpu" if xp is np else "gpu")
    return _make(fill, shape, dtype, device, requires_grad)


def arange(start, stop=None, step=1, dtype=None, device=None, requires_grad=False):
    """Evenly spaced values like ``numpy.arange`` (int64 for ints, float32 for floats)."""
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        dtype = int64 if all(isinstance(v, numbers.Integral) for v in (start, stop, step)) else float32
    data = np.arange(start, stop, step, dtype=_resolve_dtype(dtype))
    if device is not None:
        data = backend.to_device(data, device)
    return Tensor(data, requires_grad=requires_grad)


def zeros_like(t, dtype=None, requires_grad=False):
    """Zeros with ``t``'s shape, device and (unless given) dtype."""
    return Tensor(t.xp.zeros(t.shape, dtype=_resolve_dtype(dtype) or t.dtype), requires_grad=requires_grad)


def ones_like(t, dtype=None, requires_grad=False):
    """Ones with ``t``'s shape, device and (unless given) dtype."""
    return Tensor(t.xp.ones(t.shape, dtype=_resolve_dtype(dtype) or t.dtype), requires_grad=requires_grad)
