"""Tensor methods that convert: to Python numbers and NumPy, between dtypes and devices, copies.

Mixed into :class:`minidl.Tensor`. The dtype and device moves (``.to``,
``.float()``, ``.cuda()``, ...) are recorded in the graph as PyTorch's are,
so ``x.double()`` of a tensor that requires grad passes gradients back.
"""
from __future__ import annotations

import numpy as np

from minidl.dtypes import BFLOAT16, is_float_or_complex, is_floating

from . import backend
from .dtypes import as_dtype, to_numpy_dtype

__all__ = ["ConvertMixin"]

# PyTorch's legacy type strings, as ``Tensor.type()`` returns them
_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor", "int64": "LongTensor",
               "int32": "IntTensor", "int16": "ShortTensor", "int8": "CharTensor", "uint8": "ByteTensor",
               "bool": "BoolTensor", "bfloat16": "BFloat16Tensor"}
_NAME_TYPES = {v: k for k, v in _TYPE_NAMES.items()}


def _is_device(value):
    if isinstance(value, backend.Device):
        return True
    if isinstance(value, str):
        key = value.lower().strip()
        return key in ("cpu", "gpu", "cuda", "meta") or key.startswith(("cuda:", "gpu:", "cpu:", "meta:"))
    return False


class ConvertMixin:
    """Conversions of :class:`minidl.Tensor` (Python numbers, NumPy, dtypes, devices, copies)."""

    # --- Python numbers and NumPy -------------------------------------------------
    def numpy(self, force=False):
        """The data as a NumPy array (shares memory on the CPU; copied off the GPU).

        A conjugate view raises RuntimeError, as PyTorch's; ``force=True`` returns
        ``detach().resolve_conj()``'s data instead. A bfloat16 tensor raises TypeError (NumPy has no
        bfloat16: call ``.float()`` first). Unlike PyTorch, a tensor that requires grad is not refused:
        the array returned is the data, outside the graph, as ``.detach().numpy()`` would give."""
        if self.array.dtype == BFLOAT16:
            raise TypeError("Got unsupported ScalarType BFloat16")
        if backend.is_meta_array(self.array):
            raise TypeError("can't convert meta device type tensor to numpy. Use Tensor.cpu() to copy the tensor "
                            "to host memory first.")
        if force:
            return backend.to_device(self._conj_resolved().array, "cpu")
        if "_conj" in self.__dict__:
            raise RuntimeError("Can't call numpy() on Tensor that has conjugate bit set. Use "
                               "tensor.resolve_conj().numpy() instead.")
        return backend.to_device(self.array, "cpu")

    def item(self):
        """The single element as a Python number."""
        if self.array.size != 1:
            raise RuntimeError(f"a Tensor with {self.array.size} elements cannot be converted to Scalar")
        if backend.is_meta_array(self.array):
            raise RuntimeError("Tensor.item() cannot be called on meta tensors")
        return backend.to_device(self.array, "cpu").reshape(()).item()

    def tolist(self):
        """The data as (nested) Python lists of numbers; a 0-d tensor gives a number."""
        return backend.to_device(self.array, "cpu").tolist()

    def _scalar(self):
        if self.array.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        if backend.is_meta_array(self.array):
            raise RuntimeError("Tensor.item() cannot be called on meta tensors")
        return self._conj_resolved().numpy().reshape(()).item()

    def _conj_resolved(self):
        """``self``, or ``resolve_conj()`` of a conjugate view: what a conversion to plain numbers reads."""
        return self.resolve_conj() if "_conj" in self.__dict__ else self

    def __bool__(self):
        if self.array.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._scalar())

    def __float__(self):
        return float(self._scalar())

    def __int__(self):
        return int(self._scalar())

    def __complex__(self):
        return complex(self._scalar())

    def __index__(self):
        if self.array.size != 1 or self.array.dtype.kind not in "iub":
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._scalar())

    def __array__(self, dtype=None, copy=None):
        arr = self.numpy()
        return arr if dtype is None else arr.astype(dtype)

    def __format__(self, spec):
        if self.array.ndim == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    # --- dtype and device moves -------------------------------------------------
    def to(self, *args, **kwargs):
        """A tensor on another device and/or with another dtype; ``self`` when nothing changes.

        The forms of ``torch.Tensor.to``: ``to(device)``, ``to(dtype)``,
        ``to(device, dtype)``, ``to(other_tensor)`` (its device and dtype), and
        keywords ``device=``, ``dtype=``, ``non_blocking=`` (accepted; copies
        are synchronous) and ``copy=`` (always copy). The move is recorded in
        the graph, so gradients flow back to ``self``.

        >>> import minidl as mdl
        >>> x = mdl.ones(2)
        >>> x.to(mdl.float64).dtype, x.to("cpu") is x, x.to(mdl.zeros(1, dtype=mdl.long)).dtype
        (minidl.float64, True, minidl.int64)
        """
        device = kwargs.pop("device", None)
        dtype = kwargs.pop("dtype", None)
        copy = bool(kwargs.pop("copy", False))
        kwargs.pop("non_blocking", None)
        from .tensor_layout import check_format
        fmt = check_format(kwargs.pop("memory_format", None))
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        flags = []
        for arg in args:
            if arg is None:
                continue
            if hasattr(arg, "array") and hasattr(arg, "creator"):  # another Tensor
                device, dtype = arg.device, arg.dtype
            elif isinstance(arg, bool):
                flags.append(arg)  # non_blocking, copy given positionally
            elif _is_device(arg):
                device = arg
            else:
                dtype = arg
        copy = copy or (len(flags) > 1 and flags[1])
        from .ops.layout import ToDevice
        from .ops.math import Cast
        out = self
        if device is not None and not backend.same_device(device, self.device):
            out = ToDevice.apply(out, device=backend.Device(device))
        np_dtype = to_numpy_dtype(dtype)
        if np_dtype is not None and np_dtype != out.array.dtype:
            if out.requires_grad and not is_float_or_complex(np_dtype):   # integral results leave the graph
                from .autograd import no_grad
                with no_grad():
                    out = Cast.apply(out, dtype=np_dtype)
            else:
                out = Cast.apply(out, dtype=np_dtype)
        if fmt is not None and fmt._name != "preserve_format":
            from .tensor_layout import suggest_format
            if suggest_format(out.array) is not fmt:   # PyTorch's rule for when to() may return self
                from .ops.memory_layout import Relayout
                out = Relayout.apply(out, memory_format=fmt)
        if copy and out is self:
            out = self.clone()
        return out

    def cpu(self):
        """This tensor on the CPU (``self`` when already there)."""
        return self.to("cpu")

    def cuda(self, device=None, non_blocking=False):
        """This tensor on the GPU; raises :class:`minidl.DeviceError` saying why when none is usable."""
        return self.to("cuda" if device is None else device if not isinstance(device, int) else f"cuda:{device}")

    def type(self, dtype=None, non_blocking=False):
        """Without ``dtype``: PyTorch's type string (``'torch.FloatTensor'``); with one: ``self`` cast to it."""
        if dtype is None:
            name = _TYPE_NAMES.get(self.array.dtype.name, self.array.dtype.name)
            return f"torch.{'cuda.' if self.is_cuda else ''}{name}"
        if isinstance(dtype, str) and dtype.split(".")[-1] in _NAME_TYPES:
            dtype = _NAME_TYPES[dtype.split(".")[-1]]
        return self.to(dtype=dtype)

    def type_as(self, other):
        """``self`` cast to ``other``'s dtype."""
        return self.to(dtype=other.dtype)

    def float(self):
        """Cast to float32."""
        return self.to(dtype=np.float32)

    def double(self):
        """Cast to float64."""
        return self.to(dtype=np.float64)

    def half(self):
        """Cast to float16."""
        return self.to(dtype=np.float16)

    def bfloat16(self):
        """Cast to bfloat16 (rounded to nearest, ties to even, as PyTorch)."""
        return self.to(dtype=BFLOAT16)

    def long(self):
        """Cast to int64."""
        return self.to(dtype=np.int64)

    def int(self):
        """Cast to int32."""
        return self.to(dtype=np.int32)

    def short(self):
        """Cast to int16."""
        return self.to(dtype=np.int16)

    def byte(self):
        """Cast to uint8."""
        return self.to(dtype=np.uint8)

    def bool(self):
        """Cast to bool."""
        return self.to(dtype=np.bool_)

    def astype(self, dtype):
        """Differentiable dtype cast (NumPy's spelling of ``to(dtype)``)."""
        return self.to(dtype=dtype)

    def is_floating_point(self):
        """True for float16/32/64 tensors."""
        return is_floating(self.array.dtype)

    def element_size(self):
        """Bytes per element."""
        return self.array.dtype.itemsize

    @property
    def itemsize(self):
        """Bytes per element."""
        return self.array.dtype.itemsize

    @property
    def nbytes(self):
        """Bytes held by the elements."""
        return int(self.array.nbytes)

    # --- copies -----------------------------------------------------------------
    def detach(self):
        """A new leaf Tensor sharing this tensor's array and version counter, cut from the graph (a plain
        Tensor, also for a Parameter)."""
        from .autograd.versions import counter_of
        from .tensor import Tensor
        out = Tensor(self.array, requires_grad=False)
        out._vc = counter_of(self)
        if "_inference" in self.__dict__:   # the same memory: still an inference tensor
            out._inference = True
        return out

    def detach_(self):
        """Cut this tensor from the graph in place (it becomes a leaf that does not require grad)."""
        self.creator = None
        self.requires_grad = False
        return self

    def clone(self, *, memory_format=None):
        """A copy of the data, recorded in the graph (the gradient passes through unchanged).

        ``memory_format`` (default ``minidl.preserve_format``): the copy keeps the
        strides of a dense tensor (a channels-last tensor stays channels-last), as
        PyTorch's; ``minidl.contiguous_format``/``channels_last``/``channels_last_3d``
        lay it out that way.
        """
        from .tensor_layout import check_format
        fmt = check_format(memory_format)
        if (fmt is None or fmt._name == "preserve_format") and self.array.flags.c_contiguous:
            from .ops.layout import Clone
            return Clone.apply(self)
        from .ops.memory_layout import Relayout
        from .tensor_layout import preserve_format
        return Relayout.apply(self, memory_format=fmt or preserve_format)

    def contiguous(self, memory_format=None):
        """``self`` when already laid out in ``memory_format`` (default C order), else a copy that is.

        ``memory_format``: ``minidl.contiguous_format`` (default), ``minidl.channels_last``
        (4-D only), ``minidl.channels_last_3d`` (5-D only) or ``minidl.preserve_format``
        (``self``). The copy is recorded in the graph.
        """
        from .tensor_layout import check_format, is_contiguous_as
        fmt = check_format(memory_format)
        if fmt is not None and fmt._name == "preserve_format":
            return self
        if is_contiguous_as(self.array, fmt):
            return self
        from .ops.memory_layout import Relayout
        from .tensor_layout import contiguous_format
        return Relayout.apply(self, memory_format=fmt or contiguous_format)

    def is_contiguous(self, memory_format=None):
        """True when the data is laid out densely in ``memory_format``'s order (default C order).

        Dimensions of size 1 do not count, as in PyTorch; ``minidl.channels_last``
        asks for NHWC order of a 4-D tensor (False for other ranks).
        """
        from .tensor_layout import check_format, is_contiguous_as
        return is_contiguous_as(self.array, check_format(memory_format))

    # --- new tensors like this one ------------------------------------------------
    def _new(self, fill, size, dtype, device, requires_grad):
        from .creation import _size_arg
        np_dtype = to_numpy_dtype(dtype) or self.array.dtype
        dev = backend.Device(device) if device is not None else self.device
        data = fill(dev.xp, _size_arg(size), np_dtype)
        from .tensor import Tensor
        return Tensor(data, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        """Zeros of ``size`` with this tensor's dtype and device (unless given)."""
        return self._new(lambda xp, s, d: xp.zeros(s, dtype=d), size, dtype, device, requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        """Ones of ``size`` with this tensor's dtype and device (unless given)."""
        return self._new(lambda xp, s, d: xp.ones(s, dtype=d), size, dtype, device, requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        """An uninitialised tensor of ``size`` with this tensor's dtype and device (unless given)."""
        return self._new(lambda xp, s, d: xp.empty(s, dtype=d), size, dtype, device, requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        """``fill_value`` everywhere, of ``size``, with this tensor's dtype and device (unless given)."""
        return self._new(lambda xp, s, d: xp.full(s, fill_value, dtype=d), (size,), dtype, device, requires_grad)

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        """A copy of ``data`` with this tensor's dtype and device (unless given)."""
        from .tensor import Tensor, tensor, warn_copy_construct
        if isinstance(data, Tensor):
            warn_copy_construct()
            data = data.array
        return tensor(data, dtype=dtype if dtype is not None else as_dtype(self.array.dtype),
                      device=device if device is not None else self.device, requires_grad=requires_grad)
