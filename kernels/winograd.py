"""Winograd F(2x2, 3x3) convolution for 3x3, stride-1, dilation-1, ungrouped layers: reference, Numba, dispatch.

``conv2d_winograd_forward(x (N,C,H,W), w (O,C,3,3), padding, bias=None) -> (N,O,OH,OW)`` and
``conv2d_winograd_backward(dy, x, w, padding, need_input, need_weight) -> (dx, dw)``.

The output is cut into 2x2 tiles, tile t reading the 4x4 patch d of the
padded input at (2*ty, 2*tx). With Lavin & Gray's matrices (``BT``, ``G``,
``AT`` below) one tile of one output channel is::

    y_tile = AT [ sum_c (G w[o, c] G^T) * (BT d[c] BT^T) ] AT^T     (* elementwise, 4x4)

so for each of the 16 frequencies k = (a, b) the channel sum is one matrix
product. With V (16, C, T) the transformed input tiles of T tiles and
U^T (16, O, C) the transformed weights, M[k] = U^T[k] @ V[k] (O, T): 16 GEMMs,
16*T*C*O multiply-adds where im2col needs 36*T*C*O (2.25x fewer). M keeps
each output channel's tiles contiguous, so the output transform writes the
NCHW planes directly (no transposing copy). The backward pass is this
algorithm's exact adjoint: with dM[k] = A dy_tile A^T (16, O, T) (the output
transform transposed),

    dU^T[k] = dM[k] @ V[k]^T            (O, C)  ->  dw = G^T dU G
    dV[k]   = U[k] @ dM[k]              (C, T)  ->  dx = sum over tiles of B dV B^T (overlapping 4x4 tiles)

(the input gradient is the transposed Winograd convolution, i.e. the "full"
correlation with the flipped weights; both gradients reuse the transformed
dy). Images go in chunks so that the transformed arrays of one chunk stay
within ``budget_bytes``; the backward pass rebuilds each chunk's V.

Rounding (float32): the transforms add and subtract up to 9 values (and
halve), on top of the GEMMs' sums. Error measure: max |float32 result -
float64 result| / scale, with scale the largest magnitude the sum can reach:
max|x| * max|w| * 9C for y, max|dy| * max|w| * 9O for dx,
max|dy| * max|x| * N*OH*OW for dw. Measured on random inputs up to C = 512
(uniform [0, 1) inputs, where nothing cancels, are the worst case): y <= 2.3e-7,
dx and dw <= 1.5e-8; im2col + GEMM in float32 gave up to 2.7e-7 / 1.1e-8 /
2.3e-8 on the same inputs, so F(2x2, 3x3) is as accurate as the path it
replaces here. The tests assert :data:`FLOAT32_ERROR_BOUND` = 1e-6 (about 8
float32 epsilons) for all three on random odd-sized inputs, positive and signed.

The Numba kernels are the tile transforms (one image plane per work item,
contiguous reads and writes); the GEMMs are ``xp.matmul`` on the stacked
frequencies, so CuPy arrays run the vectorised reference transforms and
cuBLAS (no CUDA kernel of its own).
"""
from __future__ import annotations

import os

import numpy as np

from minidl import config
from minidl.backend import get_array_module

from . import _numba, _threads
from ._dispatch import implementation
from ._numba import gather, prange, uint64
from .shapes import DirectConvGeometry, check_float, check_nchw

__all__ = ["conv2d_winograd_forward", "conv2d_winograd_backward", "winograd_applicable", "winograd_suited",
           "blas_single_threaded",
           "FLOAT32_ERROR_BOUND", "WINOGRAD_MIN_CHANNELS"]

# F(2x2, 3x3): y = AT [(G g G^T) * (BT d BT^T)] AT^T
BT = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], dtype=np.float64)
G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]], dtype=np.float64)
AT = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], dtype=np.float64)

# max |float32 - float64| / scale for y, dx and dw (the scales are in the module docstring), asserted by the tests
FLOAT32_ERROR_BOUND = 1e-6


