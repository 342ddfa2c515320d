"""Numba, loaded on first use: the process settings that go with it, the shared loop helpers, the compiler.

The CPU kernels of each family are written as plain Python functions at
module level (they run, slowly, without Numba too). The first call of a
family's Numba implementation calls :func:`compile_kernels`, which imports
Numba (once per process, see :func:`numba_module`), puts Numba's ``prange``
and ``uint64`` and the compiled helpers below into the family's namespace and
replaces each kernel there by its ``njit`` version (``cache=True``: the
machine code is kept in ``__pycache__`` between runs).

Every kernel splits its work with ``prange`` over a dimension whose writes do
not overlap, so no two threads touch the same output element. Inner loops run
along the last axis, which keeps reads and writes contiguous when stride is 1.

Every compiled kernel releases the GIL (``nogil=True``). A ``parallel=True``
kernel also gets a serial twin (the same source compiled without ``parallel``,
cached under its own name): a thread running one part of a
``kernels._threads`` section calls the twin, so parts run side by side without
nesting Numba's thread pool (which its ``workqueue`` layer does not allow);
other callers get the parallel kernel, on ``T`` threads while the intra-op
scheme of ``kernels._threads`` applies, unless its per-op rule finds the launch
too small (``kernels._threads.launch_splits``): then on Numba's count from
before the scheme, as with the scheme off. (Not the serial twin: the twins of
im2col and col2im measured 1.45x the parallel build's time on one thread.)
"""
from __future__ import annotations

import os
import threading
import types

from minidl import config

from . import _threads

__all__ = ["numba_module", "set_omp_wait", "compile_kernels", "prange", "uint64", "fill", "gather", "gather_add",
           "scatter_add", "valid_range", "REDUCE_MATH"]

# Placeholders until Numba is loaded: the kernels are valid (slow) Python with these.
prange = range
uint64 = int

# Reductions may be reassociated so LLVM vectorises the sums (the order of a
# float sum changes in the last bits); NaN/inf semantics stay IEEE.
REDUCE_MATH = {"reassoc", "contract"}

_numba = None
_helpers = None
_lock = threading.RLock()
_thread_state = threading.local()   # .saved/.current: this thread's Numba count before/under the scheme


def numba_module():
    """Import Numba once, applying the two process settings minidl makes for it.

    1. How long Numba's idle OpenMP workers spin before sleeping
       (:func:`set_omp_wait`, ``config.omp_spin_count``), unless the user chose.
    2. One Numba thread while BLAS may run several (see :func:`_one_thread_beside_spinning_blas`).
    """
    global _numba
    if _numba is None:
        set_omp_wait()
        import numba
        _one_thread_beside_spinning_blas(numba)
        _numba = numba
    return _numba


def set_omp_wait(environ=None):
    """Set ``GOMP_SPINCOUNT`` to ``config.omp_spin_count`` in ``environ`` (default ``os.environ``), with
    ``KMP_BLOCKTIME=0`` unless set, or ``OMP_WAIT_POLICY=PASSIVE`` when the count is 0; nothing when the user
    has set ``GOMP_SPINCOUNT`` or ``OMP_WAIT_POLICY``.

    libgomp reads both once, when Numba first starts its pool. A worker that
    sleeps as soon as a parallel region ends (PASSIVE) must be woken for the
    next one, which cost 0.1-0.3 ms per launch on the 2-core development
    machine (a virtual machine), several times a small kernel's own time; one
    that spins without bound (libgomp's default, about 300000 rounds, or
    ACTIVE) keeps a core busy while minidl's own threads split an im2col
    convolution or BLAS runs a GEMM on both. 10000 rounds (about 0.2 ms) cover
    the gap between one op's kernel and the next's. Measured on 2 cores (two-
    thread training steps against PASSIVE, docs/performance.md, session 20):
    LeNet 0.81x, TinyVGG 0.84x, the Tiny-ImageNet CNN 0.88x, the CIFAR CNN
    0.93x, the MLP and ResNet-18 0.98x; libgomp's default took the CIFAR CNN
    1.46x and ResNet-18 1.31x.
    """
    environ = os.environ if environ is None else environ
    if "OMP_WAIT_POLICY" in environ or "GOMP_SPINCOUNT" in environ:
        return
    spins = config.omp_spin_count
    if spins == 0:
        environ["OMP_WAIT_POLICY"] = "PASSIVE"
        return
    environ["GOMP_SPINCOUNT"] = str(spins)
    # Intel's and LLVM's OpenMP (a Numba built against them) read KMP_BLOCKTIME, not GOMP_SPINCOUNT, and spin
    # 200 ms by default: they keep the passive wait of sessions 8-19 (not measured with a spin).
    environ.setdefault("KMP_BLOCKTIME", "0")


