"""Numba CPU kernels for channels-last (NHWC) arrays: max pooling and batch norm's per-channel passes.

``kernels.pooling`` and ``kernels.channel_stats`` hand an array here when its
memory is channels-last (:func:`~.layout.is_channels_last`) and the Numba
kernels are in use, so the layout the im2col convolution produced survives
pooling and batch norm without a transposing copy. Every kernel runs its inner
loop over the contiguous channels; the results are channels-last too. The
NCHW kernels in those modules stay the reference: the tests compare the two.

- ``maxpool_forward(x_nhwc, g) -> (out, argmax)`` and ``maxpool_backward(dy_nhwc, arg_nhwc, shape)``
- ``sum_rows(rows)`` (a convolution's bias gradient), ``mean_var(rows)``,
  ``sum_dot(a_rows, b_rows)``, ``affine(rows, scale, shift, out_rows)``,
  ``combine(a_rows, b_rows, alpha, beta, gamma, out_rows)`` on (M, C) row matrices (M = N*H*W)
"""
from __future__ import annotations

import numpy as np

from . import _numba
from ._numba import REDUCE_MATH, fill, prange, uint64

__all__ = ["maxpool_forward", "maxpool_backward", "sum_rows", "mean_var", "sum_dot", "affine", "combine"]

# Rows per partial sum of the channel reductions: a fixed block (not one per
# thread) keeps the float sums' order, and so the result, independent of the
# thread count.
ROWS_PER_PARTIAL = 512


def _maxpool_fwd_nhwc(x, out, arg, kh, kw, sh, sw, ph, pw):
    # x (N, H, W, C); out, arg (N, OH, OW, C). PyTorch's rule per channel: start
    # at the window's first real element, visit row-major, take v when v > best
    # or v is NaN; arg = flat index y*W + x in the plane.
    n, h, w, c = x.shape
    oh, ow = out.shape[1], out.shape[2]
    uc = uint64(c)
    for q in prange(n * oh):
        b = q // oh
        oy = q % oh
        ys = oy * sh - ph
        y0, y1 = max(ys, 0), min(ys + kh, h)
        for ox in range(ow):
            xs = ox * sw - pw
            x0, x1 = max(xs, 0), min(xs + kw, w)
            o = out[b, oy, ox]
            a = arg[b, oy, ox]
            first = x[b, y0, x0]
            k0 = y0 * w + x0
            for ch in range(uc):
                o[ch] = first[ch]
                a[ch] = k0
            for y in range(y0, y1):
                for xx in range(x0, x1):
                    v = x[b, y, xx]
                    k = y * w + xx
                    for ch in range(uc):
                        vc = v[ch]
                        take = (vc > o[ch]) | (vc != vc)
                        o[ch] = vc if take else o[ch]
                        a[ch] = k if take else a[ch]


def _maxpool_bwd_nhwc(dy, arg, dx, bad):
    # dy, arg (N, OH*OW, C); dx (N, H*W, C); one batch item per work item
    n, hw, c = dx.shape
    uc = uint64(c)
    for b in prange(n):
        fill(dx[b].reshape(-1), 0, hw * c, 0)
        for o in range(dy.shape[1]):
            g, a = dy[b, o], arg[b, o]
            for ch in range(uc):
                k = a[ch]
                if k < 0 or k >= hw:
                    bad[b] = True
                else:
                    dx[b, k, ch] += g[ch]


def _sum_rows(x, s1):
    # x (M, C); s1 (blocks, C) float64 partial sums of each block of rows
    m, c = x.shape
    uc = uint64(c)
    nblk = s1.shape[0]
    for q in prange(nblk):
        a1 = s1[q]
        for ch in range(uc):
            a1[ch] = 0.0
        for r in range(q * ROWS_PER_PARTIAL, min(m, (q + 1) * ROWS_PER_PARTIAL)):
            row = x[r]
            for ch in range(uc):
                a1[ch] += np.float64(row[ch])


def _mean_var_rows(x, pivot, s1, s2):
    # x (M, C); s1, s2 (blocks, C) float64 partial sums of x - pivot and its square
    m, c = x.shape
    uc = uint64(c)
    nblk = s1.shape[0]
    for q in prange(nblk):
        a1, a2 = s1[q], s2[q]
        for ch in range(uc):
            a1[ch] = 0.0
            a2[ch] = 0.0
        for r in range(q * ROWS_PER_PARTIAL, min(m, (q + 1) * ROWS_PER_PARTIAL)):
            row = x[r]
            for ch in range(uc):
                d = np.float64(row[ch]) - pivot[ch]
                a1[ch] += d
                a2[ch] += d * d


def _sum_dot_rows(a, b, s1, s2):
    m, c = a.shape
    uc = uint64(c)
    nblk = s1.shape[0]
    for q in prange(nblk):
        p1, p2 = s1[q], s2[q]
        for ch in range(uc):
            p1[ch] = 0.0
            p2[ch] = 0.0
        for r in range(q * ROWS_PER_PARTIAL, min(m, (q + 1) * ROWS_PER_PARTIAL)):
            ra, rb = a[r], b[r]
            for ch in range(uc):
                va = np.float64(ra[ch])
                p1[ch] += va
                p2[ch] += va * rb[ch]