def winograd_applicable(x_shape, w_shape, stride, padding, dilation, groups):
    """Whether this convolution is one Winograd F(2x2, 3x3) computes: 3x3, stride 1, dilation 1, groups 1."""
    return (tuple(int(v) for v in w_shape[2:]) == (3, 3) and tuple(stride) == (1, 1)
            and tuple(dilation) == (1, 1) and int(groups) == 1 and len(x_shape) == 4)


# Measured (benchmarks/bench_winograd.py, benchmarks/ab_config.py; docs/performance.md "Winograd"): with one
# BLAS thread Winograd took 0.64-0.98x im2col's time on the 3x3 stride-1 layers of N2, N4 and N6 with at
# least 32 input and output channels (3-channel first layers: 1.6-3.4x); with two BLAS threads on the
# loaded 2-core machine it took 1.4-7x, its 16 GEMM calls per chunk waiting on the second thread.
# Re-measured on the quiet machine (in-process A/B of the training step, one thread, auto with and
# without Winograd): from 32 channels N2 1.13x and N4 1.25x slower, N6 0.94x; from 128 channels
# N2 1.04x, N4 1.02x, N6 0.95x; from 256 channels N2 and N4 unchanged (1.00x), N6 0.93x. So 256.
WINOGRAD_MIN_CHANNELS = 256


def blas_single_threaded():
    """Whether BLAS runs one thread: ``OPENBLAS_NUM_THREADS`` (else ``OMP_NUM_THREADS``) is 1, or one CPU."""
    threads = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
    return threads == "1" or os.cpu_count() == 1


def winograd_suited(x, w_shape, stride, padding, dilation, groups):
    """Whether Winograd is the faster convolution for this layer under ``conv_algorithm="auto"``.

    True for NumPy arrays with the Numba kernels where every GEMM runs on one
    BLAS thread -- BLAS single-threaded (:func:`blas_single_threaded`), or the
    intra-op scheme splitting the batch over ``T > 1`` of minidl's threads, each
    with one-thread BLAS (``config.intra_op_parallel``,
    ``kernels._threads.intra_op_threads``) -- where :func:`winograd_applicable`
    holds and both channel counts are at least ``WINOGRAD_MIN_CHANNELS``.
    GPU arrays always use im2col + cuBLAS GEMMs.
    """
    if get_array_module(x) is not np or config.cpu_kernels != "numba":
        return False
    if not winograd_applicable(x.shape, w_shape, stride, padding, dilation, groups):
        return False
    if min(int(w_shape[0]), int(w_shape[1])) < WINOGRAD_MIN_CHANNELS:
        return False
    return blas_single_threaded() or _threads.intra_op_threads(x) > 1


def _tiles(g):
    """(TH, TW): 2x2 output tiles per column and row."""
    return (g.oh + 1) // 2, (g.ow + 1) // 2


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

_numba_compiled = False


def compile_numba():
    """Compile this family's Numba kernels (once; loads them from Numba's cache when it can)."""
    if not _numba_compiled:
        _numba.compile_kernels(globals(), _NUMBA_KERNELS)


def _input_numba(x, ph, pw, th, tw, v):
    compile_numba()
    _wino_input(x, ph, pw, th, tw, v)


def _output_numba(m, y, bias, th, tw):
    compile_numba()
    start = np.zeros(y.shape[1], dtype=y.dtype) if bias is None else np.ascontiguousarray(bias, dtype=y.dtype)
    _wino_output(m, start, th, tw, y)


def _grad_output_numba(dy, th, tw, dm):
    compile_numba()
    _wino_grad_output(dy, th, tw, dm)


def _grad_input_numba(dv, dx, ph, pw, th, tw):
    compile_numba()
    _wino_grad_input(dv, ph, pw, th, tw, dx)


# (input, output, grad_output, grad_input) transforms per implementation
_TRANSFORMS = {"numpy": (_input_numpy, _output_numpy, _grad_output_numpy, _grad_input_numpy),
               "numba": (_input_numba, _output_numba, _grad_output_numba, _grad_input_numba),
               "cuda": (_input_numpy, _output_numpy, _grad_output_numpy, _grad_input_numpy)}


