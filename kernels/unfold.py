"""im2col and col2im (PyTorch's ``unfold``/``fold``): NumPy reference, Numba kernel, CUDA kernel, dispatch.

``im2col(x (N,C,H,W), kernel, stride, padding, dilation) -> cols (N*OH*OW, C*kh*kw)``:
one row per output pixel, one column per weight element, so
``cols @ W.reshape(O, -1).T`` is the convolution. ``col2im`` is its adjoint.
"""
from __future__ import annotations

import numpy as np

from minidl.backend import get_array_module

from . import _numba
from ._dispatch import implementation
from ._numba import fill, gather, prange, uint64
from .layout import is_channels_last, to_channels_last
from .shapes import ConvGeometry, check_float, check_nchw, check_out

__all__ = ["im2col", "col2im"]


# --- 1. NumPy reference (vectorised; written against xp, so it runs on CuPy too) ---

def _window(start, stride, count):
    """Slice picking ``count`` elements from ``start`` every ``stride``."""
    return slice(start, start + stride * (count - 1) + 1, stride)


def _columns6(cols, g, kkc):
    """cols as (N, OH, OW, C, kh, kw), or (N, OH, OW, kh, kw, C) moved to that axis order when ``kkc``."""
    if kkc:
        return cols.reshape(g.n, g.oh, g.ow, g.kh, g.kw, g.c).transpose(0, 1, 2, 5, 3, 4)
    return cols.reshape(g.n, g.oh, g.ow, g.c, g.kh, g.kw)


def _im2col_numpy(x, g, out, kkc=False):
    # One Python step per kernel position (i, j): a strided (N, C, OH, OW) block
    # of the padded input lands in column (c, i, j) (or (i, j, c)) of every row.
    xp = get_array_module(x)
    xpad = xp.pad(x, ((0, 0), (0, 0), (g.ph, g.ph), (g.pw, g.pw))) if (g.ph or g.pw) else x
    cols6 = _columns6(out, g, kkc)
    for i in range(g.kh):
        for j in range(g.kw):
            block = xpad[:, :, _window(i * g.dh, g.sh, g.oh), _window(j * g.dw, g.sw, g.ow)]   # (N, C, OH, OW)
            cols6[:, :, :, :, i, j] = block.transpose(0, 2, 3, 1)
    return out


