"""More of PyTorch's shape and layout functions: broadcasting, ``meshgrid``, ``roll``, ``rot90``, ``narrow``,
``movedim``, ``tile``, ``repeat_interleave``, the ``*stack`` family, ``tensor_split``, ``take_along_dim``,
triangular parts, diagonals, ``diff``, ``cross`` and ``unfold``.

All are built from minidl's differentiable indexing, reshaping and ``where``,
so gradients (of any order) flow through them.

>>> import minidl as mdl
>>> mdl.tril(mdl.ones(3, 3)).tolist()
[[1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [1.0, 1.0, 1.0]]
>>> mdl.roll(mdl.arange(5), 2).tolist()
[3, 4, 0, 1, 2]
"""
from __future__ import annotations

import builtins
import numbers

import numpy as np

from minidl.autograd.naming import name_grad_fn, names_node

from .backend import get_array_module
from .dtypes import default_float
from .ops import layout as _layout
from .ops import math as _math
from .ops import shape as _shape
from .ops.elementwise import Where
from .size import Size
from .tensor import Tensor, as_tensor

__all__ = ["broadcast_to", "broadcast_shapes", "broadcast_tensors", "meshgrid", "roll", "fliplr", "flipud", "rot90",
           "narrow", "select", "movedim", "moveaxis", "swapaxes", "swapdims", "ravel", "tile", "repeat_interleave",
           "atleast_1d", "atleast_2d", "atleast_3d", "hstack", "vstack", "row_stack", "dstack", "column_stack",
           "concatenate", "tensor_split", "hsplit", "vsplit", "take_along_dim", "take", "tril", "triu", "diag",
           "diagonal", "diag_embed", "diagflat", "trace", "diff", "cross", "unfold", "cartesian_prod",
           "block_diag"]


def _t(value):
    return value if isinstance(value, Tensor) else as_tensor(value)


def _ints(values):
    if len(values) == 1 and isinstance(values[0], (tuple, list, Size)):
        values = values[0]
    return tuple(int(v) for v in values)


def _index(xp, values):
    return xp.asarray(np.asarray(values, dtype=np.int64)) if xp is not np else np.asarray(values, dtype=np.int64)


def _along(input, d, idx, constant=False):
    """``input`` indexed by the integer array ``idx`` along dim ``d`` (differentiable; repeats add up).
    ``constant``: ``idx`` is made from shapes alone (roll, unfold), so the node saves no values (PyTorch's
    nodes for those ops save none) and a second backward pass may run through it."""
    out = _shape.GetItem.apply(input, index=(slice(None),) * d + (idx,))
    if constant and out.creator is not None:
        out.creator._reusable = True
    return out


def broadcast_to(input, size):
    """``input`` broadcast to ``size`` (-1 keeps a dimension), as ``expand``."""
    return _shape.expand(_t(input), *tuple(size))


def broadcast_shapes(*shapes):
    """The shape tensors of these shapes broadcast to, a :class:`minidl.Size` (RuntimeError if they cannot)."""
    shapes = [(s,) if isinstance(s, numbers.Integral) else tuple(s) for s in shapes]
    try:
        return Size(np.broadcast_shapes(*shapes))
    except ValueError:
        raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single shape: {shapes}") from None