# OpenBLAS's idle threads spin for about 2^28 cycles (0.1 s) after every GEMM
# unless OPENBLAS_THREAD_TIMEOUT says otherwise, and a conv net calls a GEMM
# every few milliseconds, so a second Numba thread always shares its core with
# a spinning BLAS thread. Measured on 2 cores (LeNet N1 / CIFAR CNN N2 training
# steps): 2 Numba + 2 BLAS threads 36 / 325 ms; 1 Numba + 2 BLAS 9.3 / 188 ms;
# 2 + 2 with OPENBLAS_THREAD_TIMEOUT=4 5.7 / 202 ms; 1 + 1 8.3 / 210 ms.
def _one_thread_beside_spinning_blas(numba):
    """Use one Numba thread unless BLAS is single-threaded, told not to spin, or the user chose.

    The user chooses with ``NUMBA_NUM_THREADS``, ``OPENBLAS_THREAD_TIMEOUT`` or
    ``config.keep_numba_threads`` (``MINIDL_KEEP_NUMBA_THREADS=1``). Returns the
    number of Numba threads in effect.
    """
    chosen = any(name in os.environ for name in ("NUMBA_NUM_THREADS", "OPENBLAS_THREAD_TIMEOUT"))
    blas_threads = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
    if not chosen and not config.keep_numba_threads and blas_threads != "1":
        numba.set_num_threads(1)
    return numba.get_num_threads()


# --- loop helpers shared by the families ------------------------------------
# They index with unsigned integers: Numba's signed indexing adds a
# negative-index wraparound branch that stops LLVM from vectorising the loop
# (measured 3x slower on im2col). Every caller guarantees the indices are in
# range and the counts non-negative.

def valid_range(offset, stride, count, size):
    """Range [lo, hi) of o in [0, count) with 0 <= o*stride + offset < size (lo <= hi)."""
    lo = 0
    if offset < 0:
        lo = (-offset + stride - 1) // stride
    hi = 0
    if size - 1 - offset >= 0:
        hi = (size - 1 - offset) // stride + 1
    hi = min(hi, count)
    lo = min(lo, hi)
    return lo, hi


def fill(dst, d0, count, value):
    """dst[d0:d0+count] = value."""
    d0 = uint64(d0)
    for t in range(uint64(count)):
        dst[d0 + t] = value


def gather(dst, d0, src, s0, step, count):
    """dst[d0 + t] = src[s0 + t*step] for t in range(count)."""
    d0, s0 = uint64(d0), uint64(s0)
    if step == 1:  # the common case: a contiguous copy LLVM turns into vector moves
        for t in range(uint64(count)):
            dst[d0 + t] = src[s0 + t]
        return
    step = uint64(step)
    for t in range(uint64(count)):
        dst[d0 + t] = src[s0 + t * step]


def gather_add(dst, d0, src, s0, step, count):
    """dst[d0 + t] += src[s0 + t*step] for t in range(count)."""
    d0, s0, step = uint64(d0), uint64(s0), uint64(step)
    for t in range(uint64(count)):
        dst[d0 + t] += src[s0 + t * step]


def scatter_add(dst, d0, step, src, s0, count):
    """dst[d0 + t*step] += src[s0 + t] for t in range(count)."""
    d0, s0, step = uint64(d0), uint64(s0), uint64(step)
    for t in range(uint64(count)):
        dst[d0 + t * step] += src[s0 + t]


_HELPERS = ("valid_range", "fill", "gather", "gather_add", "scatter_add")


def _compiled_helpers():
    """The helpers above as Numba functions (compiled once per process)."""
    global _helpers
    with _lock:
        if _helpers is not None:
            return _helpers
        numba = numba_module()
        names = globals()
        names.update(prange=numba.prange, uint64=numba.uint64)
        for name in _HELPERS:
            names[name] = numba.njit(cache=True)(names[name])
        _helpers = {name: names[name] for name in _HELPERS}
        return _helpers


