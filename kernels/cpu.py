"""Numba CPU kernels (``@njit(parallel=True, cache=True)``), compiled lazily.

Every kernel splits its work with ``prange`` over a dimension whose writes do
not overlap: im2col over blocks of rows of the column matrix (one batch item,
a few output rows), col2im over (batch item, channel block) pieces of dx, the
per-channel reductions over channels, everything else over (n, c) planes, so
no two threads touch the same output element. Inner loops run along the last
axis, which keeps reads and writes contiguous when stride is 1; the conv
kernels go through a small channels-last staging buffer so that their inner
loops run over channels (see ``_im2col``).

The Python wrappers validate arguments (through :mod:`.shapes`), allocate the
outputs and hand C-contiguous arrays to the kernels; their signatures match
:mod:`.reference`.
"""
from __future__ import annotations

import os

# A conv net alternates these kernels with BLAS GEMMs on the same cores. An
# OpenMP pool that spins after each parallel region (libgomp's default) steals
# the cores the next GEMM needs; measured on 2 cores, an im2col + 3 GEMM +
# col2im step took 60 ms with spinning workers and 50 ms with passive ones
# (36 ms when OpenBLAS is also told not to spin, OPENBLAS_THREAD_TIMEOUT=4,
# which must be set before NumPy loads). libgomp reads this when Numba first
# starts its OpenMP pool, which happens after this import; a value the user
# set wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import numba  # noqa: E402
from numba import njit, prange, uint64  # noqa: E402

from .reference import check_cols_out, check_out
from .shapes import (channel_view_shape, check_float, check_nchw, check_same, conv_geometry,
                     direct_conv_geometry, pool_geometry)

__all__ = ["im2col", "col2im", "conv2d_direct_forward", "conv2d_direct_backward", "maxpool2d_forward", "maxpool2d_backward",
           "avgpool2d_forward", "avgpool2d_backward", "bias_relu_forward", "bias_relu_backward",
           "channel_mean_var", "channel_sum_dot", "channel_affine", "channel_combine"]


@njit(cache=True)
def _valid_range(offset, stride, count, size):
    """Range [lo, hi) of o in [0, count) with 0 <= o*stride + offset < size (lo <= hi)."""
    lo = 0
    if offset < 0:
        lo = (-offset + stride - 1) // stride
    hi = 0
    if size - 1 - offset >= 0:
        hi = (size - 1 - offset) // stride + 1
    hi = min(hi, count)
    lo = min(lo, hi)
    return lo, hi


# The inner loops below index with unsigned integers: Numba's signed indexing
# adds a negative-index wraparound branch that stops LLVM from vectorising the
# loop (measured 3x slower on im2col). Every caller guarantees the indices are
# in range and the counts non-negative.

@njit(cache=True)
def _fill(dst, d0, count, value):
    """dst[d0:d0+count] = value."""
    d0 = uint64(d0)
    for t in range(uint64(count)):
        dst[d0 + t] = value


@njit(cache=True)
def _gather(dst, d0, src, s0, step, count):
    """dst[d0 + t] = src[s0 + t*step] for t in range(count)."""
    d0, s0 = uint64(d0), uint64(s0)
    if step == 1:  # the common case: a contiguous copy LLVM turns into vector moves
        for t in range(uint64(count)):
            dst[d0 + t] = src[s0 + t]
        return
    step = uint64(step)
    for t in range(uint64(count)):
        dst[d0 + t] = src[s0 + t * step]


@njit(cache=True)
def _gather_add(dst, d0, src, s0, step, count):
    """dst[d0 + t] += src[s0 + t*step] for t in range(count)."""
    d0, s0, step = uint64(d0), uint64(s0), uint64(step)
    for t in range(uint64(count)):
        dst[d0 + t] += src[s0 + t * step]


@njit(cache=True)
def _scatter_add(dst, d0, step, src, s0, count):
    """dst[d0 + t*step] += src[s0 + t] for t in range(count)."""
    d0, s0, step = uint64(d0), uint64(s0), uint64(step)
    for t in range(uint64(count)):
        dst[d0 + t * step] += src[s0 + t]


