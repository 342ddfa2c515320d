"""In-place ops on views inside the graph: PyTorch's ``CopySlices``.

A view (``y[1:]``, ``y.view(2, 2)[0]``, ``y.t()``) shares its base's memory. Outside the graph an in-place op
on it simply writes into that memory. Inside the graph minidl rebinds a tensor to a new array (see
:mod:`minidl.tensor_inplace`), so an in-place op on a view must also give its *base* the new values and a
node that routes gradients to them, as PyTorch's ``CopySlices`` does::

    z = y[1:]; z.mul_(3)     # y is now [y0, 3 y1, 3 y2, ...] and dL/dy flows through the product

Each op output whose array is a NumPy/CuPy view of an input's memory records that input's base as
``_base`` (:func:`note_view`, called by ``Function.apply``). An in-place op on such a tensor, with grad
recorded, then runs :func:`inplace_on_view`: the view's new value ``v`` is computed from its old one,
the base becomes ``copy_slices(base, v)`` (the base with the view's elements replaced), and the view is
taken again from the new base. The view's place in its base is its *geometry*: an element offset, shape
and element strides into the C-ordered base (``as_strided``), read off the two arrays' addresses.

Gradients: for ``out = copy_slices(b, v)``, ``dL/db = g`` with the view's elements zeroed and
``dL/dv = g`` read through the view; for ``view = as_strided(b)``, ``dL/db`` is zero except the view's
elements, which get ``g``.
"""
from __future__ import annotations

from .. import backend
from . import versions
from ._views import _root, note_view  # noqa: F401  (note_view: this module's name too)
from .function import Function

__all__ = ["note_view", "view_geometry", "inplace_on_view", "stand_in"]


def view_geometry(base_array, view_array):
    """``(offset, shape, strides)`` in elements of ``view_array`` inside the C-ordered ``base_array``, or None
    where it is not such a view (other dtype, base not C-contiguous, memory reallocated since)."""
    if view_array.dtype != base_array.dtype or not base_array.flags.c_contiguous or \
            _root(view_array) is not _root(base_array):
        return None
    item = base_array.itemsize
    offset = backend.data_pointer(view_array) - backend.data_pointer(base_array)
    if offset % item or any(s % item for s in view_array.strides):
        return None
    return offset // item, tuple(view_array.shape), tuple(s // item for s in view_array.strides)


def _strided(array, geometry):
    """The view ``geometry`` describes, of the C-contiguous ``array`` of the base's shape."""
    offset, shape, strides = geometry
    xp = backend.get_array_module(array)
    flat = array.reshape(-1)[offset:]
    return xp.lib.stride_tricks.as_strided(flat, shape, tuple(s * array.itemsize for s in strides))


def _overlaps(geometry):
    _, shape, strides = geometry
    return any(st == 0 and n > 1 for n, st in zip(shape, strides))


class CopySlices(Function):
    """``base`` with the elements of the view ``geometry`` replaced by ``value``: (base shape) -> same."""

    def forward(self, base, value, geometry=None):
        self.geometry = geometry
        xp = backend.get_array_module(base)
        out = xp.array(base, order="C", copy=True)
        _strided(out, geometry)[...] = value
        return out

    def backward(self, grad):
        xp = backend.get_array_module(grad)
        g = xp.array(grad, order="C", copy=True)
        g_value = _strided(g, self.geometry).copy()
        _strided(g, self.geometry)[...] = 0
        return g, g_value

    def backward_graph(self, grad):
        from ..tensor import Tensor
        xp = backend.get_array_module(grad.array)
        zeros = Tensor(xp.zeros(self.geometry[1], dtype=grad.array.dtype))
        return CopySlices.apply(grad, zeros, geometry=self.geometry), AsStrided.apply(grad, geometry=self.geometry)

    def name(self):
        return "torch::autograd::CopySlices"


class AsStrided(Function):
    """The view ``geometry`` of ``base`` (shares its memory): (base shape) -> (view shape)."""

    def forward(self, base, geometry=None):
        self.geometry, self.base_shape = geometry, base.shape
        return _strided(base, geometry)

    def backward(self, grad):
        xp = backend.get_array_module(grad)
        g = xp.zeros(self.base_shape, dtype=grad.dtype)
        _strided(g, self.geometry)[...] = grad
        return g

    def backward_graph(self, grad):
        from ..tensor import Tensor
        xp = backend.get_array_module(grad.array)
        return CopySlices.apply(Tensor(xp.zeros(self.base_shape, dtype=grad.array.dtype)), grad,
                                geometry=self.geometry)


def inplace_on_view(view, base, geometry, name, compute):
    """Run the recorded in-place op ``compute`` (old value -> new value) on ``view``, a view of ``base`` with
    ``geometry``: ``base`` becomes ``CopySlices(base, new value)`` and ``view`` its view again. Returns
    ``view``."""
    from ..tensor_inplace import _redirect_consumers
    if base.requires_grad and base.creator is None:   # (only called with grad recorded)
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
    if _overlaps(geometry):
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                           "single memory location. Please clone() the tensor before performing the operation.")
    old = stand_in(view)
    if view.requires_grad and view.__dict__.pop("_used", False):
        _redirect_consumers(name, view, old)
    result = view._recorded_result(name, compute(old))
    old_base = stand_in(base)
    if base.requires_grad and base.__dict__.pop("_used", False):
        _redirect_consumers(name, base, old_base)
    new_base = CopySlices.apply(old_base, result, geometry=geometry)
    base.array, base.creator, base.requires_grad = new_base.array, new_base.creator, new_base.requires_grad
    retaken = AsStrided.apply(base, geometry=geometry)
    view.array, view.creator, view.requires_grad = retaken.array, retaken.creator, retaken.requires_grad
    versions.rebound(base, view)
    return view


def stand_in(tensor):
    """A Tensor for ``tensor``'s current value and graph position, before an in-place op rebinds it."""
    from ..tensor import Tensor
    old = Tensor(tensor.array, requires_grad=False)
    old.creator, old.requires_grad = tensor.creator, tensor.requires_grad
    return old
