"""Intra-op parallelism on the CPU: a small persistent thread pool, BLAS held at one thread beside it, and
the per-op rule that decides which ops use it.

With ``minidl.config.intra_op_parallel`` on and BLAS allowed ``T > 1`` threads,
minidl splits its own work into ``T`` parts instead of leaving the GEMMs to
BLAS's threads and everything else to one core, op by op, as the **per-op rule**
below decides (its thresholds are the module constants that follow this text):

- an im2col convolution of at least ``CONV_SPLIT_MIN`` multiply-adds splits its
  batch into ``T`` contiguous ranges of images (:func:`conv_threads`); each
  thread runs im2col -> GEMM -> layout copy (and, backward, the gradient GEMMs
  and col2im) for its own images, with BLAS single-threaded and the Numba
  kernels in their serial, GIL-free form (:func:`run`). A smaller one runs as
  with the scheme off (its GEMMs on BLAS's own threads);
- a linear layer's GEMMs (:func:`matmul`): below ``MATMUL_ONE_THREAD_MIN``
  multiply-adds plain (OpenBLAS keeps them on one thread), then on one BLAS
  thread, from ``MATMUL_SPLIT_MIN`` split over the ``T`` threads (rows or
  columns, whichever packs less per thread), and from ``MATMUL_BLAS_THREADS_MIN``
  plain on BLAS's own threads, which beat the split on such products;
- a Numba ``prange`` kernel whose largest array argument has at least
  ``LAUNCH_SPLIT_MIN_BYTES`` runs on ``T`` Numba threads (:func:`launch_splits`,
  applied by ``kernels._numba`` at every launch); a smaller one runs as with the
  scheme off (Numba's own count, one thread beside BLAS).

So OpenBLAS's own worker threads, which spin for about 0.1 s after every
multi-threaded GEMM, are woken only by products large enough to pay for it, and
otherwise never compete with minidl's threads. ``T`` follows the user's BLAS
thread count (``OPENBLAS_NUM_THREADS``/``OMP_NUM_THREADS``,
``threadpoolctl.threadpool_limits``), read at every op, capped by Numba's maximum
(``NUMBA_NUM_THREADS``). With one BLAS thread, no ``threadpoolctl``, a device
array, or the field off, nothing here runs and the ops take their
single-threaded paths. The thresholds were measured on a 2-core machine
(``docs/performance.md``, "Session 8: a per-op rule for intra_op_parallel").

Process-wide effects: BLAS is set to one thread (through ``threadpoolctl``)
while a parallel section or a mid-sized linear GEMM runs and restored to its previous
count when it ends, also on error; ``T - 1`` daemon worker threads are started
on first use and kept. Results do not depend on timing: parts are fixed ranges,
partial sums are combined in part order, and each op's path depends only on its
shapes and the thread count.
"""
from __future__ import annotations

import os
import queue
import threading

import numpy as np

from minidl import config

__all__ = ["intra_op_threads", "parts_of", "run", "on_one_blas_thread", "matmul", "in_section",
           "conv_threads", "launch_splits", "CONV_SPLIT_MIN",
           "LAUNCH_SPLIT_MIN_BYTES", "MATMUL_ONE_THREAD_MIN", "MATMUL_SPLIT_MIN", "MATMUL_BLAS_THREADS_MIN"]

# --- the per-op rule: which ops split, and how (see the module docstring) ----------
# Measured on the development machine (2 cores), docs/performance.md, session 8.
#
# :func:`conv_threads`: an im2col convolution splits its batch from CONV_SPLIT_MIN
# multiply-adds (N * OH * OW * O * C/groups * kh * kw). Every convolution of the
# CIFAR CNN, the Tiny-ImageNet CNN and ResNet-18 is above it, and so is LeNet's
# second layer at batch 64 (15 M): split, LeNet's two-thread step took 0.79x the
# time of the same step with it on BLAS's threads (session 9, quiet machine, five
# process pairs; 2^24 before, which kept that layer whole); TinyVGG's step is
# unchanged (1.00x).
CONV_SPLIT_MIN = 1 << 22
# :func:`launch_splits`: a ``prange`` kernel runs on T Numba threads only when its
# largest array argument has at least LAUNCH_SPLIT_MIN_BYTES; smaller launches run
# on Numba's count from before the scheme (1 beside BLAS), as with the scheme off.
# Session 10, quiet machine, separate processes (benchmarks/ab_constants.py; load
# about 1.4, the runs' own threads): 64 KB against session 8's 4 MB, which kept
# LeNet's launches (0.3-3.8 MB at batch 64: its direct convolution, pooling, ReLU)
# on one thread, took LeNet's step 0.76x and 0.87x (two runs of five pairs of 200
# steps), TinyVGG's 0.86-0.92x, the MLP's 0.98-1.00x, and the CIFAR CNN's, the
# Tiny-ImageNet CNN's and ResNet-18's 0.99-1.02x; 0, 64 KB and 256 KB were within
# noise of each other on LeNet. (Session 8's 2-3% loss for LeNet: loaded machine.)
LAUNCH_SPLIT_MIN_BYTES = 1 << 16
# :func:`matmul`'s thresholds, in multiply-adds. OpenBLAS itself stays on one
# thread below 4 * 65536; above that it would wake its workers, which then spin
# beside minidl's threads. A pool handoff costs tens of microseconds (27 us
# measured for an empty two-part section), about a GEMM of 2^22 multiply-adds on
# one core. In isolation BLAS's own two threads beat the split on every linear
# layer of the reference nets (0.5-0.6x its time, loaded machine), but their
# workers then spin for 0.1 s beside the convolutions that follow: the CIFAR
# CNN's step (linear 64x2048x512, 2^26) took 1.23x the scheme-off time with
# them and 0.80x split (session 7). Only the MLP's 128x3072x512 products
# (2^27.6), with no convolution to disturb, gain from them: its step took 1.32x
# with the split and 1.02x with BLAS's threads. Hence MATMUL_BLAS_THREADS_MIN.
MATMUL_ONE_THREAD_MIN = 1 << 18
MATMUL_SPLIT_MIN = 1 << 22
MATMUL_BLAS_THREADS_MIN = 1 << 27

