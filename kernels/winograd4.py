"""Winograd F(4x4, 3x3) tile transforms, channels-last tiles: reference and Numba kernels.

F(4x4, 3x3) cuts the output into 4x4 tiles, each reading the 6x6 patch d of the
padded input at (4*ty, 4*tx); with Lavin & Gray's matrices ``BT`` (6x6), ``G``
(6x3) and ``AT`` (4x6) below, one tile of one output channel is::

    y_tile = AT [ sum_c (G w[o, c] G^T) * (BT d[c] BT^T) ] AT^T     (* elementwise, 6x6)

so the channel sums are 36 GEMMs with 36 * T * C * O multiply-adds for T tiles
of 16 outputs: 2.25 per output and input channel, against 4 for F(2x2, 3x3)
and 9 for im2col. The driver is ``kernels/winograd.py`` (``tile=4``); the
backward pass is the same algorithm's adjoint, as for F(2x2, 3x3).

Only the channels-last tile layout exists for this size: the arrays are handed
over as (N, H, W, C) views (``x.transpose(0, 2, 3, 1)``: C-contiguous for
channels-last memory, strided, and slower, for NCHW memory) and the tiles are
``(36, tiles, channels)``, ``v[k, t, c]`` frequency k = 6a + b of tile t
(t = image * TH*TW + ty * TW + tx), so the GEMMs are ``M[k] = V[k] @ U[k]``
(T, O) and every transform reads and writes runs of contiguous channels, as in
``kernels/winograd_nhwc.py``.

Each transform has a vectorised reference (written against ``xp``; CuPy arrays
run it too) and a Numba kernel. The Numba kernels apply the six-point
transforms with the helpers of section 2, one channel vector at a time, the
channel loop innermost: one row of tiles per ``prange`` item (input, output,
output gradient), one image per item for the input gradient (its tiles overlap).
"""
from __future__ import annotations

import numpy as np

from minidl.backend import get_array_module

from . import _numba
from ._numba import gather, prange, uint64

__all__ = ["BT", "G", "AT", "TRANSFORMS", "compile_numba"]

# F(4x4, 3x3), interpolation points 0, 1, -1, 2, -2 and infinity: y = AT [(G g G^T) * (BT d BT^T)] AT^T
BT = np.array([[4, 0, -5, 0, 1, 0],
               [0, -4, -4, 1, 1, 0],
               [0, 4, -4, -1, 1, 0],
               [0, -2, -1, 2, 1, 0],
               [0, 2, -1, -2, 1, 0],
               [0, 4, 0, -5, 0, 1]], dtype=np.float64)
G = np.array([[1 / 4, 0, 0],
              [-1 / 6, -1 / 6, -1 / 6],
              [-1 / 6, 1 / 6, -1 / 6],
              [1 / 24, 1 / 12, 1 / 6],
              [1 / 24, -1 / 12, 1 / 6],
              [0, 0, 1]], dtype=np.float64)
AT = np.array([[1, 1, 1, 1, 1, 0],
               [0, 1, -1, 2, -2, 0],
               [0, 1, 1, 4, 4, 0],
               [0, 1, -1, 8, -8, 1]], dtype=np.float64)


# --- 1. NumPy reference transforms (vectorised; written against xp) -------------------

def _input_numpy(x, ph, pw, th, tw, v):
    # x (n, H, W, C) -> v (36, n*TH*TW, C): v[6a+b, t, c] = (BT d BT^T)[a, b] for tile t's 6x6 patch d
    xp = get_array_module(x)
    n, h, w, c = x.shape
    xpad = xp.zeros((n, 4 * th + 2, 4 * tw + 2, c), dtype=v.dtype)
    xpad[:, ph:ph + h, pw:pw + w] = x
    d = xp.stack([xp.stack([xpad[:, i:i + 4 * th:4, j:j + 4 * tw:4] for j in range(6)]) for i in range(6)])
    bt = xp.asarray(BT, dtype=v.dtype)
    v[...] = xp.einsum("ai,ijnuvc,bj->abnuvc", bt, d, bt).reshape(36, -1, c)


def _output_numpy(m, y, bias, th, tw):
    # m (36, n*TH*TW, O) -> y (n, OH, OW, O) = bias + AT M AT^T per tile, cropped
    xp = get_array_module(m)
    n, oh, ow, o = y.shape
    at = xp.asarray(AT, dtype=m.dtype)
    full = xp.einsum("ra,abnuvo,sb->nurvso", at, m.reshape(6, 6, n, th, tw, o), at)
    y[...] = full.reshape(n, 4 * th, 4 * tw, o)[:, :oh, :ow]
    if bias is not None:
        y += bias.reshape(1, 1, 1, -1)


