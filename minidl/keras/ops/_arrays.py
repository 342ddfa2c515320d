"""NumPy-style array ops of ``keras.ops``: stacking and splitting, reshaping views, creation
(``tri``, ``logspace``, windows), products (``inner``, ``kron``, ``cross``), searching and
counting (``nonzero``, ``unique``, ``searchsorted``, ``bincount``), ``diff``, ``meshgrid``.

Differentiable where NumPy's function is (built on minidl's ops); index results are int32
as in Keras 3.
"""
from __future__ import annotations

import builtins

import numpy as np

import minidl
import minidl.nn.functional as F
from minidl import backend
from minidl.tensor import Tensor

__all__ = ["hstack", "vstack", "dstack", "append", "array_split", "hsplit", "vsplit", "dsplit", "diff", "meshgrid",
           "nonzero", "unique", "ravel", "flipud", "fliplr", "rot90", "diagflat", "diagonal", "array", "empty",
           "empty_like", "tri", "logspace", "geomspace", "bartlett", "blackman", "hamming", "hanning", "kaiser",
           "vander", "inner", "vdot", "kron", "cross", "correlate", "trapezoid", "corrcoef", "searchsorted",
           "digitize", "bincount", "histogram", "isin", "argpartition", "select", "unravel_index", "get_item",
           "view"]


def _t(x):
    from minidl.keras.ops import convert_to_tensor
    return convert_to_tensor(x)


def _promoted(xs):
    ts = [_t(v) for v in xs]
    common = ts[0].dtype
    for v in ts[1:]:
        common = minidl.promote_types(common, v.dtype)
    return [v.to(common) for v in ts]


def hstack(xs) -> Tensor:
    """The inputs joined along axis 1 (axis 0 for 1-D inputs)."""
    return minidl.hstack(_promoted(xs))


def vstack(xs) -> Tensor:
    """The inputs (1-D ones as rows) joined along axis 0."""
    return minidl.vstack(_promoted(xs))


def dstack(xs) -> Tensor:
    """The inputs (made at least 3-D) joined along axis 2."""
    return minidl.dstack(_promoted(xs))


def append(x1, x2, axis=None) -> Tensor:
    """``x2`` appended to ``x1`` along ``axis`` (both flattened for None)."""
    a, b = _promoted([x1, x2])
    if axis is None:
        return minidl.cat([a.reshape(-1), b.reshape(-1)])
    return minidl.cat([a, b], dim=axis)


def array_split(x, indices_or_sections, axis=0) -> list:
    """NumPy's ``array_split``: ``sections`` parts as equal as possible (the first ones longer), or at indices."""
    x = _t(x)
    if isinstance(indices_or_sections, (int, np.integer)) and int(indices_or_sections) <= 0:
        raise ValueError(f"array_split: the number of sections must be positive, got {indices_or_sections}")
    sections = int(indices_or_sections) if isinstance(indices_or_sections, (int, np.integer)) \
        else [int(i) for i in indices_or_sections]
    return list(minidl.tensor_split(x, sections, dim=axis))


def _split_on(x, indices_or_sections, axis):
    from minidl.keras.ops import split
    return split(x, indices_or_sections, axis=axis)


def hsplit(x, indices_or_sections) -> list:
    """:func:`split` along axis 1 (axis 0 for 1-D inputs)."""
    x = _t(x)
    return _split_on(x, indices_or_sections, 1 if x.ndim > 1 else 0)


def vsplit(x, indices_or_sections) -> list:
    """:func:`split` along axis 0 (inputs of rank >= 2)."""
    x = _t(x)
    if x.ndim < 2:
        raise ValueError(f"vsplit only works on inputs of rank >= 2, got shape {tuple(x.shape)}")
    return _split_on(x, indices_or_sections, 0)


def dsplit(x, indices_or_sections) -> list:
    """:func:`split` along axis 2 (inputs of rank >= 3)."""
    x = _t(x)
    if x.ndim < 3:
        raise ValueError(f"dsplit only works on inputs of rank >= 3, got shape {tuple(x.shape)}")
    return _split_on(x, indices_or_sections, 2)


def diff(a, n=1, axis=-1) -> Tensor:
    """The ``n``-th discrete difference along ``axis``."""
    return minidl.diff(_t(a), n=n, dim=axis)


