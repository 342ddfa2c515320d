"""The ``Tensor``: a backend array (NumPy or CuPy) plus what autograd needs.

A Tensor holds ``array`` (the NumPy or CuPy array), ``grad`` (a Tensor or
``None``), ``requires_grad`` and ``creator`` (the
:class:`~minidl.autograd.Function` that produced it, ``None`` for leaves).
``data`` is PyTorch's: another Tensor on the same array, outside the graph.
Every operator and method forwards to a Function in :mod:`minidl.ops`, which
computes on ``array`` directly. The
methods are grouped by kind in mixins: conversions (``tensor_convert``),
arithmetic and comparisons (``tensor_math``), shape ops (``tensor_shape``),
reductions (``tensor_reduce``) and in-place updates (``tensor_inplace``);
this file holds the class itself, its attributes and the autograd methods.
Creation functions (``zeros``, ``randn``, ...) live in :mod:`minidl.creation`.
"""
from __future__ import annotations

import numbers
import warnings

import numpy as np

from minidl.dtypes import BFLOAT16, is_float_or_complex, is_floating

from . import backend
from . import dtypes as _dtypes
from .autograd.grad_mode import _inference as _inference_mode
from .backend import Device, DeviceError  # noqa: F401  (re-exported for older imports)
from .dtypes import _BY_NUMPY, _scalar_dtype, as_dtype, default_float, to_numpy_dtype
from .size import Size
from .tensor_convert import ConvertMixin
from .tensor_grad_attr import GradAttrMixin
from .tensor_inplace import InplaceMixin
from .tensor_math import MathMixin
from .tensor_more import MoreMixin
from .tensor_reduce import ReduceMixin
from .tensor_shape import ShapeMixin

__all__ = ["Tensor", "tensor", "as_tensor"]


