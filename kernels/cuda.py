"""GPU kernels written with ``numba.cuda``, taking CuPy arrays.

Why Numba CUDA rather than CuPy ``RawKernel`` (CUDA C): the very same kernel
source runs under Numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``), so CI
machines without a GPU execute every kernel against the NumPy references, and
``compile_ptx`` type-checks and compiles every kernel for a real architecture
(sm_90) without a device. A CUDA C kernel could only be compiled there, never
run.

Each kernel is a grid-stride loop over flat, C-contiguous 1-D views, one
thread per output element; consecutive threads handle consecutive elements of
the fastest axis, so global writes coalesce, and so do most reads. (The
column matrix is (N*OH*OW, C*kh*kw): im2col's reads of x come in kw-long
runs, and col2im, one thread per pixel, reads a row of cols per window
position; both lean on the caches.) col2im and avg-pool
backward gather (each input pixel sums the windows that cover it: no atomics,
deterministic); max-pool backward scatters with ``cuda.atomic.add`` because
the argmax alone does not say which windows cover a pixel. Kernels are built
per dtype so float32 inputs accumulate in float32.

CuPy arrays are handed over through ``__cuda_array_interface__``
(``cuda.as_cuda_array(..., sync=False)``), and kernels launch on CuPy's current
stream, which keeps them ordered with the CuPy work around them without a
synchronisation per call. Under the simulator the same wrappers take NumPy
arrays.
"""
from __future__ import annotations

import functools
from types import SimpleNamespace

import numpy as np
from numba import config, cuda, types

from minidl.backend import cupy_or_none, get_array_module

from .reference import check_cols_out, check_out
from .shapes import (channel_view_shape, check_float, check_nchw, check_same, conv_geometry,
                     pool_geometry)

__all__ = ["im2col", "col2im", "maxpool2d_forward", "maxpool2d_backward",
           "avgpool2d_forward", "avgpool2d_backward", "bias_relu_forward", "bias_relu_backward",
           "channel_mean_var", "channel_sum_dot", "channel_affine", "channel_combine",
           "usable", "compile_ptx_all"]

THREADS = 256
MAX_BLOCKS = 65535 * 8
# Threads per block of the per-channel reductions (a power of two); small under
# the simulator, where every thread is a Python thread.
RED_THREADS = 8 if config.ENABLE_CUDASIM else 256


