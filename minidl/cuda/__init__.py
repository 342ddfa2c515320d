"""``minidl.cuda``: what PyTorch's ``torch.cuda`` answers, backed by CuPy through :mod:`minidl.backend`.

On a machine without a usable GPU, ``is_available()`` is False,
``device_count()`` is 0, the memory counters are 0, and the functions that need a GPU
(``synchronize``, ``current_device``, ``get_device_properties``, ``Stream``, ``Event``, ...) raise
:class:`CudaUnavailableError` saying what is missing (CuPy, a driver, a device): a
:class:`minidl.DeviceError` (RuntimeError) and an AssertionError, as CPU-only PyTorch raises there.
"""
from __future__ import annotations

from .. import backend
from ..backend import DeviceError  # noqa: F401  (minidl.cuda.DeviceError, as before)
from ._unavailable import CudaUnavailableError, require_gpu

__all__ = ["is_available", "device_count", "current_device", "set_device", "get_device_name", "synchronize",
           "empty_cache", "manual_seed", "manual_seed_all", "is_initialized", "device"]
__all__ += ["amp"]


def is_available() -> bool:
    """True when CuPy imports and a CUDA device answers."""
    return backend.gpu_available()


def device_count() -> int:
    """Number of usable CUDA devices (0 without a GPU)."""
    return backend.gpu_device_count()


def is_initialized() -> bool:
    """True once a GPU has been found usable."""
    return backend.gpu_available()


def _require(what="current_device"):
    require_gpu(what)


def current_device() -> int:
    """The index of the current CUDA device (minidl uses device 0)."""
    _require()
    return 0


def set_device(device) -> None:
    """Select the CUDA device; minidl drives device 0 only, so other indices are refused."""
    _require("set_device")
    index = device if isinstance(device, int) else backend.Device(device).index or 0
    if index != 0:
        raise DeviceError(f"minidl uses CUDA device 0 only; set CUDA_VISIBLE_DEVICES={index} to use device {index}")


def get_device_name(device=None) -> str:
    """The name of a CUDA device, e.g. 'NVIDIA H200'."""
    require_gpu("get_device_name")
    index = 0 if device is None else device if isinstance(device, int) else backend.Device(device).index or 0
    return backend.gpu_device_name(index)


def synchronize(device=None) -> None:
    """Wait until the GPU has finished the queued work. Needs a GPU (as PyTorch's)."""
    require_gpu("synchronize")
    backend.gpu_synchronize()


def empty_cache() -> None:
    """Release cached, unused GPU memory (no-op without a GPU)."""
    backend.gpu_empty_cache()


def manual_seed(seed: int) -> None:
    """Seed the random sources (minidl has one seed for all devices: :func:`minidl.manual_seed`)."""
    backend.manual_seed(seed)


manual_seed_all = manual_seed


def device(index=0):
    """The :class:`minidl.Device` for CUDA device ``index``."""
    return backend.Device("cuda", index)


from . import amp  # noqa: E402  (minidl.cuda.amp, as torch.cuda.amp)

# torch.cuda's memory, device-property, stream/event and random-number functions
from .memory import (  # noqa: E402
    max_memory_allocated,
    max_memory_cached,
    max_memory_reserved,
    mem_get_info,
    memory_allocated,
    memory_cached,
    memory_reserved,
    memory_stats,
    reset_max_memory_allocated,
    reset_max_memory_cached,
    reset_peak_memory_stats,
)
from .properties import get_arch_list, get_device_capability, get_device_properties, is_bf16_supported  # noqa: E402
from .random import (  # noqa: E402
    get_rng_state,
    get_rng_state_all,
    initial_seed,
    seed,
    seed_all,
    set_rng_state,
    set_rng_state_all,
)
from .streams import Event, Stream, StreamContext, current_stream, default_stream, set_stream, stream  # noqa: E402


def init() -> None:
    """Initialise CUDA (minidl does so lazily; this checks a GPU is usable, as PyTorch's raises without one)."""
    require_gpu("init")


def ipc_collect() -> None:
    """Free GPU memory shared with other processes that they no longer use (needs a GPU; minidl shares none)."""
    require_gpu("ipc_collect")


__all__ += ["memory_allocated", "max_memory_allocated", "memory_reserved", "max_memory_reserved",
            "memory_cached", "max_memory_cached", "reset_peak_memory_stats", "reset_max_memory_allocated",
            "reset_max_memory_cached", "mem_get_info", "memory_stats", "get_device_properties",
            "get_device_capability", "is_bf16_supported", "get_arch_list", "seed", "seed_all", "initial_seed",
            "get_rng_state", "set_rng_state", "get_rng_state_all", "set_rng_state_all", "Stream", "Event",
            "StreamContext", "current_stream", "default_stream", "set_stream", "stream", "init", "ipc_collect",
            "CudaUnavailableError"]

from ..functions_torch_misc import OutOfMemoryError  # noqa: E402  (torch.cuda.OutOfMemoryError is torch.OutOfMemoryError)

__all__ += ["OutOfMemoryError"]
