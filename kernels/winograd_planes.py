"""Winograd F(2x2, 3x3) tile transforms on NCHW memory, plane by plane: reference and Numba kernels.

The transformed tiles are laid out ``(16, channels, tiles)``: ``v[k, c, t]`` is
frequency k = 4a + b of tile t (t = image * TH*TW + ty * TW + tx) of channel
c, so each plane's tiles are contiguous and the GEMMs of ``kernels/winograd.py``
are ``M[k] = U^T[k] @ V[k]`` (O, T). ``kernels/winograd_nhwc.py`` holds the
channels-last twins. Each transform has a vectorised reference (written
against ``xp``; CuPy arrays run it too) and a Numba kernel.
"""
from __future__ import annotations

import numpy as np

from minidl.backend import get_array_module

from . import _numba
from ._numba import gather, prange, uint64

__all__ = ["BT", "G", "AT", "TRANSFORMS", "compile_numba", "numba_entry_points"]

# F(2x2, 3x3): y = AT [(G g G^T) * (BT d BT^T)] AT^T
BT = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], dtype=np.float64)
G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]], dtype=np.float64)
AT = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], dtype=np.float64)


# --- 1. NumPy reference transforms (vectorised; written against xp) -------------------

def _input_numpy(x, ph, pw, th, tw, v):
    # v (16, C, n*TH*TW): v[4a+b, c, t] = (BT d BT^T)[a, b] for tile t's 4x4 patch d of plane c
    xp = get_array_module(x)
    n, c, h, w = x.shape
    xpad = xp.zeros((n, c, 2 * th + 2, 2 * tw + 2), dtype=x.dtype)
    xpad[:, :, ph:ph + h, pw:pw + w] = x
    d = xp.stack([xp.stack([xpad[:, :, i:i + 2 * th:2, j:j + 2 * tw:2] for j in range(4)]) for i in range(4)])
    bt = xp.asarray(BT, dtype=x.dtype)
    tv = xp.einsum("ai,ijnctu,bj->abcntu", bt, d, bt)
    v[...] = tv.reshape(16, c, -1)


def _output_numpy(m, y, bias, th, tw):
    # y (n, O, OH, OW) = AT M AT^T per tile, cropped; m (16, O, n*TH*TW)
    xp = get_array_module(m)
    n, o, oh, ow = y.shape
    at = xp.asarray(AT, dtype=m.dtype)
    full = xp.einsum("ra,abontu,sb->notrus", at, m.reshape(4, 4, o, n, th, tw), at)
    y[...] = full.reshape(n, o, 2 * th, 2 * tw)[:, :, :oh, :ow]
    if bias is not None:
        y += bias.reshape(1, -1, 1, 1)


def _grad_output_numpy(dy, th, tw, dm):
    # dm (16, O, n*TH*TW) = AT^T dy_tile AT (the output transform transposed), dy zero-extended to whole tiles
    xp = get_array_module(dy)
    n, o, oh, ow = dy.shape
    full = xp.zeros((n, o, 2 * th, 2 * tw), dtype=dy.dtype)
    full[:, :, :oh, :ow] = dy
    at = xp.asarray(AT, dtype=dy.dtype)
    tm = xp.einsum("ra,notrus,sb->abontu", at, full.reshape(n, o, th, 2, tw, 2), at)
    dm[...] = tm.reshape(16, o, -1)


def _grad_input_numpy(dv, dx, ph, pw, th, tw):
    # dx (n, C, H, W) = the padded-plane sum over tiles of BT^T dV BT, cropped; dv (16, C, n*TH*TW)
    xp = get_array_module(dv)
    n, c, h, w = dx.shape
    bt = xp.asarray(BT, dtype=dv.dtype)
    dd = xp.einsum("ai,abcntu,bj->ijnctu", bt, dv.reshape(4, 4, c, n, th, tw), bt)
    dxpad = xp.zeros((n, c, 2 * th + 2, 2 * tw + 2), dtype=dv.dtype)
    for i in range(4):
        for j in range(4):
            dxpad[:, :, i:i + 2 * th:2, j:j + 2 * tw:2] += dd[i, j]
    dx[...] = dxpad[:, :, ph:ph + h, pw:pw + w]