def broadcast_tensors(*tensors):
    """The tensors broadcast to their common shape (a tuple of views)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    tensors = [_t(t) for t in tensors]
    shape = tuple(broadcast_shapes(*[t.array.shape for t in tensors]))
    return tuple(t if tuple(t.array.shape) == shape else _shape.expand(t, *shape) for t in tensors)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-D (or 0-d) tensors: ``indexing="ij"`` (the default) gives shape (n1, n2, ...),
    ``"xy"`` swaps the first two dimensions (NumPy's / MATLAB's convention)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    indexing = "ij" if indexing is None else indexing
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    tensors = [_t(t) for t in tensors]
    for i, t in enumerate(tensors):
        if t.array.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got shape "
                               f"{list(t.array.shape)} at position {i}")
    sizes = [t.numel() for t in tensors]
    swap = indexing == "xy" and len(tensors) >= 2
    if swap:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for i, t in enumerate(tensors):
        pos = (1 - i if i < 2 else i) if swap else i
        view = [1] * len(tensors)
        view[pos] = sizes[pos]
        out.append(_shape.expand(_shape.reshape(t, *view), *sizes))
    return tuple(out)


@names_node("RollBackward0")   # PyTorch's node name
def roll(input, shifts, dims=None):
    """Shift elements along ``dims`` by ``shifts``, wrapping around (all elements, flattened, without ``dims``)."""
    input = _t(input)
    if dims is None:
        if not isinstance(shifts, numbers.Integral) and len(shifts) != 1:
            raise RuntimeError(f"roll: shifts {shifts} must have one element when dims is not given")
        shift = int(shifts) if isinstance(shifts, numbers.Integral) else int(shifts[0])
        return _shape.reshape(roll(_shape.reshape(input, -1), shift, 0), *input.array.shape)
    shifts = (shifts,) if isinstance(shifts, numbers.Integral) else tuple(shifts)
    dims = (dims,) if isinstance(dims, numbers.Integral) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    xp = get_array_module(input.array)
    out = input
    for s, d in zip(shifts, dims):
        if input.array.ndim == 0:
            raise IndexError(f"Dimension specified as {d} but tensor has no dimensions")
        d = _shape._dim(d, input.array.ndim)
        n = input.array.shape[d]
        if n:
            out = _along(out, d, _index(xp, (np.arange(n) - int(s)) % n), constant=True)
    return out


def fliplr(input):
    """Reverse the columns (dim 1) of a tensor with at least 2 dims."""
    input = _t(input)
    if input.array.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return _layout.flip(input, (1,))


def flipud(input):
    """Reverse the rows (dim 0) of a tensor with at least 1 dim."""
    input = _t(input)
    if input.array.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return _layout.flip(input, (0,))


def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``dims``, from the first dim toward the second."""
    input = _t(input)
    dims = tuple(dims)
    nd = input.array.ndim
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if nd < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {nd}")
    d0, d1 = _shape._dim(dims[0], nd), _shape._dim(dims[1], nd)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k = int(k) % 4          # a copy: an array passed as k is never modified
    if k == 1:
        return _shape.transpose(_layout.flip(input, (d1,)), d0, d1)
    if k == 2:
        return _layout.flip(input, (d0, d1))
    if k == 3:
        return _layout.flip(_shape.transpose(input, d0, d1), (d1,))
    return input.clone()


def narrow(input, dim, start, length):
    """The slice ``start:start + length`` of dimension ``dim`` (``start`` may be negative or a 0-d tensor)."""
    input = _t(input)
    if input.array.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _shape._dim(dim, input.array.ndim)
    n = input.array.shape[d]
    start = int(start.item() if isinstance(start, Tensor) else start)
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    if start < 0:
        start += n
    if length < 0 or start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return _shape.getitem(input, (slice(None),) * d + (slice(start, start + length),))


def select(input, dim, index):
    """The slice at ``index`` of dimension ``dim``, which is removed."""
    input = _t(input)
    if input.array.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _shape._dim(dim, input.array.ndim)
    n = input.array.shape[d]
    index = int(index)
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input.array.shape)} at "
                         f"dimension {dim}")
    return _shape.getitem(input, (slice(None),) * d + (index % n,))


def movedim(input, source, destination):
    """Move dimension(s) ``source`` to position(s) ``destination``; the others keep their order."""
    input = _t(input)
    nd = input.array.ndim
    src = (source,) if isinstance(source, numbers.Integral) else tuple(source)
    dst = (destination,) if isinstance(destination, numbers.Integral) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
                           f"contain the same number of dims as destination ({list(dst)} dims)")
    src = [_shape._dim(s, nd) for s in src]
    dst = [_shape._dim(s, nd) for s in dst]
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in source ({list(src)}) or destination ({list(dst)})")
    if nd == 0:   # a 0-d tensor: dims 0 / -1 only, and nothing moves
        return _shape.reshape(input, ())
    order = [None] * nd
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(i for i in range(nd) if i not in src)
    order = [next(rest) if o is None else o for o in order]
    return _shape.permute(input, *order) if nd else input


moveaxis = movedim


def swapaxes(input, axis0, axis1):
    """Swap two dimensions (as ``transpose``)."""
    return _shape.transpose(_t(input), axis0, axis1)


swapdims = swapaxes


def ravel(input):
    """A 1-D tensor of all elements."""
    return _shape.reshape(_t(input), -1)


