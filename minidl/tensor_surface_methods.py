"""Further :class:`minidl.Tensor` methods of PyTorch's: the legacy ``new``, ``new_empty_strided``, the in-place
reshapes ``resize_``/``resize_as_``/``set_``, ``char``, ``sum_to_size``, ``put``/``put_``,
``index_reduce``/``index_reduce_``, ``split_with_sizes``, ``narrow_copy``, ``unsafe_chunk``/``unsafe_split``,
``map_``/``apply_``, ``H``/``adjoint``, ``register_post_accumulate_grad_hook``, and the method forms of
``cov``, ``corrcoef``, ``msort``, ``frexp``, ``vdot``, ``prelu`` and ``hardshrink``.

All differentiable ones are compositions of recorded minidl ops.

>>> import minidl as mdl
>>> x = mdl.arange(6.0).reshape(2, 3)
>>> x.sum_to_size(1, 3).tolist(), x.put(mdl.tensor([0, 5]), mdl.tensor([9.0, 8.0])).tolist()
([[3.0, 5.0, 7.0]], [[9.0, 1.0, 2.0], [3.0, 4.0, 8.0]])
"""
from __future__ import annotations

import numbers
import warnings

import numpy as np

from minidl.dtypes import is_floating

from . import backend

__all__ = ["SurfaceMethodsMixin"]


def _sizes(size, what):
    """Varargs sizes or one sequence, as a tuple of ints (PyTorch's int[] argument)."""
    from .creation import _size_arg
    return _size_arg(size)


