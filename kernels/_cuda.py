"""What the CUDA kernels of every family share: compiling per dtype, launching, streams, PTX.

Why ``numba.cuda`` rather than CuPy ``RawKernel`` (CUDA C): the very same
kernel source runs under Numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``),
so CI machines without a GPU execute every kernel against the NumPy
references, and ``compile_ptx`` type-checks and compiles every kernel for a
real architecture (sm_90) without a device. A CUDA C kernel could only be
compiled there, never run.

Each family writes its kernels as closures over the float type
(``_cuda_sources(ftype)``), so float32 inputs accumulate in float32; they are
grid-stride loops over flat, C-contiguous 1-D views, one thread per output
element, so consecutive threads handle consecutive elements of the fastest
axis and global writes coalesce. Device arrays are handed over through the
CUDA array interface (``cuda.as_cuda_array(..., sync=False)``), and kernels
launch on the array library's current stream, which keeps them ordered with
the work around them without a synchronisation per call. Under the simulator
the same code takes NumPy arrays.

How a kernel launches on a device (``minidl.config.cuda_launch``): Numba's
dispatcher spends about 0.15 ms of Python per launch (typing the arguments,
wrapping each array through the array interface), which is most of a small
layer's time on a GPU. With ``"ptx"`` (the default) each kernel is compiled
once per dtype and device with ``cuda.compile_ptx`` (the same code, the same
compiler) and the PTX is loaded and launched through CuPy's driver binding,
which costs microseconds: :class:`PtxKernel` lays the arguments out as Numba's
kernel ABI expects (a 1-D array is seven values: meminfo, parent, nitems,
itemsize, data, shape, stride), and the kernels compile for raw pointers
where they only index their arrays, one argument each. ``"numba"`` keeps
Numba's dispatcher.

This module imports ``numba.cuda``; the families import it only when a CUDA
kernel is about to run.
"""
from __future__ import annotations

import functools
import re
import sys
import warnings
from types import SimpleNamespace

import numpy as np
from numba import config, cuda, types
from numba.core.errors import NumbaPerformanceWarning

from minidl import backend
from minidl import config as minidl_config

__all__ = ["usable", "launch_problem", "simulating", "kernels", "launch", "launch_reduction", "dev", "stream_for",
           "compile_ptx_all", "PtxKernel", "signature_types", "float_array_type", "THREADS", "MAX_BLOCKS",
           "RED_THREADS"]

THREADS = 256
MAX_BLOCKS = 65535 * 8
# Numba warns at every launch of fewer blocks than twice the multiprocessors (264 on an
# H200): small layers' grids are small by nature, and the warning repeated each step.
SMALL_GRID = 512
# Threads per block of the per-channel reductions (a power of two); small under
# the simulator, where every thread is a Python thread.
RED_THREADS = 8 if config.ENABLE_CUDASIM else 256


def simulating() -> bool:
    """True when Numba's CUDA simulator runs the kernels (``NUMBA_ENABLE_CUDASIM=1``)."""
    return bool(config.ENABLE_CUDASIM)


def usable() -> bool:
    """True when kernels can launch: a CUDA device that Numba sees, or the simulator."""
    if config.ENABLE_CUDASIM:
        return True
    try:
        return bool(cuda.is_available())
    except Exception:
        return False


def _probe_kernel(out):
    i = cuda.grid(1)
    if i < out.size:
        out[i] = i + 1.0


def launch_problem():
    """Why no CUDA kernel can be compiled and launched here (one line), or None when one can.

    ``cuda.is_available()`` only says that a device answers; compiling needs
    Numba's CUDA target and NVVM to work with the installed NumPy (a numba-cuda
    that predates the NumPy beside it fails at its first compile), so this
    compiles and runs a one-line kernel once. When the PTX-through-CuPy launch
    (``config.cuda_launch="ptx"``) fails but Numba's dispatcher works, kernels
    launch through Numba from then on, with one warning that names the cause.
    """
    global _ptx_problem
    if config.ENABLE_CUDASIM:
        return None
    try:
        if not cuda.is_available():
            return "numba.cuda.is_available() is False"
        if _ptx_launch():
            _ptx_problem = _probe(_ptx_probe)
            if _ptx_problem is None:
                return None
            warnings.warn(f"minidl.kernels: launching CUDA kernels through CuPy failed ({_ptx_problem}); "
                          "using Numba's dispatcher (slower per launch)", RuntimeWarning, stacklevel=2)
        return _probe(_numba_probe)
    except Exception as exc:  # noqa: BLE001 -- any failure means "no CUDA kernels", said in the warning
        return _one_line(exc)


