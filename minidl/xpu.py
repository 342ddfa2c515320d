"""PyTorch's ``torch.xpu`` (Intel GPUs) as minidl answers it: no XPU device exists here.

Scripts that pick a device with ``torch.cuda.is_available()`` / ``torch.xpu.is_available()`` (PyTorch's
recipes do) get PyTorch's answers on a machine without an Intel GPU.
"""
from __future__ import annotations

__all__ = ["is_available", "device_count"]


def is_available() -> bool:
    """False: minidl runs on CPUs (NumPy) and NVIDIA GPUs (CuPy), never on Intel XPUs."""
    return False


def device_count() -> int:
    """0: no XPU device is usable."""
    return 0
