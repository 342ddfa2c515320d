"""Winograd F(2x2, 3x3) tile transforms on channels-last (NHWC) memory: reference and Numba kernels.

The channels-last twins of ``kernels/winograd_planes.py``. The arrays are
handed over as (N, H, W, C) views (``x.transpose(0, 2, 3, 1)`` of a
channels-last (N, C, H, W) array, C-contiguous; any other strides work too,
slower) and the transformed tiles are laid out ``(16, tiles, channels)``:
``v[k, t, c]`` is frequency k = 4a + b of tile t (t = image * TH*TW + ty * TW
+ tx) of channel c, the transpose of the planes' layout, so the GEMMs of
``kernels/winograd.py`` are ``M[k] = V[k] @ U[k]`` (T, O) and every transform
reads and writes runs of contiguous channels: the output transform writes
each output pixel's O channels in place in an NHWC output, and the input
gradient is written in NHWC memory, with no transposing copy either way.

The references are the planes' references applied to transposed views (the
same arithmetic); the Numba kernels work on one row of tiles (input, output,
output gradient) or one image (input gradient, whose tiles overlap) per
``prange`` item, and apply the four-point transforms with the helpers of
section 2, one channel vector at a time, the channel loop innermost (as
``kernels/winograd4.py`` does with six points). Unrolled over all 16
frequencies in one channel loop instead, the output-gradient kernel took
9-36x longer and the others up to 1.5x (one thread, N6's batch of 32 at
64-512 channels): that loop touched up to 20 arrays, which Numba/LLVM did not
vectorise.
"""
from __future__ import annotations

import numpy as np

from . import winograd_planes as planes
from ._numba import gather, prange, uint64

__all__ = ["TRANSFORMS", "compile_numba"]


# --- 1. NumPy references: the planes' transforms on transposed views -------------------

def _input_numpy(x, ph, pw, th, tw, v):
    # x (n, H, W, C) -> v (16, n*TH*TW, C)
    planes.TRANSFORMS["numpy"][0](x.transpose(0, 3, 1, 2), ph, pw, th, tw, v.transpose(0, 2, 1))


def _output_numpy(m, y, bias, th, tw):
    # m (16, n*TH*TW, O) -> y (n, OH, OW, O)
    planes.TRANSFORMS["numpy"][1](m.transpose(0, 2, 1), y.transpose(0, 3, 1, 2), bias, th, tw)


def _grad_output_numpy(dy, th, tw, dm):
    # dy (n, OH, OW, O) -> dm (16, n*TH*TW, O)
    planes.TRANSFORMS["numpy"][2](dy.transpose(0, 3, 1, 2), th, tw, dm.transpose(0, 2, 1))


def _grad_input_numpy(dv, dx, ph, pw, th, tw):
    # dv (16, n*TH*TW, C) -> dx (n, H, W, C)
    planes.TRANSFORMS["numpy"][3](dv.transpose(0, 2, 1), dx.transpose(0, 3, 1, 2), ph, pw, th, tw)


# --- 2. the four-point transforms of one channel vector (Numba helpers, inlined into the kernels) -----

def _bt4(d0, d1, d2, d3, o0, o1, o2, o3, count):
    """(o0..o3) = BT (d0..d3) = (d0 - d2, d1 + d2, d2 - d1, d1 - d3), elementwise over ``count`` channels."""
    for c in range(uint64(count)):
        a1 = d1[c]
        a2 = d2[c]
        o0[c] = d0[c] - a2
        o1[c] = a1 + a2
        o2[c] = a2 - a1
        o3[c] = a1 - d3[c]


def _at4(m0, m1, m2, m3, o0, o1, count):
    """(o0, o1) = AT (m0..m3) = (m0 + m1 + m2, m1 - m2 - m3), elementwise over ``count`` channels."""
    for c in range(uint64(count)):
        a1 = m1[c]
        a2 = m2[c]
        o0[c] = m0[c] + a1 + a2
        o1[c] = a1 - a2 - m3[c]