def _col2im_numpy(cols, g, channels_last, kkc=False):
    xp = get_array_module(cols)
    dxpad = xp.zeros((g.n, g.c, g.h + 2 * g.ph, g.w + 2 * g.pw), dtype=cols.dtype)
    cols6 = _columns6(cols, g, kkc)
    for i in range(g.kh):
        for j in range(g.kw):
            dxpad[:, :, _window(i * g.dh, g.sh, g.oh), _window(j * g.dw, g.sw, g.ow)] += \
                cols6[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    dx = dxpad[:, :, g.ph:g.ph + g.h, g.pw:g.pw + g.w]
    return to_channels_last(dx) if channels_last else xp.ascontiguousarray(dx)


# --- 2. Numba CPU kernels -------------------------------------------------------

def _stage_rows(x, b, ya, nrows, wp, pw, buf, channels_last=False):
    """buf[r, t, ch] = xpad[b, ch, ya + r, t - pw] (zero outside x) for r < nrows, t < wp.

    The input rows one block of output rows reads, channels last, so that the
    channels of one (row, column) are contiguous. ``x`` is (N, C, H, W), or
    (N, H, W, C) when ``channels_last`` (then each row is one contiguous copy).
    """
    if channels_last:
        h, w, c = x.shape[1], x.shape[2], x.shape[3]
    else:
        c, h, w = x.shape[1], x.shape[2], x.shape[3]
    uc = uint64(c)
    x0 = min(pw, wp)           # staged columns [x0, x1) come from the input
    x1 = min(w + pw, wp)
    for r in range(nrows):
        y = ya + r
        base = uint64(r * wp * c)
        if y < 0 or y >= h:
            fill(buf, base, wp * c, 0)
            continue
        fill(buf, base, x0 * c, 0)
        fill(buf, base + uint64(x1 * c), (wp - x1) * c, 0)
        if channels_last:
            src = x[b, y].reshape(-1)
            gather(buf, base + uint64(x0) * uc, src, uint64(x0 - pw) * uc, 1, uint64(x1 - x0) * uc)
            continue
        for ch in range(uc):
            src = x[b, ch, y]
            d0 = base + uint64(x0) * uc + ch
            s0 = uint64(x0 - pw)
            for t in range(uint64(x1 - x0)):
                buf[d0 + t * uc] = src[s0 + t]


def _im2col_rows(x, cols, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, block, channels_last=False, kkc=False):
    # x: (N, C, H, W), or (N, H, W, C) when channels_last.
    # cols: flat (N*OH*OW) x (C*kh*kw). Work item q = (b, block of ``block``
    # output rows): its rows of cols are one contiguous range, written once.
    # The input rows the block reads are first staged channels-last in a small
    # buffer; then each cols row is kh*kw runs over channels, read contiguous
    # from the buffer and written with stride kh*kw (columns (c, i, j)), or
    # contiguous too when ``kkc`` (columns (i, j, c)).
    n, c = x.shape[0], x.shape[3] if channels_last else x.shape[1]
    k = c * kh * kw
    khw = uint64(kh * kw)
    uc = uint64(c)
    wp = (ow - 1) * sw + (kw - 1) * dw + 1      # padded columns the windows reach
    nblk = (oh + block - 1) // block
    for q in prange(n * nblk):
        b = q // nblk
        oy0 = (q % nblk) * block
        oy1 = min(oy0 + block, oh)
        ya = oy0 * sh - ph                       # first input row read (may be padding)
        nrows = (oy1 - 1 - oy0) * sh + (kh - 1) * dh + 1
        buf = np.empty(nrows * wp * c, dtype=x.dtype)
        _stage_rows(x, b, ya, nrows, wp, pw, buf, channels_last)
        for oy in range(oy0, oy1):
            for ox in range(ow):
                d0 = uint64(((b * oh + oy) * ow + ox) * k)
                for i in range(kh):
                    for j in range(kw):
                        s = uint64((((oy - oy0) * sh + i * dh) * wp + ox * sw + j * dw) * c)
                        if kkc:
                            d = d0 + uint64(i * kw + j) * uc
                            for ch in range(uc):
                                cols[d + ch] = buf[s + ch]
                        else:
                            d = d0 + uint64(i * kw + j)
                            for ch in range(uc):
                                cols[d + ch * khw] = buf[s + ch]


def _col2im_blocks(cols, dx, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, cblock, channels_last=False, kkc=False):
    # Work item q = (b, block of ``cblock`` channels): it alone writes
    # dx[b, c0:c1], from cols rows of batch item b, columns of channels c0:c1,
    # so items never race. The sums gather in a channels-last buffer over the
    # padded plane the windows reach (contiguous adds over channels), then are
    # copied out to NCHW (or, when channels_last, to dx of shape (N, H, W, C)).
    if channels_last:
        n, h, w, c = dx.shape
    else:
        n, c, h, w = dx.shape
    k = c * kh * kw
    khw = kh * kw
    hs = (oh - 1) * sh + (kh - 1) * dh + 1      # padded rows the windows reach
    ws = (ow - 1) * sw + (kw - 1) * dw + 1
    ncb = (c + cblock - 1) // cblock
    for q in prange(n * ncb):
        b = q // ncb
        c0 = (q % ncb) * cblock
        cc = min(cblock, c - c0)
        ucc = uint64(cc)
        acc = np.zeros(hs * ws * cc, dtype=dx.dtype)
        for oy in range(oh):
            for ox in range(ow):
                row = ((b * oh + oy) * ow + ox) * k
                for i in range(kh):
                    for j in range(kw):
                        a = uint64(((oy * sh + i * dh) * ws + ox * sw + j * dw) * cc)
                        if kkc:         # columns (i, j, c): this block's channels are contiguous
                            s = uint64(row + (i * kw + j) * c + c0)
                            for ch in range(ucc):
                                acc[a + ch] += cols[s + ch]
                        else:           # columns (c, i, j)
                            s = uint64(row + c0 * khw + i * kw + j)
                            for ch in range(ucc):
                                acc[a + ch] += cols[s + ch * uint64(khw)]
        nx = max(0, min(w, ws - pw))
        if channels_last:
            # dx[b, y, xx, c0:c1] = acc[y + ph, xx + pw, :]: one contiguous run per pixel
            for y in range(h):
                ry = y + ph
                for xx in range(w):
                    d = dx[b, y, xx]
                    if ry >= hs or xx >= nx:
                        fill(d, c0, cc, 0)
                    else:
                        gather(d, c0, acc, (ry * ws + xx + pw) * cc, 1, cc)
            continue
        # back to NCHW: dx[b, c0 + ch, y, xx] = acc[y + ph, xx + pw, ch]; pixels
        # right of or below the last window (xx + pw >= ws, y + ph >= hs) get 0
        for ch in range(cc):
            plane = dx[b, c0 + ch]
            for y in range(h):
                row = plane[y]
                ry = y + ph
                if ry >= hs or nx == 0:
                    fill(row, 0, w, 0)
                    continue
                gather(row, 0, acc, (ry * ws + pw) * cc + ch, cc, nx)
                fill(row, nx, w - nx, 0)


_NUMBA_KERNELS = {"_stage_rows": dict(cache=True),
                  "_im2col_rows": dict(parallel=True, cache=True),
                  "_col2im_blocks": dict(parallel=True, cache=True)}

# Work-block sizes. An im2col block stages about IM2COL_BLOCK_BYTES of input
# rows; a col2im block sums about COL2IM_BLOCK_BYTES of channels-last gradient
# (both stay in L2). col2im's inner loop runs over the channels of a block, so
# it keeps at least COL2IM_MIN_CHANNELS of them (measured: 4 channels per
# block ran 4x slower than 32). Both leave at least MIN_ITEMS_PER_THREAD
# blocks per thread so prange can balance them.
IM2COL_BLOCK_BYTES = 128 * 1024
COL2IM_BLOCK_BYTES = 512 * 1024
COL2IM_MIN_CHANNELS = 16
MIN_ITEMS_PER_THREAD = 4


def im2col_block(n, c, oh, sh, wp, itemsize):
    """Output rows per im2col work item."""
    threads = _numba.num_threads()
    block = max(1, min(oh, IM2COL_BLOCK_BYTES // max(1, sh * wp * c * itemsize)))
    while block > 1 and n * -(-oh // block) < MIN_ITEMS_PER_THREAD * threads:
        block = (block + 1) // 2
    return -(-oh // -(-oh // block))      # the same number of blocks, evened out


def col2im_cblock(n, c, hs, ws, itemsize):
    """Channels per col2im work item."""
    threads = _numba.num_threads()
    cblock = max(min(c, COL2IM_MIN_CHANNELS), min(c, COL2IM_BLOCK_BYTES // max(1, hs * ws * itemsize)))
    while cblock > 1 and n * -(-c // cblock) < MIN_ITEMS_PER_THREAD * threads:
        cblock = (cblock + 1) // 2
    return -(-c // -(-c // cblock))       # the same number of blocks, evened out


_numba_compiled = False


def compile_numba():
    """Compile this family's Numba kernels (once; loads them from Numba's cache when it can)."""
    if not _numba_compiled:
        _numba.compile_kernels(globals(), _NUMBA_KERNELS)


def _im2col_numba(x, g, out, kkc=False):
    compile_numba()
    wp = g.reach[1]
    block = im2col_block(g.n, g.c, g.oh, g.sh, wp, x.dtype.itemsize)
    nhwc = is_channels_last(x)           # read the NHWC memory as it is, no copy
    src = x.transpose(0, 2, 3, 1) if nhwc else np.ascontiguousarray(x)
    _im2col_rows(src, out.reshape(-1), g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow, block, nhwc,
                 kkc, section_parallel=not nhwc)       # in a section: kernels/_numba.py, SECTION_PARALLEL_BUILD
    return out


def _col2im_numba(cols, g, channels_last, kkc=False):
    compile_numba()
    hs, ws = g.reach
    cblock = col2im_cblock(g.n, g.c, hs, ws, cols.dtype.itemsize)
    if channels_last:
        dx = np.empty((g.n, g.h, g.w, g.c), dtype=cols.dtype)
    else:
        dx = np.empty(g.x_shape, dtype=cols.dtype)
    _col2im_blocks(np.ascontiguousarray(cols).reshape(-1), dx, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw,
                   g.oh, g.ow, cblock, channels_last, kkc, section_parallel=not channels_last)
    return dx.transpose(0, 3, 1, 2) if channels_last else dx


# --- 3. CUDA kernels (numba.cuda, see kernels/_cuda.py) -----------------------

# ``numba.cuda``, bound here by ``_cuda.kernels`` on first use (the simulator swaps this global).
cuda = None

def _cuda_sources(ftype):
    """The CUDA kernels for float type ``ftype``, as Python functions for ``cuda.jit``."""
    zero = ftype(0)

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
        # One thread per input pixel gathers every window entry that read it:
        # no atomics, deterministic.
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

    return dict(im2col=im2col, col2im=col2im)


def _cuda_signatures(ftype):
    """Argument types of each kernel, for its PTX (PtxKernel, and compile_ptx_all in the tests)."""
    from ._cuda import signature_types
    f, _, n = signature_types(ftype)
    return dict(im2col=(f, f) + (n,) * 14, col2im=(f, f) + (n,) * 14)


def _im2col_cuda(x, g, out):
    from . import _cuda
    xp = get_array_module(x)
    x = xp.ascontiguousarray(x)
    _cuda.launch(_cuda.kernels(_cuda_sources, x.dtype).im2col, out.size, _cuda.stream_for(x),
                 _cuda.dev(x), _cuda.dev(out), *g)
    return out


def _col2im_cuda(cols, g, channels_last):
    from . import _cuda
    xp = get_array_module(cols)
    cols = xp.ascontiguousarray(cols)
    dx = xp.empty(g.x_shape, dtype=cols.dtype)
    _cuda.launch(_cuda.kernels(_cuda_sources, cols.dtype).col2im, dx.size, _cuda.stream_for(cols),
                 _cuda.dev(cols), _cuda.dev(dx), *g)
    return to_channels_last(dx) if channels_last else dx


# --- 4. dispatch ------------------------------------------------------------------

_IM2COL = {"numpy": _im2col_numpy, "numba": _im2col_numba, "cuda": _im2col_cuda}
_COL2IM = {"numpy": _col2im_numpy, "numba": _col2im_numba, "cuda": _col2im_cuda}
_COLUMN_ORDERS = ("ckk", "kkc")


def _column_order(who, column_order):
    if column_order not in _COLUMN_ORDERS:
        raise ValueError(f"{who}: column_order must be 'ckk' or 'kkc', got {column_order!r}")
    return column_order == "kkc"


def _im2col_cuda_kkc(x, g, out):
    """The CUDA kernel writes columns (c, i, j); move them to (i, j, c)."""
    ckk = _im2col_cuda(x, g, get_array_module(x).empty(g.cols_shape, dtype=x.dtype))
    rows, khw = ckk.shape[0], g.kh * g.kw
    out.reshape(rows, khw, g.c)[...] = ckk.reshape(rows, g.c, khw).transpose(0, 2, 1)
    return out


def _col2im_cuda_kkc(cols, g, channels_last):
    rows, khw = cols.shape[0], g.kh * g.kw
    ckk = get_array_module(cols).ascontiguousarray(cols.reshape(rows, khw, g.c).transpose(0, 2, 1))
    return _col2im_cuda(ckk.reshape(rows, -1), g, channels_last)


def im2col(x, kernel, stride, padding, dilation, out=None, column_order="ckk"):
    """Unfold x (N, C, H, W) into cols (N*OH*OW, C*kh*kw), C-contiguous.

    x may have any strides; channels-last memory (NHWC, see
    :func:`~.shapes.is_channels_last`) is read in place by the CPU kernel.

    ``cols[(n*OH+oy)*OW+ox, (c*kh+i)*kw+j] = xpad[n, c, oy*sh+i*dh, ox*sw+j*dw]``
    (zero padding): rows are output pixels (n, oy, ox), columns are weight
    elements (c, i, j) in the order of ``w.reshape(O, C*kh*kw)``, so the
    convolution is ``cols @ w2.T`` -> (N*OH*OW, O). ``kernel``/``stride``/
    ``padding``/``dilation`` are ints or (h, w) pairs. ``out``: optional
    C-contiguous buffer of that shape and dtype. ``column_order="kkc"`` puts
    the channels innermost instead, column ``(i*kw+j)*C+c``, the order of
    ``w.transpose(0, 2, 3, 1).reshape(O, -1)``: from channels-last input the
    CPU kernel then copies whole runs of channels.

    >>> import numpy as np
    >>> from minidl import kernels
    >>> x = np.arange(9, dtype=np.float32).reshape(1, 1, 3, 3)
    >>> kernels.im2col(x, (2, 2), 1, 0, 1)          # one row per 2x2 window
    array([[0., 1., 3., 4.],
           [1., 2., 4., 5.],
           [3., 4., 6., 7.],
           [4., 5., 7., 8.]], dtype=float32)
    """
    check_nchw("im2col", x)
    check_float("im2col", x)
    kkc = _column_order("im2col", column_order)
    g = ConvGeometry.of("im2col", x.shape, kernel, stride, padding, dilation)
    if out is None:
        out = get_array_module(x).empty(g.cols_shape, dtype=x.dtype)
    else:
        check_out("im2col", out, g.cols_shape, x.dtype)
    impl = implementation(x)
    if not kkc:
        return _IM2COL[impl](x, g, out)
    return _im2col_cuda_kkc(x, g, out) if impl == "cuda" else _IM2COL[impl](x, g, out, kkc=True)


def col2im(cols, x_shape, kernel, stride, padding, dilation, channels_last=False, column_order="ckk"):
    """Adjoint of :func:`im2col`: cols (N*OH*OW, C*kh*kw) -> dx of ``x_shape`` (N, C, H, W).

    Every entry of ``cols`` is added to the input pixel im2col read it from
    (entries that came from padding are dropped). dx is C-contiguous, or with
    ``channels_last`` an (N, C, H, W) view of NHWC memory (PyTorch's
    ``channels_last`` memory format). ``column_order`` as in :func:`im2col`.

    >>> import numpy as np
    >>> from minidl import kernels
    >>> kernels.col2im(np.ones((4, 4), np.float32), (1, 1, 3, 3), (2, 2), 1, 0, 1)[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]], dtype=float32)
    """
    check_float("col2im", cols)
    kkc = _column_order("col2im", column_order)
    g = ConvGeometry.of("col2im", x_shape, kernel, stride, padding, dilation)
    if tuple(cols.shape) != g.cols_shape:
        raise ValueError(f"col2im: cols of shape {tuple(cols.shape)} does not match x_shape "
                         f"{tuple(x_shape)} (expected {g.cols_shape})")
    impl = implementation(cols)
    if not kkc:
        return _COL2IM[impl](cols, g, bool(channels_last))
    if impl == "cuda":
        return _col2im_cuda_kkc(cols, g, bool(channels_last))
    return _COL2IM[impl](cols, g, bool(channels_last), kkc=True)
