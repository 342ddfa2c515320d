"""PyTorch's ``memory_format`` and ``layout`` objects, and the stride rules behind them.

``minidl.contiguous_format``, ``minidl.channels_last`` (NHWC order in memory
for an (N, C, H, W) tensor), ``minidl.channels_last_3d`` (NDHWC for 5-D) and
``minidl.preserve_format`` are the instances of :class:`memory_format`;
``minidl.strided`` is the one :class:`layout` minidl has (dense arrays with
strides). A tensor's shape and values never depend on its memory format:
only ``stride()`` and ``is_contiguous(memory_format=...)`` do, as in PyTorch.

>>> import minidl as mdl
>>> x = mdl.zeros(2, 3, 4, 5).to(memory_format=mdl.channels_last)
>>> x.shape, x.stride(), x.is_contiguous(), x.is_contiguous(memory_format=mdl.channels_last)
(minidl.Size([2, 3, 4, 5]), (60, 1, 15, 3), False, True)
"""
from __future__ import annotations

from .backend import get_array_module

__all__ = ["memory_format", "contiguous_format", "channels_last", "channels_last_3d", "preserve_format",
           "layout", "strided"]


class _NamedConstant:
    """A type whose only instances are module constants, named ``minidl.<name>``, as PyTorch's."""

    __slots__ = ("_name",)

    def __new__(cls, *args, **kwargs):
        raise TypeError(f"cannot create 'minidl.{cls.__name__}' instances")

    @classmethod
    def _make(cls, name):
        obj = object.__new__(cls)
        obj._name = name
        return obj

    def __repr__(self):
        return f"minidl.{self._name}"

    def __reduce__(self):
        return self._name


class memory_format(_NamedConstant):
    """How a tensor's elements are ordered in memory (PyTorch's ``torch.memory_format``).

    The four instances are module constants; the type cannot be instantiated
    from Python, as in PyTorch.
    """

    __slots__ = ()


contiguous_format = memory_format._make("contiguous_format")
channels_last = memory_format._make("channels_last")
channels_last_3d = memory_format._make("channels_last_3d")
preserve_format = memory_format._make("preserve_format")


class layout(_NamedConstant):
    """How a tensor's data is stored (PyTorch's ``torch.layout``); minidl has only ``minidl.strided``."""

    __slots__ = ()


strided = layout._make("strided")

# dimension order from outermost to innermost in memory, for each format (None: C order)
_ORDERS = {4: (0, 2, 3, 1), 5: (0, 2, 3, 4, 1)}
_RANK = {"channels_last": 4, "channels_last_3d": 5}


def check_format(fmt, what="memory_format"):
    """``fmt`` if it is a :class:`memory_format` (or None), else a TypeError naming it."""
    if fmt is not None and not isinstance(fmt, memory_format):
        raise TypeError(f"{what} must be a minidl.memory_format (e.g. minidl.channels_last), "
                        f"got {type(fmt).__name__} {fmt!r}")
    return fmt


def _order_for(fmt, ndim):
    """The memory order of ``fmt`` for an array of ``ndim`` dims, or a RuntimeError for the wrong rank."""
    rank = _RANK.get(fmt._name)
    if rank is None:
        return tuple(range(ndim))
    if ndim != rank:
        raise RuntimeError(f"required rank {rank} tensor to use {fmt._name} format")
    return _ORDERS[rank]


