"""Per-channel passes of batch norm: NumPy reference, Numba kernels, CUDA kernels, dispatch.

x is (N, C) or (N, C, H, W), per-channel vectors are (C,); the kernels work on
the (N, C, HW) view (:class:`~.shapes.ChannelGeometry`).

- ``channel_sum(x)``: the per-channel sum (a convolution's bias gradient), float64 accumulation
- ``channel_mean_var(x) -> (mean, var)``: the training statistics, one pass
- ``channel_sum_dot(a, b) -> (sum a, sum a*b)``: the two sums of the backward pass
- ``channel_affine(x, scale, shift)``: the normalisation ``x * scale[c] + shift[c]``
- ``channel_combine(a, b, alpha, beta, gamma)``: the input gradient ``alpha[c]*a + beta[c]*b + gamma[c]``
"""
from __future__ import annotations

import numpy as np

from minidl.backend import get_array_module

from . import _numba, nhwc
from ._dispatch import implementation
from ._numba import REDUCE_MATH, prange, uint64
from .layout import empty_in_layout, is_channels_last, to_channels_last
from .shapes import ChannelGeometry, check_out, check_same

__all__ = ["channel_sum", "channel_mean_var", "channel_sum_dot", "channel_affine", "channel_combine"]


# --- 1. NumPy reference (vectorised, float64 sums; written against xp) ------------

def _per_channel(v, ndim):
    """Reshape a (C,) vector to broadcast against an (N, C, ...) array of ``ndim`` dims."""
    return v.reshape((v.shape[0],) + (1,) * (ndim - 2))


def _mean_var_numpy(x, g):
    xp = get_array_module(x)
    axes = (0,) + tuple(range(2, x.ndim))
    mean = x.mean(axis=axes, dtype=xp.float64)
    var = ((x - _per_channel(mean, x.ndim)) ** 2).mean(axis=axes)
    return mean.astype(x.dtype), var.astype(x.dtype)


def _sum_dot_numpy(a, b, g):
    xp = get_array_module(a)
    axes = (0,) + tuple(range(2, a.ndim))
    s = a.sum(axis=axes, dtype=xp.float64)
    d = (a.astype(xp.float64) * b).sum(axis=axes)
    return s.astype(a.dtype), d.astype(a.dtype)


def _affine_numpy(x, scale, shift, out, g):
    xp = get_array_module(x)
    xp.multiply(x, _per_channel(scale, x.ndim), out=out)
    out += _per_channel(shift, x.ndim)
    return out


def _combine_numpy(a, b, alpha, beta, gamma, out, g):
    xp = get_array_module(a)
    nd = a.ndim
    tmp = b * _per_channel(beta, nd)
    xp.multiply(a, _per_channel(alpha, nd), out=out)
    out += tmp
    out += _per_channel(gamma, nd)
    return out


# --- 2. Numba CPU kernels: reductions split over channels, the rest over (n, c) planes ---

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