def meshgrid(*x, indexing="xy") -> list:
    """Coordinate grids from 1-D inputs; ``indexing`` ``"xy"`` (Cartesian) or ``"ij"`` (matrix)."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"Valid values for `indexing` are 'xy' and 'ij'. Received: indexing={indexing!r}")
    return list(minidl.meshgrid(*(_t(v).reshape(-1) for v in x), indexing=indexing))


def nonzero(x) -> tuple:
    """The indices (int32, one Tensor per axis) of the non-zero elements."""
    return tuple(i.to(minidl.int32) for i in minidl.nonzero(_t(x), as_tuple=True))


def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False, axis=None,  # noqa: A002
           size=None, fill_value=None):
    """The sorted unique values of ``x`` (of the flattened input for ``axis=None``), with the first
    indices, the inverse and the counts on request (int32, NumPy's order). ``size`` pads the values
    with ``fill_value`` (default: the smallest value) or truncates them to a fixed length."""
    t = _t(x)
    arr = np.asarray(backend.to_numpy(t.array))
    values, index, inverse, counts = np.unique(arr, return_index=True, return_inverse=True, return_counts=True,
                                               axis=axis)
    if size is not None:
        n = values.shape[0 if axis is not None else 0]
        fill = values.min() if fill_value is None and values.size else (fill_value or 0)
        if n < size:
            pad_shape = (size - n,) + values.shape[1:]
            values = np.concatenate([values, np.full(pad_shape, fill, dtype=values.dtype)])
            index = np.concatenate([index, np.zeros(size - n, dtype=index.dtype)])
            counts = np.concatenate([counts, np.zeros(size - n, dtype=counts.dtype)])
        values, index, counts = values[:size], index[:size], counts[:size]
    if axis is None:
        inverse = inverse.reshape(arr.shape)
    out = [minidl.as_tensor(values).to(t.device)]
    extras = [(return_index, index), (return_inverse, inverse), (return_counts, counts)]
    out += [minidl.as_tensor(np.asarray(v, dtype=np.int32)).to(t.device) for wanted, v in extras if wanted]
    return out[0] if len(out) == 1 else tuple(out)


def ravel(x) -> Tensor:
    """``x`` flattened to 1-D."""
    return _t(x).reshape(-1)


def flipud(x) -> Tensor:
    """``x`` reversed along axis 0."""
    return minidl.flip(_t(x), (0,))


def fliplr(x) -> Tensor:
    """``x`` reversed along axis 1 (inputs of rank >= 2)."""
    x = _t(x)
    if x.ndim < 2:
        raise ValueError(f"fliplr needs an input of rank >= 2, got shape {tuple(x.shape)}")
    return minidl.flip(x, (1,))


def rot90(array, k=1, axes=(0, 1)) -> Tensor:
    """``array`` rotated by 90 degrees ``k`` times in the plane of ``axes``."""
    if np.ndim(k) != 0:
        raise TypeError(f"rot90: k must be an integer, got an array of shape {np.shape(k)}")
    return minidl.rot90(_t(array), int(k), tuple(axes))


def diagflat(x, k=0) -> Tensor:
    """A 2-D array with the flattened ``x`` on diagonal ``k``."""
    return minidl.diagflat(_t(x).reshape(-1), k)


def diagonal(x, offset=0, axis1=0, axis2=1) -> Tensor:
    """The diagonal ``offset`` of the planes of ``axis1``/``axis2`` (as the last axis)."""
    return minidl.diagonal(_t(x), offset, axis1, axis2)


def array(x, dtype=None) -> Tensor:
    """``x`` as a Tensor (Keras' ``convert_to_tensor``)."""
    from minidl.keras.ops import convert_to_tensor
    return convert_to_tensor(x, dtype=dtype)


def empty(shape, dtype=None) -> Tensor:
    """A tensor of ``shape`` (zero-filled; float32 unless ``dtype``)."""
    from minidl.keras.ops import zeros
    return zeros(shape, dtype=dtype)


def empty_like(x, dtype=None) -> Tensor:
    """A zero-filled tensor with the shape (and dtype unless ``dtype``) of ``x``."""
    from minidl.keras.ops import zeros_like
    return zeros_like(x, dtype=dtype)


def tri(N, M=None, k=0, dtype=None) -> Tensor:
    """An N x M matrix with ones at and below diagonal ``k`` (float32 unless ``dtype``)."""
    from minidl.keras.ops import cast
    return cast(np.tri(N, M, k), dtype or "float32")


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0) -> Tensor:
    """``base ** linspace(start, stop, num)``."""
    from minidl.keras.ops import cast
    out = np.logspace(np.asarray(start, np.float64), np.asarray(stop, np.float64), num, endpoint, base, axis=axis)
    return cast(out, dtype or "float32")


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0) -> Tensor:
    """``num`` values spaced evenly on a log scale from ``start`` to ``stop``."""
    from minidl.keras.ops import cast
    out = np.geomspace(np.asarray(start, np.float64), np.asarray(stop, np.float64), num, endpoint, axis=axis)
    return cast(out, dtype or "float32")