class Tensor(GradAttrMixin, ConvertMixin, MathMixin, ShapeMixin, ReduceMixin, InplaceMixin, MoreMixin):
    """An n-dimensional array that records the operations applied to it.

    ``Tensor(array, requires_grad=False)`` wraps a NumPy/CuPy array without
    copying; lists and numbers become the default dtype (float32, see
    :func:`minidl.set_default_dtype`), and ``Tensor(2, 3)`` (sizes, or a
    :class:`minidl.Size`) a default-dtype tensor of that shape, as
    ``torch.Tensor`` does (filled with zeros, where PyTorch leaves the memory
    uninitialised). Use :func:`tensor` to build one with a dtype/device.

    >>> import minidl as mdl
    >>> x = mdl.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad.numpy()
    array([[2., 4.],
           [6., 8.]], dtype=float32)
    """

    __array_priority__ = 100  # so ndarray + Tensor defers to Tensor.__radd__

    def __init__(self, data=None, *sizes, requires_grad=False):
        if type(data) is not np.ndarray:
            if data is None or sizes or isinstance(data, Size) or (
                    isinstance(data, numbers.Integral) and not isinstance(data, (bool, np.generic))):
                data = _zeros_of(data, sizes)
            elif isinstance(data, Tensor):
                data = data.array
            elif isinstance(data, np.generic):
                data = np.asarray(data)
            elif not hasattr(data, "__array_interface__") and not backend.is_device_array(data) and \
                    not getattr(data, "is_sparse_layout", False) and \
                    not backend.is_meta_array(data):   # sparse holders: minidl/sparse/_arrays.py
                data = np.asarray(data, dtype=default_float())
        self.array = data
        self.creator = None
        self.requires_grad = requires_grad = bool(requires_grad)
        if getattr(_inference_mode, "enabled", False):
            self._inference = True   # made inside inference_mode: Tensor.is_inference()
        if requires_grad and not is_float_or_complex(data.dtype):
            raise RuntimeError(f"Only Tensors of floating point and complex dtype can require gradients, "
                               f"got dtype {as_dtype(data.dtype)}")

    # --- attributes -----------------------------------------------------------
    @property
    def data(self) -> "Tensor":
        """PyTorch's ``Tensor.data``: a Tensor on the same array, detached from the graph.

        Its ``requires_grad`` is False and it has no ``grad_fn``; changing it in
        place (``m.weight.data.normal_(0, 0.02)``, ``p.data.sub_(lr * p.grad)``)
        changes this tensor without autograd recording it, as in PyTorch. The
        backend array itself is :attr:`array` (``t.detach().numpy()`` for a
        NumPy copy-free view on the CPU). Unlike :meth:`detach`, it has its own version counter, so
        changing it in place goes unnoticed by autograd's saved-tensor check, as in PyTorch.
        """
        return Tensor(self.array, requires_grad=False)

    @data.setter
    def data(self, value):
        """``t.data = other``: this tensor now holds ``other``'s array (shape and dtype may change).

        ``other`` is a Tensor, as in PyTorch; a NumPy/CuPy array is accepted too.
        """
        if isinstance(value, Tensor):
            self.array = value.array
        elif backend.is_array(value):
            self.array = value
        else:
            raise TypeError(f"Tensor.data must be set to a Tensor, got {type(value).__name__}")

    @property
    def shape(self):
        """The shape, a :class:`minidl.Size` (a tuple of ints)."""
        return Size(self.array.shape)

    def size(self, dim=None):
        """The shape as a :class:`minidl.Size`, or the length of dimension ``dim``.

        >>> import minidl as mdl
        >>> x = mdl.zeros(2, 3)
        >>> x.size(), x.size(1), x.size(-1)
        (minidl.Size([2, 3]), 3, 3)
        """
        if dim is None:
            return Size(self.array.shape)
        return self.array.shape[_check_dim(dim, self.array.ndim)]

    @property
    def ndim(self):
        """Number of dimensions."""
        return self.array.ndim

    def dim(self):
        """Number of dimensions (as ``ndim``)."""
        return self.array.ndim

    ndimension = dim

    def numel(self):
        """Number of elements."""
        return int(self.array.size)

    nelement = numel

    @property
    def dtype(self):
        """The element type, a :class:`minidl.dtype` (equal to the NumPy dtype)."""
        found = _BY_NUMPY.get(self.array.dtype)
        return found if found is not None else as_dtype(self.array.dtype)

    @property
    def device(self) -> Device:
        """The :class:`~minidl.backend.Device` holding ``data``."""
        return backend.device_of(self.array)

    @property
    def is_cuda(self):
        """True when ``data`` lives on the GPU."""
        return type(self.array) is not np.ndarray and self.device.type == "cuda"

    @property
    def xp(self):
        """The array module (NumPy or CuPy) of ``data``."""
        return backend.get_array_module(self.array)

    @property
    def is_leaf(self):
        """True for tensors not produced by a recorded operation."""
        return self.creator is None

    @property
    def T(self):
        """The transpose: all dimensions reversed (for a matrix, rows and columns swapped)."""
        if self.array.ndim == 0:
            import warnings
            warnings.warn("Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases.",
                          UserWarning, stacklevel=2)
        return self.permute(*range(self.array.ndim - 1, -1, -1))

    @property
    def mT(self):
        """The last two dimensions swapped (a batch of transposed matrices); a 0-d tensor as itself, with
        PyTorch's deprecation warning; 1-D raises."""
        if self.array.ndim == 0:
            import warnings
            warnings.warn("Tensor.mT is deprecated on 0-D tensors. This function is the identity in these cases.",
                          UserWarning, stacklevel=2)
            return self.transpose(0, 0)
        if self.array.ndim == 1:
            raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.")
        return self.transpose(-2, -1)

    def __len__(self):
        if self.array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    def __iter__(self):
        if self.array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.array.shape[0]))

    def __repr__(self):
        if getattr(self.array, "is_sparse_layout", False):   # minidl/sparse: PyTorch's sparse repr
            from .sparse._repr import sparse_repr
            return sparse_repr(self)
        if backend.is_meta_array(self.array):
            from .tensor_meta import meta_repr
            return meta_repr(self)
        from .tensor_str import add_suffixes, format_array
        body = format_array(self.array if self.array.dtype == BFLOAT16 else backend.to_numpy(self.array))
        kind = self.array.dtype
        empty = self.array.size == 0
        # PyTorch's suffixes, in its order: device, then (empty tensors) size unless 1-D, then dtype unless
        # the default float (int64 and bool too, unless empty), then grad_fn or requires_grad
        suffixes = []
        if backend.is_device_array(self.array):
            suffixes.append(f"device='{self.device}'")
        if empty and self.array.ndim != 1:
            suffixes.append(f"size={tuple(self.array.shape)}")
        if kind != default_float() and (empty or (kind != np.int64 and kind != np.bool_
                                                    and kind != _dtypes._default_complex)):
            suffixes.append(f"dtype={self.dtype}")
        if self.creator is not None:
            suffixes.append(f"grad_fn=<{self.creator.name().rsplit('::', 1)[-1]}>")   # <CopySlices>, as PyTorch
        elif self.requires_grad:
            suffixes.append("requires_grad=True")
        if "_fw_tangent" in self.__dict__:   # a dual Tensor of forward-mode AD (autograd/forward_ad.py)
            from .autograd._forward_state import tangent_of
            tangent = tangent_of(self)
            if tangent is not None:
                suffixes.append(f"tangent={tangent!r}")
        return add_suffixes("tensor(" + body, suffixes)

    __hash__ = object.__hash__

    # --- autograd -------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (PyTorch's ``Tensor.backward``).

        ``gradient`` (Tensor or array of ``self.shape``) is required when ``self``
        is not a scalar: the result is then the vector-Jacobian product.
        ``retain_graph`` (default: ``create_graph``) keeps the saved values for
        another backward pass; ``create_graph=True`` records the backward pass, so
        the gradients can be differentiated again; ``inputs`` restricts the
        accumulation to those Tensors.

        >>> import minidl as mdl
        >>> x = mdl.tensor([1.0, 2.0], requires_grad=True)
        >>> y = x * 3
        >>> y.backward(mdl.tensor([1.0, 0.5]))   # vector-Jacobian product for a non-scalar
        >>> x.grad.numpy()
        array([3. , 1.5], dtype=float32)
        """
        from .autograd import backward
        backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)

    def __getstate__(self):
        """Pickled state (``minidl.save``, ``copy.deepcopy``): the attributes without the version counter,
        which a copy starts afresh, as PyTorch's."""
        state = self.__dict__
        return {k: v for k, v in state.items() if k != "_vc"} if "_vc" in state else state

    def zero_grad(self):
        """Reset ``.grad`` to None."""
        self.__dict__["_grad"] = None

    def retain_grad(self):
        """Keep ``.grad`` on this non-leaf tensor after backward (a leaf keeps it anyway)."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on a Tensor that has requires_grad=False")
        if self.creator is None or self.retains_grad:
            return
        self.retains_grad = True
        self._watch()

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` in place (leaves only) and return self."""
        if self.creator is not None and not requires_grad:
            raise RuntimeError("you can only change requires_grad flags of leaf tensors; use t.detach() to get "
                               "a tensor outside the graph")
        if requires_grad and not is_float_or_complex(self.array.dtype):
            raise RuntimeError(f"only floating-point tensors can require gradients, got dtype {self.array.dtype}")
        if requires_grad and self.is_inference() and not getattr(_inference_mode, "enabled", False):
            raise RuntimeError("Setting requires_grad=True on inference tensor outside InferenceMode is not allowed.")
        self.requires_grad = bool(requires_grad)
        return self

    # hooks registered with register_hook ({handle id: fn}); retain_grad() sets retains_grad
    _backward_hooks = None
    retains_grad = False

    def register_hook(self, hook):
        """Call ``hook(grad)`` whenever this tensor's gradient is computed; a Tensor it returns replaces it.

        Returns a handle whose ``remove()`` unregisters the hook.

        >>> import minidl as mdl
        >>> x = mdl.tensor([1.0, 2.0], requires_grad=True)
        >>> handle = x.register_hook(lambda g: g * 10)
        >>> (x * x).sum().backward()
        >>> x.grad.numpy()
        array([20., 40.], dtype=float32)
        >>> handle.remove()
        """
        from .autograd.function import RemovableHandle, _HookDict
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._backward_hooks is None:
            self._backward_hooks = _HookDict()
        handle = RemovableHandle(self._backward_hooks)
        self._backward_hooks[handle.id] = hook
        if self.creator is not None:
            self._watch()
        return handle

    def _watch(self):
        """Tell this non-leaf tensor's node to run its hooks / retain its gradient during backward."""
        import weakref

        from .autograd.function import output_index
        node = self.creator
        watched = node.__dict__.setdefault("_watched", [])
        for _, ref in watched:
            if ref() is self:
                ref.hooks = self._backward_hooks    # retain_grad() first, register_hook later
                return
        watched.append((output_index(self), _HookRef(weakref.ref(self), self._backward_hooks)))

    @property
    def grad_fn(self):
        """The graph node that produced this tensor (None for leaves), e.g. ``<MulBackward0 object>``.

        ``grad_fn.name()`` is its name and ``grad_fn.next_functions`` the
        ``(node, index)`` pairs of its inputs, so a graph can be walked and printed.
        """
        return self.creator


