"""Max and average pooling, forward and backward: NumPy reference, Numba kernels, CUDA kernels, dispatch.

- ``maxpool2d_forward(x, kernel, stride, padding, ceil_mode) -> (out, argmax)``
- ``maxpool2d_backward(dy, argmax, x_shape) -> dx``
- ``avgpool2d_forward(x, kernel, stride, padding, ceil_mode, count_include_pad)``
- ``avgpool2d_backward(dy, x_shape, kernel, stride, padding, ceil_mode, count_include_pad)``

PyTorch's semantics: implicit -inf (max) or zero (average) padding of at most
half the kernel, the first maximum of a window wins and a NaN is taken as the
maximum; the average divides by PyTorch's window count (see :func:`avgpool_divisor`).
"""
from __future__ import annotations

import numpy as np

from minidl.backend import get_array_module

from . import _numba, nhwc
from ._dispatch import implementation
from ._numba import fill, gather_add, prange, scatter_add, uint64, valid_range
from .layout import is_channels_last
from .shapes import PoolGeometry, check_float, check_nchw

__all__ = ["maxpool2d_forward", "maxpool2d_backward", "avgpool2d_forward", "avgpool2d_backward",
           "avgpool_divisor"]


# --- 1. NumPy reference (vectorised; written against xp) ------------------------

def _window(start, stride, count):
    """Slice picking ``count`` elements from ``start`` every ``stride``."""
    return slice(start, start + stride * (count - 1) + 1, stride)


def _pool_pad(xp, x, fill_value, g):
    """Pad ``x`` with ``fill_value``: ph/pw before, and after as far as the last window reaches."""
    hp = max(g.h + g.ph, (g.oh - 1) * g.sh + g.kh)
    wp = max(g.w + g.pw, (g.ow - 1) * g.sw + g.kw)
    xpad = xp.full((g.n, g.c, hp, wp), fill_value, dtype=x.dtype)
    xpad[:, :, g.ph:g.ph + g.h, g.pw:g.pw + g.w] = x
    return xpad


def _maxpool_forward_numpy(x, g):
    xp = get_array_module(x)
    xpad = _pool_pad(xp, x, -xp.inf, g)
    index = xp.full(xpad.shape[2:], -1, dtype=xp.int64)
    index[g.ph:g.ph + g.h, g.pw:g.pw + g.w] = xp.arange(g.h * g.w, dtype=xp.int64).reshape(g.h, g.w)
    # PyTorch starts from the first real element of each window with value -inf.
    y0 = xp.maximum(xp.arange(g.oh) * g.sh - g.ph, 0)
    x0 = xp.maximum(xp.arange(g.ow) * g.sw - g.pw, 0)
    argmax = xp.broadcast_to(y0[:, None] * g.w + x0[None, :], g.y_shape).astype(xp.int64)
    out = xp.full(g.y_shape, -xp.inf, dtype=x.dtype)
    for i in range(g.kh):
        for j in range(g.kw):
            rows, cols = _window(i, g.sh, g.oh), _window(j, g.sw, g.ow)
            v = xpad[:, :, rows, cols]
            take = (v > out) | xp.isnan(v)
            out = xp.where(take, v, out)
            argmax = xp.where(take, index[rows, cols], argmax)
    return out, argmax


def _maxpool_backward_numpy(dy, argmax, n, c, h, w):
    xp = get_array_module(dy)
    plane = xp.arange(n * c, dtype=xp.int64).reshape(n, c, 1, 1) * (h * w)
    flat = (argmax.astype(xp.int64) + plane).ravel()
    # bincount sums repeated indices (overlapping windows) without np.add.at.
    dx = xp.bincount(flat, weights=dy.ravel(), minlength=n * c * h * w)
    return dx.astype(dy.dtype, copy=False).reshape(n, c, h, w)


