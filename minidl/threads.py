"""``minidl.set_num_threads`` / ``minidl.get_num_threads``: PyTorch's intra-op thread count.

In minidl the threads that do an op's work are BLAS's (NumPy's OpenBLAS or
MKL, through ``threadpoolctl``), plus minidl's own when
``minidl.config.intra_op_parallel`` is on, which follow BLAS's count
(``kernels/_threads.py``). So the count PyTorch calls "intra-op threads" is
BLAS's thread count here. Without ``threadpoolctl``, or with a BLAS it cannot
control, ``set_num_threads`` raises a clear error instead of silently doing
nothing; set ``OPENBLAS_NUM_THREADS`` before starting Python instead.
"""
from __future__ import annotations

import builtins
import os

__all__ = ["set_num_threads", "get_num_threads"]


def _blas():
    from .kernels import _threads
    return _threads._blas_control()


def set_num_threads(int):  # noqa: A002  (PyTorch's parameter name)
    """Use ``int`` threads for the work inside each op (BLAS's thread count), as ``torch.set_num_threads``.

    Raises RuntimeError for a non-int or a count below 1, as PyTorch does.
    """
    count = int
    if isinstance(count, bool) or not isinstance(count, builtins.int):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(count).__name__}")
    if count < 1:
        raise RuntimeError("set_num_threads expects a positive integer")
    blas = _blas()
    if not blas.usable:
        raise RuntimeError("set_num_threads: no controllable BLAS found (threadpoolctl is missing or cannot "
                           "read NumPy's BLAS); set OPENBLAS_NUM_THREADS before starting Python instead")
    blas.set(count)


def get_num_threads():
    """The number of threads used inside ops (BLAS's thread count), as ``torch.get_num_threads``."""
    blas = _blas()
    if blas.usable:
        return blas.get()
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        value = os.environ.get(name, "")
        if value.isdigit() and value != "0":
            return builtins.int(value)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