def _zeros_of(first, sizes):
    """``torch.Tensor(*sizes)``: a default-dtype array of that shape (empty for ``Tensor()``)."""
    if first is None:
        return np.zeros((0,), dtype=default_float())
    shape = tuple(first) if isinstance(first, Size) else (first,) + sizes
    if not all(isinstance(n, numbers.Integral) for n in shape):
        raise TypeError(f"Tensor(): expected sizes (ints) after the first argument, got {shape!r}")
    return np.zeros(tuple(int(n) for n in shape), dtype=default_float())


def _check_dim(dim, ndim):
    """``dim`` as a non-negative index, or an IndexError in PyTorch's words."""
    lo, hi = -max(ndim, 1), max(ndim, 1) - 1
    if not isinstance(dim, numbers.Integral) or not lo <= dim <= hi:
        raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})")
    return dim % max(ndim, 1)


# --- the two constructors every op relies on ---------------------------------------

def _leaf_dtype(data):
    """The first number of nested lists, to tell Python numbers from NumPy scalars."""
    while isinstance(data, (list, tuple)) and data:
        data = data[0]
    return data


def _to_array(data, np_dtype):
    """Nested lists/tuples of numbers, NumPy scalars or Tensors as one NumPy array."""
    if isinstance(data, (list, tuple)):
        items = [_to_array(d, None) if isinstance(d, (list, tuple, Tensor)) else d for d in data]
        arr = np.array(items, dtype=np_dtype)
    elif isinstance(data, Tensor):
        arr = np.array(data._conj_resolved().numpy(), dtype=np_dtype)
    else:
        arr = np.array(data, dtype=np_dtype)
    if arr.dtype == object:
        raise TypeError(f"tensor(): could not infer a dtype from {type(_leaf_dtype(data)).__name__} elements")
    return arr


