""":class:`minidl.Tensor`'s kind and placement queries, as PyTorch's: ``is_cpu``, ``get_device``, ``data_ptr``,
``layout``, ``is_sparse``/``is_quantized``/``is_meta``/... (minidl tensors are dense, strided, real and
unquantized, so these answer False), ``is_conj``/``resolve_conj``, ``name``, ``output_nr``, ``dim_order``,
``is_set_to``, ``pin_memory``/``is_pinned`` and ``share_memory_``/``is_shared``.

>>> import minidl as mdl
>>> x = mdl.zeros(2, 3)
>>> x.is_cpu, x.get_device(), x.layout, x.is_sparse, x.dim_order()
(True, -1, minidl.strided, False, (0, 1))
"""
from __future__ import annotations

import numpy as np

from . import backend

__all__ = ["SurfaceFlagsMixin"]

# the backends / kinds minidl tensors never are: each a property answering False, as PyTorch's on a dense CPU tensor
_NEVER = ("is_sparse", "is_sparse_csr", "is_quantized", "is_nested", "is_mps", "is_xpu", "is_mkldnn",
          "is_vulkan", "is_ipu", "is_xla", "is_maia", "is_mtia")


def _never(name):
    def getter(self):
        return False
    getter.__name__ = name
    getter.__doc__ = f"False: minidl tensors are dense NumPy/CuPy arrays (PyTorch's ``Tensor.{name}``)."
    return property(getter)


class SurfaceFlagsMixin:
    """The methods of this module; installed on :class:`minidl.Tensor` by :func:`minidl.tensor_surface.install`."""

    # a class-level default of the attribute every Tensor sets in __init__, so that ``Tensor.requires_grad``
    # exists on the class as on PyTorch's (``Tensor.grad`` is a property: minidl/tensor_grad_attr.py)
    requires_grad = False

    @property
    def is_cpu(self):
        """True when the data lives in host memory."""
        return self.device.type == "cpu"

    @property
    def is_meta(self):
        """True for a tensor on the ``meta`` device (a shape and dtype, no data)."""
        return backend.is_meta_array(self.array)

    def get_device(self):
        """The GPU index of a CUDA tensor; -1 for a CPU tensor (as PyTorch)."""
        dev = self.device
        return -1 if dev.type != "cuda" else (dev.index or 0)

    def data_ptr(self):
        """The address of the first element (an int; 0 for a tensor without elements, as PyTorch)."""
        if self.array.size == 0 or backend.is_meta_array(self.array):
            return 0
        return backend.data_pointer(self.array)

    const_data_ptr = data_ptr

    @property
    def layout(self):
        """``minidl.strided``: every minidl tensor is a dense strided array."""
        from .tensor_layout import strided
        return strided

    @property
    def name(self):
        """None (PyTorch's named-tensor dimension names are not supported, as an unnamed tensor's)."""
        return None

    @property
    def output_nr(self):
        """Which output of its ``grad_fn`` this tensor is (0 for leaves and single-output ops)."""
        if self.creator is None:
            return 0
        from .autograd.function import output_index
        return output_index(self)

    def is_conj(self):
        """True for a tensor made by ``conj()`` of a complex tensor (PyTorch's conjugate bit)."""
        return bool(self.__dict__.get("_conj", False))

    def is_neg(self):
        """False: minidl has no lazily negated tensors."""
        return False

    def resolve_conj(self):
        """``self``, or for a ``conj()`` result a copy whose ``is_conj()`` is False (same values)."""
        from .ops.complex import resolve_conj
        return resolve_conj(self)

    def resolve_neg(self):
        """``self`` (nothing lazily negated to materialise)."""
        return self

    def is_inference(self):
        """True for a tensor made inside :class:`minidl.inference_mode` (PyTorch's inference tensors), and for
        its views and ``detach()``."""
        if self.__dict__.get("_inference", False):
            return True
        base = self.__dict__.get("_base")
        return base is not None and base.is_inference()

    def dim_order(self, *, ambiguity_check=False):
        """The dims ordered from the outermost to the innermost in memory (by decreasing stride, ties in order)."""
        strides = self.stride()
        return tuple(sorted(range(self.array.ndim), key=lambda d: -strides[d]))

    def is_set_to(self, tensor):
        """True when ``tensor`` has the same memory, offset, shape and strides as ``self``."""
        return (self.array.size > 0 and self.data_ptr() == tensor.data_ptr() and self.dtype == tensor.dtype
                and tuple(self.shape) == tuple(tensor.shape) and self.stride() == tensor.stride())

    def pin_memory(self, device=None):
        """A copy of this CPU tensor in page-locked host memory (for faster copies to the GPU).

        As PyTorch: a RuntimeError where no GPU is usable; a CUDA tensor is refused.
        """
        if not backend.gpu_available():
            raise RuntimeError("Cannot access accelerator device when none is available.")
        if self.is_cuda:
            raise RuntimeError(f"cannot pin '{self.type()}' only dense CPU tensors can be pinned")
        from .tensor import Tensor
        pinned = Tensor(backend.pinned_copy(self.array))
        pinned._pinned = True
        return pinned

    def is_pinned(self, device=None):
        """True for a tensor returned by :meth:`pin_memory`."""
        return bool(self.__dict__.get("_pinned", False))

    def share_memory_(self):
        """Move the data into named shared memory, so that processes started afterwards (forked, or spawned by
        ``minidl.multiprocessing`` and given this tensor) see and write the same elements; returns ``self``.

        A no-op for CUDA tensors and for tensors already shared, as PyTorch's.
        """
        if self.is_cuda or self.is_shared():
            return self
        from ._shared_memory import shared_copy
        self.array = shared_copy(self.array)
        return self

    def is_shared(self):
        """True when the data lives in shared memory (after :meth:`share_memory_`), or on the GPU (as PyTorch)."""
        if self.is_cuda:
            return True
        import mmap
        base = self.array
        while isinstance(base, np.ndarray) and base.base is not None:
            base = base.base
        if isinstance(base, memoryview):
            base = base.obj
        return isinstance(base, mmap.mmap)


def _dlpack(self, *, stream=None, max_version=None, dl_device=None, copy=None):
    """The DLPack capsule of this tensor's memory (PyTorch's ``Tensor.__dlpack__``), for ``from_dlpack`` of
    NumPy, CuPy, JAX, PyTorch, ...; refused for a tensor that requires grad (``detach()`` it first)."""
    if self.requires_grad:
        raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
    kwargs = {name: value for name, value in (("stream", stream), ("max_version", max_version),
                                               ("dl_device", dl_device), ("copy", copy)) if value is not None}
    return self.array.__dlpack__(**kwargs)


def _dlpack_device(self):
    """``(device type, index)`` of this tensor's memory in DLPack's codes (1: CPU, 2: CUDA)."""
    return self.array.__dlpack_device__()


SurfaceFlagsMixin.__dlpack__ = _dlpack
SurfaceFlagsMixin.__dlpack_device__ = _dlpack_device

for _name in _NEVER:
    setattr(SurfaceFlagsMixin, _name, _never(_name))
del _name
