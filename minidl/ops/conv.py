"""Linear layers and 2-D convolution by im2col + one GEMM per group.

Convolution (cross-correlation, like PyTorch) of x (N, C, H, W) with
w (O, C/g, kh, kw):

    cols = im2col(x)                      (C*kh*kw, N*OH*OW)
    y    = w.reshape(O, -1) @ cols        (O, N*OH*OW), one GEMM per group
    dW   = dy2 @ cols.T,  dcols = W.T @ dy2,  dx = col2im(dcols)

where dy2 is dy laid out as (O, N*OH*OW). ``minidl.kernels`` provides
im2col/col2im for the array's device.
"""
from __future__ import annotations

from .. import kernels
from ..autograd import Function
from ..backend import get_array_module

__all__ = ["linear", "conv2d", "pair"]


def pair(v, name="argument"):
    """``v`` as an (h, w) pair of ints (an int is used for both)."""
    if isinstance(v, int):
        return (v, v)
    v = tuple(int(i) for i in v)
    if len(v) != 2:
        raise ValueError(f"{name} must be an int or a pair of ints, got {v}")
    return v


class Linear(Function):
    """y = x @ W^T + b for x (..., in); dx = g @ W, dW = g^T x, db = sum(g)."""

    def forward(self, x, w, b=None):
        self.x, self.w = x, w
        y = x @ w.T
        if b is not None:
            y += b
        return y

    def backward(self, g):
        x = self.x
        gx = g @ self.w if self.needs_input_grad[0] else None
        g2 = g.reshape(-1, g.shape[-1])
        gw = g2.T @ x.reshape(-1, x.shape[-1]) if self.needs_input_grad[1] else None
        gb = g2.sum(axis=0) if self.needs_input_grad[2] else None
        return gx, gw, gb


class Conv2d(Function):
    """2-D cross-correlation through im2col and one GEMM per group."""

    def forward(self, x, w, b=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
        xp = get_array_module(x)
        N, C, H, W = x.shape
        O, Cg, kh, kw = w.shape
        kernel = (kh, kw)
        OH = kernels.conv_output_size(H, kh, stride[0], padding[0], dilation[0])
        OW = kernels.conv_output_size(W, kw, stride[1], padding[1], dilation[1])
        x = xp.ascontiguousarray(x)
        cols = kernels.im2col(x, kernel, stride, padding, dilation)   # (C*kh*kw, N*P)
        w2 = w.reshape(O, Cg * kh * kw)
        if groups == 1:
            y2 = w2 @ cols
        else:
            Og, Kg = O // groups, Cg * kh * kw
            y2 = xp.empty((O, cols.shape[1]), dtype=x.dtype)
            for g in range(groups):
                xp.matmul(w2[g * Og:(g + 1) * Og], cols[g * Kg:(g + 1) * Kg], out=y2[g * Og:(g + 1) * Og])
        # (O, N, P) -> (N, O, P), adding the bias in the same pass
        y = xp.empty((N, O, OH * OW), dtype=x.dtype)
        src = y2.reshape(O, N, OH * OW).transpose(1, 0, 2)
        if b is None:
            y[...] = src
        else:
            xp.add(src, b.reshape(1, O, 1), out=y)
        self.cols, self.w, self.groups = cols, w, groups
        self.x_shape, self.geometry = x.shape, (kernel, stride, padding, dilation)
        return y.reshape(N, O, OH, OW)

    def backward(self, g):
        xp = get_array_module(g)
        w, cols, groups = self.w, self.cols, self.groups
        O, Cg, kh, kw = w.shape
        g3 = g.reshape(g.shape[0], O, -1)
        g2 = xp.ascontiguousarray(g3.transpose(1, 0, 2)).reshape(O, -1)   # (O, N*P)
        w2 = w.reshape(O, -1)
        Og, Kg = O // groups, Cg * kh * kw
        gx = gw = gb = None
        if self.needs_input_grad[1]:
            # dW^T = cols @ dy2^T: OpenBLAS runs this long-K product several times faster
            # than dy2 @ cols^T (measured in benchmarks/bench_gemm_layout.py)
            gw_t = xp.empty((Kg * groups, Og), dtype=g.dtype)
            for k in range(groups):
                xp.matmul(cols[k * Kg:(k + 1) * Kg], g2[k * Og:(k + 1) * Og].T, out=gw_t[k * Kg:(k + 1) * Kg])
            gw = xp.ascontiguousarray(gw_t.reshape(groups, Kg, Og).transpose(0, 2, 1)).reshape(w.shape)
        if len(self.needs_input_grad) > 2 and self.needs_input_grad[2]:
            gb = g3.sum(axis=(0, 2))
        if self.needs_input_grad[0]:
            if groups == 1:
                gcols = w2.T @ g2
            else:
                gcols = xp.empty(cols.shape, dtype=g.dtype)
                for k in range(groups):
                    xp.matmul(w2[k * Og:(k + 1) * Og].T, g2[k * Og:(k + 1) * Og], out=gcols[k * Kg:(k + 1) * Kg])
            gx = kernels.col2im(gcols, self.x_shape, *self.geometry)
        return gx, gw, gb


def linear(x, weight, bias=None):
    """y = x @ weight.T + bias; x (..., in), weight (out, in), bias (out,) -> (..., out)."""
    if x.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: input has {x.shape[-1]} features (shape {x.shape}) but the weight "
                         f"expects {weight.shape[1]} (weight shape {weight.shape})")
    return Linear.apply(x, weight, bias)


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution: x (N, C, H, W), weight (O, C/groups, kh, kw), bias (O,) -> (N, O, OH, OW).

    OH = floor((H + 2*ph - dh*(kh-1) - 1) / sh) + 1, likewise OW (PyTorch's formula).
    """
    stride, padding, dilation = pair(stride, "stride"), pair(padding, "padding"), pair(dilation, "dilation")
    if x.ndim != 4:
        raise ValueError(f"conv2d: expected a 4-D input (N, C, H, W), got shape {x.shape}")
    if weight.ndim != 4:
        raise ValueError(f"conv2d: expected a 4-D weight (O, C/groups, kh, kw), got shape {weight.shape}")
    O, Cg = weight.shape[:2]
    if groups < 1 or O % groups:
        raise ValueError(f"conv2d: out_channels {O} must be divisible by groups={groups}")
    if x.shape[1] != Cg * groups:
        raise ValueError(f"conv2d: input has {x.shape[1]} channels (shape {x.shape}) but the weight "
                         f"{weight.shape} with groups={groups} expects {Cg * groups}")
    if bias is not None and tuple(bias.shape) != (O,):
        raise ValueError(f"conv2d: bias shape {bias.shape} does not match out_channels {O}")
    if min(stride) < 1 or min(dilation) < 1 or min(padding) < 0:
        raise ValueError(f"conv2d: stride {stride} and dilation {dilation} must be >= 1, padding {padding} >= 0")
    for dim, (size, k, s, p, d) in enumerate(zip(x.shape[2:], weight.shape[2:], stride, padding, dilation)):
        if size + 2 * p < d * (k - 1) + 1:
            raise ValueError(f"conv2d: input {x.shape} padded by {padding} is smaller than the "
                             f"dilated kernel {tuple(weight.shape[2:])} (dilation {dilation})")
    return Conv2d.apply(x, weight, bias, stride=stride, padding=padding, dilation=dilation, groups=groups)
