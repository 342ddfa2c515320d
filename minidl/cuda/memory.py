"""``minidl.cuda``'s memory queries, as ``torch.cuda.memory``: what minidl's tensors hold on the GPU
(CuPy's memory pool, through :mod:`minidl.backend`).

Without a usable GPU the byte counts are 0 and ``memory_stats()`` is empty (as a CPU-only PyTorch answers);
``mem_get_info`` needs a GPU. The peaks are recorded by an allocation hook that the first memory query
installs: they cover the allocations since the last :func:`reset_peak_memory_stats`, or since the first query.
"""
from __future__ import annotations

from collections import OrderedDict

from .. import backend
from ._unavailable import require_gpu

__all__ = ["memory_allocated", "max_memory_allocated", "memory_reserved", "max_memory_reserved",
           "reset_peak_memory_stats", "reset_max_memory_allocated", "reset_max_memory_cached", "mem_get_info",
           "memory_stats", "memory_cached", "max_memory_cached"]


def _current():
    return backend.gpu_memory_bytes()[:2]


def memory_allocated(device=None) -> int:
    """Bytes the GPU tensors occupy now (0 without a GPU)."""
    return _current()[0]


def max_memory_allocated(device=None) -> int:
    """The most bytes seen occupied since the last :func:`reset_peak_memory_stats` (0 without a GPU)."""
    return backend.gpu_memory_bytes()[2]


def memory_reserved(device=None) -> int:
    """Bytes the memory pool holds from the driver now, in use or cached (0 without a GPU)."""
    return _current()[1]


def max_memory_reserved(device=None) -> int:
    """The most bytes seen held by the pool since the last :func:`reset_peak_memory_stats` (0 without a GPU)."""
    return backend.gpu_memory_bytes()[3]


def memory_cached(device=None) -> int:
    """Deprecated name of :func:`memory_reserved`."""
    return memory_reserved(device)


def max_memory_cached(device=None) -> int:
    """Deprecated name of :func:`max_memory_reserved`."""
    return max_memory_reserved(device)


def reset_peak_memory_stats(device=None) -> None:
    """Start the peaks again from the current values."""
    backend.gpu_memory_bytes(reset_peaks=True)


def reset_max_memory_allocated(device=None) -> None:
    """Deprecated: resets all peaks, as :func:`reset_peak_memory_stats`."""
    reset_peak_memory_stats(device)


def reset_max_memory_cached(device=None) -> None:
    """Deprecated: resets all peaks, as :func:`reset_peak_memory_stats`."""
    reset_peak_memory_stats(device)


def mem_get_info(device=None) -> tuple:
    """``(free, total)`` bytes of the GPU as the driver reports them; needs a GPU."""
    require_gpu("mem_get_info")
    index = 0 if device is None else device if isinstance(device, int) else backend.Device(device).index or 0
    info = backend.gpu_device_info(index)
    return int(info["free"]), int(info["total"])


def memory_stats(device=None) -> OrderedDict:
    """The allocator's counters under PyTorch's keys (empty without a GPU)."""
    if not backend.gpu_available():
        return OrderedDict()
    used, held, peak_used, peak_held = backend.gpu_memory_bytes()
    return OrderedDict([("allocated_bytes.all.current", used), ("allocated_bytes.all.peak", peak_used),
                        ("reserved_bytes.all.current", held), ("reserved_bytes.all.peak", peak_held)])