# --- 2. Numba CPU kernels -------------------------------------------------------------
# One (image, channel) plane per work item: the plane is copied into a zeroed
# scratch of whole tiles ((2TH+2) x (2TW+2)), so the tile loops need no bounds
# checks; each tile row is one loop over tx that reads the scratch with step 2
# and writes the 16 frequency rows contiguously.

def _wino_input(x, ph, pw, th, tw, v):
    # v[k, c, b*TH*TW + t] = (BT d BT^T)[k // 4, k % 4] for the 4x4 patch d of tile t of plane (b, c)
    n, c, h, w = x.shape
    tiles = th * tw
    wp = 2 * tw + 2
    for q in prange(n * c):
        b = q // c
        ci = q % c
        pad = np.zeros((2 * th + 2, wp), dtype=x.dtype)
        for yy in range(h):
            gather(pad[ph + yy], pw, x[b, ci, yy], 0, 1, w)
        rows = np.empty((4, wp), dtype=x.dtype)
        local = np.empty((16, tiles), dtype=x.dtype)
        for ty in range(th):
            r0 = pad[2 * ty]
            r1 = pad[2 * ty + 1]
            r2 = pad[2 * ty + 2]
            r3 = pad[2 * ty + 3]
            for j in range(uint64(wp)):            # BT d, along whole rows
                rows[0, j] = r0[j] - r2[j]
                rows[1, j] = r1[j] + r2[j]
                rows[2, j] = r2[j] - r1[j]
                rows[3, j] = r1[j] - r3[j]
            base = uint64(ty * tw)
            for a in range(4):                     # (BT d) BT^T, tile by tile
                s = rows[a]
                l0 = local[4 * a]
                l1 = local[4 * a + 1]
                l2 = local[4 * a + 2]
                l3 = local[4 * a + 3]
                for tx in range(uint64(tw)):
                    x0 = tx + tx
                    l0[base + tx] = s[x0] - s[x0 + 2]
                    l1[base + tx] = s[x0 + 1] + s[x0 + 2]
                    l2[base + tx] = s[x0 + 2] - s[x0 + 1]
                    l3[base + tx] = s[x0 + 1] - s[x0 + 3]
        for k in range(16):
            gather(v[k, ci], b * tiles, local[k], 0, 1, tiles)


def _wino_output(m, bias, th, tw, y):
    # y[b, o] = bias[o] + AT M AT^T per tile, cropped to (OH, OW); m (16, O, n*TH*TW)
    n, o_, oh, ow = y.shape
    tiles = th * tw
    for q in prange(n * o_):
        b = q // o_
        o = q % o_
        bo = bias[o]
        pair = np.empty((2, 2 * tw), dtype=y.dtype)
        p0 = pair[0]
        p1 = pair[1]
        m0, m1, m2, m3 = m[0, o], m[1, o], m[2, o], m[3, o]
        m4, m5, m6, m7 = m[4, o], m[5, o], m[6, o], m[7, o]
        m8, m9, m10, m11 = m[8, o], m[9, o], m[10, o], m[11, o]
        m12, m13, m14, m15 = m[12, o], m[13, o], m[14, o], m[15, o]
        for ty in range(th):
            base = uint64(b * tiles + ty * tw)
            for tx in range(uint64(tw)):
                t = base + tx
                # AT M: rows u0 = M0 + M1 + M2, u1 = M1 - M2 - M3 (M_a the a-th row of the 4x4 tile)
                u00 = m0[t] + m4[t] + m8[t]
                u01 = m1[t] + m5[t] + m9[t]
                u02 = m2[t] + m6[t] + m10[t]
                u03 = m3[t] + m7[t] + m11[t]
                u10 = m4[t] - m8[t] - m12[t]
                u11 = m5[t] - m9[t] - m13[t]
                u12 = m6[t] - m10[t] - m14[t]
                u13 = m7[t] - m11[t] - m15[t]
                x0 = tx + tx
                p0[x0] = bo + u00 + u01 + u02
                p0[x0 + 1] = bo + u01 - u02 - u03
                p1[x0] = bo + u10 + u11 + u12
                p1[x0 + 1] = bo + u11 - u12 - u13
            gather(y[b, o, 2 * ty], 0, p0, 0, 1, ow)
            if 2 * ty + 1 < oh:
                gather(y[b, o, 2 * ty + 1], 0, p1, 0, 1, ow)


