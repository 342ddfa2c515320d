"""Winograd F(2x2, 3x3) and F(4x4, 3x3) convolution for 3x3, stride-1, dilation-1, ungrouped layers: the driver.

``conv2d_winograd_forward(x (N,C,H,W), w (O,C,3,3), padding, bias=None) -> (N,O,OH,OW)`` and
``conv2d_winograd_backward(dy, x, w, padding, need_input, need_weight) -> (dx, dw)``; the rule
``winograd_suited`` and the drivers live here, the tile transforms in ``winograd_planes`` (NCHW) and
``winograd_nhwc`` (channels last).

The output is cut into 2x2 tiles, tile t reading the 4x4 patch d of the
padded input at (2*ty, 2*tx). With Lavin & Gray's matrices (``BT``, ``G``,
``AT`` in ``winograd_planes``) one tile of one output channel is::

    y_tile = AT [ sum_c (G w[o, c] G^T) * (BT d[c] BT^T) ] AT^T     (* elementwise, 4x4)

so for each of the 16 frequencies k = (a, b) the channel sum is one matrix
product. With V (16, C, T) the transformed input tiles of T tiles and
U^T (16, O, C) the transformed weights, M[k] = U^T[k] @ V[k] (O, T): 16 GEMMs,
16*T*C*O multiply-adds where im2col needs 36*T*C*O (2.25x fewer). M keeps
each output channel's tiles contiguous, so the output transform writes the
NCHW planes directly (no transposing copy; channels last, see below). The backward pass is this
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

F(4x4, 3x3) (``tile=4``, transforms in ``kernels/winograd4.py``): 4x4 output
tiles from 6x6 input patches, 36 frequencies, 36*T*C*O multiply-adds for T
tiles of 16 outputs (4x fewer than im2col's); the same GEMMs and adjoint with
K = 36 instead of 16, always in the channels-last tile layout. Its transforms
have larger coefficients (up to 8), so its float32 error is larger: the input
gradient measured up to 3.1e-6 (uniform [0, 1) inputs, C = 512), y and dw up to
3.1e-7; the tests assert :data:`FLOAT32_ERROR_BOUND_F4` = 1e-5.

Memory layouts: the tile transforms come in two families, chosen by x's
layout. ``kernels/winograd_planes.py`` works plane by plane on NCHW memory,
with V (16, C, T) as above; ``kernels/winograd_nhwc.py`` works on
channels-last memory (``kernels.is_channels_last(x)``, what im2col
convolutions produce under ``config.channels_last``), with the tiles
transposed, V (16, T, C), M = V U (T, O), so that every transform reads and
writes runs of contiguous channels and y (and, backward, dx) come out in x's
layout with no transposing copy; dy is read in place in either layout. The
Numba kernels are the tile transforms; the GEMMs are ``xp.matmul`` on the
stacked frequencies, so CuPy arrays run the vectorised reference transforms
and cuBLAS (no CUDA kernel of its own).

With ``threads`` > 1 (``config.intra_op_parallel``, see ``minidl.ops.conv``) the
batch is split into one contiguous range of images per thread of ``kernels._threads``
(``WINOGRAD_SPLIT = "batch"``): each thread runs the transforms (the Numba kernels'
serial twins) and its chunks' GEMMs on one BLAS thread, and the partial weight
gradients are summed in part order. (``"frequency"`` instead splits each chunk's
GEMMs into ranges of frequencies, :func:`_by_frequency`, with the transforms as
Numba ``prange`` loops in between; it measured slower.)
"""
from __future__ import annotations

import os

import numpy as np

from minidl import config
from minidl.backend import get_array_module

from . import _threads, weights, winograd4, winograd_nhwc, winograd_planes
from ._dispatch import implementation
from .layout import empty_in_layout, is_channels_last
from .shapes import DirectConvGeometry, check_float, check_nchw

__all__ = ["conv2d_winograd_forward", "conv2d_winograd_backward", "winograd_applicable", "winograd_suited",
           "blas_single_threaded",
           "FLOAT32_ERROR_BOUND", "FLOAT32_ERROR_BOUND_F4", "WINOGRAD_MIN_CHANNELS", "WINOGRAD4_MIN_CHANNELS",
           "WINOGRAD4_MIN_OUTPUT"]


