"""``minidl.fft``: PyTorch's ``torch.fft`` (discrete Fourier transforms), differentiable, on NumPy or CuPy.

Every transform takes PyTorch's arguments: the signal size ``n`` (one axis)
or ``s`` (several), the axes ``dim``, ``norm`` ("backward", the default: no
scaling forward and 1/n on the inverse; "forward": the opposite; "ortho":
1/sqrt(n) both ways) and ``out=``. Dtypes as PyTorch's: float32 input gives
complex64, float64 gives complex128, integer and bool inputs are computed in
the default float type; the real-output inverses (``irfft``, ``hfft``, ...)
return float32/float64. float16 and bfloat16 raise ``RuntimeError`` (PyTorch
supports them on CUDA only).

The n-dimensional transforms apply the one-axis ops of
:mod:`minidl.ops.fft` axis after axis, so gradients of any order flow
through all of them (PyTorch's complex convention).

>>> import minidl as mdl
>>> mdl.fft.fft(mdl.tensor([1.0, 2.0, 3.0, 4.0]))
tensor([10.+0.j, -2.+2.j, -2.+0.j, -2.-2.j])
"""
from __future__ import annotations

import builtins
import functools
import numbers

import numpy as np

from ._out_arg import with_out
from .dtypes import BFLOAT16, default_float, to_numpy_dtype
from .ops.complex import conj_physical as _conj
from .ops.fft import C2C, C2R, R2C, Resize
from .ops.math import cast
from .tensor import Tensor, as_tensor

__all__ = ["fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2", "rfftn",
           "irfftn", "hfft", "ihfft", "hfft2", "ihfft2", "hfftn", "ihfftn", "fftfreq", "rfftfreq", "fftshift",
           "ifftshift"]

_COMPLEX = {np.dtype(np.float32): np.dtype(np.complex64), np.dtype(np.float64): np.dtype(np.complex128)}
_TYPE_NAMES = {"float16": "Half", "bfloat16": "BFloat16", "complex64": "ComplexFloat", "complex128": "ComplexDouble",
               "float32": "Float", "float64": "Double"}


# --- argument checks ---------------------------------------------------------------