def _a4(g0, g1, o0, o1, o2, o3, count):
    """(o0..o3) = AT^T (g0, g1) = (g0, g0 + g1, g0 - g1, -g1), elementwise over ``count`` channels."""
    for c in range(uint64(count)):
        a0 = g0[c]
        a1 = g1[c]
        o0[c] = a0
        o1[c] = a0 + a1
        o2[c] = a0 - a1
        o3[c] = -a1


def _b4_terms(a0, a1, a2, a3):
    """BT^T (a0..a3) = (a0, a1 - a2 + a3, -a0 + a1 + a2, -a3) for one channel, shared by :func:`_b4` and
    :func:`_b4_add`."""
    return a0, a1 - a2 + a3, -a0 + a1 + a2, -a3


def _b4(v0, v1, v2, v3, o0, o1, o2, o3, count):
    """(o0..o3) = BT^T (v0..v3), elementwise over ``count`` channels."""
    for c in range(uint64(count)):
        o0[c], o1[c], o2[c], o3[c] = _b4_terms(v0[c], v1[c], v2[c], v3[c])


def _b4_add(v0, v1, v2, v3, o0, o1, o2, o3, count):
    """(o0..o3) += BT^T (v0..v3), elementwise over ``count`` channels."""
    for c in range(uint64(count)):
        t0, t1, t2, t3 = _b4_terms(v0[c], v1[c], v2[c], v3[c])
        o0[c] += t0
        o1[c] += t1
        o2[c] += t2
        o3[c] += t3


# --- 3. Numba CPU kernels ------------------------------------------------------------

def _wino_input_cl(x, ph, pw, th, tw, v):
    # v[k, b*TH*TW + ty*TW + tx, :] = (BT d BT^T)[k // 4, k % 4] for the 4x4 patch d (of C-vectors) of the tile
    n, h, w, c = x.shape
    tiles = th * tw
    wp = 2 * tw + 2
    for q in prange(n * th):
        b = q // th
        ty = q % th
        d = np.zeros((4, wp, c), dtype=x.dtype)      # the tile row's 4 padded input rows
        for i in range(4):
            yy = 2 * ty + i - ph
            if 0 <= yy < h:
                for xx in range(w):
                    gather(d[i, pw + xx], 0, x[b, yy, xx], 0, 1, c)
        rows = np.empty((4, wp, c), dtype=x.dtype)
        for j in range(wp):                           # BT d, along whole rows
            _bt4(d[0, j], d[1, j], d[2, j], d[3, j], rows[0, j], rows[1, j], rows[2, j], rows[3, j], c)
        base = b * tiles + ty * tw
        for a in range(4):                            # (BT d) BT^T, tile by tile
            k = 4 * a
            for tx in range(tw):
                x0 = 2 * tx
                t = base + tx
                _bt4(rows[a, x0], rows[a, x0 + 1], rows[a, x0 + 2], rows[a, x0 + 3],
                     v[k, t], v[k + 1, t], v[k + 2, t], v[k + 3, t], c)


def _wino_output_cl(m, bias, th, tw, y):
    # y[b, 2ty + i, 2tx + j, :] = bias + (AT M AT^T)[i, j] of the tile, cropped to (OH, OW); m (16, n*TH*TW, O)
    n, oh, ow, o_ = y.shape
    tiles = th * tw
    for q in prange(n * th):
        b = q // th
        ty = q % th
        y0 = 2 * ty
        u = np.empty((2, 4, o_), dtype=y.dtype)       # AT M: 2 rows of the tile's 4 columns
        out = np.empty((2, 2, o_), dtype=y.dtype)
        for tx in range(tw):
            t = b * tiles + ty * tw + tx
            for j in range(4):
                _at4(m[j, t], m[4 + j, t], m[8 + j, t], m[12 + j, t], u[0, j], u[1, j], o_)
            for i in range(2):
                _at4(u[i, 0], u[i, 1], u[i, 2], u[i, 3], out[i, 0], out[i, 1], o_)
            x0 = 2 * tx
            for i in range(min(2, oh - y0)):
                for j in range(min(2, ow - x0)):
                    dst = y[b, y0 + i, x0 + j]
                    src = out[i, j]
                    for oo in range(uint64(o_)):
                        dst[oo] = src[oo] + bias[oo]