class SurfaceMethodsMixin:
    """The methods of this module; installed on :class:`minidl.Tensor` by :func:`minidl.tensor_surface.install`."""

    # --- new tensors -----------------------------------------------------------------
    def new(self, *args, device=None):
        """Legacy constructor with this tensor's dtype: ``new()`` (empty), ``new(*sizes)`` (uninitialised in
        PyTorch; zeros here), ``new(sequence)`` (its data) or ``new(tensor)`` (that tensor, same dtype needed)."""
        from .size import Size
        from .tensor import Tensor, tensor
        dev = device if device is not None else self.device
        if not args:
            return self.new_empty(0, device=dev)
        first = args[0]
        if len(args) == 1 and isinstance(first, Tensor):
            if first.array.dtype != self.array.dtype:
                raise TypeError(f"new(): expected a tensor of dtype {self.dtype}, got {first.dtype}")
            return first.detach()
        if all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in args) or (
                len(args) == 1 and isinstance(first, Size)):
            return self.new_zeros(*args, device=dev)
        if len(args) == 1 and isinstance(first, (list, tuple)) or hasattr(first, "__array_interface__"):
            return tensor(first, dtype=self.dtype, device=dev)
        raise TypeError(f"new(): expected sizes, a sequence or a tensor, got {tuple(type(a).__name__ for a in args)}")

    def new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False, layout=None,
                          pin_memory=False):
        """An uninitialised tensor of ``size`` with the given ``stride`` (see :func:`minidl.empty_strided`),
        with this tensor's dtype and device unless given."""
        from .functions_creation_more import empty_strided
        return empty_strided(size, stride, dtype=dtype if dtype is not None else self.dtype,
                             device=device if device is not None else self.device, requires_grad=requires_grad)

    def as_subclass(self, cls):
        """This tensor as an instance of the Tensor subclass ``cls``: same memory, and still in the graph (a
        recorded alias, so gradients reach this tensor's inputs)."""
        from .tensor import Tensor
        if not (isinstance(cls, type) and issubclass(cls, Tensor)):
            raise TypeError("Creating a Tensor subclass from a class that does not inherit from Tensor is not "
                            "possible. Make sure your class inherits from Tensor.")
        source = self.view_as(self) if self.requires_grad else self.detach()
        out = object.__new__(cls)
        out.__dict__.update(source.__dict__)
        return out

    def char(self):
        """Cast to int8 (PyTorch's ``char``)."""
        return self.to(dtype=np.int8)

    # --- in-place reshapes -------------------------------------------------------------
    def resize_(self, *sizes, memory_format=None):
        """Give this tensor the shape ``sizes`` in place, keeping its first elements in C order.

        A shrink (or the same number of elements) views the same memory; a growth
        copies into a new array whose extra elements are 0 (uninitialised in
        PyTorch). Refused on a tensor that requires grad, as PyTorch.
        """
        if self.requires_grad:
            raise RuntimeError("cannot resize variables that require grad")
        shape = _sizes(sizes, "size")
        n = int(np.prod(shape, dtype=np.int64))
        flat = self.array.reshape(-1) if self.array.flags.c_contiguous else self.array.ravel()
        if n <= flat.size:
            self.array = flat[:n].reshape(shape)
        else:
            grown = self.xp.zeros(n, dtype=self.array.dtype)
            grown[:flat.size] = flat
            self.array = grown.reshape(shape)
        if memory_format is not None:
            from .tensor_layout import check_format, is_contiguous_as, preserve_format, relayout
            fmt = check_format(memory_format)
            if fmt is not preserve_format and not is_contiguous_as(self.array, fmt):
                self.array = relayout(self.array, fmt)
        return self

    def resize_as_(self, the_template, *, memory_format=None):
        """``resize_`` to ``the_template``'s shape."""
        return self.resize_(tuple(the_template.shape), memory_format=memory_format)

    def set_(self, source=None, storage_offset=0, size=None, stride=None):
        """Make this tensor share ``source``'s data in place: ``set_(tensor)`` takes its memory, shape and
        strides; ``set_()`` leaves an empty tensor; ``set_(storage, offset, size, stride)`` views a storage."""
        from .tensor import Tensor
        if self.requires_grad and self.creator is None:
            from .autograd import is_grad_enabled
            if is_grad_enabled():
                raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        if source is None:
            self.array = self.xp.zeros((0,), dtype=self.array.dtype)
        elif isinstance(source, Tensor):
            if source.array.dtype != self.array.dtype:
                raise RuntimeError(f"set_(): expected source of dtype {self.dtype}, got {source.dtype}")
            self.array = source.array
        elif hasattr(source, "_view"):
            self.array = source._view(self.array.dtype, storage_offset, size, stride)
        else:
            raise TypeError(f"set_(): argument 'source' must be Tensor or Storage, not {type(source).__name__}")
        return self

    # --- reductions and scatters --------------------------------------------------------
    def sum_to_size(self, *size):
        """The sum of this tensor down to ``size`` (a shape it broadcasts from): the inverse of ``expand``."""
        target = _sizes(size, "size")
        shape = tuple(self.shape)
        lead = len(shape) - len(target)
        if lead < 0 or any(t != 1 and t != s for t, s in zip(target, shape[lead:])):
            raise RuntimeError(f"size {{{list(target)}}} is not expandable to size {{{list(shape)}}}.")
        out = self
        if lead:
            out = out.sum(dim=tuple(range(lead)))
        dims = tuple(i for i, (t, s) in enumerate(zip(target, shape[lead:])) if t == 1 and s != 1)
        if dims:
            out = out.sum(dim=dims, keepdim=True)
        return out

    def put(self, index, source, accumulate=False):
        """A copy with ``source``'s elements written at the flat (C-order) positions ``index`` of this tensor
        (negative positions count from the end; ``accumulate=True`` adds them, repeats summing)."""
        from .functions_more import index_put
        from .tensor import Tensor
        if not isinstance(index, Tensor) or index.array.dtype != np.int64:
            raise RuntimeError(f"put(): Expected a long tensor for index, but got "
                               f"{getattr(index, 'dtype', type(index).__name__)}")
        if index.numel() != source.numel():
            raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                             f"source.numel() = {source.numel()}, index.numel() = {index.numel()}")
        n = self.numel()
        positions = backend.to_numpy(index.array).reshape(-1)
        bad = positions[(positions >= n) | (positions < -n)]
        if bad.size:
            raise IndexError(f"out of range: tried to access index {int(bad[0])} on a tensor of {n} elements.")
        flat = index_put(self.reshape(-1), (index.reshape(-1),), source.reshape(-1), accumulate)
        return flat.reshape(tuple(self.shape))

    def put_(self, index, source, accumulate=False):
        """In-place :meth:`put`."""
        return self._inplace("put_", lambda t: t.put(index, source, accumulate), (source,))

    def index_reduce(self, dim, index, source, reduce, *, include_self=True):
        """A copy with the slices of ``source`` along ``dim`` reduced into the slices ``index`` names:
        ``reduce`` is "prod", "mean", "amax" or "amin" (``include_self=False`` leaves out the old values of
        the slices written to). Integer "mean" rounds down, as PyTorch."""
        from .functions_more import scatter_reduce
        from .ops.shape import _dim
        if reduce not in ("prod", "mean", "amax", "amin"):
            raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got "
                               f"{reduce}.")
        warnings.warn("index_reduce() is in beta and the API may change at any time.", UserWarning, stacklevel=2)
        d = _dim(dim, max(self.ndim, 1))
        idx = index.array
        if idx.ndim > 1 or idx.dtype.kind not in "iu":
            raise IndexError(f"index_reduce_(): Index is supposed to be a vector of integers, got shape "
                             f"{list(idx.shape)} dtype {index.dtype}")
        if source.ndim != self.ndim or source.shape[d] != idx.size:
            raise RuntimeError(f"index_reduce_(): source of shape {list(source.shape)} does not fit index of "
                               f"{idx.size} elements along dim {dim} of a tensor of shape {list(self.shape)}")
        view = [1] * source.ndim
        view[d] = idx.size
        full = self.xp.broadcast_to(idx.astype(np.int64).reshape(view), tuple(source.shape))
        from .tensor import Tensor
        return scatter_reduce(self, d, Tensor(self.xp.ascontiguousarray(full)), source, reduce,
                              include_self=include_self)

    def index_reduce_(self, dim, index, source, reduce, *, include_self=True):
        """In-place :meth:`index_reduce`."""
        return self._inplace("index_reduce_", lambda t: t.index_reduce(dim, index, source, reduce,
                                                                      include_self=include_self), (source,))

    # --- splits and copies ------------------------------------------------------------------
    def split_with_sizes(self, split_sizes, dim=0):
        """Pieces of the given sizes along ``dim``; the sizes must add up to the dim's length."""
        from .ops.shape import _dim
        d = _dim(dim, max(self.ndim, 1))
        sizes = [int(s) for s in split_sizes]
        if sum(sizes) != self.shape[d] or any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {self.shape[d]} (input "
                               f"tensor's size at dimension {dim}), but got split_sizes={sizes}")
        return self.split(sizes, dim)

    def unsafe_split(self, split_size, dim=0):
        """``split`` (PyTorch's variant without view tracking; the pieces are the same)."""
        return self.split(split_size, dim)

    def unsafe_split_with_sizes(self, split_sizes, dim=0):
        """``split_with_sizes`` (PyTorch's variant without view tracking)."""
        return self.split_with_sizes(split_sizes, dim)

    def unsafe_chunk(self, chunks, dim=0):
        """``chunk`` (PyTorch's variant without view tracking)."""
        return self.chunk(chunks, dim)

    def narrow_copy(self, dim, start, length):
        """``narrow(dim, start, length)`` as a new tensor (not a view)."""
        return self.narrow(dim, start, length).clone(memory_format=_contiguous())

    def as_strided(self, size, stride, storage_offset=None):
        """A view of this tensor's storage with ``size``/``stride``/``storage_offset`` (see
        :func:`minidl.as_strided`)."""
        from .ops.as_strided import as_strided
        return as_strided(self, size, stride, storage_offset)

    def as_strided_(self, size, stride, storage_offset=None):
        """In place: this tensor becomes :meth:`as_strided`'s view (recorded when it requires grad)."""
        from .ops.as_strided import as_strided
        return self._reshape_inplace("as_strided_", lambda t: as_strided(t, size, stride, storage_offset))

    # --- elementwise Python callables (CPU, no autograd, as PyTorch) ----------------------------
    def map_(self, tensor, callable):
        """``self[i] = callable(self[i], tensor[i])`` for every element (``tensor`` broadcast); CPU only."""
        _check_cpu(self, "map_")
        other = np.broadcast_to(backend.to_numpy(tensor.array), self.array.shape)
        out = [callable(a, b) for a, b in zip(self.array.reshape(-1).tolist(), other.reshape(-1).tolist())]
        self.array[...] = np.asarray(out, dtype=self.array.dtype).reshape(self.array.shape)
        return self

    def apply_(self, callable):
        """``self[i] = callable(self[i])`` for every element; CPU only."""
        _check_cpu(self, "apply_")
        out = [callable(a) for a in self.array.reshape(-1).tolist()]
        self.array[...] = np.asarray(out, dtype=self.array.dtype).reshape(self.array.shape)
        return self

    # --- transposes -----------------------------------------------------------------------
    @property
    def H(self):
        """The conjugate transpose of a matrix (``t()`` for a real one)."""
        if self.ndim == 0:
            warnings.warn("Tensor.H is deprecated on 0-D tensors. Consider using x.conj().", UserWarning,
                          stacklevel=2)
            return self.conj()
        if self.ndim != 2:
            extra = " For batches of matrices, consider using tensor.mH" if self.ndim > 2 else ""
            raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self.ndim}-D "
                               f"tensor.{extra}")
        return self.transpose(0, 1).conj()

    @property
    def mH(self):
        """The (conjugate) transpose of each matrix in a batch: the last two dims swapped."""
        if self.ndim == 0:
            warnings.warn("Tensor.mH is deprecated on 0-D tensors. Consider using x.conj().", UserWarning,
                          stacklevel=2)
            return self.conj()
        if self.ndim < 2:
            raise RuntimeError(f"tensor.mH is only supported on matrices or batches of matrices. Got "
                               f"{self.ndim}-D tensor.")
        return self.transpose(-2, -1).conj()

    def adjoint(self):
        """``mH``: the conjugate transpose of each matrix (the last two dims swapped, conjugated)."""
        if self.ndim < 2:
            raise RuntimeError(f"tensor.adjoint() is only supported on matrices or batches of matrices. Got "
                               f"{self.ndim}-D tensor.")
        return self.transpose(-2, -1).conj()

    # --- autograd ---------------------------------------------------------------------------
    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(self)`` after each backward pass has accumulated into this leaf's ``.grad``; returns a
        handle whose ``remove()`` unregisters it (see :func:`minidl.autograd.register_post_accumulate_grad_hook`)."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.creator is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        from .autograd import register_post_accumulate_grad_hook
        return register_post_accumulate_grad_hook(self, hook)

    def divide(self, other, *, rounding_mode=None):
        """``self / other`` (``rounding_mode``: None, "trunc" or "floor"), as ``div``."""
        return self.div(other, rounding_mode=rounding_mode)

    def angle(self):
        """The argument of each element: pi for negative values, 0 otherwise (NaN stays NaN); integer tensors
        give the default float dtype. The gradient is 0, as for real inputs in PyTorch."""
        from .dtypes import default_float
        from .tensor import Tensor
        if self.array.dtype.kind == "c":   # complex: atan2(imag, real), differentiable
            from .ops.unary import atan2
            return atan2(self.imag, self.real)
        x = self.array if is_floating(self.array.dtype) else self.array.astype(default_float())
        out = self.xp.where(x < 0, self.xp.asarray(np.pi, dtype=x.dtype), self.xp.zeros((), dtype=x.dtype))
        out = self.xp.where(self.xp.isnan(x), x, out)
        result = Tensor(out)
        if self.requires_grad:   # a zero-gradient path back to self keeps the graph connected, as PyTorch's
            result = self * 0 + result
        return result

    def nonzero_static(self, *, size, fill_value=-1):
        """The (size, ndim) indices of the first ``size`` non-zero elements, padded with ``fill_value`` rows."""
        from .tensor import Tensor
        found = backend.to_numpy(self.array).nonzero()
        rows = np.stack(found, axis=1)[:size] if found else np.zeros((0, 0), dtype=np.int64)
        out = np.full((int(size), self.array.ndim), fill_value, dtype=np.int64)
        out[:len(rows)] = rows
        return Tensor(backend.to_device(out, self.device) if self.is_cuda else out)

    def to_dense(self, dtype=None, *, masked_grad=None):
        """``self`` (minidl tensors are dense), cast to ``dtype`` when given."""
        return self if dtype is None else self.to(dtype=dtype)

    # --- method forms of module-level functions ------------------------------------------------
    def cov(self, *, correction=1, fweights=None, aweights=None):
        """The covariance matrix of the rows (variables) over the columns (observations); see :func:`minidl.cov`."""
        from .functions_stats import cov
        return cov(self, correction=correction, fweights=fweights, aweights=aweights)

    def corrcoef(self):
        """Pearson correlation coefficients of the rows; see :func:`minidl.corrcoef`."""
        from .functions_stats import corrcoef
        return corrcoef(self)

    def msort(self):
        """Sorted along dim 0 (the values of ``sort(dim=0)``)."""
        return self.sort(dim=0)[0]

    def frexp(self):
        """``(mantissa, exponent)`` with ``self = mantissa * 2**exponent``; see :func:`minidl.frexp`."""
        from .functions_creation_more import frexp
        return frexp(self)

    def vdot(self, other):
        """The dot product of two 1-D tensors; see :func:`minidl.vdot`."""
        from .functions_math import vdot
        return vdot(self, other)

    def prelu(self, weight):
        """PReLU with the slope ``weight`` (one value, or one per channel of dim 1)."""
        from .ops.activation_more import prelu
        return prelu(self, weight)

    def hardshrink(self, lambd=0.5):
        """``self`` where ``|self| > lambd``, else 0."""
        from .ops.activation_more import hardshrink
        return hardshrink(self, lambd)


def _contiguous():
    from .tensor_layout import contiguous_format
    return contiguous_format


def _check_cpu(t, name):
    if t.is_cuda:
        raise TypeError(f"{name}() is only implemented on CPU tensors")