def _input(name, input, real_only=False):
    """``input`` as a float32/64 or complex64/128 Tensor (integers and bools in the default float type)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"fft.{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
    dtype = input.array.dtype
    if dtype == BFLOAT16 or dtype == np.float16:
        raise RuntimeError(f"Unsupported dtype {_TYPE_NAMES[dtype.name]}")
    if dtype.kind in "biu":
        input = cast(input, default_float())
    elif real_only and dtype.kind == "c":
        raise RuntimeError(f"{name} expects a real input tensor, but got {_TYPE_NAMES[dtype.name]}")
    return input


def _complex(t):
    """A real Tensor cast to its complex type (recorded: the gradient keeps the real part)."""
    return t if t.array.dtype.kind == "c" else cast(t, _COMPLEX[t.array.dtype])


def _norm(norm):
    if norm is None:
        return "backward"
    if norm not in ("backward", "forward", "ortho"):
        raise RuntimeError(f'Invalid normalization mode: "{norm}"')
    return norm


def _axis(dim, ndim):
    if not isinstance(dim, numbers.Integral) or isinstance(dim, bool):
        raise TypeError(f"fft: dim must be an int, got {type(dim).__name__}")
    if ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    if not -ndim <= dim < ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {dim})")
    return dim % ndim


def _size(n, default):
    if n is None or n == -1:
        return default
    if not isinstance(n, numbers.Integral) or n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")
    return int(n)


def _dims_and_sizes(t, s, dim, default_dims=None):
    """PyTorch's rules for ``s`` and ``dim`` of the n-dimensional transforms: ``(axes, sizes)`` (sizes may hold
    None for "the input's length")."""
    ndim = t.ndim
    if isinstance(s, numbers.Integral):
        s = [s]   # an int ``s`` is a one-element shape, as PyTorch's IntArrayRef reads it
    if dim is not None:
        dims = [dim] if isinstance(dim, numbers.Integral) else list(dim)
        axes = [_axis(d, ndim) for d in dims]
        if len(set(axes)) != len(axes):
            raise RuntimeError("FFT dims must be unique")
        if s is not None and len(s) != len(axes):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
    elif s is not None:
        if len(s) > ndim:
            raise RuntimeError(f"Got shape with {len(s)} values but input tensor only has {ndim} dimensions.")
        axes = list(range(ndim - len(s), ndim))
    elif default_dims is not None:
        axes = [_axis(d, ndim) for d in default_dims]
    else:
        axes = list(range(ndim))
    sizes = [None] * len(axes) if s is None else [None if n == -1 else n for n in s]
    return axes, sizes


def _resized(t, axis, size):
    return t if t.shape[axis] == size else Resize.apply(t, axis=axis, size=size)


# --- one-axis transforms -------------------------------------------------------------

def _c2c(t, axis, n, norm, inverse):
    n = _size(n, t.shape[axis])
    return C2C.apply(_resized(_complex(t), axis, n), axis=axis, norm=norm, inverse=inverse)


def _r2c(t, axis, n, norm):
    n = _size(n, t.shape[axis])
    return R2C.apply(_resized(t, axis, n), axis=axis, norm=norm)


def _c2r(t, axis, n, norm):
    n = _size(n, 2 * (t.shape[axis] - 1))
    if n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")
    return C2R.apply(_resized(_complex(t), axis, n // 2 + 1), axis=axis, norm=norm, n=n)


def _fft(input, n=None, dim=-1, norm=None):
    """The 1-D DFT of ``input`` along ``dim`` (complex output, length ``n``: zero-padded or truncated first)."""
    t = _input("fft", input)
    return _c2c(t, _axis(dim, t.ndim), n, _norm(norm), False)


def _ifft(input, n=None, dim=-1, norm=None):
    """The 1-D inverse DFT of ``input`` along ``dim`` (complex output)."""
    t = _input("ifft", input)
    return _c2c(t, _axis(dim, t.ndim), n, _norm(norm), True)


def _rfft(input, n=None, dim=-1, norm=None):
    """The 1-D DFT of a real ``input``: the ``n // 2 + 1`` non-negative frequencies (complex output)."""
    t = _input("rfft", input, real_only=True)
    return _r2c(t, _axis(dim, t.ndim), n, _norm(norm))


def _irfft(input, n=None, dim=-1, norm=None):
    """The inverse of :func:`rfft`: a real signal of length ``n`` (default ``2 * (input.size(dim) - 1)``)."""
    t = _input("irfft", input)
    return _c2r(t, _axis(dim, t.ndim), n, _norm(norm))


def _hfft(input, n=None, dim=-1, norm=None):
    """The DFT of a Hermitian-symmetric signal given by its first half (``input``): a real spectrum of length
    ``n`` (default ``2 * (input.size(dim) - 1)``); ``irfft`` of the conjugate with the dual scaling."""
    t = _input("hfft", input)
    return _c2r(_conj(_complex(t)), _axis(dim, t.ndim), n, _DUAL[_norm(norm)])


def _ihfft(input, n=None, dim=-1, norm=None):
    """The inverse of :func:`hfft` for a real ``input``: the ``n // 2 + 1`` first bins of its inverse DFT."""
    t = _input("ihfft", input, real_only=True)
    return _conj(_r2c(t, _axis(dim, t.ndim), n, _DUAL[_norm(norm)]))


_DUAL = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


# --- n-dimensional transforms --------------------------------------------------------

def _c2c_n(name, input, s, dim, norm, inverse, default_dims=None):
    t = _input(name, input)
    axes, sizes = _dims_and_sizes(t, s, dim, default_dims)
    norm = _norm(norm)
    t = _complex(t)
    for axis, n in zip(axes, sizes):
        t = _c2c(t, axis, n, norm, inverse)
    return t


def _r2c_n(name, input, s, dim, norm, default_dims=None):
    # PyTorch's texts: rfftn/rfft2 check the dtype first, ihfftn/ihfft2 the s/dim arguments first
    t = _input(name, input)
    dtype = t.array.dtype
    if dtype.kind == "c" and name.startswith("rfft"):
        raise RuntimeError(f"rfftn expects a real-valued input tensor, but got {_TYPE_NAMES[dtype.name]}")
    axes, sizes = _dims_and_sizes(t, s, dim, default_dims)
    if dtype.kind == "c":
        raise RuntimeError(f"Only supports floating-point dtypes, but found: {_TYPE_NAMES[dtype.name]}")
    norm = _norm(norm)
    t = _r2c(t, axes[-1], sizes[-1], norm)   # the half spectrum along the last axis, then full transforms
    for axis, n in zip(axes[:-1], sizes[:-1]):
        t = _c2c(t, axis, n, norm, False)
    return t