@njit(cache=True)
def _stage_rows(x, b, ya, nrows, wp, pw, buf):
    """buf[r, t, ch] = xpad[b, ch, ya + r, t - pw] (zero outside x) for r < nrows, t < wp.

    The input rows one block of output rows reads, channels last, so that the
    channels of one (row, column) are contiguous.
    """
    c, h, w = x.shape[1], x.shape[2], x.shape[3]
    uc = uint64(c)
    x0 = min(pw, wp)           # staged columns [x0, x1) come from the input
    x1 = min(w + pw, wp)
    for r in range(nrows):
        y = ya + r
        base = uint64(r * wp * c)
        if y < 0 or y >= h:
            _fill(buf, base, wp * c, 0)
            continue
        _fill(buf, base, x0 * c, 0)
        _fill(buf, base + uint64(x1 * c), (wp - x1) * c, 0)
        for ch in range(uc):
            src = x[b, ch, y]
            d0 = base + uint64(x0) * uc + ch
            s0 = uint64(x0 - pw)
            for t in range(uint64(x1 - x0)):
                buf[d0 + t * uc] = src[s0 + t]


@njit(parallel=True, cache=True)
def _im2col(x, cols, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, block):
    # cols: flat (N*OH*OW) x (C*kh*kw). Work item q = (b, block of ``block``
    # output rows): its rows of cols are one contiguous range, written once.
    # The input rows the block reads are first staged channels-last in a small
    # buffer; then each cols row is kh*kw runs over channels, read contiguous
    # from the buffer and written with stride kh*kw.
    n, c = x.shape[0], x.shape[1]
    k = c * kh * kw
    khw = uint64(kh * kw)
    uc = uint64(c)
    wp = (ow - 1) * sw + (kw - 1) * dw + 1      # padded columns the windows reach
    nblk = (oh + block - 1) // block
    for q in prange(n * nblk):
        b = q // nblk
        oy0 = (q % nblk) * block
        oy1 = min(oy0 + block, oh)
        ya = oy0 * sh - ph                       # first input row read (may be padding)
        nrows = (oy1 - 1 - oy0) * sh + (kh - 1) * dh + 1
        buf = np.empty(nrows * wp * c, dtype=x.dtype)
        _stage_rows(x, b, ya, nrows, wp, pw, buf)
        for oy in range(oy0, oy1):
            for ox in range(ow):
                d0 = uint64(((b * oh + oy) * ow + ox) * k)
                for i in range(kh):
                    for j in range(kw):
                        s = uint64((((oy - oy0) * sh + i * dh) * wp + ox * sw + j * dw) * c)
                        d = d0 + uint64(i * kw + j)
                        for ch in range(uc):
                            cols[d + ch * khw] = buf[s + ch]


@njit(parallel=True, cache=True)
def _col2im(cols, dx, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, cblock):
    # Work item q = (b, block of ``cblock`` channels): it alone writes
    # dx[b, c0:c1], from cols rows of batch item b, columns of channels c0:c1,
    # so items never race. The sums gather in a channels-last buffer over the
    # padded plane the windows reach (contiguous adds over channels), then are
    # copied out to NCHW.
    n, c, h, w = dx.shape
    k = c * kh * kw
    khw = kh * kw
    hs = (oh - 1) * sh + (kh - 1) * dh + 1      # padded rows the windows reach
    ws = (ow - 1) * sw + (kw - 1) * dw + 1
    ncb = (c + cblock - 1) // cblock
    for q in prange(n * ncb):
        b = q // ncb
        c0 = (q % ncb) * cblock
        cc = min(cblock, c - c0)
        ucc = uint64(cc)
        acc = np.zeros(hs * ws * cc, dtype=dx.dtype)
        for oy in range(oh):
            for ox in range(ow):
                s0 = ((b * oh + oy) * ow + ox) * k + c0 * khw
                for i in range(kh):
                    for j in range(kw):
                        a = uint64(((oy * sh + i * dh) * ws + ox * sw + j * dw) * cc)
                        s = uint64(s0 + i * kw + j)
                        for ch in range(ucc):
                            acc[a + ch] += cols[s + ch * uint64(khw)]
        # back to NCHW: dx[b, c0 + ch, y, xx] = acc[y + ph, xx + pw, ch]; pixels
        # right of or below the last window (xx + pw >= ws, y + ph >= hs) get 0
        nx = max(0, min(w, ws - pw))
        for ch in range(cc):
            plane = dx[b, c0 + ch]
            for y in range(h):
                row = plane[y]
                ry = y + ph
                if ry >= hs or nx == 0:
                    _fill(row, 0, w, 0)
                    continue
                _gather(row, 0, acc, (ry * ws + pw) * cc + ch, cc, nx)
                _fill(row, nx, w - nx, 0)