def _one_line(exc):
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": ")


def _probe(run):
    """None when ``run()`` writes 1, 2, 3, 4, else why not (one line)."""
    try:
        values = run()
    except Exception as exc:  # noqa: BLE001
        return _one_line(exc)
    return None if values == [1.0, 2.0, 3.0, 4.0] else "a test kernel ran but wrote wrong values"


def _numba_probe():
    out = cuda.device_array(4, dtype=np.float32)
    _run(cuda.jit(_probe_kernel), 1, 4, 0, (out,))
    return out.copy_to_host().tolist()


def _ptx_probe():
    out = backend.to_device(np.zeros(4, dtype=np.float32), backend.device("cuda"))
    PtxKernel(_probe_kernel, (types.Array(types.float32, 1, "C"),)).launch(1, 4, (out,))
    return backend.to_numpy(out).tolist()


def signature_types(ftype):
    """``(float pointer, int64 pointer, int64 scalar)`` Numba types for float type ``ftype``.

    The kernels index their flat arrays only (``a[i]``), so they compile for raw
    pointers: one kernel argument per array instead of the seven fields of
    Numba's array struct, which is what each launch pays for in argument
    conversion. :func:`float_array_type` is for arguments that need an array
    (``cuda.atomic.add`` takes arrays only).
    """
    f = types.float32 if ftype is np.float32 else types.float64
    return types.CPointer(f), types.CPointer(types.int64), types.int64


def float_array_type(ftype):
    """The Numba type of a flat C-contiguous float array of ``ftype``."""
    return types.Array(types.float32 if ftype is np.float32 else types.float64, 1, "C")


def _bind(sources):
    """Make ``cuda`` in the family module of ``sources`` the real ``numba.cuda``.

    The kernels use ``cuda`` as a module global (not a closure variable), since
    the simulator runs a kernel with that global swapped for its fake module.
    """
    sources.__globals__["cuda"] = cuda
    return sources


_ptx_problem = None   # why launching through CuPy failed in launch_problem's probe, if it did


def _ptx_launch() -> bool:
    """Whether device kernels launch through CuPy from PTX: ``config.cuda_launch == "ptx"``, not
    simulating, and the probe in :func:`launch_problem` did not fail."""
    return not config.ENABLE_CUDASIM and minidl_config.cuda_launch == "ptx" and _ptx_problem is None


def kernels(sources, dtype):
    """The kernels of one family (``sources(ftype) -> {name: fn}``) for one dtype (a NumPy dtype or its name).

    Each is a :class:`PtxKernel` when kernels launch through CuPy, else Numba's
    ``cuda.jit`` dispatcher (always under the simulator).
    """
    # keyed by the dtype's one-letter code: ``dtype.name`` is computed in Python on every access
    char = dtype.char if isinstance(dtype, np.dtype) else np.dtype(dtype).char
    return _kernels(sources, char, _ptx_launch())


@functools.lru_cache(maxsize=None)
def _kernels(sources, dtype_char, ptx):
    ftype = np.dtype(dtype_char).type
    fns = _bind(sources)(ftype)
    if not ptx:
        return SimpleNamespace(**{name: cuda.jit(fn) for name, fn in fns.items()})
    signatures = sys.modules[sources.__module__]._cuda_signatures(ftype)
    return SimpleNamespace(**{name: PtxKernel(fn, signatures[name]) for name, fn in fns.items()})


_NULL = np.uint64(0)


def _argument_kind(numba_type):
    """How one kernel argument is passed: ``"pointer"`` (a device array's address), ``"array"`` (a flat
    1-D C array as Numba's array struct) or the NumPy scalar type."""
    if isinstance(numba_type, types.CPointer):
        return "pointer"
    if isinstance(numba_type, types.Array):
        if numba_type.ndim != 1:
            raise TypeError(f"PtxKernel takes 1-D arrays only, not {numba_type}")
        return "array"
    if numba_type == types.boolean:
        return np.bool_
    if numba_type == types.int64:
        return np.int64
    if numba_type == types.float64:
        return np.float64
    if numba_type == types.float32:
        return np.float32
    raise TypeError(f"PtxKernel cannot pass a {numba_type} argument")