def _c2r_n(name, input, s, dim, norm, default_dims=None):
    t = _input(name, input)
    axes, sizes = _dims_and_sizes(t, s, dim, default_dims)
    t = _complex(t)
    for axis, n in zip(axes[:-1], sizes[:-1]):
        t = _c2c(t, axis, n, norm, True)
    return _c2r(t, axes[-1], sizes[-1], norm)


def _fftn(input, s=None, dim=None, norm=None):
    """The n-dimensional DFT over ``dim`` (all dims by default; the last ``len(s)`` when only ``s`` is given)."""
    return _c2c_n("fftn", input, s, dim, norm, False)


def _ifftn(input, s=None, dim=None, norm=None):
    """The n-dimensional inverse DFT over ``dim``."""
    return _c2c_n("ifftn", input, s, dim, norm, True)


def _fft2(input, s=None, dim=(-2, -1), norm=None):
    """The 2-D DFT over ``dim`` (the last two by default)."""
    return _c2c_n("fft2", input, s, dim, norm, False)


def _ifft2(input, s=None, dim=(-2, -1), norm=None):
    """The 2-D inverse DFT over ``dim``."""
    return _c2c_n("ifft2", input, s, dim, norm, True)


def _rfftn(input, s=None, dim=None, norm=None):
    """The n-dimensional DFT of a real input, halved along the last of ``dim``."""
    return _r2c_n("rfftn", input, s, dim, norm)


def _irfftn(input, s=None, dim=None, norm=None):
    """The inverse of :func:`rfftn`: a real output (last transformed size ``2 * (m - 1)`` unless ``s`` says)."""
    return _c2r_n("irfftn", input, s, dim, _norm(norm))


def _rfft2(input, s=None, dim=(-2, -1), norm=None):
    """The 2-D DFT of a real input (:func:`rfftn` over the last two dims by default)."""
    return _r2c_n("rfft2", input, s, dim, norm)


def _irfft2(input, s=None, dim=(-2, -1), norm=None):
    """The inverse of :func:`rfft2`."""
    return _c2r_n("irfft2", input, s, dim, _norm(norm))


def _hfftn(input, s=None, dim=None, norm=None):
    """The n-dimensional DFT of a Hermitian-symmetric signal given by its half (last of ``dim``): real output."""
    t = _input("hfftn", input)
    return _c2r_n("hfftn", _conj(_complex(t)), s, dim, _DUAL[_norm(norm)])


def _ihfftn(input, s=None, dim=None, norm=None):
    """The inverse of :func:`hfftn` for a real input: the conjugate of :func:`rfftn` with the dual scaling."""
    return _conj(_r2c_n("ihfftn", input, s, dim, _DUAL[_norm(norm)]))


def _hfft2(input, s=None, dim=(-2, -1), norm=None):
    """:func:`hfftn` over the last two dims by default."""
    t = _input("hfft2", input)
    return _c2r_n("hfft2", _conj(_complex(t)), s, dim, _DUAL[_norm(norm)])


def _ihfft2(input, s=None, dim=(-2, -1), norm=None):
    """:func:`ihfftn` over the last two dims by default."""
    return _conj(_r2c_n("ihfft2", input, s, dim, _DUAL[_norm(norm)]))


def _out_kind(fn, name, kind):
    """``fn`` with out=, which must be complex (``kind`` "c") or real ("f") as PyTorch's check says."""
    inner = with_out(fn, "fft_" + fn.__name__.lstrip("_"))

    @functools.wraps(inner)
    def wrapper(*args, out=None, **kwargs):
        if out is not None and isinstance(out, Tensor):
            dtype = out.array.dtype
            if kind == "c" and dtype.kind != "c":
                raise RuntimeError(f"{name} expects a complex output tensor, but got "
                                   f"{_TYPE_NAMES.get(dtype.name, dtype.name)}")
            if kind == "f" and dtype.kind == "c":
                raise RuntimeError(f"{name} expects a floating point output tensor, but got "
                                   f"{_TYPE_NAMES.get(dtype.name, dtype.name)}")
        return inner(*args, out=out, **kwargs)

    return wrapper