# --- 3. driver: weight transforms, chunks of images, the 16 GEMMs ----------------------

def _weight_transform(w):
    """U^T (16, O, C): U^T[k, o, c] = (G w[o, c] G^T)[k // 4, k % 4] for w (O, C, 3, 3); one GEMM with kron(G, G)."""
    xp = get_array_module(w)
    o, c = w.shape[:2]
    gg = xp.asarray(np.kron(G, G), dtype=w.dtype)                        # (16, 9)
    return (gg @ xp.ascontiguousarray(w).reshape(o * c, 9).T).reshape(16, o, c)


def _weight_grad_transform(dut, w_shape):
    """dw (O, C, 3, 3) = G^T dU[o, c] G from dU^T (16, O, C)."""
    xp = get_array_module(dut)
    gg = xp.asarray(np.kron(G, G), dtype=dut.dtype)                      # (16, 9)
    return xp.ascontiguousarray(dut.reshape(16, -1).T @ gg).reshape(w_shape)


def _chunk(g, th, tw, itemsize, budget_bytes):
    """Images per chunk: the chunk's transformed input tiles V (16, C, T) stay within ``budget_bytes``.

    V is Winograd's column matrix (im2col's is bounded the same way); M, dM and
    dV are of the same order. Counting all of them made 4x more, smaller GEMM
    calls for the same speed with one thread (docs/performance.md).
    """
    per_image = 16 * th * tw * g.c * itemsize
    return max(1, min(g.n, int(budget_bytes) // max(per_image, 1)))


def _geometry(name, x_shape, w_shape, padding):
    g = DirectConvGeometry.of(name, x_shape, w_shape, padding, (1, 1), 1)
    if (g.kh, g.kw) != (3, 3):
        raise ValueError(f"{name}: Winograd F(2x2, 3x3) needs a 3x3 kernel, got weight {tuple(w_shape)}")
    return g


def _image_ranges(n, threads, array):
    """The image ranges that run side by side: ``threads`` contiguous ones for NumPy arrays, else one."""
    return _threads.parts_of(n, threads if isinstance(array, np.ndarray) else 1)


def _run_ranges(task, ranges, array):
    """``[task(i) for each range]``: one range on the calling thread, several as a ``kernels._threads`` section
    (BLAS on one thread, the Numba transforms' serial twins)."""
    if len(ranges) == 1:
        return [task(0)]
    if implementation(array) == "numba":
        compile_numba()                   # once, before the parts start
    return _threads.run(task, len(ranges))


def conv2d_winograd_forward(x, w, padding, bias=None, budget_bytes=4 * 2 ** 20, threads=1):
    """3x3 stride-1 convolution by Winograd F(2x2, 3x3): x (N, C, H, W), w (O, C, 3, 3) -> (N, O, OH, OW).

    ``y[n, o, oy, ox] = bias[o] + sum_{c, i, j} w[o, c, i, j] * xpad[n, c, oy + i, ox + j]``
    (PyTorch's cross-correlation), ``padding`` an int pair, ``bias`` (O,) optional.
    Images go in chunks whose transformed tiles fit ``budget_bytes``. ``threads`` > 1
    (NumPy arrays): the batch is split into that many contiguous ranges of images,
    each run on one of minidl's threads with one-thread BLAS (``kernels._threads.run``).
    """
    check_nchw("conv2d_winograd_forward", x)
    check_float("conv2d_winograd_forward", x)
    g = _geometry("conv2d_winograd_forward", x.shape, w.shape, padding)
    if bias is not None and tuple(bias.shape) != (g.o,):
        raise ValueError(f"conv2d_winograd_forward: bias shape {tuple(bias.shape)} != ({g.o},) for weight "
                         f"{tuple(w.shape)}")
    xp = get_array_module(x)
    to_tiles, from_tiles, _, _ = _TRANSFORMS[implementation(x)]
    th, tw = _tiles(g)
    ut = _weight_transform(w.astype(x.dtype, copy=False))
    y = xp.empty(g.y_shape, dtype=x.dtype)
    chunk = _chunk(g, th, tw, x.dtype.itemsize, budget_bytes)
    ranges = _image_ranges(g.n, threads, x)

    def one_range(i):
        lo, hi = ranges[i]
        v = m = None
        for n0 in range(lo, hi, chunk):
            n1 = min(hi, n0 + chunk)
            t = (n1 - n0) * th * tw
            if v is None or v.shape[2] != t:
                v = xp.empty((16, g.c, t), dtype=x.dtype)
                m = xp.empty((16, g.o, t), dtype=x.dtype)
            to_tiles(x[n0:n1], g.ph, g.pw, th, tw, v)
            xp.matmul(ut, v, out=m)                                    # (16, O, T)
            from_tiles(m, y[n0:n1], bias, th, tw)

    _run_ranges(one_range, ranges, x)
    return y


def conv2d_winograd_backward(dy, x, w, padding, need_input=True, need_weight=True, budget_bytes=4 * 2 ** 20,
                             threads=1):
    """Gradients of :func:`conv2d_winograd_forward` (without the bias): dy (N, O, OH, OW) -> ``(dx, dw)``.

    The exact adjoint of the forward algorithm (see the module docstring); dx
    has x's shape, dw w's shape, either None when not asked for. ``threads`` as
    in the forward pass; each range sums its own dU^T, and the partial sums are
    added in range order, so the result does not depend on timing.
    """
    check_nchw("conv2d_winograd_backward", dy)
    check_float("conv2d_winograd_backward", dy)
    g = _geometry("conv2d_winograd_backward", x.shape, w.shape, padding)
    if tuple(dy.shape) != g.y_shape:
        raise ValueError(f"conv2d_winograd_backward: dy shape {tuple(dy.shape)} != expected {g.y_shape} "
                         f"for input {tuple(x.shape)} and weight {tuple(w.shape)}")
    if not (need_input or need_weight):
        return None, None
    xp = get_array_module(dy)
    to_tiles, _, grad_from_tiles, grad_to_tiles = _TRANSFORMS[implementation(dy)]
    th, tw = _tiles(g)
    dtype = dy.dtype
    ut = _weight_transform(w.astype(dtype, copy=False)) if need_input else None
    dx = xp.empty((g.n, g.c, g.h, g.w), dtype=dtype) if need_input else None
    chunk = _chunk(g, th, tw, dtype.itemsize, budget_bytes)
    ranges = _image_ranges(g.n, threads, dy)

    def one_range(i):
        lo, hi = ranges[i]
        dut = xp.zeros((16, g.o, g.c), dtype=dtype) if need_weight else None
        v = dm = dv = part = None
        for n0 in range(lo, hi, chunk):
            n1 = min(hi, n0 + chunk)
            t = (n1 - n0) * th * tw
            if dm is None or dm.shape[2] != t:
                dm = xp.empty((16, g.o, t), dtype=dtype)
                v = xp.empty((16, g.c, t), dtype=dtype) if need_weight else None
                dv = xp.empty((16, g.c, t), dtype=dtype) if need_input else None
            grad_from_tiles(dy[n0:n1], th, tw, dm)
            if need_weight:
                to_tiles(x[n0:n1].astype(dtype, copy=False), g.ph, g.pw, th, tw, v)
                part = xp.matmul(dm, v.transpose(0, 2, 1), out=part)  # (16, O, C)
                dut += part
            if need_input:
                xp.matmul(ut.transpose(0, 2, 1), dm, out=dv)           # (16, C, T)
                grad_to_tiles(dv, dx[n0:n1], g.ph, g.pw, th, tw)
        return dut

    partial = _run_ranges(one_range, ranges, dy)
    dw = None
    if need_weight:
        dut = partial[0]
        for more in partial[1:]:
            dut += more
        dw = _weight_grad_transform(dut, w.shape)
    return dx, dw
