"""Shape ops: reshape, transpose/permute, (un)squeeze, expand, repeat, split, indexing, cat, stack, pad.

None of these changes values, so each backward only moves the gradient back into the input's layout.
Dimensions follow PyTorch: ``transpose(x, d0, d1)`` swaps two dimensions, ``permute(x, dims)`` reorders them all.
"""
from __future__ import annotations

import numpy as np

from minidl._errors import ShapeError
from minidl.autograd.naming import name_grad_fn

from ..autograd import Function
from ..backend import get_array_module, index_add, is_device_array
from ..tensor import Tensor, as_tensor

__all__ = ["reshape", "transpose", "permute", "unsqueeze", "squeeze", "expand", "repeat", "chunk", "split",
           "unbind", "getitem", "cat", "concat", "stack", "flatten", "pad", "index_select", "nonzero",
           "masked_select"]


class Reshape(Function):
    """x.reshape(shape); the gradient is reshaped back."""

    _reusable = True   # saves no values: a second backward may run through it, as in PyTorch
    _bf16_native = True   # moves values only: runs on bfloat16 arrays as they are

    def name(self):
        """``ViewBackward0``: PyTorch's node for this op."""
        return "ViewBackward0"

    def forward(self, x, shape=None):
        self.in_shape = x.shape
        return x.reshape(shape)

    def backward(self, g):
        return g.reshape(self.in_shape)

    def backward_graph(self, g):
        return Reshape.apply(g, shape=tuple(self.in_shape))


class Transpose(Function):
    """x.transpose(axes); the gradient takes the inverse permutation."""

    _reusable = True   # saves no values: a second backward may run through it, as in PyTorch
    _bf16_native = True   # moves values only: runs on bfloat16 arrays as they are

    def forward(self, x, axes=None):
        self.axes = axes
        return x.transpose(axes)

    def backward(self, g):
        if self.axes is None:
            return g.transpose()
        return g.transpose(np.argsort(self.axes))

    def backward_graph(self, g):
        axes = None if self.axes is None else tuple(int(a) for a in np.argsort(self.axes))
        return Transpose.apply(g, axes=axes)


def _coerce(value):
    """A Tensor for ``value`` (NumPy/CuPy arrays and lists are wrapped, as ``torch.max(outputs.data, 1)`` needs)."""
    from ..tensor import Tensor, as_tensor
    return value if isinstance(value, Tensor) else as_tensor(value)


def _is_advanced(index):
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, (list, np.ndarray)) or is_device_array(i) for i in items)


def _full_slice(item, size):
    return (isinstance(item, slice) and item.start in (None, 0) and item.step in (None, 1)
            and (item.stop is None or item.stop >= size))


def _getitem_name(index, in_shape):
    """PyTorch's node for ``x[index]``: the last view op its indexing applies (Index for advanced)."""
    items = index if isinstance(index, tuple) else (index,)
    items = tuple(0 if getattr(i, "ndim", None) == 0 and i.dtype.kind in "iu" else i for i in items)
    if _is_advanced(items) or any(isinstance(i, bool) for i in items):
        return "IndexBackward0"
    index = items if isinstance(index, tuple) else items[0]
    if not isinstance(index, tuple):
        index = (index,)
        if isinstance(index[0], slice):
            return "SliceBackward0"
    last, dim = "AliasBackward0", 0
    n_ellipsis_dims = len(in_shape) - sum(1 for i in index if i is not None and i is not Ellipsis)
    for item in index:
        if item is Ellipsis:
            dim += n_ellipsis_dims
        elif item is None:
            last = "UnsqueezeBackward0"
        elif isinstance(item, slice):
            if not _full_slice(item, in_shape[dim] if dim < len(in_shape) else 0):
                last = "SliceBackward0"
            dim += 1
        else:
            last, dim = "SelectBackward0", dim + 1
    return last


