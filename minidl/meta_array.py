"""The array behind tensors on PyTorch's ``meta`` device: a shape and a dtype, and no data.

A :class:`MetaArray` stands where a NumPy/CuPy array stands in a :class:`minidl.Tensor` on
``device("meta")``. NumPy's dispatch protocols (``__array_ufunc__``, ``__array_function__``) route
every ``np.*`` call and operator on it here, where the result's shape and dtype are worked out
without computing: by shape rules for elementwise ufuncs, reductions, ``matmul``, ``concatenate``,
``stack`` and ``where``, and otherwise by running the NumPy function on zero-strided stand-ins
(``np.broadcast_to(np.zeros((), dtype), shape)``, one element of memory however large the shape),
which is free for views (reshape, transpose, slicing, broadcasting) and bounded by
``PROBE_LIMIT`` elements for the rest. Memory never grows with the meta tensor's size.

:data:`META_NUMPY` is the array module of meta arrays (what ``backend.get_array_module`` returns
for them): NumPy, with its creation functions (``zeros``, ``empty``, ``asarray``, ...) making meta
arrays. Reading values (``np.asarray(meta)``, ``.item()``) raises PyTorch's NotImplementedError.
"""
from __future__ import annotations

import numbers
import operator
import types

import numpy as np

__all__ = ["MetaArray", "META_NUMPY", "is_meta_array", "PROBE_LIMIT"]

PROBE_LIMIT = 1 << 24   # the most input elements a stand-in run may touch (a few tens of ms)
NO_DATA = "Cannot copy out of meta tensor; no data!"


def is_meta_array(value) -> bool:
    """True for a :class:`MetaArray`."""
    return type(value) is MetaArray


def _stand_in(shape, dtype):
    """A read-only zero-strided NumPy array of ``shape`` (one element of memory)."""
    return np.broadcast_to(np.zeros((), dtype), shape)


def _c_strides(shape, itemsize):
    out, step = [], itemsize
    for s in reversed(shape):
        out.append(step)
        step *= max(s, 1)
    return tuple(reversed(out))


def _dense(shape, strides, itemsize):
    """Whether ``strides`` lay ``shape`` out densely in C order (sizes of 1 do not count)."""
    return all(st == want for n, st, want in zip(shape, strides, _c_strides(shape, itemsize)) if n != 1)


class _NoBuffer:
    """The ``data`` of a meta array: no memory, address 0."""
    ptr = 0


_NO_BUFFER = _NoBuffer()


class _Flags:
    """The ``flags`` of a meta array: writeable, owning, contiguity from its strides."""
    owndata = True
    writeable = True

    def __init__(self, array):
        shape, strides, itemsize = array.shape, array.strides, array.dtype.itemsize
        self.c_contiguous = _dense(shape, strides, itemsize)
        self.f_contiguous = _dense(shape[::-1], strides[::-1], itemsize)


def _strided_stand_in(array):
    """A NumPy view with ``array``'s shape and strides over one element: only for view functions, which
    read no element (its strides then give the view's strides)."""
    base = np.zeros(1, array.dtype)
    if array.size == 0 or not array.shape:
        return np.broadcast_to(base.reshape(()), array.shape)
    return np.lib.stride_tricks.as_strided(base, array.shape, array.strides, writeable=False)