def _wino_grad_output(dy, th, tw, dm):
    # dm[k, o, b*TH*TW + t] = (AT^T g AT)[k // 4, k % 4] for the 2x2 tile g of dy[b, o] (zero beyond the plane)
    n, o_, oh, ow = dy.shape
    tiles = th * tw
    for q in prange(n * o_):
        b = q // o_
        o = q % o_
        full = np.zeros((2 * th, 2 * tw), dtype=dy.dtype)
        for yy in range(oh):
            gather(full[yy], 0, dy[b, o, yy], 0, 1, ow)
        local = np.empty((16, tiles), dtype=dy.dtype)
        for ty in range(th):
            g0 = full[2 * ty]
            g1 = full[2 * ty + 1]
            base = uint64(ty * tw)
            for tx in range(uint64(tw)):
                x0 = tx + tx
                a00 = g0[x0]
                a01 = g0[x0 + 1]
                a10 = g1[x0]
                a11 = g1[x0 + 1]
                # AT^T g: each tile column (g0, g1) becomes (g0, g0 + g1, g0 - g1, -g1)
                c10 = a00 + a10
                c11 = a01 + a11
                c20 = a00 - a10
                c21 = a01 - a11
                t = base + tx
                local[0, t] = a00
                local[1, t] = a00 + a01
                local[2, t] = a00 - a01
                local[3, t] = -a01
                local[4, t] = c10
                local[5, t] = c10 + c11
                local[6, t] = c10 - c11
                local[7, t] = -c11
                local[8, t] = c20
                local[9, t] = c20 + c21
                local[10, t] = c20 - c21
                local[11, t] = -c21
                local[12, t] = -a10
                local[13, t] = -a10 - a11
                local[14, t] = a11 - a10
                local[15, t] = a11
        for k in range(16):
            gather(dm[k, o], b * tiles, local[k], 0, 1, tiles)