def tile(input, dims):
    """Repeat ``input`` ``dims[i]`` times along each dim; missing leading ``dims`` count as 1."""
    input = _t(input)
    dims = _ints((dims,)) if not isinstance(dims, numbers.Integral) else (int(dims),)
    dims = (1,) * (input.array.ndim - len(dims)) + dims
    return _shape.repeat(input, *dims)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element ``repeats`` times (an int or one count per element) along ``dim`` (flattened when
    None). ``repeat_interleave(counts)`` alone gives ``arange(len(counts))`` repeated by the counts."""
    if repeats is None:
        counts = _t(input)
        return repeat_interleave(Tensor(get_array_module(counts.array).arange(counts.numel(), dtype=np.int64)),
                                 counts)
    input = _t(input)
    if dim is None:
        input, d = _shape.reshape(input, -1), 0
    else:
        d = _shape._dim(dim, input.array.ndim)
    n = input.array.shape[d] if input.array.ndim else 1
    if input.array.ndim == 0:
        input = _shape.reshape(input, 1)
    reps = repeats.array if isinstance(repeats, Tensor) else np.asarray(repeats)
    reps = np.asarray(reps.get() if hasattr(reps, "get") else reps).reshape(-1)
    if reps.size == 1:
        reps = np.repeat(reps, n)
    if reps.size != n:
        raise RuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                           f"{reps.size} and input.size({d}) = {n}")
    if (reps < 0).any():
        raise RuntimeError("repeats can not be negative")
    idx = np.repeat(np.arange(n), reps.astype(np.int64))
    return _along(input, d, _index(get_array_module(input.array), idx))


def _atleast(n, tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(_atleast(n, (t,)) for t in tensors[0])
    if len(tensors) > 1:
        return tuple(_atleast(n, (t,)) for t in tensors)
    t = _t(tensors[0])
    shape = tuple(t.array.shape)
    if len(shape) >= n:
        return t
    if n == 1 or len(shape) == 0:
        return _shape.reshape(t, *((1,) * n))
    if n == 2:
        return _shape.reshape(t, 1, *shape)
    return _shape.reshape(t, *((1,) + shape + (1,) if len(shape) == 1 else shape + (1,)))


def atleast_1d(*tensors):
    """The tensor(s) with at least 1 dimension (0-d becomes shape (1,))."""
    return _atleast(1, tensors)


def atleast_2d(*tensors):
    """The tensor(s) with at least 2 dimensions ((n,) becomes (1, n))."""
    return _atleast(2, tensors)


def atleast_3d(*tensors):
    """The tensor(s) with at least 3 dimensions ((n,) becomes (1, n, 1), (m, n) becomes (m, n, 1))."""
    return _atleast(3, tensors)


def hstack(tensors):
    """Concatenate horizontally: along dim 0 for 1-D tensors, else dim 1."""
    tensors = [atleast_1d(t) for t in tensors]
    return _shape.cat(tensors, 0 if tensors and tensors[0].array.ndim == 1 else 1)


def vstack(tensors):
    """Concatenate vertically (dim 0) after making every tensor at least 2-D."""
    return _shape.cat([atleast_2d(t) for t in tensors], 0)


row_stack = vstack


def dstack(tensors):
    """Concatenate depth-wise (dim 2) after making every tensor at least 3-D."""
    return _shape.cat([atleast_3d(t) for t in tensors], 2)


def column_stack(tensors):
    """Stack as columns: 0-d and 1-D tensors become (n, 1) columns, then concatenate along dim 1."""
    cols = [_shape.reshape(_t(t), -1, 1) if _t(t).array.ndim <= 1 else _t(t) for t in tensors]
    return _shape.cat(cols, 1)


def concatenate(tensors, axis=0):
    """Join tensors along ``axis`` (as ``cat``)."""
    return _shape.cat(tensors, axis)


def tensor_split(input, indices_or_sections, dim=0):
    """Split into ``n`` nearly equal parts (an int: the first ``size % n`` one longer) or at the given indices."""
    input = _t(input)
    d = _shape._dim(dim, input.array.ndim)
    n = input.array.shape[d]
    split = indices_or_sections
    if isinstance(split, Tensor):
        split = split.item() if split.array.ndim == 0 else split.tolist()
    if isinstance(split, numbers.Integral):
        if split <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {split}")
        size, extra = divmod(n, int(split))
        bounds = np.cumsum([0] + [size + (1 if i < extra else 0) for i in range(int(split))]).tolist()
    else:
        bounds = [0] + [int(i) for i in split] + [n]
    return tuple(_shape.getitem(input, (slice(None),) * d + (slice(a, builtins.max(a, b)),))
                 for a, b in zip(bounds[:-1], bounds[1:]))


def hsplit(input, indices_or_sections):
    """``tensor_split`` along dim 1 (dim 0 for 1-D tensors); an int must divide the size evenly."""
    input = _t(input)
    return _even_split(input, indices_or_sections, 0 if input.array.ndim == 1 else 1, "hsplit")


def vsplit(input, indices_or_sections):
    """``tensor_split`` along dim 0; an int must divide the size evenly."""
    return _even_split(_t(input), indices_or_sections, 0, "vsplit")


def _even_split(input, sections, dim, name):
    if isinstance(sections, numbers.Integral) and input.array.shape[dim] % sections:
        raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the size of the dimension "
                           f"{input.array.shape[dim]} is not divisible by the split_size {sections}!")
    return tensor_split(input, sections, dim)


def take_along_dim(input, indices, dim=None):
    """Values of ``input`` at ``indices`` along ``dim`` (both broadcast in the other dims); flattened when None."""
    from .ops.extrema import gather
    input, indices = _t(input), _t(indices)
    if indices.array.dtype.kind not in "iu":
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got {indices.dtype}")
    if dim is None:
        return gather(_shape.reshape(input, -1), 0, _shape.reshape(indices, -1))
    nd = input.array.ndim
    d = _shape._dim(dim, nd)
    if indices.array.ndim != nd:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {nd} dimensions for input, and {indices.array.ndim} dimensions for indices")
    ishape, jshape = list(input.array.shape), list(indices.array.shape)
    ishape[d] = jshape[d] = 1
    common = list(np.broadcast_shapes(tuple(ishape), tuple(jshape)))
    a_shape, b_shape = list(common), list(common)
    a_shape[d], b_shape[d] = input.array.shape[d], indices.array.shape[d]
    if list(input.array.shape) != a_shape:
        input = _shape.expand(input, *a_shape)
    if list(indices.array.shape) != b_shape:
        indices = Tensor(get_array_module(indices.array).broadcast_to(indices.array, tuple(b_shape)))
    return gather(input, d, indices)


@names_node("TakeBackward0")   # PyTorch's node name
def take(input, index):
    """The elements of ``input`` (read as 1-D) at ``index``; the result has ``index``'s shape."""
    input, index = _t(input), _t(index)
    n = input.numel()
    idx = index.array
    if idx.size and (int(idx.min()) < -n or int(idx.max()) >= n):
        bad = int(idx.max()) if int(idx.max()) >= n else int(idx.min())
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    flat = _shape.reshape(input, -1)
    return _shape.GetItem.apply(flat, index=idx % builtins.max(n, 1))