def _grad_output_numpy(dy, th, tw, dm):
    # dy (n, OH, OW, O) -> dm (36, n*TH*TW, O) = AT^T g AT for the 4x4 tile g of dy zero-extended to whole tiles
    xp = get_array_module(dy)
    n, oh, ow, o = dy.shape
    full = xp.zeros((n, 4 * th, 4 * tw, o), dtype=dm.dtype)
    full[:, :oh, :ow] = dy
    at = xp.asarray(AT, dtype=dm.dtype)
    dm[...] = xp.einsum("ra,nurvso,sb->abnuvo", at, full.reshape(n, th, 4, tw, 4, o), at).reshape(36, -1, o)


def _grad_input_numpy(dv, dx, ph, pw, th, tw):
    # dv (36, n*TH*TW, C) -> dx (n, H, W, C): the padded image's sum over tiles of BT^T dV BT, cropped
    xp = get_array_module(dv)
    n, h, w, c = dx.shape
    bt = xp.asarray(BT, dtype=dv.dtype)
    dd = xp.einsum("ai,abnuvc,bj->ijnuvc", bt, dv.reshape(6, 6, n, th, tw, c), bt)
    dxpad = xp.zeros((n, 4 * th + 2, 4 * tw + 2, c), dtype=dv.dtype)
    for i in range(6):
        for j in range(6):
            dxpad[:, i:i + 4 * th:4, j:j + 4 * tw:4] += dd[i, j]
    dx[...] = dxpad[:, ph:ph + h, pw:pw + w]


# --- 2. the six-point transforms of one channel vector (Numba helpers, inlined) ---------

def _bt6(d0, d1, d2, d3, d4, d5, o0, o1, o2, o3, o4, o5, count):
    """(o0..o5) = BT (d0..d5), elementwise over ``count`` channels."""
    # multiples by additions: an integer literal times a float32 would be computed in float64 by Numba
    for c in range(uint64(count)):
        a0, a1, a2, a3, a4, a5 = d0[c], d1[c], d2[c], d3[c], d4[c], d5[c]
        a1x2 = a1 + a1
        a2x2 = a2 + a2
        p = a4 - (a2x2 + a2x2)
        q = a3 - (a1x2 + a1x2)
        r = a4 - a2
        s = (a3 + a3) - a1x2
        e = a0 - a2
        f = a1 - a3
        o0[c] = (e + e) + (e + e) + r
        o1[c] = p + q
        o2[c] = p - q
        o3[c] = r + s
        o4[c] = r - s
        o5[c] = (f + f) + (f + f) + (a5 - a3)


def _at6(m0, m1, m2, m3, m4, m5, o0, o1, o2, o3, count):
    """(o0..o3) = AT (m0..m5), elementwise over ``count`` channels."""
    for c in range(uint64(count)):
        a1, a2, a3, a4 = m1[c], m2[c], m3[c], m4[c]
        sp = a1 + a2
        sm = a1 - a2
        tp = a3 + a4
        tm = a3 - a4
        tp2 = tp + tp
        tm2 = tm + tm
        tm4 = tm2 + tm2
        o0[c] = m0[c] + sp + tp
        o1[c] = sm + tm2
        o2[c] = sp + (tp2 + tp2)
        o3[c] = sm + (tm4 + tm4) + m5[c]


def _a6(g0, g1, g2, g3, o0, o1, o2, o3, o4, o5, count):
    """(o0..o5) = AT^T (g0..g3), elementwise over ``count`` channels (the output transform's adjoint)."""
    for c in range(uint64(count)):
        a0, a1, a2, a3 = g0[c], g1[c], g2[c], g3[c]
        e = a0 + a2
        f = a1 + a3
        a2x2 = a2 + a2
        a3x2 = a3 + a3
        a3x4 = a3x2 + a3x2
        e4 = a0 + (a2x2 + a2x2)
        f8 = (a1 + a1) + (a3x4 + a3x4)
        o0[c] = a0
        o1[c] = e + f
        o2[c] = e - f
        o3[c] = e4 + f8
        o4[c] = e4 - f8
        o5[c] = a3