_local = threading.local()      # .section: this thread runs one part of a parallel section


def in_section() -> bool:
    """Whether the calling thread is running one part of a parallel section."""
    return getattr(_local, "section", False)


# --- BLAS's thread count (threadpoolctl) ----------------------------------------

class _Blas:
    """The BLAS libraries NumPy may call, through ``threadpoolctl``; ``usable`` is False without it."""

    def __init__(self):
        try:
            from threadpoolctl import ThreadpoolController
            libs = ThreadpoolController().select(user_api="blas").lib_controllers
        except Exception:      # ImportError, or a library threadpoolctl cannot read
            libs = []
        numpy_libs = [lib for lib in libs if "numpy" in str(getattr(lib, "filepath", ""))]
        self.libs = numpy_libs or libs
        self.usable = bool(self.libs)
        # An OpenMP-threaded BLAS keeps its limit per thread: each worker sets its own.
        self.per_thread = any(getattr(lib, "threading_layer", "") == "openmp" for lib in self.libs)

        self.get_count = self.libs[0].get_num_threads if self.libs else None
        getter = getattr(self.libs[0], "_get_symbol", None) if self.libs else None
        if getter is not None and getattr(self.libs[0], "internal_api", "") == "openblas" and not self.per_thread:
            try:       # the C function itself: threadpoolctl's method looks it up on every call
                self.get_count = getter("openblas_get_num_threads") or self.get_count
            except Exception:
                pass

    def get(self) -> int:
        return max(1, int(self.get_count() or 1))

    def set(self, count):
        for lib in self.libs:
            lib.set_num_threads(count)


_blas = None
_blas_lock = threading.Lock()


def _blas_control():
    global _blas
    if _blas is None:
        with _blas_lock:
            if _blas is None:
                _blas = _Blas()
    return _blas


_thread_cap = None


def _max_threads() -> int:
    """Numba's maximum thread count (``NUMBA_NUM_THREADS``), at most the CPUs this process may run on.

    Read once (``os.cpu_count`` alone costs tens of microseconds).
    """
    global _thread_cap
    if _thread_cap is None:
        from numba import config as numba_config
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        _thread_cap = max(1, min(int(numba_config.NUMBA_NUM_THREADS), cpus))
    return _thread_cap


def intra_op_threads(array=None) -> int:
    """Threads an op on ``array`` splits its work over: 1 unless the scheme applies.

    The scheme applies to NumPy arrays, with ``config.intra_op_parallel`` on,
    outside a parallel section, when BLAS may use more than one thread.
    """
    if not config.intra_op_parallel or in_section():
        return 1
    if array is not None and not isinstance(array, np.ndarray):
        return 1
    blas = _blas_control()
    if not blas.usable:
        return 1
    return min(blas.get(), _max_threads())


def conv_threads(array, macs) -> int:
    """Threads an im2col convolution on ``array`` splits its batch over: :func:`intra_op_threads`
    when its ``macs`` multiply-adds reach ``CONV_SPLIT_MIN``, else 1 (the scheme-off path)."""
    threads = intra_op_threads(array)
    return threads if threads > 1 and macs >= CONV_SPLIT_MIN else 1


def launch_splits(args) -> bool:
    """Whether a ``prange`` kernel launched with ``args`` runs on the scheme's T threads: its largest
    NumPy array argument has at least ``LAUNCH_SPLIT_MIN_BYTES`` (else it runs as with the scheme off)."""
    largest = 0
    for arg in args:
        if type(arg) is np.ndarray and arg.nbytes > largest:
            largest = arg.nbytes
    return largest >= LAUNCH_SPLIT_MIN_BYTES