class GetItem(Function):
    """x[index]; the gradient is scattered back (summed over repeated integer indices)."""

    _bf16_native = True   # moves values only: runs on bfloat16 arrays as they are

    def name(self):
        """PyTorch's node name: ``SelectBackward0`` (an int), ``SliceBackward0``, ``IndexBackward0``
        (advanced indexing), ``UnsqueezeBackward0`` (None) or ``AliasBackward0`` (nothing taken)."""
        return _getitem_name(self.index, self.in_shape)

    def forward(self, x, index=None):
        self.in_shape, self.index = x.shape, index
        # basic indexing saves nothing (PyTorch's Select/Slice nodes); an index array is a saved tensor
        # (IndexBackward0), freed by backward unless a caller marks it constant (roll, unfold)
        self._reusable = not _is_advanced(index)
        out = x[index]   # one element: NumPy's copy; a 0-d view with the Ellipsis, as PyTorch's select
        return x[(*index, ...) if isinstance(index, tuple) else (index, ...)] if isinstance(out, np.generic) else out

    def backward(self, g):
        return _scatter(g, self.in_shape, self.index)

    def backward_graph(self, g):
        return IndexScatter.apply(g, in_shape=self.in_shape, index=self.index)


def _scatter(g, in_shape, index):
    """Zeros of ``in_shape`` with ``g`` added at ``index`` (repeated integer indices accumulate)."""
    xp = get_array_module(g)
    gx = xp.zeros(in_shape, dtype=g.dtype)
    if _is_advanced(index):
        index_add(gx, index, g)
    else:
        gx[index] = g
    return gx


class IndexScatter(Function):
    """The gradient of ``x[index]`` as an op (zeros with g added at index); its own gradient is ``gg[index]``."""

    def forward(self, g, in_shape=None, index=None):
        self.index = index
        return _scatter(g, in_shape, index)

    def backward(self, gg):
        return gg[self.index]

    def backward_graph(self, gg):
        return GetItem.apply(gg, index=self.index)


class BroadcastTo(Function):
    """x broadcast to ``shape`` (a read-only view); the gradient is summed back over the broadcast axes."""

    _reusable = True   # saves no values: a second backward may run through it, as in PyTorch
    _bf16_native = True   # moves values only: runs on bfloat16 arrays as they are

    def forward(self, x, shape=None):
        self.in_shape = x.shape
        return get_array_module(x).broadcast_to(x, shape)

    def backward(self, g):
        from ..autograd import unbroadcast
        return unbroadcast(g, self.in_shape)

    def backward_graph(self, g):
        from ..autograd.engine import _unbroadcast_tensor
        return _unbroadcast_tensor(g, self.in_shape)


class Concat(Function):
    """concatenate(xs, axis); the gradient is split at the same boundaries."""

    _reusable = True   # saves no values: a second backward may run through it, as in PyTorch
    _bf16_native = True   # moves values only: runs on bfloat16 arrays as they are

    def name(self):
        """``CatBackward0``: PyTorch's node for this op."""
        return "CatBackward0"

    def forward(self, *xs, axis=0):
        self.axis = axis
        self.bounds = [int(b) for b in np.cumsum([x.shape[axis] for x in xs])[:-1]]
        return get_array_module(xs[0]).concatenate(xs, axis=axis)

    def backward(self, g):
        return tuple(get_array_module(g).split(g, self.bounds, axis=self.axis))

    def backward_graph(self, g):
        edges = [0] + [int(b) for b in self.bounds] + [g.shape[self.axis]]
        lead = (slice(None),) * self.axis
        return tuple(GetItem.apply(g, index=lead + (slice(lo, hi),)) for lo, hi in zip(edges[:-1], edges[1:]))


class Stack(Function):
    """stack(xs, axis); the gradient is unstacked along that axis."""

    _reusable = True   # saves no values: a second backward may run through it, as in PyTorch
    _bf16_native = True   # moves values only: runs on bfloat16 arrays as they are

    def forward(self, *xs, axis=0):
        self.axis = axis
        return get_array_module(xs[0]).stack(xs, axis=axis)

    def backward(self, g):
        xp = get_array_module(g)
        return tuple(xp.take(g, i, axis=self.axis) for i in range(g.shape[self.axis]))

    def backward_graph(self, g):
        axis = self.axis % g.ndim
        lead = (slice(None),) * axis
        return tuple(GetItem.apply(g, index=lead + (i,)) for i in range(g.shape[axis]))