def _kernel_sources(ftype):
    """Python sources of the kernels for float type ``ftype`` (np.float32 or np.float64)."""
    zero = ftype(0)
    neg_inf = ftype(-np.inf)
    # min()/max() are avoided below: under compile_ptx (no GPU) Numba cannot
    # type those overloads for the CUDA target; plain conditionals compile.

    def im2col(x, cols, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow):
        # cols (N*OH*OW, C*kh*kw): consecutive threads write consecutive
        # columns of a row (coalesced); their reads hit kw-long runs of x.
        k = c * kh * kw
        for t in range(cuda.grid(1), n * oh * ow * k, cuda.gridsize(1)):
            row = t // k
            col = t - row * k
            j = col % kw
            i = (col // kw) % kh
            ch = col // (kw * kh)
            ox = row % ow
            oy = (row // ow) % oh
            b = row // (ow * oh)
            y = oy * sh + i * dh - ph
            xx = ox * sw + j * dw - pw
            if y >= 0 and y < h and xx >= 0 and xx < w:
                cols[t] = x[((b * c + ch) * h + y) * w + xx]
            else:
                cols[t] = zero

    def col2im(cols, dx, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow):
        k = c * kh * kw
        for t in range(cuda.grid(1), n * c * h * w, cuda.gridsize(1)):
            xx = t % w
            y = (t // w) % h
            ch = (t // (w * h)) % c
            b = t // (w * h * c)
            acc = zero
            # Kernel offset i reaches y from output row oy = (y + ph - i*dh) / sh
            # when that is a whole number in [0, oh); likewise for columns.
            for i in range(kh):
                ty = y + ph - i * dh
                if ty < 0:
                    break
                if ty % sh != 0 or ty // sh >= oh:
                    continue
                oy = ty // sh
                for j in range(kw):
                    tx = xx + pw - j * dw
                    if tx < 0:
                        break
                    if tx % sw != 0 or tx // sw >= ow:
                        continue
                    acc += cols[((b * oh + oy) * ow + tx // sw) * k + (ch * kh + i) * kw + j]
            dx[t] = acc

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

    # --- fused helpers on flat (N, C, HW) data -------------------------------
    # Elementwise ones: one thread per element, channel = (t // hw) % c.

    def bias_relu_fwd(y, bias, c, hw, total):
        for t in range(cuda.grid(1), total, cuda.gridsize(1)):
            v = y[t] + bias[(t // hw) % c]
            y[t] = zero if v < zero else v  # NaN stays NaN

    def affine(x, scale, shift, out, c, hw, total):
        for t in range(cuda.grid(1), total, cuda.gridsize(1)):
            ch = (t // hw) % c
            out[t] = x[t] * scale[ch] + shift[ch]

    def combine(a, b, alpha, beta, gamma, out, c, hw, total):
        for t in range(cuda.grid(1), total, cuda.gridsize(1)):
            ch = (t // hw) % c
            out[t] = alpha[ch] * a[t] + beta[ch] * b[t] + gamma[ch]

    # Per-channel reductions: one block per channel (grid-stride over channels),
    # each thread sums a strided share, then a shared-memory tree reduction.
    # The block must have exactly RED_THREADS threads (a power of two).

    def bias_relu_bwd(dy, y, dx, dbias, n, c, hw):
        part = cuda.shared.array(RED_THREADS, ftype)
        tid = cuda.threadIdx.x
        for ch in range(cuda.blockIdx.x, c, cuda.gridDim.x):
            s = zero
            for k in range(tid, n * hw, RED_THREADS):
                t = ((k // hw) * c + ch) * hw + k % hw
                v = dy[t] if y[t] > zero else zero
                dx[t] = v
                s += v
            part[tid] = s
            cuda.syncthreads()
            step = RED_THREADS // 2
            while step > 0:
                if tid < step:
                    part[tid] += part[tid + step]
                cuda.syncthreads()
                step //= 2
            if tid == 0:
                dbias[ch] = part[0]
            cuda.syncthreads()

    def mean_var(x, mean, var, n, c, hw):
        p1 = cuda.shared.array(RED_THREADS, ftype)
        p2 = cuda.shared.array(RED_THREADS, ftype)
        tid = cuda.threadIdx.x
        count = ftype(n * hw)
        for ch in range(cuda.blockIdx.x, c, cuda.gridDim.x):
            # Shifted sums around a sample of the channel avoid cancellation
            # in sum(d^2)/M - (sum(d)/M)^2.
            pivot = x[ch * hw]
            s1 = zero
            s2 = zero
            for k in range(tid, n * hw, RED_THREADS):
                d = x[((k // hw) * c + ch) * hw + k % hw] - pivot
                s1 += d
                s2 += d * d
            p1[tid] = s1
            p2[tid] = s2
            cuda.syncthreads()
            step = RED_THREADS // 2
            while step > 0:
                if tid < step:
                    p1[tid] += p1[tid + step]
                    p2[tid] += p2[tid + step]
                cuda.syncthreads()
                step //= 2
            if tid == 0:
                m = p1[0] / count
                v = p2[0] / count - m * m
                mean[ch] = pivot + m
                var[ch] = v if v > zero else zero
            cuda.syncthreads()

    def sum_dot(a, b, out_s, out_d, n, c, hw):
        p1 = cuda.shared.array(RED_THREADS, ftype)
        p2 = cuda.shared.array(RED_THREADS, ftype)
        tid = cuda.threadIdx.x
        for ch in range(cuda.blockIdx.x, c, cuda.gridDim.x):
            s1 = zero
            s2 = zero
            for k in range(tid, n * hw, RED_THREADS):
                t = ((k // hw) * c + ch) * hw + k % hw
                s1 += a[t]
                s2 += a[t] * b[t]
            p1[tid] = s1
            p2[tid] = s2
            cuda.syncthreads()
            step = RED_THREADS // 2
            while step > 0:
                if tid < step:
                    p1[tid] += p1[tid + step]
                    p2[tid] += p2[tid + step]
                cuda.syncthreads()
                step //= 2
            if tid == 0:
                out_s[ch] = p1[0]
                out_d[ch] = p2[0]
            cuda.syncthreads()

    return dict(im2col=im2col, col2im=col2im, maxpool_fwd=maxpool_fwd, maxpool_bwd=maxpool_bwd,
                avgpool_fwd=avgpool_fwd, avgpool_bwd=avgpool_bwd, bias_relu_fwd=bias_relu_fwd,
                affine=affine, combine=combine, bias_relu_bwd=bias_relu_bwd, mean_var=mean_var,
                sum_dot=sum_dot)


def _signatures(ftype):
    """Argument types of each kernel for float type ``ftype``, used to compile PTX ahead."""
    f = types.Array(types.float32 if ftype is np.float32 else types.float64, 1, "C")
    i64 = types.Array(types.int64, 1, "C")
    n = types.int64
    return dict(
        im2col=(f, f) + (n,) * 14,
        col2im=(f, f) + (n,) * 14,
        maxpool_fwd=(f, f, i64) + (n,) * 11,
        maxpool_bwd=(f, i64, f) + (n,) * 3,
        avgpool_fwd=(f, f) + (n,) * 11 + (types.boolean,),
        avgpool_bwd=(f, f) + (n,) * 11 + (types.boolean,),
        bias_relu_fwd=(f, f, n, n, n),
        affine=(f, f, f, f, n, n, n),
        combine=(f, f, f, f, f, f, n, n, n),
        bias_relu_bwd=(f, f, f, f, n, n, n),
        mean_var=(f, f, f, n, n, n),
        sum_dot=(f, f, f, f, n, n, n),
    )


@functools.lru_cache(maxsize=None)
def _kernels(dtype_name):
    """Lazily compiled ``cuda.jit`` kernels for one dtype (compiled on first launch)."""
    ftype = np.dtype(dtype_name).type
    return SimpleNamespace(**{name: cuda.jit(fn) for name, fn in _kernel_sources(ftype).items()})


def compile_ptx_all(cc=(9, 0)):
    """Compile every kernel for float32 and float64 to PTX for compute capability ``cc``.

    Needs no GPU (only NVVM from a CUDA toolkit); returns ``{(name, dtype): ptx}``.
    Raises on any typing or compilation error, which is what the tests check.
    """
    out = {}
    for ftype in (np.float32, np.float64):
        sigs = _signatures(ftype)
        for name, fn in _kernel_sources(ftype).items():
            ptx, _ = cuda.compile_ptx(fn, sigs[name], cc=cc)
            out[(name, np.dtype(ftype).name)] = ptx
    return out


def usable():
    """True when kernels can launch: a CUDA device that Numba sees, or the simulator."""
    if config.ENABLE_CUDASIM:
        return True
    try:
        return bool(cuda.is_available())
    except Exception:
        return False


_streams = {}


def _stream_for(array):
    """The Numba stream matching CuPy's current stream (0 = default for NumPy in the simulator)."""
    cp = cupy_or_none()
    if cp is None or not isinstance(array, cp.ndarray):
        return 0
    ptr = cp.cuda.get_current_stream().ptr
    if ptr not in _streams:
        _streams[ptr] = cuda.external_stream(ptr) if ptr else cuda.default_stream()
    return _streams[ptr]


def _dev(array):
    """A flat 1-D device view of a C-contiguous array (no copy, no stream sync)."""
    flat = array.reshape(-1)
    if hasattr(flat, "__cuda_array_interface__") and not config.ENABLE_CUDASIM:
        return cuda.as_cuda_array(flat, sync=False)
    return flat


def _launch(kernel, total, stream, *args):
    """Launch a grid-stride ``kernel`` over ``total`` elements."""
    if total <= 0:
        return
    if config.ENABLE_CUDASIM:
        # The simulator runs each thread in Python: a tiny grid, still > 1 block
        # so the grid-stride loop is exercised.
        blocks, threads = 2, 4
    else:
        threads = THREADS
        blocks = min((total + threads - 1) // threads, MAX_BLOCKS)
    kernel[blocks, threads, stream](*args)


def im2col(x, kernel, stride, padding, dilation, out=None):
    """GPU im2col: x (N, C, H, W) -> cols (N*OH*OW, C*kh*kw); see ``minidl.kernels.im2col``."""
    check_nchw("im2col", x)
    check_float("im2col", x)
    xp = get_array_module(x)
    n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow = conv_geometry(
        "im2col", x.shape, kernel, stride, padding, dilation)
    shape = (n * oh * ow, c * kh * kw)
    if out is None:
        out = xp.empty(shape, dtype=x.dtype)
    else:
        check_cols_out("im2col", out, shape, x.dtype)
    x = xp.ascontiguousarray(x)
    _launch(_kernels(x.dtype.name).im2col, out.size, _stream_for(x),
            _dev(x), _dev(out), n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow)
    return out


def col2im(cols, x_shape, kernel, stride, padding, dilation):
    """GPU col2im: cols (N*OH*OW, C*kh*kw) -> dx of ``x_shape``; the adjoint of im2col."""
    check_float("col2im", cols)
    xp = get_array_module(cols)
    n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow = conv_geometry(
        "col2im", x_shape, kernel, stride, padding, dilation)
    if tuple(cols.shape) != (n * oh * ow, c * kh * kw):
        raise ValueError(f"col2im: cols of shape {tuple(cols.shape)} does not match x_shape "
                         f"{tuple(x_shape)} (expected {(n * oh * ow, c * kh * kw)})")
    cols = xp.ascontiguousarray(cols)
    dx = xp.empty((n, c, h, w), dtype=cols.dtype)
    _launch(_kernels(cols.dtype.name).col2im, dx.size, _stream_for(cols),
            _dev(cols), _dev(dx), n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow)
    return dx


def maxpool2d_forward(x, kernel, stride, padding, ceil_mode):
    """GPU max pooling: x (N, C, H, W) -> (out, argmax int64), both (N, C, OH, OW)."""
    check_nchw("maxpool2d_forward", x)
    check_float("maxpool2d_forward", x)
    xp = get_array_module(x)
    n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow = pool_geometry(
        "maxpool2d_forward", x.shape, kernel, stride, padding, ceil_mode)
    x = xp.ascontiguousarray(x)
    out = xp.empty((n, c, oh, ow), dtype=x.dtype)
    arg = xp.empty((n, c, oh, ow), dtype=np.int64)
    _launch(_kernels(x.dtype.name).maxpool_fwd, out.size, _stream_for(x),
            _dev(x), _dev(out), _dev(arg), n * c, h, w, kh, kw, sh, sw, ph, pw, oh, ow)
    return out, arg


def maxpool2d_backward(dy, argmax, x_shape):
    """GPU max-pool backward: scatter-add dy (N, C, OH, OW) to argmax -> dx of ``x_shape``.

    Uses atomic adds, so where windows overlap the summation order (and the last
    bits of float results) may vary between runs.
    """
    check_nchw("maxpool2d_backward", dy)
    check_float("maxpool2d_backward", dy)
    xp = get_array_module(dy)
    if tuple(argmax.shape) != tuple(dy.shape):
        raise ValueError(f"maxpool2d_backward: argmax shape {tuple(argmax.shape)} != dy shape {tuple(dy.shape)}")
    n, c, h, w = (int(v) for v in x_shape)
    if (n, c) != tuple(dy.shape[:2]):
        raise ValueError(f"maxpool2d_backward: dy shape {tuple(dy.shape)} does not match x_shape {tuple(x_shape)}")
    dy = xp.ascontiguousarray(dy)
    arg = xp.ascontiguousarray(argmax, dtype=np.int64)
    dx = xp.zeros((n, c, h, w), dtype=dy.dtype)
    _launch(_kernels(dy.dtype.name).maxpool_bwd, dy.size, _stream_for(dy),
            _dev(dy), _dev(arg), _dev(dx), n * c, h * w, dy.shape[2] * dy.shape[3])
    return dx


def avgpool2d_forward(x, kernel, stride, padding, ceil_mode, count_include_pad):
    """GPU average pooling: x (N, C, H, W) -> (N, C, OH, OW), PyTorch's divisor rule."""
    check_nchw("avgpool2d_forward", x)
    check_float("avgpool2d_forward", x)
    xp = get_array_module(x)
    n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow = pool_geometry(
        "avgpool2d_forward", x.shape, kernel, stride, padding, ceil_mode)
    x = xp.ascontiguousarray(x)
    out = xp.empty((n, c, oh, ow), dtype=x.dtype)
    _launch(_kernels(x.dtype.name).avgpool_fwd, out.size, _stream_for(x),
            _dev(x), _dev(out), n * c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, bool(count_include_pad))
    return out


def avgpool2d_backward(dy, x_shape, kernel, stride, padding, ceil_mode, count_include_pad):
    """GPU average-pool backward: dy (N, C, OH, OW) -> dx of ``x_shape``."""
    check_nchw("avgpool2d_backward", dy)
    check_float("avgpool2d_backward", dy)
    xp = get_array_module(dy)
    n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow = pool_geometry(
        "avgpool2d_backward", x_shape, kernel, stride, padding, ceil_mode)
    if tuple(dy.shape) != (n, c, oh, ow):
        raise ValueError(f"avgpool2d_backward: dy shape {tuple(dy.shape)} != expected {(n, c, oh, ow)} "
                         f"for x_shape {tuple(x_shape)}")
    dy = xp.ascontiguousarray(dy)
    dx = xp.empty((n, c, h, w), dtype=dy.dtype)
    _launch(_kernels(dy.dtype.name).avgpool_bwd, dx.size, _stream_for(dy),
            _dev(dy), _dev(dx), n * c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, bool(count_include_pad))
    return dx


# --- fused helpers ------------------------------------------------------------

def _launch_reduction(kernel, channels, stream, *args):
    """Launch a per-channel reduction ``kernel``: blocks over channels, RED_THREADS each."""
    if channels <= 0:
        return
    blocks = 2 if config.ENABLE_CUDASIM else min(channels, MAX_BLOCKS)
    kernel[blocks, RED_THREADS, stream](*args)


def _contig(xp, *arrays):
    return [xp.ascontiguousarray(a) for a in arrays]


def bias_relu_forward(y, bias):
    """GPU: in place ``y = max(y + bias[c], 0)`` on C-contiguous y (N, C[, H, W]); returns y."""
    n, c, hw = channel_view_shape("bias_relu_forward", y, bias)
    if not y.flags.c_contiguous:
        raise ValueError("bias_relu_forward: y must be C-contiguous (it is updated in place)")
    xp = get_array_module(y)
    (bias,) = _contig(xp, bias)
    _launch(_kernels(y.dtype.name).bias_relu_fwd, y.size, _stream_for(y), _dev(y), _dev(bias), c, hw, y.size)
    return y


def bias_relu_backward(dy, y):
    """GPU: ``(dx, dbias)`` with dx = dy where y > 0 else 0 and dbias (C,) its channel sums."""
    n, c, hw = channel_view_shape("bias_relu_backward", dy)
    check_same("bias_relu_backward", dy, y)
    xp = get_array_module(dy)
    dy, y = _contig(xp, dy, y)
    dx = xp.empty_like(dy)
    dbias = xp.empty(c, dtype=dy.dtype)
    _launch_reduction(_kernels(dy.dtype.name).bias_relu_bwd, c, _stream_for(dy),
                      _dev(dy), _dev(y), _dev(dx), _dev(dbias), n, c, hw)
    return dx, dbias


def channel_mean_var(x):
    """GPU, one pass: per-channel mean and biased variance of x (N, C[, H, W]), (C,) each."""
    n, c, hw = channel_view_shape("channel_mean_var", x)
    if n * hw == 0:
        raise ValueError(f"channel_mean_var: no elements per channel in x {tuple(x.shape)}")
    xp = get_array_module(x)
    (x,) = _contig(xp, x)
    mean = xp.empty(c, dtype=x.dtype)
    var = xp.empty(c, dtype=x.dtype)
    _launch_reduction(_kernels(x.dtype.name).mean_var, c, _stream_for(x), _dev(x), _dev(mean), _dev(var),
                      n, c, hw)
    return mean, var


def channel_sum_dot(a, b):
    """GPU, one pass: per-channel ``sum(a)`` and ``sum(a * b)``, (C,) each."""
    n, c, hw = channel_view_shape("channel_sum_dot", a)
    check_same("channel_sum_dot", a, b)
    xp = get_array_module(a)
    a, b = _contig(xp, a, b)
    s = xp.empty(c, dtype=a.dtype)
    d = xp.empty(c, dtype=a.dtype)
    _launch_reduction(_kernels(a.dtype.name).sum_dot, c, _stream_for(a), _dev(a), _dev(b), _dev(s), _dev(d),
                      n, c, hw)
    return s, d


def channel_affine(x, scale, shift, out=None):
    """GPU: ``x * scale[c] + shift[c]``; ``out`` may be x itself."""
    n, c, hw = channel_view_shape("channel_affine", x, scale, shift)
    xp = get_array_module(x)
    x, scale, shift = _contig(xp, x, scale, shift)
    if out is None:
        out = xp.empty_like(x)
    else:
        check_out("channel_affine", out, x)
    _launch(_kernels(x.dtype.name).affine, x.size, _stream_for(x),
            _dev(x), _dev(scale), _dev(shift), _dev(out), c, hw, x.size)
    return out


def channel_combine(a, b, alpha, beta, gamma, out=None):
    """GPU: ``alpha[c] * a + beta[c] * b + gamma[c]``; ``out`` may be a or b."""
    n, c, hw = channel_view_shape("channel_combine", a, alpha, beta, gamma)
    check_same("channel_combine", a, b)
    xp = get_array_module(a)
    a, b, alpha, beta, gamma = _contig(xp, a, b, alpha, beta, gamma)
    if out is None:
        out = xp.empty_like(a)
    else:
        check_out("channel_combine", out, a)
    _launch(_kernels(a.dtype.name).combine, a.size, _stream_for(a),
            _dev(a), _dev(b), _dev(alpha), _dev(beta), _dev(gamma), _dev(out), c, hw, a.size)
    return out
