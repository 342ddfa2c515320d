"""In-place updates (``add_``, ``zero_``, ``copy_``, ``+=``, ``x[i] = v``, ...), with PyTorch's rules.

Mixed into :class:`minidl.Tensor`. Every in-place op keeps the tensor object:

- outside the graph (under ``no_grad``, or when nothing involved requires
  grad) the new values are written into the same array, so views and other
  holders of that array see them;
- on a leaf that requires grad, with grad mode on, it raises PyTorch's
  RuntimeError (a hand-written SGD step belongs under ``no_grad``);
- on a tensor inside a graph it is recorded: the tensor's old value becomes
  the input of the op, and the tensor is rebound to the result (new data,
  new ``creator``), so gradients stay right. Ops recorded earlier that used
  the old value are redirected to it (see ``_redirect_consumers``), so
  ``x[i] += v`` and ``h[:, t] = f(h[:, t - 1])`` differentiate as in PyTorch.
"""
from __future__ import annotations

import numpy as np

from minidl.autograd import versions as _versions
from minidl.autograd.naming import name_grad_fn
from minidl.autograd.view_inplace import inplace_on_view, stand_in, view_geometry
from minidl.dtypes import is_float_or_complex

from . import backend
from .tensor_math import ops

__all__ = ["InplaceMixin"]

_TORCH_NAMES = {"f2": "Half", "f4": "Float", "f8": "Double", "i1": "Char", "i2": "Short", "i4": "Int",
                "i8": "Long", "u1": "Byte", "b1": "Bool",
                "c8": "ComplexFloat", "c16": "ComplexDouble", "u2": "UInt16", "u4": "UInt32", "u8": "UInt64"}


# the grad_fn PyTorch's recorded in-place op gets where minidl's node has another name (the node named in
# the "modified by an inplace operation" message). __setitem__'s node names itself: CopySlices for a basic
# index, IndexPutBackward0 for an advanced one (ops/inplace.py).
_INPLACE_NODE = {"zero_": "ZeroBackward0", "fill_": "FillBackward2",
                 "copy_": "torch::autograd::CopyBackwards", "masked_fill_": "MaskedFillBackward0",
                 "uniform_": "UniformBackward0", "normal_": "NormalBackward0"}


def _torch_name(np_dtype):
    return _TORCH_NAMES.get(np_dtype.str[1:], str(np_dtype))


def _category(np_dtype):
    return 0 if np_dtype.kind == "b" else 3 if np_dtype.kind == "c" else 2 if is_float_or_complex(np_dtype) else 1