def warn_copy_construct(stacklevel=3):
    """PyTorch's UserWarning for ``torch.tensor(t)``/``x.new_tensor(t)`` of a Tensor ``t``, pointing at the
    caller of the function that calls this (``stacklevel`` frames up)."""
    warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() "
                  "or sourceTensor.detach().clone().requires_grad_(True), rather than "
                  "torch.tensor(sourceTensor).", UserWarning, stacklevel=stacklevel)


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """Build a Tensor from lists, scalars, NumPy/CuPy arrays or another Tensor (always a copy).

    Without ``dtype``: Python floats become the default dtype (float32 unless
    :func:`minidl.set_default_dtype` changed it), Python ints int64,
    Python bools bool, and an array (or NumPy scalar) keeps its own dtype.
    ``device``: "cpu", "cuda"/"gpu" or a :class:`~minidl.Device`.
    ``pin_memory`` is accepted for compatibility (host memory is not pinned).

    >>> import minidl as mdl
    >>> mdl.tensor([1, 2]).dtype, mdl.tensor([1.5]).dtype, mdl.tensor(True).dtype
    (minidl.int64, minidl.float32, minidl.bool)
    """
    np_dtype = to_numpy_dtype(dtype)
    if isinstance(data, Tensor):
        warn_copy_construct()
        data = data.array
    if hasattr(data, "__array_interface__") or backend.is_device_array(data):
        arr = backend.get_array_module(data).array(data, dtype=np_dtype, copy=True)
    else:
        leaf = _leaf_dtype(data)
        python_number = not isinstance(leaf, (np.generic, np.ndarray, Tensor))  # also [] (float32, as torch)
        arr = _to_array(data, np_dtype)
        if np_dtype is None and python_number and is_float_or_complex(arr.dtype):
            arr = arr.astype(default_float() if is_floating(arr.dtype) else _scalar_dtype(1j))
    if device is not None or backend.get_default_device().type != "cpu":
        arr = backend.to_device(arr, backend.device_or_default(device))
    return Tensor(arr, requires_grad=requires_grad)


