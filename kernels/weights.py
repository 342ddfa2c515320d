"""Convolution weights between layouts: im2col's (i, j, c) weight gradient, Winograd's weight transforms.

Three small passes that run once per layer and step, outside the batch split of
``kernels._threads``, so that done with NumPy on one core they left the second
core idle (about 45 ms of ResNet-18's 310 ms two-thread step, session 10):

- :func:`kkc_weight_rows` and :func:`kkc_weight_grad`: an im2col convolution on channels-last input orders its
  columns (i, j, c), so its GEMMs read the weights as rows W2 (O, kh*kw*C) and its
  weight gradient comes out as dW^T (kh*kw*C, O); the weight's layout is (O, C, kh, kw).
  ``W2[o, (i*kw + j)*C + c] = w[o, c, i, j]``, ``dw[o, c, i, j] = dwt[(i*kw + j)*C + c, o]``.
- :func:`winograd_weight`: Winograd's ``U[k] = (G w[o, c] G^T)`` flattened, that is
  ``U[k, c, o] = sum_t GG[k, t] w[o, c, t]`` with ``GG = kron(G, G)`` (K, 9), for the
  K = 16 or 36 frequencies; laid out (K, C, O) for channels-last tiles, (K, O, C)
  for NCHW planes (``kernels/winograd.py``).
- :func:`winograd_weight_grad`: its adjoint, ``dw[o, c, t] = sum_k GG[k, t] dU^T[k, o, c]``.

Each has a NumPy reference (written against ``xp``: CuPy arrays run it, as do
``config.cpu_kernels="numpy"``) and a Numba ``prange`` kernel over blocks of
output rows, each block written by one thread, so the result does not depend on
the thread count. The references are GEMMs; the kernels sum the same products in
a fixed order (K or 9 terms), equal to the references to rounding.
"""
from __future__ import annotations

import numpy as np

from minidl.backend import get_array_module

from . import _numba, _threads
from ._dispatch import implementation
from ._numba import prange, uint64

__all__ = ["kkc_weight_grad", "kkc_weight_rows", "winograd_weight", "winograd_weight_grad", "BLOCK"]

BLOCK = 16        # output channels per work item of the dW^T transpose (one 64-byte line of float32)


# --- 1. NumPy references -----------------------------------------------------------

def _kkc_numpy(dwt, w_shape):
    o, c, kh, kw = w_shape
    return get_array_module(dwt).ascontiguousarray(dwt.reshape(kh, kw, c, o).transpose(3, 2, 0, 1))


def _rows_numpy(w):
    o = w.shape[0]
    return get_array_module(w).ascontiguousarray(w.transpose(0, 2, 3, 1)).reshape(o, -1)


# The references' GEMMs go through the intra-op scheme's per-op rule (``_threads.matmul``): as plain products
# they would wake OpenBLAS's own threads, which then spin beside the batch split that follows (36.9 ms against
# 20.8 ms on N6's 64-channel Winograd layer, two threads: docs/performance.md, "Session 10").

def _weight_numpy(w, gg, channels_last):
    xp = get_array_module(w)
    o, c = w.shape[:2]
    ut = _threads.matmul(gg, xp.ascontiguousarray(w).reshape(o * c, 9).T).reshape(-1, o, c)     # (K, O, C)
    return xp.ascontiguousarray(ut.transpose(0, 2, 1)) if channels_last else ut


def _weight_grad_numpy(dut, w_shape, gg):
    xp = get_array_module(dut)
    return xp.ascontiguousarray(_threads.matmul(dut.reshape(gg.shape[0], -1).T, gg)).reshape(w_shape)


# --- 2. Numba kernels --------------------------------------------------------------

# Loops index with unsigned integers (kernels/_numba.py: signed ones keep LLVM from vectorising).