class InplaceMixin:
    """In-place methods of :class:`minidl.Tensor`."""

    _base = None   # for a view made by an op: the tensor whose memory it shares (minidl/autograd/view_inplace.py)

    def _is_view(self):
        """Whether this tensor is a view of another one's memory (``_base``), as ``torch.Tensor._is_view``."""
        return self._base is not None

    @property
    def _version(self):
        """In-place ops applied so far to this tensor's memory (shared with its views), as PyTorch's."""
        return _versions.counter_of(self)[_versions.VALUE]

    def _inplace(self, name, compute, inputs=(), direct=None):
        """Replace ``self``'s value by ``compute(old)`` (an out-of-place op) following PyTorch's rules.

        ``direct``, when given, writes the new values into ``self.array`` itself
        and is used instead of ``compute`` when nothing is recorded.
        """
        from .autograd import _forward_state as _fw
        from .autograd import is_grad_enabled, is_inference_mode_enabled, no_grad
        from .tensor import Tensor
        grad_on = is_grad_enabled()
        if grad_on and self.requires_grad and self.creator is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        if ("_inference" in self.__dict__ or "_base" in self.__dict__) and self.is_inference() and \
                not is_inference_mode_enabled():
            raise RuntimeError("Inplace update to inference tensor outside InferenceMode is not allowed.You can make a "
                               "clone to get a normal tensor before doing inplace update.See "
                               "https://github.com/pytorch/rfcs/pull/17 for more details.")
        dual = _fw.active and _fw.any_dual((self, *inputs))   # forward-mode AD: the tangent follows the values
        if grad_on and (self.requires_grad or any(isinstance(t, Tensor) and t.requires_grad for t in inputs)):
            base = self._base
            geometry = None if base is None or dual else view_geometry(base.array, self.array)
            if geometry is not None:   # a view: its base takes the new values too (CopySlices)
                return inplace_on_view(self, base, geometry, name, compute)
            old = stand_in(self)
            if dual:
                _fw.set_tangent(old, _fw.tangent_of(self))
            if self.requires_grad and self.__dict__.pop("_used", False):
                _redirect_consumers(name, self, old)
            result = self._recorded_result(name, compute(old))
            if name in _INPLACE_NODE:
                name_grad_fn(result, _INPLACE_NODE[name])
            self.array, self.creator, self.requires_grad = result.array, result.creator, result.requires_grad
            _versions.rebound(self)
            if dual:
                _fw.set_tangent(self, _fw.tangent_of(result))
            return self
        if direct is not None and not dual:
            direct()
            _versions.bump(self, True)
            return self
        with no_grad():
            result = self._checked(name, compute(self))
        try:
            self.array[...] = result.array
        except ValueError as exc:
            raise RuntimeError(f"{name}: cannot write into this tensor in place ({exc}); it is probably a "
                               f"broadcast view from expand(): clone() it first") from None
        _versions.bump(self, True)
        if dual:
            _fw.set_tangent(self, _fw.tangent_of(result))
        return self

    def _recorded_result(self, name, result):
        """``result`` checked to fit into ``self`` and cast to its dtype, as a recorded op (with a graph)."""
        result = self._checked(name, result)
        return ops.math.cast(result, self.array.dtype) if result.array.dtype != self.array.dtype else result

    def _checked(self, name, result):
        """``result`` if it fits into ``self`` (shape and dtype), else PyTorch's RuntimeError."""
        if tuple(result.array.shape) != tuple(self.array.shape):
            raise RuntimeError(f"{name}: output with shape {list(self.array.shape)} doesn't match the broadcast "
                               f"shape {list(result.array.shape)}")
        if _category(result.array.dtype) > _category(self.array.dtype):
            raise RuntimeError(f"result type {_torch_name(result.array.dtype)} can't be cast to the desired "
                               f"output type {_torch_name(self.array.dtype)}")
        if backend.device_of(result.array) != backend.device_of(self.array):
            result = result.to(self.device)
        return result

    # --- arithmetic -------------------------------------------------------------------
    def add_(self, other, *, alpha=1):
        """``self += alpha * other`` in place."""
        from .functions import _scaled
        other = _scaled("add", self, other, alpha)
        return self._inplace("add_", lambda t: ops.math.add(t, other), (other,))

    def sub_(self, other, *, alpha=1):
        """``self -= alpha * other`` in place."""
        from .functions import _scaled
        ops.math._check_sub_bool(self, other)
        other = _scaled("sub", self, other, alpha)
        return self._inplace("sub_", lambda t: ops.math.sub(t, other), (other,))

    def mul_(self, other):
        """``self *= other`` in place."""
        return self._inplace("mul_", lambda t: ops.math.mul(t, other), (other,))

    def div_(self, other, *, rounding_mode=None):
        """``self /= other`` in place (an integer tensor needs a ``rounding_mode``)."""
        return self._inplace("div_", lambda t: ops.elementwise.divide(t, other, rounding_mode), (other,))

    def pow_(self, exponent):
        """``self **= exponent`` in place."""
        return self._inplace("pow_", lambda t: ops.math.pow(t, exponent), (exponent,))

    def neg_(self):
        """Negate in place."""
        return self._inplace("neg_", ops.math.neg)

    def abs_(self):
        """Absolute value in place (not for complex tensors, whose result is real, as PyTorch)."""
        if self.array.dtype.kind == "c":
            raise RuntimeError("In-place abs is not supported for complex tensors.")
        return self._inplace("abs_", ops.math.abs)

    def sqrt_(self):
        """Square root in place."""
        return self._inplace("sqrt_", ops.math.sqrt)

    def exp_(self):
        """e**x in place."""
        return self._inplace("exp_", ops.math.exp)

    def log_(self):
        """Natural logarithm in place."""
        return self._inplace("log_", ops.math.log)

    def relu_(self):
        """max(x, 0) in place."""
        return self._inplace("relu_", ops.activation.relu)

    def sigmoid_(self):
        """Sigmoid in place."""
        return self._inplace("sigmoid_", ops.activation.sigmoid)

    def tanh_(self):
        """tanh in place."""
        return self._inplace("tanh_", ops.activation.tanh)

    def clamp_(self, min=None, max=None):
        """Clamp into [min, max] in place."""
        return self._inplace("clamp_", lambda t: ops.elementwise.clamp(t, min, max), (min, max))

    clip_ = clamp_

    def clamp_min_(self, min):
        """``clamp_(min=min)`` in place."""
        return self.clamp_(min=min)

    def clamp_max_(self, max):
        """``clamp_(max=max)`` in place."""
        return self.clamp_(max=max)

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    # --- overwriting -------------------------------------------------------------------
    def _fill(self, name, value):
        if isinstance(value, int) and not isinstance(value, bool) and self.array.dtype.kind in "iu":
            value = int(np.asarray(value).astype(self.array.dtype))   # wraps into the dtype, as PyTorch
        return self._inplace(name, lambda t: ops.inplace.Fill.apply(t, value=value))

    def zero_(self):
        """Set every element to 0 in place."""
        return self._fill("zero_", 0)

    def fill_(self, value):
        """Set every element to ``value`` (a number or a one-element tensor) in place."""
        if hasattr(value, "creator"):
            if value.numel() != 1:
                raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                                   f"{value.dim()} dimensions.")
            value = value.item()
        return self._fill("fill_", value)

    def copy_(self, src, non_blocking=False):
        """Overwrite with ``src`` (broadcast to this shape, cast to this dtype, moved to this device)."""
        from .tensor import Tensor, as_tensor
        src = src if isinstance(src, Tensor) else as_tensor(src)
        if src.device != self.device:
            src = src.to(self.device)
        try:
            np.broadcast_shapes(tuple(src.array.shape), tuple(self.array.shape))
        except ValueError:
            raise RuntimeError(f"copy_: the source of shape {list(src.array.shape)} cannot be broadcast to "
                               f"{list(self.array.shape)}") from None
        return self._inplace("copy_", lambda t: _copy_result(t, src), (src,))

    def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
        """In place, ``self[..., index[i][j], ...] = src[i][j]`` along ``dim`` (see :func:`minidl.scatter`)."""
        from .tensor_scatter import scatter
        return self._inplace("scatter_", lambda t: scatter(t, dim, index, src, value=value, reduce=reduce), (src,))

    def scatter(self, dim, index, src=None, *, value=None, reduce=None):
        """A copy with ``src`` (Tensor or number) written at ``index`` along ``dim`` (``torch.scatter``)."""
        from .tensor_scatter import scatter
        return scatter(self, dim, index, src, value=value, reduce=reduce)

    def uniform_(self, a=0, b=1, *, generator=None):
        """Fill with samples from U(a, b): PyTorch's numbers for the same seed (see :mod:`minidl.mt19937`)."""
        from .generator import as_numpy_generator
        from .random_fill import uniform_values
        if backend.is_meta_array(self.array):   # the meta device: no data, nothing drawn
            return self
        draw = uniform_values(self.array, as_numpy_generator(generator), a, b)   # in memory order, as PyTorch
        return self._fill("uniform_", backend.to_device(draw, self.device))

    def normal_(self, mean=0, std=1, *, generator=None):
        """Fill with samples from N(mean, std**2): PyTorch's numbers for the same seed, up to float32 rounding."""
        from .generator import as_numpy_generator
        from .random_fill import check_normal_std, normal_values
        check_normal_std(std)
        if backend.is_meta_array(self.array):
            return self
        draw = normal_values(self.array, as_numpy_generator(generator), mean, std)   # memory order, as PyTorch
        return self._fill("normal_", backend.to_device(draw, self.device))

    def masked_fill_(self, mask, value):
        """Set the elements where ``mask`` (bool, broadcast) is True to ``value``, in place."""
        return self._inplace("masked_fill_", lambda t: _masked(t, mask, value), (value,))

    def masked_fill(self, mask, value):
        """A copy with the elements where ``mask`` (bool, broadcast) is True set to ``value``."""
        out = _masked(self, mask, value)
        return name_grad_fn(out, "MaskedFillBackward0") if out is not self else out

    def __setitem__(self, index, value):
        from .tensor import Tensor, as_tensor
        index = ops.shape._normalise_index(self, index)
        value = value if isinstance(value, Tensor) else as_tensor(value, like=self)
        if value.device != self.device:
            value = value.to(self.device)
        if value.array.dtype != self.array.dtype:
            value = ops.math.cast(value, self.array.dtype)
        def write():
            try:
                self.array[index] = value.array
            except ValueError as exc:
                raise RuntimeError(f"__setitem__: {exc}") from None

        self._inplace("__setitem__", lambda t: ops.inplace.SetItem.apply(t, value, index=index), (value,), write)