class MetaArray(np.lib.mixins.NDArrayOperatorsMixin):
    """An array with a ``shape`` and a ``dtype`` and no elements in memory (PyTorch's meta storage)."""

    __slots__ = ("shape", "dtype", "truth", "_strides")

    def __init__(self, shape, dtype, truth=None, strides=None):
        if isinstance(shape, numbers.Integral):
            shape = (shape,)
        self.shape = tuple(operator.index(s) for s in shape)
        self.dtype = np.dtype(dtype)
        self.truth = truth   # what ``bool()`` gives: set for all()/any() results only (see __bool__)
        self._strides = None if strides is None else tuple(int(st) for st in strides)   # None: C order
        if any(s < 0 for s in self.shape):
            raise ValueError(f"negative dimensions are not allowed, got shape {self.shape}")

    # --- attributes ------------------------------------------------------------------
    ndim = property(lambda self: len(self.shape), doc="Number of dimensions.")
    itemsize = property(lambda self: self.dtype.itemsize, doc="Bytes per element.")
    nbytes = property(lambda self: self.size * self.dtype.itemsize, doc="Bytes the data would take.")
    flags = property(lambda self: _Flags(self), doc="Contiguity flags (from the strides).")
    T = property(lambda self: self.transpose(), doc="All dimensions reversed.")
    base = None   # never a view of another array's memory: there is none
    data = property(lambda self: _NO_BUFFER, doc="No buffer: its ``ptr`` is 0 (PyTorch's meta ``data_ptr()``).")

    @property
    def size(self):
        """Number of elements (a Python int, exact for any size)."""
        count = 1
        for s in self.shape:
            count *= s
        return count

    @property
    def strides(self):
        """Strides in bytes, as the data would have (C order unless this is a transposed/sliced view)."""
        return self._strides if self._strides is not None else _c_strides(self.shape, self.dtype.itemsize)

    @property
    def real(self):
        """The real part (a meta array of the real dtype)."""
        return np.real(self)

    @property
    def imag(self):
        """The imaginary part (a meta array of the real dtype)."""
        return np.imag(self)

    def __repr__(self):
        return f"MetaArray(shape={self.shape}, dtype={self.dtype})"

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    # --- no data -----------------------------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        raise NotImplementedError(NO_DATA)

    def item(self, *args):
        """Raises: a meta array has no values."""
        raise RuntimeError("Tensor.item() cannot be called on meta tensors")

    def tolist(self):
        """Raises NotImplementedError: a meta array has no values."""
        raise NotImplementedError(NO_DATA)

    get = tolist

    def __bool__(self):
        # minidl's own input checks (``if not xp.isfinite(x).all(): raise``) meet meta arrays with no values to
        # check: an all() result reads True and an any() result False, so such checks pass as on clean data;
        # any other truth value needs data (Tensor.__bool__ raises PyTorch's error before getting here)
        if self.truth is None:
            raise RuntimeError("Tensor.item() cannot be called on meta tensors")
        return self.truth

    def __float__(self):
        raise RuntimeError("Tensor.item() cannot be called on meta tensors")

    __int__ = __index__ = __complex__ = __float__

    def __iter__(self):
        if not self.shape:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self.shape[0]))

    # --- writes are no-ops (after the shape check) ------------------------------------
    def __setitem__(self, key, value):
        target = self[key]
        value_shape = getattr(value, "shape", np.shape(value) if not isinstance(value, MetaArray) else ())
        np.broadcast_shapes(tuple(value_shape), target.shape)

    def fill(self, value):
        """No-op: a meta array has no values."""
        return None

    # --- shape methods -------------------------------------------------------------------
    def __getitem__(self, key):
        if isinstance(key, MetaArray) and key.dtype == bool or (
                isinstance(key, tuple) and any(isinstance(k, MetaArray) and k.dtype == bool for k in key)):
            raise NotImplementedError("indexing a meta tensor with a boolean mask depends on data "
                                      "(the result's shape is unknown on the meta device)")
        if _is_basic_key(key):
            return _wrap(_strided_stand_in(self)[key], views=True)
        return _wrap(_stand_in(self.shape, self.dtype)[_to_stand_ins(key)])

    def reshape(self, *shape, order="C"):
        """The same elements in ``shape`` (one ``-1`` allowed)."""
        if len(shape) == 1 and not isinstance(shape[0], numbers.Integral):
            shape = tuple(shape[0])
        return MetaArray(_resolve_shape(self.size, shape), self.dtype)

    def ravel(self, order="C"):
        """A 1-D meta array of all elements."""
        return MetaArray((self.size,), self.dtype)

    flatten = ravel

    def astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True):
        """This shape with ``dtype``."""
        return MetaArray(self.shape, dtype)

    def copy(self, order="C"):
        """A new meta array of the same shape and dtype."""
        return MetaArray(self.shape, self.dtype)

    def view(self, dtype=None, type=None):  # noqa: A002  (NumPy's argument name)
        """The same memory seen as ``dtype`` (the last dimension rescaled as NumPy's view does)."""
        if dtype is None or np.dtype(dtype) == self.dtype:
            return MetaArray(self.shape, self.dtype)
        dtype = np.dtype(dtype)
        if not self.shape:
            raise ValueError("Changing the dtype of a 0d array is only supported if the itemsize is unchanged")
        last = self.shape[-1] * self.dtype.itemsize
        if last % dtype.itemsize:
            raise ValueError(f"cannot view {self.dtype} as {dtype}: last dimension {self.shape[-1]} does not divide")
        return MetaArray(self.shape[:-1] + (last // dtype.itemsize,), dtype)

    def __getattr__(self, name):
        # every other ndarray method: its np.* function (routed back through __array_function__)
        if name.startswith("__") or not callable(getattr(np.ndarray, name, None)):
            raise AttributeError(f"'MetaArray' object has no attribute {name!r}")
        method = getattr(np.ndarray, name)

        def call(*args, **kwargs):
            function = getattr(np, name, None)
            if name in _REDUCTIONS and function is not None:
                return function(self, *args, **kwargs)
            return _probe(lambda *a, **k: method(*a, **k), (self,) + args, kwargs, name)
        return call

    # --- NumPy protocols ------------------------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        _check_devices(inputs)
        out = kwargs.pop("out", None)
        if method == "__call__" and ufunc is np.matmul:
            result = _matmul(*inputs, **kwargs)
        elif method == "__call__" and ufunc.signature:
            result = _probe(ufunc, inputs, kwargs, ufunc.__name__)
        elif method == "__call__":
            shape = np.broadcast_shapes(*(np.shape(x) if not isinstance(x, MetaArray) else x.shape
                                          for x in inputs))
            with np.errstate(all="ignore"):
                sample = ufunc(*(_small(x) for x in inputs), **kwargs)
            result = _like_sample(sample, shape)
        elif method in ("reduce", "accumulate"):
            array = inputs[0]
            axis = kwargs.get("axis", 0)
            with np.errstate(all="ignore"):
                sample = getattr(ufunc, method)(_small_nd(array), **kwargs)
            if method == "accumulate":
                result = MetaArray(array.shape, sample.dtype)
            else:
                truth = {"logical_and": True, "logical_or": False}.get(ufunc.__name__)
                result = MetaArray(_reduced_shape(array.shape, axis, kwargs.get("keepdims", False)), sample.dtype,
                                   truth)
        elif method == "outer":
            with np.errstate(all="ignore"):
                sample = ufunc.outer(_small(inputs[0]), _small(inputs[1]), **kwargs)
            result = MetaArray(np.shape(inputs[0]) + np.shape(inputs[1]), sample.dtype)
        elif method == "at":
            return None
        else:
            result = _probe(getattr(ufunc, method), inputs, kwargs, f"{ufunc.__name__}.{method}")
        if out is not None:
            return out[0] if len(out) == 1 else out
        return result

    def __array_function__(self, func, types_, args, kwargs):
        _check_devices(args)
        name = func.__name__
        if name in _DATA_DEPENDENT:
            raise NotImplementedError(f"numpy.{name} depends on the data, which a meta tensor does not have")
        rule = _RULES.get(name)
        if rule is not None:
            return rule(*args, **kwargs)
        if name in _REDUCTIONS:
            return _reduction(func, *args, **kwargs)
        return _probe(func, args, kwargs, name)


# --- helpers -------------------------------------------------------------------------------
def _check_devices(inputs):
    """PyTorch's error for a meta tensor meeting a non-scalar CPU array."""
    for x in inputs:
        if isinstance(x, np.ndarray) and x.ndim > 0:
            raise RuntimeError("Tensor on device cpu is not on the expected device meta!")
        if isinstance(x, (list, tuple)):
            _check_devices(x)


def _small(x):
    """A 0-d stand-in with ``x``'s dtype (scalars and 0-d arrays as they are)."""
    if isinstance(x, MetaArray):
        return np.zeros((), x.dtype)
    return x


def _small_nd(x):
    """A stand-in with ``x``'s number of dimensions, each of length 1 (0 where ``x`` is empty there)."""
    return np.zeros(tuple(min(s, 1) for s in x.shape), x.dtype)


def _like_sample(sample, shape):
    if isinstance(sample, tuple):
        return tuple(MetaArray(shape, np.asarray(s).dtype) for s in sample)
    return MetaArray(shape, np.asarray(sample).dtype)


def _wrap(result, views=False):
    """A NumPy result of a stand-in run as meta arrays (tuples/lists element-wise); ``views``: keep strides."""
    if isinstance(result, (np.ndarray, np.generic)):
        strides = result.strides if views and isinstance(result, np.ndarray) and result.size else None
        return MetaArray(np.shape(result), result.dtype, strides=strides)
    if isinstance(result, tuple):
        return tuple(_wrap(r, views) for r in result)
    if isinstance(result, list):
        return [_wrap(r, views) for r in result]
    return result


def _is_basic_key(key):
    """Whether indexing with ``key`` makes a view (ints, slices, None, Ellipsis only)."""
    parts = key if isinstance(key, tuple) else (key,)
    return all(k is None or k is Ellipsis or isinstance(k, (slice, numbers.Integral)) and not isinstance(k, bool)
               for k in parts)


def _to_stand_ins(value, views=False):
    if isinstance(value, MetaArray):
        return _strided_stand_in(value) if views else _stand_in(value.shape, value.dtype)
    if isinstance(value, tuple):
        return tuple(_to_stand_ins(v, views) for v in value)
    if isinstance(value, list):
        return [_to_stand_ins(v, views) for v in value]
    return value


def _meta_elements(value):
    if isinstance(value, MetaArray):
        return value.size
    if isinstance(value, (tuple, list)):
        return sum(_meta_elements(v) for v in value)
    if isinstance(value, dict):
        return sum(_meta_elements(v) for v in value.values())
    return 0


def _probe(func, args, kwargs, name):
    """``func`` run on zero-strided stand-ins, its results as meta arrays."""
    views = name in _VIEWS
    if not views and _meta_elements(args) + _meta_elements(kwargs) > PROBE_LIMIT:
        raise NotImplementedError(f"meta tensors: no shape rule for numpy.{name} on inputs of more than "
                                  f"{PROBE_LIMIT} elements")
    with np.errstate(all="ignore"):
        result = func(*_to_stand_ins(args, views), **{k: _to_stand_ins(v, views) for k, v in kwargs.items()})
    return _wrap(result, views)


def _resolve_shape(size, shape):
    shape = tuple(operator.index(s) for s in shape)
    if shape.count(-1) > 1:
        raise ValueError("can only specify one unknown dimension")
    if -1 in shape:
        known = 1
        for s in shape:
            if s != -1:
                known *= s
        if known == 0 or size % known:
            raise ValueError(f"cannot reshape array of size {size} into shape {shape}")
        shape = tuple(size // known if s == -1 else s for s in shape)
    total = 1
    for s in shape:
        total *= s
    if total != size:
        raise ValueError(f"cannot reshape array of size {size} into shape {shape}")
    return shape


def _axes(ndim, axis):
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, numbers.Integral):
        axis = (axis,)
    out = []
    for a in axis:
        a = operator.index(a)
        if not -ndim <= a < max(ndim, 1):
            raise np.exceptions.AxisError(f"axis {a} is out of bounds for array of dimension {ndim}")
        out.append(a % ndim if ndim else 0)
    return tuple(out)


def _reduced_shape(shape, axis, keepdims):
    axes = _axes(len(shape), axis)
    if keepdims:
        return tuple(1 if i in axes else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def _reduction(func, a, *args, **kwargs):
    """np.sum / mean / max / argmax / ... : the shape by the axis rule, the dtype from a one-element run."""
    names = ("axis", "dtype", "out") if func.__name__ not in ("argmax", "argmin", "std", "var", "nanstd",
                                                              "nanvar") else ("axis", "out")
    kwargs.update(zip(names, args))
    out = kwargs.pop("out", None)
    with np.errstate(all="ignore"):
        sample = func(_small_nd(a) if a.size else np.zeros((1,) * a.ndim, a.dtype), **kwargs)
    keepdims = kwargs.get("keepdims", False)
    result = MetaArray(_reduced_shape(a.shape, kwargs.get("axis"), keepdims is True), np.asarray(sample).dtype,
                       truth={"all": True, "any": False}.get(func.__name__))
    return out if out is not None else result


def _matmul(a, b, out=None, **kwargs):
    sa, sb = tuple(np.shape(a)), tuple(np.shape(b))
    if not sa or not sb:
        raise ValueError("matmul: Input operand does not have enough dimensions")
    left, right = (sa if len(sa) > 1 else (1,) + sa), (sb if len(sb) > 1 else sb + (1,))
    if left[-1] != right[-2]:
        raise ValueError(f"matmul: mismatch in its core dimension: shapes {sa} and {sb}")
    shape = np.broadcast_shapes(left[:-2], right[:-2]) + (left[-2], right[-1])
    if len(sa) == 1:
        shape = shape[:-2] + shape[-1:]
    if len(sb) == 1:
        shape = shape[:-1]
    dtype = np.result_type(_small(a), _small(b)) if "dtype" not in kwargs else kwargs["dtype"]
    return out if out is not None else MetaArray(shape, dtype)


def _joined_dtype(arrays, dtype):
    return np.dtype(dtype) if dtype is not None else np.result_type(*(_small(a) for a in arrays))


def _concatenate(arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    arrays = list(arrays)
    if axis is None:
        return MetaArray((sum(int(np.size(a)) if not isinstance(a, MetaArray) else a.size for a in arrays),),
                         _joined_dtype(arrays, dtype))
    shapes = [tuple(np.shape(a)) for a in arrays]
    axis = _axes(len(shapes[0]), axis)[0]
    rest = {s[:axis] + s[axis + 1:] for s in shapes}
    if len(rest) != 1:
        raise ValueError(f"all the input array dimensions except for the concatenation axis must match, got {shapes}")
    first = shapes[0]
    shape = first[:axis] + (sum(s[axis] for s in shapes),) + first[axis + 1:]
    return out if out is not None else MetaArray(shape, _joined_dtype(arrays, dtype))


def _stack(arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    arrays = list(arrays)
    shapes = {tuple(np.shape(a)) for a in arrays}
    if len(shapes) != 1:
        raise ValueError("all input arrays must have the same shape")
    shape = shapes.pop()
    axis = _axes(len(shape) + 1, axis)[0]
    result = MetaArray(shape[:axis] + (len(arrays),) + shape[axis:], _joined_dtype(arrays, dtype))
    return out if out is not None else result


def _where(condition, *values):
    if not values:
        raise NotImplementedError("numpy.where(condition) depends on the data, which a meta tensor does not have")
    shape = np.broadcast_shapes(*(tuple(np.shape(v)) for v in (condition,) + values))
    return MetaArray(shape, np.result_type(*(_small(v) for v in values)))


def _like_rule(kind):
    def make(a, *args, dtype=None, order="K", subok=True, shape=None, **kwargs):
        if kind == "full" and args:
            args = args[1:] if dtype is not None or len(args) < 2 else args
            dtype = dtype if dtype is not None else (args[0] if args else None)
        elif args:
            dtype = args[0]
        return MetaArray(np.shape(a) if shape is None else shape, a.dtype if dtype is None else dtype)
    return make


def _copy(a, *args, **kwargs):
    return MetaArray(a.shape, a.dtype)


def _take_along_axis(arr, indices, axis=-1):
    if axis is None:
        return MetaArray(tuple(np.shape(indices)), arr.dtype)
    axis = _axes(arr.ndim, axis)[0]
    base = arr.shape[:axis] + (np.shape(indices)[axis],) + arr.shape[axis + 1:]
    return MetaArray(np.broadcast_shapes(base, tuple(np.shape(indices))), arr.dtype)


def _result_type(*values):
    return np.result_type(*(_small(v) for v in values))


_RULES = {
    "matmul": _matmul, "concatenate": _concatenate, "stack": _stack, "where": _where,
    "zeros_like": _like_rule("zeros"), "ones_like": _like_rule("ones"), "empty_like": _like_rule("empty"),
    "full_like": _like_rule("full"), "copy": _copy, "ascontiguousarray": _copy, "asfortranarray": _copy,
    "copyto": lambda dst, src, **kw: None, "take_along_axis": _take_along_axis,
    "put_along_axis": lambda arr, indices, values, axis: None, "result_type": _result_type,
    "shape": lambda a: a.shape, "ndim": lambda a: a.ndim, "size": lambda a, axis=None: (
        a.size if axis is None else a.shape[axis]),
    "reshape": lambda a, *args, **kw: a.reshape(kw.get("newshape", kw.get("shape", args[0] if args else None))),
    "ravel": lambda a, order="C": a.ravel(),
}
_REDUCTIONS = frozenset({
    "sum", "prod", "mean", "max", "min", "amax", "amin", "any", "all", "argmax", "argmin", "std", "var",
    "nansum", "nanprod", "nanmean", "nanmax", "nanmin", "nanstd", "nanvar", "nanargmax", "nanargmin",
    "count_nonzero", "ptp", "logsumexp"})
_VIEWS = frozenset({
    "transpose", "swapaxes", "moveaxis", "expand_dims", "squeeze", "broadcast_to", "broadcast_arrays",
    "diagonal", "atleast_1d", "atleast_2d", "atleast_3d", "flip", "real", "imag", "view",
    "split", "array_split", "sliding_window_view"})
_DATA_DEPENDENT = frozenset({"nonzero", "argwhere", "flatnonzero", "unique", "unique_counts", "unique_inverse",
                             "unique_values", "unique_all", "compress", "extract", "array_equal", "allclose",
                             "isclose"})


# --- the array module of meta arrays -----------------------------------------------------------
def _dtype_of(dtype, default=np.float64):
    return np.dtype(default if dtype is None else dtype)


def _creation(default=np.float64):
    def make(shape, dtype=None, order="C", **kwargs):
        return MetaArray(shape, _dtype_of(dtype, default))
    return make


def _full(shape, fill_value, dtype=None, order="C", **kwargs):
    return MetaArray(shape, dtype if dtype is not None else np.asarray(fill_value).dtype)


def _asarray(value, dtype=None, order=None, **kwargs):
    if isinstance(value, MetaArray):
        return value if dtype is None or np.dtype(dtype) == value.dtype else value.astype(dtype)
    if hasattr(value, "shape") and hasattr(value, "dtype"):   # an array of another device: its shape and dtype
        return MetaArray(value.shape, value.dtype if dtype is None else dtype)
    host = np.asarray(value, dtype=dtype)
    return MetaArray(host.shape, host.dtype)


def _array(value, dtype=None, copy=True, **kwargs):
    if isinstance(value, MetaArray):
        return value.astype(value.dtype if dtype is None else dtype)
    return _asarray(value, dtype)


def _arange(*args, dtype=None, **kwargs):
    host = np.arange(*args, dtype=dtype)   # a range's length needs its bounds only; small by nature here
    return MetaArray(host.shape, host.dtype)


def _eye(n, m=None, k=0, dtype=float, **kwargs):
    return MetaArray((n, n if m is None else m), dtype)


class _MetaRandom:
    """``xp.random`` of meta arrays: samplers that only shape their results."""

    def random_sample(self, size=None, dtype=np.float64):
        """Uniform samples: a meta array of ``size``."""
        return MetaArray(() if size is None else size, dtype)

    def standard_normal(self, size=None, dtype=np.float64):
        """Normal samples: a meta array of ``size``."""
        return MetaArray(() if size is None else size, dtype)

    def __getattr__(self, name):
        raise NotImplementedError(f"meta tensors: random.{name} is not available on the meta device")


def _make_namespace():
    space = types.SimpleNamespace(
        zeros=_creation(), ones=_creation(), empty=_creation(), full=_full, asarray=_asarray,
        asanyarray=_asarray, array=_array, ascontiguousarray=_asarray, arange=_arange, eye=_eye,
        random=_MetaRandom(), __name__="minidl.meta_numpy")

    class MetaNumpy(types.ModuleType):
        """NumPy with meta-array creation functions (the array module of the meta device)."""

        def __getattr__(self, name):
            return getattr(np, name)

    module = MetaNumpy("minidl.meta_numpy")
    module.__dict__.update({k: v for k, v in vars(space).items() if k != "__name__"})
    return module


META_NUMPY = _make_namespace()