def element_strides(array):
    """``array``'s strides in elements (PyTorch's ``stride()``)."""
    itemsize = array.dtype.itemsize
    return tuple(int(s) // itemsize for s in array.strides)


def is_contiguous_as(array, fmt):
    """True when ``array`` is laid out densely in ``fmt``'s order (sizes of 1 do not count, as in PyTorch)."""
    if fmt is None or fmt is contiguous_format or fmt is preserve_format:
        return bool(array.flags.c_contiguous)
    rank = _RANK[fmt._name]
    if array.ndim != rank:
        return False
    strides, shape = element_strides(array), array.shape
    expected = 1
    for d in reversed(_ORDERS[rank]):
        if shape[d] != 1:
            if strides[d] != expected:
                return False
            expected *= shape[d]
    return True


def _is_dense(array):
    """True when ``array`` covers its memory without gaps or overlaps (some permutation of C order)."""
    strides, shape = element_strides(array), array.shape
    expected = 1
    for d in sorted((d for d in range(array.ndim) if shape[d] != 1), key=lambda d: strides[d]):
        if strides[d] != expected:
            return False
        expected *= shape[d]
    return True


def _strides_like(array, order):
    """PyTorch's ``is_channels_last_strides_2d``/``_3d`` test: the strides grow along ``order`` (innermost
    first), with its tie-breaks for dims of size 1 (ambiguous cases count as contiguous)."""
    shape, strides = array.shape, element_strides(array)
    if strides[1] == 0:
        return False
    smallest = 0
    for d in order:
        if shape[d] == 0 or strides[d] < smallest:
            return False
        if d == 0 and smallest == strides[1]:
            return False
        smallest = strides[d] * (shape[d] if shape[d] > 1 else 1)
    return True


def suggest_format(array):
    """PyTorch's ``suggest_memory_format``: channels_last(_3d) when the strides are ordered that way, else
    contiguous."""
    if array.ndim == 4 and _strides_like(array, (1, 3, 2, 0)):
        return channels_last
    if array.ndim == 5 and _strides_like(array, (1, 4, 3, 2, 0)):
        return channels_last_3d
    return contiguous_format


def relayout(array, fmt):
    """A copy of ``array`` with the same shape and values, laid out in ``fmt`` (``preserve_format``: keep the
    strides of a dense array, else the suggested format)."""
    xp = get_array_module(array)
    if fmt is preserve_format:
        if _is_dense(array):
            return xp.array(array, order="K", copy=True)
        fmt = suggest_format(array)
    order = _order_for(fmt, array.ndim)
    if order == tuple(range(array.ndim)):
        return xp.array(array, order="C", copy=True)
    strides, step = [0] * array.ndim, 1
    for d in reversed(order):   # PyTorch's strides, also for dims of size 1
        strides[d] = step * array.dtype.itemsize
        step *= max(array.shape[d], 1)
    out = xp.lib.stride_tricks.as_strided(xp.empty(step, dtype=array.dtype), array.shape, tuple(strides))
    out[...] = array
    return out


def relayout_module(module, fmt):
    """``Module.to(memory_format=fmt)``: every 4-D/5-D parameter, its gradient and buffer laid out in ``fmt``,
    in place (the Parameter objects stay the same), as PyTorch's ``Module.to``."""
    check_format(fmt)
    if fmt is preserve_format:
        return
    for sub in module.modules():
        tensors = [p for p in sub._parameters.values() if p is not None]
        tensors += [p.grad for p in tensors if p.grad is not None]
        tensors += [b for b in sub._buffers.values() if b is not None]
        for t in tensors:
            if t.array.ndim in (4, 5) and not is_contiguous_as(t.array, fmt):
                t.array = relayout(t.array, fmt)


def laid_out_like(array, template, fmt=None):
    """``array`` (a fresh array of ``template``'s shape) laid out as PyTorch's ``*_like`` functions lay out their
    result: ``fmt`` None or ``preserve_format`` copies ``template``'s strides when it is dense (else its
    suggested format); another format lays it out that way."""
    check_format(fmt)
    if fmt is None or fmt is preserve_format:
        if template.flags.c_contiguous or array.ndim < 2:
            return array
        if _is_dense(template):
            order = sorted(range(template.ndim), key=lambda d: -element_strides(template)[d])
            inverse = sorted(range(template.ndim), key=lambda i: order[i])
            xp = get_array_module(array)
            return xp.ascontiguousarray(array.transpose(order)).transpose(inverse)
        fmt = suggest_format(template)
    if is_contiguous_as(array, fmt) and fmt is contiguous_format:
        return array
    return relayout(array, fmt)