def avgpool_divisor(xp, g, count_include_pad, dtype):
    """Divisor of each (OH, OW) window of geometry ``g`` with PyTorch's rule.

    The window end is clipped to ``size + pad`` first (this count is the divisor
    when ``count_include_pad``), then the window is clipped to the input (the
    count of real elements is the divisor otherwise).
    """
    def counts(size, k, s, p, o):
        start = xp.arange(o) * s - p
        end = xp.minimum(start + k, size + p)
        if count_include_pad:
            return end - start
        return xp.minimum(end, size) - xp.maximum(start, 0)
    return (counts(g.h, g.kh, g.sh, g.ph, g.oh)[:, None] * counts(g.w, g.kw, g.sw, g.pw, g.ow)[None, :]).astype(dtype)


def _avgpool_forward_numpy(x, g, count_include_pad):
    xp = get_array_module(x)
    xpad = _pool_pad(xp, x, 0, g)
    total = xp.zeros(g.y_shape, dtype=x.dtype)
    for i in range(g.kh):
        for j in range(g.kw):
            total += xpad[:, :, _window(i, g.sh, g.oh), _window(j, g.sw, g.ow)]
    return total / avgpool_divisor(xp, g, count_include_pad, x.dtype)


def _avgpool_backward_numpy(dy, g, count_include_pad):
    xp = get_array_module(dy)
    grad = dy / avgpool_divisor(xp, g, count_include_pad, dy.dtype)
    hp = max(g.h + g.ph, (g.oh - 1) * g.sh + g.kh)
    wp = max(g.w + g.pw, (g.ow - 1) * g.sw + g.kw)
    dxpad = xp.zeros((g.n, g.c, hp, wp), dtype=dy.dtype)
    for i in range(g.kh):
        for j in range(g.kw):
            dxpad[:, :, _window(i, g.sh, g.oh), _window(j, g.sw, g.ow)] += grad
    return xp.ascontiguousarray(dxpad[:, :, g.ph:g.ph + g.h, g.pw:g.pw + g.w])


# --- 2. Numba CPU kernels: one (n, c) plane per work item -------------------------

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


def _maxpool_fwd(x, out, arg, kh, kw, sh, sw, ph, pw):
    # Window by window (measured 2x faster than sweeping whole output rows per
    # kernel offset, whose per-element branch kept LLVM from vectorising anyway).
    n, c, h, w = x.shape
    oh, ow = out.shape[2], out.shape[3]
    xf, of, af = x.reshape(-1), out.reshape(-1), arg.reshape(-1)
    for p in prange(n * c):
        _maxpool_plane(xf, uint64(p * h * w), of, af, uint64(p * oh * ow),
                       h, w, oh, ow, kh, kw, sh, sw, ph, pw)


def _maxpool_fwd_2x2(x, out, arg):
    # kernel 2, stride 2, no padding, every window inside the plane (the common case: LeNet, VGG). The same
    # rule as _maxpool_plane, its four visits unrolled, so each output row is one loop LLVM can vectorise.
    n, c, h, w = x.shape
    oh, ow = out.shape[2], out.shape[3]
    for p in prange(n * c):
        b = p // c
        ch = p % c
        plane = x[b, ch]
        for oy in range(oh):
            top = plane[2 * oy]
            bottom = plane[2 * oy + 1]
            o_row = out[b, ch, oy]
            a_row = arg[b, ch, oy]
            i0 = 2 * oy * w
            i1 = i0 + w
            for ox in range(uint64(ow)):
                j = ox + ox
                best = top[j]
                best_i = i0 + j
                v = top[j + 1]
                take = (v > best) | (v != v)
                best = v if take else best
                best_i = i0 + j + 1 if take else best_i
                v = bottom[j]
                take = (v > best) | (v != v)
                best = v if take else best
                best_i = i1 + j if take else best_i
                v = bottom[j + 1]
                take = (v > best) | (v != v)
                best = v if take else best
                best_i = i1 + j + 1 if take else best_i
                o_row[ox] = best
                a_row[ox] = best_i


def _maxpool_bwd(dy, arg, dx, bad):
    # dy, arg: (planes, OH*OW); dx: (planes, H*W)
    planes, size = dx.shape
    for p in prange(planes):
        row = dx[p]
        fill(row, 0, size, 0)
        for o in range(dy.shape[1]):
            a = arg[p, o]
            if a < 0 or a >= size:
                bad[p] = True
            else:
                row[a] += dy[p, o]


