"""Stride-1 convolution without a column matrix, for layers with few channels: reference, Numba, dispatch.

``conv2d_direct_forward(x (N,C,H,W), w (O,C/g,kh,kw), padding, dilation, groups, bias=None) -> (N,O,OH,OW)``
and ``conv2d_direct_backward(dy, x, w, ...) -> (dx, dw)`` (``(dx, dw, db)`` with
``need_bias=True``). The Numba kernels fuse the bias into the passes that
already touch the data: the forward kernel starts each output plane at the
bias instead of at zero, and the weight-gradient kernel sums each output
channel's gradient plane (for ``db``) while it is in cache for the weight
gradient, instead of a separate ``y += b`` and ``dy.sum((0, 2, 3))``. There is no CUDA
kernel: device arrays take the vectorised reference, and ``F.conv2d`` sends
them to im2col + cuBLAS anyway (:func:`direct_conv_suited` is False for them).

Im2col pays for a column matrix C*kh*kw times the size of the input; when the
channel counts are small the GEMMs on it are thin and memory-bound, and
building, reading and scattering the matrix costs more than the arithmetic.
"""
from __future__ import annotations

import numpy as np

from minidl import config
from minidl.backend import get_array_module

from . import _numba
from ._dispatch import implementation
from ._numba import REDUCE_MATH, fill, prange, uint64
from .direct_taps import (  # noqa: F401
    _dot_taps3,
    _dot_taps3x2,
    _dot_taps5,
    _dot_taps5x2,
    _gather_taps3,
    _gather_taps3x2,
    _gather_taps5x2,
    _taps3,
    _taps3x2,
    _taps5,
    _taps5x2,
)
from .shapes import DirectConvGeometry, check_float, check_nchw, conv_output_size

__all__ = ["conv2d_direct_forward", "conv2d_direct_backward", "direct_conv_suited",
           "DIRECT_MAX_CHANNELS", "DIRECT_MIN_PLANE"]


# --- 1. NumPy reference (vectorised; written against xp) ------------------------

def _pad(xp, x, g):
    return xp.pad(x, ((0, 0), (0, 0), (g.ph, g.ph), (g.pw, g.pw))) if (g.ph or g.pw) else x


def _forward_numpy(x, w, g, bias=None):
    # y[n, o] = sum_{c, i, j} w[o, c, i, j] * xpad[n, g*Cg + c, i*dh : i*dh+OH, j*dw : j*dw+OW]
    # for o in group k, one tensordot per (group, kernel position).
    xp = get_array_module(x)
    xpad = _pad(xp, x, g)
    og, cg = g.o // g.groups, g.cg
    y = xp.zeros(g.y_shape, dtype=x.dtype)
    for k in range(g.groups):
        for i in range(g.kh):
            for j in range(g.kw):
                block = xpad[:, k * cg:(k + 1) * cg, i * g.dh:i * g.dh + g.oh, j * g.dw:j * g.dw + g.ow]
                part = xp.tensordot(w[k * og:(k + 1) * og, :, i, j], block, axes=([1], [1]))  # (Og, N, OH, OW)
                y[:, k * og:(k + 1) * og] += part.transpose(1, 0, 2, 3)
    if bias is not None:
        y += bias.reshape(1, -1, 1, 1)
    return y


def _backward_numpy(dy, x, w, g, need_input, need_weight, need_bias=False):
    # dw[o, c, i, j] = sum_{n, oy, ox} dy[n, o, oy, ox] * xpad[n, k*Cg + c, oy + i*dh, ox + j*dw];
    # dx is the matching scatter of w[o, c, i, j] * dy into the padded input, cropped.
    xp = get_array_module(dy)
    xpad = _pad(xp, x, g)
    og, cg = g.o // g.groups, g.cg
    gw = xp.zeros(w.shape, dtype=dy.dtype) if need_weight else None
    dxpad = xp.zeros(xpad.shape, dtype=dy.dtype) if need_input else None
    for k in range(g.groups):
        dyk = dy[:, k * og:(k + 1) * og]                                  # (N, Og, OH, OW)
        for i in range(g.kh):
            for j in range(g.kw):
                rows, cols = slice(i * g.dh, i * g.dh + g.oh), slice(j * g.dw, j * g.dw + g.ow)
                if need_weight:
                    block = xpad[:, k * cg:(k + 1) * cg, rows, cols]      # (N, Cg, OH, OW)
                    gw[k * og:(k + 1) * og, :, i, j] = xp.tensordot(dyk, block, axes=([0, 2, 3], [0, 2, 3]))
                if need_input:
                    part = xp.tensordot(dyk, w[k * og:(k + 1) * og, :, i, j], axes=([1], [0]))  # (N, OH, OW, Cg)
                    dxpad[:, k * cg:(k + 1) * cg, rows, cols] += part.transpose(0, 3, 1, 2)
    dx = xp.ascontiguousarray(dxpad[:, :, g.ph:g.ph + g.h, g.pw:g.pw + g.w]) if need_input else None
    if need_bias:
        return dx, gw, dy.sum(axis=(0, 2, 3))
    return dx, gw


