"""Keep freed array memory in the process instead of handing it back to the OS.

A training step allocates and frees the same large arrays (activations, column
matrices, gradients) every time. With glibc's defaults, blocks above a dynamic
threshold are mmap'ed, and free memory at the top of the heap above 128 KB is
returned to the kernel, so every step touches fresh pages and pays a page fault
(plus zeroing) per 4 KB: measured on LeNet (``benchmarks/bench_train.py``
N1, one thread), 17-18 ms per step with the defaults against 7.6-8 ms with the
settings below. PyTorch avoids the same cost with its own allocators.

:func:`tune_malloc` (called once by ``import minidl``) asks glibc to serve
blocks up to ``MMAP_THRESHOLD_BYTES`` from the heap and to keep up to
``TRIM_THRESHOLD_BYTES`` of free heap before trimming. Peak memory is unchanged
(the same arrays are live at the peak); between steps the process keeps the
memory its last step freed (up to ``TRIM_THRESHOLD_BYTES``) for the next one,
as PyTorch's caching allocators keep theirs. 128 MB (sessions 3-9) was less
than ResNet-18's step frees at batch 32: in about half of the processes glibc
trimmed the excess after every step and the next step faulted it back in,
12,000-20,000 page faults per step and 0.04-0.06 s of system time; with 1 GB, 4
faults per step, and the two-thread step 0.85-0.95x (three alternating pairs of
processes, session 10). It does nothing on other C libraries, when the user has
set glibc's own ``MALLOC_*_`` variables, or when ``minidl.config.malloc_tuning``
is False (``MINIDL_MALLOC_TUNING=0``).
"""
from __future__ import annotations

import os
import platform

from . import config

__all__ = ["tune_malloc", "MMAP_THRESHOLD_BYTES", "TRIM_THRESHOLD_BYTES"]

MMAP_THRESHOLD_BYTES = 32 * 2 ** 20     # glibc's largest allowed value on 64-bit
TRIM_THRESHOLD_BYTES = 2 ** 30
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3   # from <malloc.h>
_GLIBC_VARIABLES = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_")

_tuned = None


def tune_malloc():
    """Apply the malloc settings above once per process; return whether they are in effect.

    >>> import minidl.allocator as allocator
    >>> allocator.tune_malloc() in (True, False)
    True
    """
    global _tuned
    if _tuned is not None:
        return _tuned
    _tuned = False
    if not config.malloc_tuning:
        return _tuned
    if any(name in os.environ for name in _GLIBC_VARIABLES):
        return _tuned                               # the user tuned glibc already
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return _tuned
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6")
        ok_mmap = libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
        ok_trim = libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    except (OSError, AttributeError):
        return _tuned
    _tuned = bool(ok_mmap) and bool(ok_trim)
    return _tuned