def _redirect_consumers(name, tensor, old):
    """Make the recorded ops that used ``tensor`` use ``old`` (its value before this in-place op).

    Each Function keeps its inputs as Tensor objects and the backward walk
    follows ``input.creator``; once ``tensor`` is rebound to the in-place op,
    those earlier consumers must point at the tensor standing for the old
    value, or their gradients would go through the new op. They are found with
    ``gc.get_referrers`` (a scan of the heap, paid only on this rare path:
    an in-place op on a non-leaf that an earlier op already used, such as
    ``h[:, t] = f(h[:, t - 1])``).
    """
    import gc

    from .autograd import Function
    holders = [ref for ref in gc.get_referrers(tensor) if type(ref) in (list, tuple)]
    found = 0
    if holders:
        for owner in gc.get_referrers(*holders):
            inputs = getattr(owner, "inputs", None) if isinstance(owner, Function) else None
            if inputs is None or not any(inputs is h for h in holders):
                continue
            replaced = [old if item is tensor else item for item in inputs]
            if isinstance(inputs, list):
                inputs[:] = replaced
            else:
                owner.inputs = type(inputs)(replaced)
            found += 1
    if not found and getattr(tensor.creator, "inputs", None) is None and tensor.creator is not None:
        raise RuntimeError(f"{name}: this tensor was used by an operation recorded for backward and the graph "
                           f"cannot be followed to keep its gradients right; use the out-of-place form or clone()")