# --- 2. Numba CPU kernels ---------------------------------------------------------
# They work on a "wide" layout: every output plane is stored with the padded
# input's row length Wp (columns OW..Wp-1 are junk, or zeros for gradients), so
# output element t = oy*Wp + ox reads padded input element t + i*dh*Wp + j*dw
# for kernel position (i, j). Each (i, j) is then one long contiguous loop over
# t that LLVM vectorises, instead of OH short rows. L = OH*Wp - (kw-1)*dw is
# the last t whose reads stay in the plane.

def _direct_fwd(xpad, w, bias, y, dh, dw, groups):
    # y[n, o] = bias[o] + sum over c, i, j of w[o, c, i, j] * shifted xpad[n, g*Cg + c]: each plane is
    # accumulated in the wide layout in a scratch plane (in cache), whose OW valid columns of each
    # row are then copied into y, so no separate cropping pass over the output is needed. For 3- and
    # 5-wide kernels a work item makes two output planes of one group at once (when the group's output
    # count is even): each input element loaded feeds both.
    n, c, hp, wp = xpad.shape
    o_, cg, kh, kw = w.shape
    oh, ow = y.shape[2], y.shape[3]
    og = o_ // groups
    length = uint64(oh * wp - (kw - 1) * dw)
    per = 2 if (kw == 3 or kw == 5) and og % 2 == 0 else 1
    items = o_ // per
    for q in prange(n * items):
        b = q // items
        o = (q % items) * per
        acc = np.empty(oh * wp, dtype=y.dtype)
        fill(acc, 0, oh * wp, bias[o])
        acc2 = np.empty(oh * wp if per == 2 else 0, dtype=y.dtype)
        if per == 2:
            fill(acc2, 0, oh * wp, bias[o + 1])
        c0 = (o // og) * cg
        for ci in range(cg):
            src = xpad[b, c0 + ci].reshape(-1)
            for i in range(kh):
                row = uint64(i * dh * wp)
                if per == 2 and kw == 3:
                    _taps3x2(acc, acc2, src, row, uint64(dw), w[o, ci, i], w[o + 1, ci, i], length)
                elif per == 2:
                    _taps5x2(acc, acc2, src, row, uint64(dw), w[o, ci, i], w[o + 1, ci, i], length)
                elif kw == 3:        # one pass per kernel row: a third of the stores (LeNet's, TinyVGG's taps)
                    _taps3(acc, src, row, uint64(dw), w[o, ci, i, 0], w[o, ci, i, 1], w[o, ci, i, 2], length)
                elif kw == 5:
                    _taps5(acc, src, row, uint64(dw), w[o, ci, i], length)
                else:
                    for j in range(kw):
                        wv = w[o, ci, i, j]
                        off = row + uint64(j * dw)
                        for t in range(length):
                            acc[t] += wv * src[t + off]
        _crop_plane(acc, y[b, o].reshape(-1), oh, ow, wp)
        if per == 2:
            _crop_plane(acc2, y[b, o + 1].reshape(-1), oh, ow, wp)


def _crop_plane(acc, out, oh, ow, wp):
    """out[r*OW + t] = acc[r*Wp + t] for r < OH, t < OW: a wide scratch plane's valid columns."""
    for r in range(oh):
        src_row, dst_row = uint64(r * wp), uint64(r * ow)
        for t in range(uint64(ow)):
            out[dst_row + t] = acc[src_row + t]


def _widen(dy, dyw, zero):
    # dyw[n, o, r, :OW] = dy[n, o, r], the junk columns OW..Wp-1 = zero (+0); one plane per work item
    n, o_, oh, ow = dy.shape
    wp = dyw.shape[3]
    for q in prange(n * o_):
        b = q // o_
        o = q % o_
        src = dy[b, o]
        dst = dyw[b, o].reshape(-1)
        for r in range(oh):
            row = uint64(r * wp)
            for t in range(uint64(ow)):
                dst[row + t] = src[r, t]
            for t in range(uint64(ow), uint64(wp)):
                dst[row + t] = zero


def _direct_dw(xpad, dyw, gw, gb, want_bias, dh, dw, groups, zero):
    # gw[o, c, i, j] = sum over n, t of dyw[n, o, t] * xpad[n, g*Cg + c, t + i*dh*Wp + j*dw];
    # one (o, c) pair per work item -- two output channels (o, o+1) of a group for 3- and 5-wide
    # kernels, which share each input read -- batch item outermost so that the planes stay in L1
    # across the kh*kw dot products. With want_bias, the item with c = 0 also sums dyw[n, o]
    # (junk columns are 0) into gb[o].
    n, c, hp, wp = xpad.shape
    o_, cg, kh, kw = gw.shape
    oh = dyw.shape[2]
    og = o_ // groups
    length = uint64(oh * wp - (kw - 1) * dw)
    per = 2 if (kw == 3 or kw == 5) and og % 2 == 0 else 1
    items = o_ // per
    for q in prange(items * cg):
        o = (q // cg) * per
        ci = q % cg
        c0 = (o // og) * cg
        sums = np.zeros((per, kh * kw), dtype=np.float64)
        bias_sums = np.zeros(per, dtype=np.float64)
        for b in range(n):
            src = xpad[b, c0 + ci].reshape(-1)
            if want_bias and ci == 0:
                for k in range(per):
                    g = dyw[b, o + k].reshape(-1)
                    part = zero
                    for t in range(g.shape[0]):
                        part += g[t]
                    bias_sums[k] += part
            if per == 2:
                g = dyw[b, o].reshape(-1)
                h = dyw[b, o + 1].reshape(-1)
                for i in range(kh):
                    row = uint64(i * dh * wp)
                    # kw sums for g's plane, then kw for h's (tuples of 6 and 10 are different types)
                    if kw == 3:
                        six = _dot_taps3x2(g, h, src, row, uint64(dw), length, zero)
                        for j in range(3):
                            sums[0, i * 3 + j] += six[j]
                            sums[1, i * 3 + j] += six[3 + j]
                    else:
                        ten = _dot_taps5x2(g, h, src, row, uint64(dw), length, zero)
                        for j in range(5):
                            sums[0, i * 5 + j] += ten[j]
                            sums[1, i * 5 + j] += ten[5 + j]
                continue
            g = dyw[b, o].reshape(-1)
            for i in range(kh):
                row = uint64(i * dh * wp)
                if kw == 3:        # the row's dot products in one pass: g read once
                    three = _dot_taps3(g, src, row, uint64(dw), length, zero)
                    for j in range(3):
                        sums[0, i * 3 + j] += three[j]
                    continue
                if kw == 5:
                    five = _dot_taps5(g, src, row, uint64(dw), length, zero)
                    for j in range(5):
                        sums[0, i * 5 + j] += five[j]
                    continue
                for j in range(kw):
                    off = row + uint64(j * dw)
                    part = zero
                    for t in range(length):
                        part += g[t] * src[t + off]
                    sums[0, i * kw + j] += part
        for k in range(per):
            for i in range(kh):
                for j in range(kw):
                    gw[o + k, ci, i, j] = sums[k, i * kw + j]
            if want_bias and ci == 0:
                gb[o + k] = bias_sums[k]


def _direct_dx(dyw, w, dxpad, dh, dw, groups, zero):
    # dxpad[n, c] (Hp*Wp, flat) gets w[o, c - g*Cg, i, j] * dyw[n, o] shifted by
    # i*dh*Wp + j*dw, for every o of c's group g; one (n, c) plane per work item. For 3- and
    # 5-wide kernels each kernel row is one gathering pass over the plane per pair of o's.
    n, c, hp, wp = dxpad.shape
    o_, cg, kh, kw = w.shape
    oh = dyw.shape[2]
    og = o_ // groups
    length = uint64(oh * wp - (kw - 1) * dw)
    paired = (kw == 3 or kw == 5) and og % 2 == 0
    for q in prange(n * c):
        b = q // c
        ci = q % c
        g0 = (ci // cg) * og
        cl = ci % cg
        acc = dxpad[b, ci].reshape(-1)
        fill(acc, 0, hp * wp, zero)
        if paired:
            for o in range(g0, g0 + og, 2):
                g = dyw[b, o].reshape(-1)
                h = dyw[b, o + 1].reshape(-1)
                for i in range(kh):
                    row = uint64(i * dh * wp)
                    if kw == 3:
                        _gather_taps3x2(acc, g, h, row, uint64(dw), w[o, cl, i], w[o + 1, cl, i], uint64(oh * wp))
                    else:
                        _gather_taps5x2(acc, g, h, row, uint64(dw), w[o, cl, i], w[o + 1, cl, i], uint64(oh * wp))
            continue
        for o in range(g0, g0 + og):
            g = dyw[b, o].reshape(-1)
            for i in range(kh):
                row = uint64(i * dh * wp)
                if kw == 3:        # one gathering pass per kernel row: a third of the stores
                    _gather_taps3(acc, g, row, uint64(dw), w[o, cl, i, 0], w[o, cl, i, 1], w[o, cl, i, 2],
                                  uint64(oh * wp))
                    continue
                for j in range(kw):
                    wv = w[o, cl, i, j]
                    off = row + uint64(j * dw)
                    for t in range(length):
                        acc[t + off] += wv * g[t]


# Inlined into the kernels (compile_kernels): there LLVM sees that the two scratch planes are fresh
# allocations, so the loops need no overlap checks (LeNet's second layer's forward ran about 1.4x faster than with
# separate functions).
_INLINE_HELPERS = ("_taps3x2", "_taps5x2", "_gather_taps3x2", "_gather_taps5x2")
_NUMBA_KERNELS = {"_taps3": dict(cache=True), "_taps5": dict(cache=True), "_crop_plane": dict(cache=True),
                  "_gather_taps3": dict(cache=True),
                  "_dot_taps3": dict(cache=True, fastmath=REDUCE_MATH),
                  "_dot_taps5": dict(cache=True, fastmath=REDUCE_MATH),
                  "_dot_taps3x2": dict(cache=True, fastmath=REDUCE_MATH),
                  "_dot_taps5x2": dict(cache=True, fastmath=REDUCE_MATH),
                  "_direct_fwd": dict(parallel=True, cache=True),
                  "_widen": dict(parallel=True, cache=True),
                  "_direct_dw": dict(parallel=True, cache=True, fastmath=REDUCE_MATH),
                  "_direct_dx": dict(parallel=True, cache=True)}


_numba_compiled = False


def compile_numba():
    """Compile this family's Numba kernels (once; loads them from Numba's cache when it can)."""
    if not _numba_compiled:
        _numba.compile_kernels(globals(), _NUMBA_KERNELS)


def _pad_planes(x, ph, pw):
    """x (N, C, H, W) zero-padded by ph rows and pw columns on each side, C-contiguous."""
    if not (ph or pw):
        return np.ascontiguousarray(x)
    n, c, h, w = x.shape
    out = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=x.dtype)
    out[:, :, ph:ph + h, pw:pw + w] = x
    return out


def _forward_numba(x, w, g, bias=None):
    compile_numba()
    xpad = _pad_planes(x, g.ph, g.pw)
    y = np.empty(g.y_shape, dtype=x.dtype)
    start = np.zeros(g.o, dtype=x.dtype) if bias is None else np.ascontiguousarray(bias, dtype=x.dtype)
    _direct_fwd(xpad, np.ascontiguousarray(w, dtype=x.dtype), start, y, g.dh, g.dw, g.groups)
    return y


def _backward_numba(dy, x, w, g, need_input, need_weight, need_bias=False):
    compile_numba()
    wp = g.w + 2 * g.pw
    zero = dy.dtype.type(0)
    dyw = np.empty((g.n, g.o, g.oh, wp), dtype=dy.dtype)     # junk columns 0
    _widen(dy, dyw, zero)
    gw = dx = gb = None
    if need_bias:
        gb = np.empty(g.o, dtype=dy.dtype)
    if need_weight:
        gw = np.empty(w.shape, dtype=dy.dtype)
        _direct_dw(_pad_planes(x.astype(dy.dtype, copy=False), g.ph, g.pw), dyw, gw,
                   gb if need_bias else np.empty(0, dtype=dy.dtype), need_bias, g.dh, g.dw, g.groups, zero)
    elif need_bias:
        gb = dy.sum(axis=(0, 2, 3))
    if need_input:
        dxpad = np.empty((g.n, g.c, g.h + 2 * g.ph, wp), dtype=dy.dtype)
        _direct_dx(dyw, np.ascontiguousarray(w, dtype=dy.dtype), dxpad, g.dh, g.dw, g.groups, zero)
        dx = np.ascontiguousarray(dxpad[:, :, g.ph:g.ph + g.h, g.pw:g.pw + g.w])
    return (dx, gw, gb) if need_bias else (dx, gw)


# --- 3. dispatch (no CUDA kernel: device arrays take the reference) ----------------

_FORWARD = {"numpy": _forward_numpy, "numba": _forward_numba, "cuda": _forward_numpy}
_BACKWARD = {"numpy": _backward_numpy, "numba": _backward_numba, "cuda": _backward_numpy}


def conv2d_direct_forward(x, w, padding, dilation, groups, bias=None):
    """Stride-1 convolution without a column matrix: x (N, C, H, W), w (O, C/groups, kh, kw) -> (N, O, OH, OW).

    ``y[n, o, oy, ox] = bias[o] + sum_{c, i, j} w[o, c, i, j] * xpad[n, g*C/groups + c, oy + i*dh, ox + j*dw]``
    with o in group g; ``bias`` (O,) is optional (the Numba kernel starts each
    output plane at it, so it costs no extra pass). Meant for layers with few
    channels (see :func:`direct_conv_suited`); CuPy arrays use the vectorised reference.
    """
    check_nchw("conv2d_direct_forward", x)
    check_float("conv2d_direct_forward", x)
    g = DirectConvGeometry.of("conv2d_direct_forward", x.shape, w.shape, padding, dilation, groups)
    if bias is not None and tuple(bias.shape) != (g.o,):
        raise ValueError(f"conv2d_direct_forward: bias shape {tuple(bias.shape)} != ({g.o},) for weight "
                         f"{tuple(w.shape)}")
    return _FORWARD[implementation(x)](x, w, g, bias)


def conv2d_direct_backward(dy, x, w, padding, dilation, groups, need_input=True, need_weight=True,
                           need_bias=False):
    """Gradients of :func:`conv2d_direct_forward`: dy (N, O, OH, OW) -> ``(dx, dw)``, or ``(dx, dw, db)``.

    dx has x's shape, dw w's shape; either is None when not asked for. With
    ``need_bias`` the bias gradient db (O,) = dy summed over (N, OH, OW) comes
    third (the Numba kernel sums it inside the weight-gradient pass).
    """
    check_nchw("conv2d_direct_backward", dy)
    check_float("conv2d_direct_backward", dy)
    g = DirectConvGeometry.of("conv2d_direct_backward", x.shape, w.shape, padding, dilation, groups)
    if tuple(dy.shape) != g.y_shape:
        raise ValueError(f"conv2d_direct_backward: dy shape {tuple(dy.shape)} != expected {g.y_shape} "
                         f"for input {tuple(x.shape)} and weight {tuple(w.shape)}")
    return _BACKWARD[implementation(dy)](dy, x, w, g, need_input, need_weight, need_bias)


# The direct kernels beat im2col + GEMM on CPU only while the GEMMs would be
# thin (few input and output channels) and the planes long enough for the
# vectorised loops (measured by benchmarks/bench_conv_algorithm.py: 2-3x faster
# on LeNet's and TinyVGG's 3-16-channel layers, 1.2-3x slower from 32
# channels on). Since the kernels make two output planes per pass (session 18),
# LeNet's second layer (10x14 wide plane, 140 elements) is faster direct too:
# its two-thread training step took 0.91x the im2col time in that benchmark, and
# LeNet's whole step 0.905x (two threads) and 0.938x (one) of the step with the
# old 256-element floor (benchmarks/ab_constants.py, five process pairs each).
DIRECT_MAX_CHANNELS = 16
DIRECT_MIN_PLANE = 128


def direct_conv_suited(x, w_shape, stride, padding, dilation, groups):
    """Whether :func:`conv2d_direct_forward` is the faster convolution for this layer.

    True for NumPy arrays with the Numba kernels, stride 1, at most
    ``DIRECT_MAX_CHANNELS`` output and per-group input channels and an output
    plane (OH rows of the padded width) of at least ``DIRECT_MIN_PLANE`` elements.
    GPU arrays always use im2col + cuBLAS GEMMs.
    """
    if get_array_module(x) is not np or config.cpu_kernels != "numba" or tuple(stride) != (1, 1):
        return False
    o, cg, kh, kw = (int(v) for v in w_shape)
    if o > DIRECT_MAX_CHANNELS or cg > DIRECT_MAX_CHANNELS:
        return False
    oh = conv_output_size(x.shape[2], kh, 1, padding[0], dilation[0])
    return oh * (int(x.shape[3]) + 2 * int(padding[1])) >= DIRECT_MIN_PLANE