def _triangle(name, input, diagonal, lower):
    input = _t(input)
    x = input.array
    if x.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    xp = get_array_module(x)
    rows, cols = x.shape[-2:]
    keep = xp.tri(rows, cols, k=diagonal, dtype=bool) if lower else ~xp.tri(rows, cols, k=diagonal - 1, dtype=bool)
    out = Where.apply(input, Tensor(xp.zeros((), dtype=x.dtype)), cond=keep)
    if out.creator is not None:
        out.creator._reusable = True   # the mask is made from the shape: PyTorch's TrilBackward0 saves no tensors
    return out


@names_node("TrilBackward0")   # PyTorch's node name
def tril(input, diagonal=0):
    """The lower triangle of the last two dims (on and below ``diagonal``); the rest zeroed."""
    return _triangle("tril", input, diagonal, True)


@names_node("TriuBackward0")   # PyTorch's node name
def triu(input, diagonal=0):
    """The upper triangle of the last two dims (on and above ``diagonal``); the rest zeroed."""
    return _triangle("triu", input, diagonal, False)


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal ``offset`` of the planes (dim1, dim2), as a new last dimension; a view, as in PyTorch
    (``x.diagonal().fill_(0)`` writes into ``x``)."""
    from .ops.diagonal import Diagonal
    input = _t(input)
    nd = input.array.ndim
    d1, d2 = _shape._dim(dim1, nd), _shape._dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(input, offset=int(offset), dim1=d1, dim2=d2)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Matrices with the last dim of ``input`` on their diagonal ``offset``, placed at dims (dim1, dim2)."""
    from .ops.einsum import einsum
    input = _t(input)
    n = input.array.shape[-1]
    size = n + builtins.abs(offset)
    xp = get_array_module(input.array)
    place = xp.zeros((n, size, size), dtype=input.array.dtype)
    k = np.arange(n)
    place[_index(xp, k), _index(xp, k - builtins.min(offset, 0)), _index(xp, k + builtins.max(offset, 0))] = 1
    out = einsum("...k,kab->...ab", input, Tensor(place))
    nd = out.array.ndim
    d1, d2 = _shape._dim(dim1, nd), _shape._dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return movedim(out, (nd - 2, nd - 1), (d1, d2))


def diag(input, diagonal=0):
    """A 1-D tensor becomes a square matrix with it on the ``diagonal``; a matrix gives that diagonal (1-D)."""
    input = _t(input)
    if input.array.ndim == 1:
        return diag_embed(input, diagonal)
    if input.array.ndim == 2:
        return globals()["diagonal"](input, diagonal)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.array.ndim}D")