def _window(fn, doc):
    def op(x):
        return minidl.as_tensor(fn(int(x)).astype(np.float32))
    op.__doc__ = doc
    return op


bartlett = _window(np.bartlett, "The Bartlett (triangular) window of ``x`` points (float32).")
blackman = _window(np.blackman, "The Blackman window of ``x`` points (float32).")
hamming = _window(np.hamming, "The Hamming window of ``x`` points (float32).")
hanning = _window(np.hanning, "The Hann window of ``x`` points (float32).")


def kaiser(x, beta) -> Tensor:
    """The Kaiser window of ``x`` points with shape parameter ``beta`` (float32)."""
    return minidl.as_tensor(np.kaiser(int(x), float(beta)).astype(np.float32))


def vander(x, N=None, increasing=False) -> Tensor:
    """The Vandermonde matrix of 1-D ``x`` (powers decreasing unless ``increasing``)."""
    x = _t(x)
    if x.ndim != 1:
        raise ValueError(f"vander needs a 1-D input, got shape {tuple(x.shape)}")
    return minidl.vander(x, N=N, increasing=increasing)


def inner(x1, x2) -> Tensor:
    """The inner product over the last axes (a scalar product for 0-D inputs)."""
    a, b = _promoted([x1, x2])
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return minidl.inner(a, b)


def vdot(x1, x2) -> Tensor:
    """The dot product of the flattened inputs."""
    a, b = _promoted([x1, x2])
    return (a.reshape(-1) * b.reshape(-1)).sum().to(a.dtype)


