"""``Tensor.grad`` and ``Tensor.grad_dtype`` with PyTorch's checks.

* reading ``.grad`` of a non-leaf tensor that does not retain its gradient (and has none) warns, as
  PyTorch's does: autograd never fills it;
* assigning ``.grad`` refuses a non-Tensor (TypeError), another shape, another device or, unless
  ``grad_dtype`` says otherwise, another dtype (RuntimeError), with PyTorch's messages.

The engine stores gradients through :func:`store_grad`, without the checks (its results already match).
"""
from __future__ import annotations

import warnings

import numpy as np

__all__ = ["GradAttrMixin", "store_grad"]

NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be "
    "populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf "
    "Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure "
    "you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more information.")

# PyTorch names a dtype two ways in these messages: its C++ type ('double') and its ScalarType ('Double')
_CPP_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
              "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
              "uint8": "unsigned char", "bool": "bool", "complex64": "c10::complex<float>",
              "complex128": "c10::complex<double>"}
_SCALAR_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
                 "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
                 "complex64": "ComplexFloat", "complex128": "ComplexDouble"}
_UNSET = object()


def store_grad(tensor, value):
    """Set ``tensor.grad`` to ``value`` (a Tensor or None) without the assignment checks."""
    tensor.__dict__["_grad"] = value


def _array_dtype_name(dtype):
    return getattr(dtype, "name", None) or np.dtype(dtype).name


def _device_type(tensor):
    return tensor.device.type


class GradAttrMixin:
    """``grad`` and ``grad_dtype``; the class :class:`minidl.Tensor` puts first in its bases."""

    @property
    def grad(self):
        """The gradient autograd accumulated into this tensor (a Tensor of its shape), or None.

        Reading it on a non-leaf tensor that has none and does not ``retain_grad()`` warns, as PyTorch's.
        """
        g = self.__dict__.get("_grad")
        if g is None and self.creator is not None and not self.retains_grad:
            warnings.warn(NON_LEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return g

    @grad.setter
    def grad(self, value):
        from .tensor import Tensor
        if value is None:
            self.__dict__["_grad"] = None
            return
        if not isinstance(value, Tensor):
            raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                            f"{type(value).__name__}")
        if _device_type(value) != _device_type(self):
            raise RuntimeError(f"attempting to assign a gradient with device type '{_device_type(value)}' to a "
                               f"tensor with device type '{_device_type(self)}'. Please ensure that the gradient "
                               f"and the tensor are on the same device")
        allowed = self.grad_dtype
        if allowed is not None and value.dtype != allowed:
            got, want = _array_dtype_name(value.array.dtype), _array_dtype_name(self.array.dtype)
            raise RuntimeError(
                f"attempting to assign a gradient with dtype '{_CPP_NAMES.get(got, got)}' to a tensor with "
                f"grad_dtype '{_SCALAR_NAMES.get(want, want)}'. The gradient must match the tensor's grad_dtype "
                f"(defaults to the tensor's dtype). You can set the tensor's grad_dtype attribute with a specific "
                f"dtype, or None to allow any dtype. Set grad_dtype with caution. Diverging the dtypes of a tensor "
                f"and its gradient may break downstream systems that assume they match.")
        if tuple(value.array.shape) != tuple(self.array.shape):
            raise RuntimeError(f"attempting to assign a gradient of size '{list(value.array.shape)}' to a tensor of "
                               f"size '{list(self.array.shape)}'. Please ensure that the gradient and the tensor are "
                               f"the same size")
        self.__dict__["_grad"] = value

    @property
    def grad_dtype(self):
        """The dtype ``.grad`` must have: the tensor's own unless set (None: any dtype), as PyTorch's."""
        allowed = self.__dict__.get("_grad_dtype", _UNSET)
        return self.dtype if allowed is _UNSET else allowed

    @grad_dtype.setter
    def grad_dtype(self, value):
        from .dtypes import as_dtype
        if self.creator is not None:
            raise RuntimeError("grad_dtype can only be set on leaf tensors.")
        value = None if value is None else as_dtype(value)
        g = self.__dict__.get("_grad")
        if g is not None and value is not None and g.dtype != value:
            have = _array_dtype_name(g.array.dtype)
            name = _SCALAR_NAMES.get(value.name, value.name)
            raise RuntimeError(f"Cannot set grad_dtype to '{name}' because there is already a gradient with dtype "
                               f"'{_CPP_NAMES.get(have, have)}'. Please clear the gradient (.grad = None) before "
                               f"changing grad_dtype, or ensure the new grad_dtype matches the existing gradient's "
                               f"dtype.")
        self.__dict__["_grad_dtype"] = value
