"""``minidl.nn.parameter``: :class:`Parameter` and the not-yet-shaped ``UninitializedParameter`` /
``UninitializedBuffer`` of the lazy modules (PyTorch's ``torch.nn.parameter``).

An uninitialised tensor holds an empty array of its dtype on its device until
:meth:`~UninitializedTensorMixin.materialize` gives it a shape; then the same
object becomes a plain :class:`Parameter` (or :class:`~minidl.tensor.Tensor`),
so an optimiser built before that holds the materialised parameter. Before,
its ``shape`` raises PyTorch's RuntimeError and computing with it raises
PyTorch's ValueError; changing its dtype or device (``module.to``,
``.double()``) is allowed.
"""
from __future__ import annotations

import numpy as np

from minidl import backend
from minidl.nn.module import Parameter
from minidl.tensor import Tensor

__all__ = ["Parameter", "UninitializedParameter", "UninitializedBuffer", "is_lazy"]

_SHAPE_ERROR = ("Can't access the shape of an uninitialized parameter or buffer. This error usually happens in "
                "`load_state_dict` when trying to load an uninitialized parameter into an initialized one. "
                "Call `forward` to initialize the parameters before accessing their attributes.")

# Tensor methods an uninitialised tensor refuses (PyTorch refuses every torch function but a few conversions)
_BLOCKED = ("numel", "dim", "item", "tolist", "numpy", "reshape", "view", "sum", "mean", "t", "transpose",
            "permute", "flatten", "unsqueeze", "squeeze", "expand", "clone", "detach", "abs", "norm", "fill_",
            "zero_", "uniform_", "normal_", "add_", "mul_", "sub_", "div_", "copy_", "requires_grad_", "contiguous",
            "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__", "__rtruediv__",
            "__matmul__", "__rmatmul__", "__pow__", "__rpow__", "__neg__", "__getitem__", "__setitem__", "__len__",
            "__iter__", "__float__", "__int__", "__bool__", "__array__")


def _blocked(name):
    def method(self, *args, **kwargs):
        raise ValueError(f"Attempted to use an uninitialized parameter in <method '{name}' of 'Tensor' objects>. "
                         "This error happens when you are using a `LazyModule` or explicitly manipulating "
                         f"`minidl.nn.parameter.{type(self).__name__}` objects. When using LazyModules Call "
                         "`forward` with a dummy batch to initialize the parameters before calling torch functions")
    method.__name__ = name
    method.__doc__ = f"Refused until the tensor is materialised (``{name}`` needs its shape)."
    return method


def _empty(device, dtype):
    """An empty (0,) array of ``dtype`` (float32 when None) on ``device`` (the default when None)."""
    array = np.empty((0,), dtype=np.dtype(dtype) if dtype is not None else np.float32)
    if device is not None and backend.is_gpu(backend.device_or_default(device)):
        array = backend.to_device(array, backend.device_or_default(device))
    return array


class UninitializedTensorMixin:
    """What ``UninitializedParameter`` and ``UninitializedBuffer`` share: ``materialize`` and the refusals."""

    cls_to_become = None

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Give the tensor an (uninitialised) array of ``shape`` on its device (or ``device``) in its dtype (or
        ``dtype``); the object then becomes its ``cls_to_become`` (Parameter or Tensor) in place."""
        xp = backend.get_array_module(self.array)
        dtype = self.array.dtype if dtype is None else np.dtype(dtype)
        array = xp.empty(tuple(int(s) for s in shape), dtype=dtype)
        if device is not None:
            array = backend.to_device(array, backend.device_or_default(device))
        self.array = array
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        """Refused: an uninitialised tensor has no shape yet (PyTorch's RuntimeError)."""
        raise RuntimeError(_SHAPE_ERROR)

    @property
    def ndim(self):
        """1, as PyTorch reports for the empty placeholder."""
        return 1

    def size(self, dim=None):
        """The placeholder's size, ``minidl.Size([0])``, as PyTorch reports it."""
        from minidl.size import Size
        return Size((0,)) if dim is None else 0

    def share_memory_(self):
        """Refused until materialised."""
        raise RuntimeError("Can't share memory on an uninitialized parameter or buffer. Call `forward` to "
                           "initialize the parameters before calling `module.share_memory()`.")

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.requires_grad, dtype=self.array.dtype)
            memo[id(self)].array = self.array.copy()
        return memo[id(self)]

    def __reduce_ex__(self, proto):
        return (_rebuild_uninitialized, (type(self), self.requires_grad, backend.to_numpy(self.array).dtype.str))


for _name in _BLOCKED:
    setattr(UninitializedTensorMixin, _name, _blocked(_name))
UninitializedTensorMixin.__hash__ = object.__hash__


def _rebuild_uninitialized(cls, requires_grad, dtype):
    return cls(requires_grad, dtype=np.dtype(dtype))


def is_lazy(param) -> bool:
    """Whether ``param`` is an ``UninitializedParameter`` or ``UninitializedBuffer``."""
    return isinstance(param, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A :class:`Parameter` whose shape is not known yet (the lazy modules' ``weight`` and ``bias``).

    Args: ``requires_grad=True``, ``device``, ``dtype`` (float32 when None): where and in which
    type :meth:`materialize` will create it. Registered in a module like any Parameter
    (``parameters()``, ``state_dict()``), it becomes a plain Parameter when materialised.

    >>> import minidl.nn as nn
    >>> p = nn.UninitializedParameter()
    >>> p
    <UninitializedParameter>
    >>> p.materialize((2, 3)); type(p).__name__, tuple(p.shape)
    ('Parameter', (2, 3))
    """

    cls_to_become = Parameter

    def __init__(self, requires_grad=True, device=None, dtype=None):
        super().__init__(_empty(device, dtype), requires_grad=requires_grad)


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape is not known yet (the lazy batch norms' running statistics); becomes a plain
    :class:`~minidl.tensor.Tensor` when materialised. Args: ``requires_grad=False``, ``device``, ``dtype``,
    ``persistent=True``."""

    cls_to_become = Tensor

    def __init__(self, requires_grad=False, device=None, dtype=None, persistent=True):
        super().__init__(_empty(device, dtype), requires_grad=requires_grad)
        self.persistent = persistent