def kron(x1, x2) -> Tensor:
    """The Kronecker product."""
    return minidl.kron(*_promoted([x1, x2]))


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None) -> Tensor:
    """The cross product of 2- or 3-vectors along ``axisa``/``axisb`` (``axis`` sets all three);
    2-vectors give the z component (a scalar per pair) when both are 2-vectors."""
    a, b = _promoted([x1, x2])
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = minidl.movedim(a, axisa, -1), minidl.movedim(b, axisb, -1)
    na, nb = a.shape[-1], b.shape[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError(f"cross: incompatible vector sizes {na} and {nb} (must be 2 or 3)")
    if na == nb == 2:
        return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
    if na == 2:
        a = F.pad(a, (0, 1))
    if nb == 2:
        b = F.pad(b, (0, 1))
    a, b = minidl.broadcast_tensors(a, b)
    return minidl.movedim(minidl.cross(a, b, dim=-1), -1, axisc)


def correlate(x1, x2, mode="valid") -> Tensor:
    """NumPy's ``correlate`` of two 1-D inputs (``mode`` ``"valid"``, ``"same"`` or ``"full"``)."""
    if mode not in ("valid", "same", "full"):
        raise ValueError(f"correlate: mode must be 'valid', 'same' or 'full', got {mode!r}")
    a, v = _promoted([x1, x2])
    if a.ndim != 1 or v.ndim != 1:
        raise ValueError(f"correlate needs 1-D inputs, got shapes {tuple(a.shape)} and {tuple(v.shape)}")
    if not a.is_floating_point():
        a, v = a.float(), v.float()
    swapped = v.shape[0] > a.shape[0]
    if swapped:
        a, v = v, a
    m = v.shape[0]
    pads = {"valid": (0, 0), "same": (m // 2, m - 1 - m // 2), "full": (m - 1, m - 1)}[mode]
    out = F.conv1d(F.pad(a, pads).reshape(1, 1, -1), v.reshape(1, 1, -1)).reshape(-1)
    return minidl.flip(out, (0,)) if swapped else out


def trapezoid(y, x=None, dx=1.0, axis=-1) -> Tensor:
    """The integral of ``y`` along ``axis`` by the trapezoidal rule (sample points ``x`` or spacing ``dx``)."""
    y = _t(y)
    y = y if y.is_floating_point() else y.float()
    if x is None:
        return minidl.trapezoid(y, dx=dx, dim=axis)
    return minidl.trapezoid(y, _t(x).to(y.dtype), dim=axis)


def corrcoef(x) -> Tensor:
    """The Pearson correlation coefficients of the rows of ``x``."""
    x = _t(x)
    return minidl.corrcoef(x if x.is_floating_point() else x.float())


def searchsorted(sorted_sequence, values, side="left") -> Tensor:
    """Where ``values`` would be inserted into 1-D ``sorted_sequence`` to keep it sorted (int32)."""
    seq = _t(sorted_sequence)
    if seq.ndim != 1:
        raise ValueError(f"searchsorted needs a 1-D sorted_sequence, got shape {tuple(seq.shape)}")
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    vals = _t(values)
    seq, vals = _promoted([seq, vals])
    return minidl.searchsorted(seq, vals, side=side).to(minidl.int32)


def digitize(x, bins) -> Tensor:
    """The index of the bin of ``bins`` (increasing or decreasing) each value of ``x`` falls in (int32)."""
    x, b = _t(x), _t(bins)
    out = np.digitize(backend.to_numpy(x.array), backend.to_numpy(b.array))
    return minidl.as_tensor(out.astype(np.int32)).to(x.device)


def bincount(x, weights=None, minlength=0, sparse=False) -> Tensor:
    """The count (or ``weights`` sum) of each non-negative integer in ``x``; a 2-D ``x`` counts each row."""
    if sparse:
        raise NotImplementedError("bincount(sparse=True): minidl has no sparse tensors")
    x = _t(x)
    if x.is_floating_point() or x.ndim not in (1, 2):
        raise ValueError(f"bincount needs a 1-D or 2-D integer input, got {x.dtype} of shape {tuple(x.shape)}")
    w = None if weights is None else _t(weights)
    length = builtins.max(int(minlength), int(x.max()) + 1 if x.numel() else 0)
    if x.ndim == 2:
        return minidl.stack([bincount(x[i], None if w is None else w[i], length) for i in range(x.shape[0])])
    out = minidl.bincount(x.long(), weights=w, minlength=length)
    return out.to(minidl.int32) if w is None else out.to(w.dtype if w.is_floating_point() else minidl.float32)


def histogram(x, bins=10, range=None) -> tuple:  # noqa: A002 -- Keras' argument name
    """``(counts, bin_edges)`` of 1-D ``x`` in ``bins`` equal bins over ``range`` (float32 both)."""
    x = _t(x)
    if x.ndim != 1:
        raise ValueError(f"histogram needs a 1-D input, got shape {tuple(x.shape)}")
    counts, edges = np.histogram(backend.to_numpy(x.array), bins=bins, range=range)
    return (minidl.as_tensor(counts.astype(np.float32)).to(x.device),
            minidl.as_tensor(edges.astype(np.float32)).to(x.device))


def isin(x1, x2, assume_unique=False, invert=False) -> Tensor:
    """True where an element of ``x1`` occurs in ``x2`` (False with ``invert``)."""
    a, b = _promoted([x1, x2])
    return minidl.isin(a, b, assume_unique=assume_unique, invert=invert)


def argpartition(x, kth, axis=-1) -> Tensor:
    """Indices (int32) that partition ``x`` along ``axis`` so that the ``kth`` element is in its sorted
    place, smaller ones before it and larger ones after (a full stable sort is one such partition)."""
    x = _t(x)
    n = x.shape[axis]
    if not -n <= int(kth) < n:
        raise ValueError(f"argpartition: kth={kth} is out of bounds for an axis of length {n}")
    return minidl.argsort(x, dim=axis, stable=True).to(minidl.int32)


def select(condlist, choicelist, default=0) -> Tensor:
    """The element of the first ``choicelist`` entry whose condition holds, ``default`` where none does."""
    if len(condlist) != len(choicelist):
        raise ValueError(f"select: condlist and choicelist must have the same length, got {len(condlist)} "
                         f"and {len(choicelist)}")
    if not condlist:
        raise ValueError("select: condlist must not be empty")
    choices = _promoted(list(choicelist))
    out = minidl.broadcast_to(_t(default).to(choices[0].dtype), choices[0].shape)
    for cond, choice in zip(reversed(list(condlist)), reversed(choices)):
        out = minidl.where(_t(cond).bool(), choice, out)
    return out


def unravel_index(indices, shape) -> tuple:
    """The per-axis coordinates (int32) of flat ``indices`` into an array of ``shape``."""
    idx = _t(indices)
    coords = np.unravel_index(backend.to_numpy(idx.array).astype(np.int64), tuple(int(s) for s in shape))
    return tuple(minidl.as_tensor(c.astype(np.int32)).to(idx.device) for c in coords)


def get_item(x, key) -> Tensor:
    """``x[key]`` (differentiable)."""
    if isinstance(key, Tensor):
        key = key.long() if not key.dtype == minidl.bool else key
    return _t(x)[key]


def view(x, dtype=None) -> Tensor:
    """``x``'s bytes reinterpreted as ``dtype`` (the last axis scales by the itemsize ratio)."""
    from minidl.keras.ops import _to_dtype
    x = _t(x)
    if dtype is None:
        return x
    name = str(_to_dtype(dtype)).split(".")[-1]
    return minidl.as_tensor(backend.to_numpy(x.array).view(np.dtype(name))).to(x.device)