def _affine(x, scale, shift, out):
    n, c, hw = x.shape
    for p in prange(n * c):
        ch = p % c
        src, dst = x[p // c, ch], out[p // c, ch]
        sc, sh = scale[ch], shift[ch]
        for k in range(uint64(hw)):
            dst[k] = src[k] * sc + sh


def _combine(a, b, alpha, beta, gamma, out):
    n, c, hw = a.shape
    for p in prange(n * c):
        ch = p % c
        ra, rb, dst = a[p // c, ch], b[p // c, ch], out[p // c, ch]
        al, be, ga = alpha[ch], beta[ch], gamma[ch]
        for k in range(uint64(hw)):
            dst[k] = al * ra[k] + be * rb[k] + ga


_NUMBA_KERNELS = {"_mean_var": dict(parallel=True, cache=True, fastmath=REDUCE_MATH),
                  "_sum_dot": dict(parallel=True, cache=True, fastmath=REDUCE_MATH),
                  "_affine": dict(parallel=True, cache=True),
                  "_combine": dict(parallel=True, cache=True)}


_numba_compiled = False


def compile_numba():
    """Compile this family's Numba kernels (once; loads them from Numba's cache when it can)."""
    if not _numba_compiled:
        _numba.compile_kernels(globals(), _NUMBA_KERNELS)


def _view3(x, g):
    """The (N, C, HW) view of a C-contiguous array."""
    return np.ascontiguousarray(x).reshape(g.n, g.c, g.hw)


def _mean_var_numba(x, g):
    compile_numba()
    mean = np.empty(g.c, dtype=x.dtype)
    var = np.empty(g.c, dtype=x.dtype)
    _mean_var(_view3(x, g), mean, var)
    return mean, var


def _sum_dot_numba(a, b, g):
    compile_numba()
    s = np.empty(g.c, dtype=a.dtype)
    d = np.empty(g.c, dtype=a.dtype)
    _sum_dot(_view3(a, g), _view3(b, g), s, d)
    return s, d


def _affine_numba(x, scale, shift, out, g):
    compile_numba()
    _affine(_view3(x, g), np.ascontiguousarray(scale), np.ascontiguousarray(shift), out.reshape(g.n, g.c, g.hw))
    return out


def _combine_numba(a, b, alpha, beta, gamma, out, g):
    compile_numba()
    _combine(_view3(a, g), _view3(b, g), np.ascontiguousarray(alpha), np.ascontiguousarray(beta),
             np.ascontiguousarray(gamma), out.reshape(g.n, g.c, g.hw))
    return out


# --- 3. CUDA kernels (numba.cuda, see kernels/_cuda.py) ---------------------------

# ``numba.cuda``, bound here by ``_cuda.kernels`` on first use (the simulator swaps this global).
cuda = None

def _cuda_sources(ftype):
    """The CUDA kernels for float type ``ftype``, as Python functions for ``cuda.jit``.

    Elementwise ones: one thread per element, channel = (t // hw) % c.
    Per-channel reductions: one block per channel (grid-stride over channels),
    each thread sums a strided share, then a shared-memory tree reduction; the
    block must have exactly ``RED_THREADS`` threads (a power of two).
    """
    from ._cuda import RED_THREADS
    zero = ftype(0)

    def affine(x, scale, shift, out, c, hw, total):
        for t in range(cuda.grid(1), total, cuda.gridsize(1)):
            ch = (t // hw) % c
            out[t] = x[t] * scale[ch] + shift[ch]

    def combine(a, b, alpha, beta, gamma, out, c, hw, total):
        for t in range(cuda.grid(1), total, cuda.gridsize(1)):
            ch = (t // hw) % c
            out[t] = alpha[ch] * a[t] + beta[ch] * b[t] + gamma[ch]

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

    return dict(affine=affine, combine=combine, mean_var=mean_var, sum_dot=sum_dot)


def _cuda_signatures(ftype):
    """Argument types of each kernel, for its PTX (PtxKernel, and compile_ptx_all in the tests)."""
    from ._cuda import signature_types
    f, _, n = signature_types(ftype)
    return dict(affine=(f, f, f, f, n, n, n), combine=(f, f, f, f, f, f, n, n, n),
                mean_var=(f, f, f, n, n, n), sum_dot=(f, f, f, f, n, n, n))


def _contiguous(*arrays):
    return [get_array_module(a).ascontiguousarray(a) for a in arrays]


def _mean_var_cuda(x, g):
    from . import _cuda
    xp = get_array_module(x)
    (x,) = _contiguous(x)
    mean = xp.empty(g.c, dtype=x.dtype)
    var = xp.empty(g.c, dtype=x.dtype)
    _cuda.launch_reduction(_cuda.kernels(_cuda_sources, x.dtype).mean_var, g.c, _cuda.stream_for(x),
                           _cuda.dev(x), _cuda.dev(mean), _cuda.dev(var), g.n, g.c, g.hw)
    return mean, var


def _sum_dot_cuda(a, b, g):
    from . import _cuda
    xp = get_array_module(a)
    a, b = _contiguous(a, b)
    s = xp.empty(g.c, dtype=a.dtype)
    d = xp.empty(g.c, dtype=a.dtype)
    _cuda.launch_reduction(_cuda.kernels(_cuda_sources, a.dtype).sum_dot, g.c, _cuda.stream_for(a),
                           _cuda.dev(a), _cuda.dev(b), _cuda.dev(s), _cuda.dev(d), g.n, g.c, g.hw)
    return s, d


def _affine_cuda(x, scale, shift, out, g):
    from . import _cuda
    x, scale, shift = _contiguous(x, scale, shift)
    _cuda.launch(_cuda.kernels(_cuda_sources, x.dtype).affine, x.size, _cuda.stream_for(x),
                 _cuda.dev(x), _cuda.dev(scale), _cuda.dev(shift), _cuda.dev(out), g.c, g.hw, x.size)
    return out


def _combine_cuda(a, b, alpha, beta, gamma, out, g):
    from . import _cuda
    a, b, alpha, beta, gamma = _contiguous(a, b, alpha, beta, gamma)
    _cuda.launch(_cuda.kernels(_cuda_sources, a.dtype).combine, a.size, _cuda.stream_for(a),
                 _cuda.dev(a), _cuda.dev(b), _cuda.dev(alpha), _cuda.dev(beta), _cuda.dev(gamma), _cuda.dev(out),
                 g.c, g.hw, a.size)
    return out


# --- 4. dispatch ------------------------------------------------------------------

_MEAN_VAR = {"numpy": _mean_var_numpy, "numba": _mean_var_numba, "cuda": _mean_var_cuda}
_SUM_DOT = {"numpy": _sum_dot_numpy, "numba": _sum_dot_numba, "cuda": _sum_dot_cuda}
_AFFINE = {"numpy": _affine_numpy, "numba": _affine_numba, "cuda": _affine_cuda}
_COMBINE = {"numpy": _combine_numpy, "numba": _combine_numba, "cuda": _combine_cuda}


def _output(name, out, like, channels_last):
    """``out`` checked against ``like``, or a new array shaped and typed like it, NHWC if ``channels_last``."""
    if out is None:
        return empty_in_layout(like.shape, channels_last, like)
    if is_channels_last(out):
        check_out(name, nhwc.nhwc(out), nhwc.nhwc(like).shape, like.dtype)
    else:
        check_out(name, out, like.shape, like.dtype)
    return out


# Channels-last (NHWC) arrays: the Numba kernels of kernels/nhwc.py work on their
# (N*H*W, C) rows; the other implementations see those rows as an (N*H*W, C, 1, 1)
# NCHW array, which holds the same per-channel values.

def _channels_last(*arrays):
    """True when any of the arrays is channels-last (the others are then brought to that layout)."""
    return any(is_channels_last(a) for a in arrays)


def _rows(x):
    """The (N*H*W, C) rows of x in channels-last memory (copied into that layout if needed)."""
    return nhwc.rows(x if is_channels_last(x) else to_channels_last(x))


def _rows4(x):
    return _rows(x)[:, :, None, None]


def channel_sum(x):
    """Per-channel sum of x (N, C) or (N, C, H, W): a (C,) array in x's dtype.

    The bias gradient of a convolution or linear layer (``dy`` summed over
    images and pixels). Sums accumulate in float64 on every path except a
    C-contiguous float array on the CPU, which NumPy sums pairwise along its
    contiguous pixels (as accurate, and faster). Channels-last arrays go to a
    Numba kernel that reads each pixel's channels as one contiguous run: NumPy
    reduces a strided axis one row at a time (11 ms against 0.7 ms for one
    elementwise pass on a (64, 32, 32, 32) float32 gradient).
    """
    g = ChannelGeometry.of("channel_sum", x)
    xp = get_array_module(x)
    if _channels_last(x) and implementation(x) == "numba":
        return nhwc.sum_rows(_rows(x))
    x3 = x.reshape(g.n, g.c, g.hw)
    if xp is np and x3.flags.c_contiguous:
        return x3.sum(axis=(0, 2))
    return x3.sum(axis=(0, 2), dtype=xp.float64).astype(x.dtype)


def channel_mean_var(x):
    """Per-channel mean and biased variance of x (N, C) or (N, C, H, W): two (C,) arrays.

    One pass (shifted sums, float64 accumulation on the CPU); batch-norm
    training statistics. The unbiased variance is ``var * M / (M - 1)``,
    M = N*H*W.
    """
    g = ChannelGeometry.of("channel_mean_var", x)
    if g.n * g.hw == 0:
        raise ValueError(f"channel_mean_var: no elements per channel in x {tuple(x.shape)}")
    impl = implementation(x)
    if _channels_last(x):
        if impl == "numba":
            return nhwc.mean_var(_rows(x))
        x = _rows4(x)
        g = ChannelGeometry.of("channel_mean_var", x)
    return _MEAN_VAR[impl](x, g)


def channel_sum_dot(a, b):
    """Per-channel ``sum(a)`` and ``sum(a * b)`` of two (N, C[, H, W]) arrays, (C,) each.

    The two reductions of batch-norm backward (a = dy, b = x_hat), in one pass.
    """
    g = ChannelGeometry.of("channel_sum_dot", a)
    check_same("channel_sum_dot", a, b)
    impl = implementation(a)
    if _channels_last(a, b):
        if impl == "numba":
            return nhwc.sum_dot(_rows(a), _rows(b))
        a, b = _rows4(a), _rows4(b)
        g = ChannelGeometry.of("channel_sum_dot", a)
    return _SUM_DOT[impl](a, b, g)


def channel_affine(x, scale, shift, out=None):
    """``x * scale[c] + shift[c]`` for x (N, C[, H, W]) in one pass; ``out`` may be x itself."""
    g = ChannelGeometry.of("channel_affine", x, scale, shift)
    out = _output("channel_affine", out, x, _channels_last(x))
    impl = implementation(x)
    if is_channels_last(out):
        if impl == "numba":
            nhwc.affine(_rows(x), scale, shift, _rows(out))
        else:
            x4, o4 = _rows4(x), _rows4(out)
            _AFFINE[impl](x4, scale, shift, o4, ChannelGeometry.of("channel_affine", x4))
        return out
    return _AFFINE[impl](x, scale, shift, out, g)


def channel_combine(a, b, alpha, beta, gamma, out=None):
    """``alpha[c] * a + beta[c] * b + gamma[c]`` for a, b (N, C[, H, W]) in one pass.

    With a = dy and b = x_hat this is batch-norm's input gradient. ``out`` may be a or b.
    """
    g = ChannelGeometry.of("channel_combine", a, alpha, beta, gamma)
    check_same("channel_combine", a, b)
    out = _output("channel_combine", out, a, _channels_last(a, b))
    impl = implementation(a)
    if is_channels_last(out):
        if impl == "numba":
            nhwc.combine(_rows(a), _rows(b), alpha, beta, gamma, _rows(out))
        else:
            a4, b4, o4 = _rows4(a), _rows4(b), _rows4(out)
            _COMBINE[impl](a4, b4, alpha, beta, gamma, o4, ChannelGeometry.of("channel_combine", a4))
        return out
    return _COMBINE[impl](a, b, alpha, beta, gamma, out, g)
