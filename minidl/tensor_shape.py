"""Tensor shape methods, PyTorch's: view/reshape, transpose(d0, d1), permute, squeeze, expand, split, indexing.

Mixed into :class:`minidl.Tensor`; the work is done by :mod:`minidl.ops.shape`.
"""
from __future__ import annotations

from .tensor_math import ops

__all__ = ["ShapeMixin"]


def _view_dtype(t, dtype):
    """``t.view(dtype)``: the same memory read as ``dtype``, with PyTorch's shape rules and errors; the
    result is outside the graph (PyTorch does not differentiate through it)."""
    import numpy as np

    from .dtypes import to_numpy_dtype
    from .tensor import Tensor
    from .tensor_inplace import _torch_name
    target = np.dtype(to_numpy_dtype(dtype))
    a = t.array
    if target == a.dtype:
        return Tensor(a.view())
    src_size, dst_size = a.dtype.itemsize, target.itemsize
    if src_size != dst_size:
        what = f"to view {_torch_name(a.dtype)} as {_torch_name(target)} (different element sizes)"
        if a.ndim == 0:
            raise RuntimeError(f"self.dim() cannot be 0 {what}")
        if a.shape[-1] != 1 and a.strides[-1] != src_size:
            raise RuntimeError(f"self.stride(-1) must be 1 {what}, but got {a.strides[-1] // src_size}")
        if dst_size > src_size and a.shape[-1] % (dst_size // src_size):
            raise RuntimeError(f"self.size(-1) must be divisible by {dst_size // src_size} {what}, "
                               f"but got {a.shape[-1]}")
    return Tensor(a.view(target))


class ShapeMixin:
    """Shape methods of :class:`minidl.Tensor`."""

    def reshape(self, *shape):
        """The same elements in a new shape (varargs or a tuple; one -1 is inferred)."""
        return ops.shape.reshape(self, *shape)

    def view(self, *shape):
        """As :meth:`reshape` (minidl copies when a view is impossible instead of raising); ``view(dtype)``
        reinterprets the bytes as another dtype (the last dim scales by the ratio of element sizes)."""
        if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list)) and not hasattr(shape[0], "__index__"):
            return _view_dtype(self, shape[0])
        return ops.shape.reshape(self, *shape)

    def view_as(self, other):
        """``self`` viewed with ``other``'s shape."""
        return ops.shape.reshape(self, tuple(other.shape))

    def reshape_as(self, other):
        """``self`` reshaped to ``other``'s shape."""
        return ops.shape.reshape(self, tuple(other.shape))

    def transpose(self, dim0, dim1):
        """Swap dimensions ``dim0`` and ``dim1`` (PyTorch's meaning, not NumPy's permutation)."""
        return ops.shape.transpose(self, dim0, dim1)

    swapaxes = swapdims = transpose

    def permute(self, *dims):
        """Reorder all dimensions: output dim i is input dim ``dims[i]`` (varargs or a tuple)."""
        return ops.shape.permute(self, *dims)

    def t(self):
        """The transpose of a matrix; 0-d and 1-D tensors are returned as they are."""
        if self.array.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.array.ndim}D")
        from .autograd.naming import name_grad_fn
        out = ops.shape.transpose(self, 0, 1) if self.array.ndim == 2 else ops.shape.reshape(self, self.shape)
        return name_grad_fn(out, "TBackward0") if out is not self else out   # PyTorch's node

    def unsqueeze(self, dim):
        """Insert a dimension of size 1 at ``dim``."""
        return ops.shape.unsqueeze(self, dim)

    def squeeze(self, dim=None):
        """Drop dimensions of size 1 (all, or ``dim`` when it has size 1)."""
        return ops.shape.squeeze(self, dim)

    def flatten(self, start_dim=0, end_dim=-1):
        """Merge dimensions ``start_dim..end_dim`` into one (all of them by default)."""
        return ops.shape.flatten(self, start_dim, end_dim)

    def unflatten(self, dim, sizes):
        """Split dimension ``dim`` into ``sizes`` (one -1 is inferred from that dimension alone, as PyTorch)."""
        shape = list(self.shape)
        if not shape:
            raise RuntimeError(f"unflatten: Dimension specified as {dim} but tensor has no dimensions")
        d = ops.shape._dim(dim, len(shape))
        given = [int(s) for s in sizes]
        sizes = list(given)
        known = 1
        for s in sizes:
            known *= s if s != -1 else 1
        if sizes.count(-1) == 1 and known:
            sizes[sizes.index(-1)] = shape[d] // known
        total = 1
        for s in sizes:
            total *= s
        if -1 not in sizes and total != shape[d]:
            raise RuntimeError(f"unflatten: Provided sizes {given} don't multiply up to the size of dim {dim} "
                               f"({shape[d]}) in the input tensor")
        return ops.shape.reshape(self, tuple(shape[:d]) + tuple(sizes) + tuple(shape[d + 1:]))

    def expand(self, *sizes):
        """A broadcast view with ``sizes`` (-1 keeps a dimension)."""
        return ops.shape.expand(self, *sizes)

    def expand_as(self, other):
        """``self`` expanded to ``other``'s shape."""
        return ops.shape.expand(self, tuple(other.shape))

    def repeat(self, *sizes):
        """Tile ``sizes[i]`` times along each dimension."""
        return ops.shape.repeat(self, *sizes)

    def chunk(self, chunks, dim=0):
        """At most ``chunks`` equal pieces along ``dim`` (the last may be smaller)."""
        return ops.shape.chunk(self, chunks, dim)

    def split(self, split_size, dim=0):
        """Pieces of ``split_size`` (an int, or a list of sizes) along ``dim``."""
        return ops.shape.split(self, split_size, dim)

    def unbind(self, dim=0):
        """The slices along ``dim`` as a tuple."""
        return ops.shape.unbind(self, dim)

    def flip(self, *dims):
        """The elements reversed along ``dims`` (varargs or a tuple)."""
        return ops.layout.flip(self, dims[0] if len(dims) == 1 else dims)

    def tile(self, *dims):
        """``input`` repeated ``dims[i]`` times along each dim (varargs or a tuple, as ``torch.Tensor.tile``)."""
        from .functions_shape import tile
        return tile(self, dims[0] if len(dims) == 1 else dims)

    def index_select(self, dim, index):
        """Entries at ``index`` along ``dim``."""
        return ops.shape.index_select(self, dim, index)

    def masked_select(self, mask):
        """The elements where ``mask`` is True, as a 1-D tensor."""
        return ops.shape.masked_select(self, mask)

    def nonzero(self, *, as_tuple=False):
        """Indices of the non-zero elements, (n, ndim) int64."""
        return ops.shape.nonzero(self, as_tuple=as_tuple)

    def __getitem__(self, index):
        return ops.shape.getitem(self, index)