def compile_kernels(namespace, kernels):
    """Replace the plain kernels of a family by Numba's compiled versions, in place.

    ``namespace``: the family module's ``globals()``; ``kernels``: ``{name: njit options}``.
    The functions named in the family's ``_INLINE_HELPERS`` (if any) are compiled first, with
    ``inline="always"``. Does nothing the second time.
    """
    if namespace.get("_numba_compiled"):
        return
    with _lock:
        if namespace.get("_numba_compiled"):
            return
        numba = numba_module()
        namespace.update(_compiled_helpers())
        namespace.update(prange=numba.prange, uint64=numba.uint64)
        for name in namespace.get("_INLINE_HELPERS", ()):     # a family's own helpers, inlined into its kernels
            namespace[name] = numba.njit(inline="always", cache=True)(namespace[name])
        for name, options in kernels.items():
            source = namespace[name]
            options = dict(options, nogil=True)
            compiled = numba.njit(**options)(source)
            if options.get("parallel"):
                serial = numba.njit(**dict(options, parallel=False))(_renamed(source, name + "__serial"))
                compiled = _parallel_or_serial(compiled, serial)
            namespace[name] = compiled
        namespace["_numba_compiled"] = True


def _renamed(function, qualname):
    """A copy of ``function`` under another ``__qualname__``: Numba's cache names its files by it,
    and its index does not tell a ``parallel`` build from a serial one of the same source."""
    copy = types.FunctionType(function.__code__, function.__globals__, function.__name__,
                              function.__defaults__, function.__closure__)
    copy.__qualname__ = qualname
    copy.__module__ = function.__module__
    return copy


# Inside a section, a caller may ask for the parallel build on one thread instead of the serial twin
# (``kernel(*args, section_parallel=True)``), where Numba's threading layer allows launches from several threads
# at once (omp and tbb; not workqueue). im2col's and col2im's twins took 1.45x the parallel build's time on NCHW
# input (session 8); LeNet's two-thread step took 0.93x and 0.97x with the parallel build there (two runs of
# five process pairs, session 10; on channels-last input too, the CIFAR CNN's took 1.03x, so only NCHW asks).
# SECTION_PARALLEL_BUILD False turns it off (the A/B switch).
SECTION_PARALLEL_BUILD = True
_THREADSAFE_LAYERS = ("omp", "tbb")
_layer = None          # Numba's threading layer, once a parallel kernel has run outside a section


def _section_runs_parallel_build():
    """Whether a section's part may launch the parallel build (on one thread): the layer is known and thread-safe."""
    global _layer
    if not SECTION_PARALLEL_BUILD:
        return False
    if _layer is None:
        try:
            _layer = _numba.threading_layer()
        except ValueError:          # no parallel kernel has run yet: the layer is not chosen
            return False
    return _layer in _THREADSAFE_LAYERS


def _parallel_or_serial(parallel, serial):
    """The kernel the caller gets: inside a parallel section the serial twin (or, with
    ``section_parallel=True`` where the threading layer allows, the ``prange`` version on one thread);
    else the ``prange`` version, on ``T`` Numba threads while the intra-op scheme applies
    (``kernels._threads``)."""
    def kernel(*args, section_parallel=False):
        if _threads.in_section():
            if section_parallel and _section_runs_parallel_build():
                _one_thread_in_section()
                return parallel(*args)
            return serial(*args)
        threads = _threads.intra_op_threads()
        if threads > 1 and not _threads.launch_splits(args):
            threads = 1     # the per-op rule (kernels/_threads.py): too small for T threads, run as with the scheme off
        _threads_for_launch(threads)
        return parallel(*args)
    kernel.parallel, kernel.serial = parallel, serial
    kernel.__name__ = kernel.__qualname__ = parallel.py_func.__name__
    kernel.__doc__ = parallel.py_func.__doc__
    return kernel


def _one_thread_in_section():
    """One Numba thread for launches from this thread while it runs a section's part (as
    :func:`_threads_for_launch` with T = 1 under the scheme: the count it replaces is remembered)."""
    state = _thread_state
    if getattr(state, "saved", None) is None:
        state.saved, state.current = _numba.get_num_threads(), None
    if state.current != 1:
        _numba.set_num_threads(1)
        state.current = 1


def _threads_for_launch(threads):
    """Set this thread's Numba thread count (a per-thread setting) for the next launch.

    While the intra-op scheme applies (``threads``, the scheme's ``T``, above 1):
    ``T``, remembering the count it replaces; once it no longer does: that count
    again. Numba is called only on a change.
    """
    state = _thread_state
    want = min(threads, _numba.config.NUMBA_NUM_THREADS)
    saved = getattr(state, "saved", None)
    if want > 1:
        if saved is None:
            state.saved, state.current = _numba.get_num_threads(), None
        if state.current != want:
            _numba.set_num_threads(want)
            state.current = want
    elif saved is not None:
        _numba.set_num_threads(saved)
        state.saved = None


def num_threads() -> int:
    """Threads a ``prange`` kernel launched now by this thread runs on (imports Numba); 1 in a section."""
    if _threads.in_section():
        return 1
    threads = _threads.intra_op_threads()
    return threads if threads > 1 else numba_module().get_num_threads()