class PtxKernel:
    """A ``numba.cuda`` kernel compiled by Numba to PTX, launched through CuPy (see the module docstring).

    ``fn`` is the kernel's Python function and ``signature`` its argument types
    (pointers, 1-D C arrays, int64, bool, float); each array passed for a
    pointer or array argument must be flat and C-contiguous (``dev``). It
    compiles lazily, once per device, for that device's compute capability.
    """

    def __init__(self, fn, signature):
        self.fn = fn
        self.signature = tuple(signature)
        self.kinds = tuple(_argument_kind(t) for t in self.signature)
        self._functions = {}

    def ptx(self, cc):
        """``(ptx_text, entry_name)`` for compute capability ``cc`` (no device needed)."""
        ptx, _ = cuda.compile_ptx(self.fn, self.signature, cc=cc)
        entry = re.search(r"\.entry\s+([\w$]+)\s*\(", ptx).group(1)
        return ptx, entry

    def arguments(self, args):
        """The flat argument tuple of Numba's kernel ABI for ``args`` (pointers: the array itself, whose
        address CuPy passes; arrays: meminfo, parent, nitems, itemsize, data, shape, stride; scalars
        by value)."""
        if len(args) != len(self.kinds):
            raise TypeError(f"{self.fn.__name__} takes {len(self.kinds)} arguments, got {len(args)}")
        flat = []
        for kind, a in zip(self.kinds, args):
            if kind == "pointer":
                flat.append(a)
            elif kind == "array":
                n, itemsize = np.int64(a.size), np.int64(a.itemsize)
                flat += (_NULL, _NULL, n, itemsize, a, n, itemsize)
            else:
                flat.append(kind(a))
        return tuple(flat)

    def launch(self, blocks, threads, args):
        """Run the kernel on ``blocks`` x ``threads`` threads, on CuPy's current stream."""
        device = backend.current_gpu_index()
        function = self._functions.get(device)
        if function is None:
            ptx, entry = self.ptx(backend.gpu_compute_capability())
            function = self._functions[device] = backend.load_ptx_kernel(ptx, entry)
        function((blocks,), (threads,), self.arguments(args))


def compile_ptx_all(cc=(9, 0)):
    """Compile every family's kernels for float32 and float64 to PTX for compute capability ``cc``.

    Needs no GPU (only NVVM from a CUDA toolkit); returns ``{(name, dtype): ptx}``.
    Raises on any typing or compilation error, which is what the tests check.
    """
    from . import channel_stats, pooling, unfold
    out = {}
    for family in (unfold, pooling, channel_stats):
        for ftype in (np.float32, np.float64):
            sigs = family._cuda_signatures(ftype)
            for name, fn in _bind(family._cuda_sources)(ftype).items():
                ptx, _ = cuda.compile_ptx(fn, sigs[name], cc=cc)
                out[(name, np.dtype(ftype).name)] = ptx
    return out


_streams = {}


def stream_for(array):
    """The Numba stream matching the array library's current stream (0 = default, e.g. NumPy in the simulator).

    None when kernels launch through CuPy, which launches on its current stream itself.
    """
    if _ptx_launch():
        return None
    ptr = backend.current_stream_pointer(array)
    if ptr is None:
        return 0
    if ptr not in _streams:
        _streams[ptr] = cuda.external_stream(ptr) if ptr else cuda.default_stream()
    return _streams[ptr]


def dev(array):
    """A flat 1-D device view of a C-contiguous array (no copy, no stream sync)."""
    flat = array.reshape(-1)
    if backend.is_device_array(flat) and not _ptx_launch():
        return cuda.as_cuda_array(flat, sync=False)
    return flat


def launch(kernel, total, stream, *args):
    """Launch a grid-stride ``kernel`` over ``total`` elements."""
    if total <= 0:
        return
    if config.ENABLE_CUDASIM:
        # The simulator runs each thread in Python: a tiny grid, still > 1 block
        # so the grid-stride loop is exercised.
        blocks, threads = 2, 4
    else:
        threads = THREADS
        blocks = min((total + threads - 1) // threads, MAX_BLOCKS)
    _run(kernel, blocks, threads, stream, args)


def _run(kernel, blocks, threads, stream, args):
    if isinstance(kernel, PtxKernel):
        kernel.launch(blocks, threads, args)
        return
    if blocks >= SMALL_GRID:
        kernel[blocks, threads, stream](*args)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumbaPerformanceWarning)
        kernel[blocks, threads, stream](*args)


def launch_reduction(kernel, channels, stream, *args):
    """Launch a per-channel reduction ``kernel``: blocks over channels, RED_THREADS threads each."""
    if channels <= 0:
        return
    blocks = 2 if config.ENABLE_CUDASIM else min(channels, MAX_BLOCKS)
    _run(kernel, blocks, RED_THREADS, stream, args)