def _kkc_to_ocr(src, dst, block):
    # src (R, C, O), R = kh*kw; dst (O, C, R): dst[o, c, r] = src[r, c, o], `block` output channels per item
    r_, c_, o_ = src.shape
    for item in prange((o_ + block - 1) // block):
        o0 = uint64(item * block)
        o1 = uint64(min(item * block + block, o_))
        for c in range(uint64(c_)):
            for r in range(uint64(r_)):
                line = src[r, c]
                for o in range(o0, o1):
                    dst[o, c, r] = line[o]


def _ocr_to_okc(src, dst):
    # src (O, C, R), dst (O, R, C): dst[o, r, c] = src[o, c, r]; one output channel per item (an in-cache transpose)
    o_, c_, r_ = src.shape
    for o in prange(o_):
        plane = src[o]
        out = dst[o]
        for c in range(uint64(c_)):
            for r in range(uint64(r_)):
                out[r, c] = plane[c, r]


def _combine_rows(gg, k, taps, row, count):
    # row[:count] = sum_t gg[k, t] * taps[t, :count], t in order 0..8 (zero coefficients too: 0 * inf is NaN,
    # as in the reference's GEMM)
    g0 = gg[k, 0]
    for i in range(uint64(count)):
        row[i] = g0 * taps[0, i]
    for t in range(1, 9):
        g = gg[k, t]
        line = taps[t]
        for i in range(uint64(count)):
            row[i] += g * line[i]


def _weight_rows(w, gg, u):
    # w (A, B, 9), gg (K, 9), u (K, A, B): u[k, a, b] = sum_t gg[k, t] w[a, b, t]; one row a per work item.
    # U^T (K, O, C) from w (O, C, 9), U (K, C, O) from its transposed view (C, O, 9).
    a_, b_, _ = w.shape
    k_ = gg.shape[0]
    for a in prange(a_):
        taps = np.empty((9, b_), dtype=w.dtype)          # w[a] transposed: contiguous along b
        for b in range(uint64(b_)):
            for t in range(9):
                taps[t, b] = w[a, b, t]
        for k in range(k_):
            _combine_rows(gg, k, taps, u[k, a], b_)


def _weight_grad(dut, gg, dw):
    # dut (K, O, C), gg (K, 9), dw (O, C, 9): dw[o, c, t] = sum_k gg[k, t] dut[k, o, c]; one output channel per item
    k_, o_, c_ = dut.shape
    for o in prange(o_):
        acc = np.zeros((9, c_), dtype=dw.dtype)
        for k in range(k_):
            row = dut[k, o]
            for t in range(9):
                g = gg[k, t]
                line = acc[t]
                for c in range(uint64(c_)):
                    line[c] += g * row[c]
        for c in range(uint64(c_)):
            for t in range(9):
                dw[o, c, t] = acc[t, c]


_INLINE_HELPERS = ("_combine_rows",)
_NUMBA_KERNELS = {name: dict(parallel=True, cache=True)
                  for name in ("_kkc_to_ocr", "_ocr_to_okc", "_weight_rows", "_weight_grad")}


def compile_numba():
    """Compile the four kernels (once; from Numba's cache when it can)."""
    _numba.compile_kernels(globals(), _NUMBA_KERNELS)


# --- 3. dispatch -------------------------------------------------------------------

def _numba_ok(array):
    return isinstance(array, np.ndarray) and implementation(array) == "numba"


def kkc_weight_grad(dwt, w_shape):
    """dW (O, C, kh, kw), C-contiguous, from dW^T ``dwt`` (kh*kw*C, O) with rows in (i, j, c) order."""
    o, c, kh, kw = (int(v) for v in w_shape)
    if tuple(dwt.shape) != (kh * kw * c, o):
        raise ValueError(f"kkc_weight_grad: dW^T shape {tuple(dwt.shape)} != ({kh * kw * c}, {o}) for weight "
                         f"{tuple(w_shape)}")
    if not _numba_ok(dwt):
        return _kkc_numpy(dwt, w_shape)
    compile_numba()
    dw = np.empty((o, c, kh, kw), dtype=dwt.dtype)
    _kkc_to_ocr(np.ascontiguousarray(dwt).reshape(kh * kw, c, o), dw.reshape(o, c, kh * kw), BLOCK)
    return dw


def kkc_weight_rows(w):
    """W2 (O, kh*kw*C): the rows of w (O, C, kh, kw) in im2col's (i, j, c) column order (the inverse of
    :func:`kkc_weight_grad`'s layout change): ``W2[o, (i*kw + j)*C + c] = w[o, c, i, j]``."""
    if w.ndim != 4:
        raise ValueError(f"kkc_weight_rows: weight must be 4-D (O, C, kh, kw), got shape {tuple(w.shape)}")
    if not _numba_ok(w):
        return _rows_numpy(w)
    compile_numba()
    o, c, kh, kw = (int(v) for v in w.shape)
    rows = np.empty((o, kh * kw * c), dtype=w.dtype)
    _ocr_to_okc(np.ascontiguousarray(w).reshape(o, c, kh * kw), rows.reshape(o, kh * kw, c))
    return rows


def _kron(g_matrix, dtype, xp):
    return xp.asarray(np.kron(g_matrix, g_matrix), dtype=dtype)          # (K, 9)


def winograd_weight(w, g_matrix, channels_last):
    """Winograd's transformed weights of w (O, C, 3, 3) for G ``g_matrix`` (a, 3), K = a*a:
    U (K, C, O) when ``channels_last``, else U^T (K, O, C); ``U[k, c, o] = (G w[o, c] G^T)[k // a, k % a]``."""
    xp = get_array_module(w)
    gg = _kron(g_matrix, w.dtype, xp)
    if not _numba_ok(w):
        return _weight_numpy(w, gg, channels_last)
    compile_numba()
    o, c = int(w.shape[0]), int(w.shape[1])
    w9 = np.ascontiguousarray(w).reshape(o, c, 9)
    if channels_last:
        u = np.empty((gg.shape[0], c, o), dtype=w.dtype)
        _weight_rows(w9.transpose(1, 0, 2), gg, u)
    else:
        u = np.empty((gg.shape[0], o, c), dtype=w.dtype)
        _weight_rows(w9, gg, u)
    return u


def winograd_weight_grad(dut, w_shape, g_matrix):
    """dw (O, C, 3, 3) = G^T dU[o, c] G from dU^T ``dut`` (K, O, C) (the adjoint of :func:`winograd_weight`)."""
    xp = get_array_module(dut)
    gg = _kron(g_matrix, dut.dtype, xp)
    if not _numba_ok(dut):
        return _weight_grad_numpy(dut, w_shape, gg)
    compile_numba()
    dw = np.empty(tuple(int(v) for v in w_shape), dtype=dut.dtype)
    _weight_grad(np.ascontiguousarray(dut), gg, dw.reshape(dw.shape[0], dw.shape[1], 9))
    return dw