# max |float32 - float64| / scale for y, dx and dw (the scales are in the module docstring), asserted by the tests
FLOAT32_ERROR_BOUND = 1e-6
# the same for F(4x4, 3x3) (``tile=4``): its transforms have coefficients up to 8 (points 0, +-1, +-2), and the
# input gradient, through BT^T, measured up to 3.1e-6 at C = 512 on uniform [0, 1) inputs (y and dw <= 3.1e-7;
# normal inputs <= 1.1e-7); 1e-5, about 84 float32 epsilons (docs/performance.md, "Session 9")
FLOAT32_ERROR_BOUND_F4 = 1e-5


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
# Under intra_op_parallel with two threads (each GEMM on one BLAS thread), N6's step with Winograd on its
# 256/512-channel layers took 1.23-1.50x im2col's in four in-process A/Bs (batch split or frequency split,
# NCHW or channels-last tiles; loaded machine), so auto keeps im2col there.
WINOGRAD_MIN_CHANNELS = 256
# whether the F(2x2) rule also applies with T > 1 BLAS threads
WINOGRAD_ANY_THREADS = False


_CPUS = os.cpu_count()      # read once: the call costs about 0.1 ms, and the rule asks per convolution


def blas_single_threaded():
    """Whether BLAS runs one thread: ``OPENBLAS_NUM_THREADS`` (else ``OMP_NUM_THREADS``) is 1, or one CPU."""
    threads = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
    return threads == "1" or _CPUS == 1


# F(4x4, 3x3) (session 9, docs/performance.md "Session 9"): per layer (forward + backward, channels-last input,
# N6's batch 32) it took 0.47-0.60x im2col's time with one thread on the 64-, 128- and 256-channel layers of 8x8
# to 32x32 outputs, but 1.35x on 512 channels at 4x4, where each image is one tile and the 36 GEMMs have 32 rows;
# 0.50-0.76x on N2's and N4's 32-channel layers. Whole step, one thread, F(4x4) from 64 channels against none:
# N2 0.79x, N4 0.95x, N6 0.77-0.83x; from 32 against from 64: N2 0.83-0.88x, N4 0.73-0.75x.
WINOGRAD4_MIN_CHANNELS = 32
WINOGRAD4_MIN_OUTPUT = 8
# With two BLAS threads and intra_op_parallel on, F(4x4) splits the batch (WINOGRAD_SPLIT) and runs its weight
# transforms on one BLAS thread; so, against im2col's split, on the quiet machine (session 10, separate processes,
# 3 rounds, benchmarks/ab_winograd_threads.py) the whole step took N2 0.71x, N4 0.78x, N6 0.84x, N3 0.99x (F(2x2)
# on the 512-channel layers as well: N6 0.89x, so not). Session 9's 1.11-1.45x (loaded machine) had OpenBLAS's
# own threads, woken by the weight-transform GEMMs, spinning beside the split. So auto takes F(4x4) with one BLAS
# thread or under the scheme (``kernels._threads.intra_op_threads`` > 1); with two BLAS threads and the scheme off
# only if WINOGRAD4_ANY_THREADS (not measured faster there).
WINOGRAD4_ANY_THREADS = False
# the channels from which F(4x4) is taken under the scheme (session 10, separate processes: from 64 instead of 32,
# N2's step 1.09x, N4's 1.22x; never, 1.30x and 1.31x)
WINOGRAD4_MIN_CHANNELS_SPLIT = 32


def winograd_suited(x, w_shape, stride, padding, dilation, groups):
    """The Winograd tile for this layer under ``conv_algorithm="auto"``: 4, 2, or 0 (not Winograd).

    For NumPy arrays with the Numba kernels where :func:`winograd_applicable` holds:

    - 4 (F(4x4, 3x3)) when both channel counts are at least ``WINOGRAD4_MIN_CHANNELS`` and
      both output sides at least ``WINOGRAD4_MIN_OUTPUT``, with one BLAS thread
      (:func:`blas_single_threaded`) or, from ``WINOGRAD4_MIN_CHANNELS_SPLIT`` channels, with
      T > 1 under ``config.intra_op_parallel`` (each thread on its own images; any count if
      ``WINOGRAD4_ANY_THREADS``);
    - else 2 (F(2x2, 3x3)) with one BLAS thread (:func:`blas_single_threaded`) when both
      channel counts are at least ``WINOGRAD_MIN_CHANNELS`` (with two BLAS threads im2col
      measured faster there, 1.25x);
    - else 0. GPU arrays always use im2col + cuBLAS GEMMs.
    """
    if get_array_module(x) is not np or config.cpu_kernels != "numba":
        return 0
    if not winograd_applicable(x.shape, w_shape, stride, padding, dilation, groups):
        return 0
    channels = min(int(w_shape[0]), int(w_shape[1]))
    output = min(int(x.shape[2]) + 2 * int(padding[0]) - 2, int(x.shape[3]) + 2 * int(padding[1]) - 2)
    single = blas_single_threaded()
    if channels >= WINOGRAD4_MIN_CHANNELS and output >= WINOGRAD4_MIN_OUTPUT and (
            single or WINOGRAD4_ANY_THREADS
            or (channels >= WINOGRAD4_MIN_CHANNELS_SPLIT and _threads.intra_op_threads(x) > 1)):
        return 4
    return 2 if (single or WINOGRAD_ANY_THREADS) and channels >= WINOGRAD_MIN_CHANNELS else 0