def _divisor_count(o, s, p, k, size, count_include_pad):
    """PyTorch's divisor count of window o along one axis."""
    start = o * s - p
    end = min(start + k, size + p)
    if count_include_pad:
        return end - start
    return min(end, size) - max(start, 0)


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
            fill(acc, 0, ow, 0)
            for y in range(y0, y1):
                for j in range(kw):
                    xoff = j - pw
                    ox0, ox1 = valid_range(xoff, sw, ow, w)
                    gather_add(acc, ox0, plane[y], ox0 * sw + xoff, sw, ox1 - ox0)
            cy = _divisor_count(oy, sh, ph, kh, h, count_include_pad)
            for ox in range(ow):
                acc[ox] /= cy * _divisor_count(ox, sw, pw, kw, w, count_include_pad)


def _avgpool_bwd(dy, dx, kh, kw, sh, sw, ph, pw, count_include_pad):
    n, c, h, w = dx.shape
    oh, ow = dy.shape[2], dy.shape[3]
    for p in prange(n * c):
        b = p // c
        ch = p % c
        plane = dx[b, ch]
        for y in range(h):
            fill(plane[y], 0, w, 0)
        g = np.empty(ow, dtype=dx.dtype)
        for oy in range(oh):
            cy = _divisor_count(oy, sh, ph, kh, h, count_include_pad)
            for ox in range(ow):
                g[ox] = dy[b, ch, oy, ox] / (cy * _divisor_count(ox, sw, pw, kw, w, count_include_pad))
            ys = oy * sh - ph
            for y in range(max(ys, 0), min(ys + kh, h)):
                for j in range(kw):
                    xoff = j - pw
                    ox0, ox1 = valid_range(xoff, sw, ow, w)
                    scatter_add(plane[y], ox0 * sw + xoff, sw, g, ox0, ox1 - ox0)


_NUMBA_KERNELS = {"_maxpool_plane": dict(cache=True), "_maxpool_fwd": dict(parallel=True, cache=True),
                  "_maxpool_fwd_2x2": dict(parallel=True, cache=True),
                  "_maxpool_bwd": dict(parallel=True, cache=True), "_divisor_count": dict(cache=True),
                  "_avgpool_fwd": dict(parallel=True, cache=True), "_avgpool_bwd": dict(parallel=True, cache=True)}


_numba_compiled = False


def compile_numba():
    """Compile this family's Numba kernels (once; loads them from Numba's cache when it can)."""
    if not _numba_compiled:
        _numba.compile_kernels(globals(), _NUMBA_KERNELS)


def _maxpool_forward_numba(x, g):
    compile_numba()
    out = np.empty(g.y_shape, dtype=x.dtype)
    arg = np.empty(g.y_shape, dtype=np.int64)
    if (g.kh, g.kw, g.sh, g.sw, g.ph, g.pw) == (2, 2, 2, 2, 0, 0) and 2 * g.oh <= g.h and 2 * g.ow <= g.w:
        _maxpool_fwd_2x2(np.ascontiguousarray(x), out, arg)
    else:
        _maxpool_fwd(np.ascontiguousarray(x), out, arg, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw)
    return out, arg


def _maxpool_backward_numba(dy, argmax, n, c, h, w):
    compile_numba()
    dx = np.empty((n * c, h * w), dtype=dy.dtype)
    bad = np.zeros(n * c, dtype=np.bool_)
    _maxpool_bwd(np.ascontiguousarray(dy).reshape(n * c, -1),
                 np.ascontiguousarray(argmax, dtype=np.int64).reshape(n * c, -1), dx, bad)
    if bad.any():
        raise ValueError(f"maxpool2d_backward: argmax holds indices outside [0, {h * w}) "
                         f"for x_shape {(n, c, h, w)}")
    return dx.reshape(n, c, h, w)


def _avgpool_forward_numba(x, g, count_include_pad):
    compile_numba()
    out = np.empty(g.y_shape, dtype=x.dtype)
    _avgpool_fwd(np.ascontiguousarray(x), out, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, bool(count_include_pad))
    return out


