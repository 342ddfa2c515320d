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
``prange`` item, with the channel loop innermost.
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


# --- 2. Numba CPU kernels ------------------------------------------------------------

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
            d0, d1, d2, d3 = d[0, j], d[1, j], d[2, j], d[3, j]
            s0, s1, s2, s3 = rows[0, j], rows[1, j], rows[2, j], rows[3, j]
            for ci in range(uint64(c)):
                s0[ci] = d0[ci] - d2[ci]
                s1[ci] = d1[ci] + d2[ci]
                s2[ci] = d2[ci] - d1[ci]
                s3[ci] = d1[ci] - d3[ci]
        base = b * tiles + ty * tw
        for a in range(4):                            # (BT d) BT^T, tile by tile
            for tx in range(tw):
                x0 = 2 * tx
                r0, r1, r2, r3 = rows[a, x0], rows[a, x0 + 1], rows[a, x0 + 2], rows[a, x0 + 3]
                t = base + tx
                v0, v1, v2, v3 = v[4 * a, t], v[4 * a + 1, t], v[4 * a + 2, t], v[4 * a + 3, t]
                for ci in range(uint64(c)):
                    v0[ci] = r0[ci] - r2[ci]
                    v1[ci] = r1[ci] + r2[ci]
                    v2[ci] = r2[ci] - r1[ci]
                    v3[ci] = r1[ci] - r3[ci]


def _wino_output_cl(m, bias, th, tw, y):
    # y[b, 2ty + i, 2tx + j, :] = bias + (AT M AT^T)[i, j] of the tile, cropped to (OH, OW); m (16, n*TH*TW, O)
    n, oh, ow, o_ = y.shape
    tiles = th * tw
    for q in prange(n * th):
        b = q // th
        ty = q % th
        y0 = 2 * ty
        quad = np.empty((4, o_), dtype=y.dtype)
        q0, q1, q2, q3 = quad[0], quad[1], quad[2], quad[3]
        for tx in range(tw):
            t = b * tiles + ty * tw + tx
            m0, m1, m2, m3 = m[0, t], m[1, t], m[2, t], m[3, t]
            m4, m5, m6, m7 = m[4, t], m[5, t], m[6, t], m[7, t]
            m8, m9, m10, m11 = m[8, t], m[9, t], m[10, t], m[11, t]
            m12, m13, m14, m15 = m[12, t], m[13, t], m[14, t], m[15, t]
            for oo in range(uint64(o_)):
                # AT M: rows u0 = M0 + M1 + M2, u1 = M1 - M2 - M3 (M_a the a-th row of the 4x4 tile)
                u00 = m0[oo] + m4[oo] + m8[oo]
                u01 = m1[oo] + m5[oo] + m9[oo]
                u02 = m2[oo] + m6[oo] + m10[oo]
                u03 = m3[oo] + m7[oo] + m11[oo]
                u10 = m4[oo] - m8[oo] - m12[oo]
                u11 = m5[oo] - m9[oo] - m13[oo]
                u12 = m6[oo] - m10[oo] - m14[oo]
                u13 = m7[oo] - m11[oo] - m15[oo]
                bo = bias[oo]
                q0[oo] = bo + u00 + u01 + u02
                q1[oo] = bo + u01 - u02 - u03
                q2[oo] = bo + u10 + u11 + u12
                q3[oo] = bo + u11 - u12 - u13
            x0 = 2 * tx
            gather(y[b, y0, x0], 0, q0, 0, 1, o_)
            if x0 + 1 < ow:
                gather(y[b, y0, x0 + 1], 0, q1, 0, 1, o_)
            if y0 + 1 < oh:
                gather(y[b, y0 + 1, x0], 0, q2, 0, 1, o_)
                if x0 + 1 < ow:
                    gather(y[b, y0 + 1, x0 + 1], 0, q3, 0, 1, o_)


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
        for tx in range(tw):
            x0 = 2 * tx
            g00, g01, g10, g11 = g[0, x0], g[0, x0 + 1], g[1, x0], g[1, x0 + 1]
            t = b * tiles + ty * tw + tx
            d0, d1, d2, d3 = dm[0, t], dm[1, t], dm[2, t], dm[3, t]
            d4, d5, d6, d7 = dm[4, t], dm[5, t], dm[6, t], dm[7, t]
            d8, d9, d10, d11 = dm[8, t], dm[9, t], dm[10, t], dm[11, t]
            d12, d13, d14, d15 = dm[12, t], dm[13, t], dm[14, t], dm[15, t]
            for oo in range(uint64(o_)):
                a00 = g00[oo]
                a01 = g01[oo]
                a10 = g10[oo]
                a11 = g11[oo]
                # AT^T g: each tile column (g0, g1) becomes (g0, g0 + g1, g0 - g1, -g1)
                c10 = a00 + a10
                c11 = a01 + a11
                c20 = a00 - a10
                c21 = a01 - a11
                d0[oo] = a00
                d1[oo] = a00 + a01
                d2[oo] = a00 - a01
                d3[oo] = -a01
                d4[oo] = c10
                d5[oo] = c10 + c11
                d6[oo] = c10 - c11
                d7[oo] = -c11
                d8[oo] = c20
                d9[oo] = c20 + c21
                d10[oo] = c20 - c21
                d11[oo] = -c21
                d12[oo] = -a10
                d13[oo] = -a10 - a11
                d14[oo] = a11 - a10
                d15[oo] = a11