def _b6_terms(a0, a1, a2, a3, a4, a5):
    """BT^T (a0..a5) for one channel: the input transform's adjoint, shared by :func:`_b6` and :func:`_b6_add`."""
    a0x2 = a0 + a0
    u = a2 - a1 + a5
    u2 = u + u
    z = a4 - a3
    s = a0 + a1 + a2
    s2 = s + s
    m = a1 - a2 - a5
    w = a3 - a4
    a5x2 = a5 + a5
    return (a0x2 + a0x2, (u2 + u2) + (z + z), -((s2 + s2) + (a0 + a3 + a4)), m + (w + w) - (a5x2 + a5x2),
            s + a3 + a4, a5)


def _b6(v0, v1, v2, v3, v4, v5, o0, o1, o2, o3, o4, o5, count):
    """(o0..o5) = BT^T (v0..v5), elementwise over ``count`` channels (the input transform's adjoint)."""
    for c in range(uint64(count)):
        o0[c], o1[c], o2[c], o3[c], o4[c], o5[c] = _b6_terms(v0[c], v1[c], v2[c], v3[c], v4[c], v5[c])


def _b6_add(v0, v1, v2, v3, v4, v5, o0, o1, o2, o3, o4, o5, count):
    """(o0..o5) += BT^T (v0..v5), elementwise over ``count`` channels (the input transform's adjoint)."""
    for c in range(uint64(count)):
        t0, t1, t2, t3, t4, t5 = _b6_terms(v0[c], v1[c], v2[c], v3[c], v4[c], v5[c])
        o0[c] += t0
        o1[c] += t1
        o2[c] += t2
        o3[c] += t3
        o4[c] += t4
        o5[c] += t5


def _wino4_input_cl(x, ph, pw, th, tw, v):
    # v[6a+b, b*TH*TW + ty*TW + tx, :] = (BT d BT^T)[a, b] for the 6x6 patch d (of C-vectors) of the tile
    n, h, w, c = x.shape
    tiles = th * tw
    wp = 4 * tw + 2
    for q in prange(n * th):
        b = q // th
        ty = q % th
        d = np.zeros((6, wp, c), dtype=v.dtype)      # the tile row's 6 padded input rows
        for i in range(6):
            yy = 4 * ty + i - ph
            if 0 <= yy < h:
                for xx in range(w):
                    gather(d[i, pw + xx], 0, x[b, yy, xx], 0, 1, c)
        rows = np.empty((6, wp, c), dtype=v.dtype)
        for j in range(wp):                           # BT d, along whole rows
            _bt6(d[0, j], d[1, j], d[2, j], d[3, j], d[4, j], d[5, j],
                 rows[0, j], rows[1, j], rows[2, j], rows[3, j], rows[4, j], rows[5, j], c)
        base = b * tiles + ty * tw
        for a in range(6):                            # (BT d) BT^T, tile by tile
            k = 6 * a
            for tx in range(tw):
                x0 = 4 * tx
                t = base + tx
                _bt6(rows[a, x0], rows[a, x0 + 1], rows[a, x0 + 2], rows[a, x0 + 3], rows[a, x0 + 4],
                     rows[a, x0 + 5], v[k, t], v[k + 1, t], v[k + 2, t], v[k + 3, t], v[k + 4, t], v[k + 5, t], c)


def _wino4_output_cl(m, bias, th, tw, y):
    # y[b, 4ty + i, 4tx + j, :] = bias + (AT M AT^T)[i, j] of the tile, cropped to (OH, OW); m (36, n*TH*TW, O)
    n, oh, ow, o_ = y.shape
    tiles = th * tw
    for q in prange(n * th):
        b = q // th
        ty = q % th
        y0 = 4 * ty
        u = np.empty((4, 6, o_), dtype=m.dtype)      # AT M: 4 rows of the tile's 6 columns
        out = np.empty((4, 4, o_), dtype=m.dtype)
        for tx in range(tw):
            t = b * tiles + ty * tw + tx
            for j in range(6):
                _at6(m[j, t], m[6 + j, t], m[12 + j, t], m[18 + j, t], m[24 + j, t], m[30 + j, t],
                     u[0, j], u[1, j], u[2, j], u[3, j], o_)
            for i in range(4):
                _at6(u[i, 0], u[i, 1], u[i, 2], u[i, 3], u[i, 4], u[i, 5],
                     out[i, 0], out[i, 1], out[i, 2], out[i, 3], o_)
            x0 = 4 * tx
            for i in range(min(4, oh - y0)):
                for j in range(min(4, ow - x0)):
                    dst = y[b, y0 + i, x0 + j]
                    src = out[i, j]
                    for oo in range(uint64(o_)):
                        dst[oo] = src[oo] + bias[oo]


