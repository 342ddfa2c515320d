"""Output-size rules, argument checks and the geometry records every kernel family shares.

A dispatch function checks its arguments once, here, and passes one small
immutable record (a ``NamedTuple``) down to whichever implementation runs; so
every error message below exists in one place only. (The records are built with
``tuple.__new__``, which skips the keyword handling of the generated
constructor: they are made on every kernel call.)

- :class:`ConvGeometry`: im2col/col2im (``(N, C, H, W)``, kernel, stride, padding, dilation, ``(OH, OW)``)
- :class:`DirectConvGeometry`: the stride-1 direct convolution (adds ``O``, ``C/groups``, ``groups``)
- :class:`PoolGeometry`: max/average pooling
- :class:`ChannelGeometry`: the per-channel batch-norm helpers (``(N, C, HW)`` views)
"""
from __future__ import annotations

from typing import NamedTuple

__all__ = ["conv_output_size", "pool_output_size", "pair", "check_nchw", "check_float", "check_same",
           "check_out", "ConvGeometry", "DirectConvGeometry", "PoolGeometry", "ChannelGeometry"]


def pair(value, name="argument"):
    """Return ``value`` as a ``(h, w)`` tuple of Python ints (an int means both)."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or an (h, w) pair, got {value!r}")
        return int(value[0]), int(value[1])
    return int(value), int(value)


def conv_output_size(size, kernel, stride, padding, dilation) -> int:
    """Output length of a convolution along one axis.

    ``floor((size + 2*padding - dilation*(kernel-1) - 1) / stride) + 1``; raises
    ValueError when that is < 1 or an argument is out of range.
    """
    size, kernel, stride, padding, dilation = (int(v) for v in (size, kernel, stride, padding, dilation))
    if kernel < 1 or stride < 1 or dilation < 1 or padding < 0:
        raise ValueError(f"conv: need kernel >= 1, stride >= 1, dilation >= 1, padding >= 0; got "
                         f"kernel={kernel}, stride={stride}, dilation={dilation}, padding={padding}")
    out = (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1
    if out < 1:
        raise ValueError(f"conv: input size {size} with padding {padding} is smaller than the "
                         f"dilated kernel {dilation * (kernel - 1) + 1} (output size would be {out})")
    return out


def pool_output_size(size, kernel, stride, padding, ceil_mode) -> int:
    """Output length of a pooling window along one axis, with PyTorch's rule.

    ``floor`` (or ``ceil`` when ``ceil_mode``) of ``(size + 2*padding - kernel) / stride``
    plus 1; in ceil mode the last window must start inside the input or the left
    padding, else it is dropped. Requires ``padding <= kernel // 2``.
    """
    size, kernel, stride, padding = (int(v) for v in (size, kernel, stride, padding))
    if kernel < 1 or stride < 1 or padding < 0:
        raise ValueError(f"pool: need kernel >= 1, stride >= 1, padding >= 0; got "
                         f"kernel={kernel}, stride={stride}, padding={padding}")
    if padding > kernel // 2:
        raise ValueError(f"pool: padding ({padding}) should be at most half the kernel size ({kernel})")
    span = size + 2 * padding - kernel
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    if out < 1:
        raise ValueError(f"pool: input size {size} with padding {padding} is smaller than the "
                         f"kernel {kernel} (output size would be {out})")
    return out


def check_nchw(name, x):
    """Raise ValueError unless ``x`` is a 4-D (N, C, H, W) array."""
    if getattr(x, "ndim", None) != 4:
        raise ValueError(f"{name}: expected a 4-D (N, C, H, W) array, got shape "
                         f"{getattr(x, 'shape', type(x).__name__)}")


def check_float(name, x):
    """Raise ValueError unless ``x`` is float32 or float64."""
    if x.dtype.kind != "f" or x.dtype.itemsize not in (4, 8):
        raise ValueError(f"{name}: expected float32 or float64, got {x.dtype}")


def check_same(name, a, b):
    """Raise ValueError unless arrays ``a`` and ``b`` have the same shape and dtype."""
    if tuple(a.shape) != tuple(b.shape) or a.dtype != b.dtype:
        raise ValueError(f"{name}: arrays differ: {a.dtype} {tuple(a.shape)} vs {b.dtype} {tuple(b.shape)}")


def check_out(name, out, shape, dtype):
    """Raise ValueError unless ``out`` is a C-contiguous buffer of ``shape`` and ``dtype``."""
    if tuple(out.shape) != tuple(shape) or out.dtype != dtype or not out.flags.c_contiguous:
        raise ValueError(f"{name}: out= must be a C-contiguous {dtype} array of shape {tuple(shape)}, "
                         f"got {out.dtype} {tuple(out.shape)} (contiguous={out.flags.c_contiguous})")


class ConvGeometry(NamedTuple):
    """A convolution window layout: input (N, C, H, W), kernel, stride, padding, dilation, output (OH, OW)."""

    n: int
    c: int
    h: int
    w: int
    kh: int
    kw: int
    sh: int
    sw: int
    ph: int
    pw: int
    dh: int
    dw: int
    oh: int
    ow: int

    @classmethod
    def of(cls, name, x_shape, kernel, stride, padding, dilation):
        """Check the arguments of kernel ``name`` and compute the output size."""
        if len(x_shape) != 4:
            raise ValueError(f"{name}: expected a 4-D (N, C, H, W) shape, got {tuple(x_shape)}")
        n, c, h, w = (int(v) for v in x_shape)
        kh, kw = pair(kernel, "kernel")
        sh, sw = pair(stride, "stride")
        ph, pw = pair(padding, "padding")
        dh, dw = pair(dilation, "dilation")
        try:
            oh = conv_output_size(h, kh, sh, ph, dh)
            ow = conv_output_size(w, kw, sw, pw, dw)
        except ValueError as exc:
            raise ValueError(f"{name} on input {tuple(x_shape)}, kernel {(kh, kw)}: {exc}") from None
        return tuple.__new__(cls, (n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow))   # cls(...), 8x cheaper

    @property
    def x_shape(self):
        """(N, C, H, W)."""
        return (self.n, self.c, self.h, self.w)

    @property
    def cols_shape(self):
        """(N*OH*OW, C*kh*kw): the column matrix."""
        return (self.n * self.oh * self.ow, self.c * self.kh * self.kw)

    @property
    def reach(self):
        """(rows, columns) of the padded input that the windows reach."""
        return ((self.oh - 1) * self.sh + (self.kh - 1) * self.dh + 1,
                (self.ow - 1) * self.sw + (self.kw - 1) * self.dw + 1)


class DirectConvGeometry(NamedTuple):
    """A stride-1 convolution: input (N, C, H, W), weight (O, C/groups, kh, kw), output (OH, OW)."""

    n: int
    c: int
    h: int
    w: int
    o: int
    cg: int
    kh: int
    kw: int
    ph: int
    pw: int
    dh: int
    dw: int
    oh: int
    ow: int
    groups: int

    @classmethod
    def of(cls, name, x_shape, w_shape, padding, dilation, groups):
        """Check a stride-1 convolution; O must be divisible by ``groups`` and C == C/groups * groups."""
        if len(w_shape) != 4:
            raise ValueError(f"{name}: expected a 4-D (O, C/groups, kh, kw) weight shape, got {tuple(w_shape)}")
        o, cg, kh, kw = (int(v) for v in w_shape)
        groups = int(groups)
        g = ConvGeometry.of(name, x_shape, (kh, kw), 1, padding, dilation)
        if groups < 1 or o % groups or g.c != cg * groups:
            raise ValueError(f"{name}: input {tuple(x_shape)} and weight {tuple(w_shape)} do not fit "
                             f"groups={groups} (need C == C/groups * groups and O divisible by groups)")
        return tuple.__new__(cls, (g.n, g.c, g.h, g.w, o, cg, kh, kw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow, groups))

    @property
    def y_shape(self):
        """(N, O, OH, OW)."""
        return (self.n, self.o, self.oh, self.ow)


class PoolGeometry(NamedTuple):
    """A pooling window layout: input (N, C, H, W), kernel, stride, padding, output (OH, OW)."""

    n: int
    c: int
    h: int
    w: int
    kh: int
    kw: int
    sh: int
    sw: int
    ph: int
    pw: int
    oh: int
    ow: int

    @classmethod
    def of(cls, name, x_shape, kernel, stride, padding, ceil_mode):
        """Check pooling arguments (``stride=None`` means stride = kernel, as in PyTorch)."""
        if len(x_shape) != 4:
            raise ValueError(f"{name}: expected a 4-D (N, C, H, W) shape, got {tuple(x_shape)}")
        n, c, h, w = (int(v) for v in x_shape)
        kh, kw = pair(kernel, "kernel")
        sh, sw = pair(kernel if stride is None else stride, "stride")
        ph, pw = pair(padding, "padding")
        try:
            oh = pool_output_size(h, kh, sh, ph, ceil_mode)
            ow = pool_output_size(w, kw, sw, pw, ceil_mode)
        except ValueError as exc:
            raise ValueError(f"{name} on input {tuple(x_shape)}, kernel {(kh, kw)}: {exc}") from None
        return tuple.__new__(cls, (n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow))

    @property
    def x_shape(self):
        """(N, C, H, W)."""
        return (self.n, self.c, self.h, self.w)

    @property
    def y_shape(self):
        """(N, C, OH, OW)."""
        return (self.n, self.c, self.oh, self.ow)


class ChannelGeometry(NamedTuple):
    """The (N, C, HW) view the per-channel kernels work on (HW = 1 for 2-D input)."""

    n: int
    c: int
    hw: int

    @classmethod
    def of(cls, name, x, *vectors):
        """Check a (N, C) or (N, C, H, W) float array and per-channel (C,) vectors of its dtype."""
        if getattr(x, "ndim", None) not in (2, 4):
            raise ValueError(f"{name}: expected a (N, C) or (N, C, H, W) array, got shape "
                             f"{getattr(x, 'shape', type(x).__name__)}")
        check_float(name, x)
        n, c = int(x.shape[0]), int(x.shape[1])
        hw = int(x.shape[2] * x.shape[3]) if x.ndim == 4 else 1
        for v in vectors:
            if tuple(v.shape) != (c,):
                raise ValueError(f"{name}: per-channel vector of shape {tuple(v.shape)} does not match "
                                 f"{c} channels of x {tuple(x.shape)}")
            if v.dtype != x.dtype:
                raise ValueError(f"{name}: per-channel vector dtype {v.dtype} != x dtype {x.dtype}")
        return tuple.__new__(cls, (n, c, hw))