class Pad(Function):
    """Constant padding; the gradient is the un-padded centre."""

    _reusable = True   # saves no values: a second backward may run through it, as in PyTorch
    _bf16_native = True   # moves values only: runs on bfloat16 arrays as they are

    def name(self):
        """``ConstantPadNdBackward0``: PyTorch's node for this op."""
        return "ConstantPadNdBackward0"

    def forward(self, x, widths=None, value=0.0):
        self.slices = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, x.shape))
        return get_array_module(x).pad(x, widths, mode="constant", constant_values=value)

    def backward(self, g):
        return g[self.slices]

    def backward_graph(self, g):
        return GetItem.apply(g, index=self.slices)


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(int(s) for s in shape)


def reshape(x, *shape):
    """Reshape to ``shape`` (varargs or a tuple, one -1 allowed)."""
    x = _coerce(x)
    shape = _shape_arg(shape)
    size = x.array.size
    known = int(np.prod([s for s in shape if s != -1]))
    free = sum(1 for s in shape if s == -1)
    fits = (free == 0 and known == size) or (free == 1 and known > 0 and size % known == 0)
    if not fits or free > 1:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {size} "
                           f"(reshape of a tensor of shape {tuple(x.array.shape)})")
    return Reshape.apply(x, shape=shape)


def _dim(dim, ndim, name="dim"):
    """``dim`` wrapped into [0, ndim), or PyTorch's IndexError."""
    lo, hi = -max(ndim, 1), max(ndim, 1) - 1
    if not isinstance(dim, (int, np.integer)) or not lo <= dim <= hi:
        raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})")
    return int(dim) % max(ndim, 1)


def transpose(input, dim0, dim1):
    """Swap dimensions ``dim0`` and ``dim1`` (PyTorch's ``transpose``, not NumPy's permutation).

    >>> import minidl as mdl
    >>> mdl.zeros(2, 3, 4).transpose(0, 2).shape
    minidl.Size([4, 3, 2])
    """
    input = _coerce(input)
    nd = input.array.ndim
    if nd == 0:
        _dim(dim0, 0), _dim(dim1, 0)
        return Reshape.apply(input, shape=())
    d0, d1 = _dim(dim0, nd), _dim(dim1, nd)
    axes = list(range(nd))
    axes[d0], axes[d1] = axes[d1], axes[d0]
    return Transpose.apply(input, axes=tuple(axes))


def permute(input, *dims):
    """Reorder the dimensions: output dim i is input dim ``dims[i]`` (varargs or a tuple)."""
    input = _coerce(input)
    dims = _shape_arg(dims)
    nd = input.array.ndim
    if len(dims) != nd:
        raise RuntimeError(f"permute(): number of dims don't match: the tensor has {nd} dims "
                           f"(shape {tuple(input.array.shape)}) but {len(dims)} were given ({dims})")
    axes = tuple(_dim(d, nd) for d in dims)
    if len(set(axes)) != nd:
        raise RuntimeError(f"permute(): duplicate dims are not allowed, got {dims}")
    return name_grad_fn(Transpose.apply(input, axes=axes), "PermuteBackward0")


def unsqueeze(input, dim):
    """Insert a dimension of size 1 at ``dim`` (in [-ndim-1, ndim])."""
    input = _coerce(input)
    nd = input.array.ndim
    d = _dim(dim, nd + 1)
    shape = tuple(input.array.shape)
    return name_grad_fn(Reshape.apply(input, shape=shape[:d] + (1,) + shape[d:]), "UnsqueezeBackward0")


def squeeze(input, dim=None):
    """Drop dimensions of size 1: all of them, or only ``dim`` (an int or a tuple) when it has size 1."""
    input = _coerce(input)
    shape = tuple(input.array.shape)
    nd = len(shape)
    if dim is None:
        dims = {i for i, n in enumerate(shape) if n == 1}
    else:
        dims = {_dim(d, nd) for d in ((dim,) if isinstance(dim, (int, np.integer)) else dim)}
        dims = {d for d in dims if nd and shape[d] == 1}
    kind = 0 if dim is None else 1 if isinstance(dim, (int, np.integer)) else 2   # PyTorch's three overloads
    return name_grad_fn(Reshape.apply(input, shape=tuple(n for i, n in enumerate(shape) if i not in dims)),
                        f"SqueezeBackward{kind}")


