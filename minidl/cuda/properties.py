"""``minidl.cuda``'s device questions, as ``torch.cuda.get_device_properties``/``get_device_capability``/
``is_bf16_supported``/``get_arch_list``. Properties and capability need a GPU."""
from __future__ import annotations

from .. import backend
from ._unavailable import require_gpu

__all__ = ["get_device_properties", "get_device_capability", "is_bf16_supported", "get_arch_list"]


def _index(device):
    if device is None:
        return 0
    if isinstance(device, int):
        return device
    return backend.Device(device).index or 0


class _CudaDeviceProperties:
    """A CUDA device's properties: ``name``, ``major``, ``minor``, ``total_memory`` (bytes),
    ``multi_processor_count``, ``is_integrated``, ``is_multi_gpu_board``, ``max_threads_per_multi_processor``,
    ``warp_size``, ``L2_cache_size``."""

    def __init__(self, values):
        self.__dict__.update(values)

    def __repr__(self):
        return (f"_CudaDeviceProperties(name='{self.name}', major={self.major}, minor={self.minor}, "
                f"total_memory={self.total_memory // (1024 * 1024)}MB, "
                f"multi_processor_count={self.multi_processor_count}, "
                f"L2_cache_size={self.L2_cache_size // (1024 * 1024)}MB)")


def get_device_properties(device=None) -> _CudaDeviceProperties:
    """The properties of CUDA device ``device`` (an index, "cuda:0" or a Device). Needs a GPU."""
    require_gpu("get_device_properties")
    raw = backend.gpu_device_info(_index(device))
    name = raw["name"]
    return _CudaDeviceProperties({
        "name": name.decode() if isinstance(name, bytes) else str(name), "major": int(raw["major"]),
        "minor": int(raw["minor"]), "total_memory": int(raw["totalGlobalMem"]),
        "multi_processor_count": int(raw["multiProcessorCount"]), "is_integrated": int(raw["integrated"]),
        "is_multi_gpu_board": int(raw["isMultiGpuBoard"]),
        "max_threads_per_multi_processor": int(raw["maxThreadsPerMultiProcessor"]),
        "warp_size": int(raw["warpSize"]), "L2_cache_size": int(raw["l2CacheSize"])})


def get_device_capability(device=None) -> tuple:
    """``(major, minor)`` compute capability, e.g. (9, 0) for an H100/H200. Needs a GPU."""
    props = get_device_properties(device)
    return props.major, props.minor


def is_bf16_supported(including_emulation=True) -> bool:
    """True on a GPU of compute capability 8.0 or later (False without a GPU)."""
    if not backend.gpu_available():
        return False
    return get_device_capability()[0] >= 8


def get_arch_list() -> list:
    """The CUDA architectures minidl's kernels are built for: [] (they are compiled at run time for the
    device at hand, by CuPy and Numba)."""
    return []