def diagflat(input, offset=0):
    """``input`` flattened onto the diagonal ``offset`` of a square matrix."""
    return diag_embed(ravel(input), offset)


@names_node("TraceBackward0")   # PyTorch's node name
def trace(input):
    """The sum of the main diagonal of a matrix."""
    input = _t(input)
    if input.array.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.array.ndim}")
    from .ops.reduction import sum as _sum
    d = diagonal(input)
    return _sum(d, dtype=np.int64 if d.array.dtype.kind in "biu" else None)


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The ``n``-th forward difference ``out[i] = x[i + 1] - x[i]`` along ``dim`` (bool: ``!=``), with
    ``prepend``/``append`` joined first."""
    input = _t(input)
    if input.array.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = _shape._dim(dim, input.array.ndim)
    parts = [p for p in (prepend, input, append) if p is not None]
    if len(parts) > 1:
        parts = [_t(p) if _t(p).array.ndim else _shape.expand(_t(p), *(
            1 if i == d else s for i, s in enumerate(input.array.shape))) for p in parts]
        input = _shape.cat(parts, d)
    for _ in range(n):
        m = input.array.shape[d]
        hi = _shape.getitem(input, (slice(None),) * d + (slice(1, m),))
        lo = _shape.getitem(input, (slice(None),) * d + (slice(0, builtins.max(m - 1, 0)),))
        if input.array.dtype == np.bool_:
            input = Tensor(hi.array != lo.array)
        else:
            input = hi - lo
    return input


def cross(input, other, dim=None):
    """The cross product of 3-vectors along ``dim`` (default: the first dim of size 3), broadcast."""
    a, b = _t(input), _t(other)
    if a.array.dtype != b.array.dtype:
        from .dtypes import result_type
        target = result_type(a, b)
        a, b = _math.cast(a, target), _math.cast(b, target)
    shape = tuple(np.broadcast_shapes(a.array.shape, b.array.shape))
    a, b = broadcast_tensors(a, b)
    if dim is None:
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise RuntimeError(f"no dimension of size 3 in input of shape {list(shape)}")
    d = _shape._dim(dim, len(shape))
    if shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {shape[d]} and {shape[d]}")
    ax = [select(a, d, i) for i in range(3)]
    bx = [select(b, d, i) for i in range(3)]
    parts = [ax[1] * bx[2] - ax[2] * bx[1], ax[2] * bx[0] - ax[0] * bx[2], ax[0] * bx[1] - ax[1] * bx[0]]
    return _shape.stack(parts, d)


def unfold(input, dimension, size, step):
    """All windows of ``size`` elements, ``step`` apart, along ``dimension``: that dim becomes the window count
    and a new last dim of ``size`` holds each window (``Tensor.unfold``)."""
    input = _t(input)
    nd = input.array.ndim
    d = _shape._dim(dimension, nd) if nd else 0
    n = input.array.shape[d] if nd else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if nd == 0:
        return _shape.reshape(input, 1)
    count = (n - size) // step + 1
    idx = np.arange(count)[:, None] * step + np.arange(size)[None, :]
    windows = _along(input, d, _index(get_array_module(input.array), idx), True)   # (..., count, size, ...)
    return name_grad_fn(movedim(windows, d + 1, -1), "UnfoldBackward0")


def cartesian_prod(*tensors):
    """All combinations of one element from each 1-D tensor, as rows of a (N, len(tensors)) tensor."""
    if len(tensors) == 1:
        return _t(tensors[0])
    grids = meshgrid(*tensors, indexing="ij")
    return _shape.stack([_shape.reshape(g, -1) for g in grids], 1)


def block_diag(*tensors):
    """A block-diagonal matrix with the given (0-d, 1-D or 2-D) tensors as blocks."""
    from .ops.padding import pad
    mats = [atleast_2d(_t(t)) if _t(t).array.ndim < 2 else _t(t) for t in tensors]
    if not mats:
        return Tensor(np.zeros((1, 0), default_float()))
    cols = builtins.sum(m.array.shape[1] for m in mats)
    rows, left = [], 0
    for m in mats:
        w = m.array.shape[1]
        rows.append(pad(m, (left, cols - left - w)))
        left += w
    return _shape.cat(rows, 0)


# PyTorch's ``out=`` keyword on the functions that take one.
from ._out_arg import with_out as _with_out  # noqa: E402

for _name in ("take_along_dim", "cross", "hstack", "vstack", "dstack", "column_stack", "concatenate", "tril", "triu"):
    globals()[_name] = _with_out(globals()[_name], _name)
row_stack = vstack
del _name