def _wrapped_int(value, dtype):
    """A Python int as a 0-d array of the integer ``dtype``, wrapped modulo 2**bits as PyTorch wraps a
    number that does not fit (``int8_tensor + 200`` is ``int8_tensor + (-56)``); beyond 64 bits it raises."""
    if not -2 ** 63 <= value < 2 ** 64:
        raise OverflowError("int too big to convert")
    if dtype.kind == "b":
        return np.asarray(bool(value))
    return np.asarray(value % 2 ** 64, dtype=np.uint64).astype(dtype)


def as_tensor(data, dtype=None, device=None, *, like=None):
    """``data`` as a Tensor, sharing memory where it can (a Tensor or array of the right dtype/device).

    As ``torch.as_tensor``: a Tensor comes back as it is when ``dtype`` and
    ``device`` match; a NumPy array on the CPU is wrapped without a copy.
    ``like`` (internal): a Python number takes the dtype PyTorch's promotion
    gives it next to the tensor ``like`` (``x * 0.5`` stays float32 for a
    float32 ``x``, ``int_tensor * 0.5`` gives float32), on ``like``'s device.
    """
    if like is not None and dtype is None:
        if isinstance(data, numbers.Number):
            ld = like.array.dtype
            if is_floating(ld) and not isinstance(data, complex):
                target = ld
            else:
                from .dtypes import _combine
                target = _combine(ld, _scalar_dtype(data))
            value = _wrapped_int(data, target) if isinstance(data, int) and target.kind in "iub" else \
                np.asarray(data, dtype=target)
            if type(like.array) is np.ndarray:
                return Tensor(value)
            return Tensor(like.xp.asarray(value))
        if hasattr(data, "__array_interface__") and not isinstance(data, Tensor):
            return Tensor(backend.to_device(np.asarray(data), like.device))
    if isinstance(data, Tensor):
        np_dtype = to_numpy_dtype(dtype)
        same_device = device is None or backend.same_device(device, data.device)
        if (np_dtype is None or np_dtype == data.array.dtype) and same_device:
            return data
        return data.to(device=device, dtype=dtype)
    np_dtype = to_numpy_dtype(dtype)
    if hasattr(data, "__array_interface__") or backend.is_device_array(data):
        if isinstance(data, np.generic):
            data = np.asarray(data)
        arr = data if np_dtype is None or data.dtype == np_dtype else data.astype(np_dtype)
        if device is not None:
            arr = backend.to_device(arr, device)
        return Tensor(arr)
    return tensor(data, dtype=dtype, device=device)


class _HookRef:
    """What a node keeps of a watched non-leaf output: a weak reference to the Tensor, and its hooks.

    As PyTorch's tensor hooks live on the graph node, a hook registered on an intermediate tensor runs even
    when that Tensor object is gone (``y.register_hook(h); loss = y.sum(); del y``), and nodes hold stand-ins
    rather than their input Tensors (``Function._input_values_unused``), so the node must keep the hooks.
    Called, it gives the Tensor while it lives, else a holder of its hooks that retains no gradient.
    """

    __slots__ = ("ref", "hooks")

    def __init__(self, ref, hooks):
        self.ref, self.hooks = ref, hooks

    def __call__(self):
        t = self.ref()
        return t if t is not None else (_GoneTensorHooks(self.hooks) if self.hooks else None)


class _GoneTensorHooks:
    """The hooks of a watched Tensor that no longer exists (see :class:`_HookRef`)."""

    __slots__ = ("_backward_hooks",)
    retains_grad = False

    def __init__(self, hooks):
        self._backward_hooks = hooks