def expand(input, *sizes):
    """A broadcast view with ``sizes`` (-1 keeps a dimension; new dimensions go in front)."""
    input = _coerce(input)
    from .layout import Expand
    sizes = _shape_arg(sizes)
    shape = tuple(input.array.shape)
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to "
                           f"the number of dimensions in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    target = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s == -1:
                raise RuntimeError(f"expand: -1 is not allowed in a leading, non-existing dimension ({i})")
            target.append(s)
        else:
            have = shape[i - lead]
            if s == -1 or s == have:
                target.append(have)
            elif have == 1:
                target.append(s)
            else:
                raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size ({have}) "
                                   f"at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  "
                                   f"Tensor sizes: {list(shape)}")
    return Expand.apply(input, shape=tuple(target))


def repeat(input, *sizes):
    """Tile the tensor ``sizes[i]`` times along each dimension (at least ``ndim`` sizes)."""
    input = _coerce(input)
    from .layout import Repeat
    sizes = _shape_arg(sizes)
    if len(sizes) < input.array.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions "
                           "of tensor")
    return Repeat.apply(input, reps=sizes)


def _slice_along(input, d, start, stop):
    index = (slice(None),) * d + (slice(start, stop),)
    return GetItem.apply(input, index=index)


def split(tensor, split_size_or_sections, dim=0):
    """Pieces of ``split_size_or_sections`` along ``dim`` (the last may be smaller), or of the listed sizes."""
    tensor = _coerce(tensor)
    if tensor.array.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = _dim(dim, tensor.array.ndim)
    n = tensor.array.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step <= 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={step}")
        bounds = [(i, min(i + step, n)) for i in range(0, n, step)] or [(0, 0)]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size "
                               f"at dimension {dim}), but got split_sizes={sizes}")
        starts = np.cumsum([0] + sizes[:-1])
        bounds = [(int(s), int(s) + k) for s, k in zip(starts, sizes)]
    node = "SplitBackward0" if isinstance(split_size_or_sections, (int, np.integer)) else "SplitWithSizesBackward0"
    return tuple(name_grad_fn(_slice_along(tensor, d, a, b), node) for a, b in bounds)