fft = _out_kind(_fft, "fft", "c")
ifft = _out_kind(_ifft, "ifft", "c")
fft2 = _out_kind(_fft2, "fftn", "c")
ifft2 = _out_kind(_ifft2, "fftn", "c")
fftn = _out_kind(_fftn, "fftn", "c")
ifftn = _out_kind(_ifftn, "fftn", "c")
rfft = _out_kind(_rfft, "rfft", "c")
irfft = _out_kind(_irfft, "irfft", "f")
rfft2 = _out_kind(_rfft2, "rfftn", "c")
irfft2 = _out_kind(_irfft2, "irfftn", "f")
rfftn = _out_kind(_rfftn, "rfftn", "c")
irfftn = _out_kind(_irfftn, "irfftn", "f")
hfft = _out_kind(_hfft, "hfft", "f")
ihfft = _out_kind(_ihfft, "ihfft", "c")
hfft2 = _out_kind(_hfft2, "hfftn", "f")
ihfft2 = _out_kind(_ihfft2, "ihfftn", "c")
hfftn = _out_kind(_hfftn, "hfftn", "f")
ihfftn = _out_kind(_ihfftn, "ihfftn", "c")


# --- frequencies and shifts ----------------------------------------------------------

def _frequencies(values, n, d, dtype, device, requires_grad):
    from .tensor import tensor
    np_dtype = to_numpy_dtype(dtype) or default_float()
    return tensor(values / (builtins.float(d) * n), dtype=np_dtype, device=device, requires_grad=requires_grad)


def _freq_count(name, n):
    if isinstance(n, numbers.Integral) and n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    if not isinstance(n, numbers.Integral):
        raise RuntimeError(f"{name}: n must be a non-negative integer, got {n!r}")
    return int(n)


def fftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """The sample frequencies of an ``n``-point DFT with sample spacing ``d``: ``[0, 1, ..., -2, -1] / (d n)``.

    >>> import minidl as mdl
    >>> mdl.fft.fftfreq(4)
    tensor([ 0.0000,  0.2500, -0.5000, -0.2500])
    """
    n = _freq_count("fftfreq", n)
    values = np.concatenate([np.arange(0, (n - 1) // 2 + 1), np.arange(-(n // 2), 0)]).astype(np.float64)
    result = _frequencies(values, n, d, dtype, device, requires_grad)
    return result if out is None else _write(out, result)


def rfftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """The non-negative sample frequencies of an ``n``-point ``rfft``: ``[0, 1, ..., n // 2] / (d n)``."""
    n = _freq_count("rfftfreq", n)
    result = _frequencies(np.arange(0, n // 2 + 1, dtype=np.float64), n, d, dtype, device, requires_grad)
    return result if out is None else _write(out, result)


def _write(out, result):
    from .tensor_inplace import InplaceMixin  # noqa: F401  (out.copy_ lives there)
    if tuple(out.shape) != tuple(result.shape):
        out.array = out.xp.empty(result.shape, dtype=out.array.dtype)
    out.copy_(result)
    return out


def _shift_dims(input, dim):
    if dim is None:
        return tuple(range(input.ndim))
    dims = (dim,) if isinstance(dim, numbers.Integral) else tuple(dim)
    return tuple(_axis_checked(d, input.ndim) for d in dims)


def _axis_checked(d, ndim):
    if not -max(ndim, 1) <= d < max(ndim, 1):
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(ndim, 1)}, {max(ndim, 1) - 1}], "
                         f"but got {d})")
    return d


def fftshift(input, dim=None):
    """``input`` rolled so that the zero frequency is in the middle of each of ``dim`` (all by default)."""
    input = as_tensor(input)
    dims = _shift_dims(input, dim)
    return input.roll(tuple(input.shape[d] // 2 for d in dims), dims)


def ifftshift(input, dim=None):
    """The inverse of :func:`fftshift`."""
    input = as_tensor(input)
    dims = _shift_dims(input, dim)
    return input.roll(tuple(-(input.shape[d] // 2) for d in dims), dims)