def parts_of(count, parts):
    """``count`` items in ``min(parts, count)`` contiguous ranges ``(lo, hi)`` as even as possible."""
    parts = max(1, min(parts, count))
    return [(count * i // parts, count * (i + 1) // parts) for i in range(parts)]


# --- the pool ---------------------------------------------------------------------

class _Pool:
    """Daemon threads, each waiting on its own queue for ``(task, index)``; results come back on ``done``."""

    def __init__(self):
        self.inboxes = []
        self.done = queue.SimpleQueue()
        self.busy = threading.Lock()

    def grow(self, workers):
        while len(self.inboxes) < workers:
            inbox = queue.SimpleQueue()
            threading.Thread(target=self._work, args=(inbox,), name=f"minidl-intra-op-{len(self.inboxes) + 1}",
                             daemon=True).start()
            self.inboxes.append(inbox)

    def _work(self, inbox):
        _local.section = True            # workers only ever run parts of sections
        blas = _blas_control()
        if blas.per_thread:
            blas.set(1)
        while True:
            task, index = inbox.get()
            try:
                self.done.put((index, task(index), None))
            except BaseException as exc:     # handed to the caller, raised there
                self.done.put((index, None, exc))


_pool = _Pool()


def _reset_after_fork():
    global _pool
    _pool = _Pool()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def run(task, parts):
    """``[task(i) for i in range(parts)]``, the parts run concurrently, BLAS on one thread meanwhile.

    Part 0 runs on the calling thread. Inside a section (nested), or while
    another thread holds the pool, the parts run one after the other here.
    The first exception, in part order, is raised once every part has ended.
    """
    if parts <= 1 or in_section():
        return _sequential(task, parts)
    pool = _pool
    if not pool.busy.acquire(blocking=False):
        return _sequential(task, parts)
    blas = _blas_control()
    try:
        saved = blas.get()
        blas.set(1)
        try:
            pool.grow(parts - 1)
            for index in range(1, parts):
                pool.inboxes[index - 1].put((task, index))
            results, errors = [None] * parts, [None] * parts
            _local.section = True
            try:
                results[0] = task(0)
            except BaseException as exc:
                errors[0] = exc
            finally:
                _local.section = False
            for _ in range(1, parts):
                index, result, exc = pool.done.get()
                results[index], errors[index] = result, exc
        finally:
            blas.set(saved)
    finally:
        pool.busy.release()
    for exc in errors:
        if exc is not None:
            raise exc
    return results


def on_one_blas_thread(task):
    """``task()`` with BLAS held at one thread (restored after, also on error); a plain ``task()``
    inside a section or while another thread holds the pool (BLAS is on one thread then anyway)."""
    if in_section():
        return task()
    pool = _pool
    if not pool.busy.acquire(blocking=False):
        return task()
    blas = _blas_control()
    try:
        saved = blas.get()
        blas.set(1)
        try:
            return task()
        finally:
            blas.set(saved)
    finally:
        pool.busy.release()


def _sequential(task, parts):
    was = in_section()
    _local.section = True
    try:
        return [task(i) for i in range(parts)]
    finally:
        _local.section = was


def matmul(a, b):
    """``a @ b`` for 2-D NumPy ``a`` (M, K) and ``b`` (K, N) under the scheme: the per-op rule for linear layers.

    - Products below ``MATMUL_ONE_THREAD_MIN`` multiply-adds: a plain ``a @ b``
      (OpenBLAS runs them on one thread by itself).
    - Below ``MATMUL_SPLIT_MIN``: one single-threaded GEMM on the calling thread
      (a handoff to the pool costs more than half of such a product).
    - Below ``MATMUL_BLAS_THREADS_MIN``: one single-threaded GEMM per thread,
      each on a fixed range of the rows of ``a`` when M > N, else of the columns
      of ``b``, so that each thread packs only its share of the larger operand
      (a row split made every thread pack all of a wide ``b``).
    - From ``MATMUL_BLAS_THREADS_MIN``: a plain ``a @ b`` on BLAS's own threads,
      which share their packed panels (the MLP's 128x3072x512 products).

    Each thread writes its own block of the result, so the result does not
    depend on timing. Other shapes and device arrays are a plain ``a @ b``.
    """
    threads = intra_op_threads(a)
    if threads <= 1 or a.ndim != 2 or b.ndim != 2:
        return a @ b
    m, n = a.shape[0], b.shape[1]
    macs = m * a.shape[1] * n
    if macs < MATMUL_ONE_THREAD_MIN or macs >= MATMUL_BLAS_THREADS_MIN:
        return a @ b
    split_rows = m > n
    ranges = parts_of(m if split_rows else n, threads)
    if macs < MATMUL_SPLIT_MIN or len(ranges) < 2:
        return on_one_blas_thread(lambda: a @ b)
    out = np.empty((m, n), dtype=np.result_type(a, b))

    def block(i):
        lo, hi = ranges[i]
        if split_rows:
            np.matmul(a[lo:hi], b, out=out[lo:hi])
        else:
            np.matmul(a, b[:, lo:hi], out=out[:, lo:hi])
    run(block, len(ranges))
    return out
