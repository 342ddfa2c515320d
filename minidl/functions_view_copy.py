"""PyTorch's ``*_copy`` functions: each view op's result as a new tensor that shares no memory with the input
(``view_copy``, ``permute_copy``, ``transpose_copy``, ...), plus ``as_strided`` and ``as_strided_copy``.

Each is differentiable exactly as the view it copies (a recorded view, then a
recorded contiguous copy).

>>> import minidl as mdl
>>> x = mdl.arange(6.0).reshape(2, 3)
>>> y = mdl.t_copy(x)
>>> y.tolist(), y.is_contiguous()
([[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]], True)
"""
from __future__ import annotations

from .ops.as_strided import as_strided
from .tensor import Tensor

__all__ = ["view_copy", "permute_copy", "transpose_copy", "t_copy", "squeeze_copy", "unsqueeze_copy",
           "expand_copy", "diagonal_copy", "select_copy", "slice_copy", "split_copy", "split_with_sizes_copy",
           "unbind_copy", "narrow_copy", "alias_copy", "detach_copy", "unfold_copy", "as_strided",
           "as_strided_copy", "as_strided_"]


def _check(name, input):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input


def _copy(view):
    """A contiguous copy of ``view`` (recorded: the gradient passes through)."""
    from .tensor_layout import contiguous_format
    return view.clone(memory_format=contiguous_format)


def view_copy(input, size):
    """``input.view(size)`` (or ``.view(dtype)`` for a dtype) as a new tensor."""
    _check("view_copy", input)
    if not isinstance(size, (list, tuple)) and not hasattr(size, "__index__"):
        return _copy(input.view(size))
    return _copy(input.view(*size) if isinstance(size, (list, tuple)) else input.view(size))


def permute_copy(input, dims):
    """``input.permute(dims)`` as a new tensor."""
    return _copy(_check("permute_copy", input).permute(*dims))


def transpose_copy(input, dim0, dim1):
    """``input.transpose(dim0, dim1)`` as a new tensor."""
    return _copy(_check("transpose_copy", input).transpose(dim0, dim1))


def t_copy(input):
    """``input.t()`` as a new tensor."""
    return _copy(_check("t_copy", input).t())


def squeeze_copy(input, dim=None):
    """``input.squeeze(dim)`` as a new tensor (``dim``: None, an int or a tuple of ints)."""
    _check("squeeze_copy", input)
    if isinstance(dim, (list, tuple)):
        out = input
        for d in sorted((d % max(input.ndim, 1) for d in dim), reverse=True):
            out = out.squeeze(d)
        return _copy(out)
    return _copy(input.squeeze() if dim is None else input.squeeze(dim))


def unsqueeze_copy(input, dim):
    """``input.unsqueeze(dim)`` as a new tensor."""
    return _copy(_check("unsqueeze_copy", input).unsqueeze(dim))


def expand_copy(input, size, *, implicit=False):
    """``input.expand(size)`` as a new tensor (every element materialised)."""
    return _copy(_check("expand_copy", input).expand(*size))


def diagonal_copy(input, offset=0, dim1=0, dim2=1):
    """``input.diagonal(offset, dim1, dim2)`` as a new tensor."""
    return _copy(_check("diagonal_copy", input).diagonal(offset, dim1, dim2))


def select_copy(input, dim, index):
    """``input.select(dim, index)`` as a new tensor."""
    return _copy(_check("select_copy", input).select(dim, index))


def slice_copy(input, dim=0, start=None, end=None, step=1):
    """``input[..., start:end:step, ...]`` along ``dim`` as a new tensor."""
    _check("slice_copy", input)
    if step <= 0:
        raise RuntimeError(f"slice step must be positive, got step={step}")
    d = dim % max(input.ndim, 1)
    index = (slice(None),) * d + (slice(start, end, step),)
    return _copy(input[index])


def split_copy(input, split_size, dim=0):
    """``input.split(split_size, dim)`` with every piece a new tensor (a tuple)."""
    return tuple(_copy(p) for p in _check("split_copy", input).split(split_size, dim))


def split_with_sizes_copy(input, split_sizes, dim=0):
    """``input.split_with_sizes(split_sizes, dim)`` with every piece a new tensor (a tuple)."""
    return tuple(_copy(p) for p in _check("split_with_sizes_copy", input).split_with_sizes(split_sizes, dim))


def unbind_copy(input, dim=0):
    """``input.unbind(dim)`` with every slice a new tensor (a tuple)."""
    return tuple(_copy(p) for p in _check("unbind_copy", input).unbind(dim))


def narrow_copy(input, dim, start, length):
    """``input.narrow(dim, start, length)`` as a new tensor."""
    return _copy(_check("narrow_copy", input).narrow(dim, start, length))


def alias_copy(input):
    """A copy of ``input`` (the copy form of PyTorch's ``alias``)."""
    return _copy(_check("alias_copy", input))


def detach_copy(input):
    """``input.detach()`` as a new tensor (a copy outside the graph)."""
    return _copy(_check("detach_copy", input).detach())


def unfold_copy(input, dimension, size, step):
    """``input.unfold(dimension, size, step)`` as a new tensor."""
    return _copy(_check("unfold_copy", input).unfold(dimension, size, step))


def as_strided_copy(input, size, stride, storage_offset=None):
    """:func:`as_strided` as a new tensor."""
    return _copy(as_strided(input, size, stride, storage_offset))


def as_strided_(input, size, stride, storage_offset=None):
    """``input`` rebound in place to :func:`as_strided`'s view of its storage; returns ``input``."""
    return _check("as_strided_", input).as_strided_(size, stride, storage_offset)


def view_as_real_copy(input):
    """:func:`minidl.view_as_real` as a new tensor: complex (...) -> real (..., 2) (real, imaginary parts)."""
    from .ops.complex import view_as_real
    return _copy(view_as_real(input))


def view_as_complex_copy(input):
    """:func:`minidl.view_as_complex` as a new tensor: real (..., 2) -> complex (...)."""
    from .ops.complex import view_as_complex
    return _copy(view_as_complex(input))


__all__ += ["view_as_real_copy", "view_as_complex_copy"]