@njit(cache=True)
def _maxpool_plane(xf, x0, of, af, o0, h, w, oh, ow, kh, kw, sh, sw, ph, pw):
    """Max pooling of the plane at flat offset x0 of xf into of/af from offset o0."""
    for oy in range(oh):
        ys = oy * sh - ph
        y0, y1 = max(ys, 0), min(ys + kh, h)
        for ox in range(ow):
            xs = ox * sw - pw
            c0, c1 = max(xs, 0), min(xs + kw, w)
            # PyTorch's rule: start at the window's first real element, visit
            # it row-major, take v when v > best or v is NaN. Selects, not
            # branches: the comparisons are unpredictable on real data.
            best_i = y0 * w + c0
            best = xf[x0 + uint64(best_i)]
            for y in range(y0, y1):
                for xx in range(c0, c1):
                    k = y * w + xx
                    v = xf[x0 + uint64(k)]
                    take = (v > best) | (v != v)
                    best = v if take else best
                    best_i = k if take else best_i
            o = o0 + uint64(oy * ow + ox)
            of[o] = best
            af[o] = best_i


@njit(parallel=True, cache=True)
def _maxpool_fwd(x, out, arg, kh, kw, sh, sw, ph, pw):
    # One (n, c) plane per work item; window by window (measured 2x faster than
    # sweeping whole output rows per kernel offset, whose per-element branch
    # kept LLVM from vectorising anyway).
    n, c, h, w = x.shape
    oh, ow = out.shape[2], out.shape[3]
    xf, of, af = x.reshape(-1), out.reshape(-1), arg.reshape(-1)
    for p in prange(n * c):
        _maxpool_plane(xf, uint64(p * h * w), of, af, uint64(p * oh * ow),
                       h, w, oh, ow, kh, kw, sh, sw, ph, pw)


@njit(parallel=True, cache=True)
def _maxpool_bwd(dy, arg, dx, bad):
    # dy, arg: (planes, OH*OW); dx: (planes, H*W)
    planes, size = dx.shape
    for p in prange(planes):
        row = dx[p]
        _fill(row, 0, size, 0)
        for o in range(dy.shape[1]):
            a = arg[p, o]
            if a < 0 or a >= size:
                bad[p] = True
            else:
                row[a] += dy[p, o]


@njit(cache=True)
def _divisor_count(o, s, p, k, size, count_include_pad):
    """PyTorch's divisor count of window o along one axis."""
    start = o * s - p
    end = min(start + k, size + p)
    if count_include_pad:
        return end - start
    return min(end, size) - max(start, 0)


@njit(parallel=True, cache=True)
def _avgpool_fwd(x, out, kh, kw, sh, sw, ph, pw, count_include_pad):
    n, c, h, w = x.shape
    oh, ow = out.shape[2], out.shape[3]
    for p in prange(n * c):
        b = p // c
        ch = p % c
        plane = x[b, ch]
        for oy in range(oh):
            ys = oy * sh - ph
            y0, y1 = max(ys, 0), min(ys + kh, h)
            acc = out[b, ch, oy]
            _fill(acc, 0, ow, 0)
            for y in range(y0, y1):
                for j in range(kw):
                    xoff = j - pw
                    ox0, ox1 = _valid_range(xoff, sw, ow, w)
                    _gather_add(acc, ox0, plane[y], ox0 * sw + xoff, sw, ox1 - ox0)
            cy = _divisor_count(oy, sh, ph, kh, h, count_include_pad)
            for ox in range(ow):
                acc[ox] /= cy * _divisor_count(ox, sw, pw, kw, w, count_include_pad)


@njit(parallel=True, cache=True)
def _avgpool_bwd(dy, dx, kh, kw, sh, sw, ph, pw, count_include_pad):
    n, c, h, w = dx.shape
    oh, ow = dy.shape[2], dy.shape[3]
    for p in prange(n * c):
        b = p // c
        ch = p % c
        plane = dx[b, ch]
        for y in range(h):
            _fill(plane[y], 0, w, 0)
        g = np.empty(ow, dtype=dx.dtype)
        for oy in range(oh):
            cy = _divisor_count(oy, sh, ph, kh, h, count_include_pad)
            for ox in range(ow):
                g[ox] = dy[b, ch, oy, ox] / (cy * _divisor_count(ox, sw, pw, kw, w, count_include_pad))
            ys = oy * sh - ph
            for y in range(max(ys, 0), min(ys + kh, h)):
                for j in range(kw):
                    xoff = j - pw
                    ox0, ox1 = _valid_range(xoff, sw, ow, w)
                    _scatter_add(plane[y], ox0 * sw + xoff, sw, g, ox0, ox1 - ox0)