def chunk(input, chunks, dim=0):
    """At most ``chunks`` pieces of ceil(size / chunks) along ``dim`` (PyTorch's rule; maybe fewer)."""
    input = _coerce(input)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if input.array.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    n = input.array.shape[_dim(dim, input.array.ndim)]
    if n == 0:   # PyTorch: an empty dim gives ``chunks`` empty pieces
        return tuple(_slice_along(input, _dim(dim, input.array.ndim), 0, 0) for _ in range(chunks))
    step = max(-(-n // chunks), 1)
    return split(input, step, dim)


def unbind(input, dim=0):
    """The slices along ``dim``, that dimension removed, as a tuple."""
    input = _coerce(input)
    if input.array.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    d = _dim(dim, input.array.ndim)
    return tuple(name_grad_fn(GetItem.apply(input, index=(slice(None),) * d + (i,)), "UnbindBackward0")
                 for i in range(input.array.shape[d]))


def _index_part(item, x):
    """One element of an index as NumPy/CuPy understands it (Tensors and lists become arrays)."""
    if isinstance(item, Tensor):
        return item.array
    if isinstance(item, list):
        return x.xp.asarray(np.asarray(item)) if x.device.type != "cpu" else np.asarray(item)
    return item


def _normalise_index(x, index):
    """``index`` with Tensors/lists as arrays and boolean masks as integer arrays (for the scatter-add)."""
    items = index if isinstance(index, tuple) else (index,)
    parts = []
    for item in items:
        item = _index_part(item, x)
        if getattr(item, "dtype", None) == np.bool_ and getattr(item, "ndim", 0) > 0:
            parts.extend(get_array_module(item).nonzero(item))
        else:
            parts.append(item)
    if len(parts) == 1 and not isinstance(index, tuple):
        return parts[0]
    return tuple(parts)


def getitem(x, index):
    """``x[index]``: basic slicing, integer arrays/Tensors, boolean masks; gradients add up over repeats."""
    if getattr(x, "ndim", None) == 0 and not isinstance(index, (bool, np.bool_)):
        if isinstance(index, (int, np.integer)) and index != 0:
            raise IndexError(f"index {index} is out of bounds for dimension 0 with size 0")
        if isinstance(index, (int, np.integer)):
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` "
                             "in C++ to convert a 0-dim tensor to a number")
        if isinstance(index, slice):
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    try:
        return GetItem.apply(x, index=_normalise_index(x, index))
    except IndexError as exc:
        message = _torch_index_message(str(exc))
        if message is None:
            raise
        raise IndexError(message) from None


def _torch_index_message(message):
    """PyTorch's wording of NumPy's too-many-indices and out-of-bounds IndexErrors (None for others)."""
    import re
    found = re.fullmatch(r"too many indices for array: array is (\d+)-dimensional, but \d+ were indexed", message)
    if found:
        return f"too many indices for tensor of dimension {found.group(1)}"
    found = re.fullmatch(r"index (-?\d+) is out of bounds for axis (\d+) with size (\d+)", message)
    if found:
        return f"index {found.group(1)} is out of bounds for dimension {found.group(2)} with size {found.group(3)}"
    return None


def index_select(input, dim, index):
    """The entries of ``input`` at ``index`` (a 1-D integer tensor) along ``dim``; repeats add up in backward."""
    input = _coerce(input)
    d = _dim(dim, input.array.ndim)
    idx = _index_part(index, input)
    if getattr(idx, "ndim", 1) != 1 and getattr(idx, "ndim", 1) != 0:
        raise IndexError(f"index_select(): Index is supposed to be a vector, got shape {tuple(idx.shape)}")
    idx = idx.reshape(-1) if hasattr(idx, "reshape") else np.asarray([idx])
    if input.array.ndim == 0:   # a 0-d tensor: index 0 selects it (the result stays 0-d), as PyTorch
        if idx.size != 1 or int(idx[0]) not in (0, -1):
            raise IndexError("index_select(): index out of range in self")
        return name_grad_fn(Reshape.apply(input, shape=()), "IndexSelectBackward0")
    return name_grad_fn(GetItem.apply(input, index=(slice(None),) * d + (idx,)), "IndexSelectBackward0",
                        saved=(index,))   # PyTorch's node saves the index


def nonzero(input, *, as_tuple=False):
    """Indices of the non-zero elements: an (n, ndim) int64 tensor, or one 1-D tensor per dim with ``as_tuple``."""
    input = _coerce(input)
    xp = get_array_module(input.array)
    if input.array.ndim == 0 and not as_tuple:   # a 0-d tensor: one row (or none) of zero coordinates
        return Tensor(xp.zeros((int(bool(input.array != 0)), 0), np.int64))
    parts = xp.nonzero(input.array.reshape(1) if input.array.ndim == 0 else input.array)
    if as_tuple:
        return tuple(Tensor(p.astype(np.int64)) for p in parts)
    return Tensor(xp.stack(parts, axis=1).astype(np.int64) if parts else xp.zeros((0, 0), np.int64))


def masked_select(input, mask):
    """The elements of ``input`` where ``mask`` (bool, broadcast) is True, as a 1-D tensor."""
    input = _coerce(input)
    cond = _index_part(mask, input)
    shape = np.broadcast_shapes(tuple(cond.shape), tuple(input.array.shape))
    if tuple(shape) != tuple(input.array.shape):
        from .layout import Expand
        input = Expand.apply(input, shape=tuple(shape))
    return name_grad_fn(getitem(input, get_array_module(cond).broadcast_to(cond, shape)), "MaskedSelectBackward0")


def cat(tensors, dim=0, *, axis=None, out=None):
    """Join tensors along an existing dimension ``dim`` (``axis`` is accepted as NumPy's name for it).

    Dtypes promote as in PyTorch; shapes must agree outside ``dim``; 1-D empty tensors among others are skipped."""
    from ..dtypes import result_type
    from .math import cast
    if axis is not None:
        dim = axis
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("minidl.cat(): expected a non-empty list of Tensors")
    for position, t in enumerate(tensors):
        if t.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {position}) cannot be concatenated")
    target = result_type(*tensors) if any(t.array.dtype != tensors[0].array.dtype for t in tensors) else None
    numbered = [(k, t) for k, t in enumerate(tensors) if t.array.shape != (0,)] or list(enumerate(tensors))
    ref = tuple(numbered[0][1].array.shape)
    ax = _dim(dim, len(ref))
    for k, t in numbered[1:]:
        if t.ndim != len(ref):
            raise ShapeError(f"Tensors must have same number of dimensions: got {len(ref)} and {t.ndim}")
        for a, b in ((a, b) for i, (a, b) in enumerate(zip(ref, t.shape)) if i != ax and a != b):
            raise ShapeError(f"Sizes of tensors must match except in dimension {ax}. Expected size {a} but got "
                             f"size {b} for tensor number {k} in the list.")
    tensors = [t if target is None else cast(t, target) for _, t in numbered]
    return Concat.apply(*tensors, axis=ax)


concat = cat
concatenate = cat


def stack(tensors, dim=0, *, axis=None, out=None):
    """Join same-shaped tensors along a new dimension ``dim`` (``axis`` accepted as an alias)."""
    from ..dtypes import result_type
    from .math import cast
    if axis is not None:
        dim = axis
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("stack expects a non-empty TensorList")
    for t in tensors[1:]:
        if t.shape != tensors[0].shape:
            raise ShapeError(f"stack expects each tensor to be equal size, but got {tuple(tensors[0].shape)} "
                             f"and {tuple(t.shape)}")
    if any(t.array.dtype != tensors[0].array.dtype for t in tensors):
        target = result_type(*tensors)
        tensors = [cast(t, target) for t in tensors]
    return Stack.apply(*tensors, axis=_dim(dim, tensors[0].array.ndim + 1))


def flatten(x, start_dim=1, end_dim=-1):
    """Merge dimensions ``start_dim..end_dim`` into one: (N, C, H, W) -> (N, C*H*W) by default.

    This is ``F.flatten``'s convention (batch kept); ``minidl.flatten`` and
    ``Tensor.flatten`` are PyTorch's, with ``start_dim=0``.
    """
    x = _coerce(x)
    nd = x.array.ndim
    if nd == 0:
        return reshape(x, 1)
    s, e = _dim(start_dim, nd), _dim(end_dim, nd)
    if s > e:
        raise RuntimeError(f"flatten() has invalid args: start_dim cannot come after end_dim "
                           f"(start_dim={start_dim}, end_dim={end_dim}, shape {tuple(x.array.shape)})")
    shape = tuple(x.array.shape)
    shape = shape[:s] + (int(np.prod(shape[s:e + 1])),) + shape[e + 1:]
    return Reshape.apply(x, shape=shape)


def pad(x, pad, value=0.0):
    """Constant padding in PyTorch order: last dim first, ``(left, right, top, bottom, ...)``.

    A negative amount removes that many elements from that side, as PyTorch does.
    """
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"pad: padding {pad} must have an even length of at most 2*{x.ndim}")
    widths = [(0, 0)] * x.ndim
    crop = [slice(None)] * x.ndim
    for k in range(len(pad) // 2):
        lo, hi = int(pad[2 * k]), int(pad[2 * k + 1])
        dim = x.ndim - 1 - k
        n = x.shape[dim]
        if n + lo + hi < 0:                                     # negative padding crops, as in PyTorch
            raise ShapeError(f"pad: the input size {n} of dimension {dim}, plus negative padding "
                             f"({lo}, {hi}), resulted in a negative output size {n + lo + hi}")
        crop[dim] = slice(max(-lo, 0), n - max(-hi, 0))
        widths[dim] = (max(lo, 0), max(hi, 0))
    if any(c != slice(None) for c in crop):
        x = x[tuple(crop)]
    return Pad.apply(x, widths=tuple(widths), value=value)