def _affine_rows(x, scale, shift, out):
    m, c = x.shape
    uc = uint64(c)
    for r in prange(m):
        src, dst = x[r], out[r]
        for ch in range(uc):
            dst[ch] = src[ch] * scale[ch] + shift[ch]


def _combine_rows(a, b, alpha, beta, gamma, out):
    m, c = a.shape
    uc = uint64(c)
    for r in prange(m):
        ra, rb, dst = a[r], b[r], out[r]
        for ch in range(uc):
            dst[ch] = alpha[ch] * ra[ch] + beta[ch] * rb[ch] + gamma[ch]


_NUMBA_KERNELS = {"_maxpool_fwd_nhwc": dict(parallel=True, cache=True),
                  "_sum_rows": dict(parallel=True, cache=True, fastmath=REDUCE_MATH),
                  "_maxpool_bwd_nhwc": dict(parallel=True, cache=True),
                  "_mean_var_rows": dict(parallel=True, cache=True, fastmath=REDUCE_MATH),
                  "_sum_dot_rows": dict(parallel=True, cache=True, fastmath=REDUCE_MATH),
                  "_affine_rows": dict(parallel=True, cache=True),
                  "_combine_rows": dict(parallel=True, cache=True)}

_numba_compiled = False


def compile_numba():
    """Compile this family's Numba kernels (once; loads them from Numba's cache when it can)."""
    if not _numba_compiled:
        _numba.compile_kernels(globals(), _NUMBA_KERNELS)


def nhwc(x):
    """The (N, H, W, C) C-contiguous array behind a channels-last (N, C, H, W) view."""
    return x.transpose(0, 2, 3, 1)


def rows(x):
    """A channels-last (N, C, H, W) array as its (N*H*W, C) row matrix (a view)."""
    return nhwc(x).reshape(-1, x.shape[1])


def maxpool_forward(x, g):
    """Max pooling of channels-last x for geometry ``g``: (out, argmax), channels-last (N, C, OH, OW)."""
    compile_numba()
    out = np.empty((g.n, g.oh, g.ow, g.c), dtype=x.dtype)
    arg = np.empty((g.n, g.oh, g.ow, g.c), dtype=np.int64)
    _maxpool_fwd_nhwc(nhwc(x), out, arg, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw)
    return out.transpose(0, 3, 1, 2), arg.transpose(0, 3, 1, 2)


def maxpool_backward(dy, argmax, n, c, h, w):
    """Scatter-add dy to the argmax positions; channels-last dx (N, C, H, W). dy may have any layout."""
    compile_numba()
    dx = np.empty((n, h * w, c), dtype=dy.dtype)
    bad = np.zeros(n, dtype=np.bool_)
    dy3 = np.ascontiguousarray(nhwc(dy)).reshape(n, -1, c)
    arg3 = np.ascontiguousarray(nhwc(argmax), dtype=np.int64).reshape(n, -1, c)
    _maxpool_bwd_nhwc(dy3, arg3, dx, bad)
    if bad.any():
        raise ValueError(f"maxpool2d_backward: argmax holds indices outside [0, {h * w}) "
                         f"for x_shape {(n, c, h, w)}")
    return dx.reshape(n, h, w, c).transpose(0, 3, 1, 2)


def _partials(m, c, count=2):
    """``count`` float64 (blocks, C) arrays for the partial sums of M rows."""
    blocks = max(1, -(-m // ROWS_PER_PARTIAL))
    return tuple(np.empty((blocks, c)) for _ in range(count))


def sum_rows(x_rows):
    """Per-channel sum of (M, C) rows (float64 partial sums over fixed blocks of rows), in x's dtype."""
    compile_numba()
    (s1,) = _partials(*x_rows.shape, count=1)
    _sum_rows(x_rows, s1)
    return s1.sum(axis=0).astype(x_rows.dtype)


def mean_var(x_rows):
    """Per-channel mean and biased variance of (M, C) rows (shifted float64 sums), in x's dtype."""
    compile_numba()
    m, c = x_rows.shape
    pivot = x_rows[0].astype(np.float64)
    s1, s2 = _partials(m, c)
    _mean_var_rows(x_rows, pivot, s1, s2)
    mu = s1.sum(axis=0) / m
    var = np.maximum(s2.sum(axis=0) / m - mu * mu, 0.0)
    return (pivot + mu).astype(x_rows.dtype), var.astype(x_rows.dtype)


def sum_dot(a_rows, b_rows):
    """Per-channel sum(a) and sum(a*b) of (M, C) rows, in a's dtype."""
    compile_numba()
    s1, s2 = _partials(*a_rows.shape)
    _sum_dot_rows(a_rows, b_rows, s1, s2)
    return s1.sum(axis=0).astype(a_rows.dtype), s2.sum(axis=0).astype(a_rows.dtype)


def affine(x_rows, scale, shift, out_rows):
    """out = x * scale[c] + shift[c] on (M, C) rows."""
    compile_numba()
    _affine_rows(x_rows, np.ascontiguousarray(scale), np.ascontiguousarray(shift), out_rows)
    return out_rows


def combine(a_rows, b_rows, alpha, beta, gamma, out_rows):
    """out = alpha[c] * a + beta[c] * b + gamma[c] on (M, C) rows."""
    compile_numba()
    _combine_rows(a_rows, b_rows, np.ascontiguousarray(alpha), np.ascontiguousarray(beta),
                  np.ascontiguousarray(gamma), out_rows)
    return out_rows