def _wino_grad_output_cl(dy, th, tw, dm):
    # dm[k, t, :] = (AT^T g AT)[k // 4, k % 4] for the 2x2 tile g (of O-vectors) of dy (zero beyond the plane)
    n, oh, ow, o_ = dy.shape
    tiles = th * tw
    for q in prange(n * th):
        b = q // th
        ty = q % th
        g = np.zeros((2, 2 * tw, o_), dtype=dy.dtype)   # the tile row's two output rows, zero-extended
        for i in range(2):
            yy = 2 * ty + i
            if yy < oh:
                for xx in range(ow):
                    gather(g[i, xx], 0, dy[b, yy, xx], 0, 1, o_)
        e = np.empty((4, 2, o_), dtype=dy.dtype)        # AT^T g: 4 rows of the tile's 2 columns
        for tx in range(tw):
            x0 = 2 * tx
            t = b * tiles + ty * tw + tx
            for j in range(2):
                _a4(g[0, x0 + j], g[1, x0 + j], e[0, j], e[1, j], e[2, j], e[3, j], o_)
            for a in range(4):
                k = 4 * a
                _a4(e[a, 0], e[a, 1], dm[k, t], dm[k + 1, t], dm[k + 2, t], dm[k + 3, t], o_)


def _wino_grad_input_cl(dv, ph, pw, th, tw, dx):
    # dx[b] = sum over tiles of BT^T dV BT (of C-vectors) added at the tile's 4x4 patch, cropped by the padding
    n, h, w, c = dx.shape
    tiles = th * tw
    for b in prange(n):
        pad = np.zeros((2 * th + 2, 2 * tw + 2, c), dtype=dx.dtype)
        f = np.empty((4, 4, c), dtype=dx.dtype)         # BT^T dV: 4 rows of the tile's 4 columns
        for ty in range(th):
            y0 = 2 * ty
            for tx in range(tw):
                t = b * tiles + ty * tw + tx
                x0 = 2 * tx
                for j in range(4):
                    _b4(dv[j, t], dv[4 + j, t], dv[8 + j, t], dv[12 + j, t], f[0, j], f[1, j], f[2, j], f[3, j], c)
                for i in range(4):
                    pr = pad[y0 + i]
                    _b4_add(f[i, 0], f[i, 1], f[i, 2], f[i, 3], pr[x0], pr[x0 + 1], pr[x0 + 2], pr[x0 + 3], c)
        for yy in range(h):
            for xx in range(w):
                gather(dx[b, yy, xx], 0, pad[ph + yy, pw + xx], 0, 1, c)


_INLINE_HELPERS = ("_bt4", "_at4", "_a4", "_b4_terms", "_b4", "_b4_add")
_NUMBA_KERNELS = {name: dict(parallel=True, cache=True)
                  for name in ("_wino_input_cl", "_wino_output_cl", "_wino_grad_output_cl", "_wino_grad_input_cl")}

compile_numba, _NUMBA_TRANSFORMS = planes.numba_entry_points(globals(), channel_axis=3)


# (input, output, grad_output, grad_input) transforms per implementation
TRANSFORMS = {"numpy": (_input_numpy, _output_numpy, _grad_output_numpy, _grad_input_numpy),
              "numba": _NUMBA_TRANSFORMS,
              "cuda": (_input_numpy, _output_numpy, _grad_output_numpy, _grad_input_numpy)}