def _avgpool_backward_numba(dy, g, count_include_pad):
    compile_numba()
    dx = np.empty(g.x_shape, dtype=dy.dtype)
    _avgpool_bwd(np.ascontiguousarray(dy), dx, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, bool(count_include_pad))
    return dx


# --- 3. CUDA kernels (numba.cuda, see kernels/_cuda.py) -----------------------

# ``numba.cuda``, bound here by ``_cuda.kernels`` on first use (the simulator swaps this global).
cuda = None

def _cuda_sources(ftype):
    """The CUDA kernels for float type ``ftype``, as Python functions for ``cuda.jit``.

    min()/max() are avoided: under compile_ptx (no GPU) Numba cannot type those
    overloads for the CUDA target; plain conditionals compile.
    """
    zero = ftype(0)
    neg_inf = ftype(-np.inf)

    def maxpool_fwd(x, out, arg, planes, h, w, kh, kw, sh, sw, ph, pw, oh, ow):
        for t in range(cuda.grid(1), planes * oh * ow, cuda.gridsize(1)):
            ox = t % ow
            oy = (t // ow) % oh
            base = (t // (ow * oh)) * h * w
            ys = oy * sh - ph
            xs = ox * sw - pw
            y0 = ys if ys > 0 else 0
            y1 = ys + kh if ys + kh < h else h
            x0 = xs if xs > 0 else 0
            x1 = xs + kw if xs + kw < w else w
            best = neg_inf
            best_i = y0 * w + x0
            for y in range(y0, y1):
                for xx in range(x0, x1):
                    v = x[base + y * w + xx]
                    if v > best or v != v:  # PyTorch: a NaN wins
                        best = v
                        best_i = y * w + xx
            out[t] = best
            arg[t] = best_i

    def maxpool_bwd(dy, arg, dx, planes, hw, ohw):
        # A scatter with atomics: the argmax alone does not say which windows cover a pixel.
        for t in range(cuda.grid(1), planes * ohw, cuda.gridsize(1)):
            a = arg[t]
            if a >= 0 and a < hw:  # out-of-range indices are ignored
                cuda.atomic.add(dx, (t // ohw) * hw + a, dy[t])

    def avgpool_fwd(x, out, planes, h, w, kh, kw, sh, sw, ph, pw, oh, ow, count_include_pad):
        for t in range(cuda.grid(1), planes * oh * ow, cuda.gridsize(1)):
            ox = t % ow
            oy = (t // ow) % oh
            base = (t // (ow * oh)) * h * w
            ys = oy * sh - ph
            xs = ox * sw - pw
            # PyTorch's divisor: window end clipped to size + pad first (the
            # count with padding), then clipped to the input (the real count).
            ye = ys + kh if ys + kh < h + ph else h + ph
            xe = xs + kw if xs + kw < w + pw else w + pw
            y0 = ys if ys > 0 else 0
            y1 = ye if ye < h else h
            x0 = xs if xs > 0 else 0
            x1 = xe if xe < w else w
            acc = zero
            for y in range(y0, y1):
                for xx in range(x0, x1):
                    acc += x[base + y * w + xx]
            if count_include_pad:
                div = (ye - ys) * (xe - xs)
            else:
                div = (y1 - y0) * (x1 - x0)
            out[t] = acc / ftype(div)

    def avgpool_bwd(dy, dx, planes, h, w, kh, kw, sh, sw, ph, pw, oh, ow, count_include_pad):
        # A gather: each input pixel sums the windows that cover it (no atomics, deterministic).
        for t in range(cuda.grid(1), planes * h * w, cuda.gridsize(1)):
            xx = t % w
            y = (t // w) % h
            base = (t // (w * h)) * oh * ow
            # Windows o covering pixel p satisfy o*s - pad <= p < o*s - pad + k:
            # o from ceil((p + pad - k + 1) / s) to floor((p + pad) / s), in [0, count).
            lo = y + ph - kh + sh
            oy0 = lo // sh if lo > 0 else 0
            hi = (y + ph) // sh + 1
            oy1 = hi if hi < oh else oh
            lo = xx + pw - kw + sw
            ox0 = lo // sw if lo > 0 else 0
            hi = (xx + pw) // sw + 1
            ox1 = hi if hi < ow else ow
            acc = zero
            for oy in range(oy0, oy1):
                ys = oy * sh - ph
                ye = ys + kh if ys + kh < h + ph else h + ph
                cy = ye - ys
                if not count_include_pad:
                    cy = (ye if ye < h else h) - (ys if ys > 0 else 0)
                for ox in range(ox0, ox1):
                    xs = ox * sw - pw
                    xe = xs + kw if xs + kw < w + pw else w + pw
                    cx = xe - xs
                    if not count_include_pad:
                        cx = (xe if xe < w else w) - (xs if xs > 0 else 0)
                    acc += dy[base + oy * ow + ox] / ftype(cy * cx)
            dx[t] = acc

    return dict(maxpool_fwd=maxpool_fwd, maxpool_bwd=maxpool_bwd, avgpool_fwd=avgpool_fwd, avgpool_bwd=avgpool_bwd)


def _cuda_signatures(ftype):
    """Argument types of each kernel, for its PTX (PtxKernel, and compile_ptx_all in the tests)."""
    from numba import types

    from ._cuda import float_array_type, signature_types
    f, i64, n = signature_types(ftype)
    # maxpool_bwd's dx is an array: cuda.atomic.add takes arrays only
    return dict(maxpool_fwd=(f, f, i64) + (n,) * 11, maxpool_bwd=(f, i64, float_array_type(ftype)) + (n,) * 3,
                avgpool_fwd=(f, f) + (n,) * 11 + (types.boolean,),
                avgpool_bwd=(f, f) + (n,) * 11 + (types.boolean,))


def _pool_args(g):
    """The geometry arguments of the pooling kernels: planes, H, W, kernel, stride, padding, OH, OW."""
    return (g.n * g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.oh, g.ow)


def _maxpool_forward_cuda(x, g):
    from . import _cuda
    xp = get_array_module(x)
    x = xp.ascontiguousarray(x)
    out = xp.empty(g.y_shape, dtype=x.dtype)
    arg = xp.empty(g.y_shape, dtype=np.int64)
    _cuda.launch(_cuda.kernels(_cuda_sources, x.dtype).maxpool_fwd, out.size, _cuda.stream_for(x),
                 _cuda.dev(x), _cuda.dev(out), _cuda.dev(arg), *_pool_args(g))
    return out, arg


def _maxpool_backward_cuda(dy, argmax, n, c, h, w):
    from . import _cuda
    xp = get_array_module(dy)
    dy = xp.ascontiguousarray(dy)
    arg = xp.ascontiguousarray(argmax, dtype=np.int64)
    dx = xp.zeros((n, c, h, w), dtype=dy.dtype)
    _cuda.launch(_cuda.kernels(_cuda_sources, dy.dtype).maxpool_bwd, dy.size, _cuda.stream_for(dy),
                 _cuda.dev(dy), _cuda.dev(arg), _cuda.dev(dx), n * c, h * w, dy.shape[2] * dy.shape[3])
    return dx


def _avgpool_forward_cuda(x, g, count_include_pad):
    from . import _cuda
    xp = get_array_module(x)
    x = xp.ascontiguousarray(x)
    out = xp.empty(g.y_shape, dtype=x.dtype)
    _cuda.launch(_cuda.kernels(_cuda_sources, x.dtype).avgpool_fwd, out.size, _cuda.stream_for(x),
                 _cuda.dev(x), _cuda.dev(out), *_pool_args(g), bool(count_include_pad))
    return out


def _avgpool_backward_cuda(dy, g, count_include_pad):
    from . import _cuda
    xp = get_array_module(dy)
    dy = xp.ascontiguousarray(dy)
    dx = xp.empty(g.x_shape, dtype=dy.dtype)
    _cuda.launch(_cuda.kernels(_cuda_sources, dy.dtype).avgpool_bwd, dx.size, _cuda.stream_for(dy),
                 _cuda.dev(dy), _cuda.dev(dx), *_pool_args(g), bool(count_include_pad))
    return dx


# --- 4. dispatch ------------------------------------------------------------------

_MAX_FORWARD = {"numpy": _maxpool_forward_numpy, "numba": _maxpool_forward_numba, "cuda": _maxpool_forward_cuda}
_MAX_BACKWARD = {"numpy": _maxpool_backward_numpy, "numba": _maxpool_backward_numba,
                 "cuda": _maxpool_backward_cuda}
_AVG_FORWARD = {"numpy": _avgpool_forward_numpy, "numba": _avgpool_forward_numba, "cuda": _avgpool_forward_cuda}
_AVG_BACKWARD = {"numpy": _avgpool_backward_numpy, "numba": _avgpool_backward_numba,
                 "cuda": _avgpool_backward_cuda}


def maxpool2d_forward(x, kernel, stride, padding, ceil_mode):
    """Max pooling, x (N, C, H, W) -> (out, argmax), both (N, C, OH, OW).

    PyTorch semantics (implicit -inf padding, padding <= kernel // 2, first max
    wins, a NaN is the max); ``argmax`` is int64, the flat index ``h*W + w`` in
    the unpadded plane. ``stride=None`` means stride = kernel. A channels-last
    x (NHWC memory) gives channels-last results on the CPU.
    """
    check_nchw("maxpool2d_forward", x)
    check_float("maxpool2d_forward", x)
    g = PoolGeometry.of("maxpool2d_forward", x.shape, kernel, stride, padding, ceil_mode)
    impl = implementation(x)
    if impl == "numba" and is_channels_last(x):   # NHWC in, NHWC out (kernels/nhwc.py)
        return nhwc.maxpool_forward(x, g)
    return _MAX_FORWARD[impl](x, g)


def maxpool2d_backward(dy, argmax, x_shape):
    """Scatter-add dy (N, C, OH, OW) to ``argmax`` positions -> dx of ``x_shape``.

    On the GPU this uses atomic adds, so where windows overlap the summation
    order (and the last bits of float results) may vary between runs.
    """
    check_nchw("maxpool2d_backward", dy)
    check_float("maxpool2d_backward", dy)
    if tuple(argmax.shape) != tuple(dy.shape):
        raise ValueError(f"maxpool2d_backward: argmax shape {tuple(argmax.shape)} != dy shape {tuple(dy.shape)}")
    n, c, h, w = (int(v) for v in x_shape)
    if (n, c) != tuple(dy.shape[:2]):
        raise ValueError(f"maxpool2d_backward: dy shape {tuple(dy.shape)} does not match x_shape {tuple(x_shape)}")
    impl = implementation(dy)
    if impl == "numba" and is_channels_last(argmax):   # the forward ran channels-last: dx is too
        return nhwc.maxpool_backward(dy, argmax, n, c, h, w)
    return _MAX_BACKWARD[impl](dy, argmax, n, c, h, w)


def avgpool2d_forward(x, kernel, stride, padding, ceil_mode, count_include_pad):
    """Average pooling, x (N, C, H, W) -> (N, C, OH, OW), with PyTorch's divisor rule."""
    check_nchw("avgpool2d_forward", x)
    check_float("avgpool2d_forward", x)
    g = PoolGeometry.of("avgpool2d_forward", x.shape, kernel, stride, padding, ceil_mode)
    return _AVG_FORWARD[implementation(x)](x, g, count_include_pad)


def avgpool2d_backward(dy, x_shape, kernel, stride, padding, ceil_mode, count_include_pad):
    """Gradient of average pooling: dy (N, C, OH, OW) -> dx of ``x_shape``."""
    check_nchw("avgpool2d_backward", dy)
    check_float("avgpool2d_backward", dy)
    g = PoolGeometry.of("avgpool2d_backward", x_shape, kernel, stride, padding, ceil_mode)
    if tuple(dy.shape) != g.y_shape:
        raise ValueError(f"avgpool2d_backward: dy shape {tuple(dy.shape)} != expected {g.y_shape} "
                         f"for x_shape {tuple(x_shape)}")
    return _AVG_BACKWARD[implementation(dy)](dy, g, count_include_pad)