def _tiles(g, tile):
    """(TH, TW): ``tile`` x ``tile`` output tiles per column and row."""
    return -(-g.oh // tile), -(-g.ow // tile)


def _check_tile(name, tile):
    if tile not in (2, 4):
        raise ValueError(f"{name}: tile must be 2 (F(2x2, 3x3)) or 4 (F(4x4, 3x3)), got {tile!r}")


# --- the driver: weight transforms, chunks of images, the 16 GEMMs (transforms: winograd_planes/_nhwc) ---

def _chunk(g, th, tw, itemsize, budget_bytes, k=16):
    """Images per chunk: the chunk's transformed input tiles V (K, C, T) stay within ``budget_bytes``.

    V is Winograd's column matrix (im2col's is bounded the same way); M, dM and
    dV are of the same order. Counting all of them made 4x more, smaller GEMM
    calls for the same speed with one thread (docs/performance.md).
    """
    per_image = k * th * tw * g.c * itemsize
    return max(1, min(g.n, int(budget_bytes) // max(per_image, 1)))


def _geometry(name, x_shape, w_shape, padding):
    g = DirectConvGeometry.of(name, x_shape, w_shape, padding, (1, 1), 1)
    if (g.kh, g.kw) != (3, 3):
        raise ValueError(f"{name}: Winograd F(2x2, 3x3) needs a 3x3 kernel, got weight {tuple(w_shape)}")
    return g


def _by_frequency(gemms, threads, array, k=16):
    """``gemms(k0, k1)`` over the ``k`` frequencies: ``threads`` ranges side by side (``kernels._threads.run``,
    BLAS on one thread) for NumPy arrays, else one call.

    Each frequency's products are computed whole by one thread, the same single-threaded GEMM calls
    as without the split, so the results are the same bits for any thread count. Used when
    ``WINOGRAD_SPLIT`` is "frequency", or for a batch of one image under the scheme.
    """
    ranges = _threads.parts_of(k, threads if isinstance(array, np.ndarray) else 1)
    if len(ranges) == 1:
        gemms(0, k)
    else:
        _threads.run(lambda i: gemms(*ranges[i]), len(ranges))


# How T > 1 threads share a Winograd convolution: "batch", each thread the whole path (transforms, GEMMs on one
# BLAS thread, inverse transforms) on its own contiguous range of images, partial weight gradients summed in part
# order, as im2col's split does; "frequency", the images in turn, each chunk's GEMMs split by frequency between
# the threads and the transforms as Numba prange loops in between (one synchronisation per step of every chunk).
WINOGRAD_SPLIT = "batch"


# Under the batch split, whether the threads share the tile budget (each chunk within budget / parts), so that
# the split holds no more tiles at once than one thread does. ResNet-18's two-thread step: unshared took 1.096x
# (separate processes, three pairs), the smaller chunks staying in cache.
SPLIT_SHARES_BUDGET = True


def _part_budget(budget_bytes, parts):
    """Each part's tile budget: ``budget_bytes`` shared among ``parts`` when ``SPLIT_SHARES_BUDGET``."""
    return budget_bytes / len(parts) if SPLIT_SHARES_BUDGET else budget_bytes


def _batch_parts(n, threads, array):
    """The image ranges of a batch split (one range, the whole batch, unless ``WINOGRAD_SPLIT`` is "batch",
    ``threads`` > 1 and ``array`` is a NumPy array)."""
    if WINOGRAD_SPLIT != "batch" or threads <= 1 or not isinstance(array, np.ndarray):
        return [(0, n)]
    return _threads.parts_of(n, threads)


class _Layout:
    """How one call lays out its tiles: NCHW planes (``winograd_planes``) or channels-last tiles
    (``winograd_nhwc``; ``winograd4`` for F(4x4, 3x3), whatever x's layout).

    Planes: the transforms take (N, C, H, W) arrays and tiles (K, channels, T),
    and the GEMMs are M = U^T V, dU^T = dM V^T, dV = U dM. Channels last: the
    transforms take (N, H, W, C) views and tiles (K, T, channels), and the same
    products transposed, M = V U, dU^T = dM^T V, dV = dM U^T. ``x_channels_last``:
    the memory layout of x (and so of y and dx).
    """

    def __init__(self, x_channels_last, array, tile=2):
        self.x_channels_last = x_channels_last
        self.channels_last = x_channels_last or tile == 4
        family = winograd4 if tile == 4 else winograd_nhwc if x_channels_last else winograd_planes
        self.g_matrix = winograd4.G if tile == 4 else winograd_planes.G
        self.k = self.g_matrix.shape[0] ** 2
        self.transforms = family.TRANSFORMS[implementation(array)]

    def view(self, a):
        """(N, C, H, W) ``a`` as the transforms take it."""
        return a.transpose(0, 2, 3, 1) if self.channels_last else a

    def tiles(self, xp, channels, t, dtype):
        return xp.empty((self.k, t, channels) if self.channels_last else (self.k, channels, t), dtype=dtype)

    def forward_gemm(self, xp, ut, v, m):
        """M from V; ``ut`` is U^T (K, O, C) for the planes, U (K, C, O) channels last."""
        return xp.matmul(ut, v, out=m) if not self.channels_last else xp.matmul(v, ut, out=m)

    def weight_gemm(self, xp, dm, v, out):
        """dU^T (K, O, C) of one chunk."""
        if self.channels_last:
            return xp.matmul(dm.transpose(0, 2, 1), v, out=out)
        return xp.matmul(dm, v.transpose(0, 2, 1), out=out)

    def input_gemm(self, xp, ut, dm, dv):
        """dV from dM, with ``ut`` U^T (K, O, C)."""
        if self.channels_last:
            return xp.matmul(dm, ut, out=dv)
        return xp.matmul(ut.transpose(0, 2, 1), dm, out=dv)


def conv2d_winograd_forward(x, w, padding, bias=None, budget_bytes=4 * 2 ** 20, threads=1, tile=2):
    """3x3 stride-1 convolution by Winograd F(2x2, 3x3) or F(4x4, 3x3): x (N, C, H, W), w (O, C, 3, 3) -> y.

    y (N, O, OH, OW):

    ``y[n, o, oy, ox] = bias[o] + sum_{c, i, j} w[o, c, i, j] * xpad[n, c, oy + i, ox + j]``
    (PyTorch's cross-correlation), ``padding`` an int pair, ``bias`` (O,) optional,
    ``tile`` the output tile's side: 2 (F(2x2, 3x3), 16 GEMMs) or 4 (F(4x4, 3x3), 36 GEMMs).
    y is in x's memory layout: channels-last x (``kernels.is_channels_last``) gives
    an (N, O, OH, OW) view of NHWC memory, any other x C-contiguous NCHW.
    Images go in chunks whose transformed tiles fit ``budget_bytes``. ``threads`` > 1
    (NumPy arrays): the batch is split into that many ranges of images, each run whole
    on one of minidl's threads with one-thread BLAS (``kernels._threads.run``; see the
    module docstring and ``WINOGRAD_SPLIT``). y is the same for any count up to the
    rounding of GEMMs of other row counts, and the same bits from run to run.
    """
    check_nchw("conv2d_winograd_forward", x)
    check_float("conv2d_winograd_forward", x)
    _check_tile("conv2d_winograd_forward", tile)
    g = _geometry("conv2d_winograd_forward", x.shape, w.shape, padding)
    if bias is not None and tuple(bias.shape) != (g.o,):
        raise ValueError(f"conv2d_winograd_forward: bias shape {tuple(bias.shape)} != ({g.o},) for weight "
                         f"{tuple(w.shape)}")
    xp = get_array_module(x)
    layout = _Layout(is_channels_last(x), x, tile)
    to_tiles, from_tiles, _, _ = layout.transforms
    th, tw = _tiles(g, tile)
    k = layout.k
    ut = weights.winograd_weight(w.astype(x.dtype, copy=False), layout.g_matrix, layout.channels_last)  # U
    y = empty_in_layout(g.y_shape, layout.x_channels_last, x)
    xs, ys = layout.view(x), layout.view(y)
    parts = _batch_parts(g.n, threads, x)
    chunk = _chunk(g, th, tw, x.dtype.itemsize, _part_budget(budget_bytes, parts), k)

    def images(n_lo, n_hi, gemm_threads):
        v = m = None
        for n0 in range(n_lo, n_hi, chunk):
            n1 = min(n_hi, n0 + chunk)
            t = (n1 - n0) * th * tw
            if v is None or v.size != k * g.c * t:
                v = layout.tiles(xp, g.c, t, x.dtype)
                m = layout.tiles(xp, g.o, t, x.dtype)
            to_tiles(xs[n0:n1], g.ph, g.pw, th, tw, v)
            _by_frequency(lambda k0, k1, v=v, m=m: layout.forward_gemm(xp, ut[k0:k1], v[k0:k1], m[k0:k1]),
                          gemm_threads, x, k)
            from_tiles(m, ys[n0:n1], bias, th, tw)

    if len(parts) > 1:
        _threads.run(lambda i: images(*parts[i], 1), len(parts))
    else:
        images(0, g.n, threads)
    return y


def conv2d_winograd_backward(dy, x, w, padding, need_input=True, need_weight=True, budget_bytes=4 * 2 ** 20,
                             threads=1, tile=2):
    """Gradients of :func:`conv2d_winograd_forward` (without the bias): dy (N, O, OH, OW) -> ``(dx, dw)``.

    The exact adjoint of the forward algorithm (see the module docstring); dx
    has x's shape and memory layout, dw w's shape, either None when not asked
    for. dy may come in either layout (it is read in place). ``threads`` and
    ``tile`` as in the forward pass: each thread computes dV and a partial dU^T of its own images,
    the partial sums added in part order.
    """
    check_nchw("conv2d_winograd_backward", dy)
    check_float("conv2d_winograd_backward", dy)
    _check_tile("conv2d_winograd_backward", tile)
    g = _geometry("conv2d_winograd_backward", x.shape, w.shape, padding)
    if tuple(dy.shape) != g.y_shape:
        raise ValueError(f"conv2d_winograd_backward: dy shape {tuple(dy.shape)} != expected {g.y_shape} "
                         f"for input {tuple(x.shape)} and weight {tuple(w.shape)}")
    if not (need_input or need_weight):
        return None, None
    xp = get_array_module(dy)
    layout = _Layout(is_channels_last(x), dy, tile)
    to_tiles, _, grad_from_tiles, grad_to_tiles = layout.transforms
    th, tw = _tiles(g, tile)
    k = layout.k
    dtype = dy.dtype
    ut = weights.winograd_weight(w.astype(dtype, copy=False), layout.g_matrix, False) if need_input else None
    dx = empty_in_layout(x.shape, layout.x_channels_last, dy) if need_input else None
    xs, dys = layout.view(x), layout.view(dy)
    dxs = layout.view(dx) if need_input else None
    parts = _batch_parts(g.n, threads, dy)
    chunk = _chunk(g, th, tw, dtype.itemsize, _part_budget(budget_bytes, parts), k)

    def images(n_lo, n_hi, gemm_threads):
        """dx of images [n_lo, n_hi) written in place; their dU^T (K, O, C), or None."""
        dut = xp.zeros((k, g.o, g.c), dtype=dtype) if need_weight else None
        v = dm = dv = None
        for n0 in range(n_lo, n_hi, chunk):
            n1 = min(n_hi, n0 + chunk)
            t = (n1 - n0) * th * tw
            if dm is None or dm.size != k * g.o * t:
                dm = layout.tiles(xp, g.o, t, dtype)
                v = layout.tiles(xp, g.c, t, dtype) if need_weight else None
                dv = layout.tiles(xp, g.c, t, dtype) if need_input else None
            grad_from_tiles(dys[n0:n1], th, tw, dm)
            if need_weight:
                to_tiles(xs[n0:n1].astype(dtype, copy=False), g.ph, g.pw, th, tw, v)

            def gemms(k0, k1, v=v, dm=dm, dv=dv):
                if need_weight:
                    dut[k0:k1] += layout.weight_gemm(xp, dm[k0:k1], v[k0:k1], None)      # (k1 - k0, O, C)
                if need_input:
                    layout.input_gemm(xp, ut[k0:k1], dm[k0:k1], dv[k0:k1])
            _by_frequency(gemms, gemm_threads, dy, k)
            if need_input:
                grad_to_tiles(dv, dxs[n0:n1], g.ph, g.pw, th, tw)
        return dut

    if len(parts) > 1:
        partial = _threads.run(lambda i: images(*parts[i], 1), len(parts))
        dut = partial[0]
        if need_weight:
            for more in partial[1:]:        # in part order: the same bits whatever the timing
                dut += more
    else:
        dut = images(0, g.n, threads)
    dw = weights.winograd_weight_grad(dut, w.shape, layout.g_matrix) if need_weight else None
    return dx, dw