def _copy_result(old, src):
    """``src`` broadcast over ``old``, as the recorded CopyFrom (or a plain copy outside the graph)."""
    if src.array.dtype != old.array.dtype:
        src = ops.math.cast(src, old.array.dtype)
    return ops.inplace.CopyFrom.apply(old, src)


def _masked(t, mask, value):
    cond = mask.array if hasattr(mask, "array") else mask
    if getattr(cond, "dtype", None) != np.bool_:
        raise RuntimeError(f"masked_fill only supports boolean masks, but got mask with dtype "
                           f"{getattr(cond, 'dtype', type(cond).__name__)}")
    if hasattr(value, "creator"):
        value = value.to(dtype=t.array.dtype)
    else:
        from .tensor import as_tensor
        value = as_tensor(value, like=t)
        if value.array.dtype != t.array.dtype:
            value = ops.math.cast(value, t.array.dtype)
    return ops.elementwise.Where.apply(value, t, cond=cond) if tuple(
        np.broadcast_shapes(cond.shape, t.array.shape)) == tuple(t.array.shape) else _bad_mask(t, cond)


def _bad_mask(t, cond):
    raise RuntimeError(f"masked_fill: the mask of shape {list(cond.shape)} does not broadcast to the tensor's "
                       f"shape {list(t.array.shape)}")
