"""ReLU's forward and backward in one pass each: NumPy reference, Numba kernels, dispatch.

``relu_forward(x) -> y`` with ``y = max(x, 0)`` (NumPy's ``maximum``:
NaN stays NaN, -0.0 becomes +0.0); ``relu_backward(g, y) -> g * (y > 0)``
from the forward's output, as PyTorch's ReLU keeps only its result (``y > 0``
exactly where ``x > 0``; NumPy's product with the mask as 0/1 in g's dtype, so
a NaN or infinite ``g`` at a masked element gives NaN, and a negative one -0.0).
No mask is kept: ResNet-18's peak memory holds one boolean array less per ReLU
than with a separate mask (docs/performance.md, "Session 18").

The NumPy code makes one pass over ``x`` forward (``maximum``) and a comparison
and a mixed-type product backward, each on one core. The Numba
kernels make one pass, over fixed blocks of ``BLOCK`` elements in a ``prange``
loop, so they run on ``T`` threads under ``config.intra_op_parallel`` (and on
Numba's threads otherwise). Every element is computed by the same operations
whatever the split, so the results are the NumPy code's bits.

They work on the arrays' memory in memory order, so any dense layout
(C-contiguous, channels-last, Fortran) is kept: the outputs have ``x``'s
strides. Arrays below ``PARALLEL_MIN`` elements take the serial kernel.
Arrays that are not dense, a gradient whose layout differs from the
output's, small arrays (below ``MIN_SIZE``) and device arrays take the NumPy code.
"""
from __future__ import annotations

import numpy as np

from minidl.backend import get_array_module

from . import _numba
from ._dispatch import implementation
from ._numba import prange, uint64

__all__ = ["relu_forward", "relu_backward", "BLOCK", "MIN_SIZE", "PARALLEL_MIN"]

BLOCK = 1 << 14          # elements per work item (64 KB of float32)
MIN_SIZE = 1 << 14       # below this the Numba call's fixed cost is not worth it
PARALLEL_MIN = 1 << 18   # below this the serial kernel: starting Numba's threads costs more than they save


# --- 1. NumPy reference ------------------------------------------------------------

def _forward_numpy(x):
    return get_array_module(x).maximum(x, 0)      # not x * (x > 0): that makes -0.0 of negatives


def _backward_numpy(g, y):
    return g * (y > 0)


# --- 2. Numba kernels (1-D views of the arrays' memory) --------------------------------

def _relu_fwd(x, y, zero, block):
    # zero: +0.0 in x's dtype
    count = x.shape[0]
    for item in prange((count + block - 1) // block):
        lo = uint64(item * block)
        hi = uint64(min(item * block + block, count))
        for i in range(lo, hi):
            xi = x[i]
            # NumPy's maximum(x, 0): x where x > 0 or x is NaN, else +0.0
            y[i] = xi if (xi > 0 or xi != xi) else zero


def _relu_bwd(g, y, out, one, zero, block):
    # one, zero: 1 and +0 in g's dtype (the mask's values in NumPy's product g * (y > 0))
    count = g.shape[0]
    for item in prange((count + block - 1) // block):
        lo = uint64(item * block)
        hi = uint64(min(item * block + block, count))
        for i in range(lo, hi):
            out[i] = g[i] * (one if y[i] > 0 else zero)


_NUMBA_KERNELS = {"_relu_fwd": dict(parallel=True, cache=True),
                  "_relu_bwd": dict(parallel=True, cache=True)}
_numba_compiled = False


def compile_numba():
    """Compile this family's Numba kernels (once; loads them from Numba's cache when it can)."""
    if not _numba_compiled:
        _numba.compile_kernels(globals(), _NUMBA_KERNELS)


def _memory_order(a):
    """The axis permutation that makes ``a`` C-contiguous, or None when ``a`` is not dense in memory."""
    if a.flags.c_contiguous:
        return tuple(range(a.ndim))
    perm = tuple(sorted(range(a.ndim), key=lambda d: -a.strides[d]))
    return perm if a.transpose(perm).flags.c_contiguous else None


def _flat(a, perm):
    """1-D view of ``a``'s memory, in memory order (``a.transpose(perm)`` is C-contiguous)."""
    return a.transpose(perm).reshape(-1)


def _empty_in_order(like, perm, dtype):
    """``(array, flat)``: an empty array of ``like``'s shape whose memory order is ``perm``, and its 1-D view."""
    stored = np.empty(tuple(like.shape[d] for d in perm), dtype=dtype)
    return stored.transpose(np.argsort(perm)), stored.reshape(-1)


def _numba_applies(*arrays):
    """The common memory order of ``arrays`` (NumPy, float or bool, dense, large enough), else None."""
    first = arrays[0]
    if type(first) is not np.ndarray or first.size < MIN_SIZE or first.dtype not in (np.float32, np.float64):
        return None
    perm = _memory_order(first)
    if perm is None:
        return None
    for a in arrays[1:]:
        if type(a) is not np.ndarray or a.shape != first.shape or not a.transpose(perm).flags.c_contiguous:
            return None
    return perm


# --- 3. dispatch ------------------------------------------------------------------

def relu_forward(x):
    """``max(x, 0)`` for a float array x of any shape, in x's memory layout."""
    perm = _numba_applies(x) if implementation(x) == "numba" else None
    if perm is None:
        return _forward_numpy(x)
    compile_numba()
    y, y_flat = _empty_in_order(x, perm, x.dtype)
    kernel = _relu_fwd if x.size >= PARALLEL_MIN else _relu_fwd.serial
    kernel(_flat(x, perm), y_flat, x.dtype.type(0), BLOCK)
    return y


def relu_backward(g, y):
    """``g * (y > 0)``: ReLU's input gradient from the output gradient ``g`` and the forward's output ``y``
    (both of the same shape)."""
    perm = _numba_applies(g, y) if implementation(g) == "numba" and y.dtype == g.dtype else None
    if perm is None:
        return _backward_numpy(g, y)
    compile_numba()
    out, out_flat = _empty_in_order(g, perm, g.dtype)
    kernel = _relu_bwd if g.size >= PARALLEL_MIN else _relu_bwd.serial
    kernel(_flat(g, perm), _flat(y, perm), out_flat, g.dtype.type(1), g.dtype.type(0), BLOCK)
    return out