# The other way round, OpenBLAS's idle threads spin for about 2^28 cycles
# (0.1 s) after every GEMM unless OPENBLAS_THREAD_TIMEOUT says otherwise, and a
# conv net calls a GEMM every few milliseconds, so a second Numba thread always
# shares its core with a spinning BLAS thread. Measured on 2 cores (LeNet N1 /
# CIFAR CNN N2 training steps): 2 Numba + 2 BLAS threads 36 / 325 ms; 1 Numba
# + 2 BLAS 9.3 / 188 ms; 2 + 2 with OPENBLAS_THREAD_TIMEOUT=4 5.7 / 202 ms;
# 1 + 1 8.3 / 210 ms. So while BLAS may run several threads and nobody chose
# otherwise, the kernels run on one thread.
def _one_thread_beside_spinning_blas():
    """Use one Numba thread unless BLAS is single-threaded, told not to spin, or the user chose.

    Returns the number of Numba threads in effect.
    """
    chosen = ("NUMBA_NUM_THREADS", "OPENBLAS_THREAD_TIMEOUT", "MINIDL_KEEP_NUMBA_THREADS")
    blas_threads = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
    if not any(name in os.environ for name in chosen) and blas_threads != "1":
        numba.set_num_threads(1)
    return numba.get_num_threads()


_one_thread_beside_spinning_blas()


# --- direct stride-1 convolution for layers with few channels ---------------
#
# Im2col pays for a column matrix C*kh*kw times the size of the input; when the
# channel counts are small the GEMMs on it are thin and memory-bound, and
# building, reading and scattering the matrix costs more than the arithmetic.
# These kernels skip it. They work on a "wide" layout: every output plane is
# stored with the padded input's row length Wp (columns OW..Wp-1 are junk, or
# zeros for gradients), so output element t = oy*Wp + ox reads padded input
# element t + i*dh*Wp + j*dw for kernel position (i, j). Each (i, j) is then
# one long contiguous loop over t that LLVM vectorises, instead of OH short
# rows. L = OH*Wp - (kw-1)*dw is the last t whose reads stay in the plane.