def _wino_grad_input(dv, ph, pw, th, tw, dx):
    # dx[b, c] = sum over tiles of BT^T dV BT added at the tile's 4x4 patch, cropped by the padding
    n, c, h, w = dx.shape
    tiles = th * tw
    for q in prange(n * c):
        b = q // c
        ci = q % c
        pad = np.zeros((2 * th + 2, 2 * tw + 2), dtype=dx.dtype)
        for ty in range(th):
            y0 = 2 * ty
            r0 = pad[y0]
            r1 = pad[y0 + 1]
            r2 = pad[y0 + 2]
            r3 = pad[y0 + 3]
            t0 = uint64(b * tiles + ty * tw)
            for tx in range(uint64(tw)):
                t = t0 + tx
                # BT^T acting on a 4-vector v: (v0, v1 - v2 + v3, -v0 + v1 + v2, -v3); first along b (columns)
                e00 = dv[0, ci, t]
                e01 = dv[1, ci, t] - dv[2, ci, t] + dv[3, ci, t]
                e02 = -dv[0, ci, t] + dv[1, ci, t] + dv[2, ci, t]
                e03 = -dv[3, ci, t]
                e10 = dv[4, ci, t]
                e11 = dv[5, ci, t] - dv[6, ci, t] + dv[7, ci, t]
                e12 = -dv[4, ci, t] + dv[5, ci, t] + dv[6, ci, t]
                e13 = -dv[7, ci, t]
                e20 = dv[8, ci, t]
                e21 = dv[9, ci, t] - dv[10, ci, t] + dv[11, ci, t]
                e22 = -dv[8, ci, t] + dv[9, ci, t] + dv[10, ci, t]
                e23 = -dv[11, ci, t]
                e30 = dv[12, ci, t]
                e31 = dv[13, ci, t] - dv[14, ci, t] + dv[15, ci, t]
                e32 = -dv[12, ci, t] + dv[13, ci, t] + dv[14, ci, t]
                e33 = -dv[15, ci, t]
                x0 = 2 * tx
                # then along a (rows): row0 += e0, row1 += e1 - e2 + e3, row2 += -e0 + e1 + e2, row3 -= e3
                r0[x0] += e00
                r0[x0 + 1] += e01
                r0[x0 + 2] += e02
                r0[x0 + 3] += e03
                r1[x0] += e10 - e20 + e30
                r1[x0 + 1] += e11 - e21 + e31
                r1[x0 + 2] += e12 - e22 + e32
                r1[x0 + 3] += e13 - e23 + e33
                r2[x0] += -e00 + e10 + e20
                r2[x0 + 1] += -e01 + e11 + e21
                r2[x0 + 2] += -e02 + e12 + e22
                r2[x0 + 3] += -e03 + e13 + e23
                r3[x0] -= e30
                r3[x0 + 1] -= e31
                r3[x0 + 2] -= e32
                r3[x0 + 3] -= e33
        for yy in range(h):
            for xx in range(w):
                dx[b, ci, yy, xx] = pad[ph + yy, pw + xx]


_NUMBA_KERNELS = {name: dict(parallel=True, cache=True)
                  for name in ("_wino_input", "_wino_output", "_wino_grad_output", "_wino_grad_input")}

def numba_entry_points(namespace, channel_axis):
    """A transform family's ``compile_numba`` and its four Numba transforms, by the family's kernel names.

    ``namespace``: the family module's ``globals()``, whose ``_NUMBA_KERNELS`` names the input,
    output, grad-output and grad-input kernels in that order (``_numba.compile_kernels``
    replaces them there by their compiled versions on first use); ``channel_axis``: the axis
    of y that holds the output channels (1 for NCHW, 3 for NHWC memory).
    """
    names = list(namespace["_NUMBA_KERNELS"])

    def compile_numba():
        """Compile this family's Numba kernels (once; loads them from Numba's cache when it can)."""
        _numba.compile_kernels(namespace, namespace["_NUMBA_KERNELS"])

    def kernel(i):
        compile_numba()
        return namespace[names[i]]

    def input_transform(x, ph, pw, th, tw, v):
        kernel(0)(x, ph, pw, th, tw, v)

    def output_transform(m, y, bias, th, tw):
        start = np.zeros(y.shape[channel_axis], dtype=y.dtype) if bias is None \
            else np.ascontiguousarray(bias, dtype=y.dtype)
        kernel(1)(m, start, th, tw, y)

    def grad_output_transform(dy, th, tw, dm):
        kernel(2)(dy, th, tw, dm)

    def grad_input_transform(dv, dx, ph, pw, th, tw):
        kernel(3)(dv, ph, pw, th, tw, dx)
    return compile_numba, (input_transform, output_transform, grad_output_transform, grad_input_transform)


compile_numba, _NUMBA_TRANSFORMS = numba_entry_points(globals(), channel_axis=1)


# (input, output, grad_output, grad_input) transforms per implementation
TRANSFORMS = {"numpy": (_input_numpy, _output_numpy, _grad_output_numpy, _grad_input_numpy),
              "numba": _NUMBA_TRANSFORMS,
              "cuda": (_input_numpy, _output_numpy, _grad_output_numpy, _grad_input_numpy)}