def _wino4_grad_output_cl(dy, th, tw, dm):
    # dm[6a+b, t, :] = (AT^T g AT)[a, b] for the 4x4 tile g (of O-vectors) of dy (zero beyond the plane)
    n, oh, ow, o_ = dy.shape
    tiles = th * tw
    for q in prange(n * th):
        b = q // th
        ty = q % th
        g = np.zeros((4, 4 * tw, o_), dtype=dm.dtype)   # the tile row's four output rows, zero-extended
        for i in range(4):
            yy = 4 * ty + i
            if yy < oh:
                for xx in range(ow):
                    gather(g[i, xx], 0, dy[b, yy, xx], 0, 1, o_)
        e = np.empty((6, 4, o_), dtype=dm.dtype)        # AT^T g: 6 rows of the tile's 4 columns
        for tx in range(tw):
            x0 = 4 * tx
            t = b * tiles + ty * tw + tx
            for j in range(4):
                _a6(g[0, x0 + j], g[1, x0 + j], g[2, x0 + j], g[3, x0 + j],
                    e[0, j], e[1, j], e[2, j], e[3, j], e[4, j], e[5, j], o_)
            for a in range(6):
                k = 6 * a
                _a6(e[a, 0], e[a, 1], e[a, 2], e[a, 3],
                    dm[k, t], dm[k + 1, t], dm[k + 2, t], dm[k + 3, t], dm[k + 4, t], dm[k + 5, t], o_)


def _wino4_grad_input_cl(dv, ph, pw, th, tw, dx):
    # dx[b] = sum over tiles of BT^T dV BT (of C-vectors) added at the tile's 6x6 patch, cropped by the padding
    n, h, w, c = dx.shape
    tiles = th * tw
    for b in prange(n):
        pad = np.zeros((4 * th + 2, 4 * tw + 2, c), dtype=dv.dtype)
        f = np.empty((6, 6, c), dtype=dv.dtype)         # BT^T dV: 6 rows of the tile's 6 columns
        for ty in range(th):
            y0 = 4 * ty
            for tx in range(tw):
                t = b * tiles + ty * tw + tx
                x0 = 4 * tx
                for j in range(6):
                    _b6(dv[j, t], dv[6 + j, t], dv[12 + j, t], dv[18 + j, t], dv[24 + j, t], dv[30 + j, t],
                        f[0, j], f[1, j], f[2, j], f[3, j], f[4, j], f[5, j], c)
                for i in range(6):
                    pr = pad[y0 + i]
                    _b6_add(f[i, 0], f[i, 1], f[i, 2], f[i, 3], f[i, 4], f[i, 5],
                            pr[x0], pr[x0 + 1], pr[x0 + 2], pr[x0 + 3], pr[x0 + 4], pr[x0 + 5], c)
        for yy in range(h):
            for xx in range(w):
                gather(dx[b, yy, xx], 0, pad[ph + yy, pw + xx], 0, 1, c)


_INLINE_HELPERS = ("_bt6", "_at6", "_a6", "_b6_terms", "_b6", "_b6_add")
_NUMBA_KERNELS = {name: dict(parallel=True, cache=True)
                  for name in ("_wino4_input_cl", "_wino4_output_cl", "_wino4_grad_output_cl", "_wino4_grad_input_cl")}


def compile_numba():
    """Compile the helpers (inlined into the kernels) and the four kernels (once; from Numba's cache when it can)."""
    _numba.compile_kernels(globals(), _NUMBA_KERNELS)


def _input_numba(x, ph, pw, th, tw, v):
    compile_numba()
    _wino4_input_cl(x, ph, pw, th, tw, v)


def _output_numba(m, y, bias, th, tw):
    compile_numba()
    start = np.zeros(y.shape[3], dtype=y.dtype) if bias is None else np.ascontiguousarray(bias, dtype=y.dtype)
    _wino4_output_cl(m, start, th, tw, y)


def _grad_output_numba(dy, th, tw, dm):
    compile_numba()
    _wino4_grad_output_cl(dy, th, tw, dm)


def _grad_input_numba(dv, dx, ph, pw, th, tw):
    compile_numba()
    _wino4_grad_input_cl(dv, ph, pw, th, tw, dx)


# (input, output, grad_output, grad_input) transforms per implementation
TRANSFORMS = {"numpy": (_input_numpy, _output_numpy, _grad_output_numpy, _grad_input_numpy),
              "numba": (_input_numba, _output_numba, _grad_output_numba, _grad_input_numba),
              "cuda": (_input_numpy, _output_numpy, _grad_output_numpy, _grad_input_numpy)}