@njit(parallel=True, cache=True)
def _direct_fwd(xpad, w, yw, dh, dw, groups, zero):
    # yw[n, o] (OH*Wp, flat) = sum over c, i, j of w[o, c, i, j] * shifted xpad[n, g*Cg + c]
    n, c, hp, wp = xpad.shape
    o_, cg, kh, kw = w.shape
    oh = yw.shape[2]
    og = o_ // groups
    length = uint64(oh * wp - (kw - 1) * dw)
    for q in prange(n * o_):
        b = q // o_
        o = q % o_
        acc = yw[b, o].reshape(-1)
        _fill(acc, 0, oh * wp, zero)
        c0 = (o // og) * cg
        for ci in range(cg):
            src = xpad[b, c0 + ci].reshape(-1)
            for i in range(kh):
                for j in range(kw):
                    wv = w[o, ci, i, j]
                    off = uint64(i * dh * wp + j * dw)
                    for t in range(length):
                        acc[t] += wv * src[t + off]


@njit(parallel=True, cache=True, fastmath={"reassoc", "contract"})
def _direct_dw(xpad, dyw, gw, dh, dw, groups, zero):
    # gw[o, c, i, j] = sum over n, t of dyw[n, o, t] * xpad[n, g*Cg + c, t + i*dh*Wp + j*dw];
    # one (o, c) pair per work item, batch item outermost so that the two
    # planes stay in L1 across the kh*kw dot products.
    n, c, hp, wp = xpad.shape
    o_, cg, kh, kw = gw.shape
    oh = dyw.shape[2]
    og = o_ // groups
    length = uint64(oh * wp - (kw - 1) * dw)
    for q in prange(o_ * cg):
        o = q // cg
        ci = q % cg
        c0 = (o // og) * cg
        sums = np.zeros(kh * kw, dtype=np.float64)
        for b in range(n):
            g = dyw[b, o].reshape(-1)
            src = xpad[b, c0 + ci].reshape(-1)
            for i in range(kh):
                for j in range(kw):
                    off = uint64(i * dh * wp + j * dw)
                    part = zero
                    for t in range(length):
                        part += g[t] * src[t + off]
                    sums[i * kw + j] += part
        for i in range(kh):
            for j in range(kw):
                gw[o, ci, i, j] = sums[i * kw + j]


@njit(parallel=True, cache=True)
def _direct_dx(dyw, w, dxpad, dh, dw, groups, zero):
    # dxpad[n, c] (Hp*Wp, flat) gets w[o, c - g*Cg, i, j] * dyw[n, o] shifted by
    # i*dh*Wp + j*dw, for every o of c's group g; one (n, c) plane per work item.
    n, c, hp, wp = dxpad.shape
    o_, cg, kh, kw = w.shape
    oh = dyw.shape[2]
    og = o_ // groups
    length = uint64(oh * wp - (kw - 1) * dw)
    for q in prange(n * c):
        b = q // c
        ci = q % c
        g0 = (ci // cg) * og
        cl = ci % cg
        acc = dxpad[b, ci].reshape(-1)
        _fill(acc, 0, hp * wp, zero)
        for o in range(g0, g0 + og):
            g = dyw[b, o].reshape(-1)
            for i in range(kh):
                for j in range(kw):
                    wv = w[o, cl, i, j]
                    off = uint64(i * dh * wp + j * dw)
                    for t in range(length):
                        acc[t + off] += wv * g[t]


def _pad_planes(x, ph, pw):
    """x (N, C, H, W) zero-padded by ph rows and pw columns on each side, C-contiguous."""
    if not (ph or pw):
        return np.ascontiguousarray(x)
    n, c, h, w = x.shape
    out = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=x.dtype)
    out[:, :, ph:ph + h, pw:pw + w] = x
    return out


def conv2d_direct_forward(x, w, padding, dilation, groups):
    """Numba stride-1 convolution without im2col: x (N, C, H, W), w (O, C/groups, kh, kw) -> (N, O, OH, OW)."""
    check_nchw("conv2d_direct_forward", x)
    check_float("conv2d_direct_forward", x)
    n, c, h, wd, o, cg, kh, kw, ph, pw, dh, dw, oh, ow = direct_conv_geometry(
        "conv2d_direct_forward", x.shape, w.shape, padding, dilation, groups)
    xpad = _pad_planes(x, ph, pw)
    wp = wd + 2 * pw
    yw = np.empty((n, o, oh, wp), dtype=x.dtype)
    _direct_fwd(xpad, np.ascontiguousarray(w, dtype=x.dtype), yw, dh, dw, int(groups), x.dtype.type(0))
    return np.ascontiguousarray(yw[:, :, :, :ow])


def conv2d_direct_backward(dy, x, w, padding, dilation, groups, need_input=True, need_weight=True):
    """Numba gradients of :func:`conv2d_direct_forward`: dy (N, O, OH, OW) -> ``(dx or None, dw or None)``."""
    check_nchw("conv2d_direct_backward", dy)
    check_float("conv2d_direct_backward", dy)
    n, c, h, wd, o, cg, kh, kw, ph, pw, dh, dw, oh, ow = direct_conv_geometry(
        "conv2d_direct_backward", x.shape, w.shape, padding, dilation, groups)
    if tuple(dy.shape) != (n, o, oh, ow):
        raise ValueError(f"conv2d_direct_backward: dy shape {tuple(dy.shape)} != expected {(n, o, oh, ow)} "
                         f"for input {tuple(x.shape)} and weight {tuple(w.shape)}")
    wp = wd + 2 * pw
    dyw = np.zeros((n, o, oh, wp), dtype=dy.dtype)     # junk columns stay 0
    dyw[:, :, :, :ow] = dy
    zero = dy.dtype.type(0)
    gw = dx = None
    if need_weight:
        gw = np.empty(w.shape, dtype=dy.dtype)
        _direct_dw(_pad_planes(x.astype(dy.dtype, copy=False), ph, pw), dyw, gw, dh, dw, int(groups), zero)
    if need_input:
        dxpad = np.empty((n, c, h + 2 * ph, wp), dtype=dy.dtype)
        _direct_dx(dyw, np.ascontiguousarray(w, dtype=dy.dtype), dxpad, dh, dw, int(groups), zero)
        dx = np.ascontiguousarray(dxpad[:, :, ph:ph + h, pw:pw + wd])
    return dx, gw


# Work-block sizes of the conv kernels. An im2col block stages about
# _IM2COL_BLOCK_BYTES of input rows; a col2im block sums about
# _COL2IM_BLOCK_BYTES of channels-last gradient (both stay in L2). col2im's
# inner loop runs over the channels of a block, so it keeps at least
# _COL2IM_MIN_CHANNELS of them (measured: 4 channels per block ran 4x slower
# than 32). Both leave at least _MIN_ITEMS_PER_THREAD blocks per thread so
# prange can balance them.
_IM2COL_BLOCK_BYTES = 128 * 1024
_COL2IM_BLOCK_BYTES = 512 * 1024
_COL2IM_MIN_CHANNELS = 16
_MIN_ITEMS_PER_THREAD = 4


def _im2col_block(n, c, oh, sh, wp, itemsize):
    """Output rows per im2col work item."""
    from numba import get_num_threads
    block = max(1, min(oh, _IM2COL_BLOCK_BYTES // max(1, sh * wp * c * itemsize)))
    while block > 1 and n * -(-oh // block) < _MIN_ITEMS_PER_THREAD * get_num_threads():
        block = (block + 1) // 2
    return -(-oh // -(-oh // block))      # the same number of blocks, evened out


def _col2im_cblock(n, c, hs, ws, itemsize):
    """Channels per col2im work item."""
    from numba import get_num_threads
    cblock = max(min(c, _COL2IM_MIN_CHANNELS), min(c, _COL2IM_BLOCK_BYTES // max(1, hs * ws * itemsize)))
    while cblock > 1 and n * -(-c // cblock) < _MIN_ITEMS_PER_THREAD * get_num_threads():
        cblock = (cblock + 1) // 2
    return -(-c // -(-c // cblock))       # the same number of blocks, evened out


def im2col(x, kernel, stride, padding, dilation, out=None):
    """Numba im2col: x (N, C, H, W) -> cols (N*OH*OW, C*kh*kw); see ``minidl.kernels.im2col``."""
    check_nchw("im2col", x)
    check_float("im2col", x)
    n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow = conv_geometry(
        "im2col", x.shape, kernel, stride, padding, dilation)
    shape = (n * oh * ow, c * kh * kw)
    if out is None:
        out = np.empty(shape, dtype=x.dtype)
    else:
        check_cols_out("im2col", out, shape, x.dtype)
    wp = (ow - 1) * sw + (kw - 1) * dw + 1
    block = _im2col_block(n, c, oh, sh, wp, x.dtype.itemsize)
    _im2col(np.ascontiguousarray(x), out.reshape(-1), kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, block)
    return out


def col2im(cols, x_shape, kernel, stride, padding, dilation):
    """Numba col2im: cols (N*OH*OW, C*kh*kw) -> dx of ``x_shape``; the adjoint of im2col."""
    check_float("col2im", cols)
    n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow = conv_geometry(
        "col2im", x_shape, kernel, stride, padding, dilation)
    if tuple(cols.shape) != (n * oh * ow, c * kh * kw):
        raise ValueError(f"col2im: cols of shape {tuple(cols.shape)} does not match x_shape "
                         f"{tuple(x_shape)} (expected {(n * oh * ow, c * kh * kw)})")
    dx = np.empty((n, c, h, w), dtype=cols.dtype)
    hs = (oh - 1) * sh + (kh - 1) * dh + 1
    ws = (ow - 1) * sw + (kw - 1) * dw + 1
    cblock = _col2im_cblock(n, c, hs, ws, cols.dtype.itemsize)
    _col2im(np.ascontiguousarray(cols).reshape(-1), dx, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, cblock)
    return dx


def maxpool2d_forward(x, kernel, stride, padding, ceil_mode):
    """Numba max pooling: x (N, C, H, W) -> (out, argmax int64), both (N, C, OH, OW)."""
    check_nchw("maxpool2d_forward", x)
    check_float("maxpool2d_forward", x)
    n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow = pool_geometry(
        "maxpool2d_forward", x.shape, kernel, stride, padding, ceil_mode)
    out = np.empty((n, c, oh, ow), dtype=x.dtype)
    arg = np.empty((n, c, oh, ow), dtype=np.int64)
    _maxpool_fwd(np.ascontiguousarray(x), out, arg, kh, kw, sh, sw, ph, pw)
    return out, arg


def maxpool2d_backward(dy, argmax, x_shape):
    """Numba max-pool backward: scatter-add dy (N, C, OH, OW) to argmax -> dx of ``x_shape``."""
    check_nchw("maxpool2d_backward", dy)
    check_float("maxpool2d_backward", dy)
    if tuple(argmax.shape) != tuple(dy.shape):
        raise ValueError(f"maxpool2d_backward: argmax shape {tuple(argmax.shape)} != dy shape {tuple(dy.shape)}")
    n, c, h, w = (int(v) for v in x_shape)
    if (n, c) != tuple(dy.shape[:2]):
        raise ValueError(f"maxpool2d_backward: dy shape {tuple(dy.shape)} does not match x_shape {tuple(x_shape)}")
    dx = np.empty((n * c, h * w), dtype=dy.dtype)
    bad = np.zeros(n * c, dtype=np.bool_)
    _maxpool_bwd(np.ascontiguousarray(dy).reshape(n * c, -1),
                 np.ascontiguousarray(argmax, dtype=np.int64).reshape(n * c, -1), dx, bad)
    if bad.any():
        raise ValueError(f"maxpool2d_backward: argmax holds indices outside [0, {h * w}) "
                         f"for x_shape {tuple(x_shape)}")
    return dx.reshape(n, c, h, w)


def avgpool2d_forward(x, kernel, stride, padding, ceil_mode, count_include_pad):
    """Numba average pooling: x (N, C, H, W) -> (N, C, OH, OW), PyTorch's divisor rule."""
    check_nchw("avgpool2d_forward", x)
    check_float("avgpool2d_forward", x)
    n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow = pool_geometry(
        "avgpool2d_forward", x.shape, kernel, stride, padding, ceil_mode)
    out = np.empty((n, c, oh, ow), dtype=x.dtype)
    _avgpool_fwd(np.ascontiguousarray(x), out, kh, kw, sh, sw, ph, pw, bool(count_include_pad))
    return out


def avgpool2d_backward(dy, x_shape, kernel, stride, padding, ceil_mode, count_include_pad):
    """Numba average-pool backward: dy (N, C, OH, OW) -> dx of ``x_shape``."""
    check_nchw("avgpool2d_backward", dy)
    check_float("avgpool2d_backward", dy)
    n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow = pool_geometry(
        "avgpool2d_backward", x_shape, kernel, stride, padding, ceil_mode)
    if tuple(dy.shape) != (n, c, oh, ow):
        raise ValueError(f"avgpool2d_backward: dy shape {tuple(dy.shape)} != expected {(n, c, oh, ow)} "
                         f"for x_shape {tuple(x_shape)}")
    dx = np.empty((n, c, h, w), dtype=dy.dtype)
    _avgpool_bwd(np.ascontiguousarray(dy), dx, kh, kw, sh, sw, ph, pw, bool(count_include_pad))
    return dx


# --- fused helpers on (N, C, HW) views ---------------------------------------

# Reductions may be reassociated so LLVM vectorises the sums (the order of a
# float sum changes in the last bits); NaN/inf semantics stay IEEE.
_REDUCE_MATH = {"reassoc", "contract"}


@njit(parallel=True, cache=True)
def _bias_relu_fwd(y, bias, zero):
    # ``zero`` is a scalar of y's dtype, so the select below stays in that dtype
    # (a literal 0 would promote float32 to float64 and stop vectorisation).
    n, c, hw = y.shape
    for p in prange(n * c):
        row = y[p // c, p % c]
        b = bias[p % c]
        for k in range(uint64(hw)):
            t = row[k] + b
            row[k] = zero if t < zero else t  # NaN stays NaN


@njit(parallel=True, cache=True, fastmath=_REDUCE_MATH)
def _bias_relu_bwd(dy, y, dx, dbias, zero):
    n, c, hw = dy.shape
    for ch in prange(c):
        total = 0.0
        for b in range(n):
            g, yr, out = dy[b, ch], y[b, ch], dx[b, ch]
            for k in range(uint64(hw)):
                v = g[k] if yr[k] > zero else zero
                out[k] = v
                total += v
        dbias[ch] = total


@njit(parallel=True, cache=True, fastmath=_REDUCE_MATH)
def _mean_var(x, mean, var):
    n, c, hw = x.shape
    count = n * hw
    for ch in prange(c):
        # Shifted sums: subtracting a sample of the channel (the pivot) keeps
        # sum(d^2)/M - (sum(d)/M)^2 free of catastrophic cancellation.
        pivot = np.float64(x[0, ch, 0])
        s1 = 0.0
        s2 = 0.0
        for b in range(n):
            row = x[b, ch]
            for k in range(uint64(hw)):
                d = row[k] - pivot
                s1 += d
                s2 += d * d
        m = s1 / count
        mean[ch] = pivot + m
        var[ch] = max(s2 / count - m * m, 0.0)


@njit(parallel=True, cache=True, fastmath=_REDUCE_MATH)
def _sum_dot(a, b, s, d):
    n, c, hw = a.shape
    for ch in prange(c):
        s1 = 0.0
        s2 = 0.0
        for i in range(n):
            ra, rb = a[i, ch], b[i, ch]
            for k in range(uint64(hw)):
                va = np.float64(ra[k])
                s1 += va
                s2 += va * rb[k]
        s[ch] = s1
        d[ch] = s2


@njit(parallel=True, cache=True)
def _affine(x, scale, shift, out):
    n, c, hw = x.shape
    for p in prange(n * c):
        ch = p % c
        src, dst = x[p // c, ch], out[p // c, ch]
        sc, sh = scale[ch], shift[ch]
        for k in range(uint64(hw)):
            dst[k] = src[k] * sc + sh


@njit(parallel=True, cache=True)
def _combine(a, b, alpha, beta, gamma, out):
    n, c, hw = a.shape
    for p in prange(n * c):
        ch = p % c
        ra, rb, dst = a[p // c, ch], b[p // c, ch], out[p // c, ch]
        al, be, ga = alpha[ch], beta[ch], gamma[ch]
        for k in range(uint64(hw)):
            dst[k] = al * ra[k] + be * rb[k] + ga


def _view3(x, n, c, hw):
    """The (N, C, HW) view of a C-contiguous array."""
    return x.reshape(n, c, hw)


def bias_relu_forward(y, bias):
    """Numba: in place ``y = max(y + bias[c], 0)`` on C-contiguous y (N, C[, H, W]); returns y."""
    n, c, hw = channel_view_shape("bias_relu_forward", y, bias)
    if not y.flags.c_contiguous:
        raise ValueError("bias_relu_forward: y must be C-contiguous (it is updated in place)")
    _bias_relu_fwd(_view3(y, n, c, hw), np.ascontiguousarray(bias), y.dtype.type(0))
    return y


def bias_relu_backward(dy, y):
    """Numba: ``(dx, dbias)`` with dx = dy where y > 0 else 0 and dbias (C,) its channel sums."""
    n, c, hw = channel_view_shape("bias_relu_backward", dy)
    check_same("bias_relu_backward", dy, y)
    dy, y = np.ascontiguousarray(dy), np.ascontiguousarray(y)
    dx = np.empty_like(dy)
    dbias = np.empty(c, dtype=dy.dtype)
    _bias_relu_bwd(_view3(dy, n, c, hw), _view3(y, n, c, hw), _view3(dx, n, c, hw), dbias, dy.dtype.type(0))
    return dx, dbias


def channel_mean_var(x):
    """Numba, one pass: per-channel mean and biased variance of x (N, C[, H, W]), (C,) each."""
    n, c, hw = channel_view_shape("channel_mean_var", x)
    if n * hw == 0:
        raise ValueError(f"channel_mean_var: no elements per channel in x {tuple(x.shape)}")
    mean = np.empty(c, dtype=x.dtype)
    var = np.empty(c, dtype=x.dtype)
    _mean_var(_view3(np.ascontiguousarray(x), n, c, hw), mean, var)
    return mean, var


def channel_sum_dot(a, b):
    """Numba, one pass: per-channel ``sum(a)`` and ``sum(a * b)``, (C,) each."""
    n, c, hw = channel_view_shape("channel_sum_dot", a)
    check_same("channel_sum_dot", a, b)
    s = np.empty(c, dtype=a.dtype)
    d = np.empty(c, dtype=a.dtype)
    _sum_dot(_view3(np.ascontiguousarray(a), n, c, hw), _view3(np.ascontiguousarray(b), n, c, hw), s, d)
    return s, d


def channel_affine(x, scale, shift, out=None):
    """Numba: ``x * scale[c] + shift[c]``; ``out`` may be x itself."""
    n, c, hw = channel_view_shape("channel_affine", x, scale, shift)
    if out is None:
        out = np.empty(x.shape, dtype=x.dtype)
    else:
        check_out("channel_affine", out, x)
    _affine(_view3(np.ascontiguousarray(x), n, c, hw), np.ascontiguousarray(scale),
            np.ascontiguousarray(shift), _view3(out, n, c, hw))
    return out


def channel_combine(a, b, alpha, beta, gamma, out=None):
    """Numba: ``alpha[c] * a + beta[c] * b + gamma[c]``; ``out`` may be a or b."""
    n, c, hw = channel_view_shape("channel_combine", a, alpha, beta, gamma)
    check_same("channel_combine", a, b)
    if out is None:
        out = np.empty(a.shape, dtype=a.dtype)
    else:
        check_out("channel_combine", out, a)
    _combine(_view3(np.ascontiguousarray(a), n, c, hw), _view3(np.ascontiguousarray(b), n, c, hw),
             np.ascontiguousarray(alpha), np.ascontiguousarray(beta), np.ascontiguousarray(gamma),
             _view3(out, n, c, hw))
    return out