def _wino_grad_input_cl(dv, ph, pw, th, tw, dx):
    # dx[b] = sum over tiles of BT^T dV BT (of C-vectors) added at the tile's 4x4 patch, cropped by the padding
    n, h, w, c = dx.shape
    tiles = th * tw
    for b in prange(n):
        pad = np.zeros((2 * th + 2, 2 * tw + 2, c), dtype=dx.dtype)
        for ty in range(th):
            y0 = 2 * ty
            for tx in range(tw):
                t = b * tiles + ty * tw + tx
                x0 = 2 * tx
                v0, v1, v2, v3 = dv[0, t], dv[1, t], dv[2, t], dv[3, t]
                v4, v5, v6, v7 = dv[4, t], dv[5, t], dv[6, t], dv[7, t]
                v8, v9, v10, v11 = dv[8, t], dv[9, t], dv[10, t], dv[11, t]
                v12, v13, v14, v15 = dv[12, t], dv[13, t], dv[14, t], dv[15, t]
                p00, p01, p02, p03 = pad[y0, x0], pad[y0, x0 + 1], pad[y0, x0 + 2], pad[y0, x0 + 3]
                p10, p11, p12, p13 = pad[y0 + 1, x0], pad[y0 + 1, x0 + 1], pad[y0 + 1, x0 + 2], pad[y0 + 1, x0 + 3]
                p20, p21, p22, p23 = pad[y0 + 2, x0], pad[y0 + 2, x0 + 1], pad[y0 + 2, x0 + 2], pad[y0 + 2, x0 + 3]
                p30, p31, p32, p33 = pad[y0 + 3, x0], pad[y0 + 3, x0 + 1], pad[y0 + 3, x0 + 2], pad[y0 + 3, x0 + 3]
                for ci in range(uint64(c)):
                    # BT^T acting on a 4-vector v: (v0, v1 - v2 + v3, -v0 + v1 + v2, -v3); first along b (columns)
                    e00 = v0[ci]
                    e01 = v1[ci] - v2[ci] + v3[ci]
                    e02 = -v0[ci] + v1[ci] + v2[ci]
                    e03 = -v3[ci]
                    e10 = v4[ci]
                    e11 = v5[ci] - v6[ci] + v7[ci]
                    e12 = -v4[ci] + v5[ci] + v6[ci]
                    e13 = -v7[ci]
                    e20 = v8[ci]
                    e21 = v9[ci] - v10[ci] + v11[ci]
                    e22 = -v8[ci] + v9[ci] + v10[ci]
                    e23 = -v11[ci]
                    e30 = v12[ci]
                    e31 = v13[ci] - v14[ci] + v15[ci]
                    e32 = -v12[ci] + v13[ci] + v14[ci]
                    e33 = -v15[ci]
                    # then along a (rows): row0 += e0, row1 += e1 - e2 + e3, row2 += -e0 + e1 + e2, row3 -= e3
                    p00[ci] += e00
                    p01[ci] += e01
                    p02[ci] += e02
                    p03[ci] += e03
                    p10[ci] += e10 - e20 + e30
                    p11[ci] += e11 - e21 + e31
                    p12[ci] += e12 - e22 + e32
                    p13[ci] += e13 - e23 + e33
                    p20[ci] += -e00 + e10 + e20
                    p21[ci] += -e01 + e11 + e21
                    p22[ci] += -e02 + e12 + e22
                    p23[ci] += -e03 + e13 + e23
                    p30[ci] -= e30
                    p31[ci] -= e31
                    p32[ci] -= e32
                    p33[ci] -= e33
        for yy in range(h):
            for xx in range(w):
                gather(dx[b, yy, xx], 0, pad[ph + yy, pw + xx], 0, 1, c)


_NUMBA_KERNELS = {name: dict(parallel=True, cache=True)
                  for name in ("_wino_input_cl", "_wino_output_cl", "_wino_grad_output_cl", "_wino_grad_input_cl")}

compile_numba, _NUMBA_TRANSFORMS = planes.numba_entry_points(globals(), channel_axis=3)


# (input, output, grad_output, grad_input) transforms per implementation
TRANSFORMS = {"numpy": (_input_numpy, _output_numpy, _grad_output_numpy, _grad_input_numpy),
              "numba": _NUMBA_TRANSFORMS,
              "cuda": (_input_numpy, _output_numpy, _grad_output_numpy, _grad_input_numpy)}
